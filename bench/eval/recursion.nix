# Deep non-tail recursion, 9,000 levels (under max-call-depth 10,000), repeated 120 times.
let
  depth = n: if n == 0 then 0 else 1 + depth (n - 1);
in
builtins.foldl' (acc: _: acc + depth 9000) 0 (builtins.genList (x: x) 120)
