/**
 * `fromTOML`: TOML 1.0 via smol-toml (a small, spec-complete parser; CppNix uses toml11), with
 * CppNix's rules on top: integers are 64-bit (toml11's overflow message), floats stay floats
 * (`1.0` is a float), no NUL bytes, and dates and times are an error unless the experimental
 * feature `parse-toml-timestamps` gives them as `{ _type = "timestamp"; value = "…"; }`.
 *
 * smol-toml keeps times to the millisecond (a JS `Date`); toml11 keeps nanoseconds and prints
 * 3, 6 or 9 subsecond digits. So times with more than three digits are taken out of the text
 * before parsing (each replaced by a unique string, `fineTimes`) and printed from their digits.
 */

import { parse, TomlDate } from "smol-toml";
import type { Evaluator } from "../evaluator/eval.js";
import { nixInt, Attrs, NixFloat, type Lazy, type Value } from "../evaluator/value.js";
import { bytesToByteString, byteStringToBytes, utf8ToByteString } from "../lang/source.js";
import { inContext } from "./args.js";
import type { Builtin, CallSite } from "./registry.js";

/** A problem CppNix reports as `while parsing TOML: <message>`. */
class TomlProblem extends Error {}

/** An integer beyond 64 bits: toml11's error, with its source excerpt once it is located. */
class IntegerTooLarge extends TomlProblem {
  constructor(readonly value: bigint) {
    super("[error] toml::parse_dec_integer: too large integer: current max digits = 2^63");
  }
}

/**
 * toml11's report of a too large integer in `text`: the message, then the line with a caret
 * after the number, as in `--> fromTOML` blocks (ending in a newline).
 */
function integerTooLargeReport(text: string, value: bigint): string | undefined {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    for (const m of lines[i]!.matchAll(/[+-]?[0-9][0-9_]*/g)) {
      let n: bigint;
      try {
        n = BigInt(m[0].replaceAll("_", "").replace(/^\+/, ""));
      } catch {
        continue;
      }
      if (n !== value) continue;
      const ln = String(i + 1);
      const pad = " ".repeat(ln.length);
      const col = m.index + m[0].length;
      return (
        "[error] toml::parse_dec_integer: too large integer: current max digits = 2^63\n" +
        " --> fromTOML\n" +
        ` ${pad} |\n` +
        ` ${ln} | ${lines[i]}\n` +
        ` ${pad} | ${" ".repeat(col)}^-- must be < 2^63\n`
      );
    }
  }
  return undefined;
}

function noNul(s: string): string {
  if (s.includes("\0")) {
    throw new TomlProblem(
      `error: input string '${s.replaceAll("\0", "\xe2\x90\x80")}' cannot be represented as Nix string because it contains null bytes`,
    );
  }
  return s;
}

/** toml11's printing: no `.000` milliseconds, the original offset, `T` between date and time. */
function timestamp(d: TomlDate): string {
  return d.toISOString().replace(/\.000(?=$|Z|[+-])/, "");
}

/**
 * The date-times and times in `text` with more than three subsecond digits, outside strings
 * and comments, each replaced by a string `MARKER<n>` (MARKER does not occur in the text).
 */
function fineTimes(text: string): { text: string; marker: string; times: string[] } {
  let marker = "\u{e000}tsnix-time-";
  while (text.includes(marker)) marker += "\u{e000}";
  const times: string[] = [];
  const time = /^(?:\d{4}-\d{2}-\d{2}[Tt ])?\d{2}:\d{2}:\d{2}\.\d{4,}(?:[Zz]|[+-]\d{2}:\d{2})?/;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "#") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let j = i + quote.length;
      for (;;) {
        if (j >= text.length) break;
        if (c === '"' && text[j] === "\\") j += 2;
        else if (text.startsWith(quote, j)) {
          j += quote.length;
          // A multi-line string may end with up to two more quotes.
          while (triple && text[j] === c && text.startsWith(c, j)) j++;
          break;
        } else j++;
      }
      out += text.slice(i, j);
      i = j;
    } else {
      const m =
        /[0-9]/.test(c) && !/[A-Za-z0-9_-]/.test(text[i - 1] ?? "")
          ? time.exec(text.slice(i, i + 64))
          : null;
      if (m) {
        out += JSON.stringify(marker + times.length);
        times.push(m[0]);
        i += m[0].length;
      } else {
        out += c;
        i++;
      }
    }
  }
  return { text: out, marker, times };
}

/** toml11's print of a time with many subsecond digits: 3, 6 or 9 of them (or none). */
function fineTimestamp(raw: string): string {
  const dot = raw.indexOf(".");
  let end = dot + 1;
  while (end < raw.length && /[0-9]/.test(raw[end]!)) end++;
  const nanos = raw
    .slice(dot + 1, end)
    .slice(0, 9)
    .padEnd(9, "0");
  const base = raw.slice(0, dot) + ".000" + raw.slice(end);
  const hasDate = /^\d{4}-/.test(base);
  const printed = timestamp(
    hasDate ? new TomlDate(base.slice(0, 10) + "T" + base.slice(11)) : new TomlDate(base),
  );
  const digits = nanos.endsWith("000000")
    ? nanos.slice(0, 3)
    : nanos.endsWith("000")
      ? nanos.slice(0, 6)
      : nanos;
  const fraction = /^0+$/.test(digits) ? "" : "." + digits;
  // `printed` has no fraction (it was .000): put ours after the seconds.
  const secs = printed.search(/:\d{2}(?=$|Z|[+-])/) + 3;
  return printed.slice(0, secs) + fraction + printed.slice(secs);
}

/** With `integersAsBigInt: true`, every TOML integer is a bigint and every JS number a float. */
function convert(ev: Evaluator, x: unknown, fine: ReturnType<typeof fineTimes>): Value {
  if (typeof x === "string") {
    if (fine.times.length > 0 && x.startsWith(fine.marker)) {
      const raw = fine.times[Number(x.slice(fine.marker.length))];
      if (raw !== undefined) return timestampValue(ev, fineTimestamp(raw));
    }
    return noNul(utf8ToByteString(x));
  }
  if (typeof x === "boolean") return x;
  if (typeof x === "number") return new NixFloat(x);
  if (typeof x === "bigint") {
    if (x > 0x7fffffffffffffffn || x < -0x8000000000000000n) throw new IntegerTooLarge(x);
    return nixInt(x);
  }
  if (x instanceof TomlDate) return timestampValue(ev, timestamp(x));
  if (Array.isArray(x)) return x.map((e) => convert(ev, e, fine));
  const map = new Map<string, Lazy>();
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
    map.set(noNul(utf8ToByteString(k)), convert(ev, v, fine));
  }
  return Attrs.fromMap(map);
}

/** `{ _type = "timestamp"; value = …; }`, with the experimental feature. */
function timestampValue(ev: Evaluator, value: string): Value {
  if (!ev.experimentalFeatures.has("parse-toml-timestamps")) {
    throw new TomlProblem("Dates and times are not supported");
  }
  return Attrs.fromMap(
    new Map<string, Lazy>([
      ["_type", "timestamp"],
      ["value", value],
    ]),
  );
}

export const tomlBuiltins: Builtin[] = [
  {
    name: "fromTOML",
    arity: 1,
    doc: 'The Nix value of the TOML document *e*.\n\n    builtins.fromTOML "x = 1\\n[y]\\nz = \\"a\\""',
    impl: (ev, [e], site: CallSite) => {
      const text = inContext(
        ev,
        site,
        "while evaluating the argument passed to builtins.fromTOML",
        () => ev.forceString(e!, null, -1),
      );
      try {
        const source = new TextDecoder().decode(byteStringToBytes(text));
        const fine = fineTimes(source);
        const doc = parse(fine.text, { integersAsBigInt: true });
        try {
          return convert(ev, doc, fine);
        } catch (err) {
          if (!(err instanceof IntegerTooLarge)) throw err;
          const report = integerTooLargeReport(source, err.value);
          throw report === undefined ? err : new TomlProblem(utf8ToByteString(report));
        }
      } catch (err) {
        const msg =
          err instanceof TomlProblem
            ? err.message
            : bytesToByteString(
                new TextEncoder().encode(String((err as Error).message).split("\n")[0]),
              );
        throw ev.error("EvalError", `while parsing TOML: ${msg}`, null);
      }
    },
  },
];
