/**
 * Unpacking tarballs (store/tar.ts) for `fetchTarball`: archives made by GNU tar in its own
 * format and in POSIX pax (long names, symlinks, hard links, executable bits, a single top-level
 * directory taken as the tree), and data that is no archive, as libarchive refuses it.
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { unpackTar, TarError } from "../store/tar.js";
import type { NarNode } from "../store/nar.js";

function makeTree(dir: string): void {
  fs.mkdirSync(path.join(dir, "top/sub"), { recursive: true });
  fs.writeFileSync(path.join(dir, "top/a.txt"), "a\n");
  fs.writeFileSync(path.join(dir, "top/run.sh"), "#!/bin/sh\n", { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "top/sub/" + "long-".repeat(40) + "name"), "long\n");
  fs.symlinkSync("a.txt", path.join(dir, "top/link"));
  fs.linkSync(path.join(dir, "top/a.txt"), path.join(dir, "top/hard"));
}

function tar(format: string, dir: string): Uint8Array {
  const r = spawnSync("tar", [`--format=${format}`, "-cf", "-", "-C", dir, "top"]);
  expect(r.status).toBe(0);
  return r.stdout;
}

function listing(n: NarNode, prefix = ""): string[] {
  if (n.type === "directory") {
    return [...n.entries].flatMap(([k, v]) => listing(v, `${prefix}/${k}`));
  }
  if (n.type === "symlink") return [`${prefix} -> ${n.target}`];
  return [`${prefix}${n.executable ? " (x)" : ""}: ${Buffer.from(n.contents).toString()}`];
}

describe("tar archives", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsnix-tar-"));
  makeTree(dir);
  const expected = [
    "/a.txt: a\n",
    "/hard: a\n",
    "/link -> a.txt",
    "/run.sh (x): #!/bin/sh\n",
    `/sub/${"long-".repeat(40)}name: long\n`,
  ];

  for (const format of ["gnu", "pax"]) {
    test(`${format} format: the single top-level directory is the tree`, () => {
      expect(listing(unpackTar(tar(format, dir))).sort()).toEqual(expected);
    });
  }

  test("data that is no archive is refused as libarchive refuses it", () => {
    for (const data of [Buffer.from("hello\n"), Buffer.alloc(2048, 0x41)]) {
      expect(() => unpackTar(data)).toThrow(TarError);
      expect(() => unpackTar(data)).toThrow("failed to open archive: Unrecognized archive format");
    }
  });

  test("a name leaving the archive is refused", () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "tsnix-tar-"));
    fs.writeFileSync(path.join(d, "x"), "x");
    const r = spawnSync("tar", ["-cf", "-", "-C", d, "--transform", "s,^x,../x,", "x"]);
    expect(() => unpackTar(r.stdout)).toThrow(/leaves the archive/);
  });
});
