# A package expression in the style of nixpkgs: a function of its inputs that returns a
# derivation. Its builder is a shell script next to it, its source a local directory; both are
# copied into the store. With real Nix: `nix-build examples/hello && ./result/bin/hello`.
{
  system ? builtins.currentSystem,
  greeting ? "Hello from tsnix",
}:

let
  pname = "hello";
  version = "1.0";
in
derivation {
  name = "${pname}-${version}";
  inherit system greeting;
  builder = "/bin/sh";
  args = [ ./builder.sh ];
  src = ./src;
  meta = builtins.toJSON {
    description = "A program that greets";
    license = "MIT";
  };
}
