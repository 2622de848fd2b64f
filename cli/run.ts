/**
 * The `tsnix` commands, as a function from arguments to output: `instantiate` follows
 * `nix-instantiate` (its flags, its output, its error texts and exit codes), `parse` prints the
 * AST as JSON. Output is collected, not streamed, so that a run that overflows the stack can be
 * repeated on a thread with a larger one without printing anything twice (see main.ts).
 */

import { toJSON } from "../builtins/json.js";
import { globalNames } from "../builtins/names.js";
import { toXML } from "../builtins/xml.js";
import { createEvaluator, evalSource, printAmbiguous, type Lazy } from "../evaluator/index.js";
import { findFile } from "../builtins/searchpath.js";
import { astToJson } from "../lang/json.js";
import { NixError, renderError } from "../lang/errors.js";
import { parse, type Lint, type LintLevel } from "../lang/parser.js";
import { showExpr, showExprBytes } from "../lang/printer.js";
import { checkScopes } from "../lang/scope.js";
import type { Origin } from "../lang/source.js";
import { utf8ToByteString } from "../lang/source.js";
import { defaultSettings, loadConfig, nixPath, setSetting, type Settings } from "./config.js";
import { EvalStore } from "../evaluator/eval-store.js";
import type { Evaluator } from "../evaluator/eval.js";
import { Attrs, NixString, type Value } from "../evaluator/value.js";
import { dumpJSON } from "../lang/json-text.js";
import { showDerivations, type Derivation } from "../store/derivation.js";
import { LocalStore, openStore } from "../store/local-store.js";
import { BuildError, LocalRealizer } from "../store/local-realizer.js";
import { isStoreError } from "../evaluator/eval-store.js";
import { MemoryStore, RecordRealizer } from "../store/store.js";
import * as fs from "node:fs";
import type { HostIO } from "./host.js";

export interface RunResult {
  /** Byte strings, or bytes. */
  stdout: (string | Uint8Array)[];
  /** A byte string. */
  stderr: string;
  exitCode: number;
}

class Output {
  shallowStack: number | undefined;
  stdout: (string | Uint8Array)[] = [];
  stderr: string[] = [];
  showTrace = false;
}

const USAGE = `Usage: tsnix COMMAND [OPTIONS...]

Commands:
  instantiate [--parse | --eval] [-E EXPR | FILE... | -]
                 evaluate Nix expressions like nix-instantiate (--parse prints the AST)
  eval [-E EXPR | FILE... | -] [--strict] [--json | --xml | --raw] [-A ATTRPATH]...
                 the short form of instantiate --eval
  repl [FILE...] [-I PATH] [--arg NAME EXPR] [--argstr NAME STRING]
                 explore Nix interactively, as nix repl
  build [FILE | -E EXPR] [-A ATTRPATH]... [-o LINK | --no-out-link]
                 build derivations on this machine and link result to them, as nix-build
  show-derivation [-r] [--pretty] (FILE | -E EXPR | PATH.drv)... [-A ATTRPATH]...
                 print derivations as JSON, as nix derivation show does
  parse FILE|- [--json]
                 print the AST of a file, as nix-instantiate --parse does or as JSON
  --version      print the version
`;

/**
 * Runs a tsnix command. `shallowStack`: the thread's stack is small (see
 * `EvaluatorOptions.shallowStack`); evaluation deeper than that many calls throws a stack
 * overflow for the caller to run it again on a big stack.
 */
export function run(argv: string[], io: HostIO, shallowStack?: number): RunResult {
  const out = new Output();
  out.shallowStack = shallowStack;
  let exitCode = 0;
  try {
    exitCode = dispatch(argv, io, out);
  } catch (e) {
    if (!(e instanceof NixError)) throw e;
    out.stderr.push(renderError(e, { showTrace: out.showTrace }) + "\n");
    // As Nix after any usage error (a bad flag, or an unknown hash algorithm while evaluating).
    if (e.kind === "UsageError") out.stderr.push(usageHint(argv[0]));
    exitCode = 1;
  }
  return { stdout: out.stdout, stderr: out.stderr.join(""), exitCode };
}

function dispatch(argv: string[], io: HostIO, out: Output): number {
  const [command, ...rest] = argv;
  switch (command) {
    case "instantiate":
      return instantiate(rest, io, out);
    case "eval":
      // The short form: `tsnix eval ARGS` is `tsnix instantiate --eval ARGS`.
      return instantiate(["--eval", ...rest], io, out);
    case "parse":
      return parseCommand(rest, io, out);
    case "show-derivation":
      return showDerivation(rest, io, out);
    case "build":
      return build(rest, io, out);
    case "repl":
      // The REPL itself runs from cli/main.ts (it needs a terminal); here only its help.
      out.stdout.push(
        "Usage: tsnix repl [FILE...] [-I PATH] [--arg NAME EXPR] [--argstr NAME STRING]\n" +
          "                  [--option NAME VALUE] [--store STORE] [--show-trace]\n" +
          "Loads the FILEs (their attributes become variables) and reads expressions and\n" +
          "commands; type :? in the REPL for the commands.\n",
      );
      return 0;
    case "--version":
      out.stdout.push("tsnix 0.1.0\n");
      return 0;
    case undefined:
    case "--help":
    case "help":
      out.stdout.push(USAGE);
      return 0;
    default:
      throw new NixError("UsageError", `'${command}' is not a tsnix command; see 'tsnix --help'`);
  }
}

/** The line Nix prints after a usage error: where to find the command's help. */
export function usageHint(command: string | undefined): string {
  const program =
    command === "instantiate" || command === "eval" || command === undefined
      ? "nix-instantiate"
      : `tsnix ${command}`;
  return `Try '${program} --help' for more information.\n`;
}

function usageError(flag: string): NixError {
  return new NixError("UsageError", `unrecognised flag '${flag}'`);
}

/** Reads a Nix file as nix-instantiate does: an absolute path, a directory means its default.nix. */
function readNixFile(io: HostIO, arg: string): { text: string; path: string } {
  let path = io.resolvePath(arg);
  const type = io.fileType(path, true);
  if (type === undefined) {
    throw new NixError("IOError", `getting status of '${path}': No such file or directory`);
  }
  if (type === "directory") path = path === "/" ? "/default.nix" : `${path}/default.nix`;
  return { text: io.readFile(path), path };
}

/** `-I` / `NIX_PATH` syntax: `prefix=path` or `path`. */
export function searchPathEntry(s: string): { prefix: string; path: string } {
  const eq = s.indexOf("=");
  return eq === -1 ? { prefix: "", path: s } : { prefix: s.slice(0, eq), path: s.slice(eq + 1) };
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

interface Input {
  text: string;
  origin: Origin;
  basePath: string;
}

const lintNames = new Set<string>([
  "lint-short-path-literals",
  "lint-absolute-path-literals",
  "lint-url-literals",
]);

function parseInput(input: Input, io: HostIO, out: Output, features: ReadonlySet<string>) {
  const result = parse(input.text, input.origin, {
    basePath: input.basePath,
    home: io.env("HOME") ?? "/",
    experimentalFeatures: features,
    warn: (msg) => out.stderr.push(`warning: ${msg}\n`),
    globals: globalNames,
  });
  // Only an undefined variable matters here (the addresses are for evaluation): the parser has
  // checked for one, and `checkScopes` is needed only to find which (or when it could not tell).
  if (!result.variablesBound) checkScopes(result.expr, result.source, globalNames);
  return result;
}

/** `tsnix show-derivation`'s options: instantiate, then print the derivations as JSON. */
interface ShowOptions {
  recursive: boolean;
  pretty: boolean;
  /** The `.drv` paths found, in order. */
  drvPaths: string[];
  /** `tsnix build`: build them (the outputs named here, in order) instead of showing them. */
  build?: { outputs: string[]; outLink: string | undefined };
}

function instantiate(args: string[], io: HostIO, out: Output, show?: ShowOptions): number {
  const files: string[] = [];
  let readStdin = false;
  let fromArgs = false;
  let parseOnly = false;
  let evalOnly = false;
  const attrPaths: string[] = [];
  const searchPath: { prefix: string; path: string }[] = [];
  const autoArgExprs: [string, { expr: string } | { str: string }][] = [];
  let strict = false;
  let output: "plain" | "json" | "xml" | "raw" = "plain";
  let findFileMode = false;
  let location = true;
  /** `--readonly-mode`/`--read-write-mode`; by default read-only with `--eval`, as Nix. */
  let readOnly: boolean | undefined;
  let gcRoot: string | undefined;
  const warn = (msg: string) => out.stderr.push(`warning: ${msg}\n`);
  const settings = defaultSettings(io);
  loadConfig(io, settings, warn);
  const features = settings.experimentalFeatures;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new NixError("UsageError", `flag '${arg}' requires 1 argument`);
      return v;
    };
    switch (arg) {
      case "--help":
        out.stdout.push(USAGE);
        return 0;
      case "-":
        readStdin = true;
        break;
      case "-E":
      case "--expr":
        fromArgs = true;
        break;
      case "--parse":
      case "--parse-only":
        parseOnly = true;
        break;
      case "--extra-experimental-features":
      case "--experimental-features":
        setSetting(settings, arg.slice(2), value(), warn);
        break;
      case "--impure":
        break;
      case "--option": {
        const name = value();
        setSetting(settings, name, value(), warn);
        break;
      }
      case "--eval":
      case "--eval-only":
        evalOnly = true;
        break;
      case "--strict":
        strict = true;
        break;
      case "--show-trace":
        settings.showTrace = true;
        break;
      case "--no-show-trace":
        settings.showTrace = false;
        break;
      case "--max-call-depth":
        setSetting(settings, "max-call-depth", value(), warn);
        break;
      case "--abort-on-warn":
        settings.abortOnWarn = true;
        break;
      case "--trace-verbose":
        settings.traceVerbose = true;
        break;
      case "--json":
        output = "json";
        break;
      case "--xml":
        output = "xml";
        break;
      case "--no-location":
        location = false;
        break;
      case "--readonly-mode":
        readOnly = true;
        break;
      case "--read-write-mode":
        readOnly = false;
        break;
      case "--add-root":
        gcRoot = value();
        break;
      case "--dry-run":
        readOnly = true;
        break;
      case "--indirect":
        break;
      case "--store":
        setSetting(settings, "store", value(), warn);
        break;
      case "--raw":
        output = "raw";
        break;
      case "--find-file":
        findFileMode = true;
        break;
      case "-I":
      case "--include":
        searchPath.push(searchPathEntry(utf8ToByteString(value())));
        break;
      case "-A":
      case "--attr":
        attrPaths.push(utf8ToByteString(value()));
        break;
      case "--arg": {
        const name = utf8ToByteString(value());
        autoArgExprs.push([name, { expr: utf8ToByteString(value()) }]);
        break;
      }
      case "--argstr": {
        const name = utf8ToByteString(value());
        autoArgExprs.push([name, { str: utf8ToByteString(value()) }]);
        break;
      }
      default:
        if (arg.startsWith("--") && lintNames.has(arg.slice(2))) {
          setSetting(settings, arg.slice(2), value(), warn);
          break;
        }
        if (arg.startsWith("-") && arg !== "") {
          throw usageError(arg);
        }
        files.push(arg);
    }
  }
  for (const name of settings.unknown) warn(`unknown setting '${name}'`);
  out.showTrace = settings.showTrace;
  const cwd = io.cwd();
  const inputs: (() => Input)[] = [];
  if (readStdin) {
    inputs.push(() => ({ text: io.readStdin(), origin: { kind: "stdin" }, basePath: cwd }));
  } else if (files.length === 0 && !fromArgs) {
    files.push("./default.nix");
  }
  for (const f of files) {
    if (
      show !== undefined &&
      !fromArgs &&
      f.endsWith(".drv") &&
      io.resolvePath(f).includes("/store/")
    ) {
      // A `.drv` path: shown as it is in the store, not evaluated.
      show.drvPaths.push(io.resolvePath(f));
      continue;
    }
    if (fromArgs) {
      inputs.push(() => ({ text: utf8ToByteString(f), origin: { kind: "string" }, basePath: cwd }));
    } else {
      inputs.push(() => {
        // lookupFileArg: `<name>` is looked up in the search path.
        const arg =
          f.length > 2 && f.startsWith("<") && f.endsWith(">") ? lookup(f.slice(1, -1)) : f;
        const { text, path } = readNixFile(io, arg);
        return { text, origin: { kind: "file", path }, basePath: dirOf(path) };
      });
    }
  }
  for (const entry of nixPath(io, settings)) searchPath.push(searchPathEntry(entry));
  const ev = createEvaluator({
    shallowStack: out.shallowStack,
    store: openEvalStore(settings, readOnly ?? (evalOnly || parseOnly), warn),
    maxCallDepth: settings.maxCallDepth,
    searchPath,
    io,
    experimentalFeatures: features,
    warn,
    trace: (line) => out.stderr.push(line + "\n"),
    lints: Object.fromEntries(settings.lints) as Partial<Record<Lint, LintLevel>>,
    warnAt: (w) => out.stderr.push(renderError(w, { level: "warning" }) + "\n"),
    abortOnWarn: settings.abortOnWarn,
    traceVerbose: settings.traceVerbose,
  });
  /** `<name>`: the search path's file (CppNix's `EvalState::findFile`). */
  const lookup = (name: string): string => {
    const nixPathList = ev.forceList(
      ev.evalText("builtins.nixPath", { kind: "string" }, cwd),
      null,
      -1,
    );
    return findFile(ev, { env: null, pos: -1 }, nixPathList, utf8ToByteString(name)).path;
  };
  if (parseOnly) {
    for (const input of inputs) {
      const { expr, source } = parseInput(input(), io, out, features);
      out.stdout.push(showExprBytes(expr, "\n", source.text.length + 1));
    }
    return 0;
  }
  if (findFileMode) {
    for (const f of files) out.stdout.push(lookup(f) + "\n");
    return 0;
  }
  // --arg values are expressions evaluated lazily, relative to the working directory.
  const autoArgs = new Map<string, Lazy>();
  for (const [name, a] of autoArgExprs) {
    autoArgs.set(name, "str" in a ? a.str : ev.lazyText(a.expr, { kind: "string" }, cwd));
  }
  if (attrPaths.length === 0) attrPaths.push("");
  let rootNr = 0;
  for (const input of inputs) {
    const { text, origin, basePath } = input();
    const root = evalSource(ev, text, origin, basePath);
    for (const attrPath of attrPaths) {
      const v = ev.force(ev.findAlongAttrPath(attrPath, autoArgs, root));
      if (!evalOnly) {
        for (const drv of getDerivations(ev, v, autoArgs)) {
          const { drvPath, outputName } = drvInfo(ev, drv);
          if (show !== undefined) {
            show.drvPaths.push(drvPath);
            show.build?.outputs.push(outputName);
            continue;
          }
          let shown = drvPath;
          if (gcRoot === undefined) {
            if (rootNr++ === 0) {
              warn(
                "you did not specify '--add-root'; the result might be removed by the garbage collector",
              );
            }
          } else {
            let rootName = io.resolvePath(gcRoot);
            if (++rootNr > 1) rootName += `-${rootNr}`;
            shown = addRoot(ev, drvPath, rootName);
          }
          out.stdout.push(shown + (outputName !== "out" ? "!" + outputName : "") + "\n");
        }
        continue;
      }
      const result = autoArgs.size === 0 ? v : ev.autoCall(autoArgs, v);
      const site = { env: null, pos: -1 };
      if (output === "raw") {
        // No newline, as nix-instantiate --raw.
        out.stdout.push(
          ev.withFrame("while generating the nix-instantiate output", null, -1, () =>
            ev.coerceToString(ev.force(result), new Set(), null, -1, { copyToStore: true }),
          ),
        );
      } else if (output === "xml") {
        out.stdout.push(toXML(ev, site, result, strict, location, new Set()));
      } else if (output === "json") {
        out.stdout.push(toJSON(ev, site, result, new Set(), strict) + "\n");
      } else {
        if (strict) ev.forceDeep(result);
        out.stdout.push(printAmbiguous(result) + "\n");
      }
    }
  }
  if (show?.build !== undefined) return buildDerivations(ev, show, io, out);
  if (show !== undefined) printDerivations(ev, show, out);
  return 0;
}

/** The evaluator's store from the settings (`--store`, `TSNIX_STORE`) and `--readonly-mode`. */
export function openEvalStore(
  settings: Settings,
  readOnly: boolean,
  warn: (m: string) => void,
): EvalStore {
  let store;
  try {
    store = openStore(settings.store, () => new MemoryStore());
  } catch (e) {
    // A plain error in Nix (no usage hint after it).
    throw new NixError("EvalError", (e as Error).message);
  }
  return new EvalStore({
    store,
    readOnly,
    allowImportFromDerivation: settings.allowImportFromDerivation,
    realizer: new RecordRealizer(),
    log: (line) => warn(line),
  });
}

/**
 * CppNix's `getDerivations` (nix-instantiate, nix-env): a derivation; the derivations among the
 * attributes of a set (sorted by name; nested sets only with `recurseForDerivations = true`);
 * or those of a list. Each derivation once.
 */
function getDerivations(ev: Evaluator, v: Value, autoArgs: Map<string, Lazy>): Attrs[] {
  const found: Attrs[] = [];
  const done = new Set<Attrs>();
  const isAttrPathComponent = (s: string) => /^[A-Za-z_][A-Za-z0-9_+-]*$/.test(s);
  /** Adds `x` if it is a derivation; true if it is not (so the caller may look inside). */
  const getDerivation = (x: Value): boolean => {
    if (!(x instanceof Attrs) || !hasDerivationType(ev, x)) return true;
    if (!done.has(x)) {
      done.add(x);
      found.push(x);
      const name = x.get("name");
      if (name === undefined) throw new NixError("TypeError", "derivation name missing");
      ev.withFrame("while evaluating the 'name' attribute of a derivation", null, -1, () =>
        ev.forceStringNoContext(name, null, -1),
      );
    }
    return false;
  };
  const walk = (l: Lazy): void => {
    const value = ev.withCallDepth(null, -1, () => {
      return ev.force(ev.autoCall(autoArgs, ev.force(l)));
    });
    if (!getDerivation(value)) return;
    if (value instanceof Attrs) {
      for (const name of value.names()) {
        if (!isAttrPathComponent(name)) continue;
        try {
          const child = ev.force(value.get(name)!);
          if (getDerivation(child) && child instanceof Attrs) {
            const r = child.get("recurseForDerivations");
            if (
              r !== undefined &&
              ev.withFrame("while evaluating the attribute `recurseForDerivations`", null, -1, () =>
                ev.forceBool(r, null, -1),
              )
            ) {
              walk(child);
            }
          }
        } catch (e) {
          if (e instanceof NixError) {
            const p = value.position(name);
            e.addTrace(`while evaluating the attribute '${name}'`, p && p.source.pos(p.offset));
          }
          throw e;
        }
      }
    } else if (Array.isArray(value)) {
      for (const elem of value) if (getDerivation(ev.force(elem))) walk(elem);
    } else {
      throw new NixError(
        "TypeError",
        "expression does not evaluate to a derivation (or a set or list of those)",
      );
    }
  };
  walk(v);
  return found;
}

/** CppNix's `EvalState::isDerivation`: `type == "derivation"`. */
function hasDerivationType(ev: Evaluator, v: Attrs): boolean {
  const type = v.get("type");
  if (type === undefined) return false;
  const t = ev.force(type);
  return (typeof t === "string" ? t : t instanceof NixString ? t.s : "") === "derivation";
}

/** The `.drv` path and output name of a derivation value, as nix-instantiate reads them. */
function drvInfo(ev: Evaluator, drv: Attrs): { drvPath: string; outputName: string } {
  const d = drv.get("drvPath");
  if (d === undefined)
    throw new NixError("EvalError", "derivation does not contain a 'drvPath' attribute");
  const drvPath = ev.withFrame(
    "while evaluating the 'drvPath' attribute of a derivation",
    null,
    -1,
    () => {
      const s = ev.coerceToString(ev.force(d), new Set(), null, -1, { copyToStore: true });
      if (!ev.store.isStorePath(s))
        throw new NixError("EvalError", `path '${s}' is not in the Nix store`);
      if (!s.endsWith(".drv")) {
        const base = s.slice(ev.store.storeDir.length + 1);
        throw new NixError("EvalError", `store path '${base}' is not a valid derivation path`);
      }
      return s;
    },
  );
  const o = drv.get("outputName");
  const outputName =
    o === undefined
      ? ""
      : ev.withFrame("while evaluating the output name of a derivation", null, -1, () =>
          ev.forceStringNoContext(o, null, -1),
        );
  if (outputName === "") {
    throw new NixError("EvalError", `derivation '${drvPath}' lacks an 'outputName' attribute`);
  }
  return { drvPath, outputName };
}

/**
 * `--add-root`: a symlink to the store object named `rootName` (CppNix's `addPermRoot`); returns
 * `rootName`. An existing file is never replaced, unless it is a link into the store. With a
 * store under another root the link points at the object's physical place, so that it resolves.
 */
function addRoot(ev: Evaluator, storePath: string, rootName: string): string {
  const store = ev.store.store;
  const inStore = (p: string) =>
    p.startsWith(ev.store.storeDir + "/") ||
    (store instanceof LocalStore && p.startsWith(store.realStoreDir + "/"));
  if (inStore(rootName)) {
    throw new NixError(
      "IOError",
      `creating a garbage collector root ("${rootName}") in the Nix store is forbidden (are you running nix-build inside the store?)`,
    );
  }
  const link = Buffer.from(rootName, "latin1");
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(link);
  } catch {
    // there is none
  }
  if (existing !== undefined) {
    let target = "";
    try {
      target = fs.readlinkSync(link, { encoding: "buffer" }).toString("latin1");
    } catch {
      // not a symlink
    }
    if (!existing.isSymbolicLink() || !inStore(target)) {
      throw new NixError("IOError", `cannot create symlink "${rootName}"; already exists`);
    }
  }
  const target = store instanceof LocalStore ? store.realPath(storePath) : storePath;
  const temp = Buffer.from(`${rootName}.tmp-${process.pid}-${Date.now()}`, "latin1");
  try {
    fs.mkdirSync(Buffer.from(rootName.slice(0, rootName.lastIndexOf("/")) || "/", "latin1"), {
      recursive: true,
    });
    fs.symlinkSync(Buffer.from(target, "latin1"), temp);
    fs.renameSync(temp, link);
  } catch (e) {
    throw new NixError("IOError", `creating symlink "${rootName}": ${(e as Error).message}`);
  }
  return rootName;
}

/**
 * `tsnix show-derivation [-r] [--pretty|--no-pretty] (FILE | -E EXPR | PATH.drv)... [-A …]`:
 * the derivations a Nix file evaluates to (or `.drv` files in the store) as JSON, in the
 * format of current `nix derivation show`; `-r` adds every derivation they depend on.
 */
function showDerivation(args: string[], io: HostIO, out: Output): number {
  const show: ShowOptions = { recursive: false, pretty: io.stdoutIsTTY ?? false, drvPaths: [] };
  const rest: string[] = [];
  for (const arg of args) {
    if (arg === "-r" || arg === "--recursive") show.recursive = true;
    else if (arg === "--pretty") show.pretty = true;
    else if (arg === "--no-pretty") show.pretty = false;
    else rest.push(arg);
  }
  return instantiate(rest, io, out, show);
}

/**
 * `tsnix build [FILE | -E EXPR] [-A ATTR] [-o LINK | --no-out-link]`, as nix-build: instantiate,
 * build with the local realizer, link `result` (`result-2`, …; `-OUTPUT` for an output other
 * than `out`) to the outputs and print their paths.
 */
function build(args: string[], io: HostIO, out: Output): number {
  let outLink: string | undefined = "result";
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-o" || arg === "--out-link") {
      const v = args[++i];
      if (v === undefined) throw new NixError("UsageError", `flag '${arg}' requires 1 argument`);
      outLink = v;
    } else if (arg === "--no-out-link") outLink = undefined;
    else rest.push(arg);
  }
  return instantiate(rest, io, out, {
    recursive: false,
    pretty: false,
    drvPaths: [],
    build: { outputs: [], outLink },
  });
}

function buildDerivations(ev: Evaluator, show: ShowOptions, io: HostIO, out: Output): number {
  const store = ev.store.store;
  const realizer = new LocalRealizer({
    system: ev.currentSystem,
    fetchURL: io.fetchURL?.bind(io),
    decompress: io.decompress?.bind(io),
  });
  const requests = show.drvPaths.map((drvPath, i) => ({
    drvPath,
    outputs: [show.build!.outputs[i]!],
  }));
  let results;
  try {
    results = realizer.realiseSync(store, requests, (line) => io.log?.(line));
  } catch (e) {
    if (e instanceof BuildError || isStoreError(e)) {
      throw new NixError("EvalError", utf8ToByteString((e as Error).message));
    }
    throw e;
  }
  results.forEach((r, i) => {
    for (const [o, path] of r.outputs) {
      const link = show.build!.outLink;
      if (link !== undefined) {
        let name = io.resolvePath(link);
        if (i > 0) name += `-${i + 1}`;
        if (o !== "out") name += `-${o}`;
        addRoot(ev, path, name);
      }
      out.stdout.push(path + "\n");
    }
  });
  return 0;
}

/** Prints what `show-derivation` collected. */
function printDerivations(ev: Evaluator, show: ShowOptions, out: Output): void {
  const entries = new Map<string, Derivation>();
  const todo = [...show.drvPaths];
  while (todo.length > 0) {
    const p = todo.shift()!;
    if (entries.has(p)) continue;
    const drv = ev.storeOp(null, -1, () => ev.store.readDerivation(p));
    entries.set(p, drv);
    if (show.recursive) todo.push(...drv.inputDrvs.keys());
  }
  const json = showDerivations([...entries], ev.store.storeDir);
  out.stdout.push(utf8ToByteString(dumpJSON(json, show.pretty ? 2 : undefined)) + "\n");
}

function parseCommand(args: string[], io: HostIO, out: Output): number {
  let json = false;
  const files: string[] = [];
  const features = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--json") json = true;
    else if (arg === "--extra-experimental-features") {
      for (const f of (args[++i] ?? "").split(/\s+/)) if (f) features.add(f);
    } else if (arg === "-") files.push(arg);
    else if (arg.startsWith("-")) throw usageError(arg);
    else files.push(arg);
  }
  if (files.length === 0)
    throw new NixError("UsageError", "tsnix parse: no file given (use - for stdin)");
  const cwd = io.cwd();
  for (const f of files) {
    let input: Input;
    if (f === "-") input = { text: io.readStdin(), origin: { kind: "stdin" }, basePath: cwd };
    else {
      const { text, path } = readNixFile(io, f);
      input = { text, origin: { kind: "file", path }, basePath: dirOf(path) };
    }
    const { expr, source } = parseInput(input, io, out, features);
    if (json)
      out.stdout.push(JSON.stringify(astToJson(expr, source)) + "\n"); // byte strings stay bytes
    else out.stdout.push(showExpr(expr) + "\n");
  }
  return 0;
}
