/**
 * Static scope resolution, as CppNix's `bindVars`: every variable is looked up in the lexical
 * scopes around it before anything is evaluated, so that an unbound variable is an error even in
 * code that never runs (`undefined variable 'y'`, also for `nix-instantiate --parse`), and gets
 * its address: `level` environments up, index `displ` there (or a global's index, or
 * the levels of the `with`s it is looked up in).
 *
 * Environments, as the evaluator builds them: a lambda's holds its argument (index 0, if any)
 * then its formals in source order; a `let`'s or `rec` set's holds its static attributes in
 * definition order; a `with`'s holds the set. Globals, in the outermost scope, are looked up
 * directly (level -1), not through environments.
 *
 * Scopes, as CppNix builds them: a `rec { … }` or `let` binds its static names for its plain
 * attribute values, its `inherit (e)` sources and its body; a plain `inherit x;` looks `x` up
 * outside; a lambda binds its argument and formals (defaults see them all); `with e; body` makes
 * every otherwise unbound name in `body` a dynamic lookup. Lexical bindings always win over
 * `with`. The outermost scope holds the global names (builtins, `true`, `null`, …).
 *
 * Pinned by test/lang/parse-fail-undef-var*.
 */

import {
  assertNever,
  type AttrName,
  type Expr,
  type ExprAttrs,
  type ExprVar,
  type Formal,
} from "./ast.js";
import { NixError } from "./errors.js";
import type { Source } from "./source.js";

/**
 * The most formals a scope searches one by one: a function with more has them in a map
 * (building one costs more than searching a few). The parser's own check does the same.
 */
export const SEARCHED_FORMALS = 8;

/** The formal of `formals` named `name`, searched one by one. */
export function findFormal(formals: readonly Formal[], name: string): Formal | undefined {
  for (const f of formals) if (f.name === name) return f;
  return undefined;
}

/** One shape for every scope, so that `lookup` stays monomorphic. */
interface Scope {
  /** The names bound here, with their index; null for a `with` or a lambda. */
  readonly names: ReadonlyMap<string, { displ?: number }> | null;
  /** A lambda's formals when they are few (searching them costs less than building a map). */
  readonly formals: readonly Formal[] | null;
  /** A lambda's argument (`x` in `x: …`), or null. */
  readonly arg: string | null;
  /** True for `with e; …`: every otherwise unbound name inside is looked up in `e`. */
  readonly isWith: boolean;
  readonly up: Scope | null;
}

/**
 * Resolves every variable of `expr` (see the module comment). `globals` are the names of the
 * outermost environment, in the order of its values. Throws "undefined variable 'x'".
 */
export function checkScopes(
  expr: Expr,
  source: Source,
  globals: Iterable<string>,
  /** An extra scope under the globals (`scopedImport`'s set), in the order of its values. */
  extra?: Iterable<string>,
): void {
  const globalScope = new Map<string, { displ: number }>();
  for (const name of globals) globalScope.set(name, { displ: globalScope.size });
  let top: Scope = { names: globalScope, formals: null, arg: null, isWith: false, up: null };
  if (extra) {
    const names = new Map<string, { displ: number }>();
    for (const name of extra) names.set(name, { displ: names.size });
    top = { names, formals: null, arg: null, isWith: false, up: top };
  }

  /** Sets the address of `v`; false if it is unbound. */
  function lookup(v: ExprVar, scope: Scope | null): boolean {
    const name = v.name;
    let withs = 0;
    let level = 0;
    for (let s = scope; s; s = s.up, level++) {
      if (s.isWith) {
        withs++;
      } else if (s.arg === name) {
        v.level = level;
        v.displ = 0;
        v.withLevels = null;
        return true;
      } else if (s.formals !== null) {
        const f = findFormal(s.formals, name);
        if (f !== undefined) {
          v.level = level;
          v.displ = f.displ!;
          v.withLevels = null;
          return true;
        }
      } else if (s.names !== null) {
        const def = s.names.get(name);
        if (def !== undefined) {
          v.level = s.up === null ? -1 : level;
          v.displ = def.displ!;
          v.withLevels = null;
          return true;
        }
      }
    }
    if (withs === 0) return false;
    // Bound by no scope: the levels of the `with`s around it, innermost first.
    const withLevels = new Array<number>(withs);
    level = 0;
    withs = 0;
    for (let s = scope; s; s = s.up, level++) if (s.isWith) withLevels[withs++] = level;
    v.level = withLevels[0]!;
    v.displ = 0;
    v.withLevels = withLevels;
    return true;
  }

  /** Gives the static attributes of a `let` or `rec` set their indices. */
  function number(e: ExprAttrs): ExprAttrs["attrs"] {
    const attrs = e.attrs;
    let i = 0;
    for (const def of attrs.values()) def.displ = i++;
    return attrs;
  }

  function path(p: readonly AttrName[], scope: Scope): void {
    for (const n of p) if (typeof n !== "string") visit(n, scope);
  }

  function attrs(e: ExprAttrs, outer: Scope, inner: Scope): void {
    if (e.inheritFromExprs !== null) for (const from of e.inheritFromExprs) visit(from, inner);
    for (const def of e.attrs.values()) {
      if (def.kind === "inherited") visit(def.value, outer);
      else if (def.kind === "plain") visit(def.value, inner);
      // `inheritedFrom` values select from an `inheritFromExprs` entry, visited above.
    }
    if (e.dynamicAttrs !== null) {
      for (const d of e.dynamicAttrs) {
        visit(d.name, inner);
        visit(d.value, inner);
      }
    }
  }

  function visit(e: Expr, scope: Scope): void {
    switch (e.kind) {
      case "Int":
      case "Float":
      case "String":
      case "Path":
      case "Pos":
      case "InheritFrom":
        return;
      case "Var":
        if (!lookup(e, scope)) {
          throw new NixError(
            "UndefinedVarError",
            `undefined variable '${e.name}'`,
            e.pos >= 0 ? source.pos(e.pos) : undefined,
          );
        }
        return;
      case "Select":
        visit(e.subject, scope);
        if (e.default) visit(e.default, scope);
        path(e.path, scope);
        return;
      case "OpHasAttr":
        visit(e.subject, scope);
        path(e.path, scope);
        return;
      case "Attrs":
        if (e.recursive) {
          attrs(e, scope, { names: number(e), formals: null, arg: null, isWith: false, up: scope });
        } else attrs(e, scope, scope);
        return;
      case "List":
        for (const x of e.elems) visit(x, scope);
        return;
      case "Lambda": {
        let formals = e.formals === null ? null : e.formals.formals;
        let names: Map<string, Formal> | null = null;
        if (formals !== null) {
          let i = e.arg === null ? 0 : 1;
          for (const f of formals) f.displ = i++;
          if (formals.length > SEARCHED_FORMALS) {
            names = new Map();
            for (const f of formals) names.set(f.name, f);
            formals = null;
          }
        }
        const inner: Scope = { names, formals, arg: e.arg, isWith: false, up: scope };
        if (e.formals !== null)
          for (const f of e.formals.formals) if (f.default) visit(f.default, inner);
        visit(e.body, inner);
        return;
      }
      case "Call":
        visit(e.fn, scope);
        for (const a of e.args) visit(a, scope);
        return;
      case "Let": {
        const inner: Scope = {
          names: number(e.attrs),
          formals: null,
          arg: null,
          isWith: false,
          up: scope,
        };
        attrs(e.attrs, scope, inner);
        visit(e.body, inner);
        return;
      }
      case "With":
        visit(e.attrs, scope);
        visit(e.body, { names: null, formals: null, arg: null, isWith: true, up: scope });
        return;
      case "If":
        visit(e.cond, scope);
        visit(e.then, scope);
        visit(e.else, scope);
        return;
      case "Assert":
        visit(e.cond, scope);
        visit(e.body, scope);
        return;
      case "OpNot":
        visit(e.expr, scope);
        return;
      case "BinOp":
        visit(e.left, scope);
        visit(e.right, scope);
        return;
      case "ConcatStrings":
        for (const p of e.parts) visit(p, scope);
        return;
      default:
        assertNever(e);
    }
  }

  visit(expr, top);
}
