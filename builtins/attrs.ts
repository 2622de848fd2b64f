/**
 * Attribute-set builtins, as CppNix's primops.cc defines them: names come out in bytewise
 * order, `mapAttrs` and `zipAttrsWith` apply lazily, `listToAttrs` keeps the first occurrence of
 * a name, `removeAttrs` ignores names that are not there.
 */

import type { Evaluator } from "../evaluator/eval.js";
import { Thunk } from "../evaluator/thunk.js";
import { Attrs, rootEnv, type AttrPosition, type Lazy } from "../evaluator/value.js";
import { inContext, missingAttr, requireAttr, withArgs as def } from "./args.js";
import type { Builtin, CallSite } from "./registry.js";

function names(ev: Evaluator, site: CallSite, list: Lazy[], context: string): string[] {
  return list.map((l) => inContext(ev, site, context, () => ev.forceString(l, null, -1)));
}

/** The attributes of `s` whose names pass `keep`, with their positions. */
function subset(s: Attrs, keep: (name: string) => boolean): Attrs {
  const keys: string[] = [];
  const values: Lazy[] = [];
  const positions: (AttrPosition | undefined)[] | undefined = s.positions && [];
  for (let i = 0; i < s.keys.length; i++) {
    if (!keep(s.keys[i]!)) continue;
    keys.push(s.keys[i]!);
    values.push(s.values[i]!);
    positions?.push(s.positions![i]);
  }
  return new Attrs(keys, values, positions);
}

export const attrsBuiltins: Builtin[] = [
  def(
    "unsafeGetAttrPos",
    2,
    'The position of the definition of attribute *s* of *set*: `{ file; line; column; }`, or `null`.\n\n    builtins.unsafeGetAttrPos "x" { x = 1; }',
    (a, ev) => {
      const name = a.string(0);
      const set = a.attrs(1);
      const p = set.position(name);
      return p === undefined ? null : ev.posAttrs(p);
    },
  ),
  def(
    "attrNames",
    1,
    'The names of *set*, sorted.\n\n    builtins.attrNames { y = 1; x = "foo"; }',
    (a) => [...a.attrs(0).names()],
  ),
  def(
    "attrValues",
    1,
    "The values of *set*, in the order of their sorted names.\n\n    builtins.attrValues { y = 1; x = 2; }",
    (a) => {
      const s = a.attrs(0);
      return s.names().map((n) => s.get(n)!);
    },
  ),
  def(
    "getAttr",
    2,
    '`getAttr s set` is `set.${s}`.\n\n    builtins.getAttr "x" { x = 1; }',
    (a, ev, site) => {
      const name = a.string(0);
      return ev.force(
        requireAttr(ev, a.attrs(1), name, "in the attribute set under consideration"),
      );
    },
  ),
  def(
    "hasAttr",
    2,
    'Whether *set* has an attribute named *s*.\n\n    builtins.hasAttr "x" { x = 1; }',
    (a) => {
      const name = a.string(0);
      return a.attrs(1).get(name) !== undefined;
    },
  ),
  def(
    "removeAttrs",
    2,
    '*set* without the attributes named in *list*.\n\n    removeAttrs { x = 1; y = 2; } [ "x" "z" ]',
    (a, ev, site) => {
      const s = a.attrs(0);
      const drop = new Set(
        names(
          ev,
          site,
          a.list(1),
          "while evaluating the values of the second argument passed to builtins.removeAttrs",
        ),
      );
      return subset(s, (k) => !drop.has(k));
    },
  ),
  def(
    "intersectAttrs",
    2,
    "The attributes of *e2* whose names are in *e1*.\n\n    builtins.intersectAttrs { a = 0; } { a = 1; b = 2; }",
    (a) => {
      const left = a.attrs(0);
      return subset(a.attrs(1), (k) => left.get(k) !== undefined);
    },
  ),
  def(
    "listToAttrs",
    1,
    'A set from a list of `{ name; value; }` (the first of a name wins).\n\n    builtins.listToAttrs [ { name = "foo"; value = 123; } ]',
    (a, ev) => {
      // As CppNix: every name first; sorted (by name, then place in the list); the first of
      // each name kept, with its value.
      const pair = "in a {name=...; value=...;} pair";
      const list = a.list(0);
      const names: string[] = new Array(list.length);
      const items: Attrs[] = new Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const item = ev.forceAttrs(
          list[i]!,
          null,
          -1,
          "while evaluating an element of the list passed to builtins.listToAttrs",
        );
        const v = ev.force(requireAttr(ev, item, "name", pair));
        if (typeof v === "string") names[i] = v;
        else {
          const p = item.position("name");
          names[i] = ev.forceStringNoContext(
            v,
            p ? rootEnv(p.source) : null,
            p ? p.offset : -1,
            "while evaluating the `name` attribute of an element of the list passed to builtins.listToAttrs",
          );
        }
        items[i] = item;
      }
      const order: number[] = new Array(list.length);
      let sorted = true;
      for (let i = 0; i < list.length; i++) {
        order[i] = i;
        if (i > 0 && !(names[i - 1]! < names[i]!)) sorted = false;
      }
      if (!sorted) {
        order.sort((x, y) => (names[x]! < names[y]! ? -1 : names[x]! > names[y]! ? 1 : x - y));
      }
      const keys: string[] = [];
      const values: Lazy[] = [];
      const positions: (AttrPosition | undefined)[] = [];
      const kept: number[] = [];
      let missing = false;
      for (const i of order) {
        if (keys.length > 0 && keys[keys.length - 1] === names[i]) continue;
        keys.push(names[i]!);
        kept.push(i);
        const value = items[i]!.get("value");
        if (value === undefined) missing = true;
        values.push(value ?? null);
        // The attribute is where its `value` was defined.
        positions.push(items[i]!.position("value"));
      }
      if (missing) throw missingAttr(ev, "value", pair);
      // Names given in order, each once, were defined in the order of the keys.
      const definitionOrder = sorted
        ? keys
        : Array.from(Int32Array.from(kept).sort(), (i) => names[i]!);
      return new Attrs(keys, values, positions, definitionOrder);
    },
  ),
  def(
    "mapAttrs",
    2,
    "Apply *f* to every name and value of *attrset*, lazily.\n\n    builtins.mapAttrs (name: value: value * 10) { a = 1; b = 2; }",
    (a) => {
      const f = a.lazy(0);
      const s = a.attrs(1);
      const values = s.keys.map((k, i) => Thunk.application(Thunk.application(f, k), s.values[i]!));
      return new Attrs(s.keys, values);
    },
  ),
  def(
    "catAttrs",
    2,
    'The values of the attribute *attr* in the sets of *list* that have it.\n\n    builtins.catAttrs "a" [ { a = 1; } { b = 0; } { a = 2; } ]',
    (a, ev, site) => {
      const name = a.string(0);
      const out: Lazy[] = [];
      for (const l of a.list(1)) {
        const s = ev.forceAttrs(
          l,
          null,
          -1,
          "while evaluating an element in the list passed as second argument to builtins.catAttrs",
        );
        const v = s.get(name);
        if (v !== undefined) out.push(v);
      }
      return out;
    },
  ),
  def(
    "zipAttrsWith",
    2,
    "Merge the sets of *list*: *f* gets each name and the list of its values.\n\n    builtins.zipAttrsWith (name: values: values) [ { a = 1; } { a = 2; } ]",
    (a, ev, site) => {
      a.function(0);
      const f = a.lazy(0);
      const collected = new Map<string, Lazy[]>();
      for (const l of a.list(1)) {
        const s = ev.forceAttrs(
          l,
          null,
          -1,
          "while evaluating a value of the list passed as second argument to builtins.zipAttrsWith",
        );
        for (let i = 0; i < s.keys.length; i++) {
          const k = s.keys[i]!;
          let vs = collected.get(k);
          if (!vs) collected.set(k, (vs = []));
          vs.push(s.values[i]!);
        }
      }
      const map = new Map<string, Lazy>();
      for (const [k, vs] of collected) map.set(k, Thunk.application(Thunk.application(f, k), vs));
      return Attrs.fromMap(map);
    },
  ),
  def(
    "groupBy",
    2,
    'Group the elements of *list* into a set by the name *f* gives each.\n\n    builtins.groupBy (x: if x > 1 then "big" else "small") [ 1 2 3 ]',
    (a, ev, site) => {
      const f = a.function(0);
      const groups = new Map<string, Lazy[]>();
      for (const x of a.list(1)) {
        const key = inContext(
          ev,
          site,
          "while evaluating the return value of the grouping function passed to builtins.groupBy",
          () => ev.forceString(ev.callFunction(f, [x], null, -1), null, -1),
        );
        let g = groups.get(key);
        if (!g) groups.set(key, (g = []));
        g.push(x);
      }
      return Attrs.fromMap(new Map<string, Lazy>(groups));
    },
  ),
];
