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
 *
 * The float format, the string escaping, the UTF-8 check and the JSON grammar are shared with
 * `nix derivation show` in lang/json-text.ts; this file adds what is Nix's: values, contexts,
 * CppNix's error messages.
 */

import type { Evaluator } from "../evaluator/eval.js";
import {
  nixInt,
  Attrs,
  Lambda,
  NixFloat,
  NixPath,
  NixString,
  rootEnv,
  showType,
  type AttrPosition,
  type Lazy,
  type Value,
} from "../evaluator/value.js";
import { NixError } from "../lang/errors.js";
import { Thunk, ThunkState } from "../evaluator/thunk.js";
import {
  findUtf8Fault,
  formatJSONFloat,
  jsonEscape,
  JSONReader,
  JSONSyntax,
  jsonSyntaxMessages,
  matchJSONNumber,
  utf8FaultMessage,
} from "../lang/json-text.js";
import { inContext } from "./args.js";
import type { Builtin, CallSite } from "./registry.js";

// builtins/derivation.ts and builtins/flakeref.ts take it from here.
export { jsonEscape };

/** `toJSON`'s check that a string is UTF-8, with nlohmann's serialization error, as CppNix. */
/** What `toJSON` carries down: the context collected, and the first string not in UTF-8. */
interface JSONState {
  readonly context: Set<string>;
  readonly strict: boolean;
  fault: string | undefined;
}

/**
 * A JSON string. Bytes that are not UTF-8 are CppNix's serialization error, which comes when
 * the whole value is written, after evaluation (so under no frame, and after any evaluation
 * error): it is recorded here and thrown at the end.
 */
function jsonString(state: JSONState, s: string): string {
  const fault = findUtf8Fault(s);
  if (fault !== undefined)
    state.fault ??= `JSON serialization error: ${utf8FaultMessage(s, fault)}`;
  return jsonEscape(s);
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
  const state: JSONState = { context, strict, fault: undefined };
  const json = toJSONValue(ev, l, undefined, state, true);
  if (state.fault !== undefined) throw ev.error("EvalError", state.fault, null);
  return json;
}

/**
 * One value: `where` is the position CppNix passes down (an attribute's definition, the
 * enclosing one for list elements), where its frames and errors are.
 */
function toJSONValue(
  ev: Evaluator,
  l: Lazy,
  where: AttrPosition | undefined,
  state: JSONState,
  copyToStore: boolean,
): string {
  // Where, as an environment (for its source) and an offset: made only when needed.
  const env = () => (where ? rootEnv(where.source) : null);
  const pos = where ? where.offset : -1;
  return ev.withCallDepthAt(where, () => {
    if (!state.strict && l instanceof Thunk && l.state !== ThunkState.Done) {
      throw ev.error("TypeError", "cannot convert a thunk to JSON", null);
    }
    // CppNix's `forceValue(v, pos)`: an application is called from `where`.
    const pending = l instanceof Thunk && l.isApplication;
    const v = pending ? ev.forceCalledFrom(l, env(), pos) : ev.force(l);
    if (v === null) return "null";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number" || typeof v === "bigint") return String(v);
    if (v instanceof NixFloat) return formatJSONFloat(v.value);
    if (typeof v === "string") return jsonString(state, v);
    if (v instanceof NixString) {
      for (const c of v.context) state.context.add(c);
      return jsonString(state, v.s);
    }
    if (v instanceof NixPath) {
      if (!copyToStore) return jsonString(state, v.path);
      const s = ev.coerceToString(v, state.context, null, -1, { copyToStore: true });
      return jsonString(state, s);
    }
    if (v instanceof Attrs) {
      // CppNix's peelToStringOutPath (checkToStringReturn): `__toString` (whose result must be
      // a string or a path) before `outPath`; a set that has neither is an object.
      return ev.peelToString(
        v,
        (peeled, cameThroughToString) => {
          if (!(peeled instanceof Attrs)) {
            const copy = copyToStore && !cameThroughToString;
            return toJSONValue(ev, peeled, where, state, copy);
          }
          const parts = peeled.names().map((name) => {
            const p = peeled.position(name);
            let value: string;
            try {
              value = toJSONValue(ev, peeled.get(name)!, p, state, copyToStore);
            } catch (e) {
              if (e instanceof NixError) {
                e.addTrace(`while evaluating attribute '${name}'`, p && p.source.pos(p.offset));
              }
              throw e;
            }
            return jsonString(state, name) + ":" + value;
          });
          return "{" + parts.join(",") + "}";
        },
        true,
      );
    }
    if (Array.isArray(v)) {
      const parts = v.map((x, i) => {
        try {
          return toJSONValue(ev, x, where, state, copyToStore);
        } catch (e) {
          if (e instanceof NixError) {
            const at = where && where.source.pos(where.offset);
            e.addTrace(`while evaluating list element at index ${i}`, at);
          }
          throw e;
        }
      });
      return "[" + parts.join(",") + "]";
    }
    // A function is reported where it is (CppNix's `determinePos`).
    const fnEnv = v instanceof Lambda ? v.env : env();
    const fnPos = v instanceof Lambda ? v.expr.pos : pos;
    throw ev.error("TypeError", `cannot convert ${showType(v)} to JSON`, fnEnv, fnPos);
  });
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

const syntaxMessages: Record<JSONSyntax, string> = {
  ...jsonSyntaxMessages,
  [JSONSyntax.ExpectedKey]: "expected a string as an object key",
  [JSONSyntax.TrailingData]: "unexpected data after the value",
};

const escapes: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** `fromJSON`'s reader: a byte string in, Nix values out. */
class NixJSONReader extends JSONReader<Value> {
  constructor(
    private readonly ev: Evaluator,
    text: string,
  ) {
    super(text);
  }

  private error(what: string, at: number = this.pos): never {
    throw this.ev.error("EvalError", `JSON parse error at offset ${at}: ${what}`, null);
  }

  protected fail(what: JSONSyntax): never {
    return this.error(syntaxMessages[what]);
  }

  protected string(): string {
    const text = this.text;
    let i = this.pos + 1; // after the opening quote
    let out = "";
    for (;;) {
      if (i >= text.length) this.error("unterminated string", i);
      const c = text[i]!;
      if (c === '"') {
        this.pos = i + 1;
        if (out.includes("\0")) {
          throw this.ev.error(
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
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) this.error("invalid \\u escape", i);
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
          const r = e === undefined ? undefined : escapes[e];
          if (r === undefined) this.error("invalid escape", i);
          out += r;
        }
      } else {
        if (c.charCodeAt(0) < 0x20) this.error("control character in string", i);
        out += c;
        i++;
      }
    }
  }

  protected number(): Value | undefined {
    // The number is matched within the next 400 characters: a longer one is cut there
    // (nlohmann reads it whole).
    const m = matchJSONNumber(this.text, this.pos);
    if (m === null) return undefined;
    this.pos += m[0].length;
    // As nlohmann::json reads numbers: an integer that fits int64 (or, when positive, uint64)
    // is an integer, and Nix rejects a uint64 beyond int64; a bigger integer is a float.
    if (m[1] === undefined && m[2] === undefined) {
      const n = BigInt(m[0]);
      if (n >= -0x8000000000000000n && n <= 0x7fffffffffffffffn) {
        return nixInt(n);
      }
      if (n > 0 && n <= 0xffffffffffffffffn) {
        throw this.ev.error(
          "EvalError",
          `unsigned json number ${m[0]} outside of Nix integer range`,
          null,
        );
      }
    }
    const f = Number(m[0]);
    if (!Number.isFinite(f)) {
      throw this.ev.error(
        "EvalError",
        `[json.exception.out_of_range.406] number overflow parsing '${m[0]}'`,
        null,
      );
    }
    return new NixFloat(f);
  }

  protected object(members: Map<string, Lazy>): Value {
    return Attrs.fromMap(members);
  }

  protected array(elements: Value[]): Value {
    return elements;
  }
}

/** Parses JSON text (a byte string) into Nix values. Its errors have no position, as CppNix's. */
export function fromJSON(ev: Evaluator, site: CallSite, text: string): Value {
  return new NixJSONReader(ev, text).read();
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
        () => ev.forceString(e!, null, -1),
      );
      return fromJSON(ev, site, text);
    },
  },
];
