/**
 * Runs tsnix in-process on test files in CppNix's format (`tests/functional/lang`), the way
 * CppNix's `lang.sh` runs nix-instantiate: `parse-okay-X.nix` is fed on stdin to
 * `instantiate --parse -` and must print `X.exp`; `parse-fail-X.nix` must exit 1 and print
 * `X.err.exp` on stderr. The working directory is `/pwd` and `HOME` is `/fake-home`, so that paths
 * in expected output are those lang.sh produces after its `/pwd` rewrite.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import type { HostIO } from "../cli/host.js";
import { run, type RunResult } from "../cli/run.js";

export const langDir = path.join(import.meta.dirname, "lang");

/** A host with a fixed working directory, environment and stdin; files are read for real. */
export function testHost(stdin: string, env: Record<string, string> = {}): HostIO {
  const fullEnv: Record<string, string> = { HOME: "/fake-home", ...env };
  return {
    cwd: () => "/pwd",
    env: (name) => fullEnv[name],
    resolvePath: (p) => (p.startsWith("/") ? p : path.posix.join("/pwd", p)),
    fileType: (p) => {
      try {
        return fs.statSync(Buffer.from(p, "latin1")).isDirectory() ? "directory" : "regular";
      } catch {
        return "missing";
      }
    },
    readFile: (p) => fs.readFileSync(Buffer.from(p, "latin1")).toString("latin1"),
    readStdin: () => stdin,
  };
}

export interface LangTest {
  name: string;
  kind: "parse-okay" | "parse-fail";
  nixFile: string;
  expFile: string;
}

export function discover(dir: string): LangTest[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^parse-(okay|fail)-.*\.nix$/.test(f))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      const kind = name.startsWith("parse-okay") ? "parse-okay" : "parse-fail";
      const exp = kind === "parse-okay" ? `${name}.exp` : `${name}.err.exp`;
      return { name, kind, nixFile: path.join(dir, f), expFile: path.join(dir, exp) };
    });
}

export function readLatin1(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file).toString("latin1") : "";
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
  const result = runCli(["instantiate", "--parse", "-"], testHost(source));
  const ok =
    t.kind === "parse-okay"
      ? result.exitCode === 0 && result.stdout === expected
      : result.exitCode === 1 && result.stderr === expected;
  return { result, expected, ok };
}
