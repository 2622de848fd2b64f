/**
 * The AST as JSON, for tools and editors (`tsnix parse FILE --json`): every node is an object
 * with its `kind`, its `span` (file, and line, column and offset of its start and end) and its
 * fields; attribute sets list their bindings in definition order. Desugarings are those of the
 * AST (see ast.ts), so the JSON shows what the evaluator sees.
 */

import { assertNever, type AttrName, type Expr } from "./ast.js";
import { showOrigin, type Source } from "./source.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function astToJson(expr: Expr, source: Source): Json {
  const file = showOrigin(source.origin);
  const point = (offset: number): Json => {
    const p = source.pos(offset);
    return { line: p.line, column: p.column, offset };
  };
  const span = (e: Expr): Json =>
    e.start < 0 ? null : { file, start: point(e.start), end: point(e.end) };
  const pathJson = (p: readonly AttrName[]): Json[] =>
    p.map((n) => (typeof n === "string" ? n : { dynamic: node(n) }));

  function node(e: Expr): Json {
    const base = { kind: e.kind, span: span(e) };
    switch (e.kind) {
      case "Int":
        return { ...base, value: typeof e.value === "bigint" ? e.value.toString() : e.value };
      case "Float":
        return { ...base, value: e.value };
      case "String":
      case "Path":
        return { ...base, value: e.value };
      case "Var":
        return { ...base, name: e.name };
      case "Pos":
        return base;
      case "InheritFrom":
        return { ...base, index: e.displacement };
      case "Select":
        return {
          ...base,
          subject: node(e.subject),
          path: pathJson(e.path),
          default: e.default ? node(e.default) : null,
        };
      case "OpHasAttr":
        return { ...base, subject: node(e.subject), path: pathJson(e.path) };
      case "Attrs":
        return {
          ...base,
          recursive: e.recursive,
          attrs: [...e.attrs].map(([name, def]) => ({
            name,
            kind: def.kind,
            value: node(def.value),
            position: point(def.pos),
          })),
          dynamicAttrs: (e.dynamicAttrs ?? []).map((d) => ({
            name: node(d.name),
            value: node(d.value),
          })),
          inheritFrom: (e.inheritFromExprs ?? []).map(node),
        };
      case "List":
        return { ...base, elems: e.elems.map(node) };
      case "Lambda":
        return {
          ...base,
          arg: e.arg,
          formals: e.formals
            ? {
                ellipsis: e.formals.ellipsis,
                formals: e.formals.formals.map((f) => ({
                  name: f.name,
                  default: f.default ? node(f.default) : null,
                })),
              }
            : null,
          body: node(e.body),
        };
      case "Call":
        return { ...base, fn: node(e.fn), args: e.args.map(node) };
      case "Let":
        return { ...base, attrs: node(e.attrs), body: node(e.body) };
      case "With":
        return { ...base, attrs: node(e.attrs), body: node(e.body) };
      case "If":
        return { ...base, cond: node(e.cond), then: node(e.then), else: node(e.else) };
      case "Assert":
        return { ...base, cond: node(e.cond), body: node(e.body) };
      case "OpNot":
        return { ...base, expr: node(e.expr) };
      case "BinOp":
        return { ...base, op: e.op, left: node(e.left), right: node(e.right) };
      case "ConcatStrings":
        return { ...base, forceString: e.forceString, parts: e.parts.map(node) };
      default:
        return assertNever(e);
    }
  }
  return node(expr);
}
