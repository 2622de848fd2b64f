/**
 * Forcing builtin arguments the way CppNix's primops do: a wrong type is `expected a list but
 * found …`, under a frame `… while evaluating the second argument passed to builtins.map`,
 * reported at the call site.
 */

import type { Evaluator } from "../evaluator/eval.js";
import { NixError } from "../lang/errors.js";
import type { Attrs, Lazy, Value } from "../evaluator/value.js";
import type { Builtin, CallSite } from "./registry.js";

const ordinals = ["first", "second", "third", "fourth"];

/**
 * CppNix's own wording where it is not the usual one, per builtin and argument: a one-argument
 * builtin that says "the argument", names in quotes, the names of `foldl'` (`foldlStrict`), and
 * arguments described in parentheses. (Each string is the `errorCtx` its primop passes.)
 */
const specialContexts: Record<string, readonly string[]> = {
  attrNames: ["while evaluating the argument passed to builtins.attrNames"],
  attrValues: ["while evaluating the argument passed to builtins.attrValues"],
  listToAttrs: ["while evaluating the argument passed to builtins.listToAttrs"],
  elemAt: [
    "while evaluating the first argument passed to 'builtins.elemAt'",
    "while evaluating the second argument passed to 'builtins.elemAt'",
  ],
  head: ["while evaluating the first argument passed to 'builtins.head'"],
  tail: ["while evaluating the first argument passed to 'builtins.tail'"],
  "foldl'": [
    "while evaluating the first argument passed to builtins.foldlStrict",
    "while evaluating the second argument passed to builtins.foldlStrict",
    "while evaluating the third argument passed to builtins.foldlStrict",
  ],
  substring: [
    "while evaluating the first argument (the start offset) passed to builtins.substring",
    "while evaluating the second argument (the substring length) passed to builtins.substring",
    "while evaluating the third argument (the string) passed to builtins.substring",
  ],
  concatStringsSep: [
    "while evaluating the first argument (the separator string) passed to builtins.concatStringsSep",
    "while evaluating the second argument (the list of strings to concat) passed to builtins.concatStringsSep",
  ],
};

/**
 * `while evaluating the first argument passed to builtins.NAME`, or CppNix's own wording for
 * that argument (`specialContexts`).
 */
export function argContext(n: number, name: string): string {
  return (
    specialContexts[name]?.[n] ??
    `while evaluating the ${ordinals[n]} argument passed to builtins.${name}`
  );
}

/** Runs `f`, adding `context` as a frame at the call site to a Nix error it throws. */
export function inContext<T>(ev: Evaluator, site: CallSite, context: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    // CppNix's primops name the context without a position (`noPos`): the frame of the call
    // ("while calling the 'X' builtin") shows where.
    if (e instanceof NixError) e.addTrace(context);
    throw e;
  }
}

/**
 * `set.name`, or CppNix's `getAttr` error: `attribute 'NAME' missing`, under `context` (which
 * says where the set came from).
 */
export function requireAttr(ev: Evaluator, set: Attrs, name: string, context: string): Lazy {
  const l = set.get(name);
  if (l === undefined) throw missingAttr(ev, name, context);
  return l;
}

/** CppNix's `attribute 'NAME' missing` (of `getAttr`), under `context`. */
export function missingAttr(ev: Evaluator, name: string, context: string): NixError {
  return ev.error("TypeError", `attribute '${name}' missing`, null).addTrace(context);
}

export class Args {
  constructor(
    private readonly ev: Evaluator,
    private readonly site: CallSite,
    private readonly name: string,
    private readonly args: Lazy[],
  ) {}

  /** Runs `f` under the frame of argument `n` (`argContext`). */
  private ctx<T>(n: number, f: () => T): T {
    return inContext(this.ev, this.site, argContext(n, this.name), f);
  }

  value(n: number): Value {
    return this.ctx(n, () => this.ev.force(this.args[n]!));
  }

  lazy(n: number): Lazy {
    return this.args[n]!;
  }

  /** A list (only a wrong type gets the argument's frame, as CppNix's `forceList`). */
  list(n: number): Lazy[] {
    return this.ev.forceList(this.args[n]!, null, -1, argContext(n, this.name));
  }

  /** A set (only a wrong type gets the argument's frame, as CppNix's `forceAttrs`). */
  attrs(n: number): Attrs {
    return this.ev.forceAttrs(this.args[n]!, null, -1, argContext(n, this.name));
  }

  int(n: number): number | bigint {
    return this.ctx(n, () => this.ev.forceInt(this.args[n]!, null, -1));
  }

  string(n: number): string {
    return this.ctx(n, () => this.ev.forceString(this.args[n]!, null, -1));
  }

  /** A function (forced, checked to be callable). */
  function(n: number): Value {
    return this.ctx(n, () => this.ev.forceFunction(this.args[n]!, null, -1));
  }
}

/** A builtin whose implementation takes its arguments as `Args` (forced with CppNix's contexts). */
export function withArgs(
  name: string,
  arity: number,
  doc: string,
  impl: (a: Args, ev: Evaluator, site: CallSite) => Value,
): Builtin {
  return {
    name,
    arity,
    doc,
    impl: (ev, args, site) => impl(new Args(ev, site, name, args), ev, site),
  };
}
