/**
 * Thunks: delayed computations with CppNix's four states. Pending (an expression and its
 * environment, or a function and an argument to apply lazily), blackhole (being forced: forcing
 * it again is `infinite recursion encountered`), value, and failed (forcing it again rethrows
 * the same error, as Nix does).
 */

import type { Expr } from "../lang/ast.js";
import type { Code, Env, Lazy, Value } from "./value.js";

export const enum ThunkState {
  Pending,
  Blackhole,
  Done,
  Failed,
}

export class Thunk {
  state = ThunkState.Pending;
  value: Value = null;
  error: unknown = undefined;

  constructor(
    /** The expression to evaluate, or null for an application. */
    public expr: Expr | null,
    /** The expression compiled (evaluator/eval.ts), or null for an application. */
    public code: Code | null,
    public env: Env | null,
    /** For an application (`map f xs` elements): the function and its argument. */
    public fn: Lazy = null,
    public arg: Lazy = null,
  ) {}

  /** A pending application of `fn` to `arg` (a `map` element, say). */
  static application(fn: Lazy, arg: Lazy): Thunk {
    return new Thunk(null, null, null, fn, arg);
  }
}
