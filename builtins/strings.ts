/**
 * String builtins (more come with issue 3): `toString` (CppNix's `coerceToString` with
 * `coerceMore`: numbers, booleans, null and lists too), `stringLength` (in bytes),
 * `substring` (bytes; a negative length means "to the end"), `concatStringsSep`. Context is
 * carried along.
 */

import { NixString, type Value } from "../evaluator/value.js";
import { Args, inContext } from "./args.js";
import type { Builtin } from "./registry.js";

function withContext(s: string, context: Set<string>): Value {
  return context.size === 0 ? s : new NixString(s, context);
}

export const stringBuiltins: Builtin[] = [
  {
    name: "toString",
    arity: 1,
    doc: "Convert *e* to a string: strings, paths, numbers, Booleans, null, lists, sets with `__toString` or `outPath`.\n\n    toString [ 1 true ]",
    impl: (ev, [e], site) => {
      const v = ev.force(e!);
      if (typeof v === "string") return v;
      if (typeof v === "number") return String(v);
      const context = new Set<string>();
      const s = ev.coerceToString(
        v,
        context,
        null,
        -1,
        { coerceMore: true },
        "while evaluating the first argument passed to builtins.toString",
      );
      return withContext(s, context);
    },
  },
  {
    name: "stringLength",
    arity: 1,
    doc: 'The length of *e* in bytes.\n\n    builtins.stringLength "aaaa"',
    impl: (ev, [e]) =>
      ev.coerceToString(
        ev.force(e!),
        new Set(),
        null,
        -1,
        {},
        "while evaluating the argument passed to builtins.stringLength",
      ).length,
  },
  {
    name: "substring",
    arity: 3,
    doc: 'The part of *s* from byte *start* of at most *len* bytes.\n\n    builtins.substring 0 3 "nixos"',
    impl: (ev, args, site) => {
      const a = new Args(ev, site, "substring", args);
      const start = a.int(0);
      const len = a.int(1);
      if (start < 0) throw ev.error("EvalError", "negative start position in 'substring'", null);
      const context = new Set<string>();
      const s = ev.coerceToString(
        ev.force(args[2]!),
        context,
        null,
        -1,
        {},
        "while evaluating the third argument (the string) passed to builtins.substring",
      );
      const from = Number(start);
      if (from >= s.length) return withContext("", context);
      const end = len < 0 ? s.length : Math.min(s.length, from + Number(len));
      return withContext(s.slice(from, end), context);
    },
  },
  {
    name: "concatStringsSep",
    arity: 2,
    doc: 'Concatenate the strings of *list*, with *separator* between them.\n\n    builtins.concatStringsSep "/" [ "usr" "local" "bin" ]',
    impl: (ev, args, site) => {
      const a = new Args(ev, site, "concatStringsSep", args);
      const context = new Set<string>();
      const sep = inContext(
        ev,
        site,
        "while evaluating the first argument (the separator string) passed to builtins.concatStringsSep",
        () => {
          const v = ev.force(args[0]!);
          if (v instanceof NixString) for (const c of v.context) context.add(c);
          return ev.forceString(v, null, -1);
        },
      );
      const parts = a
        .list(1)
        .map((l) =>
          ev.coerceToString(
            ev.force(l),
            context,
            null,
            -1,
            {},
            "while evaluating one element of the list of strings to concat passed to builtins.concatStringsSep",
          ),
        );
      return withContext(parts.join(sep), context);
    },
  },
];
