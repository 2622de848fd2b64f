/**
 * The evaluator's public API: create an evaluator (with the builtins installed, and any of the
 * embedder's own), evaluate Nix source text or a file, force and print values, convert values
 * to and from plain JavaScript and call Nix functions from JavaScript (api.ts).
 */

import { arithmeticBuiltins } from "../builtins/arithmetic.js";
import { attrsBuiltins } from "../builtins/attrs.js";
import { controlBuiltins } from "../builtins/control.js";
import { listBuiltins } from "../builtins/lists.js";
import { stringBuiltins } from "../builtins/strings.js";
import { typeBuiltins } from "../builtins/types.js";
import { ioBuiltins } from "../builtins/io.js";
import { evaluationBuiltins, miscBuiltins } from "../builtins/misc.js";
import { jsonBuiltins } from "../builtins/json.js";
import { versionBuiltins } from "../builtins/versions.js";
import { searchPathBuiltins } from "../builtins/searchpath.js";
import { regexBuiltins } from "../builtins/regex.js";
import { xmlBuiltins } from "../builtins/xml.js";
import { hashBuiltins } from "../builtins/hash.js";
import { tomlBuiltins } from "../builtins/toml.js";
import { contextBuiltins } from "../builtins/context.js";
import { flakeRefBuiltins } from "../builtins/flakeref.js";
import { derivationBuiltins } from "../builtins/derivation.js";
import { storeBuiltins } from "../builtins/store.js";
import { fetchBuiltins } from "../builtins/fetch.js";
import { installBuiltins, type Builtin } from "../builtins/registry.js";
import type { Origin } from "../lang/source.js";
import { Evaluator, type EvaluatorOptions, type SearchPathEntry } from "./eval.js";
import type { EvalIO } from "./io.js";
import { EvalStore } from "./eval-store.js";
import { printAmbiguous, showValue } from "./print.js";
import type { Value } from "./value.js";

export interface CreateOptions {
  /** CppNix's `max-call-depth` (default 10000). */
  maxCallDepth?: number;
  /** Files and environment; without it, every file is missing. */
  io?: EvalIO;
  /** `$HOME` for `~/…` paths (default: the `HOME` of `io`). */
  home?: string;
  experimentalFeatures?: ReadonlySet<string>;
  /** Receives warnings (to print after `warning: `). */
  warn?: (message: string) => void;
  /** Receives `builtins.trace` lines. */
  trace?: (line: string) => void;
  currentSystem?: string;
  /** `--abort-on-warn`. */
  abortOnWarn?: boolean;
  /** `--trace-verbose`. */
  traceVerbose?: boolean;
  /** Path and URL literal lints. */
  lints?: EvaluatorOptions["lints"];
  /** Receives positioned warnings (lints at level "warn"). */
  warnAt?: EvaluatorOptions["warnAt"];
  /** `-I` entries, then `NIX_PATH`'s. */
  searchPath?: readonly SearchPathEntry[];
  /**
   * Builtins of the embedder's own, as data like tsnix's: each is `builtins.NAME` (and
   * `__NAME`), and replaces a tsnix builtin of the same name.
   */
  builtins?: readonly Builtin[];
  /** Where created store objects go, and how (default: a fresh in-memory store). */
  store?: EvalStore;
  /** See `EvaluatorOptions.shallowStack`. */
  shallowStack?: number;
  /** See `EvaluatorOptions.interrupted`. */
  interrupted?: () => boolean;
}

/** Every builtin tsnix implements, as data (name, arity, doc, implementation). */
export const builtins: readonly Builtin[] = [
  ...arithmeticBuiltins,
  ...typeBuiltins,
  ...listBuiltins,
  ...attrsBuiltins,
  ...stringBuiltins,
  ...controlBuiltins,
  ...ioBuiltins,
  ...miscBuiltins,
  ...evaluationBuiltins,
  ...jsonBuiltins,
  ...versionBuiltins,
  ...searchPathBuiltins,
  ...regexBuiltins,
  ...xmlBuiltins,
  ...hashBuiltins,
  ...tomlBuiltins,
  ...contextBuiltins,
  ...flakeRefBuiltins,
  ...derivationBuiltins,
  ...storeBuiltins,
  ...fetchBuiltins,
];

/** An evaluator with every builtin installed. */
export function createEvaluator(options: CreateOptions = {}): Evaluator {
  const ev = new Evaluator({ ...options, showValue });
  installBuiltins(ev, [...builtins, ...(options.builtins ?? [])]);
  return ev;
}

/**
 * Parses, resolves and evaluates Nix source to weak head normal form. `text` is a byte string
 * (`utf8ToByteString` turns a JS string into one); relative paths resolve against `basePath`.
 */
export function evalSource(
  ev: Evaluator,
  text: string,
  origin: Origin = { kind: "string" },
  basePath = "/",
): Value {
  return ev.evalText(text, origin, basePath);
}

/** Evaluates the Nix file at `path` (an absolute byte-string path read through the IO adapter). */
export function evalFile(ev: Evaluator, path: string): Value {
  return ev.evalFile(path, null, -1);
}

export { EvalStore, type EvalStoreOptions } from "./eval-store.js";
export { Evaluator, printAmbiguous, showValue, type EvalIO, type SearchPathEntry };
export { call, fromJS, toJS, type JSValue } from "./api.js";
export type { Builtin, CallSite } from "../builtins/registry.js";
export * from "./value.js";
