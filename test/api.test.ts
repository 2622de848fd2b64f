/**
 * The library API (evaluator/index.ts, evaluator/api.ts): values to plain JavaScript (checked
 * against `nix-instantiate --eval --strict --json` when it is on PATH), JavaScript to values,
 * Nix functions called from JavaScript, and builtins written in JavaScript.
 */

import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import {
  call,
  createEvaluator,
  EvalStore,
  evalSource,
  MemoryStore,
  RecordRealizer,
  fromJS,
  NixError,
  renderError,
  toJS,
  utf8ToByteString,
  type Builtin,
} from "../index.js";

const haveNix = spawnSync("nix-instantiate", ["--version"]).status === 0;

function evalJS(expr: string, ev = createEvaluator()) {
  return toJS(ev, evalSource(ev, utf8ToByteString(expr)));
}

describe.skipIf(!haveNix)("toJS agrees with nix-instantiate --json", () => {
  const exprs = [
    '{ b = [ 1 2.5 true null ]; a = "x"; c = { d = -3; }; }',
    '"héllo ✓"',
    "builtins.genList (i: i * i) 10",
    'rec { x = 1; y = x + 1; "with space" = "v"; "" = 0; }',
    "{ n = 9007199254740991; m = -1.5e-7; }",
    'builtins.fromJSON \'\'{"z": [1, {"a": 2}], "a": "\\u00e9"}\'\'',
  ];
  for (const expr of exprs) {
    test(expr, () => {
      const r = spawnSync("nix-instantiate", ["--eval", "--strict", "--json", "-E", expr], {
        env: { PATH: process.env["PATH"], HOME: "/fake-home", NIX_REMOTE: "dummy://" },
      });
      expect(r.status, r.stderr.toString()).toBe(0);
      const expected: unknown = JSON.parse(r.stdout.toString("utf8"));
      const ours = evalJS(expr);
      expect(ours).toEqual(expected);
      // Same key order too (Nix's bytewise order).
      expect(JSON.stringify(ours)).toBe(JSON.stringify(expected));
    });
  }
});

describe("values to and from JavaScript", () => {
  test("integers beyond 2^53 are bigints; floats are numbers", () => {
    expect(evalJS("9223372036854775807")).toBe(9223372036854775807n);
    expect(evalJS("1.0")).toBe(1);
    expect(evalJS("builtins.typeOf 1.0")).toBe("float");
  });

  test("paths become strings, cyclic sets cyclic objects", () => {
    expect(evalJS("/a/../b/c")).toBe("/b/c");
    const o = evalJS("let x = { y = x; n = 1; }; in x") as { y: unknown; n: number };
    expect(o.y).toBe(o);
    expect(o.n).toBe(1);
  });

  test("an attribute named __proto__ is an ordinary key", () => {
    const o = evalJS('{ "__proto__" = 1; }') as Record<string, unknown>;
    expect(Object.keys(o)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
  });

  test("fromJS: types as Nix sees them", () => {
    const ev = createEvaluator();
    const typeOf = evalSource(ev, "builtins.typeOf");
    const types = [
      null,
      true,
      1,
      1.5,
      2n ** 60n,
      "s",
      [1],
      { a: 1 },
      new Map([["a", 1]]),
      (x: number) => x,
    ];
    expect(types.map((x) => toJS(ev, call(ev, typeOf, fromJS(ev, x))))).toEqual([
      "null",
      "bool",
      "int",
      "float",
      "int",
      "string",
      "list",
      "set",
      "set",
      "lambda",
    ]);
    expect(() => fromJS(ev, 2n ** 63n)).toThrow(NixError);
  });

  test("strings round-trip as UTF-8", () => {
    const ev = createEvaluator();
    const len = evalSource(ev, "builtins.stringLength");
    expect(toJS(ev, call(ev, len, fromJS(ev, "é✓")))).toBe(5);
    expect(toJS(ev, fromJS(ev, "é✓"))).toBe("é✓");
  });
});

describe("functions across the boundary", () => {
  test("a Nix function called from JavaScript, curried", () => {
    const add = evalJS("a: b: a + b") as (a: number) => (b: number) => number;
    expect(add(1)(2)).toBe(3);
    const f = evalJS("{ x, y ? 10 }: x * y") as (a: object) => number;
    expect(f({ x: 4 })).toBe(40);
  });

  test("a __functor set is a function", () => {
    const f = evalJS("{ __functor = self: x: x + self.k; k = 5; }") as (x: number) => number;
    expect(f(1)).toBe(6);
  });

  test("a JavaScript function called from Nix", () => {
    const ev = createEvaluator();
    const apply = evalSource(ev, "f: f 2 3");
    expect(
      toJS(
        ev,
        call(
          ev,
          apply,
          fromJS(ev, (a: number, b: number) => a * b),
        ),
      ),
    ).toBe(6);
  });

  test("an exception in a JavaScript function is a Nix error at the call site", () => {
    const ev = createEvaluator();
    const apply = evalSource(ev, "f:\n  f 1", { kind: "file", path: "/x.nix" }, "/");
    const boom = fromJS(ev, function boom() {
      throw new Error("boom");
    });
    let err: unknown;
    try {
      call(ev, apply, boom);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NixError);
    const lines = renderError(err as NixError).split("\n");
    expect(lines.slice(1, 3)).toEqual([
      "       \u00e2\u0080\u00a6 while calling the 'boom' builtin",
      "         at /x.nix:2:3:",
    ]);
    expect(lines.filter((l) => l.includes("error:")).pop()).toBe("       error: boom");
  });
});

describe("builtins written in JavaScript", () => {
  const double: Builtin = {
    name: "double",
    arity: 1,
    doc: "Twice *n*.\n\n    builtins.double 21",
    impl: (ev, [n]) => 2 * (ev.forceInt(n!, null, -1) as number),
  };

  test("appear as builtins.NAME and __NAME", () => {
    const ev = createEvaluator({ builtins: [double] });
    expect(evalJS("builtins.double 21", ev)).toBe(42);
    expect(evalJS("__double 4", ev)).toBe(8);
  });

  test("replace a builtin of the same name", () => {
    const ev = createEvaluator({
      builtins: [{ name: "currentSystem", arity: 0, doc: "", impl: () => "riscv64-linux" }],
    });
    expect(evalJS("builtins.currentSystem", ev)).toBe("riscv64-linux");
  });
});

describe("derivations through the library: a store and the record realizer", () => {
  const expr = `let
    dep = derivation { name = "dep"; builder = "/bin/sh"; system = "x86_64-linux"; };
  in derivation {
    name = "main"; builder = "/bin/sh"; system = "x86_64-linux";
    inherit dep; outputs = [ "out" "dev" ];
  }`;

  test("the .drv files go to the store; the realizer records the closure, inputs first", async () => {
    const store = new MemoryStore();
    const ev = createEvaluator({ store: new EvalStore({ store }) });
    const { drvPath, outPath } = toJS(ev, evalSource(ev, utf8ToByteString(expr))) as {
      drvPath: string;
      outPath: string;
    };
    // nix-instantiate 2.8 prints these for the same expression.
    expect(drvPath).toBe("/nix/store/hbkqvn95bzinhdhgxkhjkmyxn3lb0i8q-main.drv");
    expect(store.isValidPath(drvPath)).toBe(true);
    const realizer = new RecordRealizer();
    const [result] = await realizer.realise(store, [{ drvPath, outputs: ["out"] }]);
    expect([...result!.outputs]).toEqual([["out", outPath]]);
    expect(realizer.records.map((r) => r.derivation.name)).toEqual(["dep", "main"]);
    expect(realizer.records[1]!.outputs.get("dev")).toMatch(/-main-dev$/);
    await realizer.realise(store, [{ drvPath, outputs: ["dev"] }]);
    expect(realizer.records.length).toBe(2);
  });

  test("read-only evaluation computes the same paths and writes nothing", () => {
    const store = new MemoryStore();
    const ev = createEvaluator({ store: new EvalStore({ store, readOnly: true }) });
    const { drvPath } = toJS(ev, evalSource(ev, utf8ToByteString(expr))) as { drvPath: string };
    expect(drvPath).toBe("/nix/store/hbkqvn95bzinhdhgxkhjkmyxn3lb0i8q-main.drv");
    expect(store.paths()).toEqual([]);
  });

  test("import from derivation needs a realizer that builds", () => {
    const ev = createEvaluator({
      store: new EvalStore({ store: new MemoryStore(), realizer: new RecordRealizer() }),
    });
    const ifd = `import (derivation { name = "gen"; builder = "/bin/sh"; system = "x86_64-linux"; })`;
    expect(() => ev.force(evalSource(ev, utf8ToByteString(ifd)))).toThrow(
      /cannot build '\/nix\/store\/[a-z0-9]{32}-gen\.drv\^out' during evaluation: the 'record' realizer does not build/,
    );
  });
});
