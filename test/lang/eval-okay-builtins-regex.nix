with builtins;
[
  (match "ab(c*)" "abccc")
  (match "a" "b")
  (match "([[:alpha:]]+)-([0-9.]+)" "hello-1.2.3")
  (match "(a)|(b)" "b")
  (match "[]a]+" "]a]")
  (match ".*" "a\nb")
  (split "(a)b" "cabdabe")
  (split "," "a,b,,c")
  (split "x*" "abc")
  (split "([[:digit:]]+)" "v1.23rc4")
]
