/**
 * `toXML` and `nix-instantiate --xml`, as CppNix's value-to-xml.cc and XMLWriter write them:
 * two-space indentation, element attributes in sorted order (an `std::map`), `&quot;` `&lt;`
 * `&gt;` `&amp;` and `&#xA;` escaped, sets as `<attrs>` of `<attr name=…>` (with `column`,
 * `line` and, for files, `path` when locations are wanted), derivations once each, functions
 * as `<function>` with their patterns, unforced values as `<unevaluated />`.
 */

import type { Evaluator } from "../evaluator/eval.js";
import { Thunk, ThunkState } from "../evaluator/thunk.js";
import {
  Attrs,
  Lambda,
  NixFloat,
  NixPath,
  NixString,
  type AttrPosition,
  type Lazy,
  type Value,
  envSource,
} from "../evaluator/value.js";
import { showFloat } from "../lang/printer.js";
import type { Builtin, CallSite } from "./registry.js";

function escapeAttr(s: string): string {
  let out = "";
  for (const c of s) {
    out +=
      c === '"'
        ? "&quot;"
        : c === "<"
          ? "&lt;"
          : c === ">"
            ? "&gt;"
            : c === "&"
              ? "&amp;"
              : c === "\n"
                ? "&#xA;"
                : c;
  }
  return out;
}

function attrsText(attrs: Record<string, string>): string {
  return Object.keys(attrs)
    .sort()
    .map((k) => ` ${k}="${escapeAttr(attrs[k]!)}"`)
    .join("");
}

/** Writes `v` as Nix's XML. `strict` forces what it reaches; `location` adds positions. */
export function toXML(
  ev: Evaluator,
  site: CallSite,
  l: Lazy,
  strict: boolean,
  location: boolean,
  context: Set<string>,
): string {
  let out = "<?xml version='1.0' encoding='utf-8'?>\n<expr>\n";
  const drvsSeen = new Set<string>();
  const empty = (depth: number, name: string, attrs: Record<string, string> = {}): void => {
    out += `${"  ".repeat(depth)}<${name}${attrsText(attrs)} />\n`;
  };
  const open = (depth: number, name: string, attrs: Record<string, string> = {}): void => {
    out += `${"  ".repeat(depth)}<${name}${attrsText(attrs)}>\n`;
  };
  const close = (depth: number, name: string): void => {
    out += `${"  ".repeat(depth)}</${name}>\n`;
  };
  const posAttrs = (attrs: Record<string, string>, p: AttrPosition | undefined): void => {
    if (!location || !p) return;
    const pos = p.source.pos(p.offset);
    if (p.source.origin.kind === "file") attrs["path"] = p.source.origin.path;
    attrs["line"] = String(pos.line);
    attrs["column"] = String(pos.column);
  };
  const showAttrs = (set: Attrs, depth: number): void => {
    for (const name of set.names()) {
      const attrs: Record<string, string> = { name };
      posAttrs(attrs, set.position(name));
      open(depth, "attr", attrs);
      go(set.get(name)!, depth + 1);
      close(depth, "attr");
    }
  };
  const stringOf = (v: Value): string | undefined =>
    typeof v === "string" ? v : v instanceof NixString ? v.s : undefined;
  const go = (x: Lazy, depth: number): void =>
    ev.withCallDepth(site.env, site.pos, () => {
      if (x instanceof Thunk && x.state !== ThunkState.Done && !strict) {
        empty(depth, "unevaluated");
        return;
      }
      const v = ev.force(x);
      if (v === null) empty(depth, "null");
      else if (typeof v === "boolean") empty(depth, "bool", { value: v ? "true" : "false" });
      else if (typeof v === "number" || typeof v === "bigint")
        empty(depth, "int", { value: String(v) });
      else if (v instanceof NixFloat) empty(depth, "float", { value: showFloat(v.value) });
      else if (typeof v === "string") empty(depth, "string", { value: v });
      else if (v instanceof NixString) {
        for (const c of v.context) context.add(c);
        empty(depth, "string", { value: v.s });
      } else if (v instanceof NixPath) empty(depth, "path", { value: v.path });
      else if (v instanceof Attrs) {
        const type = v.get("type");
        const isDrv = type !== undefined && stringOf(ev.force(type)) === "derivation";
        if (isDrv) {
          const attrs: Record<string, string> = {};
          let drvPath = "";
          for (const name of ["drvPath", "outPath"]) {
            const a = v.get(name);
            if (a === undefined) continue;
            const s = stringOf(
              strict
                ? ev.force(a)
                : a instanceof Thunk
                  ? a.state === ThunkState.Done
                    ? (a.value as Value)
                    : null
                  : a,
            );
            if (s !== undefined) {
              attrs[name] = s;
              if (name === "drvPath") drvPath = s;
            }
          }
          open(depth, "derivation", attrs);
          if (drvPath !== "" && !drvsSeen.has(drvPath)) {
            drvsSeen.add(drvPath);
            showAttrs(v, depth + 1);
          } else empty(depth + 1, "repeated");
          close(depth, "derivation");
        } else {
          open(depth, "attrs");
          showAttrs(v, depth + 1);
          close(depth, "attrs");
        }
      } else if (Array.isArray(v)) {
        open(depth, "list");
        for (const elem of v) go(elem, depth + 1);
        close(depth, "list");
      } else if (v instanceof Lambda) {
        const attrs: Record<string, string> = {};
        posAttrs(attrs, { source: envSource(v.env), offset: v.expr.pos });
        open(depth, "function", attrs);
        const formals = v.expr.formals;
        if (formals) {
          const pat: Record<string, string> = {};
          if (v.expr.arg !== null) pat["name"] = v.expr.arg;
          if (formals.ellipsis) pat["ellipsis"] = "1";
          open(depth + 1, "attrspat", pat);
          for (const name of formals.formals.map((f) => f.name).sort())
            empty(depth + 2, "attr", { name });
          close(depth + 1, "attrspat");
        } else empty(depth + 1, "varpat", { name: v.expr.arg! });
        close(depth, "function");
      } else empty(depth, "unevaluated");
    });
  go(l, 1);
  return out + "</expr>\n";
}

export const xmlBuiltins: Builtin[] = [
  {
    name: "toXML",
    arity: 1,
    doc: "The XML representation of *e* (as `nix-instantiate --eval --xml` writes it).\n\n    builtins.toXML { a = 1; }",
    impl: (ev, [e], site) => {
      const context = new Set<string>();
      const s = toXML(ev, site, e!, true, false, context);
      return context.size === 0 ? s : new NixString(s, context);
    },
  },
];
