/**
 * The pure store algorithms (store/path.ts, store/nar.ts, store/derivation.ts) against what real
 * Nix produced: ../shared/vectors/derivations.json (Nix 2.8; spec in
 * ../shared/spec/store-and-derivations.md) and its fixtures, the worked examples of the spec's
 * §11, and current CppNix's rules where they changed (names, messages, JSON). Also: every
 * `.drv` text in the vectors parses and prints back byte for byte, its outputs and its own path
 * are recomputed, NARs round-trip, and seeded random damage to real `.drv` files and NARs gives
 * a parse error of the module's own class or a parse, never anything else.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

import { byteStringToBytes, bytesToByteString, utf8ToByteString } from "../lang/source.js";
import {
  DerivationHashes,
  DerivationParseError,
  derivationPath,
  derivationToJSON,
  dumpJSON,
  formatJSONFloat,
  isFixedOutput,
  parseDerivation,
  parseJSON,
  showDerivations,
  unparseDerivation,
  type Derivation,
} from "../store/derivation.js";
import { base16, base16Decode, hash, nixBase32 } from "../store/hash.js";
import {
  dumpFile,
  dumpNode,
  dumpPath,
  fileTypeOf,
  NarError,
  parseNar,
  type FileType,
  type NarFS,
  type NarNode,
} from "../store/nar.js";
import {
  BadStorePath,
  BadStorePathName,
  checkStorePathName,
  compressHash,
  defaultStoreDir,
  hashPlaceholder,
  isStorePath,
  makeFixedOutputPath,
  makeOutputPath,
  makeStorePath,
  makeTextPath,
  parseStorePath,
  toStorePath,
} from "../store/path.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const vectorsDir = path.resolve(root, "../shared/vectors");
const fixturesDir = path.join(vectorsDir, "fixtures");
const S = defaultStoreDir;

interface StoreObject {
  narHash: string;
  narSize: number;
  references: string[];
  narBase64?: string;
}

interface Vector {
  name: string;
  kind: "eval" | "derivation" | "error";
  expr: string;
  file?: string;
  expected: {
    drvPath?: string;
    outputs?: Record<string, string>;
    drv?: string;
    inputDrvTexts?: Record<string, string>;
    storeObjects?: Record<string, StoreObject>;
    trace?: string[];
    error?: string;
  };
  derived?: {
    maskedAterm?: string;
    hashModulo?: string;
    drvFingerprint?: string;
    fingerprint?: string;
    inputDrvHashes?: Record<string, Record<string, { sha256: string; from: string }>>;
  };
}

const vectors: Vector[] = (
  JSON.parse(fs.readFileSync(path.join(vectorsDir, "derivations.json"), "utf8")) as {
    vectors: Vector[];
  }
).vectors;
const vector = (name: string): Vector => vectors.find((v) => v.name === name)!;

/** A byte string of a JS (UTF-16) string's UTF-8. */
const b = utf8ToByteString;
const bytesOf = (s: string): Uint8Array => byteStringToBytes(s);
const sha256 = (s: string | Uint8Array): Uint8Array =>
  hash("sha256", typeof s === "string" ? bytesOf(s) : s);
const hex = (s: string): Uint8Array => base16Decode(s)!;

/** The name of a `.drv` path (without hash and `.drv`). */
function drvName(drvPath: string): string {
  return parseStorePath(drvPath, S).name.replace(/\.drv$/, "");
}

/** `NarFS` over node:fs; paths are byte strings (Latin-1 maps each char to one byte). */
const nodeFS: NarFS = {
  lstat(p) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(Buffer.from(p, "latin1"));
    } catch {
      return undefined;
    }
    return { type: fileTypeOf(st), executable: (st.mode & 0o100) !== 0 };
  },
  readFile: (p) => new Uint8Array(fs.readFileSync(Buffer.from(p, "latin1"))),
  readDir: (p) =>
    fs
      .readdirSync(Buffer.from(p, "latin1"), { encoding: "buffer" })
      .map((n) => n.toString("latin1")),
  readLink: (p) =>
    fs.readlinkSync(Buffer.from(p, "latin1"), { encoding: "buffer" }).toString("latin1"),
};

/**
 * The fixtures' symlinks (../shared/vectors/README.md). A checkout without symlink support
 * (git's `core.symlinks=false`) leaves them as regular files holding the target; this file
 * system reads such a file as the symlink it stands for.
 */
const fixtureSymlinks = new Set(
  ["link-to-hello", "tree/link", "tree/dangling"].map((p) => path.join(fixturesDir, p)),
);

const fixtureFS: NarFS = {
  ...nodeFS,
  lstat(p) {
    const st = nodeFS.lstat(p);
    if (st?.type === "regular" && fixtureSymlinks.has(p))
      return { type: "symlink", executable: false };
    return st;
  },
  readLink(p) {
    if (nodeFS.lstat(p)?.type === "regular" && fixtureSymlinks.has(p)) {
      return bytesToByteString(nodeFS.readFile(p));
    }
    return nodeFS.readLink(p);
  },
};

/** `NarFS` over an in-memory tree whose root is at `rootPath`. */
function memoryFS(tree: NarNode | { type: "unknown" }, rootPath = "/r"): NarFS {
  const find = (p: string): NarNode | { type: "unknown" } | undefined => {
    if (p === rootPath) return tree;
    if (!p.startsWith(rootPath + "/")) return undefined;
    let node: NarNode | { type: "unknown" } | undefined = tree;
    for (const seg of p.slice(rootPath.length + 1).split("/")) {
      if (node?.type !== "directory") return undefined;
      node = node.entries.get(seg);
    }
    return node;
  };
  const get = (p: string): NarNode => {
    const n = find(p);
    if (n === undefined || n.type === "unknown") throw new Error(`no ${p}`);
    return n;
  };
  return {
    lstat(p) {
      const n = find(p);
      if (n === undefined) return undefined;
      return { type: n.type, executable: n.type === "regular" && n.executable };
    },
    readFile: (p) => (get(p) as { contents: Uint8Array }).contents,
    readDir: (p) => [...(get(p) as { entries: Map<string, NarNode> }).entries.keys()].reverse(),
    readLink: (p) => (get(p) as { target: string }).target,
  };
}

function file(contents: string, executable = false): NarNode {
  return { type: "regular", executable, contents: bytesOf(contents) };
}

function dir(entries: Record<string, NarNode>): NarNode {
  return { type: "directory", entries: new Map(Object.entries(entries)) };
}

/** A seeded pseudo-random generator (LCG), so failures reproduce. */
function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return Math.floor((a / 2 ** 32) * n);
  };
}

// --- §1, §2: nix32, folding, paths --------------------------------------------------------------

describe("nix32 and fold20", () => {
  test("the spec's nix32 examples", () => {
    expect(nixBase32(Uint8Array.of(0x01))).toBe("01");
    expect(nixBase32(Uint8Array.of(0xff))).toBe("7z");
    expect(nixBase32(Uint8Array.of(0x00, 0x01))).toBe("0080");
    expect(nixBase32(Uint8Array.of(0x12, 0x34))).toBe("0d0j");
    expect(nixBase32(sha256(""))).toBe("0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73");
  });

  test("compressHash XOR-folds (§11.1)", () => {
    const digest = hex("ca46ea4896024488ad938428ba82282eb942f788ec253926f6f7d1702af53801");
    const folded = compressHash(digest, 20);
    expect(base16(folded)).toBe("2663d36e60f595f88766bc29ba82282eb942f788");
    expect(folded[0]).toBe(0xca ^ 0xec);
    expect(nixBase32(folded)).toBe("i3vl5f9f521bladwcs3zi5gmc1pd6qr6");
    // Folding to the same size is the identity; to 1 byte XORs everything.
    expect(compressHash(digest, 32)).toEqual(digest);
    expect(compressHash(Uint8Array.of(1, 2, 4), 1)).toEqual(Uint8Array.of(7));
  });

  test("fingerprint → path (§2.2)", () => {
    const fp =
      "text:sha256:d9014c4624844aa5bac314773d6b689ad467fa4e1d1a50a1b8a99d5a95f72ff5:/nix/store:hello.txt";
    expect(base16(sha256(fp))).toBe(
      "ca46ea4896024488ad938428ba82282eb942f788ec253926f6f7d1702af53801",
    );
    expect(
      makeStorePath(
        "text",
        hex("d9014c4624844aa5bac314773d6b689ad467fa4e1d1a50a1b8a99d5a95f72ff5"),
        "hello.txt",
        S,
      ),
    ).toBe("/nix/store/i3vl5f9f521bladwcs3zi5gmc1pd6qr6-hello.txt");
  });

  test("the store directory is part of the fingerprint", () => {
    const a = makeTextPath("x", sha256("x"), [], "/nix/store");
    const c = makeTextPath("x", sha256("x"), [], "/gnu/store");
    expect(c.startsWith("/gnu/store/")).toBe(true);
    expect(c.slice("/gnu/store/".length)).not.toBe(a.slice("/nix/store/".length));
  });
});

describe("§11 worked examples", () => {
  test("11.1 toFile, without and with a reference", () => {
    const d = sha256("Hello, world!\n");
    expect(base16(d)).toBe("d9014c4624844aa5bac314773d6b689ad467fa4e1d1a50a1b8a99d5a95f72ff5");
    expect(makeTextPath("hello.txt", d, [], S)).toBe(
      "/nix/store/i3vl5f9f521bladwcs3zi5gmc1pd6qr6-hello.txt",
    );
    const a = makeTextPath("a.txt", sha256("A"), [], S);
    expect(a).toBe("/nix/store/l82nr4gna33sc2g8m4hkkr6r983dlbd6-a.txt");
    expect(makeTextPath("b.txt", sha256(`see ${a}\n`), [a], S)).toBe(
      "/nix/store/867rqniy11mwpzr2r0z3waq8j2a19gr8-b.txt",
    );
  });

  test("references are sorted by full path and deduplicated", () => {
    const zzz = "/nix/store/whkapr3p0i7rfj5jcb90wd9105f2v9il-zzz";
    const aaa = "/nix/store/y8jm621bk87nnfs66f3v3d4z3v5b0mhy-aaa";
    const contents = `${zzz} ${aaa}`;
    const expected = "/nix/store/ipzf1pccc3wg6rpbbp4vcv334bilb37b-both";
    expect(makeTextPath("both", sha256(contents), [aaa, zzz], S)).toBe(expected);
    expect(makeTextPath("both", sha256(contents), [zzz, aaa, zzz], S)).toBe(expected);
  });

  test("11.2 a path copied to the store: NAR → source path; flat → output:out", () => {
    const hello = path.join(fixturesDir, "hello.txt");
    const nar = dumpPath(fixtureFS, hello);
    expect(nar.length).toBe(128);
    expect(base16(sha256(nar))).toBe(
      "ede9e56f440358fb368f46ba4bca079ac8f68404363461411bfef48d032eb492",
    );
    expect(nixBase32(sha256(nar))).toBe("14ml5q1qvx7y3d0n2d1n0j2gdj4s0z54pfj6iwvgnn038ipybsgd");
    expect(nar).toEqual(dumpFile(bytesOf("Hello, Nix!\n")));
    expect(makeFixedOutputPath("hello.txt", "nar", "sha256", sha256(nar), [], S)).toBe(
      "/nix/store/2xr781z591fm9c9jchvf8389sr8qsszk-hello.txt",
    );
    const flat = sha256(fs.readFileSync(hello));
    expect(base16(flat)).toBe("c9ecc8a2369eb18e2b867ab572566edbcfee5abafa98345e868a4e515397f4d8");
    expect(base16(sha256(`fixed:out:sha256:${base16(flat)}:`))).toBe(
      "8e4b29d8233e76f1d77ca5fc214b69ca321b3949d0a1b7633bfff2de041cbd78",
    );
    expect(makeFixedOutputPath("hello.txt", "flat", "sha256", flat, [], S)).toBe(
      "/nix/store/074js36zvzgjcc64qgnl216rlvpy7q65-hello.txt",
    );
  });

  test("11.3 a minimal derivation, step by step", () => {
    const drv: Derivation = {
      name: "simple",
      outputs: new Map([["out", { path: "", hashAlgo: "", hash: "" }]]),
      inputDrvs: new Map(),
      inputSrcs: new Set(),
      platform: "x86_64-linux",
      builder: "/bin/sh",
      args: [],
      env: new Map([
        ["system", "x86_64-linux"],
        ["name", "simple"],
        ["builder", "/bin/sh"],
        ["out", ""],
      ]),
    };
    const hashes = new DerivationHashes(S, () => {
      throw new Error("no inputs");
    });
    expect(hashes.unparseModulo(drv, true)).toBe(
      'Derive([("out","","","")],[],[],"x86_64-linux","/bin/sh",[],[("builder","/bin/sh"),("name","simple"),("out",""),("system","x86_64-linux")])',
    );
    const h = hashes.hashModulo(drv);
    expect(base16(h)).toBe("4fb24dbe3bec79dacb9278ede7b7ee777ddf3d9de136a9f69c45a4ef5a9089d7");
    const out = makeOutputPath("out", h, "simple", S);
    expect(out).toBe("/nix/store/nj83liashqlzmxjq8lyfxrx21whvgpqj-simple");
    drv.outputs.set("out", { path: out, hashAlgo: "", hash: "" });
    drv.env.set("out", out);
    const text = unparseDerivation(drv);
    expect(text).toBe(vector("drv-simple").expected.drv);
    expect(base16(sha256(text))).toBe(
      "37f3a066589174f50366fc902cd2052efae5bdb29214facae2f587a0c9af1a15",
    );
    expect(derivationPath(drv, S)).toBe("/nix/store/2wwpgwhlrid6ypd4f01r72hdpr4l7qgz-simple.drv");
    // Masking blanks the filled-in outputs again: same hash.
    expect(hashes.hashModulo(drv)).toEqual(h);
  });

  test("11.4 multiple outputs share one hash modulo, named <name>-<o>", () => {
    const v = vector("drv-outputs-multiple");
    const drv = parseDerivation(v.expected.drv!, "multi");
    const h = new DerivationHashes(S, () => {
      throw new Error("no inputs");
    }).hashModulo(drv);
    expect(base16(h).slice(0, 8)).toBe("dcd11bd1");
    for (const o of ["out", "dev", "bin"]) {
      expect(makeOutputPath(o, h, "multi", S)).toBe(v.expected.outputs![o]);
    }
    expect(v.expected.outputs!["dev"]!.endsWith("-multi-dev")).toBe(true);
    expect(drv.env.get("outputs")).toBe("out dev bin");
  });

  test("11.5 fixed-output paths", () => {
    const empty = hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(base16(sha256(`fixed:out:sha256:${base16(empty)}:`))).toBe(
      "25c9b18deb1a768db5c09793ae411acb62ba194c8f876ac206a070bbebef4342",
    );
    expect(makeFixedOutputPath("fod", "flat", "sha256", empty, [], S)).toBe(
      "/nix/store/4yfk9q43irhw1r79i1pvbva1zd0677j1-fod",
    );
    const narHash = hex("ede9e56f440358fb368f46ba4bca079ac8f68404363461411bfef48d032eb492");
    expect(makeFixedOutputPath("fod", "nar", "sha256", narHash, [], S)).toBe(
      vector("fod-recursive-sha256-nix32").expected.outputs!["out"],
    );
    expect(makeFixedOutputPath("fod", "nar", "sha256", narHash, [], S)).toBe(
      makeStorePath("source", narHash, "fod", S),
    );
    const sha1 = hex("da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect(makeFixedOutputPath("fod", "nar", "sha1", sha1, [], S)).toBe(
      makeStorePath("output:out", sha256(`fixed:out:r:sha1:${base16(sha1)}:`), "fod", S),
    );
    expect(makeFixedOutputPath("fod", "nar", "sha1", sha1, [], S)).toBe(
      vector("fod-recursive-sha1-base16").expected.outputs!["out"],
    );
  });

  test("fixed-output path rules of current Nix", () => {
    const d = sha256("x");
    const ref = "/nix/store/l82nr4gna33sc2g8m4hkkr6r983dlbd6-a.txt";
    // Only the source form may have references.
    expect(makeFixedOutputPath("n", "nar", "sha256", d, [ref], S)).toBe(
      makeStorePath(`source:${ref}`, d, "n", S),
    );
    expect(() => makeFixedOutputPath("n", "flat", "sha256", d, [ref], S)).toThrow(
      /fixed output derivation 'n' is not allowed to refer to other store paths/,
    );
    // text = the text form; git = `git:` in the inner string, SHA-1 or SHA-256 only.
    expect(makeFixedOutputPath("n", "text", "sha256", d, [ref], S)).toBe(
      makeTextPath("n", d, [ref], S),
    );
    expect(() =>
      makeFixedOutputPath("n", "text", "sha1", hash("sha1", bytesOf("x")), [], S),
    ).toThrow();
    expect(makeFixedOutputPath("n", "git", "sha256", d, [], S)).toBe(
      makeStorePath("output:out", sha256(`fixed:out:git:sha256:${base16(d)}:`), "n", S),
    );
    expect(() => makeFixedOutputPath("n", "git", "md5", hash("md5", bytesOf("x")), [], S)).toThrow(
      "Git file ingestion must use SHA-1 or SHA-256 hash, but instead using: md5",
    );
  });

  test("11.6 depending on a fixed-output derivation", () => {
    const a = vector("drv-dep-fod-a");
    const bv = vector("drv-dep-fod-b");
    const [fodPath, fodText] = Object.entries(a.expected.inputDrvTexts!)[0]!;
    const fod = parseDerivation(fodText, drvName(fodPath));
    expect(isFixedOutput(fod)).toBe(true);
    const hashes = new DerivationHashes(S, (p) => {
      expect(p).toBe(fodPath);
      return fod;
    });
    expect(base16(hashes.hashAsInput(fodPath).get("out")!)).toBe(
      "eb5661f68e361238f2b05f9b7dafe05863747b9332e3de5cc8adcad05bd889c0",
    );
    const drv = parseDerivation(a.expected.drv!, "usesfod");
    expect(hashes.unparseModulo(drv, true)).toBe(a.derived!.maskedAterm);
    expect(base16(hashes.hashModulo(drv))).toBe(
      "edecfc44e0336c483ce436fa3f8bd3d5b51224a34eb5877abdc792f0c14ccb76",
    );
    expect(a.expected.outputs).toEqual(bv.expected.outputs);
    expect(a.expected.drvPath).not.toBe(bv.expected.drvPath);
  });

  test("placeholder (§10)", () => {
    expect(hashPlaceholder("out")).toBe("/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9");
    expect(hashPlaceholder("dev").length).toBe(53);
  });
});

// --- names and store paths ------------------------------------------------------------------------

describe("store path names (current CppNix's checkName)", () => {
  const bad: [string, string][] = [
    ["", "name must not be empty"],
    ["a".repeat(212), `name '${"a".repeat(212)}' must be no longer than 211 characters`],
    ["foo bar", "name 'foo bar' contains illegal character ' '"],
    ["a/b", "name 'a/b' contains illegal character '/'"],
    ["caf\xc3\xa9", "name 'caf\xc3\xa9' contains illegal character '\xc3'"],
    [".", "name '.' is not valid"],
    ["..", "name '..' is not valid"],
    [".-x", "name '.-x' is not valid: first dash-separated component must not be '.'"],
    ["..-x", "name '..-x' is not valid: first dash-separated component must not be '..'"],
  ];
  test.each(bad)("%j is rejected", (name, message) => {
    expect(() => checkStorePathName(name)).toThrow(BadStorePathName);
    expect(() => checkStorePathName(name)).toThrow(message);
  });

  test.each([
    "a",
    "-",
    "a-b_c.d+e?f=g",
    ".hidden",
    "..hidden",
    ".x-y",
    "a".repeat(211),
    "hello-1.0.drv",
  ])("%j is valid", (name) => {
    expect(() => checkStorePathName(name)).not.toThrow();
  });

  test("a bad name in a new path names the would-be path, as CppNix's StorePath does", () => {
    // The hash parts are those Nix 2.8 printed for the same objects (its wording differs).
    const cases: [string, () => string][] = [
      ["err-toFile-illegal-name", () => makeTextPath("a/b", sha256("x"), [], S)],
      ["err-toFile-empty-name", () => makeTextPath("", sha256("x"), [], S)],
      [
        "err-path-illegal-name",
        () =>
          makeFixedOutputPath(
            "with space.txt",
            "nar",
            "sha256",
            sha256(dumpPath(fixtureFS, path.join(fixturesDir, "with space.txt"))),
            [],
            S,
          ),
      ],
      [
        "err-name-illegal-char",
        () => {
          const drv: Derivation = {
            name: "foo bar",
            outputs: new Map([["out", { path: "", hashAlgo: "", hash: "" }]]),
            inputDrvs: new Map(),
            inputSrcs: new Set(),
            platform: "x86_64-linux",
            builder: "/bin/sh",
            args: [],
            env: new Map([
              ["builder", "/bin/sh"],
              ["name", "foo bar"],
              ["out", ""],
              ["system", "x86_64-linux"],
            ]),
          };
          const h = new DerivationHashes(S, () => drv).hashModulo(drv);
          return makeOutputPath("out", h, "foo bar", S);
        },
      ],
    ];
    for (const [name, make] of cases) {
      const nix28 = /store path '([0-9a-z]{32})-(.*?)' (contains|has)/.exec(
        vector(name).expected.error!,
      )!;
      const [, hashPart, badName] = nix28;
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(BadStorePathName);
      expect(error, name).toBeInstanceOf(BadStorePath);
      expect((error as Error).message, name).toMatch(
        new RegExp(
          `^path '${hashPart}-${badName!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}' is not a valid store path: name `,
        ),
      );
    }
  });

  test("a derivation name of 207 bytes is the longest (its .drv path is 211)", () => {
    const v = vector("drv-name-207");
    const name = drvName(v.expected.drvPath!);
    expect(name.length).toBe(207);
    expect(() => makeTextPath(`${name}x.drv`, sha256("x"), [], S)).toThrow(
      /must be no longer than 211 characters/,
    );
  });
});

describe("parsing store paths", () => {
  const p = "/nix/store/2xr781z591fm9c9jchvf8389sr8qsszk-hello.txt";

  test("valid paths and their parts", () => {
    expect(parseStorePath(p, S)).toEqual({
      hashPart: "2xr781z591fm9c9jchvf8389sr8qsszk",
      name: "hello.txt",
    });
    // Canonicalised first, as CppNix's parseStorePath does.
    expect(parseStorePath("/nix/store/./2xr781z591fm9c9jchvf8389sr8qsszk-hello.txt/", S).name).toBe(
      "hello.txt",
    );
    expect(parseStorePath("/nix//store/../store/2xr781z591fm9c9jchvf8389sr8qsszk-a", S).name).toBe(
      "a",
    );
    expect(isStorePath(p, S)).toBe(true);
    expect(isStorePath(p, "/gnu/store")).toBe(false);
    expect(parseStorePath("/gnu/store/2xr781z591fm9c9jchvf8389sr8qsszk-a", "/gnu/store").name).toBe(
      "a",
    );
  });

  test.each([
    ["", "empty path is not a valid store path"],
    ["nix/store/x", 'not an absolute path: "nix/store/x"'],
    ["/tmp/x", 'path "/tmp/x" is not in the Nix store'],
    ["/nix/store", 'path "/nix/store" is not in the Nix store'],
    [`${p}/bin`, `path "${p}/bin" is not in the Nix store`],
    ["/nix/store/abc", "'abc' is too short to be a valid store path"],
    [
      "/nix/store/2xr781z591fm9c9jchvf8389sr8qsszk_hello",
      "'2xr781z591fm9c9jchvf8389sr8qsszk_hello' can't name a store path because the hash part is not followed by a '-'",
    ],
    [
      "/nix/store/2xr781z591fm9c9jchvf8389sr8qsszu-hello",
      "store path '2xr781z591fm9c9jchvf8389sr8qsszu-hello' contains illegal base-32 character 'u'",
    ],
    [
      "/nix/store/2XR781z591fm9c9jchvf8389sr8qsszk-hello",
      "store path '2XR781z591fm9c9jchvf8389sr8qsszk-hello' contains illegal base-32 character 'X'",
    ],
    [
      "/nix/store/2xr781z591fm9c9jchvf8389sr8qsszk-a b",
      "path '2xr781z591fm9c9jchvf8389sr8qsszk-a b' is not a valid store path: name 'a b' contains illegal character ' '",
    ],
    [
      "/nix/store/2xr781z591fm9c9jchvf8389sr8qsszk-",
      "path '2xr781z591fm9c9jchvf8389sr8qsszk-' is not a valid store path: name must not be empty",
    ],
  ])("%j: %s", (input, message) => {
    expect(() => parseStorePath(input, S)).toThrow(BadStorePath);
    expect(() => parseStorePath(input, S)).toThrow(message);
    expect(isStorePath(input, S)).toBe(false);
  });

  test("toStorePath: the store path a path inside the store belongs to", () => {
    expect(toStorePath(p, S)).toBe(p);
    expect(toStorePath(`${p}/bin/sh`, S)).toBe(p);
    expect(() => toStorePath("/tmp/x", S)).toThrow("path '/tmp/x' is not in the Nix store");
    expect(() => toStorePath("/nix/store", S)).toThrow("path '/nix/store' is not in the Nix store");
    expect(() => toStorePath("/nix/store/../etc", S)).toThrow(BadStorePath);
    expect(() => toStorePath("/nix/storefoo/x", S)).toThrow(BadStorePath);
    expect(() => toStorePath("/nix/store/abc/x", S)).toThrow(
      "'abc' is too short to be a valid store path",
    );
  });
});

// --- NAR ------------------------------------------------------------------------------------------

/** The fixtures (every file and directory), for finding the one a store object was made from. */
function fixturePaths(): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    out.push(p);
    const st = fixtureFS.lstat(p)!;
    if (st.type === "directory") for (const n of fixtureFS.readDir(p)) walk(`${p}/${n}`);
  };
  for (const n of nodeFS.readDir(fixturesDir)) walk(`${fixturesDir}/${n}`);
  return out;
}

const fixtureNars = new Map(
  fixturePaths().map((p) => {
    const nar = dumpPath(fixtureFS, p);
    return [p, { nar, narSha256: sha256(nar) }] as const;
  }),
);

/** Vectors whose store objects are a fixture copied whole (NAR) or flat. */
const fromFixtures = new Set([
  "path-interp-file",
  "path-interp-executable",
  "path-interp-symlink",
  "path-interp-dir",
  "path-interp-empty-file",
  "path-interp-eight-bytes",
  "path-interp-binary",
  "path-interp-dotfile",
  "path-plus-string",
  "builtins-path-basic",
  "builtins-path-name",
  "builtins-path-flat",
  "builtins-path-flat-executable",
  "builtins-path-sha256",
  "builtins-path-symlink",
  "builtins-path-empty-name",
  "builtins-path-rename-illegal",
  "filterSource-all",
  "fetchurl-file",
  "fetchurl-name",
  "fetchurl-sha256",
  "drv-src-dir",
  "drv-builder-path",
  "drv-args-mixed-inputs",
]);

describe("NAR", () => {
  const withNars = vectors.filter((v) =>
    Object.values(v.expected.storeObjects ?? {}).some((o) => o.narBase64 !== undefined),
  );

  test("there are store objects with NAR bytes to check", () => {
    expect(withNars.length).toBeGreaterThan(40);
  });

  test.each(withNars.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    let matched = 0;
    for (const [storePath, obj] of Object.entries(v.expected.storeObjects!)) {
      if (obj.narBase64 === undefined) continue;
      const nar = new Uint8Array(Buffer.from(obj.narBase64, "base64"));
      expect(nar.length).toBe(obj.narSize);
      expect(`sha256:${nixBase32(sha256(nar))}`).toBe(obj.narHash);
      // parse → dump gives the same bytes.
      expect(dumpNode(parseNar(nar))).toEqual(nar);
      // A fixture this object was made from, whole (source form) or flat.
      const { name } = parseStorePath(storePath, S);
      for (const [fixture, { nar: fixtureNar, narSha256 }] of fixtureNars) {
        if (makeFixedOutputPath(name, "nar", "sha256", narSha256, [], S) === storePath) {
          expect(fixtureNar, fixture).toEqual(nar);
          matched++;
        }
        const st = fixtureFS.lstat(fixture)!;
        if (st.type === "regular") {
          const contents = nodeFS.readFile(fixture);
          if (makeFixedOutputPath(name, "flat", "sha256", sha256(contents), [], S) === storePath) {
            expect(dumpFile(contents), fixture).toEqual(nar);
            matched++;
          }
        }
      }
    }
    if (fromFixtures.has(v.name)) expect(matched).toBeGreaterThan(0);
  });

  test("the NAR of the spec's §3 example, byte by byte", () => {
    const nar = dumpFile(bytesOf("Hello, Nix!\n"));
    const words = [
      [13, 0, 0, 0, 0, 0, 0, 0],
      [...bytesOf("nix-arch")],
      [...bytesOf("ive-1"), 0, 0, 0],
      [1, 0, 0, 0, 0, 0, 0, 0],
      [0x28, 0, 0, 0, 0, 0, 0, 0],
      [4, 0, 0, 0, 0, 0, 0, 0],
      [...bytesOf("type"), 0, 0, 0, 0],
      [7, 0, 0, 0, 0, 0, 0, 0],
      [...bytesOf("regular"), 0],
      [8, 0, 0, 0, 0, 0, 0, 0],
      [...bytesOf("contents")],
      [12, 0, 0, 0, 0, 0, 0, 0],
      [...bytesOf("Hello, N")],
      [...bytesOf("ix!\n"), 0, 0, 0, 0],
      [1, 0, 0, 0, 0, 0, 0, 0],
      [0x29, 0, 0, 0, 0, 0, 0, 0],
    ].flat();
    expect([...nar]).toEqual(words);
  });

  test("executable bit, symlinks, sorted entries, empty directories", () => {
    const tree = dir({
      b: file("b", true),
      "B.txt": file(""),
      a: { type: "symlink", target: "../dangling" },
      empty: dir({}),
      "\xff": file("high byte sorts last"),
    });
    const nar = dumpPath(memoryFS(tree), "/r");
    const node = parseNar(nar);
    expect(node).toEqual(tree);
    expect([...(node as { entries: Map<string, NarNode> }).entries.keys()]).toEqual([
      "B.txt",
      "a",
      "b",
      "empty",
      "\xff",
    ]);
    expect(dumpNode(tree)).toEqual(nar);
    expect(dumpFile(bytesOf("x"), true)).toEqual(dumpNode(file("x", true)));
    expect(parseNar(dumpNode({ type: "symlink", target: "t" }))).toEqual({
      type: "symlink",
      target: "t",
    });
  });

  test("unsupported file types and missing files", () => {
    const fsWithFifo = memoryFS(dir({ fifo: { type: "unknown" } as unknown as NarNode }));
    expect(() => dumpPath(fsWithFifo, "/r")).toThrow(NarError);
    expect(() => dumpPath(fsWithFifo, "/r")).toThrow("file '/r/fifo' has an unsupported type");
    // A filtered-out entry of an unsupported type is not an error.
    expect(() => dumpPath(fsWithFifo, "/r", () => false)).not.toThrow();
    expect(() => dumpPath(memoryFS(file("x")), "/nope")).toThrow(NarError);
  });

  test("directory nesting is bounded at 64, as in current CppNix", () => {
    const nested = (depth: number): NarNode =>
      depth === 0 ? file("x") : dir({ d: nested(depth - 1) });
    // The root is depth 0; an object at depth 64 is too deep.
    expect(() => dumpPath(memoryFS(nested(63)), "/r")).not.toThrow();
    expect(() => dumpPath(memoryFS(nested(64)), "/r")).toThrow(
      /exceeds maximum NAR directory depth of 64/,
    );
    expect(() => parseNar(dumpNode(nested(63)))).not.toThrow();
    expect(() => dumpNode(nested(64))).toThrow(NarError);
  });
});

describe("filters (§3.1)", () => {
  const tree = path.join(fixturesDir, "tree");

  test("called pre-order, sorted, not for the root nor inside excluded directories", () => {
    const v = vector("filterSource-trace");
    const calls: string[] = [];
    const nar = dumpPath(fixtureFS, tree, (p, type) => {
      calls.push(`${type} ${p}`);
      return path.basename(p) !== "sub";
    });
    expect(calls).toEqual(v.expected.trace!.map((t) => t.replace("<vectors>", vectorsDir)));
    expect(makeStorePath("source", sha256(nar), "tree", S)).toBe(
      makeFixedOutputPath("tree", "nar", "sha256", sha256(nar), [], S),
    );
    expect(`source:sha256:${base16(sha256(nar))}:/nix/store:tree`).toBe(v.derived!.fingerprint);
  });

  test.each([
    [
      "builtins-path-filter",
      "filtered",
      (p: string, t: FileType) => t !== "symlink" && path.basename(p) !== "skip.me",
    ],
    [
      "builtins-path-filter-dir",
      "no-skipdir",
      (p: string, t: FileType) => !(t === "directory" && path.basename(p) === "skipdir"),
    ],
    ["filterSource", "tree", (_p: string, t: FileType) => t !== "symlink"],
  ])("%s", (name, storeName, filter) => {
    const nar = dumpPath(fixtureFS, tree, filter);
    expect(`source:sha256:${base16(sha256(nar))}:/nix/store:${storeName}`).toBe(
      vector(name).derived!.fingerprint,
    );
    const [storePath, obj] = Object.entries(vector(name).expected.storeObjects!)[0]!;
    expect(makeFixedOutputPath(storeName, "nar", "sha256", sha256(nar), [], S)).toBe(storePath);
    expect(Buffer.from(nar).toString("base64")).toBe(obj.narBase64);
  });

  test("drv-src-filtered: its input source", () => {
    const nar = dumpPath(fixtureFS, tree, (_p, t) => t !== "symlink");
    const src = makeFixedOutputPath("src", "nar", "sha256", sha256(nar), [], S);
    const drv = parseDerivation(vector("drv-src-filtered").expected.drv!, "srcfiltered");
    expect([...drv.inputSrcs]).toEqual([src]);
  });
});

describe("parseNar is strict", () => {
  const good = dumpNode(dir({ a: file("x", true), b: { type: "symlink", target: "a" } }));

  /** A NAR from tokens (each written as a NAR string). */
  function narOf(...tokens: (string | Uint8Array)[]): Uint8Array {
    const chunks: number[] = [];
    for (const t of tokens) {
      const bytes = typeof t === "string" ? bytesOf(t) : t;
      const len = [0, 0, 0, 0, 0, 0, 0, 0];
      len[0] = bytes.length & 0xff;
      len[1] = (bytes.length >> 8) & 0xff;
      chunks.push(...len, ...bytes, ...new Array((8 - (bytes.length % 8)) % 8).fill(0));
    }
    return Uint8Array.from(chunks);
  }
  const entry = (name: string, ...node: string[]): string[] => [
    "entry",
    "(",
    "name",
    name,
    "node",
    ...node,
    ")",
  ];
  const reg = ["(", "type", "regular", "contents", "x", ")"];

  test("a hand-made NAR parses", () => {
    expect(
      parseNar(narOf("nix-archive-1", "(", "type", "directory", ...entry("a", ...reg), ")")),
    ).toEqual(dir({ a: file("x") }));
  });

  test.each([
    ["empty input", new Uint8Array(0), "bad archive: input doesn't look like a Nix archive"],
    [
      "bad magic",
      narOf("nix-archive-2", ...reg),
      "bad archive: input doesn't look like a Nix archive",
    ],
    ["truncated", good.subarray(0, good.length - 3), "unexpected end-of-file"],
    [
      "trailing data",
      Uint8Array.from([...good, 0, 0, 0, 0, 0, 0, 0, 0]),
      "bad archive: unexpected data after the end",
    ],
    [
      "unknown type",
      narOf("nix-archive-1", "(", "type", "fifo", ")"),
      "bad archive: unknown file type 'fifo'",
    ],
    ["missing (", narOf("nix-archive-1", "type"), "bad archive: expected tag '(', got 'type'"],
    [
      "executable marker with a value",
      narOf("nix-archive-1", "(", "type", "regular", "executable", "1", "contents", "", ")"),
      "string is too long",
    ],
    [
      "no contents",
      narOf("nix-archive-1", "(", "type", "regular", ")"),
      "bad archive: expected tag 'contents', got ')'",
    ],
    [
      "unsorted",
      narOf(
        "nix-archive-1",
        "(",
        "type",
        "directory",
        ...entry("b", ...reg),
        ...entry("a", ...reg),
        ")",
      ),
      "bad archive: NAR directory is not sorted",
    ],
    [
      "duplicate",
      narOf(
        "nix-archive-1",
        "(",
        "type",
        "directory",
        ...entry("a", ...reg),
        ...entry("a", ...reg),
        ")",
      ),
      "bad archive: NAR directory is not sorted",
    ],
    ...["", ".", "..", "a/b", "a\0b"].map((name) => [
      `entry name ${JSON.stringify(name)}`,
      narOf("nix-archive-1", "(", "type", "directory", ...entry(name, ...reg), ")"),
      `bad archive: NAR contains invalid file name '${name}'`,
    ]),
    [
      "long name",
      narOf("nix-archive-1", "(", "type", "directory", ...entry("n".repeat(256), ...reg), ")"),
      "string is too long",
    ],
    [
      "empty symlink target",
      narOf("nix-archive-1", "(", "type", "symlink", "target", "", ")"),
      "bad archive: NAR contains invalid symlink target",
    ],
    [
      "not an entry",
      narOf("nix-archive-1", "(", "type", "directory", "file", ")"),
      "bad archive: expected tag 'entry' or ')', got 'file'",
    ],
    [
      "non-zero padding",
      (() => {
        const n = narOf("nix-archive-1", ...reg);
        n[n.length - 17] = 1; // the padding after the contents "x"
        return n;
      })(),
      "non-zero padding",
    ],
    [
      "huge length",
      Uint8Array.from([
        ...narOf("nix-archive-1", "(", "type", "regular", "contents"),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        1,
      ]),
      "unexpected end-of-file",
    ],
  ] as [string, Uint8Array, string][])("%s", (_what, bytes, message) => {
    expect(() => parseNar(bytes)).toThrow(NarError);
    expect(() => parseNar(bytes)).toThrow(message);
  });

  test("too deep", () => {
    let tokens: string[] = reg;
    for (let i = 0; i < 64; i++) tokens = ["(", "type", "directory", ...entry("d", ...tokens), ")"];
    expect(() => parseNar(narOf("nix-archive-1", ...tokens))).toThrow(
      "bad archive: NAR directory nesting exceeds maximum depth of 64",
    );
  });

  test("random damage to real NARs: NarError or a NAR, never anything else", () => {
    const nars = vectors.flatMap((v) =>
      Object.values(v.expected.storeObjects ?? {})
        .filter((o) => o.narBase64 !== undefined)
        .map((o) => new Uint8Array(Buffer.from(o.narBase64!, "base64"))),
    );
    const rnd = random(42);
    let errors = 0;
    for (let i = 0; i < 600; i++) {
      const nar = nars[rnd(nars.length)]!.slice();
      let damaged: Uint8Array;
      switch (rnd(4)) {
        case 0:
          nar[rnd(nar.length)] = rnd(256);
          damaged = nar;
          break;
        case 1:
          damaged = nar.subarray(0, rnd(nar.length));
          break;
        case 2: {
          const at = rnd(nar.length / 8) * 8;
          damaged = Uint8Array.from([...nar.subarray(0, at), ...nar.subarray(at + 8)]);
          break;
        }
        default: {
          const at = rnd(nar.length / 8) * 8;
          nar[at] = rnd(256);
          nar[at + 1] = rnd(4);
          damaged = nar;
        }
      }
      try {
        expect(dumpNode(parseNar(damaged))).toEqual(damaged);
      } catch (e) {
        if (!(e instanceof NarError)) throw e;
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(300);
  });
});

// --- derivations ----------------------------------------------------------------------------------

describe("every derivation vector", () => {
  const drvVectors = vectors.filter((v) => v.kind === "derivation");

  test("there are 70", () => {
    expect(drvVectors.length).toBe(70);
  });

  test.each(drvVectors.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    // All .drv texts of the closure, as byte strings.
    const texts = new Map<string, string>([[v.expected.drvPath!, b(v.expected.drv!)]]);
    for (const [p, t] of Object.entries(v.expected.inputDrvTexts ?? {})) texts.set(p, b(t));
    const drvs = new Map<string, Derivation>();
    for (const [p, text] of texts) {
      const drv = parseDerivation(text, drvName(p));
      expect(unparseDerivation(drv), p).toBe(text);
      // The .drv path: text kind, named <name>.drv, its inputs as references.
      expect(derivationPath(drv, S), p).toBe(p);
      drvs.set(p, drv);
    }
    const lookup = (p: string): Derivation => {
      const drv = drvs.get(p);
      if (drv === undefined) throw new Error(`unknown derivation ${p}`);
      return drv;
    };
    const hashes = new DerivationHashes(S, lookup);

    // Every derivation's outputs follow from the rest of it.
    for (const [p, drv] of drvs) {
      if (isFixedOutput(drv)) {
        const out = drv.outputs.get("out")!;
        const method = out.hashAlgo.startsWith("r:") ? "nar" : "flat";
        const algo = out.hashAlgo.replace(/^r:/, "") as "md5" | "sha1" | "sha256" | "sha512";
        expect(makeFixedOutputPath(drv.name, method, algo, hex(out.hash), [], S), p).toBe(out.path);
      } else {
        const h = hashes.hashModulo(drv);
        for (const [o, out] of drv.outputs) {
          expect(makeOutputPath(o, h, drv.name, S), `${p} ${o}`).toBe(out.path);
          expect(drv.env.get(o)).toBe(out.path);
        }
      }
    }

    const main = drvs.get(v.expected.drvPath!)!;
    for (const [o, p] of Object.entries(v.expected.outputs!)) {
      expect(main.outputs.get(o)!.path).toBe(p);
    }
    if (v.derived?.hashModulo !== undefined) {
      expect(base16(hashes.hashModulo(main))).toBe(v.derived.hashModulo);
      expect(hashes.unparseModulo(main, true)).toBe(b(v.derived.maskedAterm!));
    }
    for (const [p, outs] of Object.entries(v.derived?.inputDrvHashes ?? {})) {
      for (const [o, { sha256: expected }] of Object.entries(outs)) {
        expect(base16(hashes.hashAsInput(p).get(o)!), `${p} ${o}`).toBe(expected);
      }
    }
  });

  test("drv-dep-two-equivalent-fods: equal FODs merge into one input", () => {
    const v = vector("drv-dep-two-equivalent-fods");
    const drvs = new Map(
      Object.entries(v.expected.inputDrvTexts!).map(([p, t]) => [
        p,
        parseDerivation(t, drvName(p)),
      ]),
    );
    const main = parseDerivation(v.expected.drv!, drvName(v.expected.drvPath!));
    expect(main.inputDrvs.size).toBe(2);
    const masked = new DerivationHashes(S, (p) => drvs.get(p)!).unparseModulo(main, true);
    expect(masked.match(/\("[0-9a-f]{64}",\["out"\]\)/g)!.length).toBe(1);
  });

  test("input-addressed inputs with equal hashes merge their outputs (current CppNix)", () => {
    const fod = (arg: string): Derivation => {
      const out = makeFixedOutputPath("f", "flat", "sha256", sha256(""), [], S);
      return {
        name: "f",
        outputs: new Map([["out", { path: out, hashAlgo: "sha256", hash: base16(sha256("")) }]]),
        inputDrvs: new Map(),
        inputSrcs: new Set(),
        platform: "x",
        builder: "/bin/sh",
        args: [arg],
        env: new Map([["out", out]]),
      };
    };
    const f1 = fod("1");
    const f2 = fod("2");
    const p1 = derivationPath(f1, S);
    const p2 = derivationPath(f2, S);
    expect(p1).not.toBe(p2);
    const a = (fodPath: string): Derivation => ({
      name: "a",
      outputs: new Map([
        ["out", { path: "/nix/store/00000000000000000000000000000000-a", hashAlgo: "", hash: "" }],
        [
          "dev",
          { path: "/nix/store/00000000000000000000000000000000-a-dev", hashAlgo: "", hash: "" },
        ],
      ]),
      inputDrvs: new Map([[fodPath, new Set(["out"])]]),
      inputSrcs: new Set(),
      platform: "x",
      builder: "/bin/sh",
      args: [],
      env: new Map(),
    });
    const all = new Map<string, Derivation>([
      [p1, f1],
      [p2, f2],
    ]);
    const a1 = a(p1);
    const a2 = a(p2);
    const pa1 = derivationPath(a1, S);
    const pa2 = derivationPath(a2, S);
    all.set(pa1, a1).set(pa2, a2);
    const hashes = new DerivationHashes(S, (p) => all.get(p)!);
    expect(hashes.hashAsInput(pa1).get("out")).toEqual(hashes.hashAsInput(pa2).get("dev"));
    const c: Derivation = {
      ...a1,
      name: "c",
      inputDrvs: new Map([
        [pa1, new Set(["out"])],
        [pa2, new Set(["dev"])],
      ]),
    };
    const key = base16(hashes.hashAsInput(pa1).get("out")!);
    expect(hashes.unparseModulo(c, true)).toContain(`[("${key}",["dev","out"])]`);
    // A fixed-output input has only `out`.
    const bad: Derivation = { ...c, inputDrvs: new Map([[p1, new Set(["dev"])]]) };
    expect(() => hashes.hashModulo(bad)).toThrow("no hash for output 'dev' of derivation 'c'");
  });

  test("hash-as-input is memoised per .drv path", () => {
    const v = vector("drv-dep-chain");
    const drvs = new Map(
      Object.entries(v.expected.inputDrvTexts!).map(([p, t]) => [
        p,
        parseDerivation(t, drvName(p)),
      ]),
    );
    let lookups = 0;
    const hashes = new DerivationHashes(S, (p) => {
      lookups++;
      return drvs.get(p)!;
    });
    const main = parseDerivation(v.expected.drv!, drvName(v.expected.drvPath!));
    const h1 = hashes.hashModulo(main);
    const n = lookups;
    expect(n).toBe(drvs.size);
    expect(hashes.hashModulo(main)).toEqual(h1);
    expect(lookups).toBe(n);
  });

  test("long chains do not overflow the stack; cycles are errors", () => {
    const fake = (i: number): string => `/nix/store/${String(i).padStart(32, "0")}-d${i}.drv`;
    const chain = new Map<string, Derivation>();
    for (let i = 0; i < 20_000; i++) {
      chain.set(fake(i), {
        name: `d${i}`,
        outputs: new Map([
          ["out", { path: `/nix/store/${"1".repeat(32)}-d${i}`, hashAlgo: "", hash: "" }],
        ]),
        inputDrvs: i === 0 ? new Map() : new Map([[fake(i - 1), new Set(["out"])]]),
        inputSrcs: new Set(),
        platform: "x",
        builder: "b",
        args: [],
        env: new Map(),
      });
    }
    const hashes = new DerivationHashes(S, (p) => chain.get(p)!);
    expect(hashes.hashAsInput(fake(19_999)).get("out")!.length).toBe(32);
    const cyclic = new Map(chain);
    cyclic.set(fake(0), {
      ...chain.get(fake(0))!,
      inputDrvs: new Map([[fake(5), new Set(["out"])]]),
    });
    expect(() => new DerivationHashes(S, (p) => cyclic.get(p)!).hashAsInput(fake(10))).toThrow(
      /depends on itself/,
    );
  });

  test("a floating output is deferred, and so is what depends on it", () => {
    const ca = parseDerivation(
      'Derive([("out","","r:sha256","")],[],[],"x","/bin/sh",[],[])',
      "ca",
    );
    const caPath = "/nix/store/00000000000000000000000000000000-ca.drv";
    const hashes = new DerivationHashes(S, () => ca);
    expect(hashes.hashAsInput(caPath).size).toBe(0);
    const user: Derivation = {
      name: "user",
      outputs: new Map([["out", { path: "", hashAlgo: "", hash: "" }]]),
      inputDrvs: new Map([[caPath, new Set(["out"])]]),
      inputSrcs: new Set(),
      platform: "x",
      builder: "/bin/sh",
      args: [],
      env: new Map(),
    };
    expect(hashes.hashModuloOrDeferred(user)).toBeUndefined();
    expect(() => hashes.hashModulo(user)).toThrow(/depends on a deferred one/);
  });
});

describe("the ATerm", () => {
  const sample = (): Derivation => ({
    name: "e",
    outputs: new Map([
      ["out", { path: "/nix/store/00000000000000000000000000000000-e", hashAlgo: "", hash: "" }],
    ]),
    inputDrvs: new Map(),
    inputSrcs: new Set(),
    platform: "odd\tsystem",
    builder: 'a"b\\c\nd\re\tf',
    args: ["\x00\x01\x7f\xff$", ""],
    env: new Map([
      ["\xe9", "after ASCII"],
      ["Z", "upper before lower"],
      ["a", "x"],
      ["out", "/nix/store/00000000000000000000000000000000-e"],
    ]),
  });

  test('escapes only in E fields, nothing but \\\\ \\" \\n \\r \\t', () => {
    const text = unparseDerivation(sample());
    expect(text).toBe(
      'Derive([("out","/nix/store/00000000000000000000000000000000-e","","")],[],[],"odd\tsystem",' +
        '"a\\"b\\\\c\\nd\\re\\tf",["\x00\x01\x7f\xff$",""],[("Z","upper before lower"),("a","x"),' +
        '("out","/nix/store/00000000000000000000000000000000-e"),("\xe9","after ASCII")])',
    );
    expect(parseDerivation(text, "e")).toEqual(sample());
  });

  test("all 256 byte values survive a round trip", () => {
    const all = bytesToByteString(Uint8Array.from({ length: 256 }, (_, i) => i));
    const drv = sample();
    drv.env.set(all, all);
    drv.args.push(all);
    const text = unparseDerivation(drv);
    expect(parseDerivation(text, "e")).toEqual(drv);
  });

  test("masking blanks outputs and their env entries only", () => {
    const drv = sample();
    const masked = unparseDerivation(drv, { maskOutputs: true });
    expect(masked).toContain('[("out","","","")]');
    expect(masked).toContain('("out","")');
    expect(masked).toContain('("a","x")');
    expect(unparseDerivation(drv, { inputDrvs: new Map([["ab", new Set(["z", "a"])]]) })).toContain(
      '[("ab",["a","z"])]',
    );
    expect(unparseDerivation(drv, { inputDrvs: new Map([["ab", new Set<string>()]]) })).toContain(
      '[("ab",[])]',
    );
  });

  test("CppNix's parser quirks are kept", () => {
    const base = '[("out","","","")],[],[],"x","/bin/sh",';
    // A list may start with a comma; its items need no commas; `\q` is `q`; trailing bytes are ignored.
    const quirky = parseDerivation(`Derive(${base}[,"a""b"],[("k","\\q")])trailing`, "q");
    expect(quirky.args).toEqual(["a", "b"]);
    expect(quirky.env.get("k")).toBe("q");
    // A repeated output keeps the first, a repeated env key the last.
    const rep = parseDerivation(
      'Derive([("out","","",""),("out","/nix/store/00000000000000000000000000000000-q","","")],[],[],"x","b",[],[("k","1"),("k","2")])',
      "q",
    );
    expect(rep.outputs.get("out")!.path).toBe("");
    expect(rep.env.get("k")).toBe("2");
  });

  const ok = "/nix/store/2xr781z591fm9c9jchvf8389sr8qsszk-hello.txt";
  test.each([
    ["", "file is empty (possible filesystem corruption)"],
    ["Foo", "expected string 'D'"],
    ["Dx", "derivation does not start with 'Derive' or 'DrvWithVersion'"],
    ["Deriv", "expected string 'erive('"],
    [
      'DrvWithVersion("xp-dyn-drv",[',
      "'xp-dyn-drv' (dynamic derivations), which tsnix does not support",
    ],
    ['DrvWithVersion("2",[', "Unknown derivation ATerm format version '2'"],
    ['Derive([("out', "unterminated string in derivation"],
    ['Derive([("out\\', "unterminated string in derivation"],
    // At the end of the list CppNix's `endOfList` sees neither `,` nor `]` and expects an item.
    ['Derive([("out","","","")', "expected string '('"],
    ['Derive([("out","","","")]', "expected string ',['"],
    [
      'Derive([("out","","","")],[("/tmp/x.drv",["out"])],[],"x","b",[],[])',
      "path '/tmp/x.drv' is not in the Nix store",
    ],
    [
      `Derive([("out","","","")],[("${ok}",[])],[],"x","b",[],[])`,
      `inputDrvs entry for '${ok}' specifies no outputs`,
    ],
    [`Derive([("out","","","")],[],["${ok}/"],"x","b",[],[])`, "is not a valid store path"],
    [
      'Derive([("out","/nix/store/x","","")],[],[],"x","b",[],[])',
      "'x' is too short to be a valid store path",
    ],
    ['Derive([("out","","sha3","")],[],[],"x","b",[],[])', "unknown hash algorithm 'sha3'"],
    [
      `Derive([("out","${ok}","sha256","abc")],[],[],"x","b",[],[])`,
      "hash 'abc' has wrong length for hash algorithm 'sha256'",
    ],
    [
      `Derive([("out","${ok}","sha256","${"0".repeat(64)}")],[],[],"x","b",[],[])`,
      `derivation output 'out' has path '${ok}', which does not match its content address`,
    ],
    [
      `Derive([("out","${ok}","r:sha256","")],[],[],"x","b",[],[])`,
      "content-addressing derivation output should not specify output path",
    ],
    [
      `Derive([("out","${ok}","r:sha256","impure")],[],[],"x","b",[],[])`,
      "impure derivation output should not specify output path",
    ],
    ['Derive([],[],[],"x","b",[],[("a","b"]', "expected string ')'"],
  ])("%j", (text, message) => {
    let error: unknown;
    try {
      parseDerivation(text, "hello.txt");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DerivationParseError);
    expect((error as DerivationParseError).reason).toContain(message);
    expect((error as Error).message).toMatch(/ at offset \d+$/);
  });

  test("a fixed output with a matching path parses", () => {
    const text = vector("fod-flat-sha256-base16").expected.drv!;
    expect(isFixedOutput(parseDerivation(text, "fod"))).toBe(true);
    // ... but not under another name, which would give another path.
    expect(() => parseDerivation(text, "other")).toThrow(DerivationParseError);
  });

  test("random damage to real .drv files: DerivationParseError or a derivation", () => {
    const texts = vectors
      .filter((v) => v.kind === "derivation")
      .flatMap((v) => [
        [drvName(v.expected.drvPath!), b(v.expected.drv!)] as const,
        ...Object.entries(v.expected.inputDrvTexts ?? {}).map(
          ([p, t]) => [drvName(p), b(t)] as const,
        ),
      ]);
    const specials = ['"', "\\", "(", ")", "[", "]", ",", "/", "x", "\n", "\0", "\xff"];
    const rnd = random(7);
    let errors = 0;
    for (let i = 0; i < 800; i++) {
      const [name, text] = texts[rnd(texts.length)]!;
      const at = rnd(text.length + 1);
      let damaged: string;
      switch (rnd(5)) {
        case 0:
          damaged = text.slice(0, at) + text.slice(at + 1 + rnd(3));
          break;
        case 1:
          damaged = text.slice(0, at) + specials[rnd(specials.length)] + text.slice(at);
          break;
        case 2:
          damaged = text.slice(0, at) + String.fromCharCode(rnd(256)) + text.slice(at + 1);
          break;
        case 3:
          damaged = text.slice(0, at);
          break;
        default: {
          const len = rnd(20);
          damaged = text.slice(0, at) + text.slice(at, at + len) + text.slice(at);
        }
      }
      try {
        const drv = parseDerivation(damaged, name);
        // Whatever parses prints as something that parses to the same derivation.
        expect(parseDerivation(unparseDerivation(drv), name)).toEqual(drv);
      } catch (e) {
        if (!(e instanceof DerivationParseError)) throw e;
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(400);
  });

  test("large derivations parse and print in linear time", () => {
    const drv = sample();
    const big = 'a\\b"c\n'.repeat(200_000);
    drv.env.set("big", big);
    for (let i = 0; i < 20_000; i++) drv.env.set(`k${i}`, `v${i}`);
    const start = Date.now();
    const text = unparseDerivation(drv);
    const back = parseDerivation(text, "e");
    expect(back.env.get("big")).toBe(big);
    expect(Date.now() - start).toBeLessThan(5000);
  });
});

// --- JSON ------------------------------------------------------------------------------------------

describe("nix derivation show (current format, version 4)", () => {
  const drvOf = (name: string): [string, Derivation] => {
    const v = vector(name);
    return [v.expected.drvPath!, parseDerivation(b(v.expected.drv!), drvName(v.expected.drvPath!))];
  };

  test("an input-addressed derivation", () => {
    const [p, drv] = drvOf("drv-simple");
    const json = derivationToJSON(p, drv, S);
    expect(JSON.parse(JSON.stringify(json))).toEqual({
      args: [],
      builder: "/bin/sh",
      env: {
        builder: "/bin/sh",
        name: "simple",
        out: "/nix/store/nj83liashqlzmxjq8lyfxrx21whvgpqj-simple",
        system: "x86_64-linux",
      },
      inputs: { drvs: {}, srcs: [] },
      name: "simple",
      outputs: { out: { path: "nj83liashqlzmxjq8lyfxrx21whvgpqj-simple" } },
      system: "x86_64-linux",
      version: 4,
    });
    expect(dumpJSON(showDerivations([[p, drv]], S), 2)).toBe(
      [
        "{",
        '  "derivations": {',
        '    "2wwpgwhlrid6ypd4f01r72hdpr4l7qgz-simple.drv": {',
        '      "args": [],',
        '      "builder": "/bin/sh",',
        '      "env": {',
        '        "builder": "/bin/sh",',
        '        "name": "simple",',
        '        "out": "/nix/store/nj83liashqlzmxjq8lyfxrx21whvgpqj-simple",',
        '        "system": "x86_64-linux"',
        "      },",
        '      "inputs": {',
        '        "drvs": {},',
        '        "srcs": []',
        "      },",
        '      "name": "simple",',
        '      "outputs": {',
        '        "out": {',
        '          "path": "nj83liashqlzmxjq8lyfxrx21whvgpqj-simple"',
        "        }",
        "      },",
        '      "system": "x86_64-linux",',
        '      "version": 4',
        "    }",
        "  },",
        '  "version": 4',
        "}",
      ].join("\n"),
    );
    expect(dumpJSON(showDerivations([[p, drv]], S))).toBe(
      '{"derivations":{"2wwpgwhlrid6ypd4f01r72hdpr4l7qgz-simple.drv":{"args":[],"builder":"/bin/sh",' +
        '"env":{"builder":"/bin/sh","name":"simple","out":"/nix/store/nj83liashqlzmxjq8lyfxrx21whvgpqj-simple",' +
        '"system":"x86_64-linux"},"inputs":{"drvs":{},"srcs":[]},"name":"simple","outputs":{"out":' +
        '{"path":"nj83liashqlzmxjq8lyfxrx21whvgpqj-simple"}},"system":"x86_64-linux","version":4}},"version":4}',
    );
  });

  test("fixed outputs show an SRI hash and the method", () => {
    const [p1, flat] = drvOf("fod-flat-sha256-base16");
    expect((derivationToJSON(p1, flat, S) as { outputs: unknown }).outputs).toEqual({
      out: { hash: "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", method: "flat" },
    });
    const [p2, nar] = drvOf("fod-recursive-sha1-base16");
    expect((derivationToJSON(p2, nar, S) as { outputs: unknown }).outputs).toEqual({
      out: { hash: "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=", method: "nar" },
    });
  });

  test("inputs: base names, outputs sorted, no dynamic outputs", () => {
    const [p, drv] = drvOf("drv-dep-fod-a");
    expect(JSON.parse(JSON.stringify(derivationToJSON(p, drv, S))).inputs).toEqual({
      drvs: {
        "k2jqnf7ssrvy89cw4iyvqq8jpj1yy97c-fetched.drv": { dynamicOutputs: {}, outputs: ["out"] },
      },
      srcs: [],
    });
    const [p2, drv2] = drvOf("drv-toFile-input");
    const srcs = (
      JSON.parse(JSON.stringify(derivationToJSON(p2, drv2, S))) as { inputs: { srcs: string[] } }
    ).inputs.srcs;
    expect(srcs).toEqual([...drv2.inputSrcs].map((s) => s.slice(S.length + 1)));
  });

  test("other output kinds", () => {
    const drv = parseDerivation(
      'Derive([("a","","r:sha256",""),("b","","sha512","impure"),("c","","","")],[],[],"x","b",[],[])',
      "o",
    );
    expect(JSON.parse(JSON.stringify(derivationToJSON("o.drv", drv, S))).outputs).toEqual({
      a: { hashAlgo: "sha256", method: "nar" },
      b: { hashAlgo: "sha512", impure: true, method: "flat" },
      c: {},
    });
  });

  test("structured attrs are parsed out of env and printed as nlohmann::json would", () => {
    const [p, drv] = drvOf("structured-attrs");
    const json = derivationToJSON(p, drv, S) as {
      env: Record<string, string>;
      structuredAttrs: Parameters<typeof dumpJSON>[0];
    };
    expect(Object.keys(json.env)).toEqual(["dev", "out"]);
    // 2.8 wrote floats with %g; current Nix reads them as doubles and prints them its way.
    const expected = drv.env
      .get("__json")!
      .replace('"h_float2":1.23457e+08', '"h_float2":123457000.0');
    expect(b(dumpJSON(json.structuredAttrs))).toBe(expected);
    expect(Object.keys(json)).toEqual([
      "args",
      "builder",
      "env",
      "inputs",
      "name",
      "outputs",
      "structuredAttrs",
      "system",
      "version",
    ]);
  });

  test("showDerivations: the wrapper, sorted, .drv paths only", () => {
    const a = drvOf("drv-simple");
    const c = drvOf("drv-args");
    const shown = showDerivations(
      [c, a, ["/nix/store/2xr781z591fm9c9jchvf8389sr8qsszk-hello.txt", a[1]]],
      S,
    ) as {
      derivations: Record<string, unknown>;
      version: number;
    };
    expect(shown.version).toBe(4);
    expect(Object.keys(shown.derivations)).toEqual(
      [a[0], c[0]].map((p) => p.slice(S.length + 1)).sort(),
    );
  });

  test("strings must be UTF-8, as nlohmann::json requires", () => {
    const [p, drv] = drvOf("drv-simple");
    drv.env.set("bad", "ok\xff");
    expect(() => derivationToJSON(p, drv, S)).toThrow(
      "[json.exception.type_error.316] invalid UTF-8 byte at index 2: 0xFF",
    );
    drv.env.set("bad", "\xc3");
    expect(() => derivationToJSON(p, drv, S)).toThrow(
      "[json.exception.type_error.316] incomplete UTF-8 string; last byte: 0xC3",
    );
    drv.env.set("bad", b("héllo ✓ 😀"));
    expect((derivationToJSON(p, drv, S) as { env: Record<string, string> }).env["bad"]).toBe(
      "héllo ✓ 😀",
    );
  });

  test("dumpJSON: keys in byte order (also numeric-looking ones), escapes, numbers", () => {
    const obj = parseJSON(
      '{"9":1,"10":2,"a":[],"\u00e9":{},"\ud83d\ude00":0,"\uffff":0,"__proto__":null}',
    );
    expect(dumpJSON(obj)).toBe('{"10":2,"9":1,"__proto__":null,"a":[],"é":{},"\uffff":0,"😀":0}');
    expect(dumpJSON(parseJSON('"\\u0001\\b\\f\\n\\r\\t\\"\\\\\\/\u007f"'))).toBe(
      '"\\u0001\\b\\f\\n\\r\\t\\"\\\\/\u007f"',
    );
    expect(
      dumpJSON(
        parseJSON(
          "[1.0,-0,-0.0,18446744073709551615,18446744073709551616,-9223372036854775808,1e400]".replace(
            ",1e400",
            "",
          ),
        ),
      ),
    ).toBe("[1.0,0,-0.0,18446744073709551615,1.8446744073709552e+19,-9223372036854775808]");
    expect(() => parseJSON("[1e400]")).toThrow(/number overflow/);
    expect(() => parseJSON("[1,]")).toThrow(/syntax error/);
    expect(() => parseJSON("01")).toThrow(/syntax error/);
    expect(() => parseJSON('{"a":1} x')).toThrow(/syntax error/);
  });

  test.each([
    [1, "1.0"],
    [1.5, "1.5"],
    [0.1, "0.1"],
    [123456789.123, "123456789.123"],
    [1e20, "1e+20"],
    [1e-5, "1e-05"],
    [0.001, "0.001"],
    [0.0001, "0.0001"],
    [1e14, "100000000000000.0"],
    [1e15, "1e+15"],
    [1e16, "1e+16"],
    [123456789012345.6, "123456789012345.6"],
    [1.5e300, "1.5e+300"],
    [-2.5e-7, "-2.5e-07"],
    [-0, "-0.0"],
    [Infinity, "null"],
  ])("formatJSONFloat(%d) = %s", (x, s) => {
    expect(formatJSONFloat(x)).toBe(s);
  });
});
