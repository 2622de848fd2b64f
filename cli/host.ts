/**
 * What the CLI needs from its host: files, the working directory, the environment, stdin. All
 * text is exchanged as byte strings (see lang/source.ts). `nodeHost` implements it with `node:fs`.
 */

import * as fs from "node:fs";
import * as nodePath from "node:path";

export type FileType = "regular" | "directory" | "symlink" | "unknown" | "missing";

export interface HostIO {
  cwd(): string;
  env(name: string): string | undefined;
  /** An absolute path for a command-line argument. */
  resolvePath(p: string): string;
  /** The type of a path after following symlinks. */
  fileType(path: string): FileType;
  readFile(path: string): string;
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
  fileType(path) {
    try {
      const st = fs.statSync(fsPath(path));
      if (st.isFile()) return "regular";
      if (st.isDirectory()) return "directory";
      return "unknown";
    } catch {
      return "missing";
    }
  },
  readFile: (path) => fs.readFileSync(fsPath(path)).toString("latin1"),
  readStdin: () => (stdinCache ??= fs.readFileSync(0).toString("latin1")),
};
