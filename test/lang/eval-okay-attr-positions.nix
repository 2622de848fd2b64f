# Where builtins and `__overrides` say an attribute was defined: removeAttrs and intersectAttrs
# keep the positions of the set they take the attributes from, listToAttrs gives each attribute
# the position of its `value`, mapAttrs and zipAttrsWith give none, an override its own.
let
  s = { a = 1; b = 2; };
  f = { a, b ? 1 }: a;
  at = name: set: builtins.unsafeGetAttrPos name set;
in
[
  (at "a" (removeAttrs s [ "b" ]))
  (at "a" (builtins.intersectAttrs { a = 0; } s))
  (at "a" (builtins.mapAttrs (n: v: v) s))
  (at "a" (builtins.listToAttrs [ { name = "a"; value = 1; } ]))
  (at "a" (builtins.zipAttrsWith (n: v: v) [ s ]))
  (at "b" (builtins.functionArgs f))
  (at "a" (rec { a = 1; __overrides = { a = 2; }; }))
  (at "a" (rec { a = 1; __overrides = builtins.listToAttrs [ { name = "a"; value = 2; } ]; }))
  (at "b" (rec { a = 1; b = 2; __overrides = builtins.mapAttrs (n: v: v) { b = 3; }; }))
]
