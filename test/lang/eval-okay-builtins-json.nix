with builtins;
[
  (toJSON { b = [ 1 2.5 0.001 null true ]; a = "x\ny\"\t\\"; c = { }; d = [ ]; })
  (toJSON { outPath = "/nix/store/x"; })
  (toJSON { __toString = self: "ts"; })
  (toJSON "é")
  (fromJSON ''{"a": [1, 2.5, -3, "\u00e9\ud83d\ude00\n"], "b": null, "a": true, "c": {"d": false}}'')
  (fromJSON "[]")
  (fromJSON " 42 ")
]
