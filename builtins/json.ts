/**
 * `toJSON` and `fromJSON`, byte for byte as CppNix (which uses nlohmann::json):
 *
 * - Sets are written with sorted keys; a set with `__toString` or `outPath` is written as what
 *   it coerces to (CppNix's `peelToStringOutPath`); functions are an error.
 * - Floats are written as nlohmann's `dump` writes them: the shortest digits that round-trip,
 *   `100.0` for integral values, `0.001` down to 1e-4, exponents as `1e-07`/`1e+21`.
 * - Strings are escaped as nlohmann does (`\n`, `\u001f`, …), other bytes are written as they
 *   are, and must be valid UTF-8 (CppNix's serialization error otherwise).
 * - `fromJSON` turns `\uXXXX` escapes (and surrogate pairs) into UTF-8 bytes, integers into
 *   64-bit ints (an error beyond), other numbers into floats; the last of duplicate keys wins.
 */

import type { Evaluator } from "../evaluator/eval.js";
import {
  nixInt,
  Attrs,
  Lambda,
  NixFloat,
  NixPath,
  NixString,
  PrimOp,
  PrimOpApp,
  showType,
  type Lazy,
  type Value,
} from "../evaluator/value.js";
import { Thunk, ThunkState } from "../evaluator/thunk.js";
import { inContext } from "./args.js";
import type { Builtin, CallSite } from "./registry.js";

/** nlohmann's number format for a double. */
export function jsonFloat(x: number): string {
  if (!Number.isFinite(x)) return "null";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mant, expStr] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const k = digits.length;
  const n = Number(expStr) + 1; // position of the decimal point
  if (k <= n && n <= 15) return sign + digits + "0".repeat(n - k) + ".0";
  if (0 < n && n <= 15) return sign + digits.slice(0, n) + "." + digits.slice(n);
  if (-4 < n && n <= 0) return sign + "0." + "0".repeat(-n) + digits;
  const e = n - 1;
  const exp = (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
  return sign + (k === 1 ? digits : digits[0] + "." + digits.slice(1)) + "e" + exp;
}

/** Index of the first byte that is not part of valid UTF-8, or -1. */
function invalidUtf8(s: string): number {
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      i++;
      continue;
    }
    const len =
      c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > s.length) return i;
    for (let j = 1; j < len; j++) {
      const d = s.charCodeAt(i + j);
      if (d < 0x80 || d > 0xbf) return i + j;
    }
    const d1 = s.charCodeAt(i + 1);
    if (
      (c === 0xe0 && d1 < 0xa0) ||
      (c === 0xed && d1 > 0x9f) ||
      (c === 0xf0 && d1 < 0x90) ||
      (c === 0xf4 && d1 > 0x8f)
    ) {
      return i + 1;
    }
    i += len;
  }
  return -1;
}

function jsonString(ev: Evaluator, site: CallSite, s: string): string {
  const bad = invalidUtf8(s);
  if (bad !== -1) {
    const byte = s.charCodeAt(bad).toString(16).toUpperCase().padStart(2, "0");
    throw ev.error(
      "EvalError",
      `JSON serialization error: [json.exception.type_error.316] invalid UTF-8 byte at index ${bad}: 0x${byte}`,
      site.env,
      site.pos,
    );
  }
  return jsonEscape(s);
}

/** nlohmann's `dump()` of a (valid UTF-8) byte string: quoted, control characters escaped. */
export function jsonEscape(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20) out += s[i];
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else out += "\\u" + c.toString(16).padStart(4, "0");
  }
  return out + '"';
}

/**
 * CppNix's `printValueAsJSON`, collecting string context. Not `strict` (`--json` without
 * `--strict`), a value not evaluated yet is an error, as in CppNix.
 */
export function toJSON(
  ev: Evaluator,
  site: CallSite,
  l: Lazy,
  context: Set<string>,
  strict = true,
): string {
  return ev.withCallDepth(site.env, site.pos, () => toJSONValue(ev, site, l, context, strict));
}

function toJSONValue(
  ev: Evaluator,
  site: CallSite,
  l: Lazy,
  context: Set<string>,
  strict: boolean,
): string {
  if (!strict && l instanceof Thunk && l.state !== ThunkState.Done) {
    throw ev.error("TypeError", "cannot convert a thunk to JSON", site.env, site.pos);
  }
  // CppNix's peelToStringOutPath (checkToStringReturn = true): `__toString` (whose result must
  // be a string, a path, or a set that peels to one) before `outPath`.
  let v: Value = ev.force(l);
  let cameThroughToString = false;
  while (v instanceof Attrs) {
    const toString = v.get("__toString");
    const outPath = v.get("outPath");
    if (toString !== undefined) {
      v = ev.force(ev.callFunction(ev.force(toString), [v], site.env, site.pos));
      cameThroughToString = true;
    } else if (outPath !== undefined) v = ev.force(outPath);
    else if (cameThroughToString) {
      throw ev.error(
        "TypeError",
        `\`__toString\` must return a string, but got ${showType(v)}: ${ev.showValue(v)}`,
        site.env,
        site.pos,
      );
    } else break;
  }
  if (
    cameThroughToString &&
    !(typeof v === "string" || v instanceof NixString || v instanceof NixPath)
  ) {
    throw ev.error(
      "TypeError",
      `\`__toString\` should return a string, but got ${showType(v)}: ${ev.showValue(v)}`,
      site.env,
      site.pos,
    );
  }
  // A path that came from `__toString` is written as it is, not copied to the store.
  if (v instanceof NixPath && cameThroughToString) return jsonString(ev, site, v.path);
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (v instanceof NixFloat) return jsonFloat(v.value);
  if (typeof v === "string") return jsonString(ev, site, v);
  if (v instanceof NixString) {
    for (const c of v.context) context.add(c);
    return jsonString(ev, site, v.s);
  }
  if (v instanceof NixPath) {
    return jsonString(
      ev,
      site,
      ev.coerceToString(v, context, site.env, site.pos, { copyToStore: true }),
    );
  }
  if (v instanceof Attrs) {
    const attrs = v;
    const parts = attrs.names().map((name) => {
      const value = inContext(ev, site, `while evaluating attribute '${name}'`, () =>
        toJSON(ev, site, attrs.get(name)!, context, strict),
      );
      return jsonString(ev, site, name) + ":" + value;
    });
    return "{" + parts.join(",") + "}";
  }
  if (Array.isArray(v)) {
    return (
      "[" +
      v
        .map((x, i) =>
          inContext(ev, site, `while evaluating list element at index ${i}`, () =>
            toJSON(ev, site, x, context),
          ),
        )
        .join(",") +
      "]"
    );
  }
  if (v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp) {
    throw ev.error("TypeError", `cannot convert ${showType(v)} to JSON`, site.env, site.pos);
  }
  throw ev.error("TypeError", `cannot convert ${showType(v)} to JSON`, site.env, site.pos);
}

/** UTF-8 bytes (as a byte string) of a code point. */
function utf8(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  if (cp < 0x10000) {
    return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return String.fromCharCode(
    0xf0 | (cp >> 18),
    0x80 | ((cp >> 12) & 63),
    0x80 | ((cp >> 6) & 63),
    0x80 | (cp & 63),
  );
}

/** Parses JSON text (a byte string) into Nix values. Its errors have no position, as CppNix's. */
export function fromJSON(ev: Evaluator, site: CallSite, text: string): Value {
  let i = 0;
  const fail = (what: string): never => {
    throw ev.error("EvalError", `JSON parse error at offset ${i}: ${what}`, null);
  };
  const ws = (): void => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const str = (): string => {
    i++; // opening quote
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text[i]!;
      if (c === '"') {
        i++;
        if (out.includes("\0")) {
          throw ev.error(
            "EvalError",
            `input string '${out.replaceAll("\0", "\xe2\x90\x80")}' cannot be represented as Nix string because it contains null bytes`,
            null,
          );
        }
        return out;
      }
      if (c === "\\") {
        const e = text[i + 1];
        i += 2;
        if (e === "u") {
          let cp = parseInt(text.slice(i, i + 4), 16);
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) fail("invalid \\u escape");
          i += 4;
          if (cp >= 0xd800 && cp <= 0xdbff && text.slice(i, i + 2) === "\\u") {
            const lo = parseInt(text.slice(i + 2, i + 6), 16);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              i += 6;
            }
          }
          out += utf8(cp);
        } else {
          const map: Record<string, string> = {
            '"': '"',
            "\\": "\\",
            "/": "/",
            b: "\b",
            f: "\f",
            n: "\n",
            r: "\r",
            t: "\t",
          };
          const r = e === undefined ? undefined : map[e];
          if (r === undefined) fail("invalid escape");
          out += r;
        }
      } else {
        if (c.charCodeAt(0) < 0x20) fail("control character in string");
        out += c;
        i++;
      }
    }
  };
  const value = (): Value => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const map = new Map<string, Lazy>();
      ws();
      if (text[i] === "}") {
        i++;
        return new Attrs(map);
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a string as an object key");
        const key = str();
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        map.set(key, value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return new Attrs(map);
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const list: Lazy[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return list;
      }
      for (;;) {
        list.push(value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return list;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m) fail("unexpected character");
    i += m![0].length;
    // As nlohmann::json reads numbers: an integer that fits int64 (or, when positive, uint64)
    // is an integer, and Nix rejects a uint64 beyond int64; a bigger integer is a float.
    if (m![1] === undefined && m![2] === undefined) {
      const n = BigInt(m![0]);
      if (n >= -0x8000000000000000n && n <= 0x7fffffffffffffffn) {
        return nixInt(n);
      }
      if (n > 0 && n <= 0xffffffffffffffffn) {
        throw ev.error(
          "EvalError",
          `unsigned json number ${m![0]} outside of Nix integer range`,
          null,
        );
      }
    }
    const f = Number(m![0]);
    if (!Number.isFinite(f)) {
      throw ev.error(
        "EvalError",
        `[json.exception.out_of_range.406] number overflow parsing '${m![0]}'`,
        null,
      );
    }
    return new NixFloat(f);
  };
  const v = value();
  ws();
  if (i !== text.length) fail("unexpected data after the value");
  return v;
}

export const jsonBuiltins: Builtin[] = [
  {
    name: "toJSON",
    arity: 1,
    doc: 'A JSON string for *e* (sets with sorted keys; derivations as their `outPath`).\n\n    builtins.toJSON { x = [ 1 "a" ]; }',
    impl: (ev, [e], site) => {
      const context = new Set<string>();
      const s = toJSON(ev, site, e!, context);
      return context.size === 0 ? s : new NixString(s, context);
    },
  },
  {
    name: "fromJSON",
    arity: 1,
    doc: 'The Nix value of the JSON string *e*.\n\n    builtins.fromJSON "{\\"x\\": [ 1, 2.5 ]}"',
    impl: (ev, [e], site) => {
      const text = inContext(
        ev,
        site,
        "while evaluating the first argument passed to builtins.fromJSON",
        () => ev.forceString(e!, site.env, site.pos),
      );
      return fromJSON(ev, site, text);
    },
  },
];
