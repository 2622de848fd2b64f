/**
 * String context introspection (the pure part; issue 4 adds the builtins that create context):
 * `hasContext`, `unsafeDiscardStringContext`, `getContext`. Context elements are kept as CppNix
 * writes them: `/nix/store/…` (a path), `=/nix/store/….drv` (a derivation and all its outputs,
 * deep), `!out!/nix/store/….drv` (one built output). `getContext` groups them by store path:
 * `{ path = true; }`, `{ allOutputs = true; }`, `{ outputs = [ … ]; }` (outputs sorted, as
 * CppNix's ordered set gives them).
 */

import { Attrs, NixString, type Lazy } from "../evaluator/value.js";
import { inContext } from "./args.js";
import type { Builtin } from "./registry.js";

export const contextBuiltins: Builtin[] = [
  {
    name: "hasContext",
    arity: 1,
    doc: 'Whether the string *s* has a context (refers to store paths or derivations).\n\n    builtins.hasContext "x"',
    impl: (ev, [s], site) => {
      const v = inContext(
        ev,
        site,
        "while evaluating the argument passed to builtins.hasContext",
        () => {
          const v = ev.force(s!);
          ev.forceString(v, site.env, site.pos);
          return v;
        },
      );
      return v instanceof NixString && v.context.size > 0;
    },
  },
  {
    name: "unsafeDiscardStringContext",
    arity: 1,
    doc: "The string *s* without its context.\n\n    builtins.unsafeDiscardStringContext s",
    impl: (ev, [s], site) =>
      inContext(
        ev,
        site,
        "while evaluating the argument passed to builtins.unsafeDiscardStringContext",
        () => ev.forceString(s!, site.env, site.pos),
      ),
  },
  {
    name: "getContext",
    arity: 1,
    doc: "The context of *s*, by store path: `{ path = true; }`, `{ allOutputs = true; }` or `{ outputs = [ … ]; }`.\n\n    builtins.getContext s",
    impl: (ev, [s], site) => {
      const v = inContext(
        ev,
        site,
        "while evaluating the argument passed to builtins.getContext",
        () => {
          const v = ev.force(s!);
          ev.forceString(v, site.env, site.pos);
          return v;
        },
      );
      const infos = new Map<string, { path: boolean; allOutputs: boolean; outputs: string[] }>();
      const info = (p: string) => {
        let i = infos.get(p);
        if (!i) infos.set(p, (i = { path: false, allOutputs: false, outputs: [] }));
        return i;
      };
      if (v instanceof NixString) {
        for (const c of v.context) {
          if (c.startsWith("=")) info(c.slice(1)).allOutputs = true;
          else if (c.startsWith("!")) {
            const end = c.indexOf("!", 1);
            info(c.slice(end + 1)).outputs.push(c.slice(1, end));
          } else info(c).path = true;
        }
      }
      const map = new Map<string, Lazy>();
      for (const [p, i] of infos) {
        const m = new Map<string, Lazy>();
        if (i.path) m.set("path", true);
        if (i.allOutputs) m.set("allOutputs", true);
        if (i.outputs.length > 0) m.set("outputs", i.outputs.sort());
        map.set(p, new Attrs(m));
      }
      return new Attrs(map);
    },
  },
];
