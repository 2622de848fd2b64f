#!/usr/bin/env node
/**
 * The `tsnix` command. Runs the command on the main thread; if that overflows the JS stack
 * (deeply nested input: 100,000 nested parentheses, a long `a.b.c…` chain), it runs it again on
 * a worker thread with a 2 GiB stack. Output is buffered by `run`, so nothing is printed twice,
 * and the common case pays no thread start-up (about 30 ms here).
 */

import { createHash, hash } from "node:crypto";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { useNativeHash } from "../store/hash.js";
import { NixError, renderError } from "../lang/errors.js";
import { nodeHost, setStdin, stdinRead } from "./host.js";
import { replShell, replWorker } from "./repl/shell.js";
import { run, type RunResult } from "./run.js";

const BIG_STACK_MB = 2048;

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack size/i.test(e.message);
}

function write(result: RunResult): void {
  if (result.stderr) process.stderr.write(Buffer.from(result.stderr, "latin1"));
  const chunks = result.stdout.map((c) => (typeof c === "string" ? Buffer.from(c, "latin1") : c));
  process.stdout.write(Buffer.concat(chunks));
  process.exitCode = result.exitCode;
}

/**
 * How many Nix calls deep the main thread evaluates before it gives up for the worker: below
 * the depth where its 1 MB stack overflows (about 1,000 calls), so deep programs such as
 * package sets with long dependency chains move to the big stack early, before much work is
 * lost.
 */
const MAIN_THREAD_DEPTH = 100;

function runGuarded(argv: string[], shallowStack?: number): RunResult {
  try {
    return run(argv, nodeHost, shallowStack);
  } catch (e) {
    if (isStackOverflow(e)) throw e;
    // Any other exception is a tsnix bug: report it like Nix reports an internal error.
    const err = new NixError(
      "EvalError",
      `tsnix internal error: ${String(e instanceof Error ? e.stack : e)}`,
    );
    return { stdout: [], stderr: renderError(err) + "\n", exitCode: 1 };
  }
}

/**
 * Runs the command on a worker with a big stack. `afterAttempt`: the main thread evaluated
 * first and gave up; what it built is garbage now, so it is freed before the worker does it all
 * again, rather than held in memory. (Only then: the collection and the context it needs cost
 * about 70 ms.)
 */
function runInBigStack(argv: string[], afterAttempt: boolean): void {
  if (afterAttempt) {
    v8.setFlagsFromString("--expose-gc");
    (vm.runInNewContext("gc") as () => void)();
  }
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { argv, stdin: stdinRead() },
    resourceLimits: { stackSizeMb: BIG_STACK_MB, maxYoungGenerationSizeMb: 64 },
    stdin: false,
  });
  worker.on("message", (result: RunResult) => write(result));
  worker.on("error", (e) => {
    process.stderr.write(`error: tsnix internal error in worker: ${String(e)}\n`);
    process.exitCode = 1;
  });
}

// OpenSSL's digests instead of the TypeScript ones (same results; test/hash.test.ts).
// An ASCII byte string is its own UTF-8, which the one-shot `hash` takes (a third faster); it
// is ASCII when its UTF-8 is as long as it is (a native count, cheaper than a regex scan).
useNativeHash((algorithm, data) =>
  typeof data === "string"
    ? Buffer.byteLength(data, "utf8") === data.length
      ? hash(algorithm, data, "buffer")
      : createHash(algorithm).update(data, "latin1").digest()
    : hash(algorithm, data, "buffer"),
);

/**
 * Whether the command instantiates derivations (`instantiate` without `--eval`/`--parse`,
 * `show-derivation`): a package set's dependency chains are always deeper than the main
 * thread's stack, so it starts on the big stack at once rather than after a wasted attempt
 * (on the 2,000-derivation bench the attempt cost 0.2-0.3 s).
 */
function instantiatesDerivations(argv: string[]): boolean {
  if (argv[0] === "show-derivation" || argv[0] === "build") return true;
  return (
    argv[0] === "instantiate" &&
    !argv.some((a) =>
      ["--eval", "--eval-only", "--parse", "--parse-only", "--find-file"].includes(a),
    )
  );
}

if (isMainThread) {
  const argv = process.argv.slice(2);
  if (argv[0] === "repl" && !argv.includes("--help")) {
    void replShell(argv.slice(1), new URL(import.meta.url)).then((code) => process.exit(code));
  } else if (instantiatesDerivations(argv)) {
    // The worker cannot read our stdin: read it here for `-`.
    if (argv.includes("-")) nodeHost.readStdin();
    runInBigStack(argv, false);
  } else {
    try {
      write(runGuarded(argv, MAIN_THREAD_DEPTH));
    } catch (e) {
      if (!isStackOverflow(e)) throw e;
      runInBigStack(argv, true);
    }
  }
} else if ((workerData as { repl?: unknown }).repl !== undefined) {
  const { argv, interrupt, colors } = (
    workerData as { repl: { argv: string[]; interrupt: Int32Array; colors: boolean } }
  ).repl;
  replWorker(argv, interrupt, colors);
} else {
  const { argv, stdin } = workerData as { argv: string[]; stdin: string | undefined };
  setStdin(stdin);
  let result: RunResult;
  try {
    result = runGuarded(argv);
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    const err = new NixError("StackOverflowError", "stack overflow; max-call-depth exceeded");
    result = { stdout: [], stderr: renderError(err) + "\n", exitCode: 1 };
  }
  parentPort!.postMessage(result);
}
