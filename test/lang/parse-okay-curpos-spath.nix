[ __curPos <nix/fetchurl.nix> (builtins.map or true) ]
