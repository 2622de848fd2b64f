# A package set of 2,000 derivations in the style of nixpkgs: a fixed point of an attribute set,
# a mkDerivation helper, sources fetched by fixed-output derivations, and each package
# depending on up to three earlier ones (so hash modulo walks real dependency chains).
let
  count = 2000;
  inherit (builtins) genList listToAttrs filter map toString hashString;

  mod = a: b: a - (a / b) * b;

  fetch = name: builtins.derivation {
    inherit name;
    system = "x86_64-linux";
    builder = "builtin:fetchurl";
    url = "https://example.org/${name}";
    outputHashAlgo = "sha256";
    outputHash = hashString "sha256" name;
  };

  mkDerivation =
    { pname, version, deps ? [ ], ... }@args:
    derivation (
      removeAttrs args [ "deps" ]
      // {
        name = "${pname}-${version}";
        system = "x86_64-linux";
        builder = "/bin/sh";
        args = [ "-c" "echo ${pname} > $out" ];
        buildInputs = deps;
        outputs = if mod (builtins.stringLength pname) 3 == 0 then [ "out" "dev" ] else [ "out" ];
      }
    );

  package =
    self: i:
    let
      name = "pkg${toString i}";
    in
    mkDerivation {
      pname = name;
      version = "1.${toString (mod i 7)}";
      src = fetch "${name}.tar.gz";
      deps = map (j: self."pkg${toString j}") (filter (j: j >= 0 && j < i) [ (i - 1) (i / 2) (i - 17) ]);
      enableFeature = mod i 2 == 0;
    };

  fix = f: let x = f x; in x;
in
fix (self: listToAttrs (genList (i: { name = "pkg${toString i}"; value = package self i; }) count))
