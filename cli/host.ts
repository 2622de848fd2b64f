/**
 * What the CLI needs from its host: the evaluator's IO (files, environment) plus the working
 * directory and stdin. All text is exchanged as byte strings (see lang/source.ts). `nodeHost`
 * implements it with `node:fs`.
 */

import * as fs from "node:fs";
import * as nodePath from "node:path";

import type { EvalIO, FileType } from "../evaluator/io.js";

/** The evaluator's IO plus what the command line needs. */
export interface HostIO extends EvalIO {
  /** An absolute path for a command-line argument. */
  resolvePath(p: string): string;
  readStdin(): string;
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

function typeOfStats(st: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}): FileType {
  if (st.isFile()) return "regular";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  return "unknown";
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
      return typeOfStats(st);
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
      .map((d) => [d.name.toString("latin1"), typeOfStats(d)] as [string, FileType]);
  },
  readFile: (path) => fs.readFileSync(fsPath(path)).toString("latin1"),
  now: () => Math.floor(Date.now() / 1000),
  readStdin: () => (stdinCache ??= fs.readFileSync(0).toString("latin1")),
};
