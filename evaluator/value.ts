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
 * An attribute set: its attributes in a Map, and the source position of those that have one.
 *
 * `a // b` does not copy `a` (a package set, say) when `b` is a plain set (`update`): the
 * result is `b`'s Map over `a`, its `base`. Lookups try the Map, then the base; a chain of
 * more than `maxDepth` such layers is copied into one Map.
 */
export class Attrs {
  private sorted: string[] | undefined;
  readonly size: number;

  constructor(
    /** The attributes (over those of `base`, if there is one). */
    private readonly map: ReadonlyMap<string, Lazy>,
    private readonly positions?: ReadonlyMap<string, AttrPosition>,
    private readonly base?: Attrs,
    size?: number,
    private readonly depth = 0,
  ) {
    this.size = size ?? map.size;
  }

  get(name: string): Lazy | undefined {
    const v = this.map.get(name);
    if (v !== undefined || this.base === undefined) return v;
    return this.base.get(name);
  }

  /** Where attribute `name` was defined, if it has a position. */
  position(name: string): AttrPosition | undefined {
    if (this.base === undefined || this.map.has(name)) return this.positions?.get(name);
    return this.base.position(name);
  }

  /** Names in bytewise order (byte strings compare by char code), as Nix iterates sets. */
  names(): readonly string[] {
    if (this.sorted !== undefined) return this.sorted;
    if (this.base === undefined) return (this.sorted = [...this.map.keys()].sort());
    // The base's names merged with the own ones.
    const own = [...this.map.keys()].sort();
    const base = this.base.names();
    const out: string[] = [];
    let i = 0;
    let j = 0;
    while (i < base.length || j < own.length) {
      const a = base[i];
      const b = own[j];
      if (b === undefined || (a !== undefined && a < b)) out.push(base[i++]!);
      else {
        if (a === b) i++;
        out.push(own[j++]!);
      }
    }
    return (this.sorted = out);
  }

  /** The attributes as name-value pairs, in no particular order. */
  entries(): Iterable<[string, Lazy]> {
    if (this.base === undefined) return this.map;
    return this.names().map((name): [string, Lazy] => [name, this.get(name)!]);
  }

  /** `a // b`: the attributes of both, `b`'s where both have one. */
  static update(a: Attrs, b: Attrs): Attrs {
    if (b.size === 0) return a;
    if (a.size === 0) return b;
    if (b.base === undefined && a.depth < Attrs.maxDepth && a.size >= 8) {
      // b's Map over a, shared: counting the names only one side has is all the work.
      let size: number;
      if (b.size <= a.size) {
        size = a.size;
        for (const k of b.map.keys()) if (a.get(k) === undefined) size++;
      } else {
        size = b.size;
        for (const k of a.names()) if (!b.map.has(k)) size++;
      }
      return new Attrs(b.map, b.positions, a, size, a.depth + 1);
    }
    const map = new Map<string, Lazy>();
    const add = (x: Attrs) => {
      if (x.base === undefined) for (const [k, v] of x.map) map.set(k, v);
      else for (const k of x.names()) map.set(k, x.get(k)!);
    };
    add(a);
    add(b);
    let positions: Map<string, AttrPosition> | undefined;
    if (a.positions || b.positions || a.base || b.base) {
      positions = new Map();
      for (const name of map.keys()) {
        const p = b.get(name) !== undefined ? b.position(name) : a.position(name);
        if (p !== undefined) positions.set(name, p);
      }
    }
    return new Attrs(map, positions);
  }

  /** How many layers `update` stacks before it copies. */
  static readonly maxDepth = 8;
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
  ) {}
}

/** A builtin applied to fewer arguments than its arity. */
export class PrimOpApp {
  constructor(
    readonly primOp: PrimOp,
    readonly args: readonly Lazy[],
  ) {}
}

/**
 * A runtime environment: the values of one scope (see lang/scope.ts for the layout). It also
 * knows the source of the code that created it: every expression evaluated in an environment
 * comes from that source, so errors find their file and line without a pointer in every node.
 */
export class Env {
  constructor(
    readonly up: Env | null,
    readonly values: Lazy[],
    readonly source: Source,
    /** A `with` environment: `values[0]` is its set. */
    readonly isWith = false,
  ) {}
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
