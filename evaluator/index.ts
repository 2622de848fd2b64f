/**
 * The evaluator's public API: create an evaluator (with the builtins installed), evaluate Nix
 * source text, force and print values.
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
import { installBuiltins, type Builtin } from "../builtins/registry.js";
import type { Origin } from "../lang/source.js";
import { Evaluator, type EvaluatorOptions, type SearchPathEntry } from "./eval.js";
import type { EvalIO } from "./io.js";
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
];

/** An evaluator with every builtin installed. */
export function createEvaluator(options: CreateOptions = {}): Evaluator {
  const ev = new Evaluator({ ...options, showValue });
  installBuiltins(ev, builtins);
  return ev;
}

/** Parses, resolves and evaluates Nix source (a byte string) to weak head normal form. */
export function evalSource(ev: Evaluator, text: string, origin: Origin, basePath: string): Value {
  return ev.evalText(text, origin, basePath);
}

export { Evaluator, printAmbiguous, showValue, type EvalIO, type SearchPathEntry };
export * from "./value.js";
