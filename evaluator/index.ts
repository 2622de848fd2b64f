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
import { installBuiltins } from "../builtins/registry.js";
import type { Origin } from "../lang/source.js";
import { parse } from "../lang/parser.js";
import { checkScopes } from "../lang/scope.js";
import { Evaluator } from "./eval.js";
import { printAmbiguous, showValue } from "./print.js";
import type { Value } from "./value.js";

export interface CreateOptions {
  /** CppNix's `max-call-depth` (default 10000). */
  maxCallDepth?: number;
}

export interface SourceOptions {
  /** Directory that relative paths in the source resolve against. */
  basePath: string;
  /** `$HOME`, for `~/…` paths. */
  home: string;
  experimentalFeatures?: ReadonlySet<string>;
  warn?: (message: string) => void;
}

/** An evaluator with every builtin installed. */
export function createEvaluator(options: CreateOptions = {}): Evaluator {
  const ev = new Evaluator({ maxCallDepth: options.maxCallDepth, showValue });
  installBuiltins(ev, [
    ...arithmeticBuiltins,
    ...typeBuiltins,
    ...listBuiltins,
    ...attrsBuiltins,
    ...stringBuiltins,
    ...controlBuiltins,
  ]);
  return ev;
}

/** Parses, resolves and evaluates Nix source (a byte string) to weak head normal form. */
export function evalSource(
  ev: Evaluator,
  text: string,
  origin: Origin,
  opts: SourceOptions,
): Value {
  const { expr, source } = parse(text, origin, opts);
  checkScopes(expr, source, ev.globalNames);
  return ev.eval(expr, ev.fileEnv(source));
}

export { Evaluator, printAmbiguous, showValue };
export * from "./value.js";
