# Strings: interpolation, concatenation, replacement and splitting on 100,000 pieces.
with builtins;
let
  pieces = genList (i: "item-${toString i}") 100000;
  joined = concatStringsSep "," pieces;
  replaced = replaceStrings [ "item" "-" ] [ "x" "_" ] joined;
  parts = filter isString (split "," replaced);
in
[ (stringLength joined) (stringLength replaced) (length parts) (substring 0 20 replaced) ]
