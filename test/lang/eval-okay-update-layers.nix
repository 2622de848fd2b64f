# `//` onto big sets, many times over: names, sizes, values and positions stay those of a
# flat set, whichever side is bigger and however deep the chain of updates gets.
let
  big = builtins.listToAttrs (builtins.genList (i: { name = "a${toString i}"; value = i; }) 100);
  small = { a5 = "five"; b = null; c = 3; };
  chain = builtins.foldl' (acc: i: acc // { "a${toString i}" = -i; "n${toString i}" = i; }) big (builtins.genList (i: i * 7) 20);
  twice = chain // chain;
  flipped = small // big;
in
{
  sizes = map (s: builtins.length (builtins.attrNames s)) [ (big // small) flipped chain twice ];
  values = [ (big // small).a5 (big // small).b (big // small).a6 flipped.a5 flipped.c chain.a14 chain.a15 chain.n133 ];
  names = builtins.attrNames ((builtins.removeAttrs big (builtins.genList (i: "a${toString (i + 3)}") 97)) // small);
  has = [ (chain ? a99) (chain ? n7) (chain ? n8) ((big // small) ? b) ];
  pos = builtins.unsafeGetAttrPos "c" (big // small);
  equal = [ (chain == twice) (big // small == small // big) ];
  mapped = builtins.attrValues (builtins.mapAttrs (n: v: if v == null then 0 else 1) (big // small));
}
