/**
 * What the CLI needs from its host: the evaluator's IO (files, environment) plus the working
 * directory and stdin. All text is exchanged as byte strings (see lang/source.ts). `nodeHost`
 * implements it with `node:fs`.
 */

import * as fs from "node:fs";
import * as nodePath from "node:path";
import { fileURLToPath } from "node:url";

import type { EvalIO, FileType } from "../evaluator/io.js";
import { fileTypeOf } from "../store/nar.js";
import { childProcess, zlib } from "../store/node-modules.js";

/** The evaluator's IO plus what the command line needs. */
export interface HostIO extends EvalIO {
  /** An absolute path for a command-line argument. */
  resolvePath(p: string): string;
  readStdin(): string;
  /** Whether stdout is a terminal (JSON is then indented, as Nix does). */
  stdoutIsTTY?: boolean;
  /** Progress and build logs, shown at once (not buffered with the command's output). */
  log?(line: string): void;
}

/**
 * Downloads for the fetchers: `file://` from disk, anything else with curl (synchronously, as
 * evaluation is; no curl, no download).
 */
function fetchURL(url: string): Uint8Array {
  const u = Buffer.from(url, "latin1").toString("utf8");
  if (u.startsWith("file://")) return fs.readFileSync(fileURLToPath(u));
  const r = childProcess().spawnSync(
    "curl",
    ["--fail", "--silent", "--show-error", "--location", u],
    {
      maxBuffer: 1 << 30,
    },
  );
  if (r.error) throw new Error(`cannot run curl: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(r.stderr.toString("utf8").trim() || `curl exited with ${r.status}`);
  return r.stdout;
}

/** gzip (zlib), bzip2 and xz (their commands); anything else is returned as it is. */
function decompress(data: Uint8Array): Uint8Array {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (b[0] === 0x1f && b[1] === 0x8b) return zlib().gunzipSync(b);
  const tool =
    b.subarray(0, 3).toString("latin1") === "BZh"
      ? "bzip2"
      : b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
        ? "xz"
        : undefined;
  if (tool === undefined) return data;
  const r = childProcess().spawnSync(tool, ["-dc"], { input: b, maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) throw new Error(`cannot decompress with ${tool}`);
  return r.stdout;
}

let stdinCache: string | undefined;

/** Stdin as read so far (it can be read only once per process), for handing to a worker. */
export function stdinRead(): string | undefined {
  return stdinCache;
}

/** Provides stdin that an earlier attempt already read. */
export function setStdin(text: string | undefined): void {
  stdinCache = text;
}

/** A byte-string path as Node wants it. */
function fsPath(path: string): Buffer {
  return Buffer.from(path, "latin1");
}

function toBytes(s: string): string {
  return Buffer.from(s, "utf8").toString("latin1");
}

/** Paths and environment values are byte strings (UTF-8 bytes), as Nix sees them. */
export const nodeHost: HostIO = {
  cwd: () => toBytes(process.cwd()),
  env: (name) => {
    const v = process.env[name];
    return v === undefined ? undefined : toBytes(v);
  },
  resolvePath: (p) => toBytes(nodePath.resolve(p)),
  fileType(path, follow) {
    try {
      const st = follow ? fs.statSync(fsPath(path)) : fs.lstatSync(fsPath(path));
      return fileTypeOf(st);
    } catch {
      return undefined;
    }
  },
  realPath(path) {
    try {
      return fs.realpathSync(fsPath(path), { encoding: "buffer" }).toString("latin1");
    } catch {
      return path;
    }
  },
  readLink(path) {
    try {
      return fs.readlinkSync(fsPath(path), { encoding: "buffer" }).toString("latin1");
    } catch {
      return undefined;
    }
  },
  readDir(path) {
    return fs
      .readdirSync(fsPath(path), { withFileTypes: true, encoding: "buffer" })
      .map((d) => [d.name.toString("latin1"), fileTypeOf(d)] as [string, FileType]);
  },
  isExecutable(path) {
    try {
      return (fs.lstatSync(fsPath(path)).mode & 0o100) !== 0;
    } catch {
      return false;
    }
  },
  readFile: (path) => fs.readFileSync(fsPath(path)).toString("latin1"),
  now: () => Math.floor(Date.now() / 1000),
  fetchURL,
  decompress,
  readStdin: () => (stdinCache ??= fs.readFileSync(0).toString("latin1")),
  stdoutIsTTY: process.stdout.isTTY === true,
  log: (line) => process.stderr.write(line + "\n"),
};
