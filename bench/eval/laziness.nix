# Laziness: a large set of thunks of which only a few are forced, and a lazy infinite-looking
# structure walked a little.
let
  big = builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = throw "never ${toString i}"; }) 400000);
  nat = n: { value = n; next = nat (n + 1); };
  walk = s: k: if k == 0 then s.value else walk s.next (k - 1);
in
[ (builtins.length (builtins.attrNames big)) (walk (nat 0) 5000) ]
