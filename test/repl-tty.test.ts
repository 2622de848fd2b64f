/**
 * `tsnix repl` at a real terminal: the built command runs in a tmux pseudo-terminal (CI installs
 * tmux), driven with `send-keys` and read with `capture-pane`, the way a person uses nix repl:
 * start, bind a variable, complete with Tab, print lazily and with :p, interrupt a long
 * evaluation with Ctrl-C (the scope survives), load a file, leave with :q.
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const haveTmux = spawnSync("tmux", ["-V"]).status === 0;
const session = `tsnix-repl-test-${process.pid}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsnix-repl-"));

function tmux(...args: string[]): string {
  const r = spawnSync("tmux", ["-L", session, ...args], { encoding: "utf8" });
  return r.stdout;
}

function screen(): string {
  return tmux("capture-pane", "-p", "-t", session, "-S", "-200");
}

/** Waits until the screen satisfies `ok` (polling), or fails with what the screen shows. */
async function waitFor(ok: (s: string) => boolean, what: string, ms = 10000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = screen();
    if (ok(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The number of prompts on the screen (to wait for the next one; tmux trims the space). */
function prompts(s: string): number {
  return s.split("\n").filter((l) => l.startsWith("nix-repl>")).length;
}

/** Types `keys` and Enter, then waits for a new prompt; returns the screen. */
async function line(keys: string): Promise<string> {
  const before = prompts(screen());
  tmux("send-keys", "-t", session, "-l", keys);
  tmux("send-keys", "-t", session, "Enter");
  return waitFor((s) => prompts(s) > before, `the prompt after ${JSON.stringify(keys)}`);
}

describe.skipIf(!haveTmux)("tsnix repl in a terminal", () => {
  beforeAll(async () => {
    // (vitest's default 10 s hook timeout is too short for a cold start on a busy machine)
    fs.writeFileSync(
      path.join(tmp, "set.nix"),
      '{ greeting = "hello"; answer = 6 * 7; nested = { deep = true; }; }\n',
    );
    start();
    await waitFor((s) => prompts(s) > 0, "the first prompt");
  }, 20000);

  function start(): void {
    const cmd = [
      `cd ${JSON.stringify(tmp)}`,
      `env HOME=${JSON.stringify(tmp)} XDG_DATA_HOME=${JSON.stringify(tmp)} TSNIX_STORE=dummy:// NIX_CONF_DIR=/nonexistent ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(root, "dist/tsnix.cjs"))} repl`,
    ].join(" && ");
    tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "50", cmd);
  }

  afterAll(() => {
    tmux("kill-server");
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("bindings persist", async () => {
    await line("x = 41");
    const s = await line("x + 1");
    expect(s).toMatch(/^42$/m);
  });

  test("Tab completes an attribute path", async () => {
    tmux("send-keys", "-t", session, "-l", "builtins.toJS");
    tmux("send-keys", "-t", session, "Tab");
    await waitFor((s) => s.includes("builtins.toJSON"), "the completion");
    tmux("send-keys", "-t", session, "C-u");
  });

  // Current nix repl forces what it prints, one level deep (deeper sets are `{ ... }`), and
  // writes a set of several attributes one per line; :p prints every level.
  test("values print one level deep, and fully with :p", async () => {
    let s = await line("{ a = 1; b = { c = 1 + 1; }; }");
    expect(s).toMatch(/^\{\n {2}a = 1;\n {2}b = \{ \.\.\. \};\n\}$/m);
    s = await line(":p { a = 1; b = { c = 1 + 1; }; }");
    expect(s).toMatch(/^\{\n {2}a = 1;\n {2}b = \{ c = 2; \};\n\}$/m);
  });

  test("Ctrl-C interrupts a long evaluation and keeps the scope", async () => {
    const before = prompts(screen());
    tmux(
      "send-keys",
      "-t",
      session,
      "-l",
      "builtins.foldl' (a: i: a + builtins.foldl' (x: y: x + y) 0 (builtins.genList (z: z) 10000)) 0 (builtins.genList (z: z) 1000000)",
    );
    tmux("send-keys", "-t", session, "Enter");
    await new Promise((r) => setTimeout(r, 800));
    tmux("send-keys", "-t", session, "C-c");
    const s = await waitFor((t) => prompts(t) > before, "the prompt after Ctrl-C");
    expect(s).toContain("interrupted by the user");
    expect(await line("x")).toMatch(/^41$/m);
  });

  test("a file loads into scope", async () => {
    const s = await line(":l set.nix");
    expect(s).toMatch(/Added 3 variables/);
    expect(await line("answer")).toMatch(/^42$/m);
  });

  test(":q leaves, and the next session has the history", async () => {
    tmux("send-keys", "-t", session, "-l", ":q");
    tmux("send-keys", "-t", session, "Enter");
    const end = Date.now() + 5000;
    while (
      Date.now() < end &&
      spawnSync("tmux", ["-L", session, "has-session", "-t", session]).status === 0
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(spawnSync("tmux", ["-L", session, "has-session", "-t", session]).status).not.toBe(0);
    expect(fs.readFileSync(path.join(tmp, "tsnix", "repl-history"), "utf8")).toContain("x = 41\n");
    start();
    await waitFor((t) => prompts(t) > 0, "the first prompt of the second session");
    tmux("send-keys", "-t", session, "Up");
    await waitFor((t) => /^nix-repl> :q$/m.test(t), "the last line of the history");
    tmux("send-keys", "-t", session, "Enter");
  });
});
