# An error inside an argument of an arithmetic operator that is itself an operator call: the
# argument is evaluated in place (no thunk), under the same frames as when the builtin forces it.
let
  f = n: n * (n - "one");
in
f 3 + 1
