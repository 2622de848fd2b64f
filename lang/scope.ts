/**
 * Static scope resolution, as CppNix's `bindVars`: every variable is looked up in the lexical
 * scopes around it before anything is evaluated, so that an unbound variable is an error even in
 * code that never runs (`undefined variable 'y'`, also for `nix-instantiate --parse`).
 *
 * Scopes, as CppNix builds them: a `rec { … }` or `let` binds its static names for its plain
 * attribute values, its `inherit (e)` sources and its body; a plain `inherit x;` looks `x` up
 * outside; a lambda binds its argument and formals (defaults see them all); `with e; body` makes
 * every otherwise unbound name in `body` a dynamic lookup. Lexical bindings always win over
 * `with`. The outermost scope holds the global names (builtins, `true`, `null`, …).
 *
 * Pinned by test/lang/parse-fail-undef-var*.
 */

import { assertNever, type AttrName, type Expr, type ExprAttrs } from "./ast.js";
import { NixError } from "./errors.js";
import type { Source } from "./source.js";

/** One shape for every scope, so that `lookup` stays monomorphic. */
interface Scope {
  /** The names bound here; null for a `with`, or for a lambda with only an argument. */
  readonly names: ReadonlyMap<string, unknown> | null;
  /** A lambda's argument (`x` in `x: …`), or null. */
  readonly arg: string | null;
  /** True for `with e; …`: every otherwise unbound name inside is looked up in `e`. */
  readonly isWith: boolean;
  readonly up: Scope | null;
}

/** Checks that every variable of `expr` is bound. Throws "undefined variable 'x'". */
export function checkScopes(expr: Expr, source: Source, globals: ReadonlySet<string>): void {
  const top: Scope = {
    names: new Map([...globals].map((n) => [n, true])),
    arg: null,
    isWith: false,
    up: null,
  };

  function lookup(name: string, scope: Scope | null): boolean {
    let sawWith = false;
    for (let s = scope; s; s = s.up) {
      if (s.isWith) sawWith = true;
      else if (s.arg === name || (s.names !== null && s.names.has(name))) return true;
    }
    return sawWith;
  }

  function path(p: readonly AttrName[], scope: Scope): void {
    for (const n of p) if (typeof n !== "string") visit(n, scope);
  }

  function attrs(e: ExprAttrs, outer: Scope, inner: Scope): void {
    for (const from of e.inheritFromExprs ?? []) visit(from, inner);
    for (const def of e.attrs.values()) {
      if (def.kind === "inherited") visit(def.value, outer);
      else if (def.kind === "plain") visit(def.value, inner);
      // `inheritedFrom` values select from an `inheritFromExprs` entry, visited above.
    }
    for (const d of e.dynamicAttrs) {
      visit(d.name, inner);
      visit(d.value, inner);
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
        if (!lookup(e.name, scope)) {
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
        if (e.recursive) attrs(e, scope, { names: e.attrs, arg: null, isWith: false, up: scope });
        else attrs(e, scope, scope);
        return;
      case "List":
        for (const x of e.elems) visit(x, scope);
        return;
      case "Lambda": {
        let names: Map<string, unknown> | null = null;
        if (e.formals !== null) {
          names = new Map();
          for (const f of e.formals.formals) names.set(f.name, f);
        }
        const inner: Scope = { names, arg: e.arg, isWith: false, up: scope };
        for (const f of e.formals?.formals ?? []) if (f.default) visit(f.default, inner);
        visit(e.body, inner);
        return;
      }
      case "Call":
        visit(e.fn, scope);
        for (const a of e.args) visit(a, scope);
        return;
      case "Let": {
        const inner: Scope = { names: e.attrs.attrs, arg: null, isWith: false, up: scope };
        attrs(e.attrs, scope, inner);
        visit(e.body, inner);
        return;
      }
      case "With":
        visit(e.attrs, scope);
        visit(e.body, { names: null, arg: null, isWith: true, up: scope });
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
