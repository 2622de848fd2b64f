/**
 * `tsnix build` and the local realizer, as nix-build builds without a sandbox: the example
 * package builds and runs; the output paths are those Nix computes; outputs are read-only and
 * registered with the references found in them; a failing builder, a wrong fixed-output hash
 * and a foreign platform are Nix's errors and leave nothing valid; `passAsFile`, dependencies
 * and `builtin:fetchurl` (through `<nix/fetchurl.nix>`) work. The REPL's `:b` uses the same
 * realizer.
 *
 * Builders write to `/nix/store` itself, so this runs where it is writable (CI runs as root).
 * Every build but the example's carries a fresh `nonce`, so that it really builds each run.
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const writable = (() => {
  try {
    fs.accessSync("/nix/store", fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsnix-build-"));
const nonce = `${process.pid}-${Date.now()}`;

function tsnix(args: string[], input?: string) {
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: tmp,
    NIX_CONF_DIR: "/nonexistent",
  };
  const r = spawnSync(process.execPath, [path.join(root, "dist/tsnix.cjs"), ...args], {
    cwd: tmp,
    env,
    input,
    encoding: "utf8",
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** The record tsnix keeps for a valid path (or undefined). */
function record(p: string): { narHash: string; narSize: number; references: string[] } | undefined {
  const file = path.join("/nix/var/tsnix/db", path.basename(p).slice(0, 32) + ".json");
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

/** A /bin/sh builder running `script`: PATH is Nix's `/path-not-set`, so it sets its own. */
const sh = (script: string) =>
  `builder = "/bin/sh"; args = [ "-c" ${JSON.stringify("PATH=/usr/bin:/bin; " + script)} ]; system = "x86_64-linux"; nonce = "${nonce}";`;

describe.skipIf(!writable)("tsnix build", () => {
  test("the example builds, links result and runs", () => {
    const r = tsnix(["build", path.join(root, "examples/hello"), "-o", "hello-result"]);
    expect(r.stderr).not.toContain("error");
    // nix-instantiate 2.8 computes this output path for examples/hello.
    const out = "/nix/store/raidndj47xak3161fg52fzl0vx3ll88j-hello-1.0";
    expect(r.stdout).toBe(out + "\n");
    expect(fs.readlinkSync(path.join(tmp, "hello-result"))).toBe(out);
    const run = spawnSync(path.join(tmp, "hello-result/bin/hello"), { encoding: "utf8" });
    expect(run.stdout).toBe(
      "Hello from tsnix\nThis package was described in Nix and built from a local source directory.\n",
    );
    // The script names its own output: a self-reference. Read-only, as Nix leaves outputs.
    expect(record(out)?.references).toEqual([out]);
    expect(fs.statSync(path.join(out, "bin/hello")).mode & 0o777).toBe(0o555);
    expect(fs.statSync(path.join(out, "share/hello/message.txt")).mode & 0o777).toBe(0o444);
    // Built once: the second time there is nothing to do.
    const again = tsnix(["build", path.join(root, "examples/hello"), "--no-out-link"]);
    expect(again.stdout).toBe(out + "\n");
    expect(again.stderr).not.toContain("building");
  });

  test("a dependency's output is an input, and a reference when it is named", () => {
    const expr = `let
      a = derivation { name = "dep-a"; ${sh('echo a > "$out"')} };
      b = derivation { name = "dep-b"; inherit a; ${sh('echo "$a" > "$out"; cat "$a" >> "$out"')} };
    in b`;
    const r = tsnix(["build", "-E", expr, "--no-out-link"]);
    expect(r.stderr).toMatch(/building '\/nix\/store\/[a-z0-9]{32}-dep-a\.drv'/);
    const out = r.stdout.trim();
    const a = fs.readFileSync(out, "utf8").split("\n")[0]!;
    expect(a).toMatch(/^\/nix\/store\/[a-z0-9]{32}-dep-a$/);
    expect(record(out)?.references).toEqual([a]);
  });

  test("passAsFile gives a file instead of a variable", () => {
    const expr = `derivation { name = "pass"; passAsFile = [ "text" ]; text = "from a file"; ${sh('[ -z "$text" ] && cat "$textPath" > "$out"')} }`;
    const r = tsnix(["build", "-E", expr, "--no-out-link"]);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(r.stdout.trim(), "utf8")).toBe("from a file");
  });

  test("a failing builder is Nix's error and leaves nothing valid", () => {
    const expr = `derivation { name = "fails"; ${sh("echo partial > $out; exit 3")} }`;
    const drv = tsnix(["instantiate", "--eval", "--json", "-E", `(${expr}).outPath`]).stdout;
    const r = tsnix(["build", "-E", expr, "--no-out-link"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /error: builder for '\/nix\/store\/[a-z0-9]{32}-fails\.drv' failed with exit code 3/,
    );
    expect(record(JSON.parse(drv))).toBeUndefined();
    expect(fs.existsSync(JSON.parse(drv))).toBe(false);
  });

  test("a fixed output must have its hash", () => {
    const good = `derivation { name = "fixed"; outputHashAlgo = "sha256"; outputHash = builtins.hashString "sha256" "x${nonce}"; ${sh(`printf 'x${nonce}' > $out`)} }`;
    const r = tsnix(["build", "-E", good, "--no-out-link"]);
    expect(r.stderr).not.toContain("error");
    expect(fs.readFileSync(r.stdout.trim(), "utf8")).toBe(`x${nonce}`);
    const bad = `derivation { name = "fixed-bad"; outputHashAlgo = "sha256"; outputHash = builtins.hashString "sha256" "y"; ${sh("printf x > $out")} }`;
    const b = tsnix(["build", "-E", bad, "--no-out-link"]);
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(
      /error: hash mismatch in fixed-output derivation '\/nix\/store\/[a-z0-9]{32}-fixed-bad\.drv':\n +specified: sha256-\S+\n +got: {4}sha256-\S+/,
    );
  });

  test("builtin:fetchurl downloads, through <nix/fetchurl.nix>", () => {
    const file = path.join(tmp, `fetched-${nonce}.txt`);
    fs.writeFileSync(file, `fetched ${nonce}\n`);
    const expr = `import <nix/fetchurl.nix> { url = "file://${file}"; sha256 = builtins.hashFile "sha256" ${file}; }`;
    const r = tsnix(["build", "-E", expr, "--no-out-link"]);
    expect(r.stderr).not.toContain("error");
    expect(fs.readFileSync(r.stdout.trim(), "utf8")).toBe(`fetched ${nonce}\n`);
  });

  test("another platform is Nix's error", () => {
    const expr = `derivation { name = "elsewhere"; builder = "/bin/sh"; system = "riscv64-linux"; nonce = "${nonce}"; }`;
    const r = tsnix(["build", "-E", expr, "--no-out-link"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /error: a 'riscv64-linux' with features \{\} is required to build '\/nix\/store\/[a-z0-9]{32}-elsewhere\.drv', but I am a 'x86_64-linux' with features \{\}/,
    );
  });

  test("the REPL's :b builds", () => {
    const r = tsnix(
      ["repl"],
      `:b derivation { name = "from-repl"; ${sh('echo built > "$out"')} }\n`,
    );
    expect(r.stdout).toMatch(
      /This derivation produced the following outputs:\n {2}out -> \/nix\/store\/[a-z0-9]{32}-from-repl\n/,
    );
  });
});
