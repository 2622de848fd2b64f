/**
 * Printing values. `printAmbiguous` is what `nix-instantiate --eval` prints (CppNix's
 * print-ambiguous.cc): sets sorted by name, `<CODE>` for unevaluated parts, `<LAMBDA>`,
 * `<PRIMOP>`, `<PRIMOP-APP>`, `«repeated»` for a set or list seen before, floats as C++ prints
 * them. `showValue` prints a value inside an error message (never forcing anything).
 */

import {
  printAttributeName,
  printIdentifier,
  printLiteralString,
  showFloat,
} from "../lang/printer.js";
import { showPos } from "../lang/source.js";
import { Thunk, ThunkState } from "./thunk.js";
import {
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

/** `nix-instantiate --eval`'s output for a value (a byte string, without the newline). */
export function printAmbiguous(l: Lazy, seen = new Set<object>()): string {
  let out = "";
  // CppNix remembers a list by the value that holds it (a thunk here), a set by its bindings.
  const go = (x: Lazy, slot: object | null = null): void => {
    if (x instanceof Thunk) {
      if (x.state === ThunkState.Done) return go(x.value, x);
      out +=
        x.state === ThunkState.Blackhole
          ? "\xc2\xabpotential infinite recursion\xc2\xbb"
          : "<CODE>";
      return;
    }
    const v: Value = x;
    if (v === null) out += "null";
    else if (typeof v === "boolean") out += v ? "true" : "false";
    else if (typeof v === "number" || typeof v === "bigint") out += String(v);
    else if (typeof v === "string") out += printLiteralString(v);
    else if (v instanceof NixString) out += printLiteralString(v.s);
    else if (v instanceof NixFloat) out += showFloat(v.value);
    else if (v instanceof NixPath) out += v.path;
    else if (v instanceof Attrs) {
      if (v.size > 0 && seen.has(v)) out += "\xc2\xabrepeated\xc2\xbb";
      else {
        seen.add(v);
        out += "{ ";
        for (const name of v.names()) {
          out += printIdentifier(name) + " = ";
          go(v.get(name)!);
          out += "; ";
        }
        out += "}";
      }
    } else if (Array.isArray(v)) {
      const key = slot ?? v;
      if (v.length > 0 && seen.has(key)) out += "\xc2\xabrepeated\xc2\xbb";
      else {
        seen.add(key);
        out += "[ ";
        for (const elem of v) {
          go(elem);
          out += " ";
        }
        out += "]";
      }
    } else if (v instanceof Lambda) out += "<LAMBDA>";
    else if (v instanceof PrimOp) out += "<PRIMOP>";
    else if (v instanceof PrimOpApp) out += "<PRIMOP-APP>";
  };
  go(l);
  return out;
}

/**
 * A value as CppNix's `ValuePrinter` shows it in error messages (`errorPrintOptions`): nothing
 * is forced (unevaluated parts are «thunk»), depth at most 10, at most 10 attributes and 10 list
 * items in all (the rest «N … elided»), `type`/`_type` first, strings cut at 1024 bytes.
 */
export function showValue(l: Lazy): string {
  const maxDepth = 10;
  const maxAttrs = 10;
  const maxItems = 10;
  const maxString = 1024;
  let attrsPrinted = 0;
  let itemsPrinted = 0;
  const seen = new Set<object>();
  const elided = (n: number, one: string, many: string): string =>
    `\xc2\xab${n} ${n === 1 ? one : many} elided\xc2\xbb`;
  const str = (s: string): string =>
    s.length > maxString
      ? printLiteralString(s.slice(0, maxString)) +
        " " +
        elided(s.length - maxString, "byte", "bytes")
      : printLiteralString(s);
  const go = (x: Lazy, depth: number): string => {
    if (x instanceof Thunk) {
      return x.state === ThunkState.Done ? go(x.value, depth) : "\xc2\xabthunk\xc2\xbb";
    }
    const v: Value = x;
    if (v instanceof Attrs) {
      if (seen.has(v)) return "\xc2\xabrepeated\xc2\xbb";
      seen.add(v);
      if (depth >= maxDepth) return "{ ... }";
      const important = (n: string): boolean => n === "type" || n === "_type";
      const names = [...v.names()].sort((a, b) =>
        important(a) !== important(b) ? (important(a) ? -1 : 1) : a < b ? -1 : a > b ? 1 : 0,
      );
      let out = "{";
      let printed = 0;
      for (const name of names) {
        if (attrsPrinted >= maxAttrs) {
          out += " " + elided(names.length - printed, "attribute", "attributes");
          break;
        }
        out += ` ${printAttributeName(name)} = ${go(v.get(name)!, depth + 1)};`;
        attrsPrinted++;
        printed++;
      }
      return out + " }";
    }
    if (Array.isArray(v)) {
      if (v.length > 0 && seen.has(v)) return "\xc2\xabrepeated\xc2\xbb";
      seen.add(v);
      if (depth >= maxDepth) return "[ ... ]";
      let out = "[";
      let printed = 0;
      for (const elem of v) {
        if (itemsPrinted >= maxItems) {
          out += " " + elided(v.length - printed, "item", "items");
          break;
        }
        out += " " + go(elem, depth + 1);
        itemsPrinted++;
        printed++;
      }
      return out + " ]";
    }
    if (typeof v === "string") return str(v);
    if (v instanceof NixString) return str(v.s);
    if (v instanceof Lambda) {
      const name = v.expr.name === null ? "" : ` ${v.expr.name}`;
      return `\xc2\xablambda${name} @ ${showPos(v.env.source.pos(v.expr.pos))}\xc2\xbb`;
    }
    if (v instanceof PrimOp) return `\xc2\xabprimop ${v.name}\xc2\xbb`;
    if (v instanceof PrimOpApp) return `\xc2\xabpartially applied primop ${v.primOp.name}\xc2\xbb`;
    return printAmbiguous(v);
  };
  return go(l, 0);
}
