/**
 * Differential: every `eval-okay` case of test/lang evaluated by real Nix (`nix-instantiate`,
 * when it is on PATH; CI installs Debian's nix-bin) and by tsnix must print the same. Nix runs
 * as lang.sh runs it (`--eval --strict lang/X.nix` from the folder above `lang/`, `HOME=/fake-home`),
 * and its working directory is rewritten to `/pwd`, as lang.sh does.
 */

import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { discover, langDir, runCli, testHost } from "./harness.js";

const nix = spawnSync("nix-instantiate", ["--version"]);
const haveNix = nix.status === 0;

describe.skipIf(!haveNix)("tsnix agrees with nix-instantiate", () => {
  const cwd = path.dirname(langDir);
  for (const t of discover(langDir).filter((t) => t.kind === "eval-okay")) {
    test(t.name, () => {
      const file = `lang/${path.basename(t.nixFile)}`;
      const r = spawnSync("nix-instantiate", ["--eval", "--strict", file], {
        cwd,
        env: { PATH: process.env["PATH"], HOME: "/fake-home", NIX_REMOTE: "dummy://" },
      });
      expect(r.status, r.stderr.toString()).toBe(0);
      const expected = r.stdout.toString("latin1").replaceAll(cwd, "/pwd");
      const ours = runCli(["instantiate", "--eval", "--strict", file], testHost(""));
      expect(ours.stdout).toBe(expected);
    });
  }
});
