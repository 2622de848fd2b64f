/**
 * The evaluator's window on the outside world (ARCHITECTURE.md's IO boundary). The core never
 * imports `node:*`: the Node host (cli/host.ts) implements this with `node:fs`, a browser host
 * with an in-memory file system. Paths and file contents are byte strings.
 */

import type { FileType } from "../store/nar.js";

export type { FileType };

export interface EvalIO {
  /** The type of `path` (following symlinks when `follow`), or undefined if it does not exist. */
  fileType(path: string, follow: boolean): FileType | undefined;
  /** The path with every symlink resolved (as `realpath`); the path itself if it cannot be. */
  realPath(path: string): string;
  /** The target of a symlink, or undefined if `path` is not one. */
  readLink(path: string): string | undefined;
  /** Whether a regular file has its owner-execute bit (the NAR's `executable`). */
  isExecutable(path: string): boolean;
  /** The contents of a file. Throws on error. */
  readFile(path: string): string;
  /** The entries of a directory with their types (not following symlinks). */
  readDir(path: string): [string, FileType][];
  /** An environment variable. */
  env(name: string): string | undefined;
  /** The working directory (relative search-path entries resolve against it). */
  cwd(): string;
  /** Seconds since the epoch (`builtins.currentTime`). */
  now(): number;
  /**
   * Downloads a URL (`file://`, `http(s)://`) for the fetchers. Hosts without one cannot fetch.
   * Throws an `Error` whose message says why a download failed.
   */
  fetchURL?(url: string): Uint8Array;
  /** Decompresses gzip, bzip2 or xz data (recognised by its magic bytes); other data as it is. */
  decompress?(data: Uint8Array): Uint8Array;
}

/** An `EvalIO` for hosts without files (a browser with no file system): every file is missing. */
export const noIO: EvalIO = {
  fileType: () => undefined,
  realPath: (path) => path,
  readLink: () => undefined,
  isExecutable: () => false,
  readFile: (path) => {
    throw new Error(`no file system: cannot read '${path}'`);
  },
  readDir: () => [],
  env: () => undefined,
  cwd: () => "/",
  now: () => Math.floor(Date.now() / 1000),
};
