/**
 * The real `tsnix` command (dist/tsnix.cjs, built by `npm run build`): argument handling as
 * nix-instantiate does it, files and stdin, `tsnix parse --json`, and the inputs that must never
 * crash the process (deep nesting, huge literals), each parsed or rejected with a clean error.
 */

import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";

const bin = path.join(import.meta.dirname, "..", "dist", "tsnix.cjs");

function tsnix(args: string[], input?: string | Buffer, cwd?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    input,
    cwd,
    maxBuffer: 1 << 30,
    timeout: 60_000,
  });
  return { stdout: r.stdout, stderr: r.stderr.toString("utf8"), status: r.status };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsnix-cli-"));
});

describe("tsnix instantiate --parse", () => {
  test("reads stdin with -", () => {
    const r = tsnix(["instantiate", "--parse", "-"], "x: ./a", dir);
    expect(r.stdout.toString()).toBe(`(x: ${fs.realpathSync(dir)}/a)\n`);
    expect(r.status).toBe(0);
  });

  test("parses -E expressions, several in one run", () => {
    const r = tsnix(["instantiate", "--parse", "-E", "1 + 2", "[ a.b ]"], undefined, dir);
    expect(r.stderr).toMatch(/undefined variable 'a'/);
    expect(r.status).toBe(1);
    const ok = tsnix(["instantiate", "--parse", "-E", "1 + 2", "x: x.b"]);
    expect(ok.stdout.toString()).toBe("(1 + 2)\n(x: (x).b)\n");
  });

  test("a directory means its default.nix; paths are relative to the file", () => {
    fs.mkdirSync(path.join(dir, "pkg"), { recursive: true });
    fs.writeFileSync(path.join(dir, "pkg", "default.nix"), "{ src = ./src; }\n");
    const r = tsnix(["instantiate", "--parse", "pkg"], undefined, dir);
    expect(r.stdout.toString()).toBe(`{ src = ${fs.realpathSync(dir)}/pkg/src; }\n`);
  });

  test("a missing file is Nix's error", () => {
    const r = tsnix(["instantiate", "--parse", "/nonexistent/x.nix"]);
    expect(r.stderr).toBe(
      "error: getting status of '/nonexistent/x.nix': No such file or directory\n",
    );
    expect(r.status).toBe(1);
  });

  test("an unknown flag is Nix's error", () => {
    const r = tsnix(["instantiate", "--frobnicate"]);
    expect(r.stderr).toBe(
      "error: unrecognised flag '--frobnicate'\nTry 'nix-instantiate --help' for more information.\n",
    );
    expect(r.status).toBe(1);
  });

  test("a syntax error has a code frame and exit status 1", () => {
    const r = tsnix(["instantiate", "--parse", "-"], "{ a = 1 }");
    expect(r.stderr).toBe(
      "error: syntax error, unexpected '}', expecting ';'\n" +
        "       at «stdin»:1:9:\n" +
        "            1| { a = 1 }\n" +
        "             |         ^\n",
    );
    expect(r.status).toBe(1);
  });

  test("non-UTF-8 bytes pass through unchanged", () => {
    const r = tsnix(["instantiate", "--parse", "-"], Buffer.from([0x22, 0xff, 0xc3, 0xa9, 0x22]));
    expect([...r.stdout]).toEqual([0x22, 0xff, 0xc3, 0xa9, 0x22, 0x0a]);
  });

  test("pipe operators need the experimental feature", () => {
    const off = tsnix(["instantiate", "--parse", "-E", "1 |> f"]);
    expect(off.stderr).toMatch(/experimental Nix feature 'pipe-operators' is disabled/);
    const on = tsnix([
      "instantiate",
      "--parse",
      "--extra-experimental-features",
      "pipe-operators",
      "-E",
      "f: g: 1 |> f |> g",
    ]);
    expect(on.stdout.toString()).toBe("(f: (g: (g (f 1))))\n");
  });
});

describe("a reader that goes away", () => {
  // `tsnix … | head`: the writes after head exits fail with EPIPE. Like nix-instantiate, tsnix
  // then ends quietly with the command's own status (0 here, 1 after an error).
  const piped = (expr: string) =>
    spawnSync(
      "bash",
      [
        "-c",
        `set -o pipefail; "$0" "$1" instantiate --eval --strict -E "$2" 2>&1 | head -c 10 >/dev/null`,
        process.execPath,
        bin,
        expr,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );

  test("ends the command quietly with status 0", () => {
    const r = piped("builtins.genList (x: x) 300000");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("keeps the status of a command that failed", () => {
    const r = piped(`builtins.genList (x: x) 300000 ++ [ (throw "boom") ]`);
    expect(r.status).toBe(1);
  });
});

describe("tsnix instantiate --eval (outputs checked against nix-instantiate 2.8)", () => {
  test("-A selects along an attribute path, through list indices", () => {
    const r = tsnix([
      "instantiate",
      "--eval",
      "-A",
      "a.b.1",
      "-E",
      "{ a = { b = [ 10 (20) ]; }; }",
    ]);
    expect(r.stdout.toString()).toBe("20\n");
  });

  test("--arg and --argstr call a function with formals", () => {
    const r = tsnix([
      "instantiate",
      "--eval",
      "--strict",
      "--arg",
      "x",
      "1",
      "--argstr",
      "y",
      "s",
      "-E",
      "{ x, y }: [ x y ]",
    ]);
    expect(r.stdout.toString()).toBe('[ 1 "s" ]\n');
  });

  test("without --arg a function is not called", () => {
    const r = tsnix(["instantiate", "--eval", "--strict", "-E", "{ x ? 1, ... }: x"]);
    expect(r.stdout.toString()).toBe("<LAMBDA>\n");
  });

  test("-I prefix=path resolves <prefix/…>", () => {
    fs.mkdirSync(path.join(dir, "sp", "sub"), { recursive: true });
    fs.writeFileSync(path.join(dir, "sp", "sub", "file.nix"), "{ v = 42; }\n");
    const sp = path.join(fs.realpathSync(dir), "sp");
    const r = tsnix([
      "instantiate",
      "--eval",
      "--strict",
      "-I",
      `foo=${sp}`,
      "-E",
      "(import <foo/sub/file.nix>).v",
    ]);
    expect(r.stdout.toString()).toBe("42\n");
    const missing = tsnix(["instantiate", "--eval", "-E", "<nothere>"]);
    expect(missing.stderr).toMatch(
      /error: file 'nothere' was not found in the Nix search path \(add it using \$NIX_PATH or -I\)/,
    );
  });

  test("--xml writes nix-instantiate's XML (unforced parts unevaluated without --strict)", () => {
    const file = path.join(dir, "v.nix");
    fs.writeFileSync(
      file,
      '{ a = 1 + 1; s = "x<&>\\"\\n"; f = { b, ... }@args: b; l = [ 1.5 null ]; }\n',
    );
    const r = tsnix(["instantiate", "--eval", "--xml", "--no-location", file]);
    expect(r.stdout.toString()).toBe(
      '<?xml version=\'1.0\' encoding=\'utf-8\'?>\n<expr>\n  <attrs>\n    <attr name="a">\n      <unevaluated />\n    </attr>\n    <attr name="f">\n      <unevaluated />\n    </attr>\n    <attr name="l">\n      <unevaluated />\n    </attr>\n    <attr name="s">\n      <string value="x&lt;&amp;&gt;&quot;&#xA;" />\n    </attr>\n  </attrs>\n</expr>\n',
    );
  });

  test("--json writes compact JSON with sorted keys, then a newline (current Nix)", () => {
    const r = tsnix([
      "instantiate",
      "--eval",
      "--json",
      "--strict",
      "-E",
      '{ b = [ 1 "x" true null { c = 2.5; } ]; a = 1; }',
    ]);
    expect(r.stdout.toString()).toBe('{"a":1,"b":[1,"x",true,null,{"c":2.5}]}\n');
    const lazy = tsnix(["instantiate", "--eval", "--json", "-E", "{ a = 1 + 1; }"]);
    expect(lazy.stderr).toMatch(/error: cannot convert a thunk to JSON/);
  });

  const deep = "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f";
  test("a non-tail recursion 100,000 deep evaluates with the call-depth limit raised", () => {
    const r = tsnix([
      "instantiate",
      "--eval",
      "--max-call-depth",
      "200000",
      "-E",
      `${deep} 100000`,
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout.toString()).toBe("100000\n");
  });

  test("beyond max-call-depth (default 10000) it is Nix's error, not a crash", () => {
    const r = tsnix(["instantiate", "--eval", "-E", `${deep} 20000`]);
    expect(r.stderr).toMatch(/error: stack overflow; max-call-depth exceeded\n/);
    expect(r.status).toBe(1);
  });

  test("a missing -A attribute is Nix's error", () => {
    const r = tsnix(["instantiate", "--eval", "-A", "a.c", "-E", "{ a = { b = 1; }; }"]);
    expect(r.stderr).toMatch(/^error: attribute 'c' in selection path 'a.c' not found/);
    expect(r.status).toBe(1);
  });
});

describe("tsnix parse --json", () => {
  test("prints the AST with spans", () => {
    const r = tsnix(["parse", "--json", "-"], "x: x.a");
    const ast = JSON.parse(r.stdout.toString());
    expect(ast.kind).toBe("Lambda");
    expect(ast.arg).toBe("x");
    expect(ast.span).toEqual({
      file: "«stdin»",
      start: { line: 1, column: 1, offset: 0 },
      end: { line: 1, column: 7, offset: 6 },
    });
    expect(ast.body).toMatchObject({
      kind: "Select",
      path: ["a"],
      subject: { kind: "Var", name: "x" },
    });
  });
});

describe("inputs that must not crash", () => {
  const cases: [string, () => string, RegExp][] = [
    ["100,000 nested parentheses", () => "(".repeat(1e5) + "1" + ")".repeat(1e5), /^1\n$/],
    ["100,000 nested lists", () => "[".repeat(1e5) + "]".repeat(1e5), /^\[ \(\[ \(/],
    ["100,000 nested lets", () => "let a = 1; in ".repeat(1e5) + "a", /^\(let a = 1; in /],
    ["100,000 nested sets", () => "{ a = ".repeat(1e5) + "1" + "; }".repeat(1e5), /^\{ a = \{/],
    ["a 100,000-long attribute path", () => "x: x" + ".a".repeat(1e5), /^\(x: \(x\)\.a\.a/],
    ["100,000 unary minuses", () => "-".repeat(1e5) + "1", /^\(__sub 0 \(__sub 0/],
    [
      "a 1,000,000-element list",
      () => "[ " + Array.from({ length: 1e6 }, (_, i) => String(i)).join(" ") + " ]",
      /^\[ \(0\) \(1\)/,
    ],
    ["a 10 MB string", () => '"' + "abcdefghij".repeat(1e6) + '"', /^"abcdefghij/],
    ["a 10 MB indented string", () => "''\n" + "  line\n".repeat(1.5e6) + "''", /^"line\\nline/],
  ];
  for (const [name, make, expected] of cases) {
    test(`${name} parses`, () => {
      const r = tsnix(["instantiate", "--parse", "-"], make());
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout.subarray(0, 64).toString("latin1")).toMatch(expected);
    });
  }

  test("nesting beyond the limit is a clean error, not a crash", () => {
    const r = tsnix(["instantiate", "--parse", "-"], "[".repeat(2e6) + "]".repeat(2e6));
    expect(r.stderr).toMatch(/^error: expression nesting is too deep\n {7}at «stdin»:1:\d+:\n/);
    expect(r.status).toBe(1);
  });

  test("the nesting error is the same with --parse and tsnix parse --json", () => {
    const input = "(".repeat(5e5) + "1" + ")".repeat(5e5);
    const a = tsnix(["instantiate", "--parse", "-"], input);
    const b = tsnix(["parse", "--json", "-"], input);
    expect(a.status).toBe(1);
    expect(b.stderr).toBe(a.stderr);
  });
});

test("the built command exists", () => {
  expect(execFileSync(process.execPath, [bin, "--version"]).toString()).toMatch(/^tsnix /);
});

describe("nix-instantiate's other output modes and file arguments", () => {
  const haveNix = spawnSync("nix-instantiate", ["--version"]).status === 0;
  const nix = (args: string[], cwd: string) => {
    const r = spawnSync("nix-instantiate", args, {
      cwd,
      env: { PATH: process.env["PATH"], HOME: "/fake-home", NIX_REMOTE: "dummy://" },
    });
    return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status };
  };

  test.skipIf(!haveNix)("--find-file and <name> arguments as nix-instantiate", () => {
    fs.mkdirSync(path.join(dir, "lib", "sub"), { recursive: true });
    fs.writeFileSync(path.join(dir, "lib", "sub", "x.nix"), "{ a = 1 + 1; }\n");
    for (const args of [
      ["--find-file", "-I", "lib=lib", "lib/sub/x.nix"],
      ["--find-file", "-I", "lib=lib", "lib/missing.nix"],
      ["--eval", "--strict", "-I", "lib=lib", "<lib/sub/x.nix>"],
      ["--parse", "-I", `${dir}`, "<lib/sub/x.nix>"],
      ["--eval", "<nowhere>"],
      ["--eval", "--dry-run", "-E", "1"],
    ]) {
      const expected = nix(args, dir);
      const ours = tsnix(["instantiate", ...args], undefined, dir);
      expect(ours.stdout.toString(), args.join(" ")).toBe(expected.stdout);
      expect(ours.stderr, args.join(" ")).toBe(expected.stderr);
      expect(ours.status).toBe(expected.status);
    }
  });

  // --raw is newer than Nix 2.8: current nix-instantiate prints coerceToString's result
  // without a newline (nix-instantiate.cc).
  test("--raw prints the string itself, without a newline", () => {
    const r = tsnix(["instantiate", "--eval", "--raw", "-E", '"a${toString 1}\\n" + "b"']);
    expect(r.stdout.toString()).toBe("a1\nb");
    const set = tsnix(["instantiate", "--eval", "--raw", "-E", '{ __toString = s: "x"; }']);
    expect(set.stdout.toString()).toBe("x");
    const list = tsnix(["instantiate", "--eval", "--raw", "-E", "[ 1 ]"]);
    expect(list.status).toBe(1);
    expect(list.stderr).toContain("… while generating the nix-instantiate output");
    expect(list.stderr).toContain("error: cannot coerce a list to a string: [ 1 ]");
  });
});

test("tsnix eval is instantiate --eval", () => {
  const r = tsnix(["eval", "--strict", "-E", "{ a = [ (1 + 1) ]; }"]);
  expect(r.stdout.toString()).toBe("{ a = [ 2 ]; }\n");
  expect(tsnix(["eval", "--json", "-E", "[ true ]"]).stdout.toString()).toBe("[true]\n");
});

describe("suggestions", () => {
  // The "Did you mean" lines are nix-instantiate 2.8's for the same expressions (its other
  // lines are in 2.8's older layout; current Nix's puts the position of a missing attribute in
  // a frame, "while evaluating the attribute 'abx'", as in its eval-fail-remove).
  test("a missing attribute suggests the nearest names (edit distance at most 2)", () => {
    const r = tsnix(["instantiate", "--eval", "-E", "{ abc = 1; abd = 2; xyz = 3; }.abx"]);
    expect(r.stderr).toMatch(
      /error: attribute 'abx' missing\n {7}Did you mean one of abc or abd\?\n$/,
    );
    const far = tsnix(["instantiate", "--eval", "-E", "{ a = 1; }.zzzzz"]);
    expect(far.stderr).not.toContain("Did you mean");
  });

  test("an unexpected argument suggests the formals, from the call site", () => {
    const r = tsnix(["instantiate", "--eval", "-E", "({ x, z }: x) { x = 1; y = 2; z = 3; }"]);
    expect(r.stderr).toBe(
      [
        "error:",
        "       … from call site",
        "         at «string»:1:1:",
        "            1| ({ x, z }: x) { x = 1; y = 2; z = 3; }",
        "             | ^",
        "",
        "       error: function 'anonymous lambda' called with unexpected argument 'y'",
        "       at «string»:1:2:",
        "            1| ({ x, z }: x) { x = 1; y = 2; z = 3; }",
        "             |  ^",
        "       Did you mean one of x or z?",
        "",
      ].join("\n"),
    );
  });

  test("-A suggests too", () => {
    const r = tsnix(["instantiate", "--eval", "-E", "{ foo = 1; }", "-A", "fob"]);
    expect(r.stderr).toBe(
      "error: attribute 'fob' in selection path 'fob' not found\n       Did you mean foo?\n",
    );
  });
});

describe("usage errors", () => {
  // nix-instantiate 2.8 prints these two lines for the same inputs.
  test("an unknown hash algorithm while evaluating is a usage error, with Nix's hint", () => {
    const r = tsnix(["instantiate", "--eval", "-E", 'builtins.hashString "foo" ""']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /error: unknown hash algorithm 'foo'[^\n]*\nTry 'nix-instantiate --help' for more information\.\n$/,
    );
  });
});

describe("fromTOML errors", () => {
  // Nix 2.8 wrapped such integers; current Nix reports them as toml11 does (its error block: the
  // line, a caret after the number), which its own lang tests pin for line 1.
  test("an integer beyond 64 bits shows toml11's excerpt of the line", () => {
    const r = tsnix([
      "instantiate",
      "--eval",
      "-E",
      'builtins.fromTOML "a = 1\\nbig = 1_0000000000000000000"',
    ]);
    expect(r.stderr).toMatch(
      new RegExp(
        [
          "error: while parsing TOML: \\[error\\] toml::parse_dec_integer: too large integer: current max digits = 2\\^63",
          " {8}--> fromTOML",
          " {10}\\|",
          " {8}2 \\| big = 1_0000000000000000000",
          " {10}\\| {28}\\^-- must be < 2\\^63",
          " {7}",
          "$",
        ].join("\\n"),
      ),
    );
  });
});

describe("bin/tsnix", () => {
  const wrapper = path.join(import.meta.dirname, "..", "bin", "tsnix");
  const deep = (n: number) =>
    `let depth = n: if n == 0 then 0 else 1 + depth (n - 1); in depth ${n}`;
  const run = (script: string) =>
    spawnSync("sh", ["-c", script], { encoding: "utf8", timeout: 60_000 });

  test("evaluates max-call-depth deep recursion on a big stack", () => {
    const r = run(`${JSON.stringify(wrapper)} instantiate --eval -E '${deep(9999)}'`);
    expect(r.stdout).toBe("9999\n");
    expect(r.status).toBe(0);
    const over = run(`${JSON.stringify(wrapper)} instantiate --eval -E '${deep(10000)}'`);
    expect(over.stderr).toMatch(/error: stack overflow; max-call-depth exceeded/);
    expect(over.status).toBe(1);
  });

  test("with a hard stack limit of 8 MB it still evaluates deep programs", () => {
    const r = run(
      `ulimit -H -s 8192 && ${JSON.stringify(wrapper)} instantiate --eval -E '${deep(9000)}'`,
    );
    expect(r.stdout).toBe("9000\n");
    expect(r.status).toBe(0);
  });

  test("starts Node without NODE_EXTRA_CA_CERTS, and gives it back to the command", () => {
    // Node would read the (here missing) file at start-up and warn; tsnix sees the variable.
    const r = run(
      `NODE_EXTRA_CA_CERTS=/no/such/certs.pem ${JSON.stringify(wrapper)} instantiate --eval -E ` +
        `'builtins.getEnv "NODE_EXTRA_CA_CERTS" + "|" + builtins.getEnv "TSNIX_NODE_EXTRA_CA_CERTS"'`,
    );
    expect(r.stdout).toBe('"/no/such/certs.pem|"\n');
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("a --stack-size bigger than the OS stack does not crash", () => {
    const r = run(
      `node --stack-size=900000 ${JSON.stringify(bin)} instantiate --eval -E '${deep(9000)}'`,
    );
    expect(r.stdout).toBe("9000\n");
    expect(r.status).toBe(0);
  });
});

describe("the code cache", () => {
  test("is made in XDG_CACHE_HOME by a first run; a bad one is replaced", () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "tsnix-cache-"));
    const run = () =>
      spawnSync(process.execPath, [bin, "instantiate", "--eval", "-E", "1 + 2"], {
        encoding: "utf8",
        env: { ...process.env, XDG_CACHE_HOME: cache },
      });
    expect(run().stdout).toBe("3\n");
    const files = fs.readdirSync(path.join(cache, "tsnix"));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^code-v\d+.*\.bin$/);
    expect(run().stdout).toBe("3\n");
    const file = path.join(cache, "tsnix", files[0]!);
    fs.writeFileSync(file, "not a code cache");
    const r = run();
    expect(r.stdout).toBe("3\n");
    expect(r.stderr).toBe("");
    expect(fs.statSync(file).size).toBeGreaterThan(1000);
  });
});
