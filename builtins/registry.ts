/**
 * Builtins as data: each has a name (as in `builtins.NAME`), an arity, a doc with an example,
 * and an implementation. `installBuiltins` builds the `builtins` set and the global scope from
 * them, the way CppNix's `EvalState` does: the plain globals of `names.ts` under their own name,
 * every other builtin under `__NAME`, and all of them in `builtins`.
 *
 * A CppNix builtin that tsnix does not implement yet still exists (so that scoping and
 * `builtins ? x` agree with Nix), but calling it is an error that says so.
 */

import type { Evaluator } from "../evaluator/eval.js";
import { Thunk } from "../evaluator/thunk.js";
import { Attrs, PrimOp, type Env, type Lazy, type Value } from "../evaluator/value.js";
import { experimentalBuiltins, featureEnabled, plainGlobals, underscoreGlobals } from "./names.js";

export interface Builtin {
  readonly name: string;
  /** 0 for a constant. */
  readonly arity: number;
  /** Markdown, with an example; shown by the REPL's `:doc`. */
  readonly doc: string;
  readonly impl: (ev: Evaluator, args: Lazy[], site: CallSite) => Value;
  /**
   * A constant computed after every builtin is in scope (it is Nix code that uses them, such
   * as `derivation`), then at once, as CppNix does at start-up.
   */
  readonly afterInstall?: boolean;
  /** False for a builtin whose calls get no "while calling the 'NAME' builtin" frame. */
  readonly addTrace?: boolean;
  /**
   * True for a builtin that first forces each of its arguments, in order, and nothing else
   * before that (arithmetic, `lessThan`): a call may then evaluate them in place rather than
   * make thunks of them.
   */
  readonly strictArgs?: boolean;
  /**
   * For a `strictArgs` builtin of two arguments: its result for two forced arguments of the
   * common kind (two small integers for arithmetic), or undefined to go through `impl`. A call
   * then needs no argument list and no call site (half of the garbage of `a - b`); errors
   * still get the builtin's frame.
   */
  readonly fast?: (ev: Evaluator, x: Value, y: Value) => Value | undefined;
}

/** Where a builtin was called: its errors are reported there. */
export interface CallSite {
  readonly env: Env | null;
  readonly pos: number;
}

export function installBuiltins(ev: Evaluator, builtins: readonly Builtin[]): void {
  const byName = new Map(builtins.map((b) => [b.name, b]));
  const plain = new Set<string>(plainGlobals);
  const set = new Map<string, Lazy>();
  const late: Lazy[] = [];
  const all = [...new Set<string>([...plainGlobals, ...underscoreGlobals, ...byName.keys()])];
  for (const name of all) {
    if (name === "builtins") continue;
    const b = byName.get(name);
    const feature = experimentalBuiltins.get(name);
    if (feature !== undefined && !featureEnabled(ev.experimentalFeatures, feature)) continue;
    let value: Lazy;
    if (b === undefined) {
      value = new PrimOp(name, 1, (_args, env, pos) => {
        throw ev.error("EvalError", `tsnix does not implement builtins.${name} yet`, env, pos);
      });
    } else if (b.arity === 0 && b.afterInstall) {
      const init = new PrimOp(name, 1, () => b.impl(ev, [], { env: null, pos: -1 }));
      value = Thunk.application(init, null);
      late.push(value);
    } else if (b.arity === 0) value = b.impl(ev, [], { env: null, pos: -1 });
    else {
      const impl = (args: Lazy[], env: Env | null, pos: number) => b.impl(ev, args, { env, pos });
      const fast = b.fast;
      value = new PrimOp(
        name,
        b.arity,
        impl,
        b.addTrace ?? true,
        b.strictArgs ?? false,
        fast ? (x, y) => fast(ev, x, y) : null,
      );
    }
    set.set(name, value);
    ev.defineGlobal(plain.has(name) ? name : `__${name}`, value);
  }
  // `builtins.builtins` is the set itself.
  set.set("builtins", null);
  const keys = [...set.keys()].sort();
  const values = keys.map((k) => set.get(k)!);
  const builtinsSet = new Attrs(keys, values);
  values[keys.indexOf("builtins")] = builtinsSet;
  ev.defineGlobal("builtins", builtinsSet);
  for (const l of late) ev.force(l);
}
