/**
 * Store derivations: the `.drv` ATerm text (parse and print), the "hash modulo fixed-output
 * derivations" that names the outputs of input-addressed derivations, and the JSON that
 * `nix derivation show` prints. Pure: derivations that are inputs come from a lookup function,
 * so this runs in a browser too. docs: ../../shared/spec/store-and-derivations.md §7, §8;
 * pinned by test/store.test.ts against the .drv files real Nix wrote.
 *
 * ATerm (§7). `Derive([outputs],[inputDrvs],[inputSrcs],system,builder,[args],[env])` on one
 * line. Output names, paths, hash fields, input paths and — surprisingly — `system` are written
 * verbatim between quotes (`R`); only `builder`, `args` and env keys and values are escaped
 * (`E`: `\\ \" \n \r \t`, nothing else). Outputs, inputs and env are sorted bytewise (our
 * strings are byte strings, so JS string order is byte order); args keep their order. A
 * `Derivation` keeps the output fields verbatim, so printing a parsed `.drv` gives its text
 * back byte for byte.
 *
 * Parsing follows current CppNix's `derivation::parse` (src/libstore/derivation/aterm.cc),
 * including what it tolerates: a list may start with a comma and its items need no commas
 * between them (its `endOfList`); `\x` for any other `x` is `x`; a repeated output keeps the
 * first entry and a repeated input or env key the last; bytes after the closing `)` are ignored.
 * It checks what Nix checks: store paths are canonical paths in the store directory, output
 * hash algorithms are known, a fixed output's hash has the algorithm's length, and (CppNix
 * master after 2.35) every input derivation names at least one output and a fixed output's
 * path is the one its content address gives.
 * Experimental-feature gates are not checked (`text:`/`git:` outputs, floating and impure
 * outputs are accepted); the versioned `DrvWithVersion("xp-dyn-drv",…)` form of dynamic
 * derivations is rejected, as `Derivation` cannot represent its nested inputs.
 *
 * Hash modulo (§8). A derivation used as an input is replaced by its *hash as input*: a
 * fixed-output one by `sha256("fixed:out:<r:|…><algo>:<base16 hash>:<outPath>")` (how it is
 * built does not matter), an input-addressed one by the SHA-256 of its own ATerm with its inputs
 * replaced the same way (recursively — computed from an explicit stack, so deep graphs cannot
 * overflow the JS stack — and memoised per `.drv` path). The input map of the replaced form is
 * keyed by the lowercase hex of those hashes; entries that meet on a key are merged (their
 * output sets unioned), and a fixed-output input contributes output `out`, as in current
 * CppNix (`derivation/modulo.cc`). A new derivation's own output paths come from the SHA-256 of
 * that form with its outputs masked: every output `(o,"","","")` and env values of output
 * names emptied.
 *
 * JSON. `derivationToJSON` gives the format of current Nix (2.33 and later), version 4 of
 * the derivation JSON, which differs a lot from 2.8's `nix show-derivation`: `nix derivation
 * show` prints `{"derivations": {"<hash>-<name>.drv": …}, "version": 4}` where each derivation is
 * `{args, builder, env, inputs: {drvs: {"<base>.drv": {dynamicOutputs: {}, outputs: [...]}},
 * srcs: [...]}, name, outputs, [structuredAttrs], system, version: 4}`. Store paths are base names
 * (`<hash>-<name>`, no store directory). Outputs are `{path}` (input-addressed), `{hash: SRI,
 * method: flat|nar|text|git}` (fixed), `{hashAlgo, method}` (floating), `{hashAlgo, impure:
 * true, method}` or `{}` (deferred). A `__json` env entry is taken out of `env` and shown parsed
 * as `structuredAttrs`. Nix prints the object with nlohmann::json: keys sorted, compact or
 * indented by 2 (`--pretty`, the default on a terminal), strings as UTF-8 (invalid UTF-8 is an
 * error). `dumpJSON` (lang/json-text.ts, with the UTF-8 check, `parseJSON` and the float format)
 * prints exactly so; strings in the values are JS (UTF-16) strings decoded from the byte strings.
 * Floats (only in `structuredAttrs`) print with JS's shortest round-trip digits in nlohmann's
 * layout; nlohmann's Grisu2 digits can, rarely, be one digit longer.
 */

import {
  findUtf8Fault,
  jsonObject,
  parseJSON,
  utf8FaultMessage,
  type JSONValue,
} from "../lang/json-text.js";
import { byteStringToUtf8 } from "../lang/source.js";
import {
  base16,
  base16Decode,
  base16Length,
  base64,
  base64Decode,
  base64Length,
  hashSize,
  nixBase32Decode,
  nixBase32Length,
  parseHashAlgorithm,
  type HashAlgorithm,
  hashBytes,
} from "./hash.js";
import {
  BadStorePath,
  contentAddressMethodPrefix,
  defaultStoreDir,
  makeFixedOutputPath,
  makeTextPath,
  outputPathName,
  parseStorePathCanonical,
  type ContentAddressMethod,
} from "./path.js";

/** One output as the ATerm has it, verbatim: e.g. `hashAlgo` "r:sha256", `hash` in base16. */
export interface DerivationOutput {
  path: string;
  hashAlgo: string;
  hash: string;
}

/** A store derivation. All strings are byte strings; paths are full store paths. */
export interface Derivation {
  /** The name (the `.drv` file's name without `.drv`); not part of the ATerm. */
  name: string;
  outputs: Map<string, DerivationOutput>;
  /** Input `.drv` path → the outputs used. */
  inputDrvs: Map<string, Set<string>>;
  inputSrcs: Set<string>;
  platform: string;
  builder: string;
  args: string[];
  env: Map<string, string>;
}

// --- printing -------------------------------------------------------------------------------------

const needsEscape = /[\\"\n\r\t]/;
const escapeChars = /[\\"\n\r\t]/g;

function escapeChar(c: string): string {
  switch (c) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default:
      return "\\" + c;
  }
}

/** `E(s)`: quoted, with `\\ \" \n \r \t` escaped. */
function quoteEscaped(s: string): string {
  return needsEscape.test(s) ? `"${s.replace(escapeChars, escapeChar)}"` : `"${s}"`;
}

function sorted(keys: Iterable<string>): string[] {
  return [...keys].sort();
}

/** The list of input derivations, `[("<path>",["<output>",…]),…]`, sorted. */
function printInputDrvs(inputDrvs: Map<string, Set<string>>): string {
  const parts: string[] = [];
  for (const path of sorted(inputDrvs.keys())) {
    const outs = sorted(inputDrvs.get(path)!);
    parts.push(outs.length === 0 ? `("${path}",[])` : `("${path}",["${outs.join('","')}"])`);
  }
  return `[${parts.join(",")}]`;
}

/**
 * A derivation's ATerm, printed once in parts so that its variants cost a concatenation each:
 * derivationStrict hashes the masked form with the input derivations replaced (hash modulo),
 * then the real one (the `.drv` path), then the real one with inputs replaced (its hash as an
 * input). Everything after the input derivations is printed up front except the env values of
 * output names and the outputs themselves, which are read when a variant is printed, so
 * derivationStrict may fill in the output paths in between; the names of the outputs and env
 * entries must not change.
 */
export class DerivationATerm {
  /** The output names, sorted. */
  private readonly outputNames: string[];
  /**
   * The text after the input derivations, split before the env value of each output name:
   * the values of `valueKeys` go between the pieces.
   */
  private readonly pieces: string[] = [];
  private readonly valueKeys: string[] = [];
  /**
   * The input derivations replaced by their hashes, printed; set by `DerivationHashes` when it
   * hashes this derivation modulo, for the hash as an input once the outputs are filled in.
   */
  moduloInputDrvs: string | undefined;

  constructor(readonly drv: Derivation) {
    this.outputNames = sorted(drv.outputs.keys());
    const srcs = sorted(drv.inputSrcs);
    let piece = `,[${srcs.length === 0 ? "" : `"${srcs.join('","')}"`}],"${drv.platform}",${quoteEscaped(drv.builder)},[${drv.args.map(quoteEscaped).join(",")}],[`;
    let sep = "";
    for (const key of sorted(drv.env.keys())) {
      piece += `${sep}(${quoteEscaped(key)},`;
      sep = ",";
      if (drv.outputs.has(key)) {
        this.pieces.push(piece);
        this.valueKeys.push(key);
        piece = ")";
      } else {
        piece += `${quoteEscaped(drv.env.get(key)!)})`;
      }
    }
    this.pieces.push(piece + "])");
  }

  /**
   * CppNix's `unparse`: the exact ATerm text. `inputDrvs`, printed, replaces the input
   * derivations (hash modulo); `mask` blanks every output and the env values of output names.
   */
  print(mask: boolean, inputDrvs: string = printInputDrvs(this.drv.inputDrvs)): string {
    const { outputs, env } = this.drv;
    let text = "Derive([";
    let sep = "";
    for (const name of this.outputNames) {
      if (mask) {
        text += `${sep}("${name}","","","")`;
      } else {
        const o = outputs.get(name)!;
        text += `${sep}("${name}","${o.path}","${o.hashAlgo}","${o.hash}")`;
      }
      sep = ",";
    }
    text += "]," + inputDrvs;
    for (let i = 0; i < this.valueKeys.length; i++) {
      text += this.pieces[i]! + (mask ? '""' : quoteEscaped(env.get(this.valueKeys[i]!)!));
    }
    return text + this.pieces[this.valueKeys.length]!;
  }
}

/**
 * CppNix's `unparse`: the exact ATerm text. `inputDrvs` replaces the input derivations (hash
 * modulo uses hex keys); `maskOutputs` blanks every output and the env values of output names.
 */
export function unparseDerivation(
  drv: Derivation,
  opts: { maskOutputs?: boolean; inputDrvs?: Map<string, Set<string>> } = {},
): string {
  const inputDrvs = opts.inputDrvs && printInputDrvs(opts.inputDrvs);
  return new DerivationATerm(drv).print(opts.maskOutputs === true, inputDrvs);
}

/**
 * The `.drv` path of a derivation: the text path of its ATerm named `<name>.drv`, with its input
 * sources and input derivations as references.
 */
export function derivationPath(
  drv: Derivation,
  storeDir: string,
  text: string = unparseDerivation(drv),
): string {
  return makeTextPath(
    `${drv.name}.drv`,
    hashBytes("sha256", text),
    [...drv.inputSrcs, ...drv.inputDrvs.keys()],
    storeDir,
  );
}

// --- outputs --------------------------------------------------------------------------------------

/** What an output is, decoded from its ATerm fields as CppNix's `parseOutput` does. */
export type OutputKind =
  | { kind: "inputAddressed"; path: string }
  | { kind: "deferred" }
  | {
      kind: "fixed";
      method: ContentAddressMethod;
      algo: HashAlgorithm;
      digest: Uint8Array;
      path: string;
    }
  | { kind: "floating"; method: ContentAddressMethod; algo: HashAlgorithm }
  | { kind: "impure"; method: ContentAddressMethod; algo: HashAlgorithm };

/** Splits `r:sha256` into method and algorithm (CppNix's `ContentAddressMethod::parsePrefix`). */
export function parseOutputHashAlgo(hashAlgo: string): {
  method: ContentAddressMethod;
  algo: HashAlgorithm;
} {
  let method: ContentAddressMethod = "flat";
  let rest = hashAlgo;
  if (rest.startsWith("r:")) {
    method = "nar";
    rest = rest.slice(2);
  } else if (rest.startsWith("git:")) {
    method = "git";
    rest = rest.slice(4);
  } else if (rest.startsWith("text:")) {
    method = "text";
    rest = rest.slice(5);
  }
  return { method, algo: parseHashAlgorithm(rest) };
}

/** CppNix's `Hash::parseNonSRIUnprefixed`: base16, nix32 or base64, told apart by length. */
function parseUnprefixedHash(s: string, algo: HashAlgorithm): Uint8Array {
  const size = hashSize[algo];
  let digest: Uint8Array | undefined;
  let encoding: string;
  if (s.length === base16Length(size)) {
    digest = base16Decode(s);
    encoding = "base16";
  } else if (s.length === nixBase32Length(size)) {
    digest = nixBase32Decode(s);
    encoding = "nix32";
  } else if (s.length === base64Length(size)) {
    digest = base64Decode(s);
    encoding = "Base64";
  } else {
    throw new Error(`hash '${s}' has wrong length for hash algorithm '${algo}'`);
  }
  if (digest === undefined || digest.length !== size) {
    throw new Error(
      `invalid ${encoding} hash '${s}', length ${digest?.length ?? 0} != expected length ${size}`,
    );
  }
  return digest;
}

/** Decodes an output's fields (errors for unknown algorithms and malformed hashes). */
export function classifyOutput(output: DerivationOutput): OutputKind {
  if (output.hashAlgo === "") {
    return output.path === ""
      ? { kind: "deferred" }
      : { kind: "inputAddressed", path: output.path };
  }
  const { method, algo } = parseOutputHashAlgo(output.hashAlgo);
  if (output.hash === "impure") return { kind: "impure", method, algo };
  if (output.hash === "") return { kind: "floating", method, algo };
  return {
    kind: "fixed",
    method,
    algo,
    digest: parseUnprefixedHash(output.hash, algo),
    path: output.path,
  };
}

/** A fixed-output derivation: a single output `out` with a content hash. */
export function isFixedOutput(drv: Derivation): boolean {
  if (drv.outputs.size !== 1) return false;
  const out = drv.outputs.get("out");
  return out !== undefined && out.hashAlgo !== "" && out.hash !== "" && out.hash !== "impure";
}

// --- parsing --------------------------------------------------------------------------------------

/** A `.drv` text Nix would not read. `reason` is CppNix's message, `offset` where it failed. */
export class DerivationParseError extends Error {
  override name = "DerivationParseError";
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at offset ${offset}`);
  }
}

class ATermReader {
  pos = 0;
  /** The next quote at or after `pos` (cached so that escapes do not make scanning quadratic). */
  private quote = -1;

  constructor(readonly text: string) {}

  fail(reason: string, at: number = this.pos): never {
    throw new DerivationParseError(reason, at);
  }

  expect(literal: string): void {
    if (!this.text.startsWith(literal, this.pos)) this.fail(`expected string '${literal}'`);
    this.pos += literal.length;
  }

  peek(): string {
    return this.text.charAt(this.pos);
  }

  /** CppNix's `endOfList`: `,` → more (consumed), `]` → end (consumed), else more. */
  endOfList(): boolean {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x2c) {
      this.pos++;
      return false;
    }
    if (c === 0x5d) {
      this.pos++;
      return true;
    }
    return false;
  }

  string(): string {
    const start = this.pos;
    this.expect('"');
    const s = this.text;
    let from = this.pos;
    let out = "";
    for (;;) {
      if (this.quote < from) this.quote = s.indexOf('"', from);
      const q = this.quote;
      if (q < 0) this.fail("unterminated string in derivation", start);
      const b = s.indexOf("\\", from);
      if (b < 0 || b > q) {
        out += s.slice(from, q);
        this.pos = q + 1;
        return out;
      }
      if (b + 1 >= s.length) this.fail("unterminated string in derivation", start);
      const c = s[b + 1]!;
      out += s.slice(from, b) + (c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c);
      from = b + 2;
    }
  }

  strings(): string[] {
    this.expect("[");
    const out: string[] = [];
    while (!this.endOfList()) out.push(this.string());
    return out;
  }
}

/**
 * CppNix's `derivation::parse`: the derivation named `name` (its `.drv` file's name without
 * `.drv`) that `text` describes, with store paths checked against `storeDir`. Throws
 * `DerivationParseError`, never anything else, for any text it does not accept.
 */
export function parseDerivation(
  text: string,
  name: string,
  storeDir: string = defaultStoreDir,
): Derivation {
  if (text.length === 0) {
    throw new DerivationParseError("file is empty (possible filesystem corruption)", 0);
  }
  const r = new ATermReader(text);

  // Store paths must be canonical paths in the store.
  const storePath = (): string => {
    const at = r.pos;
    const path = r.string();
    try {
      parseStorePathCanonical(path, storeDir);
    } catch (e) {
      if (e instanceof BadStorePath) r.fail(e.message, at);
      throw e;
    }
    return path;
  };

  r.expect("D");
  if (r.peek() === "e") {
    r.expect("erive(");
  } else if (r.peek() === "r") {
    r.expect("rvWithVersion(");
    const at = r.pos;
    const version = r.string();
    if (version === "xp-dyn-drv") {
      r.fail(
        `derivation '${name}' uses ATerm format version 'xp-dyn-drv' (dynamic derivations), which tsnix does not support`,
        at,
      );
    }
    r.fail(`Unknown derivation ATerm format version '${version}'`, at);
  } else {
    r.fail("derivation does not start with 'Derive' or 'DrvWithVersion'", 0);
  }

  const outputs = new Map<string, DerivationOutput>();
  r.expect("[");
  while (!r.endOfList()) {
    const at = r.pos;
    r.expect("(");
    const id = r.string();
    r.expect(",");
    const path = r.string();
    r.expect(",");
    const hashAlgo = r.string();
    r.expect(",");
    const hashField = r.string();
    r.expect(")");
    const output = { path, hashAlgo, hash: hashField };
    checkOutput(r, output, name, id, storeDir, at);
    if (!outputs.has(id)) outputs.set(id, output);
  }

  const inputDrvs = new Map<string, Set<string>>();
  r.expect(",[");
  while (!r.endOfList()) {
    r.expect("(");
    const at = r.pos;
    const drvPath = storePath();
    r.expect(",");
    const outs = new Set(r.strings());
    if (outs.size === 0) r.fail(`inputDrvs entry for '${drvPath}' specifies no outputs`, at);
    inputDrvs.set(drvPath, outs);
    r.expect(")");
  }

  r.expect(",");
  r.expect("[");
  const inputSrcs = new Set<string>();
  while (!r.endOfList()) inputSrcs.add(storePath());

  r.expect(",");
  const platform = r.string();
  r.expect(",");
  const builder = r.string();
  r.expect(",");
  const args = r.strings();

  r.expect(",[");
  const env = new Map<string, string>();
  while (!r.endOfList()) {
    r.expect("(");
    const key = r.string();
    r.expect(",");
    env.set(key, r.string());
    r.expect(")");
  }
  r.expect(")");

  return { name, outputs, inputDrvs, inputSrcs, platform, builder, args, env };
}

/** CppNix's `parseOutput` checks, failing at `at`. */
function checkOutput(
  r: ATermReader,
  output: DerivationOutput,
  drvName: string,
  outputName: string,
  storeDir: string,
  at: number,
): void {
  try {
    const kind = classifyOutput(output);
    switch (kind.kind) {
      case "inputAddressed":
        parseStorePathCanonical(kind.path, storeDir);
        break;
      case "deferred":
        break;
      case "fixed": {
        parseStorePathCanonical(kind.path, storeDir);
        const expected = makeFixedOutputPath(
          outputPathName(drvName, outputName),
          kind.method,
          kind.algo,
          kind.digest,
          [],
          storeDir,
        );
        if (expected !== kind.path) {
          r.fail(
            `derivation output '${outputName}' has path '${kind.path}', which does not match its content address`,
            at,
          );
        }
        break;
      }
      case "floating":
        if (output.path !== "") {
          r.fail("content-addressing derivation output should not specify output path", at);
        }
        break;
      case "impure":
        if (output.path !== "") {
          r.fail("impure derivation output should not specify output path", at);
        }
        break;
    }
  } catch (e) {
    if (e instanceof DerivationParseError) throw e;
    // Bad store paths, names, algorithms and hashes.
    r.fail(e instanceof Error ? e.message : String(e), at);
  }
}

// --- hash modulo ----------------------------------------------------------------------------------

/** What a derivation contributes as an input (CppNix's `HashModulo`). */
interface InputHash {
  /**
   * No hash yet (CppNix's `DeferredDrv`): an output is content-addressed (floating) or impure,
   * or an input derivation is deferred; outputs that depend on it are deferred too.
   */
  deferred?: true;
  /** Input-addressed: the hash of the replaced ATerm (hex), used for every output. */
  drvHex?: string;
  /** Fixed-output: per output, the hex of `sha256("fixed:out:…")`. */
  fixedHex?: Map<string, string>;
  /** Per output, the digest (what `hashAsInput` returns). */
  byOutput: Map<string, Uint8Array>;
}

/**
 * Hashes derivations modulo fixed-output derivations (CppNix's `hashDerivationModulo`), reading
 * input derivations through `lookup` and remembering the hash of each `.drv` path.
 */
export class DerivationHashes {
  private readonly memo = new Map<string, InputHash>();

  constructor(
    readonly storeDir: string,
    private readonly lookup: (drvPath: string) => Derivation,
  ) {}

  /** The hash of the derivation at `drvPath` as an input of others, per output name. */
  hashAsInput(drvPath: string): Map<string, Uint8Array> {
    return this.inputHash(drvPath).byOutput;
  }

  /** The hash that names a new input-addressed derivation's outputs: SHA-256 of the masked form. */
  hashModulo(drv: Derivation): Uint8Array {
    const h = this.hashModuloOrDeferred(drv);
    if (h === undefined) throw new Error(`derivation '${drv.name}' depends on a deferred one`);
    return h;
  }

  /**
   * `hashModulo`, or undefined when an input derivation has no hash yet (content-addressed,
   * impure, or itself deferred): then the new derivation's outputs are deferred, as in CppNix.
   */
  hashModuloOrDeferred(
    drv: Derivation,
    aterm: DerivationATerm = new DerivationATerm(drv),
  ): Uint8Array | undefined {
    const inputDrvs = this.moduloInputs(drv);
    if (inputDrvs === undefined) return undefined;
    aterm.moduloInputDrvs = printInputDrvs(inputDrvs);
    return hashBytes("sha256", aterm.print(true, aterm.moduloInputDrvs));
  }

  /**
   * A new derivation at `drvPath` whose outputs `hashModuloOrDeferred(drv, aterm)` named: its
   * hash as an input is computed now, from the parts already printed, rather than printed
   * again when a derivation uses it.
   */
  added(drvPath: string, aterm: DerivationATerm): void {
    const drv = aterm.drv;
    if (aterm.moduloInputDrvs === undefined || this.memo.has(drvPath)) return;
    if (drv.outputs.size === 0) return;
    for (const o of drv.outputs.values()) if (o.hashAlgo !== "" || o.path === "") return;
    const digest = hashBytes("sha256", aterm.print(false, aterm.moduloInputDrvs));
    this.memo.set(drvPath, inputAddressed(drv, digest));
  }

  /** The ATerm with input derivations replaced by their hashes, and outputs masked if `mask`. */
  unparseModulo(drv: Derivation, mask: boolean): string {
    const inputDrvs = this.moduloInputs(drv);
    if (inputDrvs === undefined)
      throw new Error(`derivation '${drv.name}' depends on a deferred one`);
    return unparseDerivation(drv, { maskOutputs: mask, inputDrvs });
  }

  /** The input derivations replaced by their hashes; undefined if one of them is deferred. */
  private moduloInputs(drv: Derivation): Map<string, Set<string>> | undefined {
    const inputs = new Map<string, Set<string>>();
    const add = (key: string, output: string): void => {
      let set = inputs.get(key);
      if (set === undefined) inputs.set(key, (set = new Set()));
      set.add(output);
    };
    for (const [drvPath, outputNames] of drv.inputDrvs) {
      const h = this.inputHash(drvPath);
      if (h.deferred) return undefined;
      if (h.drvHex !== undefined) {
        for (const o of outputNames) add(h.drvHex, o);
      } else {
        // A fixed output stands for itself as the output `out` of an anonymous derivation.
        for (const o of outputNames) {
          const hex = h.fixedHex!.get(o);
          if (hex === undefined) {
            throw new Error(`no hash for output '${o}' of derivation '${drv.name}'`);
          }
          add(hex, "out");
        }
      }
    }
    return inputs;
  }

  /**
   * The memoised hash of `drvPath`. Computed without recursion (inputs first, from an explicit
   * stack), so that a long chain of derivations cannot overflow the JS stack.
   */
  private inputHash(drvPath: string): InputHash {
    const known = this.memo.get(drvPath);
    if (known !== undefined) return known;
    // Derivations being worked on (looked up once each), in stack order.
    const pending = new Map<string, Derivation>();
    const stack = [drvPath];
    while (stack.length > 0) {
      const path = stack[stack.length - 1]!;
      if (this.memo.has(path)) {
        stack.pop();
        continue;
      }
      let drv = pending.get(path);
      if (drv === undefined) pending.set(path, (drv = this.lookup(path)));
      let ready = true;
      if (!isFixedOutput(drv)) {
        for (const input of drv.inputDrvs.keys()) {
          if (this.memo.has(input)) continue;
          if (pending.has(input)) throw new Error(`derivation '${input}' depends on itself`);
          stack.push(input);
          ready = false;
        }
      }
      if (!ready) continue;
      this.memo.set(path, this.computeInputHash(path, drv));
      pending.delete(path);
      stack.pop();
    }
    return this.memo.get(drvPath)!;
  }

  /** CppNix's `hashInput`, once the hashes of `drv`'s inputs are known. */
  private computeInputHash(drvPath: string, drv: Derivation): InputHash {
    if (isFixedOutput(drv)) {
      // The content address as CppNix prints it (base16 hash), and the output path.
      const out = drv.outputs.get("out")!;
      const ca = classifyOutput(out) as Extract<OutputKind, { kind: "fixed" }>;
      const methodAlgo = contentAddressMethodPrefix(ca.method) + ca.algo;
      const digest = hashBytes(
        "sha256",
        `fixed:out:${methodAlgo}:${base16(ca.digest)}:${out.path}`,
      );
      return { fixedHex: new Map([["out", base16(digest)]]), byOutput: new Map([["out", digest]]) };
    }
    // An output that is not input-addressed (floating, impure, deferred): no hash modulo.
    for (const o of drv.outputs.values()) {
      if (o.hashAlgo !== "" || o.path === "") return { deferred: true, byOutput: new Map() };
    }
    if (drv.outputs.size === 0) throw new Error(`derivation '${drvPath}' has no outputs`);
    const inputDrvs = this.moduloInputs(drv);
    if (inputDrvs === undefined) return { deferred: true, byOutput: new Map() };
    return inputAddressed(drv, hashBytes("sha256", unparseDerivation(drv, { inputDrvs })));
  }
}

/** The hash as an input of an input-addressed derivation whose replaced ATerm has this digest. */
function inputAddressed(drv: Derivation, digest: Uint8Array): InputHash {
  const byOutput = new Map<string, Uint8Array>();
  for (const name of drv.outputs.keys()) byOutput.set(name, digest);
  return { drvHex: base16(digest), byOutput };
}

// --- JSON (`nix derivation show`) -----------------------------------------------------------------

// The JSON values, as nlohmann::json reads and prints them, for those who use them from here.
export {
  dumpJSON,
  formatJSONFloat,
  JSONNumber,
  parseJSON,
  type JSONValue,
} from "../lang/json-text.js";

/** The derivation JSON format version current Nix prints. */
export const derivationJSONVersion = 4;

/**
 * A byte string as a JS string, as nlohmann::json's strict UTF-8 check sees it: invalid UTF-8
 * is an error with nlohmann's message.
 */
export function jsonString(s: string): string {
  const fault = findUtf8Fault(s);
  if (fault !== undefined) throw new Error(utf8FaultMessage(s, fault));
  return byteStringToUtf8(s);
}

function baseName(path: string, storeDir: string): string {
  if (!path.startsWith(storeDir) || path[storeDir.length] !== "/") {
    throw new BadStorePath(`path '${path}' is not in the Nix store`);
  }
  return jsonString(path.slice(storeDir.length + 1));
}

function outputToJSON(output: DerivationOutput, storeDir: string): JSONValue {
  const kind = classifyOutput(output);
  switch (kind.kind) {
    case "inputAddressed":
      return jsonObject([["path", baseName(kind.path, storeDir)]]);
    case "deferred":
      return jsonObject([]);
    case "fixed":
      return jsonObject([
        ["hash", `${kind.algo}-${base64(kind.digest)}`],
        ["method", kind.method],
      ]);
    case "floating":
      return jsonObject([
        ["hashAlgo", kind.algo],
        ["method", kind.method],
      ]);
    case "impure":
      return jsonObject([
        ["hashAlgo", kind.algo],
        ["impure", true],
        ["method", kind.method],
      ]);
  }
}

/**
 * One derivation as current `nix derivation show` prints it (format version 4; see the module
 * comment). `drvPath` is only used in error messages.
 */
export function derivationToJSON(drvPath: string, drv: Derivation, storeDir: string): JSONValue {
  const outputs: [string, JSONValue][] = [];
  for (const name of sorted(drv.outputs.keys())) {
    let value: JSONValue;
    try {
      value = outputToJSON(drv.outputs.get(name)!, storeDir);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(`error parsing derivation '${drvPath}': ${message}`);
    }
    outputs.push([jsonString(name), value]);
  }
  const drvs: [string, JSONValue][] = sorted(drv.inputDrvs.keys()).map((p) => [
    baseName(p, storeDir),
    jsonObject([
      ["dynamicOutputs", jsonObject([])],
      ["outputs", sorted(drv.inputDrvs.get(p)!).map(jsonString)],
    ]),
  ]);
  const env: [string, JSONValue][] = [];
  for (const key of sorted(drv.env.keys())) {
    if (key !== "__json") env.push([jsonString(key), jsonString(drv.env.get(key)!)]);
  }
  const structured = drv.env.get("__json");
  const fields: [string, JSONValue][] = [
    ["args", drv.args.map(jsonString)],
    ["builder", jsonString(drv.builder)],
    ["env", jsonObject(env)],
    [
      "inputs",
      jsonObject([
        ["drvs", jsonObject(drvs)],
        ["srcs", sorted(drv.inputSrcs).map((p) => baseName(p, storeDir))],
      ]),
    ],
    ["name", jsonString(drv.name)],
    ["outputs", jsonObject(outputs)],
  ];
  if (structured !== undefined) {
    let value: JSONValue;
    try {
      value = parseJSON(jsonString(structured));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(`cannot process __json attribute: ${message}`);
    }
    fields.push(["structuredAttrs", value]);
  }
  fields.push(["system", jsonString(drv.platform)], ["version", derivationJSONVersion]);
  return jsonObject(fields);
}

/**
 * The whole object `nix derivation show` prints for these derivations:
 * `{"derivations": {"<hash>-<name>.drv": …}, "version": 4}`. Paths not ending in `.drv` are
 * skipped, as Nix skips them.
 */
export function showDerivations(entries: [string, Derivation][], storeDir: string): JSONValue {
  const derivations: [string, JSONValue][] = [];
  for (const [drvPath, drv] of [...entries].sort((a, b) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
  )) {
    if (!drvPath.endsWith(".drv")) continue;
    derivations.push([baseName(drvPath, storeDir), derivationToJSON(drvPath, drv, storeDir)]);
  }
  return jsonObject([
    ["derivations", jsonObject(derivations)],
    ["version", derivationJSONVersion],
  ]);
}
