# split with a regular expression that is plain text: every occurrence, left to right,
# including at the ends, back to back, overlapping candidates and bytes beyond ASCII.
with builtins;
[
  (split "," "a,b,,c")
  (split "," "")
  (split "," "abc")
  (split "ab" "xabyabab")
  (split "-" "-a-")
  (split "," ",")
  (split "aa" "aaaaa")
  (split "é" "aébéc")
  (split "(,)" "a,b")
  (split "\\." "a.b")
]
