# replaceStrings replaces, from left to right, the first pattern in the list that matches at
# each position: overlapping, nested and repeated patterns, and empty ones.
with builtins;
[
  (replaceStrings [ "aa" "a" ] [ "1" "2" ] "aaaaa")
  (replaceStrings [ "a" "aa" ] [ "1" "2" ] "aaaaa")
  (replaceStrings [ "ab" "bc" ] [ "X" "Y" ] "abcbcab")
  (replaceStrings [ "bc" "ab" ] [ "X" "Y" ] "abcbcab")
  (replaceStrings [ "aba" ] [ "X" ] "ababababa")
  (replaceStrings [ "c" "abc" ] [ "1" "2" ] "abcabc")
  (replaceStrings [ "abc" "b" ] [ "1" "2" ] "ab abc b")
  (replaceStrings [ "" ] [ "-" ] "abc")
  (replaceStrings [ "b" "" ] [ "Y" "X" ] "abc")
  (replaceStrings [ "x" ] [ "y" ] "no match here")
  (replaceStrings [ ] [ ] "abc")
]
