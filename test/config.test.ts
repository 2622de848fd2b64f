/**
 * Nix's configuration (cli/config.ts): nix.conf files, `NIX_CONFIG`, `--option`, and the
 * settings tsnix acts on. Where Nix 2.8 behaves as current Nix does, the expectation is checked
 * against `nix-instantiate` when it is on PATH; where current Nix changed (NIX_PATH now beats
 * the `nix-path` setting; "syntax error in configuration line" was "illegal configuration
 * line"), the expectation is current CppNix's (libutil/configuration.cc, libexpr/eval-gc.cc).
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { parseNixPath } from "../cli/config.js";
import { lastErrorLine, runCli, testHost } from "./harness.js";

const haveNix = spawnSync("nix-instantiate", ["--version"]).status === 0;

function tsnix(args: string[], env: Record<string, string> = {}) {
  return runCli(["instantiate", ...args], testHost("", env));
}

function nix(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync("nix-instantiate", args, {
    env: {
      PATH: process.env["PATH"],
      HOME: "/fake-home",
      NIX_REMOTE: "dummy://",
      NIX_CONF_DIR: "/fake-nix-conf-dir",
      ...env,
    },
  });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status };
}

/** Cases where Nix 2.8 and current Nix agree: tsnix must print what nix-instantiate prints. */
const agreed: [string, string[], Record<string, string>][] = [
  ["a builtin behind a feature is absent", ["--eval", "-E", "builtins ? getFlake"], {}],
  [
    "NIX_CONFIG enables a feature",
    ["--eval", "-E", "builtins ? getFlake"],
    { NIX_CONFIG: "experimental-features = flakes" },
  ],
  [
    "--option enables a feature",
    ["--option", "experimental-features", "flakes", "--eval", "-E", "builtins ? getFlake"],
    {},
  ],
  [
    "extra-experimental-features adds to the list",
    ["--eval", "-E", "builtins ? getFlake"],
    { NIX_CONFIG: "experimental-features = nix-command\nextra-experimental-features = flakes" },
  ],
  [
    "nix-path and extra-nix-path set the search path",
    ["--eval", "--strict", "--json", "-E", "builtins.nixPath"],
    { NIX_CONFIG: "nix-path = a=/x b=/y # a comment\nextra-nix-path = c=/z" },
  ],
  [
    "NIX_PATH keeps URLs whole",
    ["--eval", "--strict", "--json", "-E", "builtins.nixPath"],
    { NIX_PATH: "nixpkgs=https://a.b/c:x=/y:channel:nixos-24.05:/z" },
  ],
  ["an unknown setting is a warning", ["--eval", "-E", "1"], { NIX_CONFIG: "foo = bar" }],
  ["an unknown --option is a warning", ["--option", "foo", "bar", "--eval", "-E", "1"], {}],
  ["a bad Boolean is an error", ["--eval", "-E", "1"], { NIX_CONFIG: "show-trace = maybe" }],
];

describe.skipIf(!haveNix)("configuration as nix-instantiate reads it", () => {
  for (const [name, args, env] of agreed) {
    test(name, () => {
      const expected = nix(args, env);
      const ours = tsnix(args, env);
      // Nix 2.8 ends --json output without a newline; current Nix (std::endl) with one.
      const json = args.includes("--json") && expected.stdout !== "";
      expect(ours.stdout).toBe(json ? expected.stdout + "\n" : expected.stdout);
      expect(lastErrorLine(ours.stderr)).toBe(lastErrorLine(expected.stderr));
      expect(ours.stderr.split("\n").filter((l) => l.startsWith("warning:"))).toEqual(
        expected.stderr.split("\n").filter((l) => l.startsWith("warning:")),
      );
      expect(ours.exitCode).toBe(expected.status);
    });
  }
});

describe("configuration files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsnix-conf-"));
  fs.writeFileSync(
    path.join(dir, "nix.conf"),
    "show-trace = true\n!include missing.conf\ninclude extra.conf\n",
  );
  fs.writeFileSync(path.join(dir, "extra.conf"), "experimental-features = flakes\n");
  fs.mkdirSync(path.join(dir, "user"));
  fs.writeFileSync(path.join(dir, "user", "a.conf"), "extra-nix-path = a=/a\n");
  fs.writeFileSync(path.join(dir, "user", "b.conf"), "nix-path = b=/b\n");

  test("NIX_CONF_DIR/nix.conf with includes: show-trace and features", () => {
    const r = tsnix(["--eval", "-E", "let f = x: builtins.parseFlakeRef x; in f 1"], {
      NIX_CONF_DIR: dir,
    });
    expect(r.exitCode).toBe(1);
    // show-trace = true prints the frames, here the argument's.
    expect(r.stderr).toContain("while evaluating the argument passed to builtins.parseFlakeRef");
  });

  test("NIX_USER_CONF_FILES: the first file wins", () => {
    const user = path.join(dir, "user");
    const r = tsnix(["--eval", "--strict", "--json", "-E", "map (e: e.prefix) builtins.nixPath"], {
      NIX_USER_CONF_FILES: `${user}/a.conf:${user}/b.conf`,
    });
    // b.conf is applied first (nix-path = b), then a.conf appends.
    expect(r.stdout).toBe('["b","a"]\n');
  });

  test("NIX_PATH overrides the nix-path setting (current Nix; 2.8 let the setting win)", () => {
    const r = tsnix(["--eval", "--strict", "--json", "-E", "map (e: e.prefix) builtins.nixPath"], {
      NIX_PATH: "d=/w",
      NIX_CONFIG: "nix-path = a=/x",
    });
    expect(r.stdout).toBe('["d"]\n');
  });

  test("a line without '=' is a syntax error", () => {
    const r = tsnix(["--eval", "-E", "1"], { NIX_CONFIG: "garbage line" });
    expect(r.exitCode).toBe(1);
    expect(lastErrorLine(r.stderr)).toBe(
      "error: syntax error in configuration line 'garbage line' in 'NIX_CONFIG'",
    );
  });

  test("a missing include is an error", () => {
    const r = tsnix(["--eval", "-E", "1"], { NIX_CONFIG: "include /nonexistent/x.conf" });
    expect(lastErrorLine(r.stderr)).toBe(
      "error: file '/nonexistent/x.conf' included from 'NIX_CONFIG' not found",
    );
  });

  test("max-call-depth from --option", () => {
    const r = tsnix([
      "--option",
      "max-call-depth",
      "50",
      "--eval",
      "-E",
      "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 100",
    ]);
    expect(lastErrorLine(r.stderr)).toBe("error: stack overflow; max-call-depth exceeded");
  });
});

test("parseNixPath splits at colons outside URLs", () => {
  expect(parseNixPath("a=/x:https://h/p:flake:nixpkgs:b=channel:nixos-24.05:/c:")).toEqual([
    "a=/x",
    "https://h/p",
    "flake:nixpkgs",
    "b=channel:nixos-24.05",
    "/c",
  ]);
});

test("pure-eval and restrict-eval are refused when true, not silently ignored", () => {
  const r = tsnix(["--option", "pure-eval", "true", "--eval", "-E", "1"]);
  expect(r.exitCode).toBe(1);
  expect(lastErrorLine(r.stderr)).toBe(
    "error: tsnix does not implement the setting 'pure-eval' yet",
  );
  expect(tsnix(["--eval", "-E", "1"], { NIX_CONFIG: "restrict-eval = false" }).stdout).toBe("1\n");
});
