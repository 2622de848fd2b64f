/**
 * The REPL (`tsnix repl`) as a library: lines in, output out, as CppNix's `NixRepl`
 * (src/libcmd/repl.cc) behaves. The terminal side (readline, the worker thread, Ctrl-C, history,
 * $EDITOR) is shell.ts; this module imports nothing from Node, so that it runs on that worker or
 * anywhere else.
 *
 * - Scope: the globals, then the REPL's variables, a set that grows (`x = 1`, `:a`, `:l`). Each
 *   input is resolved against both (lang/scope.ts's extra scope under the globals) and evaluated
 *   in an environment holding the variables as they are then, so later lines see earlier ones and
 *   a new definition shadows an old one without changing what closures already saw (as CppNix's
 *   growing environment does).
 * - A line is bindings (`x = 1`, `a = 1; b = 2;`, `inherit (a) b`: CppNix's `parseReplBindings`,
 *   tried as typed and with a `;` added, not recursive: `b = a` sees the previous `a`), else an
 *   expression. When a parse of it ran into the end of the input (an open bracket, brace or
 *   string, a `let` without `in`) the next line continues it; unlike CppNix this also holds for a
 *   binding whose value is open (`x = [`), which CppNix reports as a syntax error.
 * - Values print as nix repl prints them (evaluator/print.ts's `printValueRepl`): to depth 1,
 *   everything with `:p`. After each input comes an empty line, as in nix repl.
 * - `:doc` shows a builtin's documentation from the registry, and for a lambda the RFC 145 doc
 *   comment before it (lang/doc-comment.ts), formatted as CppNix formats it (Markdown, not rendered
 *   for the terminal: what CppNix prints when built without lowdown).
 * - Errors print as Nix prints them (traces under `:te`), and the REPL goes on: also after an
 *   infinite recursion, `max-call-depth`, an interruption (Ctrl-C) or a JavaScript stack overflow.
 *
 * Text is exchanged as JS (Unicode) strings and held inside as byte strings (lang/source.ts).
 * Pinned by test/repl.test.ts.
 */

import { builtins as builtinRegistry } from "../../evaluator/index.js";
import type { Evaluator } from "../../evaluator/eval.js";
import { printValueRepl } from "../../evaluator/print.js";
import {
  Attrs,
  childEnv,
  envSource,
  Lambda,
  NixPath,
  NixString,
  PrimOp,
  showType,
  type AttrPosition,
  type Env,
  type Lazy,
  type Value,
} from "../../evaluator/value.js";
import { NIX_VERSION } from "../../builtins/misc.js";
import type { Expr, ExprAttrs, ExprSelect } from "../../lang/ast.js";
import { docCommentText, sourceDocs, stripIndentation } from "../../lang/doc-comment.js";
import { NixError, renderError } from "../../lang/errors.js";
import { parse, parseBindings, type ParseOptions } from "../../lang/parser.js";
import { printAttributeName, printIdentifier } from "../../lang/printer.js";
import { checkScopes } from "../../lang/scope.js";
import {
  byteStringToUtf8,
  showPos,
  Source,
  utf8ToByteString,
  type Origin,
} from "../../lang/source.js";

export interface ReplOptions {
  /** A fresh evaluator (called at start and by :r / :reload, which start over). */
  createEvaluator: () => Evaluator;
  /** Files to load at start, as `nix repl FILE...` (each like `:l FILE`); may be empty. */
  files: string[];
  /** `--arg`/`--argstr` values, used to auto-call what `:l` loads (as nix repl does). */
  autoArgs: Map<string, Lazy> | ((ev: Evaluator) => Map<string, Lazy>);
  /** ANSI colours in printed values (a terminal), or none (piped). */
  colors: boolean;
  /** Makes a path from the command line absolute (for :l FILE), a byte string. */
  resolvePath: (p: string) => string;
  /** Lists a directory's entries for file-name completion after `:l ` (absent: no completion). */
  listDir?: (dir: string) => string[];
  /**
   * :b — realises a derivation, returning output name → path; throws Error(message) if it
   * cannot.
   */
  build?: (drvPath: string) => Map<string, string>;
}

export interface ReplReply {
  /** What to print (a JS Unicode string, already ending in "\n" where lines end). */
  output: string;
  /** The prompt to show next: `PROMPT`, or `CONTINUATION_PROMPT` while an expression continues. */
  prompt: string;
  /** :q — leave. */
  quit?: boolean;
  /** :e — the shell opens $EDITOR at this file and line, then calls `edited()`. */
  edit?: { file: string; line: number };
}

/** nix repl's prompt. */
export const PROMPT = "nix-repl> ";
/** The prompt while an input continues: as wide as `PROMPT` (current nix repl's). */
export const CONTINUATION_PROMPT = "        > ";

/** What an input produced (a byte string), before the empty line that follows it. */
interface Result {
  output: string;
  quit?: boolean;
  edit?: { file: string; line: number };
}

/** A REPL command: its names, its argument, its help line, what it does. */
interface Command {
  readonly names: readonly string[];
  readonly arg: string;
  readonly help: string;
  readonly run: (arg: string, name: string) => Result;
}

/** Thrown while parsing when the input stops too early: the next line continues it. */
class IncompleteInput extends Error {}

/** CppNix's test for input that may continue: the parser ran into the end of the input. */
function isIncomplete(e: unknown): boolean {
  return (
    e instanceof NixError && e.kind === "ParseError" && e.message.includes("unexpected end of file")
  );
}

/** An error of the REPL's own (not the evaluator's), printed as `error: MESSAGE`. */
function replError(message: string): NixError {
  return new NixError("EvalError", message);
}

const whitespace = " \n\r\t";

/** CppNix's `trim`: white space off both ends. */
function trim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && whitespace.includes(s[a]!)) a++;
  while (b > a && whitespace.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** The REPL's own origin for what is typed (positions show as `«string»:1:1`). */
const replOrigin: Origin = { kind: "string" };

/** nix repl commands tsnix does not have (store, shell and flake commands). */
const unsupported = new Set([":bl", ":i", ":sh", ":u", ":log", ":lf", ":load-flake"]);

/** The documentation of each builtin, by name (`:doc`). */
let builtinDocs: Map<string, string> | undefined;

export class Repl {
  /** :te state (show traces in errors). */
  showTrace = false;

  private readonly options: ReplOptions;
  private ev!: Evaluator;

  /** The evaluator of the current session (a new one after :r). */
  get evaluator(): Evaluator {
    return this.ev;
  }
  private started = false;
  private autoArgsCache: Map<string, Lazy> | undefined;
  /** The REPL's variables: the latest value of each name. */
  private readonly vars = new Map<string, Lazy>();
  /** Where variables that came from a set were defined (for `:e`). */
  private readonly varPositions = new Map<string, AttrPosition>();
  /** The variables' names and values as arrays, for resolving and evaluating (until changed). */
  private scope: { names: string[]; values: Lazy[] } | undefined;
  /** Files loaded with `:l` (and at start), as typed: `:r` loads them again. */
  private loadedFiles: string[] = [];
  /** What the last `:a`/`:l` added (`:ll`). */
  private lastLoaded: Attrs | undefined;
  /** The lines of an input that continues, so far (a byte string). */
  private pending = "";
  private readonly commands: readonly Command[];

  constructor(options: ReplOptions) {
    this.options = options;
    this.commands = [
      {
        names: [":a", ":add"],
        arg: "<expr>",
        help: "Add the attributes of a set to the scope",
        run: (arg) => ({ output: this.addAttrsToScope(this.evalString(arg)) }),
      },
      {
        names: [":b", ":build"],
        arg: "<expr>",
        help: "Build a derivation",
        run: (arg) => ({ output: this.build(arg) }),
      },
      {
        names: [":doc"],
        arg: "<expr>",
        help: "Show the documentation of a builtin or of a documented function",
        run: (arg) => ({ output: this.doc(arg) }),
      },
      {
        names: [":e", ":edit"],
        arg: "<expr>",
        help: "Open a function or a package's definition in $EDITOR",
        run: (arg) => ({ output: "", edit: this.editTarget(arg) }),
      },
      {
        names: [":l", ":load"],
        arg: "<path>",
        help: "Load a Nix file and add its attributes to the scope",
        run: (arg) => {
          this.ev.resetFileCache();
          return { output: this.loadFile(arg) };
        },
      },
      {
        names: [":ll", ":last-loaded"],
        arg: "",
        help: "List the variables that the last :a or :l added",
        run: () => ({ output: this.lastLoadedNames() }),
      },
      {
        names: [":p", ":print"],
        arg: "<expr>",
        help: "Evaluate and print an expression fully\n(a string as it is, without quotes or escapes)",
        run: (arg) => ({ output: this.printFully(arg) }),
      },
      {
        names: [":q", ":quit"],
        arg: "",
        help: "Leave the REPL",
        run: () => ({ output: "", quit: true }),
      },
      {
        names: [":r", ":reload"],
        arg: "",
        help: "Start over: forget all variables, load the files again",
        run: () => ({ output: this.reload() }),
      },
      {
        names: [":t", ":type"],
        arg: "<expr>",
        help: "Show the type of an expression's value",
        run: (arg) => ({ output: showType(this.evalString(arg)) + "\n" }),
      },
      {
        names: [":te", ":trace-enable"],
        arg: "[bool]",
        help: "Show error traces (true), hide them (false), or toggle",
        run: (arg, name) => ({ output: this.traceEnable(arg, name) }),
      },
      {
        names: [":?", ":help"],
        arg: "",
        help: "Show this help",
        run: () => ({ output: this.help() }),
      },
    ];
  }

  /** The welcome text nix repl prints and the result of loading `files`. */
  start(): ReplReply {
    this.reset();
    this.started = true;
    let out = `tsnix repl (Nix ${NIX_VERSION})\nType :? for help.\n`;
    this.loadedFiles = [...this.options.files];
    out += this.loadFiles();
    return { output: byteStringToUtf8(out), prompt: PROMPT };
  }

  /** One line of input (a JS string, without the newline). */
  feed(line: string): ReplReply {
    this.ensureStarted();
    this.pending += utf8ToByteString(line) + "\n";
    let result: Result;
    try {
      result = this.processLine(this.pending);
    } catch (e) {
      if (e instanceof IncompleteInput) return { output: "", prompt: CONTINUATION_PROMPT };
      result = { output: this.describeError(e) + "\n" };
    }
    this.pending = "";
    if (result.quit) return { output: byteStringToUtf8(result.output), prompt: PROMPT, quit: true };
    if (result.edit) {
      const edit = { file: byteStringToUtf8(result.edit.file), line: result.edit.line };
      return { output: byteStringToUtf8(result.output), prompt: PROMPT, edit };
    }
    return { output: byteStringToUtf8(result.output + "\n"), prompt: PROMPT };
  }

  /** After an :e edit: reload as nix repl does (it starts over, as `:r`). */
  edited(): ReplReply {
    this.ensureStarted();
    return { output: byteStringToUtf8(this.reload() + "\n"), prompt: PROMPT };
  }

  /** Ctrl-C while typing a continued expression: forget it (prompt back to normal). */
  cancelInput(): ReplReply {
    this.pending = "";
    return { output: "", prompt: PROMPT };
  }

  /**
   * Completions for `line` (the text before the cursor): the candidates replace `replace`, the
   * end of `line`.
   */
  complete(line: string): { candidates: string[]; replace: string } {
    this.ensureStarted();
    const text = utf8ToByteString(line);
    let found: { candidates: string[]; replace: string };
    try {
      found = this.completeBytes(text);
    } catch {
      // Completion never fails (a directory that cannot be read, say): nothing to offer.
      found = { candidates: [], replace: "" };
    }
    const { candidates, replace } = found;
    return { candidates: candidates.map(byteStringToUtf8), replace: byteStringToUtf8(replace) };
  }

  // --- state ---------------------------------------------------------------------------------

  private ensureStarted(): void {
    if (!this.started) {
      this.reset();
      this.started = true;
    }
  }

  /** A fresh evaluator and no variables (CppNix's `initEnv`). */
  private reset(): void {
    this.ev = this.options.createEvaluator();
    this.autoArgsCache = undefined;
    this.vars.clear();
    this.varPositions.clear();
    this.scope = undefined;
  }

  private setVar(name: string, value: Lazy, pos: AttrPosition | undefined): void {
    this.vars.set(name, value);
    if (pos === undefined) this.varPositions.delete(name);
    else this.varPositions.set(name, pos);
    this.scope = undefined;
  }

  private autoArgs(): Map<string, Lazy> {
    const a = this.options.autoArgs;
    return (this.autoArgsCache ??= typeof a === "function" ? a(this.ev) : a);
  }

  // --- input ---------------------------------------------------------------------------------

  /** CppNix's `processLine`: a command, bindings or an expression. */
  private processLine(input: string): Result {
    const line = trim(input);
    if (line === "") return { output: "" };
    if (line[0] === ":") {
      let end = 0;
      while (end < line.length && !whitespace.includes(line[end]!)) end++;
      const name = line.slice(0, end);
      const arg = trim(line.slice(end));
      const command = this.commands.find((c) => c.names.includes(name));
      if (command) return command.run(arg, name);
      if (unsupported.has(name)) throw replError(`tsnix does not support the command '${name}'`);
      throw replError(`unknown command '${name}'`);
    }
    const parsed = this.parseLine(line);
    if (parsed.kind === "bindings") {
      this.bind(parsed.attrs, parsed.source);
      return { output: "" };
    }
    const v = this.evalParsed(parsed.expr, parsed.source);
    return {
      output: printValueRepl(this.ev, v, { colors: this.options.colors, maxDepth: 1 }) + "\n",
    };
  }

  /**
   * Runs a parse with the evaluator's options; its warnings are emitted only if it succeeds (the
   * REPL tries several parses of one input).
   */
  private tryParse<T>(f: (options: ParseOptions) => T): T {
    const base = this.ev.parseOptions(this.options.resolvePath("."));
    const held: (() => void)[] = [];
    const { warn, warnAt } = base;
    const options: ParseOptions = {
      ...base,
      warn: warn && ((m) => held.push(() => warn(m))),
      warnAt: warnAt && ((w) => held.push(() => warnAt(w))),
    };
    const result = f(options);
    for (const h of held) h();
    return result;
  }

  /** Bindings (as typed, then with a `;` added, as CppNix tries them), else an expression. */
  private parseLine(
    line: string,
  ):
    | { kind: "bindings"; attrs: ExprAttrs; source: Source }
    | { kind: "expr"; expr: Expr; source: Source } {
    let bindingsError: unknown;
    try {
      const { attrs, source } = this.tryParse((o) => parseBindings(line, replOrigin, o));
      return { kind: "bindings", attrs, source };
    } catch (e) {
      if (!(e instanceof NixError)) throw e;
      bindingsError = e;
    }
    try {
      // `inherit (a) b`: positions are the same without the `;`, and messages show the input.
      const { attrs } = this.tryParse((o) => parseBindings(line + ";", replOrigin, o));
      return { kind: "bindings", attrs, source: new Source(replOrigin, line) };
    } catch (e) {
      if (!(e instanceof NixError)) throw e;
    }
    try {
      const { expr, source } = this.tryParse((o) => parse(line, replOrigin, o));
      return { kind: "expr", expr, source };
    } catch (e) {
      if (isIncomplete(e) || isIncomplete(bindingsError)) throw new IncompleteInput();
      throw e;
    }
  }

  /** An expression (a command's argument); incomplete if its parse ran out of input. */
  private parseExpr(text: string): { expr: Expr; source: Source } {
    try {
      return this.tryParse((o) => parse(text, replOrigin, o));
    } catch (e) {
      if (isIncomplete(e)) throw new IncompleteInput();
      throw e;
    }
  }

  /** Resolves `expr` in the REPL's scope; the environment it is evaluated in. */
  private scopeEnv(expr: Expr, source: Source): Env {
    this.scope ??= { names: [...this.vars.keys()], values: [...this.vars.values()] };
    checkScopes(expr, source, this.ev.globalNames, this.scope.names);
    return childEnv(this.ev.fileEnv(source), this.scope.values);
  }

  private evalParsed(expr: Expr, source: Source): Value {
    return this.ev.force(this.ev.suspend(expr, this.scopeEnv(expr, source)));
  }

  /** CppNix's `evalString`: parse, evaluate, force. */
  private evalString(text: string): Value {
    const { expr, source } = this.parseExpr(text);
    return this.evalParsed(expr, source);
  }

  /** Adds each binding to the scope, unevaluated (a `${…}` name is evaluated now). */
  private bind(attrs: ExprAttrs, source: Source): void {
    const set = this.ev.eval(attrs, this.scopeEnv(attrs, source)) as Attrs;
    for (const [name, value] of set.entries()) this.setVar(name, value, set.position(name));
  }

  // --- loading -------------------------------------------------------------------------------

  /** CppNix's `addAttrsToScope`: every attribute becomes a variable; says which. */
  private addAttrsToScope(v: Value): string {
    const attrs = this.ev.withFrame(
      "while evaluating an attribute set to be merged in the global scope",
      null,
      -1,
      () => this.ev.forceAttrs(v, null, -1),
    );
    for (const [name, value] of attrs.entries()) this.setVar(name, value, attrs.position(name));
    this.lastLoaded = attrs;
    const names = attrs.names();
    const maxShown = 20;
    let out = `Added ${names.length} variables.\n`;
    out += names.slice(0, maxShown).map(printIdentifier).join(", ") + "\n";
    if (names.length > maxShown) {
      out += `... and ${names.length - maxShown} more; view with :ll\n`;
    }
    return out;
  }

  /** CppNix's `lookupFileArg`: `<nixpkgs>` from the search path, else a path made absolute. */
  private lookupFileArg(arg: string): string {
    if (arg.length > 2 && arg[0] === "<" && arg[arg.length - 1] === ">") {
      const v = this.ev.evalText(arg, replOrigin, this.options.resolvePath("."));
      if (v instanceof NixPath) return v.path;
    }
    return this.options.resolvePath(arg);
  }

  /** `:l FILE`: evaluate it, auto-call it with `--arg`s, add its attributes; remember it. */
  private loadFile(file: string): string {
    const v = this.ev.evalFile(this.lookupFileArg(file), null, -1);
    const out = this.addAttrsToScope(this.ev.autoCall(this.autoArgs(), v));
    this.loadedFiles = this.loadedFiles.filter((f) => f !== file);
    this.loadedFiles.push(file);
    return out;
  }

  /** Loads the remembered files again; one that fails is reported and still remembered. */
  private loadFiles(): string {
    const files = this.loadedFiles;
    this.loadedFiles = [];
    let out = "";
    for (const file of files) {
      out += `Loading "${file}"...\n`;
      try {
        out += this.loadFile(file);
      } catch (e) {
        this.loadedFiles.push(file);
        out += this.describeError(e) + "\n";
      }
    }
    return out;
  }

  /** `:r`: a fresh evaluator, no variables, the files loaded again. */
  private reload(): string {
    this.reset();
    return this.loadFiles();
  }

  private lastLoadedNames(): string {
    if (this.lastLoaded === undefined) throw replError("nothing has been loaded yet");
    // In the order the set was defined, as CppNix lists its bindings (by symbol); by name
    // where that is not known (a set made by `//`, say).
    const names = this.lastLoaded.definitionOrder ?? this.lastLoaded.names();
    return names.map((n) => n + "\n").join("");
  }

  // --- commands ------------------------------------------------------------------------------

  private help(): string {
    const rows: [string, string][] = [
      ["<expr>", "Evaluate an expression and print its value"],
      ["<x> = <expr>", "Bind an expression to a variable"],
      ...this.commands.map((c): [string, string] => [
        c.names.join(", ") + (c.arg ? " " + c.arg : ""),
        c.help,
      ]),
    ];
    let out = "The following commands are available:\n\n";
    for (const [left, help] of rows) {
      const lines = help.split("\n");
      out += "  " + left.padEnd(29) + lines[0] + "\n";
      for (const more of lines.slice(1)) out += " ".repeat(31) + more + "\n";
    }
    return out;
  }

  private printFully(arg: string): string {
    const v = this.evalString(arg);
    if (typeof v === "string") return v + "\n";
    if (v instanceof NixString) return v.s + "\n";
    return printValueRepl(this.ev, v, { colors: this.options.colors, maxDepth: Infinity }) + "\n";
  }

  private traceEnable(arg: string, name: string): string {
    if (arg === "false" || (arg === "" && this.showTrace)) {
      this.showTrace = false;
      return "not showing error traces\n";
    }
    if (arg === "true" || (arg === "" && !this.showTrace)) {
      this.showTrace = true;
      return "showing error traces\n";
    }
    throw replError(`unexpected argument '${arg}' to ${name}`);
  }

  /** CppNix's `getDerivationPath`: the `.drv` of a value that is a derivation. */
  private derivationPath(v: Value): string {
    const isDrv =
      v instanceof Attrs &&
      (() => {
        const type = v.get("type");
        const t = type === undefined ? undefined : this.ev.force(type);
        return (typeof t === "string" ? t : t instanceof NixString ? t.s : "") === "derivation";
      })();
    if (!isDrv)
      throw replError("expression does not evaluate to a derivation, so I can't build it");
    const drvPath = v.get("drvPath");
    if (drvPath === undefined) {
      throw replError("expression did not evaluate to a valid derivation (no 'drvPath' attribute)");
    }
    return this.ev.coerceToString(this.ev.force(drvPath), new Set(), null, -1);
  }

  /** `:b`: realise the derivation, list its outputs. */
  private build(arg: string): string {
    const drvPath = this.derivationPath(this.evalString(arg));
    if (!this.options.build) throw replError(`cannot build '${drvPath}': this REPL has no builder`);
    let outputs: Map<string, string>;
    try {
      outputs = this.options.build(drvPath);
    } catch (e) {
      if (e instanceof Error && !(e instanceof NixError)) throw replError(e.message);
      throw e;
    }
    let out = "\nThis derivation produced the following outputs:\n";
    for (const name of [...outputs.keys()].sort()) out += `  ${name} -> ${outputs.get(name)}\n`;
    return out;
  }

  /**
   * For `a.b.c`: the set `a.b` (evaluated, as CppNix's `evalExceptFinalSelect`) and the name `c`,
   * so that the attribute's position is known.
   */
  private selectTarget(e: ExprSelect, env: Env): { set: Attrs; name: string } {
    const path = e.path;
    const subject: Expr =
      path.length === 1 ? e.subject : { ...e, path: path.slice(0, -1), default: null };
    const last = path[path.length - 1]!;
    const set = this.ev.withFrame(
      "while evaluating an attribute set to look for documentation",
      null,
      -1,
      () => this.ev.forceAttrs(this.ev.eval(subject, env), null, -1),
    );
    const name =
      typeof last === "string"
        ? last
        : this.ev.forceString(this.ev.eval(last, env), env, last.start);
    return { set, name };
  }

  /** `:doc`: CppNix's `getDoc`, else the doc comment of the attribute selected. */
  private doc(arg: string): string {
    const { expr, source } = this.parseExpr(arg);
    const env = this.scopeEnv(expr, source);
    let fallback: { name: string; pos: AttrPosition | undefined } | undefined;
    if (expr.kind === "Select") {
      const { set, name } = this.selectTarget(expr, env);
      // A missing attribute: the error of evaluating the whole expression.
      if (set.get(name) === undefined) this.ev.force(this.ev.suspend(expr, env));
      else fallback = { name, pos: set.position(name) };
    }
    const v = this.ev.force(this.ev.suspend(expr, env));
    let markdown = this.getDoc(v);
    if (markdown === undefined && fallback?.pos !== undefined) {
      const { source: src, offset } = fallback.pos;
      markdown = `Attribute \`${fallback.name}\`\n\n  \xe2\x80\xa6 defined at ${showPos(src.pos(offset))}\n\n`;
      // Only a file's attributes have doc comments (CppNix's `getDocCommentForPos`).
      const comment =
        src.origin.kind === "file"
          ? sourceDocs(src, this.ev.experimentalFeatures).at(offset)
          : undefined;
      markdown += comment ? docCommentText(src, comment) : "No documentation found.\n\n";
    }
    if (markdown === undefined) throw replError("value does not have documentation");
    return trim(markdown) + "\n";
  }

  /** CppNix's `EvalState::getDoc`: a builtin's doc, a lambda's doc comment, a functor's. */
  private getDoc(v: Value): string | undefined {
    if (v instanceof PrimOp) {
      builtinDocs ??= new Map(builtinRegistry.map((b) => [b.name, b.doc]));
      const doc = builtinDocs.get(v.name);
      if (doc !== undefined) return stripIndentation(utf8ToByteString(doc));
    }
    if (v instanceof Lambda) {
      const e = v.expr;
      const source = envSource(v.env);
      const comment = sourceDocs(source, this.ev.experimentalFeatures).lambda(e.start);
      const text = comment ? docCommentText(source, comment) : "";
      let out = e.name === null ? "Function " : `Function \`${e.name}\`\\\n  \xe2\x80\xa6 `;
      out += `defined at ${showPos(source.pos(e.pos))}`;
      if (text !== "") out += "\n\n" + text;
      return out;
    }
    if (v instanceof Attrs) {
      const functor = v.get("__functor");
      if (functor === undefined) return undefined;
      try {
        // The doc of what `__functor` returns for the set: the function the user calls.
        const partial = this.ev.callFunction(this.ev.force(functor), [v], null, -1);
        return this.ev.withCallDepth(null, -1, () => this.getDoc(partial));
      } catch (e) {
        if (e instanceof NixError) {
          e.addTrace("while partially calling '__functor' to retrieve documentation");
        }
        throw e;
      }
    }
    return undefined;
  }

  /**
   * `:e`: where to open the editor. A path (or a string holding one): that file; a lambda: its
   * definition; a derivation: its `meta.position`; else (tsnix's addition) the definition of the
   * attribute selected (`lib.version`) or of the variable a set gave (`:l`, `:a`).
   */
  private editTarget(arg: string): { file: string; line: number } {
    const { expr, source } = this.parseExpr(arg);
    const env = this.scopeEnv(expr, source);
    const v = this.ev.force(this.ev.suspend(expr, env));
    if (v instanceof NixPath) return { file: v.path, line: 1 };
    if (typeof v === "string" || v instanceof NixString) {
      const s = typeof v === "string" ? v : v.s;
      if (!s.startsWith("/")) throw replError(`string '${s}' doesn't represent an absolute path`);
      return { file: s, line: 1 };
    }
    if (v instanceof Lambda) {
      const pos = envSource(v.env).pos(v.expr.pos);
      const origin = envSource(v.env).origin;
      if (origin.kind !== "file") throw replError(`'${showPos(pos)}' cannot be shown in an editor`);
      return { file: origin.path, line: pos.line };
    }
    let position: string | undefined;
    try {
      const p = this.ev.findAlongAttrPath("meta.position", new Map(), v);
      position = this.ev.coerceToString(this.ev.force(p), new Set(), null, -1);
    } catch (e) {
      if (!(e instanceof NixError) || e.kind === "Interrupted") throw e;
    }
    if (position !== undefined) {
      const colon = position.lastIndexOf(":");
      const line = colon < 0 ? NaN : Number(position.slice(colon + 1));
      if (!Number.isInteger(line) || line <= 0) {
        throw replError(`cannot parse 'meta.position' attribute '${position}'`);
      }
      return { file: position.slice(0, colon), line };
    }
    // Where the attribute (`a.b`) or the variable that came from a set (`:l`) was defined.
    let p: AttrPosition | undefined;
    if (expr.kind === "Select") {
      const { set, name } = this.selectTarget(expr, env);
      p = set.position(name);
    } else if (expr.kind === "Var") p = this.varPositions.get(expr.name);
    if (p !== undefined && p.source.origin.kind === "file") {
      return { file: p.source.origin.path, line: p.source.pos(p.offset).line };
    }
    throw replError(`package '${arg}' has no source location information`);
  }

  // --- completion ----------------------------------------------------------------------------

  private completeBytes(line: string): { candidates: string[]; replace: string } {
    if (this.pending === "") {
      // A command name, or a file after `:l`.
      if (/^:[^ \t]*$/.test(line)) {
        const names = this.commands.flatMap((c) => c.names).filter((n) => n.startsWith(line));
        return { candidates: names.sort(), replace: line };
      }
      const load = /^:(?:l|load)[ \t]+/.exec(line);
      if (load) return this.completeFile(line.slice(load[0].length));
    }
    // As CppNix: the word after the last space or bracket.
    let start = line.length;
    while (start > 0 && !" \n\r\t(){}[]".includes(line[start - 1]!)) start--;
    const word = line.slice(start);
    if (word.includes("/")) return this.completeFile(word);
    const dot = word.lastIndexOf(".");
    if (dot < 0) {
      const names = new Set([...this.ev.globalNames, ...this.vars.keys()]);
      const candidates = [...names].filter((n) => n.startsWith(word)).sort();
      return { candidates, replace: word };
    }
    return {
      candidates: this.completeAttr(word.slice(0, dot), word.slice(dot + 1)),
      replace: word,
    };
  }

  /** `pkgs.he` → the attributes of `pkgs` that start with `he` (only `pkgs` is evaluated). */
  private completeAttr(exprText: string, prefix: string): string[] {
    try {
      const base = this.ev.parseOptions(this.options.resolvePath("."));
      const { expr, source } = parse(exprText, replOrigin, {
        ...base,
        warn: undefined,
        warnAt: undefined,
      });
      const v = this.evalParsed(expr, source);
      if (!(v instanceof Attrs)) return [];
      return v
        .names()
        .filter((n) => n.startsWith(prefix))
        .map((n) => `${exprText}.${printAttributeName(n)}`);
    } catch {
      // Completion never fails: nothing to offer.
      return [];
    }
  }

  /** File names: `dir/pre` → the entries of `dir` starting with `pre` (a directory: `pre/`). */
  private completeFile(word: string): { candidates: string[]; replace: string } {
    const listDir = this.options.listDir;
    if (!listDir) return { candidates: [], replace: word };
    const slash = word.lastIndexOf("/");
    const dirText = word.slice(0, slash + 1);
    const prefix = word.slice(slash + 1);
    const dir = this.options.resolvePath(dirText === "" ? "." : dirText);
    const names = listDir(dir)
      .filter((n) => n.startsWith(prefix) && (prefix.startsWith(".") || !n.startsWith(".")))
      .sort();
    const candidates = names.map((n) => dirText + n);
    if (candidates.length === 1 && listDir(`${dir.replace(/\/$/, "")}/${names[0]}`).length > 0) {
      candidates[0] += "/";
    }
    return { candidates, replace: word };
  }

  // --- errors --------------------------------------------------------------------------------

  /** An error as nix repl prints it (without the final newline). */
  private describeError(e: unknown): string {
    // An interruption is no error of the code: no trace (CppNix's `Interrupted` collects none).
    if (e instanceof NixError && e.kind === "Interrupted") {
      return renderError(new NixError("Interrupted", e.message));
    }
    if (e instanceof NixError) return renderError(e, { showTrace: this.showTrace });
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      // Past what the JavaScript stack holds: Nix's message for a real stack overflow.
      return renderError(
        new NixError("StackOverflowError", "stack overflow (possible infinite recursion)"),
      );
    }
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    return renderError(new NixError("EvalError", `tsnix internal error: ${detail}`));
  }
}
