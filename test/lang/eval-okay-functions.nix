let
  f = { a, b ? a * 2, ... }@args: [ a b (args ? c) ];
  g = x: y: x - y;
  h = { ... }: 1;
in [ (f { a = 1; }) (f { a = 1; b = 5; c = 0; }) (g 10 3) (h { z = 1; }) ]
