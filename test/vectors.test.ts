/**
 * The 161 derivation and store-path vectors made by real Nix (../shared/vectors, spec in
 * ../shared/spec/store-and-derivations.md), evaluated by tsnix with an in-memory store:
 *
 * - eval: the `--json` result, and the NAR hash, size, references (and bytes, when small) of
 *   every store object in it;
 * - derivation: `drvPath`, every output path, the exact `.drv` text and those of its inputs,
 *   the sources' NARs, the warnings;
 * - error: evaluation fails with Nix's message (its essential words).
 *
 * The vectors come from Nix 2.8. Where current Nix behaves differently (spec §12), current Nix
 * wins: `currentNix` below lists each such vector with what current Nix gives instead and the
 * fact in its source that says so.
 */

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

import { toJSON } from "../builtins/json.js";
import { nodeHost } from "../cli/host.js";
import { EvalStore } from "../evaluator/eval-store.js";
import { createEvaluator, evalFile, evalSource } from "../evaluator/index.js";
import { Attrs, NixString, type Value } from "../evaluator/value.js";
import { NixError } from "../lang/errors.js";
import { bytesToByteString, byteStringToUtf8, utf8ToByteString } from "../lang/source.js";
import { base64, hash, nixBase32 } from "../store/hash.js";
import { MemoryStore } from "../store/store.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sharedVectors = path.resolve(root, "../shared/vectors");

/** The fixtures that are symlinks (to the target their text names, when git kept them as files). */
const symlinkFixtures = ["fixtures/link-to-hello", "fixtures/tree/link", "fixtures/tree/dangling"];

/**
 * A private copy of cases/ and fixtures/ with the symlinks and executable bits the vectors were
 * made with: a checkout without symlink support leaves the links as small files holding their
 * targets, which would change every NAR that contains one.
 */
function copyVectors(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsnix-vectors-"));
  fs.cpSync(path.join(sharedVectors, "cases"), path.join(dir, "cases"), { recursive: true });
  fs.cpSync(path.join(sharedVectors, "fixtures"), path.join(dir, "fixtures"), {
    recursive: true,
    verbatimSymlinks: true,
  });
  for (const f of symlinkFixtures) {
    const p = path.join(dir, f);
    if (fs.lstatSync(p).isSymbolicLink()) continue;
    const target = fs.readFileSync(p, "utf8");
    fs.chmodSync(path.dirname(p), 0o755);
    fs.rmSync(p);
    fs.symlinkSync(target, p);
  }
  return dir;
}

const vectorsDir = copyVectors();

interface Vector {
  name: string;
  kind: "eval" | "derivation" | "error";
  expr: string;
  file?: string;
  expected: {
    json?: unknown;
    storeObjects?: Record<
      string,
      { narHash: string; narSize: number; references: string[]; narBase64?: string }
    >;
    trace?: string[];
    drvPath?: string;
    outPath?: string;
    outputs?: Record<string, string>;
    drv?: string;
    inputDrvTexts?: Record<string, string>;
    warnings?: string[];
    error?: string;
  };
}

/**
 * Vectors whose outcome changed since Nix 2.8, with current Nix's outcome: an error message
 * (its essential words) or success. Each names the rule of current CppNix behind it.
 */
const currentNix: Record<
  string,
  {
    error?: string;
    succeeds?: true;
    json?: unknown;
    storeObjects?: Vector["expected"]["storeObjects"];
    /** The `.drv` text of current Nix, from 2.8's (output paths are then compared as ours). */
    drv?: (text: string) => string;
    why: string;
  }
> = {
  "builtins-path-symlink": {
    json: "/nix/store/x1qkrmwvz32i5c2kij0613fbwbcaq78b-link-to-hello",
    storeObjects: {
      "/nix/store/x1qkrmwvz32i5c2kij0613fbwbcaq78b-link-to-hello": {
        narHash: "sha256:14ml5q1qvx7y3d0n2d1n0j2gdj4s0z54pfj6iwvgnn038ipybsgd",
        narSize: 128,
        references: [],
      },
    },
    why: 'prim_path resolves the path\'s symlinks first, so the target is stored (the path is what Nix 2.8 gives for builtins.path { path = fixtures/hello.txt; name = "link-to-hello"; })',
  },
  "toJSON-format": {
    json: '{"floats":[1.0,1.5,0.1,123456789.123,1e+20,1e-05,-2.5],"ints":[0,-7,9223372036854775807],"nested":{"a":true,"b":null},"strings":["quote\\" backslash\\\\ nl\\n tab\\t cr\\r","héllo ✓","\\u0001\\u001f\x7f"]}',
    why: "floats are printed by nlohmann::json: shortest round-trip form, .0 kept (spec §12)",
  },
  "structured-attrs": {
    drv: (t) =>
      t
        .replace('\\"h_float2\\":1.23457e+08', '\\"h_float2\\":123456789.123')
        .replace('\\"h_float3\\":1,', '\\"h_float3\\":1.0,'),
    why: "the __json floats are printed by nlohmann::json (spec §12)",
  },
  "err-missing-name": {
    error: "attribute 'name' missing",
    why: "getAttr's current message (the call is named in a trace frame)",
  },
  "err-name-too-long": {
    error: "is not a valid store path: name '",
    why: "the name passes checkName; StorePath rejects '<name>.drv' (current wording)",
  },
  "err-name-not-string": {
    error: "expected a string but found an integer: 1",
    why: "current type error wording",
  },
  "err-empty-outputs-wrapper": {
    error: "'builtins.head' called on an empty list",
    why: "prim_head's current message",
  },
  "err-outputs-not-list-structured": {
    error: "expected a list but found a string",
    why: "current type error wording",
  },
  "err-hash-wrong-length": {
    error: "hash 'abcd' has wrong length for hash algorithm 'sha256'",
    why: "hash.cc baseFromSize's current message",
  },
  "err-hash-nix32-overflow": {
    error: "invalid nix32 hash '2mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73'",
    why: "hash.cc's current message",
  },
  "err-toFile-illegal-name": {
    error: "is not a valid store path: name 'a/b' contains illegal character '/'",
    why: "StorePath's current message",
  },
  "err-toFile-empty-name": {
    error: "is not a valid store path: name must not be empty",
    why: "StorePath's current message",
  },
  "err-path-illegal-name": {
    error: "is not a valid store path: name 'with space.txt' contains illegal character ' '",
    why: "StorePath's current message",
  },
  "err-path-flat-dir": {
    error: "/fixtures/tree' is not a regular file",
    why: "PosixSourceAccessor::readFile's current message",
  },
  "err-output-drv": {
    succeeds: true,
    why: "primops.cc derivationStrictInternal forbids only the output name 'drvPath' now",
  },
  "err-hash-mode-text": {
    error: "experimental Nix feature 'dynamic-derivations' is disabled",
    why: 'outputHashMode = "text" is valid, behind the dynamic-derivations feature',
  },
  "err-name-drv-suffix": {
    error:
      "derivation names are allowed to end in '.drv' only if they produce a single derivation file",
    why: "the .drv rule of derivationStrictInternal",
  },
  "err-name-illegal-char": {
    error: "invalid derivation name: name 'foo bar' contains illegal character ' '",
    why: "checkDerivationName runs before any store path is made",
  },
  "err-toFile-drv-output": {
    error: "files created by builtins.toFile may not reference derivations, but t references !out!",
    why: "prim_toFile's current message",
  },
  "err-toFile-drvPath": {
    error: "files created by builtins.toFile may not reference derivations, but t references =",
    why: "prim_toFile's current message",
  },
  "err-path-unsupported-arg": {
    error: "unsupported argument 'foo' to 'builtins.path'",
    why: "prim_path's current message",
  },
  "err-ca-derivations": {
    error:
      "experimental Nix feature 'ca-derivations' is disabled; add '--extra-experimental-features ca-derivations' to enable it",
    why: "current wording of a missing experimental feature",
  },
};

function loadVectors(): Vector[] {
  const text = fs.readFileSync(path.join(sharedVectors, "derivations.json"), "utf8");
  return (JSON.parse(text) as { vectors: Vector[] }).vectors;
}

/** Our absolute paths are `<vectors>` in Nix's messages. */
function fromVectors(s: string): string {
  return s.split(utf8ToByteString(vectorsDir)).join("<vectors>");
}

function evaluate(v: Vector) {
  const mem = new MemoryStore();
  const warnings: string[] = [];
  const traces: string[] = [];
  const ev = createEvaluator({
    io: nodeHost,
    store: new EvalStore({ store: mem }),
    warn: (m) => warnings.push(m),
    trace: (l) => traces.push(l),
  });
  const run = (): Value => {
    if (v.file !== undefined) {
      return evalFile(ev, utf8ToByteString(path.join(vectorsDir, v.file)));
    }
    return evalSource(ev, utf8ToByteString(v.expr), { kind: "string" }, "/");
  };
  return { ev, mem, warnings, traces, run };
}

function str(ev: ReturnType<typeof createEvaluator>, l: Value): string {
  const v = ev.force(l);
  if (typeof v === "string") return v;
  if (v instanceof NixString) return v.s;
  throw new Error(`not a string: ${ev.showValue(v)}`);
}

function checkStoreObjects(mem: MemoryStore, expected: Vector["expected"]["storeObjects"]): void {
  for (const [p, o] of Object.entries(expected ?? {})) {
    const info = mem.queryPathInfo(utf8ToByteString(p));
    expect(info, `store object ${p}`).toBeDefined();
    expect("sha256:" + nixBase32(info!.narHash)).toBe(o.narHash);
    expect(info!.narSize).toBe(o.narSize);
    expect(info!.references.map(byteStringToUtf8)).toEqual(o.references);
    if (o.narBase64 !== undefined) {
      const nar = mem.narOf(utf8ToByteString(p))!;
      expect(base64(nar)).toBe(o.narBase64);
      expect(nixBase32(hash("sha256", nar))).toBe(o.narHash.slice("sha256:".length));
    }
  }
}

const vectors = loadVectors();

describe("derivation vectors (../shared/vectors)", () => {
  it("has all 161", () => expect(vectors.length).toBe(161));

  for (const v of vectors) {
    it(`${v.kind} ${v.name}`, () => {
      const { ev, mem, warnings, traces, run } = evaluate(v);
      const override = currentNix[v.name];
      if (v.kind === "error" && override?.succeeds === undefined) {
        let error: unknown;
        try {
          ev.forceDeep(run());
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(NixError);
        const want = override?.error ?? v.expected.error!.split("\n")[0]!;
        expect(fromVectors(byteStringToUtf8((error as NixError).message))).toContain(want);
        return;
      }
      const value = run();
      if (v.kind === "error") {
        ev.forceDeep(value);
        return;
      }
      if (v.kind === "eval") {
        const json = toJSON(ev, { env: null, pos: -1 }, value, new Set(), true);
        expect(JSON.parse(byteStringToUtf8(json))).toEqual(override?.json ?? v.expected.json);
        if (v.expected.trace) {
          expect(traces.map((t) => fromVectors(byteStringToUtf8(t)))).toEqual(
            v.expected.trace.map((t) => `trace: ${t}`),
          );
        }
        checkStoreObjects(mem, override?.storeObjects ?? v.expected.storeObjects);
        return;
      }
      const drv = ev.force(value);
      expect(drv).toBeInstanceOf(Attrs);
      const attrs = drv as Attrs;
      const drvPath = str(ev, attrs.get("drvPath")!);
      const text = (p: string) => bytesToByteString(mem.fs.readFile(utf8ToByteString(p)));
      if (override?.drv) {
        let want = override.drv(v.expected.drv!);
        for (const [o, p] of Object.entries(v.expected.outputs ?? {})) {
          want = want.split(p).join(str(ev, (ev.force(attrs.get(o)!) as Attrs).get("outPath")!));
        }
        expect(byteStringToUtf8(text(drvPath))).toBe(want);
        return;
      }
      expect(drvPath).toBe(v.expected.drvPath);
      expect(str(ev, attrs.get("outPath")!)).toBe(v.expected.outPath);
      for (const [o, p] of Object.entries(v.expected.outputs ?? {})) {
        const out = ev.force(attrs.get(o)!) as Attrs;
        expect(str(ev, out.get("outPath")!)).toBe(p);
      }
      expect(byteStringToUtf8(text(drvPath))).toBe(v.expected.drv);
      for (const [p, t] of Object.entries(v.expected.inputDrvTexts ?? {})) {
        expect(byteStringToUtf8(text(p)), p).toBe(t);
      }
      checkStoreObjects(mem, v.expected.storeObjects);
      for (const w of v.expected.warnings ?? []) expect(warnings).toContain(w);
    });
  }
});
