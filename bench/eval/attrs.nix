# Attribute sets: 200,000 attributes built from a list, updated, mapped, selected from.
with builtins;
let
  names = genList (i: "attr${toString i}") 200000;
  set = listToAttrs (map (n: { name = n; value = stringLength n; }) names);
  bigger = set // { extra = 1; } // mapAttrs (n: v: v * 2) set;
  picked = map (n: bigger.${n}) (genList (i: "attr${toString (i * 7)}") 28000);
in
[ (length (attrNames bigger)) (foldl' (a: b: a + b) 0 picked) (bigger ? attr199999) ]
