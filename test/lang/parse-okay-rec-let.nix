let
  a = 1;
  b = a + 1;
  inherit (builtins) map;
  c = rec { d = a; e = d; inherit b; };
in
  { inherit a; inherit (c) d e; f = let { body = a; }; g = let in a; }
