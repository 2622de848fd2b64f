/**
 * The REPL core (cli/repl/core.ts) driven by scripted lines, compared with what nix repl
 * prints. Each test shows a transcript as a terminal would: the prompt, the line typed, the
 * output. Where an expectation comes from, a comment says:
 *
 * - "current Nix": CppNix's src/libcmd/repl.cc, src/libexpr/print.cc and the characterisation
 *   tests in tests/functional/repl/ (read for the behaviour, not copied);
 * - "Nix 2.8": checked against the `nix repl` 2.8 installed here (`printf … | nix repl`), for
 *   what has not changed since (messages of `:t`, `:b`, bindings);
 * - "tsnix": a difference on purpose, listed in README.md's REPL section.
 *
 * Fixtures are in test/fixtures/repl/.
 */

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { nodeHost } from "../cli/host.js";
import { CONTINUATION_PROMPT, PROMPT, Repl, type ReplOptions } from "../cli/repl/core.js";
import { createEvaluator, type CreateOptions } from "../evaluator/index.js";

const fixtures = fileURLToPath(new URL("fixtures/repl", import.meta.url));

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

interface Session {
  repl: Repl;
  /** What `start()` printed. */
  welcome: string;
  /** Feeds the lines; the transcript (prompt, line, output), the fixture directory as `<dir>`. */
  run(...lines: string[]): string;
}

function session(
  options: Partial<ReplOptions> = {},
  evalOptions: CreateOptions = {},
  dir = fixtures,
): Session {
  const repl = new Repl({
    createEvaluator: () => createEvaluator({ io: nodeHost, maxCallDepth: 1000, ...evalOptions }),
    files: [],
    autoArgs: new Map(),
    colors: false,
    resolvePath: (p) => path.resolve(dir, p),
    listDir,
    ...options,
  });
  const start = repl.start();
  let prompt = start.prompt;
  return {
    repl,
    welcome: start.output.replaceAll(dir, "<dir>"),
    run(...lines) {
      let out = "";
      for (const line of lines) {
        const reply = repl.feed(line);
        out += prompt + line + "\n" + reply.output;
        prompt = reply.prompt;
      }
      return out.replaceAll(dir, "<dir>");
    },
  };
}

/** Lines joined, each ending in a newline. */
function lines(...ls: string[]): string {
  return ls.map((l) => l + "\n").join("");
}

describe("start", () => {
  test("welcome, then the files given, each as :r loads it", () => {
    // Current Nix: "Nix VERSION" and "Type :? for help."; loadFiles prints `Loading "FILE"...`
    // and keeps going after a file that fails.
    const s = session({ files: ["lib.nix", "nothere.nix", "dir"] });
    expect(s.welcome).toBe(
      lines(
        "tsnix repl (Nix 2.32.0)",
        "Type :? for help.",
        'Loading "lib.nix"...',
        "Added 7 variables.",
        "answer, callable, curried, inc, join, nested, undocumented",
        'Loading "nothere.nix"...',
        "error: path '<dir>/nothere.nix' does not exist",
        'Loading "dir"...',
        "Added 1 variables.",
        "fromDir",
      ),
    );
    expect(s.run("inc answer")).toBe(lines("nix-repl> inc answer", "43", ""));
  });

  test("prompts are nix repl's", () => {
    expect(PROMPT).toBe("nix-repl> ");
    expect(CONTINUATION_PROMPT).toBe("        > ");
  });
});

describe("printing values", () => {
  test("every type, to depth 1 (current Nix: force, pretty-printed, `{ ... }` below)", () => {
    const s = session();
    expect(
      s.run(
        "1",
        "-9223372036854775807 - 1",
        "1.5",
        "0.1 + 0.2",
        "1.0e20",
        "true",
        "null",
        '"a\\"b\\\\c\\nd\\te${"$"}{x}"',
        "./lib.nix",
        "x: x",
        "f = { a, b ? 1 }: a",
        "f",
        "builtins.map",
        "map (x: x)",
        "[ ]",
        "{ }",
        "[ 1 ]",
        "[ 1 2 ]",
        "{ a = 1; }",
        "{ a = { b = 1; }; }",
        "[ [ 1 ] ]",
        '{ s = "x" + "y"; n = 1 + 1; l = [ 1 ]; e = { }; el = [ ]; z = null; }',
      ),
    ).toBe(
      lines(
        "nix-repl> 1",
        "1",
        "",
        "nix-repl> -9223372036854775807 - 1",
        "-9223372036854775808",
        "",
        "nix-repl> 1.5",
        "1.5",
        "",
        "nix-repl> 0.1 + 0.2",
        "0.3",
        "",
        "nix-repl> 1.0e20",
        "1e+20",
        "",
        "nix-repl> true",
        "true",
        "",
        "nix-repl> null",
        "null",
        "",
        'nix-repl> "a\\"b\\\\c\\nd\\te${"$"}{x}"',
        '"a\\"b\\\\c\\nd\\te\\${x}"',
        "",
        "nix-repl> ./lib.nix",
        "<dir>/lib.nix",
        "",
        "nix-repl> x: x",
        "«lambda @ «string»:1:1»",
        "",
        "nix-repl> f = { a, b ? 1 }: a",
        "",
        "nix-repl> f",
        "«lambda f @ «string»:1:5»",
        "",
        "nix-repl> builtins.map",
        "«primop map»",
        "",
        "nix-repl> map (x: x)",
        "«partially applied primop map»",
        "",
        "nix-repl> [ ]",
        "[ ]",
        "",
        "nix-repl> { }",
        "{ }",
        "",
        "nix-repl> [ 1 ]",
        "[ 1 ]",
        "",
        "nix-repl> [ 1 2 ]",
        "[",
        "  1",
        "  2",
        "]",
        "",
        "nix-repl> { a = 1; }",
        "{ a = 1; }",
        "",
        "nix-repl> { a = { b = 1; }; }",
        "{",
        "  a = { ... };",
        "}",
        "",
        "nix-repl> [ [ 1 ] ]",
        "[",
        "  [ ... ]",
        "]",
        "",
        'nix-repl> { s = "x" + "y"; n = 1 + 1; l = [ 1 ]; e = { }; el = [ ]; z = null; }',
        "{",
        "  e = { ... };",
        "  el = [ ... ];",
        "  l = [ ... ];",
        "  n = 2;",
        '  s = "xy";',
        "  z = null;",
        "}",
        "",
      ),
    );
  });

  test("names that are not identifiers are quoted; names sort bytewise, type too", () => {
    const s = session();
    expect(s.run('{ "a b" = 1; "if" = 2; type = 3; _x = 4; "1" = 5; }')).toBe(
      lines(
        'nix-repl> { "a b" = 1; "if" = 2; type = 3; _x = 4; "1" = 5; }',
        "{",
        '  "1" = 5;',
        "  _x = 4;",
        '  "a b" = 1;',
        '  "if" = 2;',
        "  type = 3;",
        "}",
        "",
      ),
    );
  });

  test("derivations print as their .drv (current Nix: derivationPaths), at any depth", () => {
    // The path is real Nix's: nix-instantiate --eval -E '(derivation { … }).drvPath'. A lone
    // element that is a set makes its set or list multi-line, even a derivation (as CppNix).
    const s = session();
    const drv = 'derivation { name = "a"; builder = "b"; system = "x"; }';
    const path = "/nix/store/nnqh7675wghd0xmrywqm2yh9psrkk13q-a.drv";
    expect(s.run(drv, `{ d = ${drv}; }`, `:p [ (${drv}) ]`)).toBe(
      lines(
        `nix-repl> ${drv}`,
        `«derivation ${path}»`,
        "",
        `nix-repl> { d = ${drv}; }`,
        "{",
        `  d = «derivation ${path}»;`,
        "}",
        "",
        `nix-repl> :p [ (${drv}) ]`,
        "[",
        `  «derivation ${path}»`,
        "]",
        "",
      ),
    );
  });

  test("repeated sets and lists (current Nix's printing test)", () => {
    const s = session();
    expect(
      s.run(
        "let x = { y = { a = 1; }; inherit x; }; in x",
        "let l = [ 1 ]; s = { a = 1; }; in [ l l s s ]",
        ":p let l = [ 1 ]; s = { a = 1; }; in [ l l s s ]",
      ),
    ).toBe(
      lines(
        "nix-repl> let x = { y = { a = 1; }; inherit x; }; in x",
        "{",
        "  x = «repeated»;",
        "  y = { ... };",
        "}",
        "",
        "nix-repl> let l = [ 1 ]; s = { a = 1; }; in [ l l s s ]",
        "[",
        "  [ ... ]",
        "  «repeated»",
        "  { ... }",
        "  «repeated»",
        "]",
        "",
        "nix-repl> :p let l = [ 1 ]; s = { a = 1; }; in [ l l s s ]",
        "[",
        "  [ 1 ]",
        "  «repeated»",
        "  { a = 1; }",
        "  «repeated»",
        "]",
        "",
      ),
    );
  });

  test(":p prints everything; a string as it is", () => {
    const s = session();
    expect(
      s.run(
        ':p { a = { b = 2; }; s = "string"; n = 1234; x = rec { y = { z = { inherit y; }; }; }; }',
        ':p "line\\n\\"quoted\\""',
        ":p 1",
        ":print [ [ ] [ [ 1 2 ] ] ]",
      ),
    ).toBe(
      lines(
        'nix-repl> :p { a = { b = 2; }; s = "string"; n = 1234; x = rec { y = { z = { inherit y; }; }; }; }',
        "{",
        "  a = { b = 2; };",
        "  n = 1234;",
        '  s = "string";',
        "  x = {",
        "    y = {",
        "      z = {",
        "        y = «repeated»;",
        "      };",
        "    };",
        "  };",
        "}",
        "",
        'nix-repl> :p "line\\n\\"quoted\\""',
        "line",
        '"quoted"',
        "",
        "nix-repl> :p 1",
        "1",
        "",
        "nix-repl> :print [ [ ] [ [ 1 2 ] ] ]",
        "[",
        "  [ ]",
        "  [",
        "    [",
        "      1",
        "      2",
        "    ]",
        "  ]",
        "]",
        "",
      ),
    );
  });

  test("an empty set is never «repeated» (tsnix; CppNix shares one empty set)", () => {
    const s = session();
    expect(s.run(":p { a = { }; b = { }; }")).toBe(
      lines("nix-repl> :p { a = { }; b = { }; }", "{", "  a = { };", "  b = { };", "}", ""),
    );
  });

  test("an error inside a value prints in place; at the top it is the error", () => {
    // Current Nix: ErrorPrintBehavior::ThrowTopLevel. A lone attribute is forced to choose the
    // layout, so `{ a = throw "x"; }` fails as a whole, as in CppNix.
    const s = session();
    expect(
      s.run(
        '{ a = throw "x"; b = 1; }',
        ':p { a = throw "x"; b = [ (abort "y") 2 ]; }',
        '{ a = throw "x"; }',
        "1 + 1",
      ),
    ).toBe(
      lines(
        'nix-repl> { a = throw "x"; b = 1; }',
        "{",
        "  a = «error: x»;",
        "  b = 1;",
        "}",
        "",
        'nix-repl> :p { a = throw "x"; b = [ (abort "y") 2 ]; }',
        "{",
        "  a = «error: x»;",
        "  b = [",
        "    «error: evaluation aborted with the following error message: 'y'»",
        "    2",
        "  ];",
        "}",
        "",
        'nix-repl> { a = throw "x"; }',
        "error:",
        "       … while calling the 'throw' builtin",
        "         at «string»:1:7:",
        '            1| { a = throw "x"; }',
        "             |       ^",
        "",
        "       error: x",
        "",
        "nix-repl> 1 + 1",
        "2",
        "",
      ),
    );
  });

  test("printing deeper than max-call-depth is Nix's stack overflow, and the REPL goes on", () => {
    // CppNix shows the position of the innermost set; tsnix's sets do not keep theirs.
    const s = session({}, { maxCallDepth: 50 });
    expect(s.run(":p let f = n: { inner = f (n + 1); }; in f 0", "2")).toBe(
      lines(
        "nix-repl> :p let f = n: { inner = f (n + 1); }; in f 0",
        "error: stack overflow; max-call-depth exceeded",
        "",
        "nix-repl> 2",
        "2",
        "",
      ),
    );
  });

  test("colours on a terminal (CppNix's ansicolor.hh codes)", () => {
    const s = session({ colors: true });
    const out = s.run(
      '{ i = 1; f = 1.5; b = true; n = null; s = "s"; p = /x; l = x: x; o = map; }',
    );
    const e = (code: string, text: string) => `\x1b[${code}m${text}\x1b[0m`;
    expect(out).toBe(
      lines(
        'nix-repl> { i = 1; f = 1.5; b = true; n = null; s = "s"; p = /x; l = x: x; o = map; }',
        "{",
        `  b = ${e("36;1", "true")};`,
        `  f = ${e("36;1", "1.5")};`,
        `  i = ${e("36;1", "1")};`,
        `  l = ${e("34;1", "«lambda l @ «string»:1:60»")};`,
        `  n = ${e("36;1", "null")};`,
        `  o = ${e("34;1", "«primop map»")};`,
        `  p = ${e("32;1", "/x")};`,
        `  s = ${e("35;1", '"s"')};`,
        "}",
        "",
      ),
    );
    expect(s.run("let x = { inherit x; }; in x", '{ a = throw "e"; b = 1; }')).toBe(
      lines(
        "nix-repl> let x = { inherit x; }; in x",
        "{",
        `  x = ${e("35;1", "«repeated»")};`,
        "}",
        "",
        'nix-repl> { a = throw "e"; b = 1; }',
        "{",
        `  a = ${e("31;1", "«error: e»")};`,
        `  b = ${e("36;1", "1")};`,
        "}",
        "",
      ),
    );
  });

  test("output is Unicode text (byte strings decoded as UTF-8)", () => {
    const s = session();
    expect(s.run('"héllo ✓"', 'builtins.stringLength "é"')).toBe(
      lines('nix-repl> "héllo ✓"', '"héllo ✓"', "", 'nix-repl> builtins.stringLength "é"', "2", ""),
    );
  });
});

describe("bindings", () => {
  test("persist, shadow, and are not recursive (current Nix's parseReplBindings)", () => {
    // `b = a` on the line that defines `a` sees the previous `a` (here: none), as in current Nix,
    // whose bindings are a non-recursive set resolved in the REPL's scope.
    const s = session();
    expect(
      s.run(
        "x = 1",
        "x",
        "f = _: x",
        "x = x + 1",
        "x",
        "f null",
        "a = 1; b = 2;",
        "a + b",
        "c = 1; d = c;",
        "y =   3   ",
      ),
    ).toBe(
      lines(
        "nix-repl> x = 1",
        "",
        "nix-repl> x",
        "1",
        "",
        "nix-repl> f = _: x",
        "",
        "nix-repl> x = x + 1",
        "",
        "nix-repl> x",
        "2",
        "",
        "nix-repl> f null",
        "1",
        "",
        "nix-repl> a = 1; b = 2;",
        "",
        "nix-repl> a + b",
        "3",
        "",
        "nix-repl> c = 1; d = c;",
        "error: undefined variable 'c'",
        "       at «string»:1:12:",
        "            1| c = 1; d = c;",
        "             |            ^",
        "",
        "nix-repl> y =   3   ",
        "",
      ),
    );
  });

  test("inherit, with or without `;`, from a set or from the scope; nested paths", () => {
    const s = session();
    expect(
      s.run(
        "inherit (builtins) map;",
        "map (x: x + 1) [ 1 ]",
        "a = { x = 10; y = 20; z = 30; }",
        "inherit (a) x y",
        "inherit (a) z; w = 5;",
        "x + y + z + w",
        "inherit w",
        "b.c.d = 1;",
        "b.c",
        "r = rec { p = 1; q = p; }",
        "r.q",
      ),
    ).toBe(
      lines(
        "nix-repl> inherit (builtins) map;",
        "",
        "nix-repl> map (x: x + 1) [ 1 ]",
        "[ 2 ]",
        "",
        "nix-repl> a = { x = 10; y = 20; z = 30; }",
        "",
        "nix-repl> inherit (a) x y",
        "",
        "nix-repl> inherit (a) z; w = 5;",
        "",
        "nix-repl> x + y + z + w",
        "65",
        "",
        "nix-repl> inherit w",
        "",
        "nix-repl> b.c.d = 1;",
        "",
        "nix-repl> b.c",
        "{ d = 1; }",
        "",
        "nix-repl> r = rec { p = 1; q = p; }",
        "",
        "nix-repl> r.q",
        "1",
        "",
      ),
    );
  });

  test("a ${…} name is bound too (tsnix; CppNix ignores it)", () => {
    const s = session();
    expect(s.run('${"dyn" + "amic"} = 1;', "dynamic")).toBe(
      lines('nix-repl> ${"dyn" + "amic"} = 1;', "", "nix-repl> dynamic", "1", ""),
    );
  });

  test("an inherited attribute that is missing shows the line as typed (no added `;`)", () => {
    const s = session();
    expect(s.run("a = { x = 1; }", "inherit (a) y", "y")).toBe(
      lines(
        "nix-repl> a = { x = 1; }",
        "",
        "nix-repl> inherit (a) y",
        "",
        "nix-repl> y",
        "error:",
        "       … while evaluating the attribute 'y'",
        "         at «string»:1:13:",
        "            1| inherit (a) y",
        "             |             ^",
        "",
        "       error: attribute 'y' missing",
        "       Did you mean x?",
        "",
      ),
    );
  });

  test("a binding's value is lazy: an error shows when it is used", () => {
    const s = session();
    expect(s.run('bad = throw "later"', "1", "bad")).toBe(
      lines(
        'nix-repl> bad = throw "later"',
        "",
        "nix-repl> 1",
        "1",
        "",
        "nix-repl> bad",
        "error:",
        "       … while calling the 'throw' builtin",
        "         at «string»:1:7:",
        '            1| bad = throw "later"',
        "             |       ^",
        "",
        "       error: later",
        "",
      ),
    );
  });
});

describe("commands", () => {
  test(":? lists every command with a help line", () => {
    const s = session();
    const out = s.run(":?");
    expect(out).toBe(
      lines(
        "nix-repl> :?",
        "The following commands are available:",
        "",
        "  <expr>                       Evaluate an expression and print its value",
        "  <x> = <expr>                 Bind an expression to a variable",
        "  :a, :add <expr>              Add the attributes of a set to the scope",
        "  :b, :build <expr>            Build a derivation",
        "  :doc <expr>                  Show the documentation of a builtin or of a documented function",
        "  :e, :edit <expr>             Open a function or a package's definition in $EDITOR",
        "  :l, :load <path>             Load a Nix file and add its attributes to the scope",
        "  :ll, :last-loaded            List the variables that the last :a or :l added",
        "  :p, :print <expr>            Evaluate and print an expression fully",
        "                               (a string as it is, without quotes or escapes)",
        "  :q, :quit                    Leave the REPL",
        "  :r, :reload                  Start over: forget all variables, load the files again",
        "  :t, :type <expr>             Show the type of an expression's value",
        "  :te, :trace-enable [bool]    Show error traces (true), hide them (false), or toggle",
        "  :?, :help                    Show this help",
        "",
      ),
    );
    expect(s.run(":help")).toBe("nix-repl> :help\n" + out.slice("nix-repl> :?\n".length));
  });

  test(":a adds a set's attributes and names them (current Nix's addAttrsToScope)", () => {
    const s = session();
    expect(
      s.run(
        ':a { a = 1; b = 2; longerName = 3; "with spaces" = 4; "if" = 5; }',
        "a + b + longerName",
        ":add { a = 10; }",
        "a",
        ":ll",
        ":a 1",
      ),
    ).toBe(
      lines(
        'nix-repl> :a { a = 1; b = 2; longerName = 3; "with spaces" = 4; "if" = 5; }',
        "Added 5 variables.",
        'a, b, "if", longerName, "with spaces"',
        "",
        "nix-repl> a + b + longerName",
        "6",
        "",
        "nix-repl> :add { a = 10; }",
        "Added 1 variables.",
        "a",
        "",
        "nix-repl> a",
        "10",
        "",
        "nix-repl> :ll",
        "a",
        "",
        "nix-repl> :a 1",
        "error:",
        "       … while evaluating an attribute set to be merged in the global scope",
        "",
        "       error: expected a set but found an integer: 1",
        "",
      ),
    );
  });

  test(":a of many names shows 20, :ll all of them in the set's order", () => {
    const s = session();
    const out = s.run(
      ":a builtins.listToAttrs (builtins.genList (i: { name = toString i; value = i; }) 23)",
      ":ll",
    );
    expect(out).toBe(
      lines(
        "nix-repl> :a builtins.listToAttrs (builtins.genList (i: { name = toString i; value = i; }) 23)",
        "Added 23 variables.",
        '"0", "1", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "2", "20", "21", "22", "3", "4", "5", "6"',
        "... and 3 more; view with :ll",
        "",
        "nix-repl> :ll",
        ...Array.from({ length: 23 }, (_, i) => String(i)),
        "",
      ),
    );
    expect(session().run(":ll")).toBe(
      lines("nix-repl> :ll", "error: nothing has been loaded yet", ""),
    );
  });

  test(":l loads a file, a directory's default.nix, a search-path file; errors go on", () => {
    const s = session({}, { searchPath: [{ prefix: "fixtures", path: fixtures }] });
    expect(
      s.run(
        ":l lib.nix",
        "inc answer",
        ":load ./dir",
        "fromDir",
        ":l ./does-not-exist.nix",
        ":l <fixtures/pkg.nix>",
        "pkg.name",
        ":l broken.nix",
      ),
    ).toBe(
      lines(
        "nix-repl> :l lib.nix",
        "Added 7 variables.",
        "answer, callable, curried, inc, join, nested, undocumented",
        "",
        "nix-repl> inc answer",
        "43",
        "",
        "nix-repl> :load ./dir",
        "Added 1 variables.",
        "fromDir",
        "",
        "nix-repl> fromDir",
        '"loaded from dir/default.nix"',
        "",
        "nix-repl> :l ./does-not-exist.nix",
        "error: path '<dir>/does-not-exist.nix' does not exist",
        "",
        "nix-repl> :l <fixtures/pkg.nix>",
        "Added 2 variables.",
        "noPosition, pkg",
        "",
        "nix-repl> pkg.name",
        '"pkg"',
        "",
        "nix-repl> :l broken.nix",
        "error: syntax error, unexpected end of file",
        "       at <dir>/broken.nix:3:1:",
        "            2| { a =",
        "            3|",
        "             | ^",
        "",
      ),
    );
  });

  test(":l auto-calls a function with the --arg values (a map, or made per evaluator)", () => {
    const needs = session();
    expect(needs.run(":l args.nix")).toContain(
      "error: cannot evaluate a function that has an argument without a value ('n')",
    );
    const s = session({ autoArgs: new Map([["n", 21]]) });
    expect(s.run(":l args.nix", "twice", "greeting")).toBe(
      lines(
        "nix-repl> :l args.nix",
        "Added 2 variables.",
        "greeting, twice",
        "",
        "nix-repl> twice",
        "42",
        "",
        "nix-repl> greeting",
        '"hello world"',
        "",
      ),
    );
    const t = session({
      autoArgs: (ev) =>
        new Map([
          ["n", ev.lazyText("3 + 4", { kind: "string" }, "/")],
          ["who", "you"],
        ]),
    });
    expect(t.run(":l args.nix", "[ twice greeting ]")).toBe(
      lines(
        "nix-repl> :l args.nix",
        "Added 2 variables.",
        "greeting, twice",
        "",
        "nix-repl> [ twice greeting ]",
        "[",
        "  14",
        '  "hello you"',
        "]",
        "",
      ),
    );
  });

  test(":r starts over: the files again (changed), the variables bound by hand gone", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsnix-repl-"));
    try {
      const file = path.join(dir, "f.nix");
      fs.writeFileSync(file, "{ v = 1; }\n");
      const s = session({}, {}, dir);
      expect(s.run(":l f.nix", "v", "mine = 2", ":l missing.nix")).toBe(
        lines(
          "nix-repl> :l f.nix",
          "Added 1 variables.",
          "v",
          "",
          "nix-repl> v",
          "1",
          "",
          "nix-repl> mine = 2",
          "",
          "nix-repl> :l missing.nix",
          "error: path '<dir>/missing.nix' does not exist",
          "",
        ),
      );
      fs.writeFileSync(file, "{ v = 2; w = 3; }\n");
      expect(s.run(":r", "v + w", "mine")).toBe(
        lines(
          "nix-repl> :r",
          'Loading "f.nix"...',
          "Added 2 variables.",
          "v, w",
          "",
          "nix-repl> v + w",
          "5",
          "",
          "nix-repl> mine",
          "error: undefined variable 'mine'",
          "       at «string»:1:1:",
          "            1| mine",
          "             | ^",
          "",
        ),
      );
      // `:l` reads a file again too (current Nix resets the file cache).
      fs.writeFileSync(file, "{ v = 7; }\n");
      expect(s.run(":l f.nix", "v", ":reload")).toBe(
        lines(
          "nix-repl> :l f.nix",
          "Added 1 variables.",
          "v",
          "",
          "nix-repl> v",
          "7",
          "",
          "nix-repl> :reload",
          'Loading "f.nix"...',
          "Added 1 variables.",
          "v",
          "",
        ),
      );
      // A file that fails stays in the list, as in current Nix.
      fs.rmSync(file);
      expect(s.run(":r")).toBe(
        lines("nix-repl> :r", 'Loading "f.nix"...', "error: path '<dir>/f.nix' does not exist", ""),
      );
      fs.writeFileSync(file, "{ back = true; }\n");
      expect(s.run(":r", "back")).toBe(
        lines(
          "nix-repl> :r",
          'Loading "f.nix"...',
          "Added 1 variables.",
          "back",
          "",
          "nix-repl> back",
          "true",
          "",
        ),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test(":t names types as nix repl does (Nix 2.8 and current: showType)", () => {
    const s = session();
    const cases: [string, string][] = [
      ["1", "an integer"],
      ["1.5", "a float"],
      ["true", "a Boolean"],
      ["null", "null"],
      ['"s"', "a string"],
      ['"${builtins.toFile "f" "x"}"', "a string with context"],
      ["./x", "a path"],
      ["{ }", "a set"],
      ["[ ]", "a list"],
      ["x: x", "a function"],
      ["builtins.map", "the built-in function 'map'"],
      ["map (x: x)", "the partially applied built-in function 'map'"],
    ];
    for (const [expr, type] of cases) {
      expect(s.run(`:t ${expr}`)).toBe(lines(`nix-repl> :t ${expr}`, type, ""));
    }
    expect(s.run(":type 1")).toBe(lines("nix-repl> :type 1", "an integer", ""));
  });

  test(":doc of a builtin: its documentation from the registry", () => {
    const s = session();
    const out = s.run(":doc builtins.map", ":doc map", ":doc builtins.nixVersion");
    expect(out).toBe(
      lines(
        "nix-repl> :doc builtins.map",
        "Apply *f* to every element of *list*.",
        "",
        '    map (x: "foo" + x) [ "bar" "bla" ]',
        "",
        "nix-repl> :doc map",
        "Apply *f* to every element of *list*.",
        "",
        '    map (x: "foo" + x) [ "bar" "bla" ]',
        "",
        "nix-repl> :doc builtins.nixVersion",
        "error: value does not have documentation",
        "",
      ),
    );
  });

  test(":doc of a lambda: its doc comment (RFC 145, as current Nix's doc-comment tests)", () => {
    const s = session();
    s.run(":l lib.nix");
    expect(
      s.run(
        ":doc inc",
        ":doc join",
        ":doc curried",
        "once = curried 1",
        ":doc once",
        ":doc once 2",
        ":doc undocumented",
        ":doc callable",
      ),
    ).toBe(
      lines(
        "nix-repl> :doc inc",
        "Function `inc`\\",
        "  … defined at <dir>/lib.nix:12:9",
        "",
        "",
        "Add one to *n*.",
        "",
        "```nix",
        "inc 1",
        "=> 2",
        "```",
        "",
        "nix-repl> :doc join",
        "Function `join`\\",
        "  … defined at <dir>/lib.nix:21:5",
        "",
        "",
        "Join *a* and *b* with a space.",
        "",
        "nix-repl> :doc curried",
        "Function `curried`\\",
        "  … defined at <dir>/lib.nix:27:5",
        "",
        "",
        "Takes x.",
        "",
        "nix-repl> once = curried 1",
        "",
        "nix-repl> :doc once",
        "Function `curried`\\",
        "  … defined at <dir>/lib.nix:31:5",
        "",
        "",
        "Takes y, after x.",
        "",
        "nix-repl> :doc once 2",
        "error: value does not have documentation",
        "",
        "nix-repl> :doc undocumented",
        "Function `undocumented`\\",
        "  … defined at <dir>/lib.nix:34:18",
        "",
        "nix-repl> :doc callable",
        "Function `__functor`\\",
        "  … defined at <dir>/lib.nix:51:23",
        "",
        "",
        "Multiply by the factor.",
        "",
      ),
    );
  });

  test(":doc of a file that is a function: its comment, indentation stripped as CppNix does", () => {
    // The first line keeps one space: `/**` counts as three spaces, the text is indented by two
    // (current Nix's doc-comment-function test shows the same).
    const s = session();
    expect(s.run(":doc import ./function.nix")).toBe(
      lines(
        "nix-repl> :doc import ./function.nix",
        "Function defined at <dir>/function.nix:4:1",
        "",
        " ",
        "Documents a file that is only a function.",
        "",
      ),
    );
  });

  test(":doc of a lambda typed in the REPL, named or not", () => {
    const s = session();
    expect(s.run(":doc /** Inline. */ x: x", "g = /** Bound here. */ x: x", ":doc g")).toBe(
      lines(
        "nix-repl> :doc /** Inline. */ x: x",
        "Function defined at «string»:1:16",
        "",
        "Inline.",
        "",
        "nix-repl> g = /** Bound here. */ x: x",
        "",
        "nix-repl> :doc g",
        "Function `g`\\",
        "  … defined at «string»:1:24",
        "",
        "Bound here.",
        "",
      ),
    );
  });

  test(":doc of an attribute that is not a function: its comment, or none", () => {
    // As current Nix: a selected attribute falls back to its definition's comment; a variable
    // holding a non-function has no documentation.
    const s = session();
    expect(
      s.run(
        ":doc (import ./lib.nix).answer",
        ":doc (import ./lib.nix).nested.plain",
        ":l lib.nix",
        ":doc answer",
        ":doc nested.missing",
        ":doc missing",
        ":doc { a = 1; }.a",
      ),
    ).toBe(
      lines(
        "nix-repl> :doc (import ./lib.nix).answer",
        "Attribute `answer`",
        "",
        "  … defined at <dir>/lib.nix:39:3",
        "",
        "",
        "The answer.",
        "",
        "nix-repl> :doc (import ./lib.nix).nested.plain",
        "Attribute `plain`",
        "",
        "  … defined at <dir>/lib.nix:41:3",
        "",
        "No documentation found.",
        "",
        "nix-repl> :l lib.nix",
        "Added 7 variables.",
        "answer, callable, curried, inc, join, nested, undocumented",
        "",
        "nix-repl> :doc answer",
        "error: value does not have documentation",
        "",
        "nix-repl> :doc nested.missing",
        "error:",
        "       … while evaluating the attribute 'missing'",
        "         at «string»:1:1:",
        "            1| nested.missing",
        "             | ^",
        "",
        "       error: attribute 'missing' missing",
        "",
        "nix-repl> :doc missing",
        "error: undefined variable 'missing'",
        "       at «string»:1:1:",
        "            1| missing",
        "             | ^",
        "",
        "nix-repl> :doc { a = 1; }.a",
        "Attribute `a`",
        "",
        "  … defined at «string»:1:3",
        "",
        "No documentation found.",
        "",
      ),
    );
  });

  test(":doc of a functor that never returns a function: max-call-depth", () => {
    const s = session({}, { maxCallDepth: 30 });
    const out = s.run("r = { __functor = self: self.__functor self; }", ":doc r", "1");
    expect(out).toContain("… while partially calling '__functor' to retrieve documentation");
    expect(out).toContain("error: stack overflow; max-call-depth exceeded");
    expect(out.endsWith(lines("nix-repl> 1", "1", ""))).toBe(true);
  });

  test(":e gives the file and line to edit; then edited() reloads", () => {
    const s = session();
    s.run(":l lib.nix", ":l pkg.nix");
    const edit = (arg: string) => {
      const r = s.repl.feed(`:e ${arg}`);
      return r.edit ? { ...r.edit, file: r.edit.file.replace(fixtures, "<dir>") } : r.output;
    };
    expect(edit("inc")).toEqual({ file: "<dir>/lib.nix", line: 12 });
    expect(edit("curried 1")).toEqual({ file: "<dir>/lib.nix", line: 31 });
    expect(edit("./lib.nix")).toEqual({ file: "<dir>/lib.nix", line: 1 });
    expect(edit('"/etc/hosts"')).toEqual({ file: "/etc/hosts", line: 1 });
    expect(edit("pkg")).toEqual({ file: "/some/where/pkg.nix", line: 7 });
    // tsnix: the attribute's definition, for a selected attribute or a variable from `:l`.
    expect(edit("(import ./lib.nix).answer")).toEqual({ file: "<dir>/lib.nix", line: 39 });
    expect(edit("nested")).toEqual({ file: "<dir>/lib.nix", line: 41 });
    expect(edit("x: x")).toBe("error: '«string»:1:1' cannot be shown in an editor\n\n");
    expect(edit('"relative"')).toBe(
      "error: string 'relative' doesn't represent an absolute path\n\n",
    );
    expect(edit("1")).toBe("error: package '1' has no source location information\n\n");
    expect(s.repl.edited().output).toBe(
      lines(
        'Loading "lib.nix"...',
        "Added 7 variables.",
        "answer, callable, curried, inc, join, nested, undocumented",
        'Loading "pkg.nix"...',
        "Added 2 variables.",
        "noPosition, pkg",
        "",
      ).replaceAll("<dir>", fixtures),
    );
    expect(s.repl.feed(":e inc")).toEqual({
      output: "",
      prompt: PROMPT,
      edit: { file: path.join(fixtures, "lib.nix"), line: 12 },
    });
  });

  test(":b builds through the realizer; without one, or with a failure, an error", () => {
    const drv = 'derivation { name = "a"; builder = "b"; system = "x"; }';
    const drvPath = "/nix/store/nnqh7675wghd0xmrywqm2yh9psrkk13q-a.drv";
    expect(session().run(`:b ${drv}`, ":b 1", ':b { type = "derivation"; }')).toBe(
      lines(
        `nix-repl> :b ${drv}`,
        `error: cannot build '${drvPath}': this REPL has no builder`,
        "",
        "nix-repl> :b 1",
        "error: expression does not evaluate to a derivation, so I can't build it",
        "",
        'nix-repl> :b { type = "derivation"; }',
        "error: expression did not evaluate to a valid derivation (no 'drvPath' attribute)",
        "",
      ),
    );
    const built: string[] = [];
    const s = session({
      build: (p) => {
        built.push(p);
        return new Map([
          ["out", "/nix/store/o-a"],
          ["dev", "/nix/store/d-a"],
        ]);
      },
    });
    expect(s.run(`:build ${drv}`)).toBe(
      lines(
        `nix-repl> :build ${drv}`,
        "",
        "This derivation produced the following outputs:",
        "  dev -> /nix/store/d-a",
        "  out -> /nix/store/o-a",
        "",
      ),
    );
    expect(built).toEqual([drvPath]);
    const failing = session({
      build: () => {
        throw new Error("builder for 'a' failed with exit code 1");
      },
    });
    expect(failing.run(`:b ${drv}`)).toBe(
      lines(`nix-repl> :b ${drv}`, "error: builder for 'a' failed with exit code 1", ""),
    );
  });

  test(":te toggles traces (current Nix's messages)", () => {
    const s = session();
    const deep =
      "builtins.head (builtins.map (x: builtins.head (builtins.map (y: " +
      'builtins.head (builtins.map (z: throw "deep") [1])) [1])) [1])';
    const short = s.run(deep);
    expect(short).toContain(
      "(stack trace truncated; use '--show-trace' to show the full, detailed trace)",
    );
    expect(short).not.toContain("while calling the 'throw' builtin");
    expect(s.run(":te")).toBe(lines("nix-repl> :te", "showing error traces", ""));
    expect(s.repl.showTrace).toBe(true);
    const full = s.run(deep);
    expect(full).not.toContain("stack trace truncated");
    expect(full).toContain("while calling the 'throw' builtin");
    expect(s.run(":te", ":trace-enable true", ":te false", ":te maybe")).toBe(
      lines(
        "nix-repl> :te",
        "not showing error traces",
        "",
        "nix-repl> :trace-enable true",
        "showing error traces",
        "",
        "nix-repl> :te false",
        "not showing error traces",
        "",
        "nix-repl> :te maybe",
        "error: unexpected argument 'maybe' to :te",
        "",
      ),
    );
  });

  test(":q leaves; unknown and unsupported commands say so; an empty line is nothing", () => {
    const s = session();
    expect(s.repl.feed(":q")).toEqual({ output: "", prompt: PROMPT, quit: true });
    expect(s.repl.feed(":quit").quit).toBe(true);
    expect(s.run(":foo", ":", ":lf .", "", "   ")).toBe(
      lines(
        "nix-repl> :foo",
        "error: unknown command ':foo'",
        "",
        "nix-repl> :",
        "error: unknown command ':'",
        "",
        "nix-repl> :lf .",
        "error: tsnix does not support the command ':lf'",
        "",
        "nix-repl> ",
        "",
        "nix-repl>    ",
        "",
      ),
    );
  });
});

describe("input that continues", () => {
  test("an open bracket, brace, parenthesis, string, '' string, let without in", () => {
    const s = session();
    expect(
      s.run(
        "[ 1",
        "2 ]",
        "{ a = 1;",
        "",
        "b = 2; }",
        "(1 +",
        "2)",
        '"two',
        'lines"',
        "''",
        "  indented",
        "''",
        "let x = 1;",
        "in x",
      ),
    ).toBe(
      lines(
        "nix-repl> [ 1",
        "        > 2 ]",
        "[",
        "  1",
        "  2",
        "]",
        "",
        "nix-repl> { a = 1;",
        "        > ",
        "        > b = 2; }",
        "{",
        "  a = 1;",
        "  b = 2;",
        "}",
        "",
        "nix-repl> (1 +",
        "        > 2)",
        "3",
        "",
        'nix-repl> "two',
        '        > lines"',
        '"two\\nlines"',
        "",
        "nix-repl> ''",
        "        >   indented",
        "        > ''",
        '"indented\\n"',
        "",
        "nix-repl> let x = 1;",
        "        > in x",
        "1",
        "",
      ),
    );
  });

  test("bindings and commands continue too (x = '' as current Nix; x = [ as tsnix)", () => {
    const s = session();
    expect(
      s.run(
        "x = ''",
        "  hello",
        "''",
        "x",
        "y = [",
        "1 ]",
        "y",
        ":p {",
        "a = 1; }",
        "z =",
        "3",
        "z",
      ),
    ).toBe(
      lines(
        "nix-repl> x = ''",
        "        >   hello",
        "        > ''",
        "",
        "nix-repl> x",
        '"hello\\n"',
        "",
        "nix-repl> y = [",
        "        > 1 ]",
        "",
        "nix-repl> y",
        "[ 1 ]",
        "",
        "nix-repl> :p {",
        "        > a = 1; }",
        "{ a = 1; }",
        "",
        "nix-repl> z =",
        "        > 3",
        "",
        "nix-repl> z",
        "3",
        "",
      ),
    );
  });

  test("the prompt says so; cancelInput() forgets the input", () => {
    const s = session();
    expect(s.repl.feed("[ 1")).toEqual({ output: "", prompt: CONTINUATION_PROMPT });
    expect(s.repl.cancelInput()).toEqual({ output: "", prompt: PROMPT });
    expect(s.run("2")).toBe(lines("nix-repl> 2", "2", ""));
  });

  test("a syntax error before the end, or in an imported file, is an error at once", () => {
    // Current Nix: an unexpected end of file inside an imported file does not ask for more.
    const s = session();
    expect(s.run("1 )", "{ a = 1 }", "import ./broken.nix")).toBe(
      lines(
        "nix-repl> 1 )",
        "error: syntax error, unexpected ')', expecting end of file",
        "       at «string»:1:3:",
        "            1| 1 )",
        "             |   ^",
        "",
        "nix-repl> { a = 1 }",
        "error: syntax error, unexpected '}', expecting ';'",
        "       at «string»:1:9:",
        "            1| { a = 1 }",
        "             |         ^",
        "",
        "nix-repl> import ./broken.nix",
        "error:",
        "       … while calling the 'import' builtin",
        "         at «string»:1:1:",
        "            1| import ./broken.nix",
        "             | ^",
        "",
        "       error: syntax error, unexpected end of file",
        "       at <dir>/broken.nix:3:1:",
        "            2| { a =",
        "            3|",
        "             | ^",
        "",
      ),
    );
  });
});

describe("completion", () => {
  test("variables in scope and globals", () => {
    const s = session();
    s.run("myVar = 1", "myOther = 2");
    expect(s.repl.complete("my")).toEqual({ candidates: ["myOther", "myVar"], replace: "my" });
    expect(s.repl.complete("1 + myV")).toEqual({ candidates: ["myVar"], replace: "myV" });
    expect(s.repl.complete("[ (builti")).toEqual({ candidates: ["builtins"], replace: "builti" });
    expect(s.repl.complete("toStr").candidates).toEqual(["toString"]);
    expect(s.repl.complete("zzz")).toEqual({ candidates: [], replace: "zzz" });
  });

  test("attribute paths: only the sets on the path are evaluated", () => {
    const s = session();
    s.run('pkgs = { hello = throw "not forced"; help = 1; other = 2; sub.inner = 3; "a b" = 4; }');
    expect(s.repl.complete("builtins.toJ")).toEqual({
      candidates: ["builtins.toJSON"],
      replace: "builtins.toJ",
    });
    expect(s.repl.complete("pkgs.he")).toEqual({
      candidates: ["pkgs.hello", "pkgs.help"],
      replace: "pkgs.he",
    });
    expect(s.repl.complete("map f pkgs.sub.")).toEqual({
      candidates: ["pkgs.sub.inner"],
      replace: "pkgs.sub.",
    });
    expect(s.repl.complete("pkgs.a").candidates).toEqual(['pkgs."a b"']);
    // Not a set, an error, nothing there: no candidates, no error.
    expect(s.repl.complete("pkgs.help.x").candidates).toEqual([]);
    expect(s.repl.complete("pkgs.hello.x").candidates).toEqual([]);
    expect(s.repl.complete("nothing.x").candidates).toEqual([]);
    // The set was not forced beyond its attribute names.
    expect(s.run("pkgs.help")).toBe(lines("nix-repl> pkgs.help", "1", ""));
  });

  test("commands, and file names after :l or in a path", () => {
    const s = session();
    expect(s.repl.complete(":l").candidates).toEqual([":l", ":last-loaded", ":ll", ":load"]);
    expect(s.repl.complete(":t")).toEqual({
      candidates: [":t", ":te", ":trace-enable", ":type"],
      replace: ":t",
    });
    expect(s.repl.complete(":l ")).toEqual({
      candidates: ["args.nix", "broken.nix", "dir", "function.nix", "lib.nix", "pkg.nix"],
      replace: "",
    });
    expect(s.repl.complete(":l d")).toEqual({ candidates: ["dir/"], replace: "d" });
    expect(s.repl.complete(":load dir/")).toEqual({
      candidates: ["dir/default.nix"],
      replace: "dir/",
    });
    expect(s.repl.complete("import ./li")).toEqual({
      candidates: ["./lib.nix"],
      replace: "./li",
    });
    const none = session({ listDir: undefined });
    expect(none.repl.complete(":l ").candidates).toEqual([]);
  });

  test("non-ASCII text round-trips; such names are quoted", () => {
    const s = session();
    s.run('s = { "ü" = 1; "üb" = 2; }');
    expect(s.repl.complete("s.")).toEqual({ candidates: ['s."ü"', 's."üb"'], replace: "s." });
    expect(s.repl.complete('[ "é" s.')).toEqual({
      candidates: ['s."ü"', 's."üb"'],
      replace: "s.",
    });
  });
});

describe("errors, after which the REPL goes on", () => {
  test("throw, abort, infinite recursion, undefined variable, syntax error", () => {
    const s = session();
    expect(
      s.run(
        "keep = 42",
        'throw "boom"',
        'abort "stop"',
        "let x = x; in x",
        "nope",
        "1 +* 2",
        "keep",
      ),
    ).toBe(
      lines(
        "nix-repl> keep = 42",
        "",
        'nix-repl> throw "boom"',
        "error:",
        "       … while calling the 'throw' builtin",
        "         at «string»:1:1:",
        '            1| throw "boom"',
        "             | ^",
        "",
        "       error: boom",
        "",
        'nix-repl> abort "stop"',
        "error:",
        "       … while calling the 'abort' builtin",
        "         at «string»:1:1:",
        '            1| abort "stop"',
        "             | ^",
        "",
        "       error: evaluation aborted with the following error message: 'stop'",
        "",
        "nix-repl> let x = x; in x",
        "error:",
        "       … entering the infinite recursion",
        "",
        "       error: infinite recursion encountered",
        "       at «string»:1:9:",
        "            1| let x = x; in x",
        "             |         ^",
        "",
        "nix-repl> nope",
        "error: undefined variable 'nope'",
        "       at «string»:1:1:",
        "            1| nope",
        "             | ^",
        "",
        "nix-repl> 1 +* 2",
        "error: syntax error, unexpected '*'",
        "       at «string»:1:4:",
        "            1| 1 +* 2",
        "             |    ^",
        "",
        "nix-repl> keep",
        "42",
        "",
      ),
    );
  });

  test("max-call-depth", () => {
    const s = session({}, { maxCallDepth: 100 });
    expect(s.run("let f = n: f (n + 1); in f 0", "1 + 1")).toBe(
      lines(
        "nix-repl> let f = n: f (n + 1); in f 0",
        "error: stack overflow; max-call-depth exceeded",
        "       at «string»:1:12:",
        "            1| let f = n: f (n + 1); in f 0",
        "             |            ^",
        "",
        "nix-repl> 1 + 1",
        "2",
        "",
      ),
    );
  });

  test("a JavaScript stack overflow is Nix's stack overflow", () => {
    // shallowStack makes the evaluator throw the RangeError a real overflow throws; the second
    // session overflows the real stack (max-call-depth far beyond what it holds).
    const shallow = session({}, { shallowStack: 20 });
    expect(shallow.run("let f = n: f (n + 1); in f 0", "keep = 1", "keep")).toBe(
      lines(
        "nix-repl> let f = n: f (n + 1); in f 0",
        "error: stack overflow (possible infinite recursion)",
        "",
        "nix-repl> keep = 1",
        "",
        "nix-repl> keep",
        "1",
        "",
      ),
    );
    const real = session({}, { maxCallDepth: 100_000_000 });
    expect(real.run("let f = n: f (n + 1); in f 0", "2")).toBe(
      lines(
        "nix-repl> let f = n: f (n + 1); in f 0",
        "error: stack overflow (possible infinite recursion)",
        "",
        "nix-repl> 2",
        "2",
        "",
      ),
    );
  });

  test("an interruption (Ctrl-C) stops the evaluation; the scope and the values stay", () => {
    let interrupted = false;
    const s = session({}, { interrupted: () => interrupted });
    s.run("xs = builtins.genList (i: i) 100000", "sum = builtins.foldl' (a: b: a + b) 0 xs");
    interrupted = true;
    expect(s.run("sum")).toBe(lines("nix-repl> sum", "error: interrupted by the user", ""));
    interrupted = false;
    expect(s.run("sum")).toBe(lines("nix-repl> sum", "4999950000", ""));
  });
});
