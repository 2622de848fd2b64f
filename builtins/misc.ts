/**
 * Smaller builtins: `baseNameOf` and `dirOf` (CppNix's string rules: one trailing slash is
 * ignored by `baseNameOf`; `dirOf` of a path is a path), the 64-bit bit operations, `floor` and
 * `ceil` (to integers, with range errors), `functionArgs`, `trace` (prints `trace: …` on stderr),
 * `genericClosure` (keys compared as `lessThan` orders them), and the constants `langVersion`,
 * `nixVersion`, `storeDir`, `currentSystem`.
 */

import type { Evaluator } from "../evaluator/eval.js";
import {
  nixInt,
  Attrs,
  Lambda,
  NixFloat,
  NixPath,
  NixString,
  PrimOp,
  PrimOpApp,
  showType,
  type Lazy,
  type Value,
  envSource,
} from "../evaluator/value.js";
import { NixError } from "../lang/errors.js";
import { Args, argContext, inContext, requireAttr } from "./args.js";
import { type Source } from "../lang/source.js";
import { hashBytes, nixBase32 } from "../store/hash.js";
import { lessThan } from "./arithmetic.js";
import { realisePath } from "./io.js";
import type { Builtin, CallSite } from "./registry.js";

/** The Nix release whose behaviour tsnix follows. */
export const NIX_VERSION = "2.32.0";

function stringWithContext(s: string, context: Set<string>): Value {
  return context.size === 0 ? s : new NixString(s, context);
}

function coerce(ev: Evaluator, site: CallSite, l: Lazy, context: Set<string>, ctx: string): string {
  return ev.coerceToString(ev.force(l), context, null, -1, {}, ctx);
}

function bitOp(name: string, f: (a: bigint, b: bigint) => bigint): Builtin {
  return {
    name,
    arity: 2,
    doc: `The bitwise ${name.slice(3).toUpperCase()} of the integers *e1* and *e2*.\n\n    builtins.${name} 12 10`,
    impl: (ev, args, site) => {
      const a = new Args(ev, site, name, args);
      return nixInt(BigInt.asIntN(64, f(BigInt(a.int(0)), BigInt(a.int(1)))));
    },
  };
}

function rounding(name: "floor" | "ceil"): Builtin {
  return {
    name,
    arity: 1,
    doc: `Round the number *double* ${name === "floor" ? "down" : "up"} to the nearest integer.\n\n    builtins.${name} 23.5`,
    impl: (ev, [x], site) => {
      const v = inContext(ev, site, argContext(0, name), () => {
        const v = ev.force(x!);
        if (typeof v === "number" || typeof v === "bigint" || v instanceof NixFloat) return v;
        const msg = `expected a float but found ${showType(v)}: ${ev.showValue(v)}`;
        throw ev.error("TypeError", msg, null);
      });
      if (!(v instanceof NixFloat)) return v;
      const r = name === "floor" ? Math.floor(v.value) : Math.ceil(v.value);
      if (!Number.isFinite(r) || r >= 9223372036854775807 || r < -9223372036854775808) {
        throw ev.error("EvalError", `Float value ${v.value} is out of range for an integer`, null);
      }
      return Number.isSafeInteger(r) ? r : BigInt(r);
    },
  };
}

export const miscBuiltins: Builtin[] = [
  {
    name: "baseNameOf",
    arity: 1,
    doc: 'The last component of the path or string *x* (a trailing slash is ignored).\n\n    baseNameOf "/a/b/"',
    impl: (ev, [x], site) => {
      const context = new Set<string>();
      const s = coerce(ev, site, x!, context, argContext(0, "baseNameOf"));
      if (s === "") return stringWithContext("", context);
      let last = s.length - 1;
      if (s[last] === "/" && last > 0) last--;
      const slash = s.lastIndexOf("/", last);
      return stringWithContext(s.slice(slash + 1, last + 1), context);
    },
  },
  {
    name: "dirOf",
    arity: 1,
    doc: 'The directory part of *s* (a path for a path, `"."` for a string without a slash).\n\n    dirOf "/a/b/c"',
    impl: (ev, [x], site) => {
      const v = ev.force(x!);
      if (v instanceof NixPath) {
        const i = v.path.lastIndexOf("/");
        return new NixPath(i <= 0 ? "/" : v.path.slice(0, i));
      }
      const context = new Set<string>();
      const s = coerce(
        ev,
        site,
        v,
        context,
        "while evaluating the first argument passed to 'builtins.dirOf'",
      );
      const i = s.lastIndexOf("/");
      return stringWithContext(i === -1 ? "." : i === 0 ? "/" : s.slice(0, i), context);
    },
  },
  bitOp("bitAnd", (a, b) => a & b),
  bitOp("bitOr", (a, b) => a | b),
  bitOp("bitXor", (a, b) => a ^ b),
  rounding("floor"),
  rounding("ceil"),
  {
    name: "functionArgs",
    arity: 1,
    doc: "The formal arguments of *f*, each mapped to whether it has a default.\n\n    builtins.functionArgs ({ x, y ? 123 }: x)",
    impl: (ev, [f], site) => {
      const v = inContext(ev, site, argContext(0, "functionArgs"), () => ev.force(f!));
      if (!(v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp)) {
        throw ev.error("TypeError", "'functionArgs' requires a function", null);
      }
      const map = new Map<string, Lazy>();
      const positions = new Map<string, { source: Source; offset: number }>();
      if (v instanceof Lambda && v.expr.formals) {
        for (const formal of v.expr.formals.formals) {
          map.set(formal.name, formal.default !== null);
          positions.set(formal.name, { source: envSource(v.env), offset: formal.pos });
        }
      }
      return Attrs.fromMap(map, positions);
    },
  },
  {
    name: "trace",
    arity: 2,
    doc: 'Print *e1* on stderr (`trace: …`), then return *e2*.\n\n    builtins.trace "hello" 123',
    impl: (ev, [e1, e2]) => {
      const v = ev.force(e1!);
      const text = typeof v === "string" ? v : v instanceof NixString ? v.s : ev.showValue(v);
      ev.trace(`trace: ${text}`);
      return ev.force(e2!);
    },
  },
  {
    name: "genericClosure",
    arity: 1,
    doc: "The closure of `startSet` under `operator`: sets with a `key`, each key once.\n\n    builtins.genericClosure { startSet = [ { key = 5; } ]; operator = item: [ ]; }",
    impl: (ev, [arg], site) => {
      const attrs = ev.forceAttrs(
        arg!,
        null,
        -1,
        "while evaluating the first argument passed to builtins.genericClosure",
      );
      const inArg = "in the attrset passed as argument to builtins.genericClosure";
      const start = ev.forceList(
        requireAttr(ev, attrs, "startSet", inArg),
        null,
        -1,
        "while evaluating the 'startSet' attribute passed as argument to builtins.genericClosure",
      );
      if (start.length === 0) return start;
      const opL = requireAttr(ev, attrs, "operator", inArg);
      const op = inContext(
        ev,
        site,
        "while evaluating the 'operator' attribute passed as argument to builtins.genericClosure",
        () => ev.forceFunction(opL, null, -1),
      );
      // Keys are ordered by `lessThan`, as in CppNix's `std::map` with `CompareValues` (so a
      // key of another type is an error, and identical values inside keys are equal).
      const keys: Value[] = [];
      const elems: Lazy[] = [];
      const result: Lazy[] = [];
      const work = [...start];
      while (work.length > 0) {
        const e = work.shift()!;
        const shown = () => ev.showValue(ev.force(e));
        let key: Lazy;
        try {
          key = requireAttr(ev, ev.forceAttrs(e, null, -1), "key", "");
        } catch (err) {
          if (err instanceof NixError) err.addTrace(`in genericClosure element ${shown()}`);
          throw err;
        }
        const k = ev.force(key);
        let lo = 0;
        let hi = keys.length;
        let found = false;
        try {
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (lessThan(ev, k, keys[mid]!, site)) hi = mid;
            else if (lessThan(ev, keys[mid]!, k, site)) lo = mid + 1;
            else {
              found = true;
              break;
            }
          }
        } catch (err) {
          if (err instanceof NixError) {
            // Which element the key does not compare with (CppNix searches its map in order).
            const i = keys.findIndex((other) => {
              try {
                lessThan(ev, k, other, site);
                return false;
              } catch {
                return true;
              }
            });
            if (i >= 0) {
              err.addTrace(`with element ${ev.showValue(ev.force(elems[i]!))}`);
              err.addTrace(`while comparing element ${shown()}`);
            } else err.addTrace(`while checking key of element ${shown()}`);
          }
          throw err;
        }
        if (found) continue;
        keys.splice(lo, 0, k);
        elems.splice(lo, 0, e);
        result.push(e);
        try {
          const next = ev.forceList(
            ev.callFunction(op, [e], null, -1),
            null,
            -1,
            "while evaluating the return value of the `operator` passed to builtins.genericClosure",
          );
          for (const x of next) ev.force(x);
          work.push(...next);
        } catch (err) {
          if (err instanceof NixError) {
            err.addTrace(`while calling operator on genericClosure element ${shown()}`);
          }
          throw err;
        }
      }
      return result;
    },
  },
  { name: "langVersion", arity: 0, doc: "The version of the Nix language: 6.", impl: () => 6 },
  {
    name: "nixVersion",
    arity: 0,
    doc: "The version of Nix tsnix follows.",
    impl: () => NIX_VERSION,
  },
  {
    name: "storeDir",
    arity: 0,
    doc: "The logical store directory.",
    impl: (ev) => ev.store.storeDir,
  },
  {
    name: "currentSystem",
    arity: 0,
    doc: 'The system type of this machine, such as `"x86_64-linux"`.',
    impl: (ev) => ev.currentSystem,
  },
];

/** Builtins about evaluation itself rather than values. */
export const evaluationBuiltins: Builtin[] = [
  {
    name: "break",
    arity: 1,
    doc: "In the debugger (`--debugger`), pause evaluation; otherwise return *v*. tsnix has no debugger yet, so it returns *v*.\n\n    builtins.break 1",
    impl: (ev, [v]) => ev.force(v!),
  },
  {
    name: "traceVerbose",
    arity: 2,
    doc: 'Like `trace` with `--trace-verbose`; otherwise return *e2* without printing.\n\n    builtins.traceVerbose "x" 1',
    impl: (ev, [e1, e2], site) => {
      if (ev.traceVerbose) {
        const v = ev.force(e1!);
        ev.trace(
          `trace: ${typeof v === "string" ? v : v instanceof NixString ? v.s : ev.showValue(v)}`,
        );
      }
      return ev.force(e2!);
    },
  },
  {
    name: "currentTime",
    arity: 0,
    doc: "The current time in seconds since the epoch (impure).",
    impl: (ev) => ev.io.now(),
  },
  {
    name: "placeholder",
    arity: 1,
    doc: 'The placeholder for the output *output*, replaced by its path at build time.\n\n    builtins.placeholder "out"',
    impl: (ev, [o], site) => {
      const name = inContext(
        ev,
        site,
        "while evaluating the first argument passed to builtins.placeholder",
        () => ev.forceStringNoContext(o!, null, -1),
      );
      return "/" + nixBase32(hashBytes("sha256", `nix-output:${name}`));
    },
  },
  {
    name: "scopedImport",
    arity: 2,
    doc: "Like `import`, with the attributes of *scope* in scope in the file.\n\n    scopedImport { x = 1; } ./file.nix",
    impl: (ev, [scope, p], site) => {
      const attrs = ev.forceAttrs(
        scope!,
        null,
        -1,
        "while evaluating the first argument passed to builtins.scopedImport",
      );
      const path = realisePath(ev, site, p!);
      return ev.evalFileScoped(path, attrs, site.env, site.pos);
    },
  },
];
