/**
 * Seeded fuzzing of the parser: mutated test files, random token sequences and random bytes.
 * Every input must give an AST (which then prints) or a `NixError` with a position, never any
 * other exception, and each must finish within a time bound (a hang is a failure). The seed is
 * fixed, so a failure reproduces; FUZZ_SEED and FUZZ_COUNT override it locally.
 *
 * The parser's own check for undefined variables (`ParseResult.variablesBound`, which lets
 * `--parse` skip `checkScopes`) may only say "all bound" when `checkScopes` finds every
 * variable bound: every input and every test file checks that too.
 */

import { expect, test } from "vitest";
import type { Expr } from "../lang/ast.js";
import { NixError } from "../lang/errors.js";
import { parse } from "../lang/parser.js";
import { showExpr } from "../lang/printer.js";
import { checkScopes } from "../lang/scope.js";
import type { Source } from "../lang/source.js";
import { globalNames } from "../builtins/names.js";
import { discover, langDir, readLatin1 } from "./harness.js";

const SEED = Number(process.env["FUZZ_SEED"] ?? 20261121);
const COUNT = Number(process.env["FUZZ_COUNT"] ?? 4000);
/** Generous: parsing any of these inputs takes well under a millisecond. */
const MAX_MS_PER_INPUT = 2000;

/** mulberry32: a small, well-distributed seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const vocabulary = [
  ..."if then else assert with let in rec inherit or".split(" "),
  ..."== != <= >= && || -> // ++ < > + - * / ? : @ ; ! . , ( ) { } [ ] = ... ${ } |> <|".split(" "),
  '"',
  "''",
  "'''",
  "''$",
  "''\\n",
  "$",
  "\\",
  "x",
  "y",
  "a.b",
  "__curPos",
  "true",
  "null",
  "builtins",
  "0",
  "42",
  "9223372036854775807",
  "9223372036854775808",
  "1.5",
  ".5e3",
  "1.0e999",
  "./p",
  "./p/",
  "/abs/q",
  "~/h",
  "<nixpkgs>",
  "http://x.org/y",
  "#c\n",
  "/* c */",
  "/** d */",
  "\n",
  " ",
  "\r\n",
  "\t",
  "\0",
  "\xff",
  "é",
];

function randomTokens(rand: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    s += vocabulary[Math.floor(rand() * vocabulary.length)];
    if (rand() < 0.7) s += " ";
  }
  return s;
}

function mutate(rand: () => number, src: string): string {
  let s = src;
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (s.length + 1));
    const r = rand();
    if (r < 0.3) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 8));
    else if (r < 0.6)
      s = s.slice(0, at) + randomTokens(rand, 1 + Math.floor(rand() * 3)) + s.slice(at);
    else if (r < 0.8) {
      const from = Math.floor(rand() * s.length);
      s = s.slice(0, at) + s.slice(from, from + Math.floor(rand() * 20)) + s.slice(at);
    } else s = s.slice(0, at) + String.fromCharCode(Math.floor(rand() * 256)) + s.slice(at + 1);
  }
  return s;
}

/** `checkScopes`, which must not find an undefined variable where the parser found none. */
function checkScopesAgrees(
  expr: Expr,
  source: Source,
  variablesBound: boolean,
  input: string,
): void {
  try {
    checkScopes(expr, source, globalNames);
  } catch (e) {
    if (variablesBound) {
      throw new Error(`the parser found every variable bound in ${JSON.stringify(input)}: ${e}`);
    }
    throw e;
  }
}

function check(input: string): "ok" | "error" {
  const start = performance.now();
  let outcome: "ok" | "error";
  try {
    const { expr, source, variablesBound } = parse(
      input,
      { kind: "stdin" },
      { basePath: "/pwd", home: "/fake-home", globals: globalNames },
    );
    checkScopesAgrees(expr, source, variablesBound, input);
    expect(typeof showExpr(expr)).toBe("string");
    outcome = "ok";
  } catch (e) {
    if (!(e instanceof NixError)) {
      throw new Error(`not a Nix error for input ${JSON.stringify(input)}: ${String(e)}`);
    }
    expect(e.pos, `error without a position for ${JSON.stringify(input)}`).toBeDefined();
    outcome = "error";
  }
  const ms = performance.now() - start;
  if (ms > MAX_MS_PER_INPUT) throw new Error(`took ${ms} ms: ${JSON.stringify(input)}`);
  return outcome;
}

test(`fuzz: ${COUNT} inputs from seed ${SEED} parse or fail cleanly`, () => {
  const rand = prng(SEED);
  const corpus = discover(langDir).map((t) => readLatin1(t.nixFile));
  expect(corpus.length).toBeGreaterThan(0);
  const outcomes = { ok: 0, error: 0 };
  for (let i = 0; i < COUNT; i++) {
    const kind = i % 3;
    const input =
      kind === 0
        ? mutate(rand, corpus[Math.floor(rand() * corpus.length)]!)
        : kind === 1
          ? randomTokens(rand, 1 + Math.floor(rand() * 60))
          : Array.from({ length: Math.floor(rand() * 40) }, () =>
              String.fromCharCode(Math.floor(rand() * 128)),
            ).join("");
    outcomes[check(input)]++;
  }
  // The generator must exercise both outcomes, or it tests nothing.
  expect(outcomes.ok).toBeGreaterThan(COUNT / 50);
  expect(outcomes.error).toBeGreaterThan(COUNT / 10);
});

test("the parser's variable check never says bound where checkScopes finds an undefined one", () => {
  const inputs = discover(langDir).map((t) => readLatin1(t.nixFile));
  // CppNix issue 9020: a `rec` set merged into another loses its scope (`y` is then undefined);
  // and `s.y`'s `x` is the merged-into `rec` set's, which the parser does not see.
  inputs.push("{ a.x = 1; a = rec { y = 2; z = y; }; }", "{ s = rec { x = 1; }; s.y = x; }");
  let bound = 0;
  for (const input of inputs) {
    let result;
    try {
      result = parse(
        input,
        { kind: "stdin" },
        { basePath: "/pwd", home: "/", globals: globalNames },
      );
    } catch {
      continue; // a syntax error
    }
    try {
      checkScopesAgrees(result.expr, result.source, result.variablesBound, input);
    } catch (e) {
      if (result.variablesBound) throw e;
    }
    if (result.variablesBound) bound++;
  }
  // Most files have no undefined variable, and the parser must see that (else it saves nothing).
  expect(bound).toBeGreaterThan(inputs.length / 2);
});
