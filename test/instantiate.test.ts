/**
 * `tsnix instantiate FILE` and the store, as nix-instantiate (Nix 2.8, the oracle installed
 * here) does them: the `.drv` paths it prints (`PATH!OUTPUT` when the first output is not
 * `out`), the garbage-collector warning, which values of a set or list are instantiated
 * (sorted attributes, `recurseForDerivations`), `-A`, `--arg`, `--argstr`; what a directory
 * store holds afterwards (the `.drv` files byte for byte and the copied sources, as
 * `nix-instantiate --store DIR` writes them, plus tsnix's records) and that `--readonly-mode`
 * writes nothing; `--add-root`; `tsnix show-derivation` (current `nix derivation show`, JSON
 * format version 4); import from derivation refused with current Nix's messages; several
 * processes writing one store at once; picking the store (`--store`, `TSNIX_STORE`); and bad
 * input rejected with Nix's errors, never a crash.
 *
 * Every .drv path, ATerm text, NAR hash and size below was printed by nix-instantiate 2.8 (or
 * nix-store --query on the store it wrote) on test/fixtures/instantiate. Where current CppNix
 * words a message differently from 2.8, the test expects current Nix's wording and says so.
 */

import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lastErrorLine, runCli, testHost } from "./harness.js";

const bin = path.join(import.meta.dirname, "..", "dist", "tsnix.cjs");
const fixtures = path.join(import.meta.dirname, "fixtures", "instantiate");
const fixture = (name: string) => path.join(fixtures, name);

const GC_WARNING =
  "warning: you did not specify '--add-root'; the result might be removed by the garbage collector\n";

// What nix-instantiate 2.8 prints for test/fixtures/instantiate (default.nix).
const APP = "/nix/store/62s2sx753ga069gzk2c5b2crmvxfm4yd-app.drv";
const BASE = "/nix/store/4akzcjgqigq0q0rpsn6l4y9pv0xkad7v-base.drv";
const INNER = "/nix/store/c9n29ci7ksmdn3i0lg9gzjx5lwr1nqhh-inner.drv";
const SPLIT = "/nix/store/mklik7gz0461sryv0i78gk994nz81x62-split.drv";
const HIDDEN = "/nix/store/3xy8npf22n1ipfcy0ln91b1b9kcwc5sb-hidden.drv";
const L1 = "/nix/store/r511x85yapx3y34pfk8ib2pfih7gnsbj-l1.drv";
const L2 = "/nix/store/l588r4nk3hykk1yi52gmgpsiz2vm99xs-l2.drv";
const SRC = "/nix/store/gyypyyrp0vdls9xmx60jcdc89mlfjxxy-src";
const NOTE = "/nix/store/nq1jrs291v1zafcs1r16ap7r49haccgp-note.txt";
/** `nix-instantiate FIXTURE`: app, base, nested.inner, split (its first output is dev). */
const DEFAULT_OUTPUT = `${APP}\n${BASE}\n${INNER}\n${SPLIT}!dev\n`;
/** What `nix-instantiate --store DIR FIXTURE` leaves in DIR/nix/store (besides `.links`). */
const DEFAULT_OBJECTS = [BASE, APP, INNER, SRC, SPLIT, NOTE].map((p) => path.basename(p)).sort();

// The .drv files as nix-instantiate 2.8 writes them.
const BASE_ATERM =
  'Derive([("out","/nix/store/y9l396s4053c4bbpq3ly7zxzv561y084-base","","")],[],' +
  '["/nix/store/gyypyyrp0vdls9xmx60jcdc89mlfjxxy-src","/nix/store/nq1jrs291v1zafcs1r16ap7r49haccgp-note.txt"],' +
  '"x86_64-linux","/bin/sh",["-c","echo hello > $out"],[("builder","/bin/sh"),("count","1"),' +
  '("name","base"),("note","/nix/store/nq1jrs291v1zafcs1r16ap7r49haccgp-note.txt"),' +
  '("out","/nix/store/y9l396s4053c4bbpq3ly7zxzv561y084-base"),' +
  '("src","/nix/store/gyypyyrp0vdls9xmx60jcdc89mlfjxxy-src"),("system","x86_64-linux")])';
const APP_ATERM =
  'Derive([("out","/nix/store/1b94rpffpn836572rwczfj4acfgskl0d-app","","")],' +
  '[("/nix/store/4akzcjgqigq0q0rpsn6l4y9pv0xkad7v-base.drv",["out"])],[],"x86_64-linux","/bin/sh",' +
  '["-c","echo hello > $out"],[("builder","/bin/sh"),' +
  '("deps","/nix/store/y9l396s4053c4bbpq3ly7zxzv561y084-base"),("name","app"),' +
  '("out","/nix/store/1b94rpffpn836572rwczfj4acfgskl0d-app"),("system","x86_64-linux")])';
const SPLIT_ATERM =
  'Derive([("dev","/nix/store/hhgjzsqz7dak464zrkm5brdmq45qjwmx-split-dev","",""),' +
  '("doc","/nix/store/vwbznv555nrc8fl5smgwfvikjafmrik5-split-doc","",""),' +
  '("out","/nix/store/hc1391r81zifd8rwl9hcc5rpv74wdc70-split","","")],[],[],"x86_64-linux",' +
  '"/bin/sh",["-c","echo hello > $out"],[("builder","/bin/sh"),' +
  '("dev","/nix/store/hhgjzsqz7dak464zrkm5brdmq45qjwmx-split-dev"),' +
  '("doc","/nix/store/vwbznv555nrc8fl5smgwfvikjafmrik5-split-doc"),("name","split"),' +
  '("out","/nix/store/hc1391r81zifd8rwl9hcc5rpv74wdc70-split"),("outputs","dev out doc"),' +
  '("system","x86_64-linux")])';

// The import-from-derivation fixtures' derivations (nix-instantiate 2.8).
/** nix-instantiate 2.8 on test/fixtures/instantiate/single.nix. */
const SINGLE = "/nix/store/nn3kqkfvmfq9vy3dqhkjgsvfn0r7g1i8-single.drv";
const IFD_IMPORT_DRV = "/nix/store/7sv1h9xjrfy5d9difdxl6y0jdd4xf9j6-gen.drv";
const IFD_READFILE_DRV = "/nix/store/nhrqyjqswmkfjr0l17llmn9pjv07mcbr-gen.drv";

let tmp: string;
let counter = 0;
/** A fresh, not yet existing directory under the test's temporary directory. */
const freshDir = (name: string) => path.join(tmp, `${name}-${counter++}`);

/** Store objects are read-only (0444 files, 0555 directories): make them removable. */
function makeWritable(p: string): void {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return;
  fs.chmodSync(p, 0o755);
  for (const e of fs.readdirSync(p)) makeWritable(path.join(p, e));
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsnix-instantiate-"));
});

afterAll(() => {
  makeWritable(tmp);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** In-process run; the store is memory unless `env` names one. */
function inst(args: string[], env: Record<string, string> = {}) {
  return runCli(["instantiate", ...args], testHost("", env));
}

/** The built binary. TSNIX_STORE is always given, so that /nix/store is never touched. */
function tsnix(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, NIX_CONF_DIR: "/nonexistent-nix-conf", TSNIX_STORE: "dummy://", ...env },
    maxBuffer: 1 << 28,
    timeout: 60_000,
  });
  return {
    stdout: r.stdout.toString("latin1"),
    stderr: r.stderr.toString("utf8"),
    status: r.status,
  };
}

/** A run that failed cleanly: exit status 1, a Nix-style error, no JavaScript stack trace. */
function expectCleanError(r: { stderr: string; status?: number | null; exitCode?: number }) {
  expect(r.status ?? r.exitCode).toBe(1);
  expect(r.stderr).toMatch(/^error:/);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at .*\.(m?js|ts):\d+/);
}

function storeEntries(dir: string): string[] {
  return fs.readdirSync(path.join(dir, "nix/store")).sort();
}

function recordOf(dir: string, storePath: string) {
  const file = path.join(dir, "nix/var/tsnix/db", path.basename(storePath).slice(0, 32) + ".json");
  return JSON.parse(fs.readFileSync(file, "utf8")) as {
    narHash: string;
    narSize: number;
    references: string[];
  };
}

describe("tsnix instantiate FILE prints .drv paths as nix-instantiate does", () => {
  test("a derivation: its .drv path, and the garbage-collector warning", () => {
    const r = inst([fixture("default.nix"), "-A", "base"]);
    expect(r.stdout).toBe(BASE + "\n");
    expect(r.stderr).toBe(GC_WARNING);
    expect(r.exitCode).toBe(0);
  });

  test("a set: derivations in sorted attribute order, the warning once", () => {
    // base before app in the file; nested.inner only through recurseForDerivations,
    // nested.deeper.skipped and hidden.inner not at all; the list and the integer are skipped.
    const r = inst([fixture("default.nix")]);
    expect(r.stdout).toBe(DEFAULT_OUTPUT);
    expect(r.stderr).toBe(GC_WARNING);
    expect(r.exitCode).toBe(0);
  });

  test("a derivation whose first output is not out prints PATH!OUTPUT", () => {
    expect(inst([fixture("default.nix"), "-A", "split"]).stdout).toBe(SPLIT + "!dev\n");
  });

  test("recurseForDerivations: a selected set's own derivations are instantiated", () => {
    expect(inst([fixture("default.nix"), "-A", "nested"]).stdout).toBe(INNER + "\n");
    // hidden is not recursed into from the top, but selected with -A it is the root.
    expect(inst([fixture("default.nix"), "-A", "hidden"]).stdout).toBe(HIDDEN + "\n");
  });

  test("a list: each element, in order", () => {
    const r = inst([fixture("default.nix"), "-A", "list"]);
    expect(r.stdout).toBe(`${L1}\n${L2}\n`);
    expect(r.stderr).toBe(GC_WARNING);
  });

  test("lists recurse into sets and lists; names that are not identifiers are skipped; a value once", () => {
    const mk = 'let mk = n: derivation { name = n; system = "x"; builder = "/bin/sh"; }; in ';
    const r = inst([
      "-E",
      mk +
        '[ { b = mk "lb"; a = mk "la"; "x y" = mk "skipped"; ' +
        's = { recurseForDerivations = true; z = mk "lz"; }; } [ (mk "ll") ] (mk "lm") (mk "lm") ]',
    ]);
    expect(r.stdout).toBe(
      "/nix/store/mwzzs79j94m04gay5k5diaxpwm1p06v9-la.drv\n" +
        "/nix/store/fb9a633l6j8m74na8h22yxhq15qzslgk-lb.drv\n" +
        "/nix/store/a10qcn21v2x9d8mjhvz313k2vqn1v6cx-lz.drv\n" +
        "/nix/store/ri4r11744bgbmnzvl6s3yxqg8srnx344-ll.drv\n" +
        "/nix/store/2d86y7bgkr9jvamsplzn37aa1gbhi3bg-lm.drv\n" +
        "/nix/store/2d86y7bgkr9jvamsplzn37aa1gbhi3bg-lm.drv\n",
    );
    const same = inst([
      "-E",
      'let d = derivation { name = "d"; system = "x"; builder = "/bin/sh"; }; in ' +
        "{ a = d; b = d; c = { recurseForDerivations = false; e = d; }; }",
    ]);
    expect(same.stdout).toBe("/nix/store/wwk71dy0w17kn5spjd8hbsrk6520xs11-d.drv\n");
  });

  test("no derivations in a set or list: no output, no warning, success", () => {
    for (const e of ["{}", "[ ]", "{ x = 1; y = [ 1 ]; f = a: a; }"]) {
      const r = inst(["-E", e]);
      expect([r.stdout, r.stderr, r.exitCode]).toEqual(["", "", 0]);
    }
  });

  test("a value that is not a derivation is Nix's error", () => {
    for (const args of [
      ["-E", '"s"'],
      ["-E", "[ 1 ]"],
      [fixture("default.nix"), "-A", "notADrv"],
    ]) {
      const r = inst(args);
      expect(r.stderr).toBe(
        "error: expression does not evaluate to a derivation (or a set or list of those)\n",
      );
      expect(r.stdout).toBe("");
      expect(r.exitCode).toBe(1);
    }
  });

  test("-A selects, several times and in order; a missing attribute is Nix's error", () => {
    const r = inst([fixture("default.nix"), "-A", "base", "-A", "split", "-A", "base"]);
    expect(r.stdout).toBe(`${BASE}\n${SPLIT}!dev\n${BASE}\n`);
    expect(r.stderr).toBe(GC_WARNING);
    const missing = inst([fixture("default.nix"), "-A", "nope"]);
    expect(missing.stderr).toBe("error: attribute 'nope' in selection path 'nope' not found\n");
    expect(missing.exitCode).toBe(1);
  });

  test("--arg and --argstr reach the file's function", () => {
    const f = fixture("default.nix");
    expect(inst([f, "-A", "base", "--argstr", "greeting", "bye"]).stdout).toBe(
      "/nix/store/7lv55ffj9x96zi4hbhrsz7yyanr4g36w-base.drv\n",
    );
    expect(inst([f, "-A", "base", "--arg", "n", "2"]).stdout).toBe(
      "/nix/store/s50fxhpy5fnxqrva3cxxavqfdx7fjp9a-base.drv\n",
    );
    expect(
      inst([f, "-A", "base", "--arg", "n", "1 + 1", "--argstr", "greeting", "bye"]).stdout,
    ).toBe("/nix/store/h1pqmm945vz1hz6dxnr4ngakygr9h1lc-base.drv\n");
    // ... and what depends on the changed derivation changes too.
    expect(inst([f, "-A", "app", "--argstr", "greeting", "bye"]).stdout).toBe(
      "/nix/store/lk60fjypv5lpwcla3zv9bxf9k4s2j5jp-app.drv\n",
    );
  });

  test("the built binary prints the same, the warning once on stderr", () => {
    const r = tsnix(["instantiate", fixture("default.nix")]);
    expect(r.stdout).toBe(DEFAULT_OUTPUT);
    expect(r.stderr).toBe(GC_WARNING);
    expect(r.status).toBe(0);
    const single = tsnix(["instantiate", fixture("single.nix")]);
    expect([single.stdout, single.stderr, single.status]).toEqual([SINGLE + "\n", GC_WARNING, 0]);
  });
});

describe("a directory store", () => {
  test("--readonly-mode writes nothing", () => {
    const dir = freshDir("readonly");
    const r = inst(["--readonly-mode", fixture("default.nix")], { TSNIX_STORE: dir });
    expect(r.stdout).toBe(DEFAULT_OUTPUT);
    expect(r.exitCode).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
    // Nor into an existing store.
    fs.mkdirSync(dir);
    inst(["--readonly-mode", fixture("default.nix")], { TSNIX_STORE: dir });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test("without it: the .drv files as nix-instantiate writes them, the sources, the records", () => {
    const dir = freshDir("store");
    const r = inst([fixture("default.nix")], { TSNIX_STORE: dir });
    expect(r.stdout).toBe(DEFAULT_OUTPUT);
    expect(r.exitCode).toBe(0);
    const store = path.join(dir, "nix/store");
    expect(storeEntries(dir)).toEqual(DEFAULT_OBJECTS);
    const real = (p: string) => path.join(dir, p);
    expect(fs.readFileSync(real(BASE), "latin1")).toBe(BASE_ATERM);
    expect(fs.readFileSync(real(APP), "latin1")).toBe(APP_ATERM);
    expect(fs.readFileSync(real(SPLIT), "latin1")).toBe(SPLIT_ATERM);
    // The copied source directory and the toFile result, read-only as in Nix's store.
    expect(fs.readFileSync(real(SRC + "/hello.txt"), "utf8")).toBe("hello from src\n");
    expect(fs.readFileSync(real(SRC + "/sub/data.txt"), "utf8")).toBe("nested file\n");
    expect(fs.readdirSync(real(SRC)).sort()).toEqual(["hello.txt", "sub"]);
    expect(fs.readFileSync(real(NOTE), "utf8")).toBe("a note for hello\n");
    expect(fs.statSync(real(BASE)).mode & 0o777).toBe(0o444);
    expect(fs.statSync(real(SRC)).mode & 0o777).toBe(0o555);
    expect(fs.statSync(real(SRC + "/hello.txt")).mode & 0o777).toBe(0o444);
    // A record for every object; NAR hash (base 16) and size as nix-store --query gives them.
    for (const e of fs.readdirSync(store)) {
      expect(fs.existsSync(path.join(dir, "nix/var/tsnix/db", e.slice(0, 32) + ".json"))).toBe(
        true,
      );
    }
    expect(recordOf(dir, BASE)).toEqual({
      narHash: "931dd4e1b29d3b654d777b8d794cd612693074e104c64effd22ca79640edff38",
      narSize: 616,
      references: [SRC, NOTE],
    });
    expect(recordOf(dir, SRC)).toEqual({
      narHash: "2afe88886298402203e63613a3ff2c42134ffe843e5cc35ec5d136ac8dfcd420",
      narSize: 672,
      references: [],
    });
    expect(recordOf(dir, NOTE)).toEqual({
      narHash: "be5cb870bb736e6f1bf913eb81bf68a4dde90f3ffa784ff46cd6df09f5de101e",
      narSize: 136,
      references: [],
    });
    expect(recordOf(dir, APP).references).toEqual([BASE]);
  });

  test("instantiating again into the same store changes nothing", () => {
    const dir = freshDir("again");
    inst([fixture("default.nix")], { TSNIX_STORE: dir });
    const before = fs.statSync(path.join(dir, BASE)).mtimeMs;
    const r = inst([fixture("default.nix")], { TSNIX_STORE: dir });
    expect(r.stdout).toBe(DEFAULT_OUTPUT);
    expect(storeEntries(dir)).toEqual(DEFAULT_OBJECTS);
    expect(fs.statSync(path.join(dir, BASE)).mtimeMs).toBe(before);
  });

  // A `.drv` in the closure of a `drvPath` context is both an input source and an input
  // derivation. `nix-instantiate --store local?root=DIR -E …` printed this path, and
  // `nix-store -q --references` lists the input `.drv` once.
  test("a .drv that is an input source and an input derivation is one reference", () => {
    const dir = freshDir("refs");
    const e =
      'let a = derivation { name = "a"; builder = "/bin/sh"; system = "x"; }; in derivation { name = "b"; builder = "/bin/sh"; system = "x"; x = builtins.unsafeDiscardOutputDependency a.drvPath; y = a; }';
    const r = inst(["-E", e], { TSNIX_STORE: dir });
    expect(r.stdout).toBe("/nix/store/y85mwyzkn9gpnxdamnl62ad5rnyzxh3v-b.drv\n");
    expect(recordOf(dir, "/nix/store/y85mwyzkn9gpnxdamnl62ad5rnyzxh3v-b.drv").references).toEqual([
      "/nix/store/l9ldjc53ry43x24hvq73jx7dx0489mhj-a.drv",
    ]);
  });

  // nix-instantiate.cc: `if (evalOnly && !wantsReadWrite) settings.readOnlyMode = true;` (2.8 and
  // current Nix): `nix-instantiate --eval --store DIR -E 'builtins.toFile "a" "b"'` prints
  // "/nix/store/g76zcpqc540lrc8i6g7xy6ip0npn2hnp-a" and writes nothing into DIR.
  test("--eval implies --readonly-mode unless --read-write-mode", () => {
    const dir = freshDir("eval");
    const e = ["--eval", "-E", 'builtins.toFile "a" "b"'];
    const r = inst(e, { TSNIX_STORE: dir });
    expect(r.stdout).toBe('"/nix/store/g76zcpqc540lrc8i6g7xy6ip0npn2hnp-a"\n');
    expect(fs.existsSync(path.join(dir, "nix/store/g76zcpqc540lrc8i6g7xy6ip0npn2hnp-a"))).toBe(
      false,
    );
  });

  test("--eval --read-write-mode writes", () => {
    const dir = freshDir("eval-rw");
    const r = inst(["--eval", "--read-write-mode", "-E", 'builtins.toFile "a" "b"'], {
      TSNIX_STORE: dir,
    });
    expect(r.stdout).toBe('"/nix/store/g76zcpqc540lrc8i6g7xy6ip0npn2hnp-a"\n');
    expect(
      fs.readFileSync(path.join(dir, "nix/store/g76zcpqc540lrc8i6g7xy6ip0npn2hnp-a"), "utf8"),
    ).toBe("b");
  });

  // nix-instantiate.cc: `--dry-run` sets `settings.readOnlyMode = true` (2.8 and current Nix):
  // `nix-instantiate --store DIR --dry-run FILE` prints the .drv path and writes nothing.
  test("--dry-run writes nothing", () => {
    const dir = freshDir("dry-run");
    const r = inst(["--dry-run", fixture("default.nix"), "-A", "split"], { TSNIX_STORE: dir });
    expect(r.stdout).toBe(SPLIT + "!dev\n");
    expect(fs.existsSync(path.join(dir, SPLIT))).toBe(false);
  });
});

describe("--add-root", () => {
  test("a symlink to the .drv in the store, printed instead of the path; the next is PATH-2", () => {
    const dir = freshDir("roots-store");
    const work = freshDir("roots");
    fs.mkdirSync(work);
    // Relative to the working directory, printed absolute, as nix-instantiate does.
    const r = tsnix(
      ["instantiate", fixture("default.nix"), "-A", "base", "-A", "split", "--add-root", "result"],
      { TSNIX_STORE: dir },
      work,
    );
    const root = path.join(fs.realpathSync(work), "result");
    expect(r.stdout).toBe(`${root}\n${root}-2!dev\n`);
    expect(r.stderr).toBe(""); // no garbage-collector warning with --add-root
    expect(r.status).toBe(0);
    expect(fs.lstatSync(root).isSymbolicLink()).toBe(true);
    expect(fs.lstatSync(root + "-2").isSymbolicLink()).toBe(true);
    // nix-instantiate --store DIR links to the logical path (/nix/store/…-base.drv); tsnix links
    // to where the object physically is (DIR/nix/store/…-base.drv), so that the link resolves.
    expect(path.basename(fs.readlinkSync(root))).toBe(path.basename(BASE));
    expect(path.basename(fs.readlinkSync(root + "-2"))).toBe(path.basename(SPLIT));
    expect(fs.readFileSync(root, "latin1")).toBe(BASE_ATERM);
    expect(fs.readFileSync(root + "-2", "latin1")).toBe(SPLIT_ATERM);
  });

  test("a single root is PATH; an existing link into the store is replaced", () => {
    const work = freshDir("root1");
    fs.mkdirSync(work);
    const root = path.join(work, "r");
    // A dangling link into the store, as an old root is after garbage collection.
    fs.symlinkSync("/nix/store/00000000000000000000000000000000-old", root);
    const r = inst([fixture("default.nix"), "-A", "app", "--add-root", root]);
    expect(r.stdout).toBe(root + "\n");
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    // The memory store has no physical place: the link is the store path.
    expect(fs.readlinkSync(root)).toBe(APP);
  });

  // LocalFSStore::addPermRoot (2.8 and current Nix): "Don't clobber the link if it already
  // exists and doesn't point to the Nix store": nix-instantiate --add-root FILE fails and leaves
  // FILE as it was. Nix 2.8 says "cannot create symlink 'FILE'; already exists"; current Nix
  // (indirect-root-store.cc) quotes the path with PathFmt: "cannot create symlink "FILE"; …".
  test("an existing file, or a link outside the store, is not clobbered", () => {
    const work = freshDir("clobber");
    fs.mkdirSync(work);
    const file = path.join(work, "precious");
    fs.writeFileSync(file, "data\n");
    const link = path.join(work, "link");
    fs.symlinkSync("/nonexistent", link);
    for (const root of [file, link]) {
      const r = inst([fixture("default.nix"), "-A", "app", "--add-root", root]);
      expect(r.stderr).toBe(`error: cannot create symlink "${root}"; already exists\n`);
      expect(r.exitCode).toBe(1);
    }
    expect(fs.readFileSync(file, "utf8")).toBe("data\n");
    expect(fs.readlinkSync(link)).toBe("/nonexistent");
  });

  // Same: a directory is refused with Nix's error.
  test("an existing directory is Nix's error", () => {
    const work = freshDir("rootdir");
    fs.mkdirSync(work);
    const r = tsnix(["instantiate", fixture("single.nix"), "--add-root", work]);
    expect(r.stderr).toBe(`error: cannot create symlink "${work}"; already exists\n`);
    expect(r.status).toBe(1);
  });

  // makeSymlink creates the link's parent directories: nix-instantiate --add-root
  // /tmp/x/new/deeper/root prints that path and makes the link. tsnix dies with "tsnix internal
  // error: Error: ENOENT: no such file or directory, symlink …" and a JavaScript stack trace.
  test("missing parent directories are created", () => {
    const root = path.join(freshDir("parents"), "new", "deeper", "root");
    const r = tsnix(["instantiate", fixture("single.nix"), "--add-root", root]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(root + "\n");
    expect(fs.readlinkSync(root)).toBe(SINGLE);
  });
});

interface ShownDerivation {
  name: string;
  version: number;
  system: string;
  builder: string;
  args: string[];
  env: Record<string, string>;
  inputs: { srcs: string[]; drvs: Record<string, { outputs: string[]; dynamicOutputs: object }> };
  outputs: Record<string, { path: string }>;
}
type Shown = { version: number; derivations: Record<string, ShownDerivation> };

describe("tsnix show-derivation: nix derivation show's JSON, format version 4", () => {
  const show = (args: string[], env: Record<string, string> = {}) => {
    const r = runCli(["show-derivation", ...args], testHost("", env));
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout.endsWith("\n")).toBe(true);
    return JSON.parse(r.stdout) as Shown;
  };

  test("of a file: keyed by the .drv's base name, env, inputs and outputs", () => {
    const json = show([fixture("default.nix"), "-A", "app"]);
    expect(Object.keys(json).sort()).toEqual(["derivations", "version"]);
    expect(json.version).toBe(4);
    expect(json.derivations).toEqual({
      "62s2sx753ga069gzk2c5b2crmvxfm4yd-app.drv": {
        name: "app",
        version: 4,
        system: "x86_64-linux",
        builder: "/bin/sh",
        args: ["-c", "echo hello > $out"],
        env: {
          builder: "/bin/sh",
          deps: "/nix/store/y9l396s4053c4bbpq3ly7zxzv561y084-base",
          name: "app",
          out: "/nix/store/1b94rpffpn836572rwczfj4acfgskl0d-app",
          system: "x86_64-linux",
        },
        inputs: {
          srcs: [],
          drvs: {
            "4akzcjgqigq0q0rpsn6l4y9pv0xkad7v-base.drv": { outputs: ["out"], dynamicOutputs: {} },
          },
        },
        outputs: { out: { path: "1b94rpffpn836572rwczfj4acfgskl0d-app" } },
      },
    });
  });

  test("several outputs and input sources, as base names", () => {
    const json = show([fixture("default.nix"), "-A", "split", "-A", "base"]);
    expect(Object.keys(json.derivations).sort()).toEqual([
      path.basename(BASE),
      path.basename(SPLIT),
    ]);
    const split = json.derivations[path.basename(SPLIT)]!;
    expect(split.outputs).toEqual({
      dev: { path: "hhgjzsqz7dak464zrkm5brdmq45qjwmx-split-dev" },
      doc: { path: "vwbznv555nrc8fl5smgwfvikjafmrik5-split-doc" },
      out: { path: "hc1391r81zifd8rwl9hcc5rpv74wdc70-split" },
    });
    expect(split.env["outputs"]).toBe("dev out doc");
    const base = json.derivations[path.basename(BASE)]!;
    expect(base.inputs).toEqual({
      srcs: [path.basename(SRC), path.basename(NOTE)],
      drvs: {},
    });
    expect(base.env["src"]).toBe(SRC);
  });

  test("-r adds the input derivations", () => {
    const json = show(["-r", fixture("default.nix"), "-A", "app"]);
    expect(Object.keys(json.derivations).sort()).toEqual([path.basename(BASE), path.basename(APP)]);
    expect(json.derivations[path.basename(BASE)]!.env["count"]).toBe("1");
  });

  test("a /nix/store/…drv path after instantiating into a directory store", () => {
    const dir = freshDir("show");
    inst([fixture("default.nix")], { TSNIX_STORE: dir });
    const fromFile = show([fixture("default.nix"), "-A", "app"]);
    const fromStore = show([APP], { TSNIX_STORE: dir });
    expect(fromStore).toEqual(fromFile);
    const recursive = show(["-r", APP], { TSNIX_STORE: dir });
    expect(recursive).toEqual(show(["-r", fixture("default.nix"), "-A", "app"]));
    // The built binary, and --pretty indents by two.
    const r = tsnix(["show-derivation", "--pretty", SPLIT], { TSNIX_STORE: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(JSON.stringify(JSON.parse(r.stdout), null, 2) + "\n");
    expect(Object.keys((JSON.parse(r.stdout) as Shown).derivations)).toEqual([
      path.basename(SPLIT),
    ]);
  });

  test("a .drv that is not in the store is an error naming it", () => {
    // tsnix: "path '…' is not valid" (Nix's InvalidPath); current Nix's LocalStoreAccessor may
    // say "path '…' is not a valid store path".
    const r = runCli(["show-derivation", IFD_IMPORT_DRV], testHost(""));
    expect(r.stderr).toMatch(new RegExp(`^error: path '${IFD_IMPORT_DRV}' is not (a )?valid`));
    expect(r.stdout).toBe("");
    expect(r.exitCode).toBe(1);
  });
});

describe("import from derivation", () => {
  const cases = [
    ["import (derivation {...})", "ifd-import.nix", IFD_IMPORT_DRV],
    ['builtins.readFile "${drv}/x"', "ifd-readfile.nix", IFD_READFILE_DRV],
  ] as const;

  for (const [what, file, drv] of cases) {
    test(`${what}: the record realizer does not build`, () => {
      for (const args of [[fixture(file)], ["--eval", "--read-write-mode", fixture(file)]]) {
        const r = inst(args);
        expect(lastErrorLine(r.stderr)).toBe(
          `error: cannot build '${drv}^out' during evaluation: the 'record' realizer does not build`,
        );
        expect(r.exitCode).toBe(1);
      }
      // Into a directory store too: the .drv is written first, as Nix does.
      const dir = freshDir("ifd");
      const r = inst([fixture(file)], { TSNIX_STORE: dir });
      expect(lastErrorLine(r.stderr)).toMatch(/the 'record' realizer does not build$/);
      expect(fs.existsSync(path.join(dir, drv))).toBe(true);
    });

    // Nix 2.8 prints "cannot build '/nix/store/…-gen.drv' during evaluation because …" (no
    // ^out); current Nix names the output, as here.
    test(`${what}: allow-import-from-derivation = false, current Nix's message`, () => {
      const r = inst(["--option", "allow-import-from-derivation", "false", fixture(file)]);
      expect(lastErrorLine(r.stderr)).toBe(
        `error: cannot build '${drv}^out' during evaluation because the option 'allow-import-from-derivation' is disabled`,
      );
      expect(r.exitCode).toBe(1);
    });

    test(`${what}: --readonly-mode, the .drv is not valid`, () => {
      const r = inst(["--readonly-mode", fixture(file)]);
      expect(lastErrorLine(r.stderr)).toBe(`error: path '${drv}' is not valid`);
      expect(r.exitCode).toBe(1);
    });
  }

  // Since --eval implies --readonly-mode in nix-instantiate (see above), Nix 2.8 reports
  // "error: path '/nix/store/7sv1h9xjrfy5d9difdxl6y0jdd4xf9j6-gen.drv' is not valid" here.
  test("--eval: the .drv is not valid, as in read-only mode", () => {
    const r = inst(["--eval", fixture("ifd-import.nix")]);
    expect(lastErrorLine(r.stderr)).toBe(`error: path '${IFD_IMPORT_DRV}' is not valid`);
  });
});

describe("the directory store is safe for concurrent writers", () => {
  test("4 processes instantiating into one fresh store", async () => {
    const dir = freshDir("concurrent");
    const runOne = () =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, "instantiate", fixture("default.nix")], {
          env: { ...process.env, NIX_CONF_DIR: "/nonexistent-nix-conf", TSNIX_STORE: dir },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString("latin1")));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
      });
    const results = await Promise.all([runOne(), runOne(), runOne(), runOne()]);
    for (const r of results) {
      expect(r).toEqual({ status: 0, stdout: DEFAULT_OUTPUT, stderr: GC_WARNING });
    }
    expect(storeEntries(dir)).toEqual(DEFAULT_OBJECTS);
    const db = fs.readdirSync(path.join(dir, "nix/var/tsnix/db"));
    expect([...storeEntries(dir), ...db].filter((e) => e.includes(".tmp-"))).toEqual([]);
    expect(db.sort()).toEqual(DEFAULT_OBJECTS.map((e) => e.slice(0, 32) + ".json").sort());
    expect(fs.readFileSync(path.join(dir, BASE), "latin1")).toBe(BASE_ATERM);
    expect(recordOf(dir, SRC).narHash).toBe(
      "2afe88886298402203e63613a3ff2c42134ffe843e5cc35ec5d136ac8dfcd420",
    );
  });
});

describe("picking the store", () => {
  const args = [fixture("default.nix"), "-A", "split"];
  const written = (dir: string) => fs.existsSync(path.join(dir, SPLIT));

  test("--store DIR", () => {
    const dir = freshDir("opt-dir");
    expect(inst(["--store", dir, ...args]).stdout).toBe(SPLIT + "!dev\n");
    expect(written(dir)).toBe(true);
  });

  test("--store local?root=DIR", () => {
    const dir = freshDir("opt-local");
    expect(inst(["--store", `local?root=${dir}`, ...args]).stdout).toBe(SPLIT + "!dev\n");
    expect(written(dir)).toBe(true);
  });

  test("--option store DIR", () => {
    const dir = freshDir("opt-option");
    expect(inst(["--option", "store", dir, ...args]).stdout).toBe(SPLIT + "!dev\n");
    expect(written(dir)).toBe(true);
  });

  test("TSNIX_STORE=DIR", () => {
    const dir = freshDir("env");
    const r = tsnix(["instantiate", ...args], { TSNIX_STORE: dir });
    expect(r.stdout).toBe(SPLIT + "!dev\n");
    expect(written(dir)).toBe(true);
  });

  test("--store dummy:// keeps everything in memory, over TSNIX_STORE", () => {
    const dir = freshDir("dummy");
    const r = inst(["--store", "dummy://", ...args], { TSNIX_STORE: dir });
    expect(r.stdout).toBe(SPLIT + "!dev\n");
    expect(fs.existsSync(dir)).toBe(false);
  });

  test("an unknown store URI is a clean error", () => {
    for (const r of [
      tsnix(["instantiate", "--store", "bogus://x", ...args]),
      tsnix(["instantiate", ...args], { TSNIX_STORE: "bogus://x" }),
    ]) {
      expect(r.stdout).toBe("");
      expectCleanError(r);
      expect(r.stderr).toBe("error: don't know how to open Nix store with scheme 'bogus'\n");
    }
  });

  // Nix 2.8: "error: don't know how to open Nix store 'bogus://x'"; current Nix
  // (store-registration.cc): "don't know how to open Nix store with scheme 'bogus'".
  test("an unknown store URI: current Nix's wording", () => {
    const r = tsnix(["instantiate", "--store", "bogus://x", ...args]);
    expect(r.stderr).toBe("error: don't know how to open Nix store with scheme 'bogus'\n");
  });
});

describe("bad input is a clean error, never a crash", () => {
  const cases: [string, string, RegExp | string][] = [
    [
      "a function-valued attribute",
      'derivation { name = "fn"; system = "x"; builder = "/bin/sh"; f = x: x; }',
      // Nix 2.8: "cannot coerce a function to a string"; current Nix adds the value.
      /^error: cannot coerce a function to a string: «lambda f @ «string»:1:66»$/,
    ],
    [
      "a .drv name too long (208 characters + .drv; the output's name is fine)",
      'derivation { name = builtins.concatStringsSep "" (builtins.genList (_: "a") 208); system = "x"; builder = "/bin/sh"; }',
      // Nix 2.8: "store path '39r7g…-aaa….drv' has a name longer than 211 characters".
      `error: path '39r7g63q6m367xd36q6ixhljpc0drhx6-${"a".repeat(208)}.drv' is not a valid store path: ` +
        `name '${"a".repeat(208)}.drv' must be no longer than 211 characters`,
    ],
    [
      "a name too long",
      'derivation { name = builtins.concatStringsSep "" (builtins.genList (_: "a") 300); system = "x"; builder = "/bin/sh"; }',
      `error: invalid derivation name: name '${"a".repeat(300)}' must be no longer than 211 characters. Please pass a different 'name'.`,
    ],
    [
      "an illegal character in the name",
      'derivation { name = "bad name!"; system = "x"; builder = "/bin/sh"; }',
      "error: invalid derivation name: name 'bad name!' contains illegal character ' '. Please pass a different 'name'.",
    ],
    [
      "an outputHash of the wrong length",
      'derivation { name = "fo"; system = "x"; builder = "/bin/sh"; outputHash = "nothash"; outputHashAlgo = "sha256"; }',
      // Nix 2.8 says "hash type"; current Nix "hash algorithm".
      "error: hash 'nothash' has wrong length for hash algorithm 'sha256'",
    ],
    [
      "a bad SRI outputHash",
      'derivation { name = "fo"; system = "x"; builder = "/bin/sh"; outputHash = "sha256-AAAA"; }',
      // Nix 2.8: "invalid SRI hash 'AAAA'".
      "error: invalid SRI hash 'AAAA', length 3 != expected length 32",
    ],
    [
      "a set with type = derivation but no name",
      '{ type = "derivation"; }',
      "error: derivation name missing",
    ],
    [
      "a derivation without drvPath",
      '{ type = "derivation"; name = "x"; }',
      "error: derivation does not contain a 'drvPath' attribute",
    ],
    [
      "a drvPath outside the store",
      '{ type = "derivation"; name = "x"; drvPath = "/tmp/x"; }',
      "error: path '/tmp/x' is not in the Nix store",
    ],
    [
      "a derivation without outputName",
      `{ type = "derivation"; name = "x"; drvPath = "${SINGLE}"; }`,
      `error: derivation '${SINGLE}' lacks an 'outputName' attribute`,
    ],
  ];
  for (const [what, expr, expected] of cases) {
    test(what, () => {
      const r = tsnix(["instantiate", "-E", expr]);
      expect(r.stdout).toBe("");
      expectCleanError(r);
      if (typeof expected === "string") expect(lastErrorLine(r.stderr)).toBe(expected);
      else expect(lastErrorLine(r.stderr)).toMatch(expected);
    });
  }

  // Current Nix (PackageInfo::queryDrvPath → StorePath::requireDerivation; tests/functional/
  // eval.sh with lang/non-eval-fail-bad-drvPath.nix, whence this expression): "store path
  // '<base name>' is not a valid derivation path". Nix 2.8 did not check and printed the path.
  // tsnix: "error: path '/nix/store/8qlf…-cachix-1.7.3-bin' is not a valid derivation path".
  test("a drvPath that is not a .drv: current Nix's message", () => {
    const p = "8qlfcic10lw5304gqm8q45nr7g7jl62b-cachix-1.7.3-bin";
    const r = tsnix([
      "instantiate",
      "-E",
      `let package = { type = "derivation"; name = "cachix-1.7.3"; outputs = [ "out" ]; ` +
        `drvPath = "\${builtins.storeDir}/${p}"; outputName = "out"; ` +
        `outPath = "\${builtins.storeDir}/${p}"; out = package; }; in package`,
    ]);
    expectCleanError(r);
    expect(lastErrorLine(r.stderr)).toBe(`error: store path '${p}' is not a valid derivation path`);
  });
});
