/**
 * Node's built-in modules that only some commands need (processes, compression, terminals,
 * digests, the GC, threads), loaded on first use: a run pays start-up time only for what it
 * uses. Used by the command line and by the Node stores and realizer. Also how tsnix's own
 * worker threads know they are one. No Nix semantics here.
 */

import { createRequire } from "node:module";

const nodeRequire = createRequire(import.meta.url);

function lazy<T>(name: string): () => T {
  let module: T | undefined;
  return () => (module ??= nodeRequire(name) as T);
}

export const childProcess = lazy<typeof import("node:child_process")>("node:child_process");
export const crypto = lazy<typeof import("node:crypto")>("node:crypto");
export const os = lazy<typeof import("node:os")>("node:os");
export const readline = lazy<typeof import("node:readline")>("node:readline");
export const v8 = lazy<typeof import("node:v8")>("node:v8");
export const vm = lazy<typeof import("node:vm")>("node:vm");
export const zlib = lazy<typeof import("node:zlib")>("node:zlib");
export const workerThreads = lazy<typeof import("node:worker_threads")>("node:worker_threads");

/**
 * The last argument of the worker threads that run tsnix's own bundle (a NUL cannot come from a
 * command line): the bundle knows it runs on such a worker without loading worker_threads,
 * which costs every run that needs no worker (most do not) about 7% of Node's own start-up.
 */
export const WORKER_ARGV = "\0tsnix-worker";

/** Whether this thread is a worker started with `WORKER_ARGV`. */
export function isTsnixWorker(): boolean {
  return process.argv[process.argv.length - 1] === WORKER_ARGV;
}
