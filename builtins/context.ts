/**
 * String context: `hasContext`, `getContext`, `appendContext` (the inverse of `getContext`),
 * `unsafeDiscardStringContext`, and `unsafeDiscardOutputDependency`/`addDrvOutputDependencies`
 * (turning `=drv` into a plain `.drv` dependency and back). Context elements are kept as CppNix
 * writes them: `/nix/store/…` (a path), `=/nix/store/….drv` (a derivation and all its outputs,
 * deep), `!out!/nix/store/….drv` (one built output). `getContext` groups them by store path:
 * `{ path = true; }`, `{ allOutputs = true; }`, `{ outputs = [ … ]; }` (outputs sorted, as
 * CppNix's ordered set gives them).
 */

import { Attrs, NixString, type Lazy } from "../evaluator/value.js";
import type { Evaluator } from "../evaluator/eval.js";
import { argContext, inContext } from "./args.js";
import type { Builtin, CallSite } from "./registry.js";

/** CppNix's `coerceToString` of an argument (paths are copied), with its context. */
function coerce(
  ev: Evaluator,
  site: CallSite,
  l: Lazy,
  frame: string,
): { s: string; context: Set<string> } {
  const context = new Set<string>();
  const s = ev.coerceToString(ev.force(l), context, null, -1, { copyToStore: true }, frame);
  return { s, context };
}

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
          ev.forceString(v, null, -1);
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
      coerce(
        ev,
        site,
        s!,
        "while evaluating the argument passed to builtins.unsafeDiscardStringContext",
      ).s,
  },
  {
    name: "unsafeDiscardOutputDependency",
    arity: 1,
    doc: "*s* with every `=drv` (all outputs, deep) context element made a plain dependency on the `.drv` file. The opposite of `addDrvOutputDependencies`.\n\n    builtins.unsafeDiscardOutputDependency drv.drvPath",
    impl: (ev, [a], site) => {
      const { s, context } = coerce(
        ev,
        site,
        a!,
        "while evaluating the argument passed to builtins.unsafeDiscardOutputDependency",
      );
      const out = new Set([...context].map((c) => (c.startsWith("=") ? c.slice(1) : c)));
      return out.size === 0 ? s : new NixString(s, out);
    },
  },
  {
    name: "addDrvOutputDependencies",
    arity: 1,
    doc: "*s*, whose context must be one `.drv` path, with that context turned into a dependency on all outputs of the derivation (deep). The opposite of `unsafeDiscardOutputDependency`.\n\n    builtins.addDrvOutputDependencies (builtins.unsafeDiscardOutputDependency drv.drvPath)",
    impl: (ev, [a], site) => {
      const { s, context } = coerce(
        ev,
        site,
        a!,
        "while evaluating the argument passed to builtins.addDrvOutputDependencies",
      );
      if (context.size !== 1) {
        throw ev.error(
          "EvalError",
          `context of string '${s}' must have exactly one element, but has ${context.size}`,
          null,
        );
      }
      const c = [...context][0]!;
      if (c.startsWith("!")) {
        const output = c.slice(1, c.indexOf("!", 1));
        throw ev.error(
          "EvalError",
          `\`addDrvOutputDependencies\` can only act on derivations, not on a derivation output such as '${output}'`,
          null,
        );
      }
      if (!c.startsWith("=") && !c.endsWith(".drv")) {
        throw ev.error("EvalError", `path '${c}' is not a derivation`, null);
      }
      return new NixString(s, new Set([c.startsWith("=") ? c : "=" + c]));
    },
  },
  {
    name: "appendContext",
    arity: 2,
    doc: '*s* with the context described by *ctx* added, in the form `getContext` returns.\n\n    builtins.appendContext "" { "/nix/store/…-x.drv" = { outputs = [ "out" ]; }; }',
    impl: (ev, [a, b], site) => {
      const v = inContext(ev, site, argContext(0, "appendContext"), () => {
        const v = ev.force(a!);
        ev.forceString(v, null, -1);
        return v;
      });
      const s = v instanceof NixString ? v.s : (v as string);
      const context = new Set(v instanceof NixString ? v.context : []);
      const attrs = ev.forceAttrs(b!, null, -1, argContext(1, "appendContext"));
      const frame = (what: string) => (f: () => boolean) =>
        inContext(ev, site, `while evaluating the \`${what}\` attribute of a string context`, f);
      for (const name of attrs.names()) {
        if (!ev.store.isStorePath(name)) {
          throw ev.error("EvalError", `context key '${name}' is not a store path`, null);
        }
        if (!ev.store.readOnly && !ev.store.isValid(name)) {
          throw ev.error("EvalError", `path '${name}' is not valid`, null);
        }
        const info = ev.forceAttrs(
          attrs.get(name)!,
          null,
          -1,
          "while evaluating the value of a string context",
        );
        const path = info.get("path");
        if (path !== undefined && frame("path")(() => ev.forceBool(path, null, -1))) {
          context.add(name);
        }
        const all = info.get("allOutputs");
        if (all !== undefined && frame("allOutputs")(() => ev.forceBool(all, null, -1))) {
          if (!name.endsWith(".drv")) {
            throw ev.error(
              "EvalError",
              `tried to add all-outputs context of ${name}, which is not a derivation, to a string`,
              null,
            );
          }
          context.add("=" + name);
        }
        const outputs = info.get("outputs");
        if (outputs !== undefined) {
          const list = ev.forceList(
            outputs,
            null,
            -1,
            "while evaluating the `outputs` attribute of a string context",
          );
          if (list.length > 0 && !name.endsWith(".drv")) {
            throw ev.error(
              "EvalError",
              `tried to add derivation output context of ${name}, which is not a derivation, to a string`,
              null,
            );
          }
          for (const o of list) {
            const output = inContext(
              ev,
              site,
              "while evaluating an output name within a string context",
              () => ev.forceStringNoContext(o, null, -1),
            );
            context.add(`!${output}!${name}`);
          }
        }
      }
      return context.size === 0 ? s : new NixString(s, context);
    },
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
          ev.forceString(v, null, -1);
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
        map.set(p, Attrs.fromMap(m));
      }
      return Attrs.fromMap(map);
    },
  },
];
