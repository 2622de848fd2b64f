/**
 * The `tsnix` command. Runs the command on the main thread; if that overflows the JS stack
 * (deeply nested input: 100,000 nested parentheses, a long `a.b.c…` chain), it runs it again on
 * a worker thread with a 2 GiB stack. Output is buffered by `run`, so nothing is printed twice,
 * and the common case pays no thread start-up (50-80 ms here). Started by bin/tsnix, the main
 * thread has a stack of up to 1 GiB (`--stack-size`), enough for any evaluation within
 * max-call-depth; started as `node dist/tsnix.cjs`, it has Node's default of under 1 MB.
 */

import { readFileSync } from "node:fs";
import { useNativeHash } from "../store/hash.js";
import { NixError, renderError } from "../lang/errors.js";
import { nodeHost, setStdin, stdinRead } from "./host.js";
import {
  crypto,
  isTsnixWorker,
  v8,
  vm,
  WORKER_ARGV,
  workerThreads,
} from "../store/node-modules.js";
import { replShell, replWorker } from "./repl/shell.js";
import { run, type RunResult } from "./run.js";

const BIG_STACK_MB = 2048;

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack size/i.test(e.message);
}

/**
 * Writes the command's output and exits once it is written (writes to a pipe finish later): the
 * command is done, and exiting then spares Node's own ending, which frees the heap page by page
 * first (15 ms after a 10 MB parse); the OS frees it at once.
 */
function write(result: RunResult): void {
  process.exitCode = result.exitCode;
  let writing = 1;
  const written = () => {
    if (--writing === 0) process.exit();
  };
  if (result.stderr) {
    writing++;
    process.stderr.write(Buffer.from(result.stderr, "latin1"), written);
  }
  const chunks = result.stdout.map((c) => (typeof c === "string" ? Buffer.from(c, "latin1") : c));
  process.stdout.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), written);
}

// A reader that went away (`tsnix … | head`) ends the command quietly with its own status, as
// with Nix, which does not check its writes to stdout: no stack trace for EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.exit();
  });
}

/**
 * The main thread's usable stack in KB: V8's `--stack-size` (bin/tsnix sets it, 984 by
 * default), but no more than the OS lets the stack grow (`ulimit -s`, where /proc says): V8
 * trusting a bigger flag would crash the process instead of throwing a RangeError.
 */
function mainStackKb(): number {
  const flag = process.execArgv.filter((a) => a.startsWith("--stack-size=")).pop();
  const kb = Number(flag?.slice("--stack-size=".length)) || 984;
  if (flag === undefined) return kb;
  try {
    const limits = readFileSync("/proc/self/limits", "latin1");
    const soft = /^Max stack size +(\d+|unlimited)/m.exec(limits)?.[1];
    if (soft !== undefined && soft !== "unlimited") return Math.min(kb, Number(soft) / 1024 - 256);
  } catch {
    // No /proc: trust the flag.
  }
  return kb;
}

/**
 * How many Nix calls deep the main thread evaluates before it gives up for the worker: a tenth
 * of where its stack overflows (a Nix call takes 1-2 KB of JS stack), so that deep programs
 * such as package sets with long dependency chains move to the big stack early, before much
 * work is lost. With bin/tsnix's stack this is beyond max-call-depth: no worker.
 */
const MAIN_THREAD_DEPTH = Math.max(100, Math.floor(mainStackKb() / 10));

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
    v8().setFlagsFromString("--expose-gc");
    (vm().runInNewContext("gc") as () => void)();
  }
  const worker = new (workerThreads().Worker)(new URL(import.meta.url), {
    argv: [WORKER_ARGV],
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
useNativeHash((algorithm, data) => {
  const { createHash, hash } = crypto();
  return typeof data === "string"
    ? Buffer.byteLength(data, "utf8") === data.length
      ? hash(algorithm, data, "buffer")
      : createHash(algorithm).update(data, "latin1").digest()
    : hash(algorithm, data, "buffer");
});

/**
 * Whether the command instantiates derivations (`instantiate` without `--eval`/`--parse`,
 * `show-derivation`): a package set's dependency chains are always deeper than Node's default
 * stack, so without bin/tsnix's stack it starts on the big stack at once rather than after a
 * wasted attempt (on the 2,000-derivation bench the attempt cost 0.2-0.3 s).
 */
function instantiatesDerivations(argv: string[]): boolean {
  if (MAIN_THREAD_DEPTH > 10000) return false;
  if (argv[0] === "show-derivation" || argv[0] === "build") return true;
  return (
    argv[0] === "instantiate" &&
    !argv.some((a) =>
      ["--eval", "--eval-only", "--parse", "--parse-only", "--find-file"].includes(a),
    )
  );
}

const onWorker = isTsnixWorker();
const { parentPort, workerData } = onWorker
  ? workerThreads()
  : { parentPort: null, workerData: null };
if (!onWorker) {
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
