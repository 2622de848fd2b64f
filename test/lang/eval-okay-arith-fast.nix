# Arithmetic and comparison on forced thunks, small integers, floats, mixed operands and
# integers near the 64-bit limits: the common case is computed directly, the rest by the
# builtins, with the same results.
let
  big = 9223372036854775807;
  xs = builtins.genList (i: i * 3 - 7) 10;
  f = x: x / 2 * 2 == x;
in
[
  (builtins.filter f xs)
  (builtins.foldl' (a: b: a + b) 0 xs)
  (big - 1)
  (-big - 1)
  (big / 3)
  (7 / 2.0)
  (1.5 * 2)
  (2 - 0.5)
  (builtins.lessThan 1 2)
  (3 < 2)
  (1.0 < 2)
  (builtins.sort (a: b: a < b) [ 3 1.5 2 (-1) ])
  (let __sub = a: b: "shadowed"; in 3 - 1)
  (let __lessThan = a: b: "shadowed"; in 3 < 1)
]
