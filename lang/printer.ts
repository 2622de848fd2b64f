/**
 * Prints an AST the way `nix-instantiate --parse` does (CppNix's `Expr::show`): fully
 * parenthesised, bindings sorted by name (inherits first, then `inherit (e)` groups in source
 * order, then plain, then dynamic), formals sorted, attribute names and variables quoted when
 * they are not plain identifiers or are keywords, floats as C++ `ostream` prints them (`%g`,
 * six significant digits). Pinned by test/lang/parse-okay-*.
 */

import {
  assertNever,
  type AttrDef,
  type AttrName,
  type DynamicAttrDef,
  type Expr,
  type ExprAttrs,
} from "./ast.js";
import { bytesToByteString } from "./source.js";

/**
 * Whether `s` is one of Nix's reserved words (`if then else assert with let in rec inherit`):
 * attribute names equal to them are printed quoted. By length first: most names are no keyword.
 */
function isReservedKeyword(s: string): boolean {
  switch (s.length) {
    case 2:
      return s === "if" || s === "in";
    case 3:
      return s === "let" || s === "rec";
    case 4:
      return s === "then" || s === "else" || s === "with";
    case 6:
      return s === "assert";
    case 7:
      return s === "inherit";
    default:
      return false;
  }
}

/** CppNix's `printLiteralString`: `"…"` with `"`, `\`, newline, CR, tab and `${` escaped. */
export function printLiteralString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 34) esc = '\\"';
    else if (c === 92) esc = "\\\\";
    else if (c === 10) esc = "\\n";
    else if (c === 13) esc = "\\r";
    else if (c === 9) esc = "\\t";
    else if (c === 36 && s.charCodeAt(i + 1) === 123) esc = "\\$";
    if (esc !== undefined) {
      out += s.slice(from, i) + esc;
      from = i + 1;
    }
  }
  return out + s.slice(from) + '"';
}

// 1: may start an identifier ([a-zA-Z_]); 2: may continue one ([a-zA-Z0-9_'-]).
const identChar = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  if (/[a-zA-Z_]/.test(ch)) identChar[c] = 3;
  else if (/[0-9'-]/.test(ch)) identChar[c] = 2;
}

/** Whether `s` has the form of an identifier: `[a-zA-Z_][a-zA-Z0-9_'-]*`. */
function isIdentifierLike(s: string): boolean {
  if (s.length === 0 || !(identChar[s.charCodeAt(0)]! & 1)) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || !(identChar[c]! & 2)) return false;
  }
  return true;
}

/** CppNix's `printIdentifier`: a symbol as it prints in an AST or an attribute path. */
export function printIdentifier(s: string): string {
  if (s === "") return '""';
  if (isReservedKeyword(s)) return `"${s}"`;
  return isIdentifierLike(s) ? s : printLiteralString(s);
}

/** CppNix's `printAttributeName` (value printer): a plain name unless it must be quoted. */
export function printAttributeName(s: string): string {
  return isIdentifierLike(s) && !isReservedKeyword(s) ? s : printLiteralString(s);
}

/** A double as C++'s `std::ostream << double` prints it (`%g`, precision 6). */
export function showFloat(x: number): string {
  if (Number.isNaN(x)) return x < 0 ? "-nan" : "nan";
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mantissa, expStr] = x.toExponential(5).split("e") as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const m = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
    const sign = exp < 0 ? "-" : "+";
    return `${m}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const fixed = x.toFixed(Math.max(0, 5 - exp));
  return fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
}

/** CppNix's `showAttrSelectionPath`: `a.b."c d".${…}`. */
export function showAttrPath(path: readonly AttrName[]): string {
  return path
    .map((n) => (typeof n === "string" ? printIdentifier(n) : `"\${${showExpr(n)}}"`))
    .join(".");
}

/** Codes of the punctuation the printer writes (a `const enum`: inlined as numbers). */
const enum Ch {
  Space = 32,
  LParen = 40,
  RParen = 41,
  Comma = 44,
  Dot = 46,
  Colon = 58,
  Semi = 59,
  LBracket = 91,
  RBracket = 93,
  LBrace = 123,
  RBrace = 125,
}

/** The character after the backslash that escapes a byte in a string literal (0: none). */
const escapes = new Uint8Array(256);
escapes[34] = 34; // "
escapes[92] = 92; // \
escapes[10] = 110; // n
escapes[13] = 114; // r
escapes[9] = 116; // t
escapes[36] = 36; // $, before {

/**
 * Output as bytes in a growing buffer: printing a 10 MB AST builds no intermediate strings
 * (joining an array of pieces, or concatenating ropes, cost 20-35% of `--parse` in GC).
 */
class Out {
  private buf: Uint8Array;
  private n = 0;

  constructor(sizeHint: number) {
    this.buf = new Uint8Array(Math.max(sizeHint, 1 << 16));
  }

  /** Makes room for `len` more bytes. */
  private grow(len: number): void {
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.n + len));
    bigger.set(this.buf.subarray(0, this.n));
    this.buf = bigger;
  }

  push(s: string): void {
    const len = s.length;
    if (this.n + len > this.buf.length) this.grow(len);
    const b = this.buf;
    let n = this.n;
    for (let i = 0; i < len; i++) b[n++] = s.charCodeAt(i);
    this.n = n;
  }

  /** One ASCII character, by its code: punctuation needs no loop over a string. */
  byte(c: number): void {
    if (this.n === this.buf.length) this.grow(1);
    this.buf[this.n++] = c;
  }

  /** Two ASCII characters, by their codes (`"; "`, `"{ "`, …). */
  bytes2(c: number, d: number): void {
    if (this.n + 2 > this.buf.length) this.grow(2);
    const b = this.buf;
    b[this.n] = c;
    b[this.n + 1] = d;
    this.n += 2;
  }

  /** `printIdentifier(s)`, written directly: a plain identifier needs no intermediate string. */
  pushIdentifier(s: string): void {
    // Copy it while checking that it is a plain identifier; the common case.
    const len = s.length;
    if (this.n + len > this.buf.length) this.grow(len);
    const b = this.buf;
    let n = this.n;
    let plain = len > 0 && (identChar[s.charCodeAt(0)]! & 1) !== 0;
    for (let i = 0; plain && i < len; i++) {
      const c = s.charCodeAt(i);
      plain = (identChar[c]! & 2) !== 0;
      b[n++] = c;
    }
    if (plain && !isReservedKeyword(s)) this.n = n;
    else if (s === "") this.push('""');
    else if (isReservedKeyword(s)) this.push(`"${s}"`);
    else this.pushLiteralString(s);
  }

  /** `showAttrPath(path)`, written directly. */
  pushAttrPath(path: readonly AttrName[]): void {
    for (let i = 0; i < path.length; i++) {
      if (i > 0) this.byte(Ch.Dot);
      const n = path[i]!;
      if (typeof n === "string") this.pushIdentifier(n);
      else {
        this.push('"${');
        show(n, this);
        this.push('}"');
      }
    }
  }

  /** `printLiteralString(s)`, written directly. */
  pushLiteralString(s: string): void {
    const len = s.length;
    // At most two bytes per character, and the quotes.
    if (this.n + 2 * len + 2 > this.buf.length) this.grow(2 * len + 2);
    const b = this.buf;
    let n = this.n;
    b[n++] = 34;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      const e = escapes[c];
      if (!e || (c === 36 && (i + 1 === len || s.charCodeAt(i + 1) !== 123))) b[n++] = c;
      else {
        b[n++] = 92;
        b[n++] = e;
      }
    }
    b[n++] = 34;
    this.n = n;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }
}

/** The text `nix-instantiate --parse` prints for an expression (a byte string). */
export function showExpr(e: Expr): string {
  return bytesToByteString(showExprBytes(e));
}

/**
 * The same as bytes, followed by `suffix` (for writing straight to an output). `sizeHint`: the
 * expected size (the source's: an AST prints about as long as its source), to allocate once.
 */
export function showExprBytes(e: Expr, suffix = "", sizeHint = 0): Uint8Array {
  const out = new Out(sizeHint);
  show(e, out);
  out.push(suffix);
  return out.bytes();
}

function show(e: Expr, out: Out): void {
  // Cases in order of frequency: V8 tests them one by one.
  switch (e.kind) {
    case "Var":
      out.pushIdentifier(e.name);
      return;
    case "String":
      out.pushLiteralString(e.value);
      return;
    case "Select":
      out.byte(Ch.LParen);
      show(e.subject, out);
      out.bytes2(Ch.RParen, Ch.Dot);
      out.pushAttrPath(e.path);
      if (e.default) {
        out.push(" or (");
        show(e.default, out);
        out.byte(Ch.RParen);
      }
      return;
    case "Call":
      out.byte(Ch.LParen);
      show(e.fn, out);
      for (const a of e.args) {
        out.byte(Ch.Space);
        show(a, out);
      }
      out.byte(Ch.RParen);
      return;
    case "Attrs":
      if (e.recursive) out.push("rec ");
      out.bytes2(Ch.LBrace, Ch.Space);
      showBindings(e, out);
      out.byte(Ch.RBrace);
      return;
    case "List":
      out.bytes2(Ch.LBracket, Ch.Space);
      for (const x of e.elems) {
        out.byte(Ch.LParen);
        show(x, out);
        out.bytes2(Ch.RParen, Ch.Space);
      }
      out.byte(Ch.RBracket);
      return;
    case "ConcatStrings": {
      out.byte(Ch.LParen);
      let first = true;
      for (const p of e.parts) {
        if (!first) out.push(" + ");
        first = false;
        show(p, out);
      }
      out.byte(Ch.RParen);
      return;
    }
    case "Lambda": {
      out.byte(Ch.LParen);
      if (e.formals) {
        out.bytes2(Ch.LBrace, Ch.Space);
        const sorted = [...e.formals.formals].sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
        );
        let first = true;
        for (const f of sorted) {
          if (!first) out.bytes2(Ch.Comma, Ch.Space);
          first = false;
          out.pushIdentifier(f.name);
          if (f.default) {
            out.push(" ? ");
            show(f.default, out);
          }
        }
        if (e.formals.ellipsis) out.push(first ? "..." : ", ...");
        out.bytes2(Ch.Space, Ch.RBrace);
        if (e.arg !== null) out.push(" @ ");
      }
      if (e.arg !== null) out.pushIdentifier(e.arg);
      out.bytes2(Ch.Colon, Ch.Space);
      show(e.body, out);
      out.byte(Ch.RParen);
      return;
    }
    case "Int":
      out.push(String(e.value));
      return;
    case "Path":
      out.push(e.value);
      return;
    case "If":
      out.push("(if ");
      show(e.cond, out);
      out.push(" then ");
      show(e.then, out);
      out.push(" else ");
      show(e.else, out);
      out.byte(Ch.RParen);
      return;
    case "BinOp":
      out.byte(Ch.LParen);
      show(e.left, out);
      out.push(` ${e.op} `);
      show(e.right, out);
      out.byte(Ch.RParen);
      return;
    case "OpNot":
      out.push("(! ");
      show(e.expr, out);
      out.byte(Ch.RParen);
      return;
    case "Let":
      out.push("(let ");
      showBindings(e.attrs, out);
      out.push("in ");
      show(e.body, out);
      out.byte(Ch.RParen);
      return;
    case "With":
      out.push("(with ");
      show(e.attrs, out);
      out.bytes2(Ch.Semi, Ch.Space);
      show(e.body, out);
      out.byte(Ch.RParen);
      return;
    case "OpHasAttr":
      out.bytes2(Ch.LParen, Ch.LParen);
      show(e.subject, out);
      out.push(") ? ");
      out.pushAttrPath(e.path);
      out.byte(Ch.RParen);
      return;
    case "Assert":
      out.push("assert ");
      show(e.cond, out);
      out.bytes2(Ch.Semi, Ch.Space);
      show(e.body, out);
      return;
    case "Float":
      out.push(showFloat(e.value));
      return;
    case "Pos":
      out.push("__curPos");
      return;
    case "InheritFrom":
      return;
    default:
      assertNever(e);
  }
}

/**
 * The first three bytes of a byte string as a number that orders as the string does (bytewise,
 * a prefix first), up to ties: comparing these is much cheaper than comparing strings.
 */
function prefixKey(s: string): number {
  const n = s.length;
  const c0 = n > 0 ? s.charCodeAt(0) + 1 : 0;
  const c1 = n > 1 ? s.charCodeAt(1) + 1 : 0;
  const c2 = n > 2 ? s.charCodeAt(2) + 1 : 0;
  return (c0 << 18) | (c1 << 9) | c2;
}

/** `prefixKey` of each name being sorted (sorting finishes before anything nested prints). */
let sortKeys = new Int32Array(256);

/**
 * Sorts `names` bytewise (byte strings compare by char code, so `<` is bytewise: the order CppNix
 * uses), moving `defs[i]` along with `names[i]`. Most sets are small, where an insertion sort
 * beats `Array.prototype.sort`; names mostly differ in their first bytes, which `prefixKey`
 * compares without comparing strings (sorting was a third of printing the bench file).
 */
function sortBindings(names: string[], defs: AttrDef[]): void {
  const n = names.length;
  if (n > sortKeys.length) sortKeys = new Int32Array(n * 2);
  const keys = sortKeys;
  for (let i = 0; i < n; i++) keys[i] = prefixKey(names[i]!);
  if (n > 24) return sortManyBindings(names, defs, keys);
  for (let i = 1; i < n; i++) {
    const x = names[i]!;
    const d = defs[i]!;
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && (keys[j]! > k || (keys[j] === k && names[j]! > x))) {
      names[j + 1] = names[j]!;
      defs[j + 1] = defs[j]!;
      keys[j + 1] = keys[j]!;
      j--;
    }
    names[j + 1] = x;
    defs[j + 1] = d;
    keys[j + 1] = k;
  }
}

/**
 * `sortBindings` for a big set, with `Array.prototype.sort`. Apart, so that V8 does not compile
 * it into `sortBindings` for the many small sets (it took longer to compile than to run).
 */
function sortManyBindings(names: string[], defs: AttrDef[], keys: Int32Array): void {
  const n = names.length;
  const order = names.map((_, i) => i);
  order.sort((a, b) => keys[a]! - keys[b]! || (names[a]! < names[b]! ? -1 : 1));
  const sortedNames = order.map((i) => names[i]!);
  const sortedDefs = order.map((i) => defs[i]!);
  for (let i = 0; i < n; i++) {
    names[i] = sortedNames[i]!;
    defs[i] = sortedDefs[i]!;
  }
}

function showBindings(e: ExprAttrs, out: Out): void {
  const names = [...e.attrs.keys()];
  const defs = [...e.attrs.values()];
  sortBindings(names, defs);
  let plain = 0;
  for (let i = 0; i < defs.length; i++) if (defs[i]!.kind === "plain") plain++;
  if (plain < defs.length) showInherits(e, names, defs, out);
  if (plain > 0) {
    for (let i = 0; i < names.length; i++) {
      const def = defs[i]!;
      if (def.kind !== "plain") continue;
      out.pushIdentifier(names[i]!);
      out.push(" = ");
      show(def.value, out);
      out.bytes2(Ch.Semi, Ch.Space);
    }
  }
  if (e.dynamicAttrs !== null) showDynamicAttrs(e.dynamicAttrs, out);
}

/** The `"${…}" = …;` bindings of a set (apart from `showBindings`: most sets have none). */
function showDynamicAttrs(dynamicAttrs: readonly DynamicAttrDef[], out: Out): void {
  for (const d of dynamicAttrs) {
    out.push('"${');
    show(d.name, out);
    out.push('}" = ');
    show(d.value, out);
    out.bytes2(Ch.Semi, Ch.Space);
  }
}

/**
 * The `inherit` bindings of a set (sorted `names`, `defs`): plain ones first, then
 * `inherit (e) …` groups in source order. Apart from `showBindings`, which stays small.
 */
function showInherits(e: ExprAttrs, names: string[], defs: AttrDef[], out: Out): void {
  let inherits: string[] | null = null;
  let inheritsFrom: Map<number, string[]> | null = null;
  for (let i = 0; i < names.length; i++) {
    const def = defs[i]!;
    if (def.kind === "inherited") (inherits ??= []).push(names[i]!);
    else if (def.kind === "inheritedFrom" && def.value.kind === "Select") {
      const from = def.value.subject;
      const displ = from.kind === "InheritFrom" ? from.displacement : 0;
      inheritsFrom ??= new Map();
      let list = inheritsFrom.get(displ);
      if (!list) inheritsFrom.set(displ, (list = []));
      list.push(names[i]!);
    }
  }
  if (inherits) {
    out.push("inherit");
    for (const n of inherits) {
      out.byte(Ch.Space);
      out.pushIdentifier(n);
    }
    out.bytes2(Ch.Semi, Ch.Space);
  }
  if (inheritsFrom) {
    for (const displ of [...inheritsFrom.keys()].sort((a, b) => a - b)) {
      out.push("inherit (");
      show(e.inheritFromExprs![displ]!, out);
      out.byte(Ch.RParen);
      for (const n of inheritsFrom.get(displ)!) {
        out.byte(Ch.Space);
        out.pushIdentifier(n);
      }
      out.bytes2(Ch.Semi, Ch.Space);
    }
  }
}
