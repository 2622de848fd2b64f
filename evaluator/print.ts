/**
 * Printing values. `printAmbiguous` is what `nix-instantiate --eval` prints (CppNix's
 * print-ambiguous.cc): sets sorted by name, `<CODE>` for unevaluated parts, `<LAMBDA>`,
 * `<PRIMOP>`, `<PRIMOP-APP>`, `«repeated»` for a set or list seen before, floats as C++ prints
 * them. `showValue` prints a value inside an error message (never forcing anything).
 */

import { printIdentifier, printLiteralString, showFloat } from "../lang/printer.js";
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
  const go = (x: Lazy): void => {
    if (x instanceof Thunk) {
      if (x.state === ThunkState.Done) return go(x.value);
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
      if (v.length > 0 && seen.has(v)) out += "\xc2\xabrepeated\xc2\xbb";
      else {
        seen.add(v);
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

/** A value as error messages show it (unevaluated parts as «thunk»), depth-limited. */
export function showValue(l: Lazy, depth = 0): string {
  if (l instanceof Thunk)
    return l.state === ThunkState.Done ? showValue(l.value, depth) : "\xc2\xabthunk\xc2\xbb";
  const v: Value = l;
  if (v instanceof Attrs) {
    if (depth > 0) return "{ ... }";
    let out = "{ ";
    for (const name of v.names())
      out += `${printIdentifier(name)} = ${showValue(v.get(name)!, depth + 1)}; `;
    return out + "}";
  }
  if (Array.isArray(v)) {
    if (depth > 0) return "[ ... ]";
    return "[ " + v.map((x) => showValue(x, depth + 1) + " ").join("") + "]";
  }
  if (v instanceof Lambda) {
    const name = v.expr.name === null ? "" : ` ${v.expr.name}`;
    return `\xc2\xablambda${name} @ ${showPos(v.env.source.pos(v.expr.pos))}\xc2\xbb`;
  }
  if (v instanceof PrimOp) return `\xc2\xabprimop ${v.name}\xc2\xbb`;
  if (v instanceof PrimOpApp) return `\xc2\xabpartially applied primop ${v.primOp.name}\xc2\xbb`;
  return printAmbiguous(v);
}
