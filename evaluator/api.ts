/**
 * Nix values to and from plain JavaScript, and calling Nix functions from JavaScript: the
 * embedding side of the library API.
 *
 * | Nix                 | JavaScript (`toJS`)                     | JavaScript (`fromJS`) → Nix      |
 * |---------------------|-----------------------------------------|----------------------------------|
 * | null, bool          | `null`, `boolean`                       | the same                         |
 * | int                 | `number` (safe integers), else `bigint` | an integer `number`, a `bigint`  |
 * | float               | `number`                                | a non-integer `number`, `NixFloat` |
 * | string              | `string` (its bytes read as UTF-8)      | `string` (written as UTF-8)      |
 * | path                | `string` (the absolute path)            | `NixPath`                        |
 * | list                | array                                   | array                            |
 * | set                 | object, keys in Nix's (bytewise) order  | plain object, `Map`              |
 * | function            | JS function (arguments through `fromJS`, result through `toJS`) | JS function (a builtin whose arguments arrive through `toJS`) |
 *
 * `toJS` forces deeply, as `--strict` does; a set or list reached twice is converted once, so
 * cyclic values become cyclic JS objects. A Nix value (`NixFloat`, `Attrs`, …) given to
 * `fromJS` is returned as it is.
 */

import { NixError } from "../lang/errors.js";
import { byteStringToUtf8, bytesToByteString, utf8ToByteString } from "../lang/source.js";
import type { Evaluator } from "./eval.js";
import {
  nixInt,
  Attrs,
  Lambda,
  NixFloat,
  NixPath,
  NixString,
  PrimOp,
  PrimOpApp,
  type Lazy,
  type Value,
} from "./value.js";

export type JSValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JSValue[]
  | { [name: string]: JSValue }
  | ((...args: JSValue[]) => JSValue);

const maxInt = 2n ** 63n - 1n;
const minInt = -(2n ** 63n);

/** Calls the Nix function `fn` (anything callable: a lambda, builtin, or `__functor` set). */
export function call(ev: Evaluator, fn: Lazy, ...args: Lazy[]): Value {
  return ev.callFunction(ev.force(fn), args, null, -1);
}

/** A Nix value, forced deeply, as plain JavaScript (see the table above). */
export function toJS(ev: Evaluator, l: Lazy): JSValue {
  const seen = new Map<object, JSValue>();
  const go = (l: Lazy): JSValue => {
    const v = ev.force(l);
    if (v === null || typeof v === "boolean" || typeof v === "bigint") return v;
    if (typeof v === "number") return v;
    if (typeof v === "string") return byteStringToUtf8(v);
    if (v instanceof NixString) return byteStringToUtf8(v.s);
    if (v instanceof NixFloat) return v.value;
    if (v instanceof NixPath) return byteStringToUtf8(v.path);
    if (v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp) {
      return (...args: JSValue[]) => toJS(ev, call(ev, v, ...args.map((a) => fromJS(ev, a))));
    }
    const done = seen.get(v);
    if (done !== undefined) return done;
    if (Array.isArray(v)) {
      const out: JSValue[] = [];
      seen.set(v, out);
      for (const x of v) out.push(go(x));
      return out;
    }
    if (v.get("__functor") !== undefined) {
      return (...args: JSValue[]) => toJS(ev, call(ev, v, ...args.map((a) => fromJS(ev, a))));
    }
    const out: { [name: string]: JSValue } = {};
    seen.set(v, out);
    for (const name of v.names()) {
      // defineProperty, so that an attribute named `__proto__` is an ordinary key.
      Object.defineProperty(out, byteStringToUtf8(name), {
        value: go(v.get(name)!),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return go(l);
}

/** A JavaScript value as a Nix value (see the table above). */
export function fromJS(ev: Evaluator, x: unknown): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === "boolean") return x;
  if (typeof x === "number") {
    if (!Number.isInteger(x)) return new NixFloat(x);
    return Number.isSafeInteger(x) ? x : fromJS(ev, BigInt(x));
  }
  if (typeof x === "bigint") {
    if (x > maxInt || x < minInt) {
      throw ev.error("EvalError", `integer ${x} does not fit in 64 bits`, null);
    }
    return nixInt(x);
  }
  if (typeof x === "string") return utf8ToByteString(x);
  if (
    x instanceof NixFloat ||
    x instanceof NixString ||
    x instanceof NixPath ||
    x instanceof Attrs ||
    x instanceof Lambda ||
    x instanceof PrimOp ||
    x instanceof PrimOpApp
  ) {
    return x;
  }
  if (x instanceof Uint8Array) return bytesToByteString(x);
  if (Array.isArray(x)) return x.map((e) => fromJS(ev, e));
  if (typeof x === "function") {
    const f = x as (...args: JSValue[]) => unknown;
    return new PrimOp(f.name || "«js function»", Math.max(1, f.length), (args, env, pos) => {
      const jsArgs = args.map((a) => toJS(ev, a));
      let result: unknown;
      try {
        result = f(...jsArgs);
      } catch (e) {
        // A Nix error (from a nested call back into Nix) passes through; any other exception
        // becomes a Nix error at the call site rather than escaping as a JS one.
        if (e instanceof NixError) throw e;
        throw ev.error("EvalError", e instanceof Error ? e.message : String(e), env, pos);
      }
      return fromJS(ev, result);
    });
  }
  const entries = x instanceof Map ? [...x.entries()] : Object.entries(x as object);
  return Attrs.fromMap(
    new Map(entries.map(([k, v]) => [utf8ToByteString(String(k)), fromJS(ev, v)])),
  );
}
