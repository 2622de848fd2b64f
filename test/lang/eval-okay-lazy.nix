let
  xs = [ (throw "not forced") 2 ];
  s = { a = throw "not forced"; b = 3; };
in [ (builtins.sub 5 2) s.b ({ inherit (s) b; }.b) ]
