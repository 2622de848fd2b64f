/**
 * List builtins, as CppNix's primops.cc defines them: `map` and `genList` build lazy
 * applications (an element is computed only when forced), `foldl'` forces its accumulator at
 * every step, `sort` is stable (JS's sort is, and is safe with inconsistent comparators),
 * `elem` uses Nix equality, `head`/`tail`/`elemAt` report Nix's messages.
 */

import type { Evaluator } from "../evaluator/eval.js";
import { Thunk } from "../evaluator/thunk.js";
import { Attrs, Lambda, type Lazy, type Value } from "../evaluator/value.js";
import { inContext, withArgs as def } from "./args.js";
import type { Builtin, CallSite } from "./registry.js";

/** `f x` as a lazy value. */
function apply(f: Lazy, x: Lazy): Thunk {
  return Thunk.application(f, x);
}

function call(ev: Evaluator, site: CallSite, f: Value, args: Lazy[]): Value {
  return ev.callFunction(f, args, null, -1);
}

function toIndex(ev: Evaluator, site: CallSite, n: number | bigint): number {
  return typeof n === "bigint" ? Number.MAX_SAFE_INTEGER * Math.sign(Number(n)) : n;
}

function bool(ev: Evaluator, site: CallSite, v: Value, context: string): boolean {
  if (typeof v === "boolean") return v;
  return inContext(ev, site, context, () => ev.forceBool(v, null, -1));
}

export const listBuiltins: Builtin[] = [
  def(
    "map",
    2,
    'Apply *f* to every element of *list*.\n\n    map (x: "foo" + x) [ "bar" "bla" ]',
    (a) => {
      const list = a.list(1);
      if (list.length === 0) return list;
      a.function(0);
      const f = a.lazy(0);
      return list.map((x) => apply(f, x));
    },
  ),
  def(
    "filter",
    2,
    "Return the elements of *list* for which *f* returns `true`.\n\n    filter (x: x > 1) [ 1 2 3 ]",
    (a, ev, site) => {
      const list = a.list(1);
      const f = a.function(0);
      return list.filter((x) =>
        bool(
          ev,
          site,
          call(ev, site, f, [x]),
          "while evaluating the return value of the filtering function passed to builtins.filter",
        ),
      );
    },
  ),
  def(
    "foldl'",
    3,
    "Reduce *list* from the left with *op*, forcing the accumulator at every step.\n\n    builtins.foldl' (acc: x: acc + x) 0 [ 1 2 3 ]",
    (a, ev, site) => {
      const op = a.function(0);
      const list = a.list(2);
      // The initial accumulator is forced only when the list is empty; each application of
      // `op` is forced (callFunction returns a value), as CppNix does.
      if (list.length === 0) return ev.force(a.lazy(1));
      let acc: Lazy = a.lazy(1);
      for (const x of list) acc = call(ev, site, op, [acc, x]);
      return ev.force(acc);
    },
  ),
  def(
    "length",
    1,
    "The number of elements of *list*.\n\n    builtins.length [ 1 2 ]",
    (a) => a.list(0).length,
  ),
  def("head", 1, "The first element of *list*.\n\n    builtins.head [ 1 2 ]", (a, ev, site) => {
    const list = a.list(0);
    if (list.length === 0)
      throw ev.error("EvalError", "'builtins.head' called on an empty list", null);
    return ev.force(list[0]!);
  }),
  def(
    "tail",
    1,
    "*list* without its first element.\n\n    builtins.tail [ 1 2 ]",
    (a, ev, site) => {
      const list = a.list(0);
      if (list.length === 0)
        throw ev.error("EvalError", "'builtins.tail' called on an empty list", null);
      return list.slice(1);
    },
  ),
  def(
    "elemAt",
    2,
    "The element of *xs* at position *n* (from 0).\n\n    builtins.elemAt [ 1 2 ] 1",
    (a, ev, site) => {
      const list = a.list(0);
      const n = a.int(1);
      const i = toIndex(ev, site, n);
      if (i < 0 || i >= list.length) {
        throw ev.error(
          "EvalError",
          `'builtins.elemAt' called with index ${n} on a list of size ${list.length}`,
          null,
        );
      }
      return ev.force(list[i]!);
    },
  ),
  def(
    "elem",
    2,
    "Whether *x* is equal to an element of *xs*.\n\n    builtins.elem 2 [ 1 2 ]",
    (a, ev, site) => {
      const x = a.lazy(0);
      // The very same value (slot) is equal even when it is a function, as in CppNix.
      return a
        .list(1)
        .some((y) =>
          ev.equals(x, y, site.env, site.pos, x === y && typeof x === "object" && x !== null),
        );
    },
  ),
  def(
    "concatLists",
    1,
    "Concatenate a list of lists.\n\n    builtins.concatLists [ [ 1 ] [ 2 3 ] ]",
    (a, ev, site) => {
      const out: Lazy[] = [];
      for (const l of a.list(0)) {
        const inner = ev.forceList(
          l,
          null,
          -1,
          "while evaluating a value of the list passed to builtins.concatLists",
        );
        for (const x of inner) out.push(x);
      }
      return out;
    },
  ),
  def(
    "concatMap",
    2,
    "`concatLists (map f list)`.\n\n    builtins.concatMap (x: [ x x ]) [ 1 2 ]",
    (a, ev, site) => {
      const f = a.function(0);
      const out: Lazy[] = [];
      // A wrong result is reported at the function (CppNix's `determinePos`).
      const env = f instanceof Lambda ? f.env : null;
      const pos = f instanceof Lambda ? f.expr.pos : -1;
      for (const x of a.list(1)) {
        const r = ev.forceList(
          call(ev, site, f, [x]),
          env,
          pos,
          "while evaluating the return value of the function passed to builtins.concatMap",
        );
        for (const y of r) out.push(y);
      }
      return out;
    },
  ),
  def(
    "genList",
    2,
    "The list `[ (f 0) (f 1) … (f (length - 1)) ]`, computed lazily.\n\n    builtins.genList (x: x * x) 5",
    (a, ev, site) => {
      const n = a.int(1);
      // (Beyond 2^32 - 1 elements no JS array, and no machine's memory, has room.)
      if (n < 0 || n > 0xffffffff) {
        throw ev.error("EvalError", `cannot create list of size ${n}`, null);
      }
      a.function(0);
      const f = a.lazy(0);
      const out: Lazy[] = [];
      for (let i = 0; i < n; i++) out.push(apply(f, i));
      return out;
    },
  ),
  def(
    "all",
    2,
    "Whether *pred* is true for all elements of *list*.\n\n    builtins.all (x: x > 0) [ 1 2 ]",
    (a, ev, site) => {
      const f = a.function(0);
      return a
        .list(1)
        .every((x) =>
          bool(
            ev,
            site,
            call(ev, site, f, [x]),
            "while evaluating the return value of the function passed to builtins.all",
          ),
        );
    },
  ),
  def(
    "any",
    2,
    "Whether *pred* is true for at least one element of *list*.\n\n    builtins.any (x: x > 1) [ 1 2 ]",
    (a, ev, site) => {
      const f = a.function(0);
      return a
        .list(1)
        .some((x) =>
          bool(
            ev,
            site,
            call(ev, site, f, [x]),
            "while evaluating the return value of the function passed to builtins.any",
          ),
        );
    },
  ),
  def(
    "partition",
    2,
    "Split *list* into `right` (where *pred* is true) and `wrong`.\n\n    builtins.partition (x: x > 1) [ 1 2 3 ]",
    (a, ev, site) => {
      const f = a.function(0);
      const right: Lazy[] = [];
      const wrong: Lazy[] = [];
      for (const x of a.list(1)) {
        const ok = bool(
          ev,
          site,
          call(ev, site, f, [x]),
          "while evaluating the return value of the partition function passed to builtins.partition",
        );
        (ok ? right : wrong).push(x);
      }
      return Attrs.fromMap(
        new Map<string, Lazy>([
          ["right", right],
          ["wrong", wrong],
        ]),
      );
    },
  ),
  def(
    "sort",
    2,
    "*list* sorted by the comparator *f* (stable).\n\n    builtins.sort builtins.lessThan [ 3 1 2 ]",
    (a, ev, site) => {
      const list = a.list(1).slice();
      if (list.length === 0) return list;
      const f = a.function(0);
      for (const x of list) ev.force(x);
      return list.sort((x, y) => {
        if (
          bool(
            ev,
            site,
            call(ev, site, f, [x, y]),
            "while evaluating the return value of the sorting function passed to builtins.sort",
          )
        )
          return -1;
        if (
          bool(
            ev,
            site,
            call(ev, site, f, [y, x]),
            "while evaluating the return value of the sorting function passed to builtins.sort",
          )
        )
          return 1;
        return 0;
      });
    },
  ),
];
