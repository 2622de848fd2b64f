/**
 * The Nix AST: a closed union of node kinds named after CppNix's `Expr*` classes, with the same
 * desugarings its parser performs, so that printing (`--parse`) and evaluation agree with it:
 *
 * - `a - b`, `a * b`, `a / b`, `a < b` are calls of `__sub`, `__mul`, `__div`, `__lessThan`;
 *   `-a` is `__sub 0 a`; `a <= b` is `!(b < a)`, `a > b` is `b < a`, `a >= b` is `!(a < b)`.
 * - `a + b` and `"x${y}"` are `ConcatStrings` (the latter with `forceString`).
 * - `f a b` is one `Call` with two arguments; so is `(f a) b` (CppNix's `makeCall` appends to
 *   the call it finds, parenthesised or not).
 * - `<p>` is `__findFile __nixPath "p"`; a URI is a string; `let { … }` is `(rec { … }).body`.
 * - `a.b.c = 1;` nests attribute sets at parse time, merging with literal sets (`addAttr`).
 *
 * Every node has `start`/`end` byte offsets into its source (its span) and `pos`, the offset
 * CppNix attaches to it for messages (for operators, the operator; `-1` where CppNix has none).
 */

export type Expr =
  | ExprInt
  | ExprFloat
  | ExprString
  | ExprPath
  | ExprVar
  | ExprSelect
  | ExprOpHasAttr
  | ExprAttrs
  | ExprList
  | ExprLambda
  | ExprCall
  | ExprLet
  | ExprWith
  | ExprIf
  | ExprAssert
  | ExprOpNot
  | ExprBinOp
  | ExprConcatStrings
  | ExprPos
  | ExprInheritFrom;

interface Node {
  /** Start of the node's text (byte offset). */
  start: number;
  /** End of the node's text (byte offset, exclusive). */
  end: number;
  /** The position CppNix reports for this node (byte offset), or -1. */
  pos: number;
}

export interface ExprInt extends Node {
  readonly kind: "Int";
  /** A JS number when it is a safe integer, else a bigint (up to 2^63-1). */
  readonly value: number | bigint;
}

export interface ExprFloat extends Node {
  readonly kind: "Float";
  readonly value: number;
}

export interface ExprString extends Node {
  readonly kind: "String";
  /** A byte string. */
  readonly value: string;
}

export interface ExprPath extends Node {
  readonly kind: "Path";
  /** The absolute, canonical path (with the trailing `/` of a path that continues `${…}`). */
  readonly value: string;
}

export interface ExprVar extends Node {
  readonly kind: "Var";
  readonly name: string;
  /**
   * Set by scope resolution (lang/scope.ts): how many environments up the variable lives, and
   * its index there (`level` -1: a global, index `displ` among the globals); or, when it is
   * bound by no scope, the levels of the `with`s around it, innermost first (else null): the
   * name is looked up in their sets.
   */
  level?: number;
  displ?: number;
  withLevels?: number[] | null;
}

/** An attribute name in a path: static, or `${e}` / `"…${e}…"`. */
export type AttrName = string | Expr;

export interface ExprSelect extends Node {
  readonly kind: "Select";
  readonly subject: Expr;
  readonly path: AttrName[];
  readonly default: Expr | null;
}

export interface ExprOpHasAttr extends Node {
  readonly kind: "OpHasAttr";
  readonly subject: Expr;
  readonly path: AttrName[];
}

export type AttrDefKind = "plain" | "inherited" | "inheritedFrom";

export interface AttrDef {
  kind: AttrDefKind;
  /** For `inheritedFrom`, a `Select` of an `InheritFrom`. */
  value: Expr;
  /** Offset of the definition (its attribute path, or the inherited name). */
  pos: number;
  /** Index in the environment of a `rec` set or `let` (set by scope resolution). */
  displ?: number;
}

export interface DynamicAttrDef {
  readonly name: Expr;
  readonly value: Expr;
  readonly pos: number;
}

export interface ExprAttrs extends Node {
  readonly kind: "Attrs";
  recursive: boolean;
  /** Static attributes in definition order. */
  readonly attrs: Map<string, AttrDef>;
  /** `${e} = …;` bindings, in source order; null when there are none (most sets). */
  dynamicAttrs: DynamicAttrDef[] | null;
  /** The `e` of each `inherit (e) …`, referred to by index from `InheritFrom` nodes. */
  inheritFromExprs: Expr[] | null;
}

export interface ExprList extends Node {
  readonly kind: "List";
  readonly elems: Expr[];
}

export interface Formal {
  readonly name: string;
  readonly default: Expr | null;
  readonly pos: number;
  /** Index in the function's environment (set by scope resolution). */
  displ?: number;
}

export interface Formals {
  /** In source order. */
  readonly formals: Formal[];
  readonly ellipsis: boolean;
}

export interface ExprLambda extends Node {
  readonly kind: "Lambda";
  /** `x` in `x: …` or `x@{…}: …`. */
  readonly arg: string | null;
  readonly formals: Formals | null;
  readonly body: Expr;
  /** The attribute name it was bound to (`f = x: …`), for traces. */
  name: string | null;
}

export interface ExprCall extends Node {
  readonly kind: "Call";
  readonly fn: Expr;
  readonly args: Expr[];
  /** End offset of a "cursed or" (`f or`), for its warning; reset when it is no longer one. */
  cursedOrEnd: number;
}

export interface ExprLet extends Node {
  readonly kind: "Let";
  readonly attrs: ExprAttrs;
  readonly body: Expr;
}

export interface ExprWith extends Node {
  readonly kind: "With";
  readonly attrs: Expr;
  readonly body: Expr;
}

export interface ExprIf extends Node {
  readonly kind: "If";
  readonly cond: Expr;
  readonly then: Expr;
  readonly else: Expr;
}

export interface ExprAssert extends Node {
  readonly kind: "Assert";
  readonly cond: Expr;
  readonly body: Expr;
}

export interface ExprOpNot extends Node {
  readonly kind: "OpNot";
  readonly expr: Expr;
}

export type BinOp = "==" | "!=" | "&&" | "||" | "->" | "++" | "//";

export interface ExprBinOp extends Node {
  readonly kind: "BinOp";
  readonly op: BinOp;
  readonly left: Expr;
  readonly right: Expr;
}

export interface ExprConcatStrings extends Node {
  readonly kind: "ConcatStrings";
  /** True for string interpolation (coerce every part to a string), false for `+`. */
  readonly forceString: boolean;
  readonly parts: Expr[];
}

/** `__curPos`. */
export interface ExprPos extends Node {
  readonly kind: "Pos";
}

/** The `e` of `inherit (e) x;`: index into the enclosing set's `inheritFromExprs`. */
export interface ExprInheritFrom extends Node {
  readonly kind: "InheritFrom";
  displacement: number;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
