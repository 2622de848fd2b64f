# `builtins` holds itself, as an ordinary attribute among the others.
[
  (builtins ? builtins)
  (builtins.builtins.builtins.length [ 1 2 ])
  (builtins.elem "builtins" (builtins.attrNames builtins))
  (builtins.builtins == builtins)
]
