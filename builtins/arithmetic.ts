/**
 * Arithmetic and comparison: `sub`, `mul`, `div`, `lessThan` (what `-`, `*`, `/` and `<` desugar
 * to), `add`, and the constants `true`, `false`, `null`. Integers are signed 64-bit with
 * overflow errors; an int and a float make a float; `lessThan` orders numbers, strings
 * (bytewise), paths and lists (lexicographically), as CppNix's `CompareValues`.
 */

import type { Evaluator } from "../evaluator/eval.js";
import { NixFloat, NixPath, NixString, showType, typeOf, type Value } from "../evaluator/value.js";
import { inContext } from "./args.js";
import type { Builtin, CallSite } from "./registry.js";

type Num = number | bigint | NixFloat;

const operation = { add: "addition", sub: "subtraction", mul: "multiplication", div: "division" };

/** CppNix's `forceFloat`: an integer or a float, as a float. */
function forceFloat(ev: Evaluator, v: Value, site: CallSite, context: string): number {
  if (v instanceof NixFloat) return v.value;
  if (typeof v === "number" || typeof v === "bigint") return Number(v);
  return inContext(ev, site, context, () => {
    throw ev.error(
      "TypeError",
      `expected a float but found ${showType(v)}: ${ev.showValue(v)}`,
      null,
    );
  });
}

function forceInt(ev: Evaluator, v: Value, site: CallSite, context: string): number | bigint {
  return inContext(ev, site, context, () => ev.forceInt(v, null, -1));
}

/** CppNix's `prim_add`/`sub`/`mul`/`div`: floats if either operand is one, else checked ints. */
function arith(name: "add" | "sub" | "mul" | "div", op: "+" | "-" | "*" | "/"): Builtin {
  const what = operation[name];
  const first =
    name === "div"
      ? `while evaluating the first operand of the ${what}`
      : `while evaluating the first argument of the ${what}`;
  const second =
    name === "div"
      ? `while evaluating the second operand of the ${what}`
      : `while evaluating the second argument of the ${what}`;
  // Two safe integers (and no division by zero): the common case, computed directly.
  const fast = (ev: Evaluator, x: Value, y: Value): Value | undefined =>
    typeof x === "number" && typeof y === "number" && (name !== "div" || y !== 0)
      ? ev.intOp(op, x, y, null, -1)
      : undefined;
  return {
    name,
    arity: 2,
    strictArgs: true,
    fast,
    doc: `Return the ${name === "add" ? "sum" : name === "sub" ? "difference" : name === "mul" ? "product" : "quotient"} of the numbers *e1* and *e2*.\n\n    builtins.${name} 6 3`,
    impl(ev, [a, b], site) {
      const x = ev.force(a!);
      const y = ev.force(b!);
      const r = fast(ev, x, y);
      if (r !== undefined) return r;
      if (name === "div") {
        const f2 = forceFloat(ev, y, site, second);
        if (f2 === 0) throw ev.error("EvalError", "division by zero", null);
      }
      if (x instanceof NixFloat || y instanceof NixFloat) {
        const fx = forceFloat(ev, x, site, first);
        const fy = forceFloat(ev, y, site, second);
        return new NixFloat(
          op === "+" ? fx + fy : op === "-" ? fx - fy : op === "*" ? fx * fy : fx / fy,
        );
      }
      return ev.intOp(op, forceInt(ev, x, site, first), forceInt(ev, y, site, second), null, -1);
    },
  };
}

function compareNumbers(a: Num, b: Num): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof NixFloat || b instanceof NixFloat) {
    const x = a instanceof NixFloat ? a.value : Number(a);
    const y = b instanceof NixFloat ? b.value : Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** CppNix's `CompareValues`: is a < b? (Numbers, strings, paths and lists only.) */
export function lessThan(ev: Evaluator, a: Value, b: Value, site: CallSite): boolean {
  if (typeof a === "number" && typeof b === "number") return a < b;
  const isNum = (v: Value): v is Num =>
    typeof v === "number" || typeof v === "bigint" || v instanceof NixFloat;
  const str = (v: Value): string | undefined =>
    typeof v === "string" ? v : v instanceof NixString ? v.s : undefined;
  if (isNum(a) && isNum(b)) return compareNumbers(a, b) < 0;
  const values = `${ev.showValue(a)} and ${ev.showValue(b)}`;
  if (typeOf(a) !== typeOf(b)) {
    throw ev.error(
      "EvalError",
      `cannot compare ${showType(a)} with ${showType(b)}; values are ${values}`,
      null,
    );
  }
  const sa = str(a);
  const sb = str(b);
  if (sa !== undefined && sb !== undefined) return sa < sb;
  if (a instanceof NixPath && b instanceof NixPath) return a.path < b.path;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; ; i++) {
      if (i === b.length) return false;
      if (i === a.length) return true;
      const x = a[i]!;
      const y = b[i]!;
      if (!ev.equals(x, y, site.env, site.pos, x === y && typeof x === "object" && x !== null)) {
        return inContext(ev, site, "while comparing two list elements", () =>
          lessThan(ev, ev.force(a[i]!), ev.force(b[i]!), site),
        );
      }
    }
  }
  throw ev.error(
    "EvalError",
    `cannot compare ${showType(a)} with ${showType(b)}; values of that type are incomparable (values are ${values})`,
    null,
  );
}

export const arithmeticBuiltins: Builtin[] = [
  arith("add", "+"),
  arith("sub", "-"),
  arith("mul", "*"),
  arith("div", "/"),
  {
    name: "lessThan",
    arity: 2,
    strictArgs: true,
    fast: (ev, x, y) => (typeof x === "number" && typeof y === "number" ? x < y : undefined),
    doc: "Return `true` if *e1* is less than *e2*, and `false` otherwise.\n\n    builtins.lessThan 1 2",
    impl: (ev, [a, b], site) => lessThan(ev, ev.force(a!), ev.force(b!), site),
  },
  { name: "true", arity: 0, doc: "The Boolean true.", impl: () => true },
  { name: "false", arity: 0, doc: "The Boolean false.", impl: () => false },
  { name: "null", arity: 0, doc: "The null value.", impl: () => null },
];
