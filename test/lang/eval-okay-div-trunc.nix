# Integer division truncates towards zero, exactly, at every size: small, near 2^53 (where a
# double quotient would be inexact if done carelessly) and beyond it.
[
  (7 / 2) (-7 / 2) (7 / -2) (-7 / -2) (0 / 5) (-1 / 2)
  (9007199254740991 / 2) (-9007199254740991 / 3)
  (9007199254740991 / 9007199254740990) (9007199254740990 / 9007199254740991)
  (4503599627370497 / 3) (9223372036854775807 / 2) (-9223372036854775807 / 7)
  (builtins.toString (-1 / 2)) (builtins.toJSON (-1 / 5)) (builtins.div 100 7)
]
