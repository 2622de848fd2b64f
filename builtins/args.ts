/**
 * Forcing builtin arguments the way CppNix's primops do: a wrong type is `expected a list but
 * found …`, under a frame `… while evaluating the second argument passed to builtins.map`,
 * reported at the call site.
 */

import type { Evaluator } from "../evaluator/eval.js";
import { NixError } from "../lang/errors.js";
import type { Attrs, Lazy, Value } from "../evaluator/value.js";
import type { CallSite } from "./registry.js";

const ordinals = ["first", "second", "third", "fourth"];

/** `while evaluating the first argument passed to builtins.NAME` */
export function argContext(n: number, name: string): string {
  return `while evaluating the ${ordinals[n]} argument passed to builtins.${name}`;
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

/** `set.name`, or CppNix's `attribute 'NAME' missing` at the call site. */
export function requireAttr(ev: Evaluator, site: CallSite, set: Attrs, name: string): Lazy {
  const l = set.get(name);
  if (l === undefined) {
    throw ev.error("EvalError", `attribute '${name}' missing`, null);
  }
  return l;
}

export class Args {
  constructor(
    private readonly ev: Evaluator,
    private readonly site: CallSite,
    private readonly name: string,
    private readonly args: Lazy[],
  ) {}

  private ctx<T>(n: number, f: () => T): T {
    return inContext(this.ev, this.site, argContext(n, this.name), f);
  }

  value(n: number): Value {
    return this.ctx(n, () => this.ev.force(this.args[n]!));
  }

  lazy(n: number): Lazy {
    return this.args[n]!;
  }

  list(n: number): Lazy[] {
    return this.ctx(n, () => this.ev.forceList(this.args[n]!, null, -1));
  }

  attrs(n: number): Attrs {
    return this.ctx(n, () => this.ev.forceAttrs(this.args[n]!, null, -1));
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
