/**
 * Generates the workload of the `parse-10mb` parser benchmark: a synthetic package set of
 * about 10.5 MB that looks like a nixpkgs `all-packages.nix` plus the package files it calls,
 * inlined. It measures how fast a parser gets through the constructs real Nix code is made of:
 * `stdenv.mkDerivation rec { … }` calls, `fetchurl`/`fetchFromGitHub`, lists of dependencies,
 * indented strings of shell with interpolations and `''` escapes, `meta = with lib; { … }`,
 * `inherit`/`inherit (e)`, `if`, `//`, `++`, `or` defaults, `let` blocks, lambdas with formals
 * and defaults, `assert`, numbers, paths, search paths, URIs and comments.
 *
 * The output is deterministic (a fixed-seed PRNG, no `Math.random`), and every variable is bound
 * (a formal of the top function, a `let` binding, an attribute of a `rec` set, a formal of an
 * inner lambda, or under a `with`), so `nix-instantiate --parse` accepts it.
 *
 * Usage: node bench/gen-packages.js [OUT] [--bytes N]   (default bench/out/packages.nix, 10.5e6)
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export const DEFAULT_OUT = resolve(here, "out/packages.nix");
export const DEFAULT_BYTES = 10_500_000;
const SEED = 0x5eed_2024;

/** mulberry32: a tiny 32-bit PRNG, good enough to make the text look varied. */
function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [0, n). */
    int: (n) => Math.floor(next() * n),
    /** An integer in [lo, hi]. */
    range: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
    /** Up to n distinct elements of xs. */
    some(xs, n) {
      const out = new Set();
      for (let i = 0; i < n * 3 && out.size < n && xs.length > 0; i++) out.add(this.pick(xs));
      return [...out];
    },
  };
}

const SYLLABLES = (
  "ba be bi bo bu da de di do du fa fe fi fo ga ge go gu ka ke ki ko ku la le li lo lu ma me " +
  "mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve " +
  "vi vo za ze zi zo xor qua tri gl gtk xml net ssl png jpe web cur zip bz lz ssh git sql"
).split(" ");

const WORDS = (
  "fast small portable library tool for parsing compressing rendering images audio video " +
  "network protocols data streams files text terminal emulator window manager database " +
  "server client bindings framework utilities collection of scripts and helpers written in " +
  "C Rust Python with support plugins cryptographic primitives a simple modern secure " +
  "lightweight command-line interface graphical fonts documentation generator"
).split(" ");

const LICENSES = "mit bsd2 bsd3 asl20 gpl2Plus gpl3Plus lgpl21Plus mpl20 isc zlib".split(" ");
const PLATFORMS = "unix linux darwin all".split(" ");
const MAINTAINERS = "alice bob carol dave erin frank grace heidi ivan judy".split(" ");
const PY_PKGS = "requests six numpy setuptools pytest attrs click pyyaml jinja2 idna".split(" ");
const OPTIONS = "debug tests docs static shared threads nls ipv6 x11 wayland".split(" ");
const ENV_VARS = "out dev lib bin doc man NIX_BUILD_CORES TMPDIR PWD HOME".split(" ");

/** Names the package names must not take: keywords, and every name the generator binds itself. */
const RESERVED = new Set(
  (
    "if then else assert with let in rec inherit or true false null builtins import toString " +
    "derivation map throw abort baseNameOf dirOf isNull removeAttrs fetchTarball scopedImport " +
    "lib stdenv fetchurl fetchFromGitHub fetchpatch pkg-config cmake meson ninja " +
    "autoreconfHook python3 perl makeWrapper writeText callPackage config enableDebug args " +
    "optional optionals optionalString optionalAttrs concatStringsSep licenses platforms " +
    "maintainers mkVersion mkPlugin commonFlags isLinux isDarwin maxInt mirror defaultMeta " +
    "pname version src meta patches passthru env ver rev hash sha256 url owner repo name " +
    "outputs doCheck"
  ).split(" "),
);

/** 52 characters of Nix's base-32 alphabet: the shape of a sha256 in nixpkgs. */
function base32Hash(rng) {
  const alphabet = "0123456789abcdfghijklmnpqrsvwxyz";
  let s = "";
  for (let i = 0; i < 52; i++) s += alphabet[rng.int(32)];
  return s;
}

/** An SRI hash: `sha256-` and 44 characters of base64. */
function sriHash(rng) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let s = "sha256-";
  for (let i = 0; i < 43; i++) s += alphabet[rng.int(64)];
  return s + "=";
}

function sentence(rng, lo, hi) {
  const n = rng.range(lo, hi);
  const words = [];
  for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
  const s = words.join(" ");
  return s[0].toUpperCase() + s.slice(1);
}

function makeNames(rng, count) {
  const names = [];
  const seen = new Set(RESERVED);
  while (names.length < count) {
    let base = "";
    const n = rng.range(2, 4);
    for (let i = 0; i < n; i++) base += rng.pick(SYLLABLES);
    let name = base;
    const r = rng.next();
    if (r < 0.12) name = "lib" + base;
    else if (r < 0.2) name = base + "-" + rng.pick(["utils", "tools", "bin", "unwrapped", "ng"]);
    else if (r < 0.24) name = base + rng.range(1, 9);
    else if (r < 0.25) name = base + "'";
    if (seen.has(name)) name = `${name}_${names.length}`;
    seen.add(name);
    names.push(name);
  }
  return names;
}

function versionString(rng) {
  const parts = [rng.int(10), rng.int(40), rng.int(20)];
  if (rng.chance(0.2)) parts.pop();
  return parts.join(".");
}

function stringList(items, indent) {
  if (items.length === 0) return "[ ]";
  if (items.length <= 3) return `[ ${items.join(" ")} ]`;
  return `[\n${items.map((x) => `${indent}  ${x}`).join("\n")}\n${indent}]`;
}

/** An indented string of shell, with interpolations and the `''$`, `'''` and `''\` escapes. */
function shellScript(rng, deps, indent) {
  const lines = [];
  const n = rng.range(2, 9);
  for (let i = 0; i < n; i++) {
    const dep = deps.length > 0 ? rng.pick(deps) : "stdenv.cc";
    const v = rng.pick(ENV_VARS);
    switch (rng.int(12)) {
      case 0:
        lines.push(`mkdir -p $${v}/share/\${pname}`);
        break;
      case 1:
        lines.push(`install -Dm755 build/\${pname} $out/bin/\${pname}`);
        break;
      case 2:
        lines.push(`substituteInPlace Makefile --replace "/usr/local" "$out"`);
        break;
      case 3:
        lines.push(`wrapProgram $out/bin/\${pname} \\`);
        lines.push(`  --prefix PATH : \${lib.makeBinPath [ ${dep} ]}`);
        break;
      case 4:
        lines.push(`export ${v.toUpperCase()}_DIR=''\${${v}:-/tmp}`);
        break;
      case 5:
        lines.push(`for f in $out/lib/*.so; do`);
        lines.push(`  patchelf --set-rpath "\${lib.makeLibraryPath [ ${dep} ]}" "$f"`);
        lines.push(`done`);
        break;
      case 6:
        lines.push(`echo '''quoted''' > $out/share/doc/\${pname}-\${version}.txt`);
        break;
      case 7:
        lines.push("");
        break;
      case 8:
        lines.push(`ln -s \${${dep}}/bin/${rng.pick(SYLLABLES)} $out/bin/`);
        break;
      case 9:
        lines.push(`# keep ''\${HOME} literal, and a tab:''\\t`);
        break;
      case 10:
        lines.push(`if [ -d "$${v}" ]; then`);
        lines.push(`  cp -r doc/* $${v}/   `);
        lines.push(`fi`);
        break;
      default:
        lines.push(`make -j$NIX_BUILD_CORES \${toString commonFlags} ${rng.pick(OPTIONS)}`);
    }
  }
  const body = lines.map((l) => (l === "" ? "" : `${indent}  ${l}`)).join("\n");
  return `''\n${body}\n${indent}''`;
}

function metaBlock(rng, name, indent) {
  const i2 = indent + "  ";
  const out = [];
  out.push(`meta = with lib; {`);
  out.push(`${i2}description = "${sentence(rng, 3, 8).replace("tool", '\\"tool\\"')}";`);
  if (rng.chance(0.3)) {
    out.push(`${i2}longDescription = ''`);
    const n = rng.range(1, 4);
    for (let i = 0; i < n; i++) out.push(`${i2}  ${sentence(rng, 6, 14)}.`);
    out.push(`${i2}'';`);
  }
  if (rng.chance(0.1)) out.push(`${i2}homepage = https://${name.replace(/'/g, "")}.example.org/;`);
  else out.push(`${i2}homepage = "https://github.com/${rng.pick(MAINTAINERS)}/\${pname}";`);
  if (rng.chance(0.2)) out.push(`${i2}changelog = "\${meta.homepage}/releases/tag/v\${version}";`);
  if (rng.chance(0.25)) {
    out.push(`${i2}license = [ licenses.${rng.pick(LICENSES)} licenses.${rng.pick(LICENSES)} ];`);
  } else {
    out.push(`${i2}license = licenses.${rng.pick(LICENSES)};`);
  }
  const platform = rng.pick(PLATFORMS);
  if (rng.chance(0.15)) out.push(`${i2}platforms = platforms.${platform} ++ platforms.darwin;`);
  else out.push(`${i2}platforms = platforms.${platform};`);
  const ms = rng.some(MAINTAINERS, rng.int(4));
  out.push(`${i2}maintainers = with maintainers; [ ${ms.length ? ms.join(" ") + " " : ""}];`);
  if (rng.chance(0.3)) out.push(`${i2}mainProgram = "${name.replace(/'/g, "")}";`);
  if (rng.chance(0.05)) out.push(`${i2}broken = stdenv.isDarwin && stdenv.isAarch64;`);
  if (rng.chance(0.05)) out.push(`${i2}priority = ${rng.range(1, 10)};`);
  out.push(`${indent}};`);
  return out.join("\n");
}

function srcBlock(rng, indent) {
  const i2 = indent + "  ";
  if (rng.chance(0.6)) {
    const url = rng.chance(0.2)
      ? `mirror://gnu/\${pname}/\${pname}-\${version}.tar.xz`
      : `https://example.org/\${pname}-\${version}.tar.gz`;
    return [
      `src = fetchurl {`,
      `${i2}url = "${url}";`,
      `${i2}sha256 = "${base32Hash(rng)}";`,
      `${indent}};`,
    ].join("\n");
  }
  return [
    `src = fetchFromGitHub {`,
    `${i2}owner = "${rng.pick(MAINTAINERS)}";`,
    `${i2}repo = pname;`,
    `${i2}rev = ${rng.chance(0.5) ? '"v${version}"' : `"refs/tags/\${version}"`};`,
    `${i2}hash = "${sriHash(rng)}";`,
    `${indent}};`,
  ].join("\n");
}

/** The attributes of a `stdenv.mkDerivation rec { … }` call, one string per binding. */
function derivationBody(rng, name, deps, indent) {
  const at = indent + "  "; // where the bindings are
  const b = [];
  b.push(`pname = "${name.replace(/'/g, "")}";`);
  b.push(`version = "${versionString(rng)}";`);
  if (rng.chance(0.15)) b.push(`outputs = [ "out" "dev" ${rng.chance(0.5) ? '"man" ' : ""}];`);
  b.push(srcBlock(rng, at));
  if (rng.chance(0.3)) {
    const ps = [`./patches/${name.replace(/'/g, "")}-fix-build.patch`];
    if (rng.chance(0.5)) {
      const owner = rng.pick(MAINTAINERS);
      const commit = base32Hash(rng).slice(0, 40);
      const url = `https://github.com/${owner}/\${pname}/commit/${commit}.patch`;
      ps.push(
        `(fetchpatch {\n${at}    url = "${url}";\n${at}    hash = "${sriHash(rng)}";\n${at}  })`,
      );
    }
    b.push(`patches = ${stringList(ps, at)};`);
  }
  const native = rng.some(["pkg-config", "cmake", "meson", "ninja", "perl", "makeWrapper"], 3);
  let nb = `nativeBuildInputs = ${stringList(native, at)}`;
  if (rng.chance(0.3)) nb += ` ++ optional isLinux autoreconfHook`;
  b.push(nb + ";");
  const bi = rng.some(deps, rng.int(6));
  let bis = `buildInputs = ${stringList(bi, at)}`;
  if (bi.length > 0 && rng.chance(0.25)) {
    bis += ` ++ lib.optionals stdenv.isDarwin [ ${rng.pick(deps)} ]`;
  }
  if (bi.length > 0 && rng.chance(0.1)) {
    bis += `\n${at}  ++ (if enableDebug then [ ${rng.pick(deps)} ] else [ ])`;
  }
  b.push(bis + ";");
  if (rng.chance(0.15) && deps.length > 0) {
    b.push(`propagatedBuildInputs = [ ${rng.pick(deps)} ];`);
  }
  if (rng.chance(0.5)) {
    const flags = rng
      .some(OPTIONS, rng.range(1, 4))
      .map((o) =>
        rng.chance(0.5)
          ? `"--enable-${o}"`
          : rng.chance(0.5) && deps.length > 0
            ? `"--with-${o}=\${${rng.pick(deps)}}"`
            : `(lib.enableFeature enableDebug "${o}")`,
      );
    if (rng.chance(0.3)) b.push(`configureFlags = commonFlags ++ ${stringList(flags, at)};`);
    else b.push(`configureFlags = ${stringList(flags, at)};`);
  } else if (rng.chance(0.4)) {
    const flags = rng
      .some(OPTIONS, rng.range(1, 3))
      .map((o) => `"-DENABLE_${o.toUpperCase()}=\${if enableDebug then "ON" else "OFF"}"`);
    b.push(`cmakeFlags = ${stringList(flags, at)};`);
  }
  if (rng.chance(0.3)) {
    b.push(`makeFlags = [ "PREFIX=$(out)" "CC=\${stdenv.cc.targetPrefix}cc" ];`);
  }
  if (rng.chance(0.2)) {
    b.push(`env.NIX_CFLAGS_COMPILE = toString [ "-Wno-error" "-O${rng.int(4)}" ];`);
  }
  if (rng.chance(0.6)) b.push(`enableParallelBuilding = true;`);
  if (rng.chance(0.3)) b.push(`doCheck = !stdenv.isDarwin && version != "0.0";`);
  if (rng.chance(0.1)) {
    b.push(`hardeningDisable = [ "format" ] ++ optional (stdenv.cc.isClang or false) "fortify";`);
  }
  if (rng.chance(0.1))
    b.push(`NIX_LDFLAGS = optionalString stdenv.isDarwin "-framework CoreFoundation";`);
  if (rng.chance(0.05)) b.push(`requiredSystemFeatures = [ "big-parallel" ];`);
  if (rng.chance(0.05)) b.push(`separateDebugInfo = stdenv.isLinux;`);
  if (rng.chance(0.05)) b.push(`timeout = ${rng.range(1, 99)}.${rng.range(0, 99)};`);
  if (rng.chance(0.05)) b.push(`weight = .${rng.range(1, 9)}5e${rng.range(0, 3)};`);
  if (rng.chance(0.03)) b.push(`offset = -${rng.range(1, 999)};`);
  if (rng.chance(0.4)) b.push(`postPatch = ${shellScript(rng, deps, at)};`);
  if (rng.chance(0.25)) b.push(`preConfigure = ${shellScript(rng, deps, at)};`);
  if (rng.chance(0.6)) b.push(`postInstall = ${shellScript(rng, deps, at)};`);
  if (rng.chance(0.2)) {
    const p = [`inherit src;`];
    if (rng.chance(0.5)) p.push(`inherit (python3.pkgs) ${rng.some(PY_PKGS, 2).join(" ")};`);
    if (rng.chance(0.5)) p.push(`tests.version = writeText "\${pname}-test" version;`);
    if (rng.chance(0.3)) p.push(`\${"update" + "Script"} = [ ./update.sh pname ];`);
    if (rng.chance(0.3)) p.push(`"has-${rng.pick(OPTIONS)}" = args ? ${rng.pick(OPTIONS)};`);
    b.push(`passthru = {\n${p.map((x) => `${at}  ${x}`).join("\n")}\n${at}};`);
  }
  if (rng.chance(0.02)) b.push(`pos = __curPos;`);
  b.push(metaBlock(rng, name, at));
  return b;
}

function body(bindings, indent) {
  return `{\n${bindings.map((x) => `${indent}  ${x}`).join("\n")}\n${indent}}`;
}

/** One top-level binding `name = …;`, in one of several shapes found in nixpkgs. */
function packageBinding(rng, name, deps, index) {
  const ind = "  ";
  const shape = rng.next();
  let text;
  if (shape < 0.55) {
    // The common one: a mkDerivation rec call.
    const args = derivationBody(rng, name, deps, ind);
    text = `${name} = stdenv.mkDerivation rec ${body(args, ind)};`;
  } else if (shape < 0.7) {
    // A package file inlined: a lambda with formals and defaults, called with `{ }`.
    const own = rng.some(deps, rng.int(5));
    const opt = rng.some(OPTIONS, rng.int(3));
    const formals = [
      "lib",
      "stdenv",
      "fetchurl",
      "fetchFromGitHub",
      "fetchpatch",
      ...own,
      ...opt.map((o) => `with${o[0].toUpperCase()}${o.slice(1)} ? ${rng.chance(0.5)}`),
    ];
    if (rng.chance(0.3)) formals.push("...");
    const inner = derivationBody(rng, name, own, ind + "  ");
    const asrt = rng.chance(0.3) ? `\n${ind}  assert lib.versionAtLeast lib.version "22.05";` : "";
    text =
      `${name} = callPackage (\n${ind}  { ${formals.join(", ")} }:${asrt}\n` +
      `${ind}  stdenv.mkDerivation rec ${body(inner, ind + "  ")}\n${ind}) { };`;
  } else if (shape < 0.8) {
    // A let block in front of the derivation.
    const v = versionString(rng);
    const args = derivationBody(rng, name, deps, ind + "  ").filter(
      (x) => !x.startsWith("version ="),
    );
    args.splice(1, 0, "version = ver;");
    const dep = deps.length > 0 ? rng.pick(deps) : "stdenv";
    const plain = name.replace(/'/g, "");
    text =
      `${name} =\n${ind}  let\n${ind}    ver = "${v}";\n` +
      `${ind}    major = builtins.head (lib.splitVersion ver);\n` +
      `${ind}    useDep = config.${plain}.use${dep.replace(/[-'_]/g, "")} or true;\n` +
      `${ind}  in\n${ind}  stdenv.mkDerivation rec ${body(args, ind + "  ")};`;
  } else if (shape < 0.88) {
    // A Python package.
    const ps = rng.some(PY_PKGS, rng.range(1, 5));
    const b = [
      `pname = "${name.replace(/'/g, "")}";`,
      `version = "${versionString(rng)}";`,
      `format = "${rng.pick(["setuptools", "pyproject", "wheel"])}";`,
      srcBlock(rng, ind + "  "),
      `propagatedBuildInputs = with python3.pkgs; [ ${ps.join(" ")} ];`,
      `nativeCheckInputs = [ python3.pkgs.pytest ];`,
      `pythonImportsCheck = [ "${name.replace(/[-']/g, "_")}" ];`,
      `doCheck = ${rng.chance(0.5)};`,
      metaBlock(rng, name, ind + "  "),
    ];
    text = `${name} = python3.pkgs.buildPythonPackage rec ${body(b, ind)};`;
  } else if (shape < 0.94 && deps.length > 0) {
    // An override of an earlier package.
    const base = rng.pick(deps);
    const o = rng.pick(OPTIONS);
    if (rng.chance(0.5)) {
      text = `${name} = ${base}.override { with${o[0].toUpperCase()}${o.slice(1)} = true; };`;
    } else {
      text =
        `${name} = ${base}.overrideAttrs (old: {\n` +
        `${ind}  pname = "${name.replace(/'/g, "")}";\n` +
        `${ind}  configureFlags = (old.configureFlags or [ ]) ++ [ "--enable-${o}" ];\n` +
        `${ind}  meta = old.meta // { description = "${sentence(rng, 2, 6)}"; };\n${ind}});`;
    }
  } else {
    // A plugin built by a helper from the let block.
    const extra = rng.some(OPTIONS, 2).map((o) => `"--with-${o}"`);
    text =
      `${name} = mkPlugin {\n${ind}  name = "${name.replace(/'/g, "")}";\n` +
      `${ind}  version = mkVersion ${rng.int(5)} ${rng.int(30)} ${rng.int(10)};\n` +
      `${ind}  extraFlags = [ ${extra.join(" ")} ];\n` +
      `${ind}  sha256 = "${base32Hash(rng)}";\n${ind}};`;
  }
  let comment = "";
  if (index % 50 === 0) comment = `\n  ### Group ${index / 50} ###\n\n`;
  else if (rng.chance(0.08)) comment = `  # ${sentence(rng, 4, 10)}\n`;
  else if (rng.chance(0.03))
    comment = `  /* ${sentence(rng, 4, 10)}\n     ${sentence(rng, 3, 8)} */\n`;
  return `${comment}  ${text}\n`;
}

const HEADER = `# Generated by bench/gen-packages.js: a synthetic package set for the parser bench.
# Do not edit; regenerate with \`node bench/gen-packages.js\`.
{ lib, stdenv, fetchurl, fetchFromGitHub, fetchpatch, pkg-config, cmake, meson, ninja
, autoreconfHook, python3, perl, makeWrapper, writeText, callPackage
, config ? { }
, enableDebug ? false
, ...
}@args:

let
  inherit (lib) optional optionals optionalString optionalAttrs concatStringsSep;
  inherit (lib) licenses platforms maintainers;
  isLinux = stdenv.hostPlatform.isLinux or false;
  isDarwin = !isLinux && (stdenv.hostPlatform.isDarwin or false);
  maxInt = 9223372036854775807;
  mirror = <nixpkgs/pkgs/build-support/fetchurl/mirrors.nix>;
  mkVersion = major: minor: patch: "\${toString major}.\${toString minor}.\${toString patch}";
  commonFlags = [ "--disable-static" "--enable-shared" ] ++ optional enableDebug "--enable-debug";
  defaultMeta = { homepage ? "https://example.org", license ? licenses.mit, ... }: {
    inherit homepage license;
    platforms = platforms.unix;
  };
  /* A helper in the style of buildPlugin: formals with defaults, @-pattern, // and ++. */
  mkPlugin =
    { name, version ? "1.0", extraFlags ? [ ], sha256, ... }@attrs:
    stdenv.mkDerivation (removeAttrs attrs [ "name" "extraFlags" ] // {
      pname = "plugin-\${name}";
      inherit version;
      src = fetchurl {
        url = "https://plugins.example.org/\${name}/\${version}.tar.gz";
        inherit sha256;
      };
      configureFlags = commonFlags ++ extraFlags
        ++ optionals (config.plugins.\${name}.debug or false) [ "--enable-trace" ];
      meta = defaultMeta { } // optionalAttrs isDarwin { broken = true; };
    });
in
rec {
`;

/** The text of the package set, at least `targetBytes` long. */
export function generatePackageSet(targetBytes = DEFAULT_BYTES) {
  const rng = makeRng(SEED);
  // Enough names for any target size: about 2 KB of text per package.
  const names = makeNames(rng, Math.ceil(targetBytes / 1000) + 100);
  const chunks = [HEADER];
  let size = HEADER.length;
  for (let i = 0; size < targetBytes; i++) {
    // Depend on packages defined earlier, mostly recent ones, like a real package set.
    const lo = Math.max(0, i - 300);
    const deps = i === 0 ? [] : rng.some(names.slice(lo, i), 8);
    const chunk = packageBinding(rng, names[i], deps, i);
    chunks.push(chunk);
    size += chunk.length;
  }
  chunks.push("}\n");
  return chunks.join("");
}

/** Writes the package set to `out` (creating its directory); returns the size in bytes. */
export function generatePackages(out = DEFAULT_OUT, targetBytes = DEFAULT_BYTES) {
  const text = generatePackageSet(targetBytes);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  return Buffer.byteLength(text);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  let out = DEFAULT_OUT;
  let bytes = DEFAULT_BYTES;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--bytes") bytes = Number(argv[++i]);
    else out = resolve(argv[i]);
  }
  const size = generatePackages(out, bytes);
  console.log(`wrote ${out} (${(size / 1e6).toFixed(1)} MB)`);
}
