/**
 * Printing values. `printAmbiguous` is what `nix-instantiate --eval` prints (CppNix's
 * print-ambiguous.cc): sets sorted by name, `<CODE>` for unevaluated parts, `<LAMBDA>`,
 * `<PRIMOP>`, `<PRIMOP-APP>`, `«repeated»` for a set or list seen before, floats as C++ prints
 * them. `showValue` prints a value inside an error message (never forcing anything).
 * `printValueRepl` is what `nix repl` prints (CppNix's print.cc with the REPL's options): it
 * forces what it shows, indents, and marks derivations and errors inside a value.
 */

import {
  printAttributeName,
  printIdentifier,
  printLiteralString,
  showFloat,
} from "../lang/printer.js";
import { NixError } from "../lang/errors.js";
import { showPos } from "../lang/source.js";
import type { Evaluator } from "./eval.js";
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
  envSource,
} from "./value.js";

/** `nix-instantiate --eval`'s output for a value (a byte string, without the newline). */
export function printAmbiguous(l: Lazy, seen = new Set<object>()): string {
  let out = "";
  // CppNix remembers a list by the value that holds it (a thunk here), a set by its bindings.
  const go = (x: Lazy, slot: object | null = null): void => {
    if (x instanceof Thunk) {
      if (x.state === ThunkState.Done) return go(x.value as Value, x);
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
      return x.state === ThunkState.Done ? go(x.value as Value, depth) : "\xc2\xabthunk\xc2\xbb";
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
      return `\xc2\xablambda${name} @ ${showPos(envSource(v.env).pos(v.expr.pos))}\xc2\xbb`;
    }
    if (v instanceof PrimOp) return `\xc2\xabprimop ${v.name}\xc2\xbb`;
    if (v instanceof PrimOpApp) return `\xc2\xabpartially applied primop ${v.primOp.name}\xc2\xbb`;
    return printAmbiguous(v);
  };
  return go(l, 0);
}

/** The ANSI colours of CppNix's ansicolor.hh. */
const ansi = {
  normal: "\x1b[0m",
  red: "\x1b[31;1m",
  green: "\x1b[32;1m",
  blue: "\x1b[34;1m",
  magenta: "\x1b[35;1m",
  cyan: "\x1b[36;1m",
} as const;

export interface ReplPrintOptions {
  /** ANSI colours (for a terminal). */
  readonly colors: boolean;
  /** Sets and lists at this depth print as `{ ... }` and `[ ... ]` (nix repl: 1; `:p`: all). */
  readonly maxDepth: number;
}

/**
 * A value as `nix repl` prints it: CppNix's `printValue` with the REPL's options (`force`,
 * `derivationPaths`, `prettyIndent = 2`, `errors = ThrowTopLevel`). Everything printed is forced;
 * a set or list with more than one element, or with one that is itself a set or list, is
 * printed one element a line; a derivation is `«derivation /nix/store/….drv»`; a set or list
 * seen before is `«repeated»`; an error inside the value prints as `«error: MESSAGE»`, one at the
 * top (and a stack overflow or an interruption anywhere) is thrown. Returns a byte string.
 *
 * Two differences from CppNix, on purpose: an empty set is never «repeated» (CppNix shares one
 * empty set, so its second `{ }` shows as «repeated»), and there is no limit on sizes. Pinned by
 * test/repl.test.ts.
 */
export function printValueRepl(ev: Evaluator, l: Lazy, options: ReplPrintOptions): string {
  const { colors, maxDepth } = options;
  let out = "";
  let indent = "";
  const seen = new Set<object>();
  const paint = (color: string, s: string): string => (colors ? color + s + ansi.normal : s);
  /** A space between elements, or a new line and the indentation. */
  const space = (pretty: boolean): void => {
    out += pretty ? "\n" + indent : " ";
  };
  /** CppNix's `shouldPrettyPrintAttrs`/`List`: forces a lone element to see what it is. */
  const pretty = (count: number, first: () => Lazy): boolean => {
    if (count === 0) return false;
    if (count > 1) return true;
    const v = ev.force(first());
    return v instanceof Attrs || Array.isArray(v);
  };
  const isDerivation = (v: Attrs): boolean => {
    const type = v.get("type");
    if (type === undefined) return false;
    const t = ev.force(type);
    return (typeof t === "string" ? t : t instanceof NixString ? t.s : undefined) === "derivation";
  };
  const printDerivation = (v: Attrs): void => {
    const drvPath = v.get("drvPath");
    let shown = "\xc2\xabderivation";
    if (drvPath !== undefined) {
      const p = ev.coerceToString(ev.force(drvPath), new Set(), null, -1);
      if (!p.startsWith(ev.store.storeDir + "/")) {
        throw ev.error("EvalError", `path '${p}' is not in the Nix store`, null);
      }
      shown += " " + p;
    }
    out += paint(ansi.green, shown + "\xc2\xbb");
  };
  const printAttrs = (v: Attrs, depth: number): void => {
    if (v.size > 0 && seen.has(v)) {
      out += paint(ansi.magenta, "\xc2\xabrepeated\xc2\xbb");
      return;
    }
    seen.add(v);
    if (isDerivation(v)) return printDerivation(v);
    if (depth >= maxDepth) {
      out += "{ ... }";
      return;
    }
    indent += "  ";
    out += "{";
    const names = v.names();
    const multiline = pretty(names.length, () => v.get(names[0]!)!);
    for (const name of names) {
      space(multiline);
      out += printAttributeName(name) + " = ";
      print(v.get(name)!, depth + 1);
      out += ";";
    }
    indent = indent.slice(2);
    space(multiline);
    out += "}";
  };
  const printList = (v: Lazy[], key: object, depth: number): void => {
    if (v.length > 0) {
      if (seen.has(key)) {
        out += paint(ansi.magenta, "\xc2\xabrepeated\xc2\xbb");
        return;
      }
      seen.add(key);
    }
    if (depth >= maxDepth) {
      out += "[ ... ]";
      return;
    }
    indent += "  ";
    out += "[";
    const multiline = pretty(v.length, () => v[0]!);
    for (const elem of v) {
      space(multiline);
      print(elem, depth + 1);
    }
    indent = indent.slice(2);
    space(multiline);
    out += "]";
  };
  const print = (x: Lazy, depth: number): void => {
    // A lazily built, endlessly deep value stops here rather than overflowing (as CppNix).
    if (depth > ev.maxCallDepth) {
      const pos = x instanceof Thunk ? ev.pendingPos(x) : undefined;
      throw new NixError("StackOverflowError", "stack overflow; max-call-depth exceeded", pos);
    }
    try {
      const v = ev.force(x);
      if (v === null) out += paint(ansi.cyan, "null");
      else if (typeof v === "boolean") out += paint(ansi.cyan, v ? "true" : "false");
      else if (typeof v === "number" || typeof v === "bigint") out += paint(ansi.cyan, String(v));
      else if (v instanceof NixFloat) out += paint(ansi.cyan, showFloat(v.value));
      else if (typeof v === "string") out += paint(ansi.magenta, printLiteralString(v));
      else if (v instanceof NixString) out += paint(ansi.magenta, printLiteralString(v.s));
      else if (v instanceof NixPath) out += paint(ansi.green, v.path);
      else if (v instanceof Attrs) printAttrs(v, depth);
      else if (Array.isArray(v)) printList(v, x instanceof Thunk ? x : v, depth);
      else if (v instanceof Lambda) {
        const name = v.expr.name === null ? "" : ` ${v.expr.name}`;
        const pos = showPos(envSource(v.env).pos(v.expr.pos));
        out += paint(ansi.blue, `\xc2\xablambda${name} @ ${pos}\xc2\xbb`);
      } else if (v instanceof PrimOp) {
        out += paint(ansi.blue, `\xc2\xabprimop ${v.name}\xc2\xbb`);
      } else {
        out += paint(ansi.blue, `\xc2\xabpartially applied primop ${v.primOp.name}\xc2\xbb`);
      }
    } catch (e) {
      // Errors inside a value are shown in place, except those that must stop everything.
      if (!(e instanceof NixError) || depth === 0) throw e;
      if (e.kind === "StackOverflowError" || e.kind === "Interrupted") throw e;
      out += paint(ansi.red, `\xc2\xaberror: ${e.message}\xc2\xbb`);
    }
  };
  print(l, 0);
  return out;
}
