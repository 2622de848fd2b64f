/**
 * Runs tsnix in-process on test files in CppNix's format (`tests/functional/lang`), the way
 * CppNix's `lang.sh` runs nix-instantiate:
 * - `parse-okay-X.nix` on stdin of `instantiate --parse -` must print `X.exp`;
 * - `parse-fail-X.nix` likewise must exit 1 and print `X.err.exp` on stderr;
 * - `eval-okay-X.nix` as `instantiate --eval --strict lang/X.nix` must print `X.exp`;
 * - `eval-fail-X.nix` as `instantiate --eval --strict --show-trace lang/X.nix` must exit 1, its
 *   last `error:` line being `X.err-line.exp` (the full trace is not pinned yet).
 * The working directory is `/pwd` (test/lang appears as `/pwd/lang`) and `HOME` is
 * `/fake-home`, so that paths in expected output are those lang.sh produces.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import type { HostIO } from "../cli/host.js";
import { run, type RunResult } from "../cli/run.js";
import { fileTypeOf } from "../store/nar.js";

export const langDir = path.join(import.meta.dirname, "lang");

/**
 * A host with a fixed working directory, environment and stdin. Files are read for real, with
 * `/pwd/lang` standing for test/lang. The machine's nix.conf is not read (`NIX_CONF_DIR` names
 * a missing directory unless `env` gives one). Store objects go to memory (`TSNIX_STORE`).
 */
export function testHost(stdin: string, env: Record<string, string> = {}): HostIO {
  const fullEnv: Record<string, string> = {
    HOME: "/fake-home",
    NIX_CONF_DIR: "/fake-nix-conf-dir",
    TSNIX_STORE: "dummy://",
    ...env,
  };
  const real = (p: string): Buffer =>
    Buffer.from(p.startsWith("/pwd/lang/") ? langDir + p.slice("/pwd/lang".length) : p, "latin1");
  return {
    cwd: () => "/pwd",
    env: (name) => fullEnv[name],
    resolvePath: (p) => (p.startsWith("/") ? p : path.posix.join("/pwd", p)),
    fileType: (p, follow) => {
      try {
        return fileTypeOf(follow ? fs.statSync(real(p)) : fs.lstatSync(real(p)));
      } catch {
        return undefined;
      }
    },
    readFile: (p) => fs.readFileSync(real(p)).toString("latin1"),
    isExecutable: (p) => {
      try {
        return (fs.lstatSync(real(p)).mode & 0o100) !== 0;
      } catch {
        return false;
      }
    },
    readDir: (p) =>
      fs.readdirSync(real(p), { withFileTypes: true }).map((d) => [d.name, fileTypeOf(d)]),
    readStdin: () => stdin,
    realPath: (p) => p,
    readLink: (p) => {
      try {
        return fs.readlinkSync(real(p)).toString();
      } catch {
        return undefined;
      }
    },
    now: () => 1700000000,
  };
}

export type LangTestKind = "parse-okay" | "parse-fail" | "eval-okay" | "eval-fail";

export interface LangTest {
  name: string;
  kind: LangTestKind;
  nixFile: string;
  expFile: string;
}

const expSuffix: Record<LangTestKind, string> = {
  "parse-okay": ".exp",
  "parse-fail": ".err.exp",
  "eval-okay": ".exp",
  "eval-fail": ".err-line.exp",
};

export function discover(dir: string): LangTest[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^(parse|eval)-(okay|fail)-.*\.nix$/.test(f))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      const kind = name.slice(0, name.indexOf("-", name.indexOf("-") + 1)) as LangTestKind;
      const expFile = path.join(dir, name + expSuffix[kind]);
      return { name, kind, nixFile: path.join(dir, f), expFile };
    });
}

export function readLatin1(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file).toString("latin1") : "";
}

/** The last `error: …` line of an error report (trace lines are indented before it). */
export function lastErrorLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => /^ *error:/.test(l));
  return (lines[lines.length - 1] ?? "").trimStart();
}

/** Runs the CLI in-process; stdout joined as one byte string. */
export function runCli(
  argv: string[],
  host: HostIO,
): Omit<RunResult, "stdout"> & { stdout: string } {
  const r = run(argv, host);
  const stdout = r.stdout
    .map((c) => (typeof c === "string" ? c : Buffer.from(c).toString("latin1")))
    .join("");
  return { ...r, stdout };
}

export function runTest(t: LangTest): {
  result: ReturnType<typeof runCli>;
  expected: string;
  ok: boolean;
} {
  const source = readLatin1(t.nixFile);
  const expected = readLatin1(t.expFile);
  const file = `lang/${path.basename(t.nixFile)}`;
  switch (t.kind) {
    case "parse-okay":
    case "parse-fail": {
      const result = runCli(["instantiate", "--parse", "-"], testHost(source));
      const ok =
        t.kind === "parse-okay"
          ? result.exitCode === 0 && result.stdout === expected
          : result.exitCode === 1 && result.stderr === expected;
      return { result, expected, ok };
    }
    case "eval-okay": {
      const result = runCli(["instantiate", "--eval", "--strict", file], testHost(""));
      return { result, expected, ok: result.exitCode === 0 && result.stdout === expected };
    }
    case "eval-fail": {
      const result = runCli(
        ["instantiate", "--eval", "--strict", "--show-trace", file],
        testHost(""),
      );
      const lastError = lastErrorLine(result.stderr);
      const ok = result.exitCode === 1 && lastError + "\n" === expected;
      return { result: { ...result, stderr: lastError + "\n" }, expected, ok };
    }
  }
}
