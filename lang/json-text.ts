/**
 * JSON text as CppNix reads and writes it through nlohmann::json: the pieces that `toJSON` and
 * `fromJSON` (builtins/json.ts) and `nix derivation show` (store/derivation.ts) share. Pure: no
 * evaluator, no store, no Node APIs, so that the store code can use it in a browser too.
 *
 * - Numbers out (`formatJSONFloat`): nlohmann's `dump` of a double, the shortest digits that read
 *   back, in fixed notation with `.0` if integral when the decimal exponent is in (-4, 15], else
 *   as `1e+20`, `1e-05`; non-finite numbers are `null`. The digits are JS's shortest round-trip
 *   ones; nlohmann's Grisu2 can, rarely, give one digit more. Pinned by test/store.test.ts
 *   ("formatJSONFloat") and test/lang/eval-okay-builtins-json.nix.
 * - Strings out (`jsonEscape`): a byte string quoted, `"` and `\` escaped, control characters as
 *   `\n` or `\u001f`, every other byte (DEL, UTF-8) written as it is.
 * - UTF-8 (`findUtf8Fault`, `utf8FaultMessage`): nlohmann's strict `dump` rejects a string that
 *   is not UTF-8 with `type_error.316`, naming the first byte its decoder rejects (so an E0 must
 *   be followed by A0–BF: no overlong forms, no surrogates, nothing above U+10FFFF), or
 *   "incomplete" if the string ends inside a sequence. Pinned by test/store.test.ts ("strings
 *   must be UTF-8").
 * - Reading (`JSONReader`): the RFC 8259 grammar (whitespace, literals, objects, arrays, nothing
 *   after the value) as a recursive descent. String and number tokens and the values built are
 *   left to subclasses, because the readers differ there: `fromJSON` reads a Nix byte string
 *   into Nix values, `parseJSON` a JS string into a `JSONValue`, and each words its errors its
 *   own way (`JSONSyntax` says what is wrong, the subclass says it).
 * - Values (`JSONValue`, `parseJSON`, `dumpJSON`): what a nlohmann::json holds, with numbers that
 *   are not safe integers kept as nlohmann prints them, printed with keys sorted by their UTF-8
 *   bytes (a `std::map`), compact or indented.
 */

// --- numbers --------------------------------------------------------------------------------------

/**
 * A double as nlohmann::json prints it: the shortest digits that read back, in fixed notation
 * with `.0` if integral when the decimal exponent is in (-4, 15], else `d.ddde+XX`
 * (`1.0`, `0.001`, `123456789.123`, `1e+20`, `1e-05`); non-finite numbers are `null`.
 */
export function formatJSONFloat(x: number): string {
  if (!Number.isFinite(x)) return "null";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, exponent] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const k = digits.length;
  const n = Number(exponent) + 1; // the decimal point is after n digits
  if (k <= n && n <= 15) return `${sign}${digits}${"0".repeat(n - k)}.0`;
  if (0 < n && n <= 15) return `${sign}${digits.slice(0, n)}.${digits.slice(n)}`;
  if (-4 < n && n <= 0) return `${sign}0.${"0".repeat(-n)}${digits}`;
  const e = n - 1;
  const abs = Math.abs(e);
  const m = k === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${sign}${m}e${e < 0 ? "-" : "+"}${abs < 10 ? "0" : ""}${abs}`;
}

/** A JSON number token: group 1 is its fraction, group 2 its exponent. Sticky: see below. */
const jsonNumberToken = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

/** The JSON number token that starts at offset `at` of `text`, or null if none does. */
export function matchJSONNumber(text: string, at: number): RegExpExecArray | null {
  jsonNumberToken.lastIndex = at;
  return jsonNumberToken.exec(text);
}

// --- strings --------------------------------------------------------------------------------------

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

/** How many bytes the UTF-8 sequence led by byte `lead` has: 1 for ASCII, 0 if none starts so. */
export function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Where a byte string stops being UTF-8. */
export interface Utf8Fault {
  /** The first byte of the sequence that is not UTF-8. */
  start: number;
  /** The byte nlohmann's decoder rejects; the string's length if it ends inside the sequence. */
  index: number;
}

/** The first place where the byte string `s` is not UTF-8, as nlohmann's decoder finds it. */
export function findUtf8Fault(s: string): Utf8Fault | undefined {
  for (let i = 0; i < s.length;) {
    const lead = s.charCodeAt(i);
    const n = utf8SequenceLength(lead);
    if (n === 1) {
      i++;
      continue;
    }
    if (n === 0) return { start: i, index: i };
    // The second byte's range is narrower after E0 and F0 (no overlong forms), ED (no
    // surrogates) and F4 (nothing above U+10FFFF).
    let lo = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    let hi = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let j = i + 1; j < i + n; j++) {
      if (j >= s.length) return { start: i, index: s.length };
      const c = s.charCodeAt(j);
      if (c < lo || c > hi) return { start: i, index: j };
      lo = 0x80;
      hi = 0xbf;
    }
    i += n;
  }
  return undefined;
}

/** nlohmann's `type_error.316` message for the fault `findUtf8Fault` found in `s`. */
export function utf8FaultMessage(s: string, fault: Utf8Fault): string {
  return fault.index < s.length
    ? `[json.exception.type_error.316] invalid UTF-8 byte at index ${fault.index}: 0x${hexByte(s.charCodeAt(fault.index))}`
    : `[json.exception.type_error.316] incomplete UTF-8 string; last byte: 0x${hexByte(s.charCodeAt(s.length - 1))}`;
}

/** A byte as two uppercase hex digits, as nlohmann's messages write it. */
export function hexByte(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, "0");
}

// --- reading --------------------------------------------------------------------------------------

/** What a `JSONReader` found wrong with the text; each subclass words it its own way. */
export const enum JSONSyntax {
  /** No value starts here (nor a string or a literal, nor a number). */
  ExpectedValue,
  /** No string (the key) after an object's `{` or `,`. */
  ExpectedKey,
  /** No `:` after an object's key. */
  ExpectedColon,
  /** Neither `,` nor `}` after an object's member. */
  ExpectedCommaOrBrace,
  /** Neither `,` nor `]` after an array's element. */
  ExpectedCommaOrBracket,
  /** More than whitespace after the value. */
  TrailingData,
  /** Objects and arrays nested more deeply than the reader's `maxDepth`. */
  TooDeep,
}

/** The values the grammar itself makes: strings (keys too), `true`, `false` and `null`. */
export type JSONLiteral = string | boolean | null;

/**
 * The JSON grammar over `text`, one recursive call per nested value. `read` gives the value the
 * whole text is; a subclass reads the string and number tokens, builds objects and arrays (whose
 * members come in text order, a repeated key's last value in a `Map`), and turns a `JSONSyntax`
 * into its error. `pos` is where reading is, which is where errors are.
 */
export abstract class JSONReader<V> {
  /** The offset of the next character to read. */
  pos = 0;

  constructor(
    readonly text: string,
    /** How deeply objects and arrays may nest; none if Infinity (then the JS stack decides). */
    private readonly maxDepth: number = Infinity,
  ) {}

  /** Throws the subclass's error for `what`, at `pos`. */
  protected abstract fail(what: JSONSyntax): never;
  /** Reads the string token whose opening quote is at `pos`, leaving `pos` after it. */
  protected abstract string(): string;
  /** Reads the number token at `pos`, leaving `pos` after it; undefined if none starts there. */
  protected abstract number(): V | undefined;
  protected abstract object(members: Map<string, V | JSONLiteral>): V;
  protected abstract array(elements: (V | JSONLiteral)[]): V;

  /** The value the whole text is, with only whitespace around it. */
  read(): V | JSONLiteral {
    const v = this.value(0);
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail(JSONSyntax.TrailingData);
    return v;
  }

  private skipWhitespace(): void {
    const text = this.text;
    let i = this.pos;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    }
    this.pos = i;
  }

  private value(depth: number): V | JSONLiteral {
    if (depth > this.maxDepth) this.fail(JSONSyntax.TooDeep);
    this.skipWhitespace();
    const text = this.text;
    const c = text.charCodeAt(this.pos);
    if (c === 0x7b /* { */) {
      this.pos++;
      const members = new Map<string, V | JSONLiteral>();
      this.skipWhitespace();
      if (text.charCodeAt(this.pos) === 0x7d /* } */) {
        this.pos++;
        return this.object(members);
      }
      for (;;) {
        this.skipWhitespace();
        if (text.charCodeAt(this.pos) !== 0x22 /* " */) this.fail(JSONSyntax.ExpectedKey);
        const key = this.string();
        this.skipWhitespace();
        if (text.charCodeAt(this.pos) !== 0x3a /* : */) this.fail(JSONSyntax.ExpectedColon);
        this.pos++;
        members.set(key, this.value(depth + 1));
        this.skipWhitespace();
        const next = text.charCodeAt(this.pos);
        if (next === 0x2c /* , */) {
          this.pos++;
        } else if (next === 0x7d /* } */) {
          this.pos++;
          return this.object(members);
        } else {
          this.fail(JSONSyntax.ExpectedCommaOrBrace);
        }
      }
    }
    if (c === 0x5b /* [ */) {
      this.pos++;
      const elements: (V | JSONLiteral)[] = [];
      this.skipWhitespace();
      if (text.charCodeAt(this.pos) === 0x5d /* ] */) {
        this.pos++;
        return this.array(elements);
      }
      for (;;) {
        elements.push(this.value(depth + 1));
        this.skipWhitespace();
        const next = text.charCodeAt(this.pos);
        if (next === 0x2c /* , */) {
          this.pos++;
        } else if (next === 0x5d /* ] */) {
          this.pos++;
          return this.array(elements);
        } else {
          this.fail(JSONSyntax.ExpectedCommaOrBracket);
        }
      }
    }
    if (c === 0x22 /* " */) return this.string();
    if (text.startsWith("true", this.pos)) {
      this.pos += 4;
      return true;
    }
    if (text.startsWith("false", this.pos)) {
      this.pos += 5;
      return false;
    }
    if (text.startsWith("null", this.pos)) {
      this.pos += 4;
      return null;
    }
    const n = this.number();
    if (n === undefined) this.fail(JSONSyntax.ExpectedValue);
    return n;
  }
}

// --- values ---------------------------------------------------------------------------------------

/**
 * A JSON number that is not a safe integer (a float, or an integer beyond 2^53), kept as
 * nlohmann::json prints it (`1.0`, `1e+20`, `18446744073709551615`). `JSON.stringify` sees the
 * nearest JS number.
 */
export class JSONNumber {
  constructor(readonly text: string) {}
  toJSON(): number {
    return Number(this.text);
  }
}

export type JSONValue =
  null | boolean | number | string | JSONNumber | JSONValue[] | { [key: string]: JSONValue };

/** An object without a prototype (so `__proto__` is an ordinary key), keys in this order. */
export function jsonObject(entries: Iterable<[string, JSONValue]>): { [key: string]: JSONValue } {
  const obj = Object.create(null) as { [key: string]: JSONValue };
  for (const [k, v] of entries) obj[k] = v;
  return obj;
}

const maxJSONDepth = 10000;

const jsonStringToken = /"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** How `parseJSON` words each `JSONSyntax` (`fromJSON` words two of them its own way). */
export const jsonSyntaxMessages: Readonly<Record<JSONSyntax, string>> = {
  [JSONSyntax.ExpectedValue]: "unexpected character",
  [JSONSyntax.ExpectedKey]: "expected a string as object key",
  [JSONSyntax.ExpectedColon]: "expected ':'",
  [JSONSyntax.ExpectedCommaOrBrace]: "expected ',' or '}'",
  [JSONSyntax.ExpectedCommaOrBracket]: "expected ',' or ']'",
  [JSONSyntax.TrailingData]: "unexpected data after the JSON value",
  [JSONSyntax.TooDeep]: "nesting too deep",
};

/** `parseJSON`'s reader: JS strings in, `JSONValue`s out, errors `syntax error at offset N`. */
class JSONValueReader extends JSONReader<JSONValue> {
  constructor(text: string) {
    super(text, maxJSONDepth);
  }

  private error(what: string): never {
    throw new Error(`syntax error at offset ${this.pos}: ${what}`);
  }

  protected fail(what: JSONSyntax): never {
    return this.error(jsonSyntaxMessages[what]);
  }

  protected string(): string {
    jsonStringToken.lastIndex = this.pos;
    const m = jsonStringToken.exec(this.text);
    if (m === null) return this.error("invalid string");
    this.pos += m[0].length;
    return JSON.parse(m[0]) as string;
  }

  protected number(): JSONValue | undefined {
    const m = matchJSONNumber(this.text, this.pos);
    if (m === null) return undefined;
    this.pos += m[0].length;
    const lexeme = m[0];
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(lexeme);
      if (Number.isSafeInteger(n)) return n;
      const big = BigInt(lexeme);
      // int64 for negative numbers, uint64 otherwise; anything larger is a double.
      if (big >= -(2n ** 63n) && big < 2n ** 64n) return new JSONNumber(big.toString());
      return new JSONNumber(formatJSONFloat(n));
    }
    const x = Number(lexeme);
    if (!Number.isFinite(x)) this.error(`number overflow parsing '${lexeme}'`);
    return new JSONNumber(formatJSONFloat(x));
  }

  protected object(members: Map<string, JSONValue>): JSONValue {
    return jsonObject(members);
  }

  protected array(elements: JSONValue[]): JSONValue {
    return elements;
  }
}

/**
 * Parses JSON (RFC 8259) as nlohmann::json reads it: integers that fit 64 bits stay exact
 * (`JSONNumber` beyond 2^53), other numbers are doubles; a repeated key keeps the last value.
 * Objects and arrays nest at most 10000 deep.
 */
export function parseJSON(text: string): JSONValue {
  return new JSONValueReader(text).read();
}

/** Orders strings by code point, i.e. by their UTF-8 bytes (as nlohmann's `std::map` keys). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+10000 and up) sort after U+E000–U+FFFF.
    if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * nlohmann::json's `dump`: compact, or with `indent` spaces per level; object keys sorted;
 * integers as integers, floats as `formatJSONFloat`. Nix prints the result and a newline.
 */
export function dumpJSON(value: JSONValue, indent?: number): string {
  const parts: string[] = [];
  writeJSON(parts, value, indent, 0);
  return parts.join("");
}

function writeJSON(out: string[], v: JSONValue, indent: number | undefined, level: number): void {
  if (v === null) {
    out.push("null");
  } else if (typeof v === "boolean") {
    out.push(v ? "true" : "false");
  } else if (typeof v === "number") {
    out.push(Number.isInteger(v) ? String(v === 0 ? 0 : v) : formatJSONFloat(v));
  } else if (typeof v === "string") {
    // JS strings: JSON.stringify escapes as nlohmann does (and writes lone surrogates as \udXXX).
    out.push(JSON.stringify(v));
  } else if (v instanceof JSONNumber) {
    out.push(v.text);
  } else {
    const isArray = Array.isArray(v);
    const keys = isArray ? undefined : Object.keys(v).sort(compareCodePoints);
    const n = isArray ? v.length : keys!.length;
    if (n === 0) {
      out.push(isArray ? "[]" : "{}");
      return;
    }
    out.push(isArray ? "[" : "{");
    const inner = indent === undefined ? "" : "\n" + " ".repeat(indent * (level + 1));
    for (let i = 0; i < n; i++) {
      if (i > 0) out.push(",");
      out.push(inner);
      if (isArray) {
        writeJSON(out, v[i]!, indent, level + 1);
      } else {
        const k = keys![i]!;
        out.push(JSON.stringify(k), indent === undefined ? ":" : ": ");
        writeJSON(out, (v as { [key: string]: JSONValue })[k]!, indent, level + 1);
      }
    }
    if (indent !== undefined) out.push("\n" + " ".repeat(indent * level));
    out.push(isArray ? "]" : "}");
  }
}
