/**
 * Thunks: delayed computations with CppNix's four states. Pending (an expression's compiled
 * code and its environment, or a function and an argument to apply lazily), blackhole (being
 * forced: forcing it again is `infinite recursion encountered`), value, and failed (forcing it
 * again rethrows the same error, as Nix does).
 *
 * A thunk is four fields, like CppNix's `Value` of type `tThunk`/`tApp` with a state:
 * evaluations make millions of them and most survive a young-generation collection, so their
 * size is time spent copying (eight fields made 88 bytes, four make 56).
 *
 *   state         code        env         value
 *   Pending       its code    its env     null
 *   Application   null        argument    function
 *   Blackhole     as before   as before   as before
 *   Done          null        null        the value
 *   Failed        null        null        the error
 */

import type { Code, Env, Lazy } from "./value.js";

export const enum ThunkState {
  Pending,
  Application,
  Blackhole,
  Done,
  Failed,
}

export class Thunk {
  state: ThunkState;
  /** The compiled expression of a pending thunk. */
  code: Code | null;
  /** The environment of the code, or the argument of an application. */
  env: Env | Lazy;
  /** The value once done; the error once failed; the function of an application. */
  value: unknown;

  constructor(code: Code | null, env: Env | Lazy, value: unknown = null) {
    this.state = code === null ? ThunkState.Application : ThunkState.Pending;
    this.code = code;
    this.env = env;
    this.value = value;
  }

  /** A pending application of `fn` to `arg` (a `map` element, say). */
  static application(fn: Lazy, arg: Lazy): Thunk {
    return new Thunk(null, arg, fn);
  }

  /** Whether this is a pending application (its position is its function's, as in CppNix). */
  get isApplication(): boolean {
    return this.state === ThunkState.Application;
  }
}

// The fields hold anything (small integers, objects, null) from the start: V8 would otherwise
// record the first kinds stored and make optimised code depend on them, and a later store of
// another kind would deoptimise that code in every frame of a deep recursion at once.
{
  const t = new Thunk(null, 0, 0);
  t.env = t;
  t.value = t;
  t.env = 0.5;
  t.value = 0.5;
}
