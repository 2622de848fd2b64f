let
  a = 1;
  b = a + c;
  c = 10;
  s = rec { x = y + 1; y = 2; inherit a; };
  t = let { body = u * 2; u = 21; };
in [ a b s t s.x ]
