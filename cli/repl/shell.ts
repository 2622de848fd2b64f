/**
 * `tsnix repl`: the terminal side of the REPL, as `nix repl` behaves at a terminal. The REPL
 * itself (core.ts) runs on a worker thread with a big stack, so that deep evaluation never
 * overflows and the terminal stays responsive:
 *
 * - the main thread reads lines with Node's readline (editing, Tab completion answered by the
 *   worker, history kept in `$XDG_DATA_HOME/tsnix/repl-history`, by default
 *   `~/.local/share/tsnix/repl-history`, as nix repl keeps `~/.local/share/nix/repl-history`);
 * - Ctrl-C during an evaluation sets a flag in shared memory that the evaluator checks (it stops
 *   with `interrupted by the user`, and the scope is kept); at the prompt it discards the line;
 * - Ctrl-D (or `:q`) leaves; `:e` opens `$EDITOR` (default `vi`) at the definition, then reloads.
 *
 * Arguments are nix repl's: files to load, `-I`, `--arg`, `--argstr`, `--option`,
 * `--extra-experimental-features`, `--store`, `--show-trace`, `--max-call-depth`.
 */

import * as fs from "node:fs";
import * as nodePath from "node:path";

import { createEvaluator, type Lazy } from "../../evaluator/index.js";
import type { Evaluator } from "../../evaluator/eval.js";
import { NixError, renderError } from "../../lang/errors.js";
import { byteStringToUtf8, utf8ToByteString } from "../../lang/source.js";
import type { Lint, LintLevel } from "../../lang/parser.js";
import { defaultSettings, loadConfig, nixPath, setSetting } from "../config.js";
import { nodeHost } from "../host.js";
import { openEvalStore, searchPathEntry, usageHint } from "../run.js";
import { LocalRealizer } from "../../store/local-realizer.js";
import { Repl, type ReplReply } from "./core.js";
import {
  childProcess,
  os,
  readline,
  WORKER_ARGV,
  workerThreads,
} from "../../store/node-modules.js";

/** Messages from the terminal to the worker. */
type Request =
  | { type: "line"; line: string }
  | { type: "complete"; line: string }
  | { type: "cancel" }
  | { type: "edited" };

/** Messages from the worker to the terminal. */
type Response =
  | { type: "reply"; reply: ReplReply }
  | { type: "completions"; candidates: string[]; replace: string }
  | { type: "stderr"; text: string };

const BIG_STACK_MB = 2048;

function historyFile(): string {
  const data = process.env["XDG_DATA_HOME"] || nodePath.join(os().homedir(), ".local/share");
  return nodePath.join(data, "tsnix", "repl-history");
}

function loadHistory(file: string): string[] {
  try {
    // readline wants the newest first.
    return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).reverse().slice(0, 1000);
  } catch {
    return [];
  }
}

/** Runs the terminal side; resolves with the exit status. */
export function replShell(argv: string[], workerUrl: URL): Promise<number> {
  const interrupt = new Int32Array(new SharedArrayBuffer(4));
  const worker = new (workerThreads().Worker)(workerUrl, {
    argv: [WORKER_ARGV],
    workerData: { repl: { argv, interrupt, colors: process.stdout.isTTY === true } },
    resourceLimits: { stackSizeMb: BIG_STACK_MB, maxYoungGenerationSizeMb: 64 },
    stdin: false,
  });
  const history = historyFile();
  const rl = readline().createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: process.stdin.isTTY === true && process.stdout.isTTY === true,
    history: loadHistory(history),
    historySize: 1000,
    removeHistoryDuplicates: false,
    completer: (line: string, callback: (err: null, result: [string[], string]) => void) => {
      pendingCompletion = callback;
      send({ type: "complete", line });
    },
  });
  let pendingCompletion: ((err: null, result: [string[], string]) => void) | undefined;
  let busy = true; // until the start reply
  const queued: string[] = [];
  const send = (r: Request) => worker.postMessage(r);

  const appendHistory = (line: string) => {
    if (line.trim() === "") return;
    try {
      fs.mkdirSync(nodePath.dirname(history), { recursive: true });
      fs.appendFileSync(history, line + "\n");
    } catch {
      // no history then
    }
  };

  return new Promise((resolve) => {
    let exitCode = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      rl.close();
      void worker.terminate();
      resolve(exitCode);
    };
    let inputClosed = false;
    const next = () => {
      const line = queued.shift();
      if (line === undefined) {
        busy = false;
        // Input ended (Ctrl-D, or the end of piped input) and everything typed is answered.
        if (inputClosed) return finish();
        rl.prompt();
        return;
      }
      busy = true;
      Atomics.store(interrupt, 0, 0);
      send({ type: "line", line });
    };
    worker.on("message", (m: Response) => {
      if (m.type === "stderr") {
        process.stderr.write(m.text);
        return;
      }
      if (m.type === "completions") {
        pendingCompletion?.(null, [m.candidates, m.replace]);
        pendingCompletion = undefined;
        return;
      }
      const reply = m.reply;
      if (reply.output) process.stdout.write(reply.output);
      rl.setPrompt(reply.prompt);
      if (reply.quit) return finish();
      if (reply.edit) {
        const editor = process.env["EDITOR"] || "vi";
        childProcess().spawnSync(editor, [`+${reply.edit.line}`, reply.edit.file], {
          stdio: "inherit",
        });
        send({ type: "edited" });
        return;
      }
      next();
    });
    worker.on("error", (e) => {
      process.stderr.write(`error: tsnix internal error in the REPL: ${String(e)}\n`);
      exitCode = 1;
      finish();
    });
    rl.on("line", (line) => {
      appendHistory(line);
      queued.push(line);
      if (!busy) next();
    });
    rl.on("SIGINT", () => {
      if (busy) {
        // Stop the evaluation; the worker answers with the error and a prompt.
        Atomics.store(interrupt, 0, 1);
        return;
      }
      // At the prompt: drop what was typed (and a continued expression), as nix repl does.
      process.stdout.write("\n");
      (rl as unknown as { line: string }).line = "";
      send({ type: "cancel" });
      busy = true;
    });
    rl.on("close", () => {
      inputClosed = true;
      if (!busy) {
        if (process.stdout.isTTY) process.stdout.write("\n");
        finish();
      }
    });
  });
}

/** The worker side: parses the arguments, makes the REPL and answers the terminal. */
export function replWorker(argv: string[], interrupt: Int32Array, colors: boolean): void {
  const port = workerThreads().parentPort!;
  const io = nodeHost;
  const stderr = (text: string) => port.postMessage({ type: "stderr", text } satisfies Response);
  const warn = (msg: string) => stderr(`warning: ${byteStringToUtf8(msg)}\n`);
  const settings = defaultSettings(io);
  const files: string[] = [];
  const searchPath: { prefix: string; path: string }[] = [];
  const autoArgExprs: [string, { expr: string } | { str: string }][] = [];
  let setupError: string | undefined;
  try {
    loadConfig(io, settings, warn);
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      const value = (): string => {
        const v = argv[++i];
        if (v === undefined) throw new NixError("UsageError", `flag '${arg}' requires 1 argument`);
        return v;
      };
      if (arg === "-I" || arg === "--include") {
        searchPath.push(searchPathEntry(utf8ToByteString(value())));
      } else if (arg === "--arg") {
        const name = utf8ToByteString(value());
        autoArgExprs.push([name, { expr: utf8ToByteString(value()) }]);
      } else if (arg === "--argstr") {
        const name = utf8ToByteString(value());
        autoArgExprs.push([name, { str: utf8ToByteString(value()) }]);
      } else if (arg === "--option") {
        const name = value();
        setSetting(settings, name, value(), warn);
      } else if (arg === "--extra-experimental-features" || arg === "--experimental-features") {
        setSetting(settings, arg.slice(2), value(), warn);
      } else if (arg === "--store") setSetting(settings, "store", value(), warn);
      else if (arg === "--show-trace") settings.showTrace = true;
      else if (arg === "--max-call-depth") setSetting(settings, "max-call-depth", value(), warn);
      else if (arg === "--impure" || arg === "--file" || arg === "-f") continue;
      else if (arg.startsWith("-")) {
        throw new NixError("UsageError", `unrecognised flag '${arg}'`);
      } else files.push(utf8ToByteString(arg));
    }
    for (const entry of nixPath(io, settings)) searchPath.push(searchPathEntry(entry));
  } catch (e) {
    if (!(e instanceof NixError)) throw e;
    setupError = renderError(e) + "\n" + (e.kind === "UsageError" ? usageHint("repl") : "");
  }
  const store = openEvalStore(settings, false, warn);
  const makeEvaluator = (): Evaluator =>
    createEvaluator({
      store,
      maxCallDepth: settings.maxCallDepth,
      searchPath,
      io,
      experimentalFeatures: settings.experimentalFeatures,
      warn,
      trace: (line) => stderr(byteStringToUtf8(line) + "\n"),
      lints: Object.fromEntries(settings.lints) as Partial<Record<Lint, LintLevel>>,
      warnAt: (w) => stderr(byteStringToUtf8(renderError(w, { level: "warning" })) + "\n"),
      abortOnWarn: settings.abortOnWarn,
      traceVerbose: settings.traceVerbose,
      interrupted: () => Atomics.load(interrupt, 0) === 1,
    });
  const autoArgs = (ev: Evaluator): Map<string, Lazy> =>
    new Map(
      autoArgExprs.map(([name, a]) => [
        name,
        "str" in a ? a.str : ev.lazyText(a.expr, { kind: "string" }, io.cwd()),
      ]),
    );
  const reply = (r: ReplReply) => port.postMessage({ type: "reply", reply: r } satisfies Response);
  if (setupError !== undefined) {
    reply({ output: byteStringToUtf8(setupError), prompt: "", quit: true });
    return;
  }
  const repl = new Repl({
    createEvaluator: makeEvaluator,
    files,
    autoArgs,
    colors,
    resolvePath: (p) => io.resolvePath(p),
    listDir: (dir) => {
      try {
        return fs
          .readdirSync(Buffer.from(dir, "latin1"), { encoding: "buffer" })
          .map((n) => n.toString("latin1"));
      } catch {
        return [];
      }
    },
    // :b builds with the local realizer (as nix repl builds locally), its log on stderr.
    build: (drvPath) => {
      const realizer = new LocalRealizer({
        system: repl.evaluator.currentSystem,
        fetchURL: io.fetchURL?.bind(io),
        decompress: io.decompress?.bind(io),
      });
      const drv = store.readDerivation(drvPath);
      const [result] = realizer.realiseSync(
        store.store,
        [{ drvPath, outputs: [...drv.outputs.keys()] }],
        (line) => stderr(line + "\n"),
      );
      return new Map(result!.outputs);
    },
  });
  repl.showTrace = settings.showTrace;
  reply(repl.start());
  port.on("message", (m: Request) => {
    switch (m.type) {
      case "line":
        Atomics.store(interrupt, 0, 0);
        reply(repl.feed(m.line));
        break;
      case "complete": {
        const { candidates, replace } = repl.complete(m.line);
        port.postMessage({ type: "completions", candidates, replace } satisfies Response);
        break;
      }
      case "cancel":
        reply(repl.cancelInput());
        break;
      case "edited":
        reply(repl.edited());
        break;
    }
  });
}
