/**
 * Derivations: `derivationStrict` (CppNix's `prim_derivationStrict`) and `derivation`, the Nix
 * function around it (spec §6 and §9).
 *
 * `derivationStrict attrs` visits the attributes in sorted order: `args` become the builder's
 * arguments, every other attribute an environment variable (coerced as `toString` does, paths
 * copied to the store), or with `__structuredAttrs = true` a member of the `__json` object;
 * `builder`, `system`, `outputs` and the `outputHash*` attributes are also read. The context of
 * every string becomes the inputs (`=drv` pulls in the whole closure of that `.drv`). Then the
 * output paths: fixed-output (from the hash), floating (content-addressed or impure, behind
 * their experimental features) or input-addressed (from the hash modulo of the masked
 * derivation). The `.drv` file is written (except read-only) and the result is
 * `{ drvPath; <output> = path; … }`, with `=drvPath` and `!output!drvPath` contexts.
 *
 * Errors use current CppNix's words; the current rules where they changed since 2.8: output
 * `drvPath` is forbidden (not `drv`), the name is checked first (`invalid derivation name`),
 * `outputHashMode` also takes `nar`, `text` and `git` (the last two experimental).
 */

import type { Evaluator } from "../evaluator/eval.js";
import { Attrs, NixString, type Lazy, type Value } from "../evaluator/value.js";
import { missingFeature, NixError } from "../lang/errors.js";
import { DerivationATerm, type Derivation, type DerivationOutput } from "../store/derivation.js";
import { showOrigin, type Pos } from "../lang/source.js";
import {
  base16,
  hashBytes,
  hashSize,
  nixBase32,
  parseAnyHash,
  parseHashAlgorithm,
  sri,
  type HashAlgorithm,
} from "../store/hash.js";
import {
  BadStorePathName,
  checkStorePathName,
  hashPlaceholder,
  makeFixedOutputPath,
  makeOutputPath,
  outputPathName,
} from "../store/path.js";
import { inContext, requireAttr } from "./args.js";
import { fromJSON, jsonEscape, toJSON } from "./json.js";
import { featureEnabled } from "./names.js";
import type { Builtin, CallSite } from "./registry.js";

type Method = "flat" | "nar" | "text" | "git";

const methodPrefix: Record<Method, string> = { flat: "", nar: "r:", text: "text:", git: "git:" };

function requireFeature(ev: Evaluator, site: CallSite, feature: string, what?: string): void {
  if (featureEnabled(ev.experimentalFeatures, feature)) return;
  throw ev.error("EvalError", missingFeature(feature, what), null);
}

/** CppNix's `newHashAllowEmpty`: an empty hash is the all-zero one, with a warning. */
export function parseHashAllowEmpty(
  ev: Evaluator,
  s: string,
  algo: HashAlgorithm | undefined,
): [HashAlgorithm, Uint8Array] {
  if (s === "") {
    if (algo === undefined) {
      throw ev.error("EvalError", "empty hash requires explicit hash algorithm", null);
    }
    const zero = new Uint8Array(hashSize[algo]);
    ev.warn(`found empty hash, assuming '${sri(algo, zero)}'`);
    return [algo, zero];
  }
  return parseAnyHash(s, algo);
}

function parseHashAlgoOpt(s: string): HashAlgorithm | undefined {
  try {
    return parseHashAlgorithm(s);
  } catch {
    return undefined;
  }
}

/** `tokenizeString`: split on runs of space, tab, newline and carriage return. */
function tokens(s: string): string[] {
  return s.split(/[ \t\n\r]+/).filter((t) => t !== "");
}

/** Where attribute `name` of `attrs` was defined, for trace frames. */
function attrPos(attrs: Attrs, name: string) {
  const p = attrs.position(name);
  return p && p.source.pos(p.offset);
}

function derivationStrict(ev: Evaluator, site: CallSite, attrs: Attrs): Value {
  const nameLazy = requireAttr(
    ev,
    attrs,
    "name",
    "in the attrset passed as argument to builtins.derivationStrict",
  );
  let drvName: string;
  try {
    drvName = inContext(
      ev,
      site,
      "while evaluating the `name` attribute passed to builtins.derivationStrict",
      () => ev.forceStringNoContext(nameLazy, null, -1),
    );
  } catch (e) {
    if (e instanceof NixError) {
      e.addTrace("while evaluating the derivation attribute 'name'", attrPos(attrs, "name"));
    }
    throw e;
  }
  try {
    return derivationStrictInternal(ev, site, drvName, attrs);
  } catch (e) {
    if (e instanceof NixError) {
      const p = attrPos(attrs, "name");
      const where = p ? `${showOriginPos(p)}` : "«none»";
      // Printed even in a truncated trace, to show which package failed (as CppNix does).
      e.addTrace(
        `while evaluating derivation '${drvName}'\n  whose name attribute is located at ${where}`,
        undefined,
        "always",
      );
    }
    throw e;
  }
}

/** A position as Nix prints it inside a message (`file:line:col`, no code frame). */
function showOriginPos(p: Pos): string {
  return `${showOrigin(p.source.origin)}:${p.line}:${p.column}`;
}

function derivationStrictInternal(
  ev: Evaluator,
  site: CallSite,
  drvName: string,
  attrs: Attrs,
): Value {
  // CppNix reports these `.atPos(v)` of the value being made, which has no position: the
  // "while calling the 'derivationStrict' builtin" frame shows where.
  const err = (message: string) => ev.error("EvalError", message, null);
  try {
    checkStorePathName(drvName);
  } catch (e) {
    if (e instanceof BadStorePathName) {
      throw err(`invalid derivation name: ${e.message}. Please pass a different 'name'.`);
    }
    throw e;
  }

  const sa = attrs.get("__structuredAttrs");
  const structured =
    sa !== undefined &&
    inContext(
      ev,
      site,
      "while evaluating the `__structuredAttrs` attribute passed to builtins.derivationStrict",
      () => ev.forceBool(sa, null, -1),
    );
  const inl = attrs.get("__ignoreNulls");
  const ignoreNulls =
    inl !== undefined &&
    inContext(
      ev,
      site,
      "while evaluating the `__ignoreNulls` attribute passed to builtins.derivationStrict",
      () => ev.forceBool(inl, null, -1),
    );

  const env = new Map<string, string>();
  const args: string[] = [];
  const json: [string, string][] = [];
  const context = new Set<string>();
  let builder = "";
  let platform = "";
  let contentAddressed = false;
  let impure = false;
  let outputHash: string | undefined;
  let outputHashAlgo: HashAlgorithm | undefined;
  let method: Method | undefined;
  let outputs = ["out"];

  const handleHashMode = (s: string) => {
    if (s === "recursive" || s === "nar") method = "nar";
    else if (s === "flat" || s === "text" || s === "git") method = s;
    else throw err(`invalid value '${s}' for 'outputHashMode' attribute`);
    if (method === "text") {
      requireFeature(
        ev,
        site,
        "dynamic-derivations",
        `text-hashed derivation '${drvName}', outputHashMode = "text"`,
      );
    }
    if (method === "git") {
      requireFeature(ev, site, "git-hashing");
      throw err('tsnix does not support outputHashMode = "git" yet');
    }
  };
  const handleOutputs = (names: string[]) => {
    const seen = new Set<string>();
    for (const o of names) {
      if (seen.has(o)) throw err(`duplicate derivation output '${o}'`);
      if (o === "drvPath") throw err("invalid derivation output name 'drvPath'");
      seen.add(o);
    }
    if (seen.size === 0) throw err("derivation cannot have an empty set of outputs");
    outputs = [...seen].sort();
  };
  const noCtx = (l: Lazy) => ev.forceStringNoContext(l, null, -1);

  for (const key of attrs.names()) {
    if (key === "__ignoreNulls") continue;
    const value = attrs.get(key)!;
    try {
      if (ignoreNulls && ev.force(value) === null) continue;
      if (key === "__contentAddressed") {
        if (ev.forceBool(value, null, -1)) {
          contentAddressed = true;
          requireFeature(ev, site, "ca-derivations");
        }
      } else if (key === "__impure") {
        if (ev.forceBool(value, null, -1)) {
          impure = true;
          requireFeature(ev, site, "impure-derivations");
        }
      } else if (key === "args") {
        for (const item of ev.forceList(value, null, -1)) {
          args.push(
            inContext(ev, site, "while evaluating an element of the argument list", () =>
              ev.coerceToString(ev.force(item), context, site.env, site.pos, {
                copyToStore: true,
                coerceMore: true,
              }),
            ),
          );
        }
      } else if (structured) {
        if (key === "__structuredAttrs") continue;
        json.push([key, toJSON(ev, site, value, context)]);
        if (key === "builder") {
          const v = ev.force(value);
          builder = ev.forceString(v, null, -1);
          if (v instanceof NixString) for (const c of v.context) context.add(c);
        } else if (key === "system") platform = noCtx(value);
        else if (key === "outputHash") outputHash = noCtx(value);
        else if (key === "outputHashAlgo") outputHashAlgo = parseHashAlgoOpt(noCtx(value));
        else if (key === "outputHashMode") handleHashMode(noCtx(value));
        else if (key === "outputs") handleOutputs(ev.forceList(value, null, -1).map(noCtx));
        if (
          [
            "allowedReferences",
            "allowedRequisites",
            "disallowedReferences",
            "disallowedRequisites",
            "maxSize",
            "maxClosureSize",
          ].includes(key)
        ) {
          ev.warn(
            `'structuredAttrs' disables the effect of the derivation attribute '${key}'; use 'outputChecks.<output>.${key}' instead`,
          );
        }
      } else {
        const s = ev.coerceToString(ev.force(value), context, site.env, site.pos, {
          copyToStore: true,
          coerceMore: true,
        });
        if (key === "__json") {
          ev.warn(
            "setting structured attributes via '__json' is deprecated, and may be disallowed in future versions of Nix. Set '__structuredAttrs = true' instead.",
          );
          env.set(key, reserialiseJSON(ev, site, s));
          continue;
        }
        env.set(key, s);
        if (key === "builder") builder = s;
        else if (key === "system") platform = s;
        else if (key === "outputHash") outputHash = s;
        else if (key === "outputHashAlgo") outputHashAlgo = parseHashAlgoOpt(s);
        else if (key === "outputHashMode") handleHashMode(s);
        else if (key === "outputs") handleOutputs(tokens(s));
      }
    } catch (e) {
      if (e instanceof NixError) {
        e.addTrace(
          `while evaluating attribute '${key}' of derivation '${drvName}'`,
          attrPos(attrs, key),
        );
      }
      throw e;
    }
  }
  if (structured)
    env.set("__json", "{" + json.map(([k, v]) => jsonEscape(k) + ":" + v).join(",") + "}");

  // The context of every string becomes the inputs.
  const inputSrcs = new Set<string>();
  const inputDrvs = new Map<string, Set<string>>();
  const addInputDrv = (drvPath: string, output: string) => {
    let set = inputDrvs.get(drvPath);
    if (set === undefined) inputDrvs.set(drvPath, (set = new Set()));
    set.add(output);
  };
  ev.storeOp(null, -1, () => {
    for (const c of context) {
      if (c.startsWith("=")) {
        for (const p of ev.store.closure(c.slice(1))) {
          inputSrcs.add(p);
          if (p.endsWith(".drv")) {
            for (const o of ev.store.readDerivation(p).outputs.keys()) addInputDrv(p, o);
          }
        }
      } else if (c.startsWith("!")) {
        const end = c.indexOf("!", 1);
        addInputDrv(c.slice(end + 1), c.slice(1, end));
      } else inputSrcs.add(c);
    }
  });

  if (builder === "") throw err("required attribute 'builder' missing");
  if (platform === "") throw err("required attribute 'system' missing");
  if (
    drvName.endsWith(".drv") &&
    !(method === "text" && outputs.length === 1 && outputs[0] === "out")
  ) {
    throw err(
      "derivation names are allowed to end in '.drv' only if they produce a single derivation file",
    );
  }

  const drvOutputs = new Map<string, DerivationOutput>();
  const drv: Derivation = {
    name: drvName,
    outputs: drvOutputs,
    inputDrvs,
    inputSrcs,
    platform,
    builder,
    args,
    env,
  };
  let aterm: DerivationATerm | undefined;
  ev.storeOp(null, -1, () => {
    if (outputHash !== undefined) {
      if (outputs.length !== 1 || outputs[0] !== "out") {
        throw err("multiple outputs are not supported in fixed-output derivations");
      }
      const [algo, digest] = parseHashAllowEmpty(ev, outputHash, outputHashAlgo);
      const m = method ?? "flat";
      const path = makeFixedOutputPath(drvName, m, algo, digest, [], ev.store.storeDir);
      env.set("out", path);
      drvOutputs.set("out", { path, hashAlgo: methodPrefix[m] + algo, hash: base16(digest) });
    } else if (contentAddressed || impure) {
      if (contentAddressed && impure) {
        throw err("derivation cannot be both content-addressed and impure");
      }
      const algo = outputHashAlgo ?? "sha256";
      const m = method ?? "nar";
      for (const o of outputs) {
        env.set(o, hashPlaceholder(o));
        drvOutputs.set(o, {
          path: "",
          hashAlgo: methodPrefix[m] + algo,
          hash: impure ? "impure" : "",
        });
      }
    } else {
      for (const o of outputs) {
        env.set(o, "");
        drvOutputs.set(o, { path: "", hashAlgo: "", hash: "" });
      }
      // Printed once for the masked form, the `.drv` file and the hash as an input.
      aterm = new DerivationATerm(drv);
      // Deferred (an input is content-addressed): the outputs stay without paths.
      const h = ev.store.hashes.hashModuloOrDeferred(drv, aterm);
      if (h !== undefined) {
        for (const o of outputs) {
          const path = makeOutputPath(o, h, drvName, ev.store.storeDir);
          env.set(o, path);
          drvOutputs.set(o, { path, hashAlgo: "", hash: "" });
        }
      }
    }
  });

  const drvPath = ev.storeOp(null, -1, () => ev.store.writeDerivation(drv, aterm));
  const result = new Map<string, Lazy>();
  result.set("drvPath", new NixString(drvPath, new Set(["=" + drvPath])));
  for (const [o, out] of drvOutputs) {
    const path = out.path !== "" ? out.path : downstreamPlaceholder(drvPath, drvName, o);
    result.set(o, new NixString(path, new Set([`!${o}!${drvPath}`])));
  }
  return Attrs.fromMap(result);
}

/** The placeholder of a floating output (`nix-upstream-output:`), spec §10. */
function downstreamPlaceholder(drvPath: string, drvName: string, output: string): string {
  return upstreamPlaceholder(drvPath, outputPathName(drvName, output));
}

function upstreamPlaceholder(drvPath: string, outputPathName: string): string {
  const slash = drvPath.lastIndexOf("/");
  const hashPart = drvPath.slice(slash + 1, slash + 33);
  const text = `nix-upstream-output:${hashPart}:${outputPathName}`;
  return "/" + nixBase32(hashBytes("sha256", text));
}

/** A `__json` attribute without structured attributes: parsed and printed again, as current Nix does. */
function reserialiseJSON(ev: Evaluator, site: CallSite, s: string): string {
  const v = fromJSON(ev, site, s);
  return toJSON(ev, site, v, new Set());
}

/**
 * The `derivation` function (Nix manual, "Derivations"): one attribute set per output, each
 * with every original attribute, `outPath`, `drvPath`, `type`, `outputName`, `all` and
 * `drvAttrs`; the first output's set is the result. Nothing is computed before an output path
 * or `drvPath` is wanted.
 */
const derivationNix = `# derivation, as Nix defines it on top of builtins.derivationStrict
drvAttrs@{ outputs ? [ "out" ], ... }:

let

  strict = derivationStrict drvAttrs;

  perOutput = map (outputName: {
    name = outputName;
    value = commonAttrs // {
      outPath = strict.\${outputName};
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  }) outputs;

  commonAttrs = drvAttrs // builtins.listToAttrs perOutput // {
    all = map (o: o.value) perOutput;
    inherit drvAttrs;
  };

in
(builtins.head perOutput).value
`;

export const derivationBuiltins: Builtin[] = [
  {
    name: "derivationStrict",
    arity: 1,
    doc: 'Instantiates a derivation from *attrs*: writes its `.drv` file and returns `{ drvPath; out; … }`, the paths of the derivation and of its outputs. `derivation` is the friendlier wrapper.\n\n    builtins.derivationStrict { name = "x"; builder = "/bin/sh"; system = "x86_64-linux"; }',
    impl: (ev, [a], site) => {
      const attrs = ev.forceAttrs(
        a!,
        null,
        -1,
        "while evaluating the argument passed to builtins.derivationStrict",
      );
      return derivationStrict(ev, site, attrs);
    },
  },
  {
    name: "derivation",
    arity: 0,
    afterInstall: true,
    doc: 'Describes how to build a package: a set with `outPath`, `drvPath`, `type = "derivation"` and one attribute per output, made by `derivationStrict`.\n\n    derivation { name = "hello"; builder = "/bin/sh"; args = [ "-c" "echo hi > $out" ]; system = builtins.currentSystem; }',
    impl: (ev) =>
      ev.evalText(derivationNix, { kind: "internal", path: "derivation-internal.nix" }, "/"),
  },
];
