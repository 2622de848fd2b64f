/**
 * `fromTOML`: TOML 1.0 via smol-toml (a small, spec-complete parser; CppNix uses toml11), with
 * CppNix's rules on top: integers are 64-bit (toml11's overflow message), floats stay floats
 * (`1.0` is a float), no NUL bytes, and dates and times are an error unless the experimental
 * feature `parse-toml-timestamps` gives them as `{ _type = "timestamp"; value = "…"; }`.
 *
 * Known gap: smol-toml keeps timestamps to the millisecond, so `value` shows at most three
 * subsecond digits where toml11 shows six or nine.
 */

import { parse, TomlDate } from "smol-toml";
import type { Evaluator } from "../evaluator/eval.js";
import { nixInt, Attrs, NixFloat, type Lazy, type Value } from "../evaluator/value.js";
import { bytesToByteString, byteStringToBytes, utf8ToByteString } from "../lang/source.js";
import { inContext } from "./args.js";
import type { Builtin, CallSite } from "./registry.js";

/** A problem CppNix reports as `while parsing TOML: <message>`. */
class TomlProblem extends Error {}

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

/** With `integersAsBigInt: true`, every TOML integer is a bigint and every JS number a float. */
function convert(ev: Evaluator, x: unknown): Value {
  if (typeof x === "string") return noNul(utf8ToByteString(x));
  if (typeof x === "boolean") return x;
  if (typeof x === "number") return new NixFloat(x);
  if (typeof x === "bigint") {
    if (x > 0x7fffffffffffffffn || x < -0x8000000000000000n) {
      throw new TomlProblem(
        "[error] toml::parse_dec_integer: too large integer: current max digits = 2^63",
      );
    }
    return nixInt(x);
  }
  if (x instanceof TomlDate) {
    if (!ev.experimentalFeatures.has("parse-toml-timestamps")) {
      throw new TomlProblem("Dates and times are not supported");
    }
    return new Attrs(
      new Map<string, Lazy>([
        ["_type", "timestamp"],
        ["value", timestamp(x)],
      ]),
    );
  }
  if (Array.isArray(x)) return x.map((e) => convert(ev, e));
  const map = new Map<string, Lazy>();
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
    map.set(noNul(utf8ToByteString(k)), convert(ev, v));
  }
  return new Attrs(map);
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
        () => ev.forceString(e!, site.env, site.pos),
      );
      try {
        const doc = parse(new TextDecoder().decode(byteStringToBytes(text)), {
          integersAsBigInt: true,
        });
        return convert(ev, doc);
      } catch (err) {
        const msg =
          err instanceof TomlProblem
            ? err.message
            : bytesToByteString(
                new TextEncoder().encode(String((err as Error).message).split("\n")[0]),
              );
        throw ev.error("EvalError", `while parsing TOML: ${msg}`, site.env, site.pos);
      }
    },
  },
];
