/**
 * `builtins.parseFlakeRef` and `builtins.flakeRefToString` (builtins/flakeref.ts), with flake
 * references of our own. Where Nix 2.8 parses them as current Nix does, the expectations come
 * from it (its flake registry, see `nixRegistry`); elsewhere they are current CppNix's
 * behaviour and its error texts, as its sources (libfetchers/*.cc, libflake/flakeref.cc,
 * libutil/url.cc, flake-primops.cc) define them. CppNix's own flake tests run from the fetched
 * suite (../shared/conformance/run-suite), not from here.
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { createEvaluator, evalSource, NixError, toJS, utf8ToByteString } from "../index.js";

function newEvaluator(warnings: string[] = [], extraFeatures: string[] = []) {
  return createEvaluator({
    warn: (m: string) => warnings.push(m),
    experimentalFeatures: new Set(["flakes", ...extraFeatures]),
  });
}

function run(source: string): unknown {
  const ev = newEvaluator();
  return toJS(ev, evalSource(ev, utf8ToByteString(source)));
}

const nix = (s: string) => JSON.stringify(s);
const parse = (ref: string) => run(`builtins.parseFlakeRef ${nix(ref)}`);

function attrsToNix(attrs: Record<string, string | number | boolean>): string {
  const body = Object.entries(attrs)
    .map(([k, v]) => `${k} = ${typeof v === "string" ? nix(v) : String(v)};`)
    .join(" ");
  return `{ ${body} }`;
}

const toStr = (attrs: Record<string, string | number | boolean>) =>
  run(`builtins.flakeRefToString ${attrsToNix(attrs)}`);

function errorOf(source: string): NixError {
  try {
    run(source);
  } catch (e) {
    if (e instanceof NixError) return e;
    throw e;
  }
  throw new Error(`no error from ${source}`);
}

/**
 * Nix 2.8 parses flake references the same way for these schemes: `nix registry add` writes the
 * parsed attributes (`Input::toAttrs`) to the registry file, and `nix registry list` prints
 * the reference back (`to_string`). When nix is on PATH, both directions are checked with it.
 */
const registryCases = [
  "github:edolstra/dwarffs/release-1?dir=sub",
  "github:someone/thing/0123456789abcdef0123456789abcdef01234567",
  "gitlab:group/project/v1.2",
  "nixpkgs",
  "nixpkgs/nixos-23.11",
  "flake:nixpkgs/nixos-23.11/0123456789abcdef0123456789abcdef01234567",
  "git+https://example.org/repo.git?ref=main&rev=0123456789abcdef0123456789abcdef01234567",
  "git+ssh://git@example.org/r.git?shallow=1",
  "https://example.org/archive/x.tar.gz",
  "hg+https://example.org/hg/repo?ref=stable",
  "path:/srv/flake?lastModified=1700000000&revCount=7",
];

const haveNix = spawnSync("nix", ["--version"]).status === 0;

/** Nix 2.8's reading of a reference: its attributes and its canonical string. */
function nixRegistry(ref: string): { attrs: unknown; canonical: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsnix-registry-"));
  try {
    fs.writeFileSync(path.join(dir, "global.json"), '{"flakes":[],"version":2}');
    const env = {
      PATH: process.env["PATH"],
      HOME: dir,
      XDG_CONFIG_HOME: path.join(dir, "config"),
      NIX_CONF_DIR: dir,
    };
    const nixArgs = ["--extra-experimental-features", "nix-command flakes"];
    const add = spawnSync("nix", [...nixArgs, "registry", "add", "x", ref], { env });
    expect(add.status, add.stderr.toString()).toBe(0);
    const file = path.join(dir, "config", "nix", "registry.json");
    const registry = JSON.parse(fs.readFileSync(file, "utf8")) as {
      flakes: { to: unknown }[];
    };
    const list = spawnSync(
      "nix",
      [...nixArgs, "--flake-registry", path.join(dir, "global.json"), "registry", "list"],
      { env },
    );
    const line = list.stdout
      .toString()
      .split("\n")
      .find((l) => l.startsWith("user"));
    return { attrs: registry.flakes[0]!.to, canonical: line!.split(/\s+/)[2]! };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!haveNix)("parseFlakeRef and flakeRefToString agree with Nix", () => {
  for (const ref of registryCases) {
    test(ref, () => {
      const expected = nixRegistry(ref);
      expect(parse(ref)).toEqual(expected.attrs);
      expect(run(`builtins.flakeRefToString (builtins.parseFlakeRef ${nix(ref)})`)).toBe(
        expected.canonical,
      );
      // Round trip: the canonical string parses to the same attributes.
      expect(parse(expected.canonical)).toEqual(expected.attrs);
    });
  }
});

/** Where current Nix differs from 2.8 or 2.8 cannot say: expectations from current CppNix. */
describe("changed since Nix 2.8", () => {
  test("a GitHub-like host stays in the URL (github.cc toURL)", () => {
    for (const ref of [
      "github:someone/thing?host=git.example.org",
      "sourcehut:~person/project?host=git.example.org",
    ]) {
      expect(run(`builtins.flakeRefToString (builtins.parseFlakeRef ${nix(ref)})`)).toBe(ref);
    }
  });

  test("git: submodules stays in the URL, dir leaves it (git.cc, flakeref.cc)", () => {
    const ref = "git+ssh://git@example.org/r.git?shallow=1&submodules=1";
    expect(run(`builtins.flakeRefToString (builtins.parseFlakeRef ${nix(ref)})`)).toBe(ref);
    expect(parse("git+file:///home/someone/src/project?dir=nix")).toEqual({
      type: "git",
      url: "file:///home/someone/src/project",
      dir: "nix",
    });
  });

  test("a path: URL is percent-decoded (path.cc)", () => {
    expect(parse("path:/srv/with%20space")).toEqual({ type: "path", path: "/srv/with space" });
  });
});

describe("paths and fragments (current CppNix: flakeref.cc, path.cc)", () => {
  test("an absolute path is a path input; its parameters and spaces", () => {
    expect(parse("/srv/flake")).toEqual({ type: "path", path: "/srv/flake" });
    expect(run('builtins.flakeRefToString (builtins.parseFlakeRef "/srv/flake")')).toBe(
      "path:/srv/flake",
    );
    const ref = "/srv/my flake?revCount=3&dir=a b";
    expect(parse(ref)).toEqual({ type: "path", path: "/srv/my flake", revCount: 3, dir: "a b" });
    expect(run(`builtins.flakeRefToString (builtins.parseFlakeRef ${nix(ref)})`)).toBe(
      "path:/srv/my%20flake?dir=a%20b&revCount=3",
    );
  });

  test("path errors", () => {
    // A path flake reference gets an empty authority, shown as `path://`.
    expect(errorOf('builtins.parseFlakeRef "/srv/flake?color=blue"').message).toBe(
      "path URL 'path:///srv/flake?color=blue' has unsupported parameter 'color'",
    );
    expect(errorOf('builtins.parseFlakeRef "path:/srv?revCount=many"').message).toBe(
      "path URL 'path:/srv?revCount=many' has invalid parameter 'revCount'",
    );
    expect(errorOf('builtins.parseFlakeRef "/srv/flake#pkg"').message).toBe(
      "unexpected fragment 'pkg' in flake reference '/srv/flake#pkg'",
    );
    expect(errorOf('builtins.parseFlakeRef "./relative/dir"').message).toBe(
      "flake reference './relative/dir' is not an absolute path",
    );
  });

  test("an escaped '#' in a branch name; a fragment is an error", () => {
    const branch = { type: "gitlab", owner: "group", repo: "project", ref: "fix#1" };
    expect(parse("gitlab:group/project/fix%231")).toEqual(branch);
    expect(parse("gitlab:group/project?ref=fix%231")).toEqual(branch);
    expect(toStr(branch)).toBe("gitlab:group/project/fix%231");
    expect(errorOf('builtins.parseFlakeRef "gitlab:group/project#out"').message).toBe(
      "unexpected fragment 'out' in flake reference 'gitlab:group/project#out'",
    );
  });

  test("a tarball URL keeps its encoding", () => {
    expect(parse("https://example.org/files/a+b.tar.gz")).toEqual({
      type: "tarball",
      url: "https://example.org/files/a%2Bb.tar.gz",
    });
    expect(
      run(
        'builtins.flakeRefToString (builtins.parseFlakeRef "https://example.org/files/a+b.tar.gz")',
      ),
    ).toBe("https://example.org/files/a%2Bb.tar.gz");
  });

  test("a GitHub URL without a repository falls back to a path, which fails", () => {
    const ref = "gitlab:onlyowner";
    expect(errorOf(`builtins.parseFlakeRef ${nix(ref)}`).message).toBe(
      `flake reference '${ref}' is not an absolute path`,
    );
  });
});

describe("more schemes and parameters, both directions", () => {
  test("github with rev, narHash and host; sourcehut", () => {
    const rev = "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed";
    const narHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    const ref = `github:NixOS/nixpkgs/${rev}?host=github.example.com&narHash=${narHash}`;
    const attrs = {
      type: "github",
      owner: "NixOS",
      repo: "nixpkgs",
      rev,
      host: "github.example.com",
      narHash,
    };
    expect(parse(ref)).toEqual(attrs);
    // Query keys in order, `+` and `/` (not in ":@/?") percent-encoded except `/`.
    expect(toStr(attrs)).toBe(
      `github:NixOS/nixpkgs/${rev}?host=github.example.com&narHash=sha256-47DEQpj8HBSa%2B/TImW%2B5JCeuQeRkm5NMpJWZG3hSuFU%3D`,
    );
    expect(parse("sourcehut:~user/repo")).toEqual({
      type: "sourcehut",
      owner: "~user",
      repo: "repo",
    });
    expect(toStr({ type: "sourcehut", owner: "~user", repo: "repo" })).toBe("sourcehut:~user/repo");
  });

  test("git with ref, rev, shallow, submodules, dir", () => {
    const rev = "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed";
    const ref = `git+https://example.org/r.git?dir=sub&ref=main&rev=${rev}&shallow=1&submodules=1&x=y`;
    const attrs = {
      type: "git",
      url: "https://example.org/r.git?x=y",
      ref: "main",
      rev,
      shallow: true,
      submodules: true,
      dir: "sub",
    };
    expect(parse(ref)).toEqual(attrs);
    expect(toStr(attrs)).toBe(ref);
    // `shallow=0` is a false Boolean, which git's toURL leaves out.
    expect(parse("git+file:///repo?shallow=0")).toEqual({
      type: "git",
      url: "file:///repo",
      shallow: false,
    });
    expect(toStr({ type: "git", url: "/repo", shallow: false, revCount: 12 })).toBe(
      "git+file:///repo",
    );
  });

  test("git inputs given as attributes: revs in any hash encoding, other URL schemes", () => {
    const zeros = "0".repeat(40);
    expect(toStr({ type: "git", url: "git+ssh://git@example.org/team/repo" })).toBe(
      "git+ssh://git@example.org/team/repo",
    );
    // The rev is read as any sha1 hash (SRI, nix32 or base16) and printed in base16.
    expect(
      toStr({
        type: "git",
        url: "git://user@example.org/repo",
        rev: "sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
      }),
    ).toBe(`git://user@example.org/repo?rev=${zeros}`);
    expect(
      toStr({ type: "git", url: "https://example.org/r", rev: `sha1:${"0".repeat(32)}` }),
    ).toBe(`git+https://example.org/r?rev=${zeros}`);
    // Query parameters of the URL merge with the input's, in key order.
    expect(toStr({ type: "git", url: "https://example.org/r?z=1", ref: "dev" })).toBe(
      "git+https://example.org/r?ref=dev&z=1",
    );
  });

  test("tarball and file", () => {
    expect(
      parse(
        "https://example.org/x.tar.gz?narHash=sha256-47DEQpj8HBSa%2B/TImW%2B5JCeuQeRkm5NMpJWZG3hSuFU%3D&a=b",
      ),
    ).toEqual({
      type: "tarball",
      url: "https://example.org/x.tar.gz?a=b",
      narHash: "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    });
    expect(parse("tarball+https://example.org/x?lastModified=42")).toEqual({
      type: "tarball",
      url: "https://example.org/x",
      lastModified: 42,
    });
    expect(parse("file+https://example.org/f.txt")).toEqual({
      type: "file",
      url: "https://example.org/f.txt",
    });
    // The transport URL is what toURL gives back (tarball.cc).
    expect(toStr({ type: "file", url: "https://example.org/f.txt" })).toBe(
      "https://example.org/f.txt",
    );
    expect(toStr({ type: "tarball", url: "https://example.org/x.tar.gz", lastModified: 42 })).toBe(
      "https://example.org/x.tar.gz",
    );
  });

  test("mercurial", () => {
    expect(parse("hg+https://example.org/repo?ref=default&x=1")).toEqual({
      type: "hg",
      url: "https://example.org/repo?x=1",
      ref: "default",
    });
    expect(toStr({ type: "hg", url: "https://example.org/repo", ref: "default" })).toBe(
      "hg+https://example.org/repo?ref=default",
    );
  });

  test("integers become Nix ints, Booleans stay Booleans", () => {
    const ev = newEvaluator();
    const v = evalSource(
      ev,
      utf8ToByteString(
        'let r = builtins.parseFlakeRef "git+https://e.org/r?allRefs=1&lfs=0"; p = builtins.parseFlakeRef "path:/p?revCount=7"; in [ (builtins.typeOf p.revCount) (builtins.typeOf r.allRefs) r.lfs ]',
      ),
    );
    expect(toJS(ev, v)).toEqual(["int", "bool", false]);
  });
});

describe("errors, verbatim from CppNix", () => {
  test("attribute types (flake-primops.cc)", () => {
    expect(errorOf('builtins.flakeRefToString { type = "github"; owner = [ ]; }').message).toBe(
      "flake reference attribute sets may only contain integers, Booleans, and strings, but attribute 'owner' is a list",
    );
    expect(errorOf('builtins.flakeRefToString { type = "github"; owner = { }; }').message).toBe(
      "flake reference attribute sets may only contain integers, Booleans, and strings, but attribute 'owner' is a set",
    );
    const negative = errorOf(
      'builtins.flakeRefToString { type = "path"; path = "/p"; revCount = -3; }',
    );
    expect(negative.message).toBe("negative value given for flake ref attr revCount: -3");
    expect(negative.traces.map((t) => t.message)).toEqual([
      "while calling the 'flakeRefToString' builtin",
    ]);
    const e = errorOf("builtins.parseFlakeRef 1");
    expect(e.message).toBe("expected a string but found an integer: 1");
    expect(e.traces[0]!.message).toBe(
      "while evaluating the argument passed to builtins.parseFlakeRef",
    );
  });

  test("type and required attributes (fetchers.cc, attrs.cc)", () => {
    expect(errorOf('builtins.flakeRefToString { owner = "a"; }').message).toBe(
      "'type' attribute to specify input scheme is required but not provided",
    );
    expect(errorOf('builtins.flakeRefToString { type = "foo"; x = 1; }').message).toBe(
      `cannot show unsupported input '{"type":"foo","x":1}'`,
    );
    expect(errorOf('builtins.flakeRefToString { type = "github"; owner = "a"; }').message).toBe(
      "input attribute 'repo' is missing",
    );
    expect(
      errorOf('builtins.flakeRefToString { type = "github"; owner = "a"; repo = "b"; x = "c"; }')
        .message,
    ).toBe("input attribute 'x' not supported by scheme 'github'");
    expect(
      errorOf('builtins.flakeRefToString { type = "github"; owner = 1; repo = "b"; }').message,
    ).toBe(`input attribute 'owner' is not a string {"owner":1,"repo":"b","type":"github"}`);
    expect(
      errorOf('builtins.flakeRefToString { type = "git"; url = "/r"; shallow = 1; }').message,
    ).toBe("input attribute 'shallow' is not a Boolean");
    expect(
      errorOf('builtins.flakeRefToString { type = "path"; path = "/p"; revCount = "1"; }').message,
    ).toBe("input attribute 'revCount' is not an integer");
  });

  test("bad owner/repo, ref, rev and host (github.cc, indirect.cc)", () => {
    expect(
      errorOf(
        'builtins.flakeRefToString { type = "github"; owner = "a"; repo = "b"; ref = "x"; rev = "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"; }',
      ).message,
    ).toBe(
      `input {"owner":"a","ref":"x","repo":"b","rev":"2aae6c35c94fcfb415dbe95f408b9ce91ee846ed","type":"github"} contains both a commit hash ('2aae6c35c94fcfb415dbe95f408b9ce91ee846ed') and a branch/tag name ('x')`,
    );
    expect(
      errorOf(
        'builtins.flakeRefToString { type = "github"; owner = "a"; repo = "b"; ref = "a..b"; }',
      ).message,
    ).toBe(
      `input {"owner":"a","ref":"a..b","repo":"b","type":"github"} contains an invalid branch/tag name`,
    );
    expect(
      errorOf(
        'builtins.flakeRefToString { type = "github"; owner = "a"; repo = "b"; host = "a/b"; }',
      ).message,
    ).toBe(
      `input {"host":"a/b","owner":"a","repo":"b","type":"github"} contains an invalid instance host`,
    );
    expect(
      errorOf(
        'builtins.flakeRefToString { type = "github"; owner = "a"; repo = "b"; rev = "xyz"; }',
      ).message,
    ).toBe("hash 'xyz' has wrong length for hash algorithm 'sha1'");
    expect(errorOf('builtins.flakeRefToString { type = "indirect"; id = "1x"; }').message).toBe(
      "'1x' is not a valid flake ID",
    );
    // A GitHub URL with one path segment is a BadURL, so CppNix tries it as a path.
    expect(errorOf('builtins.parseFlakeRef "github:NixOS"').message).toBe(
      "flake reference 'github:NixOS' is not an absolute path",
    );
    expect(errorOf('builtins.parseFlakeRef "nixpkgs/a/b"').message).toBe(
      "in flake URL 'flake:nixpkgs/a/b', 'b' is not a commit hash",
    );
  });

  test("unsupported scheme (fetchers.cc)", () => {
    expect(errorOf('builtins.parseFlakeRef "foo://bar/baz"').message).toBe(
      "input 'foo://bar/baz' is unsupported",
    );
    expect(errorOf('builtins.parseFlakeRef "file+git:///x?dir=d"').message).toBe(
      "input 'file+git:///x' is unsupported; did you mean 'git+file' instead of 'file+git'?",
    );
  });

  test("verified fetches need their experimental feature (git.cc)", () => {
    expect(
      errorOf('builtins.flakeRefToString { type = "git"; url = "/r"; publicKey = "k"; }').message,
    ).toBe(
      "experimental Nix feature 'verified-fetches' is disabled; add '--extra-experimental-features verified-fetches' to enable it",
    );
    const ev = newEvaluator([], ["verified-fetches"]);
    const v = evalSource(
      ev,
      utf8ToByteString('builtins.flakeRefToString { type = "git"; url = "/r"; publicKey = "k"; }'),
    );
    expect(toJS(ev, v)).toBe("git+file:///r?keytype=ssh-ed25519&publicKey=k");
  });

  test("a query parameter without '=' is ignored with a warning (url.cc)", () => {
    const warnings: string[] = [];
    const ev = newEvaluator(warnings);
    const v = evalSource(ev, utf8ToByteString('builtins.parseFlakeRef "path:/p?foo"'));
    expect(toJS(ev, v)).toEqual({ type: "path", path: "/p" });
    expect(warnings).toEqual(["dubious URI query 'foo' is missing equal sign '=', ignoring"]);
  });
});

describe("SCP-style Git URLs (url.cc fixGitURL)", () => {
  test("an absolute path is taken as is", () => {
    expect(toStr({ type: "git", url: "git@github.com:/NixOS/nix.git" })).toBe(
      "git+ssh://git@github.com/NixOS/nix.git",
    );
  });

  test("a relative path becomes absolute, with CppNix's warning", () => {
    const warnings: string[] = [];
    const ev = newEvaluator(warnings);
    const v = evalSource(
      ev,
      utf8ToByteString(
        'builtins.flakeRefToString { type = "git"; url = "git@github.com:NixOS/nix"; }',
      ),
    );
    expect(toJS(ev, v)).toBe("git+ssh://git@github.com/NixOS/nix");
    expect(warnings).toEqual([
      "SCP-style URL 'git@github.com:NixOS/nix' has a relative path which cannot be faithfully converted to an SSH URL: " +
        "we will convert it to an absolute path when making an SSH URL.\n\n" +
        "Use an explicit absolute path:\n\n    github.com:/NixOS/nix\n\n" +
        "or with an explicit SSH URL:\n\n    ssh://git@github.com/NixOS/nix\n\n" +
        "instead, to explicitly use an absolute path (and silence this warning). " +
        "Or, to be relative to the remote user's home directory:\n\n    github.com:~/NixOS/nix\n\n" +
        "or with an explicit SSH URL:\n\n    ssh://git@github.com/~/NixOS/nix",
    ]);
  });
});

describe("the flakes experimental feature", () => {
  test("without it, the builtins do not exist (as in CppNix)", () => {
    const ev = createEvaluator();
    expect(
      toJS(ev, evalSource(ev, "builtins ? parseFlakeRef || builtins ? flakeRefToString")),
    ).toBe(false);
    expect(() => evalSource(ev, "__parseFlakeRef")).toThrow("undefined variable '__parseFlakeRef'");
  });
});
