/**
 * Errors and evaluation order: `throw` (which `tryEval` catches, as a failed `assert`),
 * `abort` (which nothing catches), `seq`, `deepSeq`, and `tryEval`, which forces its argument
 * to weak head normal form and returns `{ success; value; }` (`value = false` on failure).
 */

import { NixError } from "../lang/errors.js";
import { Attrs, type Lazy } from "../evaluator/value.js";
import { inContext } from "./args.js";
import type { Builtin } from "./registry.js";

export const controlBuiltins: Builtin[] = [
  {
    name: "addErrorContext",
    arity: 2,
    doc: 'Evaluate *e*; if that fails, add *ctx* to the error\'s trace.\n\n    builtins.addErrorContext "while building foo" e',
    // Its message is the frame; CppNix adds no "while calling" one.
    addTrace: false,
    impl: (ev, [ctx, e]) => {
      try {
        return ev.force(e!);
      } catch (err) {
        if (err instanceof NixError) {
          const msg = ev.coerceToString(
            ev.force(ctx!),
            new Set(),
            null,
            -1,
            {},
            "while evaluating the error message passed to builtins.addErrorContext",
          );
          err.addTrace(msg, undefined, "always");
        }
        throw err;
      }
    },
  },
  {
    name: "warn",
    arity: 2,
    doc: 'Print the string *msg* as an evaluation warning, then return *e2*.\n\n    builtins.warn "deprecated" 1',
    impl: (ev, [msg, e], site) => {
      const text = inContext(
        ev,
        site,
        "while evaluating the first argument; the message passed to builtins.warn",
        () => ev.forceString(msg!, null, -1),
      );
      const prefix = "evaluation warning:";
      // As CppNix's showErrorInfo: continuation lines are indented under the message, unless
      // the message starts with a newline.
      const rendered = text.startsWith("\n")
        ? prefix + text.replace(/[ \t\n\r]+$/, "")
        : `${prefix} ` +
          text
            .replace(/[ \t\n\r]+$/, "")
            .split("\n")
            .join("\n" + " ".repeat(prefix.length + 1));
      ev.trace(rendered);
      if (ev.abortOnWarn) {
        throw ev.error(
          "EvalError",
          "aborting to reveal stack trace of warning, as abort-on-warn is set",
          null,
        );
      }
      return ev.force(e!);
    },
  },
  {
    name: "throw",
    arity: 1,
    doc: 'Throw an error message *s*, which `tryEval` can catch.\n\n    throw "oops"',
    impl: (ev, [s], site) => {
      const msg = ev.coerceToString(
        ev.force(s!),
        new Set(),
        null,
        -1,
        {},
        "while evaluating the error message passed to builtin.throw",
      );
      throw new NixError("ThrownError", msg);
    },
  },
  {
    name: "abort",
    arity: 1,
    doc: 'Abort evaluation with the message *s* (`tryEval` does not catch it).\n\n    abort "unsupported platform"',
    impl: (ev, [s], site) => {
      const msg = ev.coerceToString(
        ev.force(s!),
        new Set(),
        null,
        -1,
        {},
        "while evaluating the error message passed to builtins.abort",
      );
      throw new NixError("Abort", `evaluation aborted with the following error message: '${msg}'`);
    },
  },
  {
    name: "seq",
    arity: 2,
    doc: "Evaluate *e1* (to weak head normal form), then return *e2*.\n\n    builtins.seq 1 2",
    impl: (ev, [a, b]) => {
      ev.force(a!);
      return ev.force(b!);
    },
  },
  {
    name: "deepSeq",
    arity: 2,
    doc: "Evaluate *e1* completely, then return *e2*.\n\n    builtins.deepSeq [ 1 ] 2",
    impl: (ev, [a, b]) => {
      ev.forceDeep(a!);
      return ev.force(b!);
    },
  },
  {
    name: "tryEval",
    arity: 1,
    doc: 'Try to evaluate *e* shallowly: `{ success = true; value = e; }`, or `{ success = false; value = false; }` if it throws or an assertion fails.\n\n    builtins.tryEval (throw "x")',
    impl: (ev, [e]) => {
      try {
        ev.force(e!);
        return Attrs.fromMap(
          new Map<string, Lazy>([
            ["success", true],
            ["value", e!],
          ]),
        );
      } catch (err) {
        if (
          err instanceof NixError &&
          (err.kind === "ThrownError" || err.kind === "AssertionError")
        ) {
          return Attrs.fromMap(
            new Map<string, Lazy>([
              ["success", false],
              ["value", false],
            ]),
          );
        }
        throw err;
      }
    },
  },
];
