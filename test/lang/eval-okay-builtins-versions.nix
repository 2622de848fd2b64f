with builtins;
[
  (replaceStrings [ "oo" "a" ] [ "a" "i" ] "foobar")
  (replaceStrings [ "" ] [ "X" ] "abc")
  (map splitVersion [ "1.2.3pre" "2.0-rc1" "" "..a1.b2" ])
  (map (x: compareVersions (elemAt x 0) (elemAt x 1)) [
    [ "2.3" "2.3.1" ]
    [ "2.3a" "2.3.1" ]
    [ "1.0pre" "1.0" ]
    [ "1.0" "1.0" ]
    [ "2.3.1" "2.3" ]
    [ "1.10" "1.9" ]
  ])
  (map parseDrvName [ "nix-0.12pre12876" "apache-httpd-2.0.48" "hello" "a-b-c" ])
]
