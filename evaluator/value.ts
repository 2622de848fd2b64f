/**
 * Nix values. JS primitives where Nix and JS agree, so that most values allocate nothing:
 *
 * | Nix      | tsnix                                                                         |
 * |----------|-------------------------------------------------------------------------------|
 * | null     | `null`                                                                        |
 * | bool     | `boolean`                                                                     |
 * | int      | `number` while a safe integer, `bigint` beyond (signed 64-bit, checked)      |
 * | float    | `NixFloat` (so that `typeOf 1.0 == "float"` while `1.0 == 1`)                 |
 * | string   | a byte string (`string`) without context; `NixString` with one               |
 * | path     | `NixPath`                                                                     |
 * | set      | `Attrs` (names iterate in bytewise order, never JS property order)            |
 * | list     | a JS array of lazy values                                                     |
 * | function | `Lambda`, `PrimOp`, or `PrimOpApp` (a primop applied to fewer args than its arity) |
 *
 * Lazy positions (attribute values, list elements, arguments, environments) hold a `Lazy`:
 * a value or a `Thunk` (thunk.ts). `force` (eval.ts) turns one into a value.
 */

import type { ExprLambda } from "../lang/ast.js";
import type { Source } from "../lang/source.js";
import type { Thunk } from "./thunk.js";

export class NixFloat {
  constructor(readonly value: number) {}
}

/** A string with a context: the store paths and derivation outputs it refers to. */
export class NixString {
  constructor(
    /** A byte string. */
    readonly s: string,
    /** Context elements: `/nix/store/…` (a path), `=/nix/store/…drv` (all outputs, deep), `!out!/nix/store/…drv`. */
    readonly context: ReadonlySet<string>,
  ) {}
}

export class NixPath {
  constructor(
    /** Absolute and canonical, a byte string. */
    readonly path: string,
  ) {}
}

/**
 * An attribute set, laid out as CppNix's `Bindings`: the names in bytewise order (byte strings
 * compare by char code), the values and positions in the same order. A set literal's names and
 * positions are worked out once and shared by every set it makes; `//` is a merge of two
 * sorted lists; a lookup is a scan (small sets), a binary search, or for a set looked up
 * often, a Map lookup.
 */
export class Attrs {
  /**
   * For a set of more than 8 attributes: how many lookups it has had, and after 16 of them a
   * Map from name to index (a set looked up again and again, such as `builtins` under `with`,
   * or a package set, pays for one).
   */
  private index: number | Map<string, number> = 0;

  constructor(
    /** The names, sorted, each once. */
    readonly keys: readonly string[],
    /** The values, in the order of `keys`. */
    readonly values: readonly Lazy[],
    /** Where each attribute was defined (if it was), in the order of `keys`. */
    readonly positions?: readonly (AttrPosition | undefined)[],
    /**
     * The names in the order they were defined, where known (a set literal, `listToAttrs`):
     * CppNix's order of their symbols, in which the REPL's `:ll` lists them.
     */
    readonly definitionOrder?: readonly string[],
  ) {}

  /** A set from a Map of any order (and the positions of its attributes that have one). */
  static fromMap(map: ReadonlyMap<string, Lazy>, positions?: ReadonlyMap<string, AttrPosition>) {
    const keys = [...map.keys()].sort();
    const values = keys.map((k) => map.get(k)!);
    return new Attrs(keys, values, positions && keys.map((k) => positions.get(k)));
  }

  /** The attributes, and the positions of those that have one, as Maps (to add to them). */
  toMaps(): [Map<string, Lazy>, Map<string, AttrPosition>] {
    const map = new Map<string, Lazy>();
    const positions = new Map<string, AttrPosition>();
    for (let i = 0; i < this.keys.length; i++) {
      map.set(this.keys[i]!, this.values[i]!);
      const p = this.positions?.[i];
      if (p !== undefined) positions.set(this.keys[i]!, p);
    }
    return [map, positions];
  }

  static readonly empty = new Attrs([], []);

  get size(): number {
    return this.keys.length;
  }

  /** The index of `name` in `keys`, or -1. */
  indexOf(name: string): number {
    const keys = this.keys;
    if (keys.length <= 8) {
      for (let i = 0; i < keys.length; i++) if (keys[i] === name) return i;
      return -1;
    }
    const index = this.index;
    if (typeof index !== "number") return index.get(name) ?? -1;
    if (index >= 16) {
      const map = new Map<string, number>();
      for (let i = 0; i < keys.length; i++) map.set(keys[i]!, i);
      this.index = map;
      return map.get(name) ?? -1;
    }
    this.index = index + 1;
    let lo = 0;
    let hi = keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k = keys[mid]!;
      if (k === name) return mid;
      if (k < name) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  get(name: string): Lazy | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  /** Where attribute `name` was defined, if it has a position. */
  position(name: string): AttrPosition | undefined {
    if (this.positions === undefined) return undefined;
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.positions[i];
  }

  /** Names in bytewise order, as Nix iterates sets. */
  names(): readonly string[] {
    return this.keys;
  }

  /** The attributes as name-value pairs, in order. */
  entries(): [string, Lazy][] {
    return this.keys.map((k, i): [string, Lazy] => [k, this.values[i]!]);
  }

  /** `a // b`: the attributes of both, `b`'s where both have one (a merge, as CppNix's). */
  static update(a: Attrs, b: Attrs): Attrs {
    if (b.size === 0) return a;
    if (a.size === 0) return b;
    const keys: string[] = [];
    const values: Lazy[] = [];
    const withPositions = a.positions !== undefined || b.positions !== undefined;
    const positions: (AttrPosition | undefined)[] | undefined = withPositions ? [] : undefined;
    const ak = a.keys;
    const bk = b.keys;
    let i = 0;
    let j = 0;
    while (i < ak.length || j < bk.length) {
      let from: Attrs;
      let k: number;
      if (j >= bk.length || (i < ak.length && ak[i]! < bk[j]!)) {
        from = a;
        k = i++;
      } else {
        if (i < ak.length && ak[i] === bk[j]) i++;
        from = b;
        k = j++;
      }
      keys.push(from.keys[k]!);
      values.push(from.values[k]!);
      positions?.push(from.positions?.[k]);
    }
    return new Attrs(keys, values, positions);
  }
}

/** Where an attribute was defined (for `unsafeGetAttrPos` and messages). */
export interface AttrPosition {
  readonly source: Source;
  readonly offset: number;
}

/**
 * An expression compiled to a JS closure (evaluator/eval.ts, `compile`): evaluates it in an
 * environment laid out for its scope.
 */
export type Code = (env: Env) => Value;

/** An expression compiled to make its lazy value in an environment (CppNix's `maybeThunk`). */
export type MakeLazy = (env: Env) => Lazy;

/** A lambda's compiled parts: its body, and the default of each formal (null: none). */
export interface LambdaCode {
  readonly body: Code;
  readonly defaults: readonly (MakeLazy | null)[];
}

/** A closure: a lambda expression and the environment it was evaluated in. */
export class Lambda {
  constructor(
    readonly expr: ExprLambda,
    readonly env: Env,
    readonly code: LambdaCode,
  ) {}
}

/**
 * A builtin. `impl` receives its arguments as lazy values (it forces what it needs) and the
 * call site, where its errors are reported.
 */
export class PrimOp {
  constructor(
    readonly name: string,
    readonly arity: number,
    readonly impl: (args: Lazy[], env: Env | null, pos: number) => Value,
    /**
     * Whether a call's errors get the frame "while calling the 'NAME' builtin" (CppNix's
     * `addTrace`; `addErrorContext` has none).
     */
    readonly addTrace = true,
    /** Forces its arguments first, in order (registry.ts's `strictArgs`). */
    readonly strictArgs = false,
    /** The result for two forced arguments of the common kind, or undefined (registry.ts's `fast`). */
    readonly fast: ((x: Value, y: Value) => Value | undefined) | null = null,
  ) {}
}

/** A builtin applied to fewer arguments than its arity. */
export class PrimOpApp {
  constructor(
    readonly primOp: PrimOp,
    readonly args: readonly Lazy[],
  ) {}
}

declare const isEnv: unique symbol;

/**
 * A runtime environment: the values of one scope (see lang/scope.ts for the layout), as one
 * array. Slot 0 holds the enclosing environment; slots 1… hold the scope's values (the value
 * of index `displ` is at `displ + 1`). A lambda call allocates just this array (64 bytes for
 * one argument, where an object with a separate array of values took 112).
 *
 * The root of every chain, the environment of a file's top expression, holds the `Source` of
 * that file in slot 0 instead: every expression evaluated in an environment comes from that
 * source, so errors find their file and line (`envSource`) without a pointer in every node or
 * every environment. Globals are not in it: they are looked up directly (`Evaluator.globalValues`).
 */
export type Env = Lazy[] & { readonly [isEnv]: true };

/** The environment enclosing `env` (which is not a root). */
export function envUp(env: Env): Env {
  return env[0] as unknown as Env;
}

/** An environment under `up` holding `values` (the value of index `displ` at `displ + 1`). */
export function childEnv(up: Env, values: readonly Lazy[]): Env {
  return [up as Lazy, ...values] as Env;
}

/** A root environment: that of a file's top expression (or one that only locates positions). */
export function rootEnv(source: Source): Env {
  return [source as unknown as Lazy] as Env;
}

/** The source of the code evaluated in `env`: the one its root holds. */
export function envSource(env: Env): Source {
  let e: unknown = env;
  while (Array.isArray(e)) e = e[0];
  return e as Source;
}

export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | NixFloat
  | NixString
  | NixPath
  | Attrs
  | Lazy[]
  | Lambda
  | PrimOp
  | PrimOpApp;

export type Lazy = Value | Thunk;

/** A 64-bit integer (already in range) in the int representation: a number while safe. */
export function nixInt(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

/** `builtins.typeOf`'s names. */
export type TypeName =
  "null" | "bool" | "int" | "float" | "string" | "path" | "set" | "list" | "lambda";

export function typeOf(v: Value): TypeName {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "number":
    case "bigint":
      return "int";
    case "string":
      return "string";
  }
  if (v instanceof NixString) return "string";
  if (v instanceof NixFloat) return "float";
  if (v instanceof NixPath) return "path";
  if (v instanceof Attrs) return "set";
  if (Array.isArray(v)) return "list";
  return "lambda";
}

/** CppNix's `showType`: how messages name a value's type ("an integer", "a set", …). */
export function showType(v: Value): string {
  switch (typeOf(v)) {
    case "null":
      return "null";
    case "bool":
      return "a Boolean";
    case "int":
      return "an integer";
    case "float":
      return "a float";
    case "string":
      return v instanceof NixString && v.context.size > 0 ? "a string with context" : "a string";
    case "path":
      return "a path";
    case "set":
      return "a set";
    case "list":
      return "a list";
    case "lambda":
      if (v instanceof PrimOp) return `the built-in function '${v.name}'`;
      if (v instanceof PrimOpApp) {
        return `the partially applied built-in function '${v.primOp.name}'`;
      }
      return "a function";
  }
}

export const emptyContext: ReadonlySet<string> = new Set();
