/**
 * `builtins.parseFlakeRef` and `builtins.flakeRefToString` (builtins/flakeref.ts).
 *
 * Expected values come from CppNix (NixOS/nix): its language tests
 * tests/functional/lang/eval-okay-parse-flake-ref.{nix,exp},
 * eval-okay-flake-ref-to-string.{nix,exp} and eval-fail-flake-ref-to-string-negative-integer;
 * its unit tests src/libflake-tests/flakeref.cc (parseFlakeRef / InputFromURL cases) and
 * src/libfetchers-tests/input.cc (InputFromAttrs cases); the primops' documented examples in
 * src/libflake/flake-primops.cc; and error messages quoted verbatim from the CppNix sources
 * named next to each test (libfetchers/*.cc, libflake/flakeref.cc, libutil/url.cc).
 */

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

describe("CppNix language tests", () => {
  test("eval-okay-parse-flake-ref", () => {
    expect(parse("github:NixOS/nixpkgs/23.05?dir=lib")).toEqual({
      dir: "lib",
      owner: "NixOS",
      ref: "23.05",
      repo: "nixpkgs",
      type: "github",
    });
  });

  test("eval-okay-flake-ref-to-string", () => {
    expect(
      run(
        'builtins.flakeRefToString { type = "github"; owner = "NixOS"; repo = "nixpkgs"; ref = "23.05"; dir = "lib"; }',
      ),
    ).toBe("github:NixOS/nixpkgs/23.05?dir=lib");
  });

  test("eval-fail-flake-ref-to-string-negative-integer", () => {
    const e = errorOf(`let
  n = -1;
in
builtins.seq n (
  builtins.flakeRefToString {
    type = "github";
    owner = "NixOS";
    repo = n;
    ref = "23.05";
    dir = "lib";
  }
)`);
    expect(e.message).toBe("negative value given for flake ref attr repo: -1");
    expect(e.traces.map((t) => t.message)).toEqual([
      "while calling the 'flakeRefToString' builtin",
      "while calling the 'seq' builtin",
    ]);
  });
});

/** src/libflake-tests/flakeref.cc, InputFromURL: the attributes, and the canonical string. */
const fromURLCases: [string, Record<string, string>, string][] = [
  ["flake:nixpkgs", { id: "nixpkgs", type: "indirect" }, "flake:nixpkgs"],
  [
    "flake:nixpkgs/branch",
    { id: "nixpkgs", type: "indirect", ref: "branch" },
    "flake:nixpkgs/branch",
  ],
  ["nixpkgs/branch", { id: "nixpkgs", type: "indirect", ref: "branch" }, "flake:nixpkgs/branch"],
  [
    "nixpkgs/branch/2aae6c35c94fcfb415dbe95f408b9ce91ee846ed",
    {
      id: "nixpkgs",
      type: "indirect",
      ref: "branch",
      rev: "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed",
    },
    "flake:nixpkgs/branch/2aae6c35c94fcfb415dbe95f408b9ce91ee846ed",
  ],
  [
    "nixpkgs/branch////",
    { id: "nixpkgs", type: "indirect", ref: "branch" },
    "flake:nixpkgs/branch",
  ],
  [
    "nixpkgs/branch///2aae6c35c94fcfb415dbe95f408b9ce91ee846ed///",
    {
      id: "nixpkgs",
      type: "indirect",
      ref: "branch",
      rev: "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed",
    },
    "flake:nixpkgs/branch/2aae6c35c94fcfb415dbe95f408b9ce91ee846ed",
  ],
  [
    "git://somewhere/repo?ref=branch",
    { type: "git", ref: "branch", url: "git://somewhere/repo" },
    "git://somewhere/repo?ref=branch",
  ],
  [
    "git+https://somewhere.aaaaaaa/repo?ref=branch",
    { type: "git", ref: "branch", url: "https://somewhere.aaaaaaa/repo" },
    "git+https://somewhere.aaaaaaa/repo?ref=branch",
  ],
  [
    "flake:/nixpkgs///branch////",
    { id: "nixpkgs", type: "indirect", ref: "branch" },
    "flake:nixpkgs/branch",
  ],
  [
    "github://////owner%42/////repo%41///branch%43////",
    { type: "github", owner: "ownerB", repo: "repoA", ref: "branchC" },
    "github:ownerB/repoA/branchC",
  ],
  [
    "gitlab:/owner%252Fsubgroup/////repo%41///branch%43////",
    { type: "gitlab", owner: "owner%2Fsubgroup", repo: "repoA", ref: "branchC" },
    "gitlab:owner%252Fsubgroup/repoA/branchC",
  ],
];

describe("parseFlakeRef and flakeRefToString agree with CppNix's InputFromURL cases", () => {
  for (const [url, attrs, canonical] of fromURLCases) {
    test(url, () => {
      expect(parse(url)).toEqual(attrs);
      expect(toStr(attrs)).toBe(canonical);
      // Round trip: the canonical string parses to the same attributes.
      expect(parse(canonical)).toEqual(attrs);
    });
  }
});

describe("parseFlakeRef (src/libflake-tests/flakeref.cc)", () => {
  test("absolute paths", () => {
    expect(parse("/foo/bar")).toEqual({ type: "path", path: "/foo/bar" });
    expect(run('builtins.flakeRefToString (builtins.parseFlakeRef "/foo/bar")')).toBe(
      "path:/foo/bar",
    );
    const ref = "/foo/bar?revCount=123&rev=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    expect(parse(ref)).toEqual({
      type: "path",
      path: "/foo/bar",
      revCount: 123,
      rev: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    });
    expect(run(`builtins.flakeRefToString (builtins.parseFlakeRef ${nix(ref)})`)).toBe(
      "path:/foo/bar?rev=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&revCount=123",
    );
    const spaces = "/foo bar/baz?dir=bla space";
    expect(parse(spaces)).toEqual({ type: "path", path: "/foo bar/baz", dir: "bla space" });
    expect(run(`builtins.flakeRefToString (builtins.parseFlakeRef ${nix(spaces)})`)).toBe(
      "path:/foo%20bar/baz?dir=bla%20space",
    );
  });

  test("path: URLs", () => {
    expect(parse("path:/abs/dir?lastModified=1585388205")).toEqual({
      type: "path",
      path: "/abs/dir",
      lastModified: 1585388205,
    });
  });

  test("path errors", () => {
    // libfetchers/path.cc
    expect(errorOf('builtins.parseFlakeRef "/foo/bar?xyzzy=123"').message).toBe(
      // A path flake reference gets an empty authority (flakeref.cc), shown as `path://`.
      "path URL 'path:///foo/bar?xyzzy=123' has unsupported parameter 'xyzzy'",
    );
    expect(errorOf('builtins.parseFlakeRef "path:/foo?revCount=x"').message).toBe(
      "path URL 'path:/foo?revCount=x' has invalid parameter 'revCount'",
    );
    // libflake/flakeref.cc
    expect(errorOf('builtins.parseFlakeRef "/foo/bar#bla"').message).toBe(
      "unexpected fragment 'bla' in flake reference '/foo/bar#bla'",
    );
    expect(errorOf('builtins.parseFlakeRef "./foo"').message).toBe(
      "flake reference './foo' is not an absolute path",
    );
  });

  test("GitHub refs with '#' and unescaped quotes", () => {
    const branch = { type: "github", owner: "foo", repo: "bar", ref: "branch#" };
    expect(parse("github:foo/bar/branch%23")).toEqual(branch);
    expect(parse("github:foo/bar?ref=branch%23")).toEqual(branch);
    expect(toStr(branch)).toBe("github:foo/bar/branch%23");
    expect(
      errorOf(`builtins.parseFlakeRef ${nix('github:foo/bar?ref=branch#"x.y"')}`).message,
    ).toBe(`unexpected fragment '"x.y"' in flake reference 'github:foo/bar?ref=branch#"x.y"'`);
  });

  test("tarball URLs are not re-encoded (to_string.doesntReencodeUrl)", () => {
    expect(parse("http://localhost:8181/test/+3d.tar.gz")).toEqual({
      type: "tarball",
      url: "http://localhost:8181/test/%2B3d.tar.gz",
    });
    expect(
      run(
        'builtins.flakeRefToString (builtins.parseFlakeRef "http://localhost:8181/test/+3d.tar.gz")',
      ),
    ).toBe("http://localhost:8181/test/%2B3d.tar.gz");
  });

  test("malformed GitHub URL is an error (issue 15196)", () => {
    const ref = "github:nixos/nixpkgs/nixpkgs.git?ref=aead170c1a49253ebfa5027010dfd89a77b73ca4";
    // The GitHub scheme's BadURL makes CppNix fall back to a path, which must be absolute.
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

  test("libfetchers-tests/input.cc InputFromAttrs cases", () => {
    expect(toStr({ type: "git", url: "git+ssh://git@github.com/NixOS/nixpkgs" })).toBe(
      "git+ssh://git@github.com/NixOS/nixpkgs",
    );
    expect(
      toStr({
        type: "git",
        url: "git://user@github.com/NixOS/nixpkgs",
        rev: "sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
      }),
    ).toBe("git://user@github.com/NixOS/nixpkgs?rev=0000000000000000000000000000000000000000");
    expect(
      toStr({
        type: "git",
        url: "git+http://somewhere/some/repo/path%2Fwith%2Fspaces",
        rev: "89144hj289144hj289144hj289144hj2",
      }),
    ).toBe(
      "git+http://somewhere/some/repo/path%2Fwith%2Fspaces?rev=4242424242424242424242424242424242424242",
    );
    expect(
      toStr({
        type: "git",
        url: "http://somewhere?something=abcd#a",
        rev: "sha1:89144hj289144hj289144hj289144hj2",
      }),
    ).toBe("git+http://somewhere?rev=4242424242424242424242424242424242424242&something=abcd#a");
    expect(
      toStr({
        type: "git",
        url: "proprietaryhelper:///something///else///?hello=goodbye&test=%2F%3f",
        rev: "sha1:QkJCQkJCQkJCQkJCQkJCQkJCQkI=",
      }),
    ).toBe(
      "git+proprietaryhelper:///something///else///?hello=goodbye&rev=4242424242424242424242424242424242424242&test=/?",
    );
    expect(
      toStr({
        type: "indirect",
        id: "some_Id_-1234567890",
        ref: "sOmE/BRANCH%2f/definitely/Not1/HEAD",
        rev: "sha1-QkJCQkJCQkJCQkJCQkJCQkJCQkI====aaaaaaaaa even more trailing%2Fgarbage",
      }),
    ).toBe(
      "flake:some_Id_-1234567890/sOmE%2FBRANCH%252f%2Fdefinitely%2FNot1%2FHEAD/4242424242424242424242424242424242424242",
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
