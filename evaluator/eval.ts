/**
 * The lazy evaluator: CppNix's `Expr::eval` for every node kind, `forceValue`, `callFunction`,
 * `eqValues`, `coerceToString` and the arithmetic of `+`, each in one place.
 *
 * - Expressions evaluate in an `Env` laid out by scope resolution (lang/scope.ts); `with` is the
 *   only dynamic lookup, searched from the innermost `with` outwards.
 * - Lazy positions get `maybeThunk`'s treatment: a variable shares the value or thunk it names,
 *   a literal is its value, anything else becomes a `Thunk`. (So non-strict output shows
 *   `<CODE>` exactly where Nix shows it.)
 * - Integers are signed 64-bit: JS numbers while safe, bigints beyond, and overflow is an error.
 * - Errors are `NixError`s with Nix's messages, positions and `… while …` frames, added where
 *   CppNix adds them (pinned by CppNix's eval-fail tests): operands ("in the left operand of
 *   '&&'"), selects ("while evaluating the attribute 'a.b'", "from the definition of 'a'"),
 *   calls ("while calling 'f'", "from call site", only shown with `--show-trace`), coercions
 *   ("while evaluating a path segment", `__toString`/`outPath`), and where a cycle starts
 *   ("entering the infinite recursion"). Many of CppNix's errors have no position of their own,
 *   only a frame that has one (eval-fail-remove); tsnix follows that.
 */

import type {
  AttrDefKind,
  AttrName,
  Expr,
  ExprAttrs,
  ExprBinOp,
  ExprCall,
  ExprConcatStrings,
  ExprFloat,
  ExprInt,
  ExprLambda,
  ExprPath,
  ExprSelect,
  ExprString,
  ExprVar,
} from "../lang/ast.js";
import { NixError, type ErrorKind, type TracePrint } from "../lang/errors.js";
import { canonPath } from "../lang/path.js";
import { showExpr } from "../lang/printer.js";
import { parse, type ParseOptions } from "../lang/parser.js";
import { checkScopes } from "../lang/scope.js";
import { showPos, type Origin, type Pos, type Source } from "../lang/source.js";
import { EvalStore, isStoreError } from "./eval-store.js";
import { MemoryStore } from "../store/store.js";
import { corepkgsIO } from "./corepkgs.js";
import { noIO, type EvalIO } from "./io.js";
import { Thunk, ThunkState } from "./thunk.js";
import {
  nixInt,
  Attrs,
  childEnv,
  envSource,
  envUp,
  Lambda,
  rootEnv,
  NixFloat,
  NixPath,
  NixString,
  PrimOp,
  PrimOpApp,
  showType,
  typeOf,
  type AttrPosition,
  type Code,
  type Env,
  type LambdaCode,
  type Lazy,
  type MakeLazy,
  type Value,
} from "./value.js";

const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

export interface EvaluatorOptions {
  /** CppNix's `max-call-depth` (default 10000). */
  maxCallDepth?: number;
  /** Prints a value for error messages (print.ts), injected to avoid a module cycle. */
  showValue?: (v: Value) => string;
  /** Files and environment (default: none). */
  io?: EvalIO;
  /** `$HOME`, for `~/…` paths in files the evaluator reads. */
  home?: string;
  experimentalFeatures?: ReadonlySet<string>;
  /** Receives warnings, formatted as Nix prints them after `warning: `. */
  warn?: (message: string) => void;
  /** Path and URL literal lints (see lang/parser.ts). */
  lints?: ParseOptions["lints"];
  /** Receives positioned warnings (lints at level "warn"). */
  warnAt?: (warning: NixError) => void;
  /** Receives `builtins.trace` output lines (`trace: …`); default: dropped. */
  trace?: (line: string) => void;
  /** `builtins.currentSystem` (default `x86_64-linux`). */
  currentSystem?: string;
  /** `--trace-verbose`: `builtins.traceVerbose` prints. */
  traceVerbose?: boolean;
  /** `--abort-on-warn`: `builtins.warn` is an error. */
  abortOnWarn?: boolean;
  /** The search path for `<…>` (`-I`, then `NIX_PATH`): `builtins.nixPath`. */
  searchPath?: readonly SearchPathEntry[];
  /** Where created store objects go (default: a fresh in-memory store). */
  store?: EvalStore;
  /**
   * On a thread whose stack holds only this many Nix calls (Node's main thread), a deeper call
   * throws a stack-overflow `RangeError` at once, for the host to start again with a big stack
   * before much work is lost.
   */
  shallowStack?: number;
  /**
   * Asked now and then during evaluation (every 4,096 calls): true stops it with CppNix's
   * `interrupted by the user` (the REPL's Ctrl-C, set from another thread).
   */
  interrupted?: () => boolean;
}

/** One element of the search path: `prefix=path`, or just `path` (prefix ""). */
export interface SearchPathEntry {
  readonly prefix: string;
  readonly path: string;
}

/** A static attribute of a set or `let`, compiled (`Evaluator.compileAttrs`). */
interface CompiledDef {
  readonly name: string;
  readonly kind: AttrDefKind;
  /** Index in the environment of a `rec` set or `let`. */
  readonly displ: number;
  /** Where it is defined (offset). */
  readonly pos: number;
  readonly make: MakeLazy;
}

/** A set's or `let`'s bindings, compiled. */
interface CompiledAttrs {
  readonly expr: ExprAttrs;
  /** In definition order. */
  readonly defs: readonly CompiledDef[];
  /** In name order, and their names: the keys of every set the literal makes. */
  readonly sorted: readonly CompiledDef[];
  readonly keys: readonly string[];
  readonly definitionOrder: readonly string[];
  /** Their positions, worked out at the first evaluation (they need the source). */
  positions: readonly AttrPosition[] | null;
  /** A `rec` set's `__overrides`: its index in the set's environment (-1: none). */
  readonly overridesDispl: number;
  /** The sets of `inherit (e) …`, made in the scope the set's values see. */
  readonly inheritFrom: readonly MakeLazy[] | null;
  readonly dynamic: readonly {
    readonly name: Code;
    readonly nameExpr: Expr;
    readonly value: MakeLazy;
    readonly pos: number;
  }[];
}

/** The names of `posAttrs`'s sets, sorted. */
const posNames = ["column", "file", "line"];

/** `coerceToString`'s options for string concatenation: copy paths (or not, after a path). */
const copy = { copyToStore: true } as const;
const noCopy = { copyToStore: false } as const;

export class Evaluator {
  readonly maxCallDepth: number;
  /**
   * `maxCallDepth` + 1 (see the constructor), or less on a thread with a small stack
   * (`shallowStack`).
   */
  private readonly depthLimit: number;
  private callDepth = 0;
  /** Calls so far, to ask `interrupted` now and then. */
  private calls = 0;
  /** Global names and their values, in the order scope resolution numbers them. */
  readonly globalNames: string[] = [];
  readonly globalValues: Lazy[] = [];
  showValue: (v: Value) => string;
  readonly io: EvalIO;
  /** The store side of evaluation: paths of created objects, `.drv` files, copies. */
  readonly store: EvalStore;
  private readonly options: EvaluatorOptions;

  /** `import` evaluates a file once: its value, by resolved path. */
  private readonly fileCache = new Map<string, Value>();
  /** The expressions of the code that thunks run, for the position of a pending thunk. */
  private readonly codeExprs = new Map<Code, Expr>();

  readonly currentSystem: string;

  /** Emits a `builtins.trace` line (or any text for stderr, such as a warning). */
  trace(line: string): void {
    this.options.trace?.(line);
  }

  /** Emits a warning (printed as `warning: MESSAGE`). */
  warn(message: string): void {
    this.options.warn?.(message);
  }

  get traceVerbose(): boolean {
    return this.options.traceVerbose ?? false;
  }

  get experimentalFeatures(): ReadonlySet<string> {
    return this.options.experimentalFeatures ?? new Set();
  }

  get searchPath(): readonly SearchPathEntry[] {
    return this.options.searchPath ?? [];
  }

  get abortOnWarn(): boolean {
    return this.options.abortOnWarn ?? false;
  }

  constructor(options: EvaluatorOptions = {}) {
    this.options = options;
    this.currentSystem = options.currentSystem ?? "x86_64-linux";
    this.maxCallDepth = options.maxCallDepth ?? 10000;
    // CppNix's `addCallDepth` checks the depth before counting the call: one more fits.
    this.depthLimit = Math.min(this.maxCallDepth + 1, options.shallowStack ?? Infinity);
    this.showValue = options.showValue ?? ((v) => showType(v));
    this.store = options.store ?? new EvalStore({ store: new MemoryStore() });
    this.io = corepkgsIO(this.store.storeIO(options.io ?? noIO));
  }

  /**
   * Runs a store operation, reporting its errors (bad names, unsupported files, invalid paths)
   * as Nix errors at `pos`.
   */
  storeOp<T>(env: Env | null, pos: number, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (isStoreError(e)) throw this.error("EvalError", e.message, env, pos);
      throw e;
    }
  }

  /** Parses, resolves and evaluates Nix source text (a byte string) in the global scope. */
  evalText(text: string, origin: Origin, basePath: string): Value {
    const l = this.lazyText(text, origin, basePath);
    return this.force(l);
  }

  /**
   * Parses and resolves Nix source text now (so that syntax errors show at once), and returns
   * its value unevaluated (as `--arg` values are).
   */
  lazyText(text: string, origin: Origin, basePath: string): Lazy {
    const { expr, source } = parse(text, origin, this.parseOptions(basePath));
    checkScopes(expr, source, this.globalNames);
    return this.suspend(expr, this.fileEnv(source));
  }

  /** The options text is parsed with (the REPL parses its input itself: cli/repl/core.ts). */
  parseOptions(basePath: string): ParseOptions {
    return {
      basePath,
      home: this.options.home ?? this.io.env("HOME") ?? "/",
      experimentalFeatures: this.options.experimentalFeatures,
      warn: this.options.warn,
      lints: this.options.lints,
      warnAt: this.options.warnAt,
    };
  }

  /** Forgets the files evaluated so far, so that they are read again (the REPL's `:l`). */
  resetFileCache(): void {
    this.fileCache.clear();
  }

  /**
   * `scopedImport`: the file is resolved with the names of `scope` in a scope of their own
   * under the globals, and evaluated anew each time (no cache).
   */
  evalFileScoped(path: string, scope: Attrs, env: Env | null, pos: number): Value {
    const file = this.resolveFile(path, env, pos);
    const text = this.io.readFile(file);
    const dir = file.slice(0, Math.max(1, file.lastIndexOf("/")));
    const { expr, source } = parse(
      text,
      { kind: "file", path: file },
      {
        basePath: dir,
        home: this.options.home ?? this.io.env("HOME") ?? "/",
        experimentalFeatures: this.options.experimentalFeatures,
        warn: this.options.warn,
      },
    );
    const names = scope.names();
    checkScopes(expr, source, this.globalNames, names);
    const scopeEnv = childEnv(
      this.fileEnv(source),
      names.map((n) => scope.get(n)!),
    );
    return this.compile(expr)(scopeEnv);
  }

  /**
   * CppNix's `resolveExprPath`: if the file itself is a symlink, follow it (relative to the
   * directory as written, so that relative paths inside still work from there); a directory
   * means its `default.nix`; it must exist.
   */
  private resolveFile(original: string, env: Env | null, pos: number): string {
    const type = this.io.fileType(original, true);
    if (type === undefined)
      throw this.error("EvalError", `path '${original}' does not exist`, env, pos);
    let path = original;
    for (let follow = 0; path !== "/"; follow++) {
      if (follow >= 1024) {
        throw this.error(
          "EvalError",
          `too many symbolic links encountered while traversing the path '${original}'`,
          env,
          pos,
        );
      }
      const slash = path.lastIndexOf("/");
      const parent = slash <= 0 ? "/" : path.slice(0, slash);
      const real = this.io.realPath(parent);
      const target = this.io.readLink(real === "/" ? path.slice(slash) : real + path.slice(slash));
      if (target === undefined) break;
      path = canonPath(target, parent);
    }
    const file =
      type === "directory" ? (path === "/" ? "/default.nix" : `${path}/default.nix`) : path;
    if (file !== path && this.io.fileType(file, true) === undefined) {
      throw this.error("EvalError", `path '${file}' does not exist`, env, pos);
    }
    return file;
  }

  /**
   * CppNix's `evalFile(resolveExprPath(path))`: a directory means its `default.nix`; each file
   * is evaluated once.
   */
  evalFile(path: string, env: Env | null, pos: number): Value {
    const file = this.resolveFile(path, env, pos);
    const cached = this.fileCache.get(file);
    if (cached !== undefined) return cached;
    const text = this.io.readFile(file);
    const dir = file.slice(0, Math.max(1, file.lastIndexOf("/")));
    const v = this.evalText(text, { kind: "file", path: file }, dir);
    this.fileCache.set(file, v);
    return v;
  }

  /** Adds a name to the outermost scope. */
  defineGlobal(name: string, value: Lazy): void {
    const i = this.globalNames.indexOf(name);
    if (i >= 0) this.globalValues[i] = value;
    else {
      this.globalNames.push(name);
      this.globalValues.push(value);
    }
  }

  /** The environment a file's top expression is evaluated in. */
  fileEnv(source: Source): Env {
    return rootEnv(source);
  }

  // --- errors --------------------------------------------------------------------------------

  error(kind: ErrorKind, message: string, env: Env | null, offset = -1): NixError {
    return new NixError(kind, message, env && offset >= 0 ? envSource(env).pos(offset) : undefined);
  }

  private pos(env: Env, offset: number): Pos | undefined {
    return offset >= 0 ? envSource(env).pos(offset) : undefined;
  }

  /** Runs `f`, adding a `… while …` frame to a Nix error it throws. */
  withFrame<T>(message: string, env: Env | null, offset: number, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof NixError) e.addTrace(message, env ? this.pos(env, offset) : undefined);
      throw e;
    }
  }

  /** Adds a frame at `offset` (none if -1) in `env`'s source to `e` if it is a Nix error. */
  private addFrame(e: unknown, message: string, env: Env | null, offset: number): void {
    if (e instanceof NixError) e.addTrace(message, env ? this.pos(env, offset) : undefined);
  }

  /** CppNix's `Expr::eval(state, env, v, errorCtx)`: a frame at the expression's position. */
  private evalCtx(code: Code, pos: number, env: Env, context: string): Value {
    try {
      return code(env);
    } catch (err) {
      this.addFrame(err, context, env, pos);
      throw err;
    }
  }

  /** CppNix's `evalBool`: a Boolean, or an error at the expression; either way under `context`. */
  private evalBool(code: Code, pos: number, env: Env, context: string): boolean {
    try {
      const v = code(env);
      if (typeof v === "boolean") return v;
      throw this.expected("a Boolean", v, env, pos);
    } catch (err) {
      this.addFrame(err, context, env, pos);
      throw err;
    }
  }

  // --- forcing -------------------------------------------------------------------------------

  /**
   * `force`, where forcing a thunk that is being forced reports the recursion at `offset`
   * (CppNix's `forceValue(v, pos)` and `tryFixupBlackHolePos`).
   */
  forceAt(l: Lazy, env: Env, offset: number): Value {
    if (l instanceof Thunk && l.state === ThunkState.Blackhole) {
      throw new InfiniteRecursion(l, this.pos(env, offset));
    }
    return this.force(l);
  }

  /** Where the expression of a pending thunk is (not an application's). */
  pendingPos(t: Thunk): Pos | undefined {
    const e = t.state === ThunkState.Pending ? this.codeExprs.get(t.code!) : undefined;
    return e && this.pos(t.env as Env, e.pos);
  }

  force(l: Lazy): Value {
    if (!(l instanceof Thunk)) return l;
    switch (l.state) {
      case ThunkState.Done:
        return l.value as Value;
      case ThunkState.Failed:
        // A copy, so that the frames this failure gets now stay off the stored error.
        throw l.value instanceof NixError ? l.value.clone() : l.value;
      case ThunkState.Blackhole:
        throw new InfiniteRecursion(l, undefined);
    }
    return this.evalThunk(l, null, -1);
  }

  /**
   * `force`, where a pending application (a `map` element, say) is a call from `env`/`pos`,
   * as CppNix's `forceValue(v, pos)` makes it.
   */
  forceCalledFrom(l: Lazy, env: Env | null, pos: number): Value {
    if (l instanceof Thunk && l.state === ThunkState.Application) {
      return this.evalThunk(l, env, pos);
    }
    return this.force(l);
  }

  /**
   * CppNix's `determinePos` of a value about to be forced, as an environment (for its source)
   * and an offset: an application is where its function is (a lambda's position).
   */
  private determinePos(l: Lazy): [Env | null, number] {
    let x = l;
    for (;;) {
      if (x instanceof Thunk) {
        if (x.state === ThunkState.Done) x = x.value as Value;
        else if (x.state === ThunkState.Application) x = x.value as Lazy;
        else return [null, -1];
      } else if (x instanceof Lambda) return [x.env, x.expr.pos];
      else return [null, -1];
    }
  }

  /** Evaluates a pending thunk (an application called from `callEnv`/`callPos`). */
  private evalThunk(l: Thunk, callEnv: Env | null, callPos: number): Value {
    const state = l.state;
    l.state = ThunkState.Blackhole;
    try {
      const v =
        state === ThunkState.Pending
          ? l.code!(l.env as Env)
          : this.callFunction1(
              this.forceCalledFrom(l.value as Lazy, callEnv, callPos),
              l.env as Lazy,
              callEnv,
              callPos,
            );
      l.state = ThunkState.Done;
      l.code = null;
      l.env = null;
      l.value = v;
      return v;
    } catch (e) {
      if (e instanceof NixError && e.kind === "Interrupted") {
        // An interruption is not the thunk's value: forcing it again evaluates it again.
        l.state = state;
      } else {
        // Where the cycle starts (CppNix's `handleEvalExceptionForThunk`).
        if (e instanceof InfiniteRecursion && e.thunk === l && state === ThunkState.Pending) {
          e.addTrace("entering the infinite recursion", undefined, "always");
        }
        l.state = ThunkState.Failed;
        l.code = null;
        l.env = null;
        l.value = e;
      }
      throw e;
    }
  }

  /**
   * The error for a call beyond `depthLimit`: past `max-call-depth`, CppNix's error; before it
   * (`shallowStack`), a stack overflow, so that the command re-runs with a big stack.
   */
  private tooDeep(env: Env | null, pos: number): Error {
    if (this.callDepth >= this.maxCallDepth) {
      return this.error("StackOverflowError", "stack overflow; max-call-depth exceeded", env, pos);
    }
    return new RangeError("Maximum call stack size exceeded (tsnix: deeper than shallowStack)");
  }

  /** Runs `f` one level deeper, as CppNix's `addCallDepth`: too deep is a Nix error. */
  withCallDepth<T>(env: Env | null, pos: number, f: () => T): T {
    if (++this.callDepth > this.depthLimit) {
      this.callDepth--;
      throw this.tooDeep(env, pos);
    }
    try {
      return f();
    } finally {
      this.callDepth--;
    }
  }

  /** `withCallDepth` at an attribute's position (worked out only for the error). */
  withCallDepthAt<T>(p: AttrPosition | undefined, f: () => T): T {
    if (++this.callDepth > this.depthLimit) {
      this.callDepth--;
      throw p ? this.tooDeep(rootEnv(p.source), p.offset) : this.tooDeep(null, -1);
    }
    try {
      return f();
    } finally {
      this.callDepth--;
    }
  }

  /** Forces a value and everything in it (`--strict`, `deepSeq`); nesting counts as calls. */
  forceDeep(l: Lazy): Value {
    const seen = new Set<object>();
    const go = (x: Lazy): void => {
      if (++this.callDepth > this.depthLimit) {
        this.callDepth--;
        const [env, pos] = this.determinePos(x);
        throw this.tooDeep(env, pos);
      }
      try {
        if (x instanceof Thunk && x.state === ThunkState.Application) {
          const [env, pos] = this.determinePos(x);
          goForced(this.forceCalledFrom(x, env, pos));
        } else goForced(this.force(x));
      } finally {
        this.callDepth--;
      }
    };
    const goForced = (v: Value): void => {
      if (v instanceof Attrs) {
        if (seen.has(v)) return;
        seen.add(v);
        for (const name of symbolOrder(v)) {
          try {
            go(v.get(name)!);
          } catch (e) {
            if (e instanceof NixError) {
              const p = v.position(name);
              e.addTrace(`while evaluating the attribute '${name}'`, p && p.source.pos(p.offset));
            }
            throw e;
          }
        }
      } else if (Array.isArray(v)) {
        if (seen.has(v)) return;
        seen.add(v);
        for (let i = 0; i < v.length; i++) {
          try {
            go(v[i]!);
          } catch (e) {
            if (e instanceof NixError) e.addTrace(`while evaluating list element at index ${i}`);
            throw e;
          }
        }
      }
    };
    go(l);
    return this.force(l);
  }

  /**
   * CppNix's `maybeThunk`, compiled: a variable shares the value or thunk it names, a literal is
   * its value, anything else becomes a `Thunk`.
   */
  private lazy(e: Expr): MakeLazy {
    switch (e.kind) {
      case "Int":
      case "String":
      case "Float":
      case "Path":
        // Its code returns the value it made once.
        return this.compile(e);
      case "Var":
        if (e.withLevels === null) {
          const level = e.level!;
          const displ = e.displ!;
          if (level < 0) {
            const globals = this.globalValues;
            return () => globals[displ]!;
          }
          const suspend = this.suspender(e);
          // In a `rec` set or `let` being built, a later attribute is not there yet.
          return (env) => this.lookupVar(level, displ, env) ?? suspend(env);
        }
    }
    return this.suspender(e);
  }

  /** Makes a thunk of `e` in an environment. */
  private suspender(e: Expr, code = this.compile(e)): MakeLazy {
    this.codeExprs.set(code, e);
    return (env) => new Thunk(code, env);
  }

  /** A thunk of `e` in `env` (the REPL's input, `--arg` values). */
  suspend(e: Expr, env: Env): Lazy {
    return this.suspender(e)(env);
  }

  private literal(e: ExprInt | ExprString | ExprFloat | ExprPath): Value {
    switch (e.kind) {
      case "Int":
      case "String":
        return e.value;
      case "Float":
        return new NixFloat(e.value);
      case "Path":
        return new NixPath(e.value);
    }
  }

  private lookupVar(level: number, displ: number, env: Env): Lazy {
    let en = env;
    for (let l = level; l > 0; l--) en = envUp(en);
    return en[displ + 1]!;
  }

  /**
   * A variable bound by a `with`: searched in the `with` sets (`withLevels` environments up)
   * from the innermost outwards.
   */
  private lookupWith(name: string, withLevels: number[], env: Env, pos: number): Lazy {
    let en = env;
    let level = 0;
    for (const withLevel of withLevels) {
      for (; level < withLevel; level++) en = envUp(en);
      const attrs = this.forceAttrs(
        en[1]!,
        null,
        -1,
        "while evaluating the first subexpression of a with expression",
      );
      const v = attrs.get(name);
      if (v !== undefined) return v;
    }
    throw this.error("UndefinedVarError", `undefined variable '${name}'`, env, pos);
  }

  // --- type checks with Nix's messages -------------------------------------------------------

  private expected(what: string, v: Value, env: Env | null, pos: number): NixError {
    return this.error(
      "TypeError",
      `expected ${what} but found ${showType(v)}: ${this.showValue(v)}`,
      env,
      pos,
    );
  }

  /**
   * CppNix's `forceAttrs(v, pos, errorCtx)`: a set; anything else is an error without a
   * position, under `errorCtx` at `pos` (an error forcing it gets no frame).
   */
  forceAttrs(l: Lazy, env: Env | null, pos: number, errorCtx = ""): Attrs {
    const v = this.force(l);
    if (v instanceof Attrs) return v;
    const err = this.expected("a set", v, null, -1);
    throw err.addTrace(errorCtx, env ? this.pos(env, pos) : undefined);
  }

  /** CppNix's `forceList(v, pos, errorCtx)`, as `forceAttrs`. */
  forceList(l: Lazy, env: Env | null, pos: number, errorCtx = ""): Lazy[] {
    const v = this.force(l);
    if (Array.isArray(v)) return v;
    const err = this.expected("a list", v, null, -1);
    throw err.addTrace(errorCtx, env ? this.pos(env, pos) : undefined);
  }

  forceBool(l: Lazy, env: Env | null, pos: number): boolean {
    const v = this.force(l);
    if (typeof v === "boolean") return v;
    throw this.expected("a Boolean", v, env, pos);
  }

  forceInt(l: Lazy, env: Env | null, pos: number): number | bigint {
    const v = this.force(l);
    if (typeof v === "number" || typeof v === "bigint") return v;
    throw this.expected("an integer", v, env, pos);
  }

  /** A function, a primop or a set with `__functor`. */
  forceFunction(l: Lazy, env: Env | null, pos: number): Value {
    const v = this.force(l);
    if (v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp) return v;
    if (v instanceof Attrs && v.get("__functor") !== undefined) return v;
    throw this.expected("a function", v, env, pos);
  }

  /**
   * A string's bytes, ignoring context; anything else is an error at `pos`. With `errorCtx`
   * (CppNix's `forceString(v, pos, errorCtx)`), any error, forcing included, is under it.
   */
  forceString(l: Lazy, env: Env | null, pos: number, errorCtx?: string): string {
    if (errorCtx !== undefined) {
      try {
        return this.forceString(l, env, pos);
      } catch (err) {
        this.addFrame(err, errorCtx, env, pos);
        throw err;
      }
    }
    const v = this.force(l);
    if (typeof v === "string") return v;
    if (v instanceof NixString) return v.s;
    throw this.expected("a string", v, env, pos);
  }

  /**
   * CppNix's `forceStringNoCtx`: a string that refers to no store path. That error has no
   * position (it is under `errorCtx` at `pos`).
   */
  forceStringNoContext(l: Lazy, env: Env | null, pos: number, errorCtx?: string): string {
    const s = this.forceString(l, env, pos, errorCtx);
    const v = this.force(l);
    if (v instanceof NixString && v.context.size > 0) {
      // CppNix reports the first element of its ordered context: paths, then deep derivations,
      // then derivation outputs.
      const rank = (c: string) => (c.startsWith("=") ? 1 : c.startsWith("!") ? 2 : 0);
      const first = [...v.context].sort(
        (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0),
      )[0]!;
      let shown = first;
      if (first.startsWith("=")) shown = `${first.slice(1)} (deep)`;
      else if (first.startsWith("!")) {
        const [, output, drv] = first.split("!");
        shown = `${drv}^${output}`;
      }
      const msg = `the string '${v.s}' is not allowed to refer to a store path (such as '${shown}')`;
      const err = this.error("EvalError", msg, null);
      if (errorCtx !== undefined) err.addTrace(errorCtx, env ? this.pos(env, pos) : undefined);
      throw err;
    }
    return s;
  }

  // --- evaluation ----------------------------------------------------------------------------

  /** Evaluates `e` (resolved by lang/scope.ts) in `env`. */
  eval(e: Expr, env: Env): Value {
    return this.compile(e)(env);
  }

  /**
   * Compiles `e` (resolved by lang/scope.ts) to a closure that evaluates it, with its
   * subexpressions compiled once here rather than dispatched on at every evaluation.
   */
  compile(e: Expr): Code {
    switch (e.kind) {
      case "Var":
        return this.compileVar(e);
      case "Call":
        return this.compileCall(e);
      case "Select":
        return this.compileSelect(e);
      case "If": {
        const cond = this.compile(e.cond);
        const condPos = exprPos(e.cond);
        const then = this.compile(e.then);
        const otherwise = this.compile(e.else);
        // One call site for both branches: a branch first taken at the bottom of a deep
        // recursion would otherwise deoptimise every frame of this closure above it.
        return (env) =>
          (this.evalBool(cond, condPos, env, "while evaluating a branch condition")
            ? then
            : otherwise)(env);
      }
      case "BinOp":
        return this.compileBinOp(e);
      case "Int":
      case "String":
      case "Float":
      case "Path": {
        const v = this.literal(e);
        return () => v;
      }
      case "ConcatStrings": {
        const parts = e.parts.map((p) => this.compile(p));
        return (env) => this.evalConcat(e, parts, env);
      }
      case "Lambda": {
        const code: LambdaCode = {
          body: this.compile(e.body),
          defaults: (e.formals?.formals ?? []).map((f) =>
            f.default ? this.lazy(f.default) : null,
          ),
        };
        return (env) => new Lambda(e, env, code);
      }
      case "Attrs": {
        const attrs = this.compileAttrs(e);
        return (env) => this.evalAttrs(attrs, env);
      }
      case "List": {
        const elems = e.elems.map((x) => this.lazy(x));
        return (env) => {
          // By push, for a packed array (as `map` makes).
          const out: Lazy[] = [];
          for (const elem of elems) out.push(elem(env));
          return out;
        };
      }
      case "Let": {
        const attrs = this.compileAttrs(e.attrs, true);
        const body = this.compile(e.body);
        return (env) => body(this.bindRecursive(attrs, env));
      }
      case "OpNot": {
        const operand = this.compile(e.expr);
        const pos = exprPos(e.expr);
        return (env) => !this.evalBool(operand, pos, env, "in the argument of '!'");
      }
      case "With": {
        const attrs = this.lazy(e.attrs);
        const body = this.compile(e.body);
        return (env) => body([env as Lazy, attrs(env)] as Env);
      }
      case "OpHasAttr": {
        const subject = this.compile(e.subject);
        const subjectPos = exprPos(e.subject);
        const path = this.compilePath(e.path);
        return (env) => {
          let v = this.evalCtx(subject, subjectPos, env, "in the argument of '?'");
          for (let i = 0; i < path.length; i++) {
            const s = this.attrName(path[i]!, e.path[i]!, env);
            if (!(v instanceof Attrs)) return false;
            const l = v.get(s);
            if (l === undefined) return false;
            v = this.force(l);
          }
          return true;
        };
      }
      case "Assert": {
        const cond = this.compile(e.cond);
        const condPos = exprPos(e.cond);
        const body = this.compile(e.body);
        return (env) => {
          if (!this.evalBool(cond, condPos, env, "in the condition of the assert statement")) {
            throw this.assertionFailed(e, env);
          }
          return body(env);
        };
      }
      case "Pos":
        return (env) => this.posAttrs({ source: envSource(env), offset: e.pos });
      case "InheritFrom": {
        const slot = e.displacement + 1;
        return (env) => this.force(env[slot]!);
      }
    }
  }

  /** A variable: looked up by (level, index), or in the `with` sets. */
  private compileVar(e: ExprVar): Code {
    const pos = e.pos;
    if (e.withLevels) {
      const name = e.name;
      const withLevels = e.withLevels;
      return (env) => this.force(this.lookupWith(name, withLevels, env, pos));
    }
    const displ = e.displ!;
    const slot = displ + 1;
    const forceVar = (l: Lazy, env: Env): Value => {
      if (!(l instanceof Thunk)) return l;
      return l.state === ThunkState.Done ? (l.value as Value) : this.forceAt(l, env, pos);
    };
    switch (e.level!) {
      case -1: {
        const globals = this.globalValues;
        return (env) => forceVar(globals[displ]!, env);
      }
      case 0:
        return (env) => forceVar(env[slot]!, env);
      case 1:
        return (env) => forceVar(envUp(env)[slot]!, env);
      case 2:
        return (env) => forceVar(envUp(envUp(env))[slot]!, env);
      default: {
        const level = e.level!;
        return (env) => forceVar(this.lookupVar(level, displ, env), env);
      }
    }
  }

  /** `f a b`: the function, then its arguments lazily. */
  private compileCall(e: ExprCall): Code {
    const fn = this.compile(e.fn);
    const pos = e.pos;
    if (e.args.length === 1) {
      const arg = this.lazy(e.args[0]!);
      return (env) => this.callFunction1(fn(env), arg(env), env, pos);
    }
    if (e.args.length === 2) {
      // `a - b`, `a < b` and other two-argument builtins. One that forces its arguments first
      // (`strictArgs`) gets them evaluated in place, without thunks.
      const [first, firstNow] = this.strictArg(e.args[0]!);
      const [second, secondNow] = this.strictArg(e.args[1]!);
      return (env) => {
        const f = fn(env);
        if (f instanceof PrimOp && f.strictArgs && f.arity === 2) {
          return this.callStrict2(f, firstNow, secondNow, env, pos);
        }
        const values: Lazy[] = [];
        values.push(first(env));
        values.push(second(env));
        return this.callFunction(f, values, env, pos);
      };
    }
    const args = e.args.map((a) => this.lazy(a));
    return (env) => {
      const f = fn(env);
      // Built by push, as every other argument list is: the same (packed) array kind everywhere
      // keeps callFunction's code from being thrown away mid-recursion.
      const values: Lazy[] = [];
      for (const arg of args) values.push(arg(env));
      return this.callFunction(f, values, env, pos);
    };
  }

  /**
   * An argument compiled both ways, from one compilation: `lazy`'s, and for a builtin that
   * forces it at once, evaluated in place where `lazy` would make a thunk (a variable's thunk
   * is left for the builtin to force, so that infinite recursion is reported where CppNix
   * reports it).
   */
  private strictArg(e: Expr): [lazy: MakeLazy, now: MakeLazy] {
    switch (e.kind) {
      case "Int":
      case "String":
      case "Float":
      case "Path":
      case "Var": {
        const lazy = this.lazy(e);
        return [lazy, lazy];
      }
    }
    const code = this.compile(e);
    return [this.suspender(e, code), code];
  }

  /** An attribute path's names: static strings, or dynamic names compiled. */
  private compilePath(path: readonly AttrName[]): (string | Code)[] {
    return path.map((name) => (typeof name === "string" ? name : this.compile(name)));
  }

  private compileSelect(e: ExprSelect): Code {
    const subject = this.compile(e.subject);
    const subjectPos = exprPos(e.subject);
    const path = this.compilePath(e.path);
    const otherwise = e.default ? this.compile(e.default) : null;
    return (env) =>
      this.evalSelect(
        e,
        path,
        otherwise,
        this.evalCtx(subject, subjectPos, env, "while selecting an attribute"),
        env,
      );
  }

  /**
   * The error of a failed `assert`: for `a == b`, what differs (CppNix's `assertEqValues`),
   * else `assertion '…' failed`.
   */
  private assertionFailed(e: Extract<Expr, { kind: "Assert" }>, env: Env): NixError {
    const text = showExpr(e.cond);
    const cond = e.cond;
    if (cond.kind === "BinOp" && cond.op === "==") {
      try {
        this.assertEquals(this.eval(cond.left, env), this.eval(cond.right, env), env, cond.pos);
      } catch (err) {
        if (err instanceof NixError && err.kind === "AssertionError") {
          const pos = this.pos(env, e.pos);
          err.addTrace(`while evaluating the condition of the assertion '${text}'`, pos);
        }
        throw err;
      }
    }
    return this.error("AssertionError", `assertion '${text}' failed`, env, e.pos);
  }

  /** CppNix's `mkPos`: `{ file; line; column; }`, `file` being null outside files. */
  posAttrs(p: AttrPosition): Attrs {
    const pos = p.source.pos(p.offset);
    const origin = p.source.origin;
    return new Attrs(posNames, [pos.column, origin.kind === "file" ? origin.path : null, pos.line]);
  }

  /** CppNix's `getName`: a static name, or the string a dynamic one evaluates to. */
  private attrName(name: string | Code, expr: AttrName, env: Env): string {
    if (typeof name === "string") return name;
    const v = name(env);
    if (typeof v === "string") return v;
    const pos = exprPos(expr as Expr);
    try {
      // A name with context is an error without a position (CppNix's `forceStringNoCtx`).
      if (v instanceof NixString && v.context.size > 0) this.forceStringNoContext(v, null, -1);
      return this.forceString(v, env, pos);
    } catch (err) {
      this.addFrame(err, "while evaluating an attribute name", env, pos);
      throw err;
    }
  }

  /**
   * CppNix's `showAttrSelectionPath`: `a.b.c`, a dynamic name as its string or, where it does
   * not evaluate to one, as `"${expr}"`.
   */
  private showSelectionPath(path: readonly (string | Code)[], exprs: AttrName[], env: Env): string {
    return path
      .map((name, i) => {
        if (typeof name === "string") return name;
        try {
          return this.attrName(name, exprs[i]!, env);
        } catch (err) {
          if (!(err instanceof NixError)) throw err;
          return `"\${${showExpr(exprs[i] as Expr)}}"`;
        }
      })
      .join(".");
  }

  /**
   * `e.a.b` (or `e.a.b or d`), as CppNix's `ExprSelect::eval`: an error on the way is under
   * "while evaluating the attribute 'a.b'" (at the select) and "from the definition of 'a'"
   * (at the last attribute found), except in derivation-internal.nix.
   */
  private evalSelect(
    e: ExprSelect,
    path: readonly (string | Code)[],
    otherwise: Code | null,
    subject: Value,
    env: Env,
  ): Value {
    let v = subject;
    // The set the last attribute was found in (its position is looked up for an error only).
    let foundIn: Attrs | undefined;
    let foundName = "";
    let found = 0;
    try {
      for (let i = 0; i < path.length; i++) {
        const name = this.attrName(path[i]!, e.path[i]!, env);
        if (!(v instanceof Attrs)) {
          if (otherwise) return otherwise(env);
          const err = this.expected("a set", v, null, -1);
          throw err.addTrace("while selecting an attribute", this.pos(env, e.pos));
        }
        const l = v.get(name);
        if (l === undefined) {
          if (otherwise) return otherwise(env);
          const err = this.error("EvalError", `attribute '${name}' missing`, null);
          throw err.withSuggestions(v.names(), name);
        }
        foundIn = v;
        foundName = name;
        found = i + 1;
        if (l instanceof Thunk && l.state === ThunkState.Blackhole) {
          const attrPos = v.position(name);
          // CppNix forces at the definition (or the select, for the last attribute without one).
          const p =
            attrPos !== undefined ? attrPos.source.pos(attrPos.offset) : this.pos(env, e.pos);
          throw new InfiniteRecursion(l, i + 1 < path.length ? this.pos(env, e.pos) : p);
        }
        v = this.force(l);
      }
    } catch (err) {
      if (err instanceof NixError) {
        const attrPos = foundIn?.position(foundName);
        if (attrPos !== undefined && !isDerivationInternal(attrPos.source)) {
          const shown = this.showSelectionPath(path.slice(0, found), e.path, env);
          err.addTrace(`from the definition of '${shown}'`, attrPos.source.pos(attrPos.offset));
        }
        const shown = this.showSelectionPath(path, e.path, env);
        err.addTrace(`while evaluating the attribute '${shown}'`, this.pos(env, e.pos));
      }
      throw err;
    }
    return v;
  }

  /**
   * A set's or `let`'s bindings compiled: how each static attribute's value is made (CppNix's
   * `maybeThunk`, or always a thunk where it must be one), `inherit (e)`'s sets, the dynamic
   * attributes. With `__overrides` (a `rec` set only), every plain attribute is a real thunk,
   * so that it looks its variables up after the overrides replaced them (as in CppNix).
   */
  private compileAttrs(e: ExprAttrs, isLet = false): CompiledAttrs {
    const hasOverrides = !isLet && e.recursive && e.attrs.has("__overrides");
    const defs: CompiledDef[] = [];
    for (const [name, def] of e.attrs) {
      const alwaysThunk = def.kind === "inheritedFrom" || (def.kind === "plain" && hasOverrides);
      defs.push({
        name,
        kind: def.kind,
        displ: def.displ ?? -1,
        pos: def.pos,
        make: alwaysThunk ? this.suspender(def.value) : this.lazy(def.value),
      });
    }
    const sorted = [...defs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      expr: e,
      defs,
      sorted,
      keys: sorted.map((d) => d.name),
      definitionOrder: defs.map((d) => d.name),
      positions: null,
      overridesDispl: hasOverrides ? e.attrs.get("__overrides")!.displ! : -1,
      inheritFrom: e.inheritFromExprs ? e.inheritFromExprs.map((x) => this.lazy(x)) : null,
      dynamic: (e.dynamicAttrs ?? []).map((d) => ({
        name: this.compile(d.name),
        nameExpr: d.name,
        value: this.lazy(d.value),
        pos: d.pos,
      })),
    };
  }

  /**
   * A `rec { … }` or `let`: an environment holding its attributes, which see each other
   * (`inherit x` sees the enclosing scope).
   */
  private bindRecursive(c: CompiledAttrs, env: Env): Env {
    const newEnv = new Array(c.defs.length + 1) as Env;
    newEnv[0] = env as Lazy;
    const fromEnv = this.inheritFromEnv(c, newEnv);
    for (const d of c.defs) {
      newEnv[d.displ + 1] = d.make(
        d.kind === "plain" ? newEnv : d.kind === "inherited" ? env : fromEnv,
      );
    }
    return newEnv;
  }

  /**
   * The environment the values of `inherit (e) …` select from: the sets `e`, made in `env` (the
   * scope the set's values see), under it; `env` itself when there are none.
   */
  private inheritFromEnv(c: CompiledAttrs, env: Env): Env {
    return c.inheritFrom
      ? childEnv(
          env,
          c.inheritFrom.map((make) => make(env)),
        )
      : env;
  }

  private evalAttrs(c: CompiledAttrs, env: Env): Attrs {
    const e = c.expr;
    // The positions of the static attributes are the same on every evaluation of `e` (which
    // belongs to one source): worked out once and shared.
    let positions = c.positions;
    if (positions === null) {
      const source = envSource(env);
      positions = c.positions = c.sorted.map((d) => ({ source, offset: d.pos }));
    }
    const sorted = c.sorted;
    const values: Lazy[] = new Array(sorted.length);
    let dynEnv = env;
    if (e.recursive) {
      const newEnv = this.bindRecursive(c, env);
      for (let i = 0; i < sorted.length; i++) values[i] = newEnv[sorted[i]!.displ + 1]!;
      dynEnv = newEnv;
      if (c.overridesDispl >= 0) {
        const overrides = newEnv[c.overridesDispl + 1]!;
        const set = new Attrs(c.keys, values, positions);
        return this.override(c, newEnv, set, overrides);
      }
    } else {
      const fromEnv = this.inheritFromEnv(c, env);
      for (let i = 0; i < sorted.length; i++) {
        const d = sorted[i]!;
        values[i] = d.make(d.kind === "inheritedFrom" ? fromEnv : env);
      }
    }
    const set = new Attrs(c.keys, values, positions, c.definitionOrder);
    return c.dynamic.length > 0 ? this.addDynamic(c, set, dynEnv) : set;
  }

  /**
   * `rec { …; __overrides = …; }`: the attributes of `__overrides` replace those of the set
   * (with their own positions) and are what its other attributes see.
   */
  private override(c: CompiledAttrs, newEnv: Env, set: Attrs, overrides: Lazy): Attrs {
    const o = this.forceAttrs(overrides, null, -1, "while evaluating the `__overrides` attribute");
    const [map, pos] = set.toMaps();
    for (const name of o.names()) {
      const l = o.get(name)!;
      map.set(name, l);
      const p = o.position(name);
      if (p !== undefined) pos.set(name, p);
      else pos.delete(name);
      const def = c.expr.attrs.get(name);
      if (def) newEnv[def.displ! + 1] = l;
    }
    const overridden = Attrs.fromMap(map, pos);
    return c.dynamic.length > 0 ? this.addDynamic(c, overridden, newEnv) : overridden;
  }

  /** A set's dynamic attributes (`${e} = …;`, a null name adds none) added to `set`. */
  private addDynamic(c: CompiledAttrs, set: Attrs, dynEnv: Env): Attrs {
    const [map, positions] = set.toMaps();
    const source = envSource(dynEnv);
    for (const d of c.dynamic) {
      const nameValue = d.name(dynEnv);
      if (nameValue === null) continue;
      const name = this.forceString(nameValue, dynEnv, d.nameExpr.start);
      if (map.has(name)) {
        const prev = positions.get(name)!;
        throw this.error(
          "EvalError",
          `dynamic attribute '${name}' already defined at ${showPos(prev.source.pos(prev.offset))}`,
          dynEnv,
          d.pos,
        );
      }
      map.set(name, d.value(dynEnv));
      positions.set(name, { source, offset: d.pos });
    }
    return Attrs.fromMap(map, positions);
  }

  /**
   * The binary operators, each operand under CppNix's frame ("in the left operand of '&&'", at
   * the operand).
   */
  private compileBinOp(e: ExprBinOp): Code {
    const op = e.op;
    if (op === "//") return this.compileUpdate(e);
    const left = this.compile(e.left);
    const right = this.compile(e.right);
    const lp = exprPos(e.left);
    const rp = exprPos(e.right);
    const inLeft = `in the left operand of '${op}'`;
    const inRight = `in the right operand of '${op}'`;
    const pos = e.pos;
    switch (op) {
      case "==":
        return (env) =>
          this.equals(
            this.evalCtx(left, lp, env, inLeft),
            this.evalCtx(right, rp, env, inRight),
            env,
            pos,
          );
      case "!=":
        return (env) =>
          !this.equals(
            this.evalCtx(left, lp, env, inLeft),
            this.evalCtx(right, rp, env, inRight),
            env,
            pos,
          );
      case "&&":
        return (env) =>
          this.evalBool(left, lp, env, inLeft) && this.evalBool(right, rp, env, inRight);
      case "||":
        return (env) =>
          this.evalBool(left, lp, env, inLeft) || this.evalBool(right, rp, env, inRight);
      case "->":
        return (env) =>
          !this.evalBool(left, lp, env, inLeft) || this.evalBool(right, rp, env, inRight);
      case "++":
        return (env) => {
          const a = this.evalCtx(left, lp, env, inLeft);
          const b = this.evalCtx(right, rp, env, inRight);
          const x = this.listOperand(a, env, pos);
          const y = this.listOperand(b, env, pos);
          return y.length === 0 ? x : x.length === 0 ? y : x.concat(y);
        };
    }
  }

  /**
   * `a // b`, as CppNix's `evalForUpdate`: the right operand first, each operand a set or an
   * error without a position under "in the … operand of '//'"; a chain `a // b // c` from the
   * right, an operand that is itself a `//` getting no frame of its own.
   */
  private compileUpdate(e: ExprBinOp): (env: Env) => Attrs {
    const operand = (x: Expr, context: string): ((env: Env) => Attrs) => {
      if (x.kind === "BinOp" && x.op === "//") return this.compileUpdate(x);
      const code = this.compile(x);
      const pos = exprPos(x);
      return (env) => {
        try {
          const v = code(env);
          if (v instanceof Attrs) return v;
          throw this.expected("a set", v, null, -1);
        } catch (err) {
          this.addFrame(err, context, env, pos);
          throw err;
        }
      };
    };
    const left = operand(e.left, "in the left operand of '//'");
    const right = operand(e.right, "in the right operand of '//'");
    return (env) => {
      const b = right(env);
      const a = left(env);
      return Attrs.update(a, b);
    };
  }

  /** A list to concatenate (CppNix's `concatLists`): otherwise an error without a position. */
  private listOperand(v: Value, env: Env, pos: number): Lazy[] {
    if (Array.isArray(v)) return v;
    const err = this.expected("a list", v, null, -1);
    throw err.addTrace("while evaluating one of the elements to concatenate", this.pos(env, pos));
  }

  // --- `+` and string interpolation ---------------------------------------------------------

  /**
   * CppNix's `ExprConcatStrings::eval` (`+`, interpolation, paths with `${…}`): each operand
   * under "in an operand of '+'"; numbers add up, anything else is coerced to a string under
   * "while evaluating a path segment" at the operand (`partPos`).
   */
  private evalConcat(e: ExprConcatStrings, parts: readonly Code[], env: Env): Value {
    // The operand being evaluated, whose errors are "in an operand of '+'" (-1: none). One
    // `try` for all of them rather than a function per operand: fewer frames on the JS stack.
    let evaluating = 0;
    try {
      const first = parts[0]!(env);
      evaluating = -1;
      if (
        !e.forceString &&
        (typeof first === "number" || typeof first === "bigint" || first instanceof NixFloat)
      ) {
        let acc: number | bigint | NixFloat = first;
        for (let i = 1; i < parts.length; i++) {
          evaluating = i;
          const v = parts[i]!(env);
          evaluating = -1;
          if (acc instanceof NixFloat) {
            if (v instanceof NixFloat) acc = new NixFloat(acc.value + v.value);
            else if (typeof v === "number" || typeof v === "bigint")
              acc = new NixFloat(acc.value + Number(v));
            else {
              const msg = `cannot add ${showType(v)} to a float`;
              throw this.error("EvalError", msg, env, partPos(e, i, envSource(env).text));
            }
          } else if (typeof v === "number" || typeof v === "bigint") {
            const r = typeof acc === "number" && typeof v === "number" ? acc + v : NaN;
            // Beyond safe integers, checked 64-bit addition (an overflow is at the operand).
            acc = Number.isSafeInteger(r)
              ? r
              : this.intOp("+", acc, v, env, partPos(e, i, envSource(env).text));
          } else if (v instanceof NixFloat) {
            acc = new NixFloat(Number(acc) + v.value);
          } else {
            const msg = `cannot add ${showType(v)} to an integer`;
            throw this.error("EvalError", msg, env, partPos(e, i, envSource(env).text));
          }
        }
        return acc;
      }
      const isPath = !e.forceString && first instanceof NixPath;
      const opts = isPath ? noCopy : copy;
      const segment = "while evaluating a path segment";
      // Most parts are plain strings: no context set until a part has one.
      let context: Set<string> | undefined;
      let s: string;
      if (typeof first === "string") s = first;
      else {
        const pos = partPos(e, 0, envSource(env).text);
        s = this.coerceToString(first, (context = new Set()), env, pos, opts, segment);
      }
      for (let i = 1; i < parts.length; i++) {
        evaluating = i;
        const v = parts[i]!(env);
        evaluating = -1;
        if (typeof v === "string") s += v;
        else {
          const pos = partPos(e, i, envSource(env).text);
          s += this.coerceToString(v, (context ??= new Set()), env, pos, opts, segment);
        }
      }
      if (context === undefined) return isPath ? new NixPath(canonPath(s)) : s;
      if (isPath) {
        if (context.size > 0) {
          throw this.error(
            "EvalError",
            `a string that refers to a store path cannot be appended to a path`,
            env,
            e.pos,
          );
        }
        return new NixPath(canonPath(s));
      }
      return context.size === 0 ? s : new NixString(s, context);
    } catch (err) {
      if (evaluating >= 0) {
        this.addFrame(err, "in an operand of '+'", env, exprPos(e.parts[evaluating]!));
      }
      throw err;
    }
  }

  /**
   * CppNix's `peelToStringOutPath`: a set's `__toString` result or `outPath`, again and again,
   * down to a value that is no set or has neither; `cb` gets that value (an error it throws is
   * under the frames of the attributes followed). With `checkToStringReturn` (as `toJSON`), what
   * a `__toString` led to must be a string or a path.
   */
  peelToString<T>(
    v: Value,
    cb: (peeled: Value, cameThroughToString: boolean) => T,
    checkToStringReturn = false,
  ): T {
    const peel = (v: Value, site: Env | null, pos: number, cameThroughToString: boolean): T => {
      const check = checkToStringReturn && cameThroughToString;
      if (!(v instanceof Attrs)) {
        if (check && !isString(v) && !(v instanceof NixPath)) {
          const msg = `\`__toString\` should return a string, but got ${showType(v)}: ${this.showValue(v)}`;
          throw this.error("TypeError", msg, site, pos);
        }
        return cb(v, cameThroughToString);
      }
      const toString = v.get("__toString");
      if (toString !== undefined) {
        const p = v.position("__toString");
        const at = p ? rootEnv(p.source) : null;
        const off = p ? p.offset : -1;
        let r: Value;
        try {
          r = this.callFunction(this.force(toString), [v], at, off);
        } catch (err) {
          this.addFrame(err, "while calling the `__toString` attribute", at, off);
          throw err;
        }
        try {
          return peel(r, at, off, true);
        } catch (err) {
          this.addFrame(err, "while using the result of the `__toString` attribute", at, off);
          throw err;
        }
      }
      const outPath = v.get("outPath");
      if (outPath !== undefined) {
        const p = v.position("outPath");
        const at = p ? rootEnv(p.source) : null;
        const off = p ? p.offset : -1;
        try {
          return peel(this.force(outPath), at, off, cameThroughToString);
        } catch (err) {
          // CppNix's `WhileTryingToUse`: "evaluating" if forcing it failed.
          const how = outPath instanceof Thunk && outPath.state !== ThunkState.Done;
          this.addFrame(
            err,
            `while ${how ? "evaluating" : "using"} the \`outPath\` attribute`,
            at,
            off,
          );
          throw err;
        }
      }
      if (check) {
        const msg = `\`__toString\` must return a string, but got ${showType(v)}: ${this.showValue(v)}`;
        throw this.error("TypeError", msg, site, pos);
      }
      return cb(v, cameThroughToString);
    };
    return peel(v, null, -1, false);
  }

  /**
   * CppNix's `coerceToString`: strings as they are, paths (copied to the store when
   * `copyToStore`, with the copy as context), what a set's `__toString` or `outPath` gives
   * (`peelToString`); with `coerceMore` (as `toString` does) also numbers, Booleans, null and
   * lists. A value that does not coerce is an error without a position, under `errorCtx` at
   * `pos`.
   */
  coerceToString(
    v: Value,
    context: Set<string>,
    env: Env | null,
    pos: number,
    opts: { copyToStore?: boolean; coerceMore?: boolean } = {},
    errorCtx = "",
  ): string {
    if (typeof v === "string") return v;
    if (v instanceof NixString) {
      for (const c of v.context) context.add(c);
      return v.s;
    }
    if (v instanceof NixPath) {
      if (opts.copyToStore) {
        // A path that cannot be copied is an error without a position (as in CppNix).
        const p = this.storeOp(null, -1, () => this.store.copyPathToStore(this.io, v.path));
        context.add(p);
        return p;
      }
      return v.path;
    }
    if (v instanceof Attrs) {
      return this.peelToString(v, (peeled) => {
        if (peeled instanceof Attrs) throw this.cannotCoerce(peeled, env, pos, errorCtx);
        return this.coerceToString(peeled, context, env, pos, opts, errorCtx);
      });
    }
    if (opts.coerceMore) {
      if (v === true) return "1";
      if (v === false || v === null) return "";
      if (typeof v === "number" || typeof v === "bigint") return String(v);
      if (v instanceof NixFloat) return v.value.toFixed(6);
      if (Array.isArray(v)) {
        let out = "";
        for (let i = 0; i < v.length; i++) {
          let s: string;
          let item: Value;
          try {
            item = this.force(v[i]!);
            s = this.coerceToString(
              item,
              context,
              env,
              pos,
              opts,
              "while evaluating one element of the list",
            );
          } catch (err) {
            this.addFrame(err, errorCtx, env, pos);
            throw err;
          }
          out += s;
          if (i < v.length - 1 && !(Array.isArray(item) && item.length === 0)) out += " ";
        }
        return out;
      }
    }
    throw this.cannotCoerce(v, env, pos, errorCtx);
  }

  /** `cannot coerce … to a string`: no position of its own, under `errorCtx` at `pos`. */
  private cannotCoerce(v: Value, env: Env | null, pos: number, errorCtx: string): NixError {
    const msg = `cannot coerce ${showType(v)} to a string: ${this.showValue(v)}`;
    const err = this.error("TypeError", msg, null);
    return err.addTrace(errorCtx, env ? this.pos(env, pos) : undefined);
  }

  // --- integers -------------------------------------------------------------------------------

  /** Checked signed 64-bit arithmetic, as CppNix's `checked::Checked<int64_t>`. */
  intOp(
    op: "+" | "-" | "*" | "/",
    a: number | bigint,
    b: number | bigint,
    env: Env | null,
    pos: number,
  ): number | bigint {
    if (typeof a === "number" && typeof b === "number") {
      // Of two safe integers the double quotient truncates to the exact one (its rounding
      // error is below the distance to the next integer); `+ 0` makes -0 zero.
      const r =
        op === "+"
          ? a + b
          : op === "-"
            ? a - b
            : op === "*"
              ? a * b
              : b === 0
                ? NaN
                : Math.trunc(a / b) + 0;
      if (Number.isSafeInteger(r)) return r;
    }
    const x = BigInt(a);
    const y = BigInt(b);
    let r: bigint;
    if (op === "/") {
      if (y === 0n) throw this.error("EvalError", "division by zero", env, pos);
      r = x / y; // truncates towards zero, as C++ does
    } else r = op === "+" ? x + y : op === "-" ? x - y : x * y;
    if (r > INT64_MAX || r < INT64_MIN) {
      const verb =
        op === "+"
          ? "adding"
          : op === "-"
            ? "subtracting"
            : op === "*"
              ? "multiplying"
              : "dividing";
      const msg = `integer overflow in ${verb} ${a} ${op} ${b}`;
      throw this.error("EvalError", msg, env, pos);
    }
    return nixInt(r);
  }

  // --- function calls ------------------------------------------------------------------------

  /**
   * A call begins: one level deeper (CppNix's `addCallDepth`: too deep is an error at the call),
   * and now and then a look at whether the user interrupted. The caller's `finally` leaves the
   * level.
   */
  private enterCall(env: Env | null, pos: number): void {
    if (++this.callDepth > this.depthLimit) {
      this.callDepth--;
      throw this.tooDeep(env, pos);
    }
    if ((++this.calls & 4095) === 0 && this.options.interrupted?.()) {
      this.callDepth--;
      throw new NixError("Interrupted", "interrupted by the user");
    }
  }

  /** `callFunction` with one argument: a lambda's call needs no argument list. */
  callFunction1(fn: Value, arg: Lazy, env: Env | null, pos: number): Value {
    if (!(fn instanceof Lambda)) return this.callFunction(fn, [arg], env, pos);
    this.enterCall(env, pos);
    try {
      return this.callLambda(fn, arg, env, pos);
    } finally {
      this.callDepth--;
    }
  }

  callFunction(fn: Value, args: Lazy[], env: Env | null, pos: number): Value {
    this.enterCall(env, pos);
    try {
      // The common cases first: a lambda applied to one argument, a builtin to all of its own.
      if (fn instanceof Lambda && args.length === 1) return this.callLambda(fn, args[0]!, env, pos);
      if (fn instanceof PrimOp && fn.arity === args.length) {
        return this.callPrimOp(fn, args, env, pos);
      }
      let f = fn;
      let i = 0;
      while (i < args.length) {
        if (f instanceof Lambda) {
          f = this.callLambda(f, args[i++]!, env, pos);
        } else if (f instanceof PrimOp || f instanceof PrimOpApp) {
          const primOp = f instanceof PrimOp ? f : f.primOp;
          const have = f instanceof PrimOp ? [] : f.args;
          const need = primOp.arity - have.length;
          const take = args.slice(i, i + need);
          i += take.length;
          const all = have.length === 0 ? take : [...have, ...take];
          f =
            all.length < primOp.arity
              ? new PrimOpApp(primOp, all)
              : this.callPrimOp(primOp, all, env, pos);
        } else if (f instanceof Attrs && f.get("__functor") !== undefined) {
          f = this.callFunctor(f, args[i++]!, env, pos);
        } else {
          throw this.error(
            "TypeError",
            `attempt to call something which is not a function but ${showType(f)}: ${this.showValue(f)}`,
            env,
            pos,
          );
        }
      }
      return f;
    } finally {
      this.callDepth--;
    }
  }

  /**
   * A set with `__functor` applied to an argument: CppNix calls `__functor` with the set and
   * the argument, at the attribute.
   */
  private callFunctor(f: Attrs, arg: Lazy, env: Env | null, pos: number): Value {
    const p = f.position("__functor");
    try {
      const functor = this.force(f.get("__functor")!);
      return p
        ? this.callFunction(functor, [f, arg], rootEnv(p.source), p.offset)
        : this.callFunction(functor, [f, arg], null, -1);
    } catch (err) {
      const what = "while calling a functor (an attribute set with a '__functor' attribute)";
      this.addFrame(err, what, env, pos);
      throw err;
    }
  }

  /**
   * `callFunction` of a two-argument `strictArgs` builtin, its arguments evaluated here (at the
   * depth, and under the frame, where the builtin would have forced them).
   */
  private callStrict2(f: PrimOp, a: MakeLazy, b: MakeLazy, env: Env, pos: number): Value {
    this.enterCall(env, pos);
    try {
      // Forced in order, as the builtin would: the first before the second is evaluated.
      const x = this.force(a(env));
      const y = this.force(b(env));
      if (f.fast !== null) {
        const r = f.fast(x, y);
        if (r !== undefined) return r;
      }
      return f.impl([x, y], env, pos);
    } catch (e) {
      this.builtinFrame(e, f, env, pos);
      throw e;
    } finally {
      this.callDepth--;
    }
  }

  /** A builtin applied to all of its arguments; its errors get CppNix's "while calling" frame. */
  private callPrimOp(primOp: PrimOp, args: Lazy[], env: Env | null, pos: number): Value {
    try {
      return primOp.impl(args, env, pos);
    } catch (e) {
      this.builtinFrame(e, primOp, env, pos);
      throw e;
    }
  }

  /** CppNix's "while calling the 'NAME' builtin" frame, for a builtin that has it. */
  private builtinFrame(e: unknown, primOp: PrimOp, env: Env | null, pos: number): void {
    if (primOp.addTrace) this.addFrame(e, `while calling the '${primOp.name}' builtin`, env, pos);
  }

  private lambdaName(e: ExprLambda): string {
    return e.name === null ? "anonymous lambda" : e.name;
  }

  private callLambda(f: Lambda, arg: Lazy, callEnv: Env | null, callPos: number): Value {
    const e = f.expr;
    const formals = e.formals;
    if (formals === null) {
      try {
        return f.code.body([f.env as Lazy, arg] as Env);
      } catch (err) {
        throw this.callFrames(err, f, callEnv, callPos);
      }
    }
    const newEnv = new Array(formals.formals.length + (e.arg === null ? 1 : 2)) as Env;
    newEnv[0] = f.env as Lazy;
    if (e.arg !== null) newEnv[1] = arg;
    let attrs: Attrs;
    try {
      attrs = this.forceAttrs(
        arg,
        f.env,
        e.pos,
        "while evaluating the value passed for the lambda argument",
      );
    } catch (err) {
      if (err instanceof NixError) this.fromCallSite(err, callEnv, callPos);
      throw err;
    }
    let used = 0;
    const defaults = f.code.defaults;
    for (let i = 0; i < formals.formals.length; i++) {
      const formal = formals.formals[i]!;
      const l = attrs.get(formal.name);
      if (l !== undefined) {
        newEnv[formal.displ! + 1] = l;
        used++;
      } else if (defaults[i]) {
        newEnv[formal.displ! + 1] = defaults[i]!(newEnv);
      } else {
        throw this.fromCallSite(
          this.error(
            "TypeError",
            `function '${this.lambdaName(e)}' called without required argument '${formal.name}'`,
            f.env,
            e.pos,
          ),
          callEnv,
          callPos,
        );
      }
    }
    if (!formals.ellipsis && used < attrs.size) {
      const known = new Set(formals.formals.map((x) => x.name));
      for (const name of attrs.names()) {
        if (!known.has(name)) {
          throw this.fromCallSite(
            this.error(
              "TypeError",
              `function '${this.lambdaName(e)}' called with unexpected argument '${name}'`,
              f.env,
              e.pos,
            ).withSuggestions(known, name),
            callEnv,
            callPos,
          );
        }
      }
    }
    try {
      return f.code.body(newEnv);
    } catch (err) {
      throw this.callFrames(err, f, callEnv, callPos);
    }
  }

  /**
   * CppNix's "from call site" frame, where the call has a position: always shown on an error
   * about a lambda's argument, only with `--show-trace` (`print`) on one from its body.
   */
  private fromCallSite(
    err: NixError,
    callEnv: Env | null,
    callPos: number,
    print: TracePrint = "default",
  ): NixError {
    return callEnv && callPos >= 0
      ? err.addTrace("from call site", this.pos(callEnv, callPos), print)
      : err;
  }

  /**
   * The frames an error in a lambda's body gets: CppNix's "while calling 'f'" (at the lambda)
   * and "from call site", which it adds only with `--show-trace`. Returns the error.
   */
  private callFrames(err: unknown, f: Lambda, callEnv: Env | null, callPos: number): unknown {
    if (err instanceof NixError) {
      const name = f.expr.name === null ? "anonymous lambda" : `'${f.expr.name}'`;
      err.addTrace(`while calling ${name}`, this.pos(f.env, f.expr.pos), "showTrace");
      this.fromCallSite(err, callEnv, callPos, "showTrace");
    }
    return err;
  }

  // --- equality and ordering ----------------------------------------------------------------

  /**
   * CppNix's `autoCallFunction`: a function with formals (or a functor) is called with the
   * automatic arguments it accepts (`--arg`/`--argstr`; all of them if it has `...`); anything
   * else is returned as it is.
   */
  autoCall(autoArgs: ReadonlyMap<string, Lazy>, l: Lazy): Value {
    const fun = this.force(l);
    if (fun instanceof Attrs) {
      const functor = fun.get("__functor");
      if (functor !== undefined) {
        return this.autoCall(autoArgs, this.callFunction(this.force(functor), [fun], null, -1));
      }
    }
    if (!(fun instanceof Lambda) || fun.expr.formals === null) return fun;
    const formals = fun.expr.formals;
    const args = new Map<string, Lazy>();
    if (formals.ellipsis) for (const [k, v] of autoArgs) args.set(k, v);
    else {
      for (const f of formals.formals) {
        const a = autoArgs.get(f.name);
        if (a !== undefined) args.set(f.name, a);
        else if (f.default === null) {
          throw this.error(
            "EvalError",
            `cannot evaluate a function that has an argument without a value ('${f.name}')\n` +
              "Nix attempted to evaluate a function as a top level expression; in\n" +
              "this case it must have its arguments supplied either by default\n" +
              "values, or passed explicitly with '--arg' or '--argstr'. See\n" +
              "https://nix.dev/manual/nix/stable/language/syntax.html#functions.",
            fun.env,
            f.pos,
          );
        }
      }
    }
    return this.callFunction(fun, [Attrs.fromMap(args)], null, -1);
  }

  /** CppNix's `findAlongAttrPath` (`-A a.b.0`): auto-calling functions on the way. */
  findAlongAttrPath(path: string, autoArgs: ReadonlyMap<string, Lazy>, root: Lazy): Lazy {
    let v: Lazy = root;
    for (const attr of parseAttrPath(path)) {
      const cur = this.autoCall(autoArgs, v);
      const index = /^[0-9]+$/.test(attr) ? Number(attr) : undefined;
      if (index === undefined) {
        if (!(cur instanceof Attrs)) {
          throw this.error(
            "TypeError",
            `the expression selected by the selection path '${path}' should be a set but is ${showType(cur)}`,
            null,
          );
        }
        if (attr === "")
          throw this.error("EvalError", `empty attribute name in selection path '${path}'`, null);
        const next = cur.get(attr);
        if (next === undefined) {
          throw this.error(
            "EvalError",
            `attribute '${attr}' in selection path '${path}' not found`,
            null,
          ).withSuggestions(cur.names(), attr);
        }
        v = next;
      } else {
        if (!Array.isArray(cur)) {
          throw this.error(
            "TypeError",
            `the expression selected by the selection path '${path}' should be a list but is ${showType(cur)}`,
            null,
          );
        }
        if (index >= cur.length) {
          throw this.error(
            "EvalError",
            `list index ${index} in selection path '${path}' is out of range`,
            null,
          );
        }
        v = cur[index]!;
      }
    }
    return v;
  }

  /**
   * CppNix's `assertEqValues`: like `equals`, but a difference is an AssertionError that says
   * what differs (used by `assert a == b`).
   */
  assertEquals(a: Lazy, b: Lazy, env: Env, pos: number, sameSlot = false): void {
    const x = this.force(a);
    const y = this.force(b);
    if (sameSlot) return;
    const fail = (msg: string): never => {
      throw this.error("AssertionError", msg, null);
    };
    const sv = (v: Value): string => this.showValue(v);
    if (isNumber(x) && isNumber(y)) {
      if (this.equals(x, y, env, pos)) return;
      fail(
        `${showType(x)} with value '${sv(x)}' is not equal to ${showType(y)} with value '${sv(y)}'`,
      );
    }
    const tx = typeOf(x);
    if (tx !== typeOf(y)) {
      fail(`${showType(x)} of value '${sv(x)}' is not equal to ${showType(y)} of value '${sv(y)}'`);
    }
    switch (tx) {
      case "bool":
        if (x !== y) fail(`boolean '${sv(x)}' is not equal to boolean '${sv(y)}'`);
        return;
      case "string":
        if (stringOf(x as string | NixString) !== stringOf(y as string | NixString)) {
          fail(`string '${sv(x)}' is not equal to string '${sv(y)}'`);
        }
        return;
      case "path":
        if ((x as NixPath).path !== (y as NixPath).path) {
          fail(`path '${sv(x)}' is not equal to path '${sv(y)}'`);
        }
        return;
      case "null":
        return;
      case "list": {
        const p = x as Lazy[];
        const q = y as Lazy[];
        if (p.length !== q.length) {
          fail(
            `list of size '${p.length}' is not equal to list of size '${q.length}', left hand side is '${sv(x)}', right hand side is '${sv(y)}'`,
          );
        }
        for (let i = 0; i < p.length; i++) {
          const l = p[i]!;
          const r = q[i]!;
          this.withFrame(`while comparing list element ${i}`, env, pos, () =>
            this.assertEquals(l, r, env, pos, l === r && typeof l === "object" && l !== null),
          );
        }
        return;
      }
      case "set": {
        const p = x as Attrs;
        const q = y as Attrs;
        if (isDerivation(this, p) && isDerivation(this, q)) {
          this.withFrame("while comparing a derivation by its 'outPath' attribute", env, pos, () =>
            this.assertEquals(p.get("outPath")!, q.get("outPath")!, env, pos),
          );
          return;
        }
        if (p.size !== q.size) {
          fail(`attribute names of attribute set '${sv(x)}' differs from attribute set '${sv(y)}'`);
        }
        const pn = p.names();
        const qn = q.names();
        for (let i = 0; i < pn.length; i++) {
          if (pn[i] !== qn[i]) {
            if (q.get(pn[i]!) === undefined) {
              fail(`attribute name '${pn[i]}' is contained in '${sv(x)}', but not in '${sv(y)}'`);
            }
            fail(
              `attribute name '${qn[i]}' is missing in '${sv(x)}', but is contained in '${sv(y)}'`,
            );
          }
          const name = pn[i]!;
          const l = p.get(name)!;
          const r = q.get(name)!;
          try {
            this.assertEquals(l, r, env, pos, l === r && typeof l === "object" && l !== null);
          } catch (err) {
            if (err instanceof NixError) {
              const rp = q.position(name);
              if (rp) err.addTrace("where right hand side is", rp.source.pos(rp.offset));
              const lp = p.position(name);
              if (lp) err.addTrace("where left hand side is", lp.source.pos(lp.offset));
              err.addTrace(`while comparing attribute '${name}'`, this.pos(env, pos));
            }
            throw err;
          }
        }
        return;
      }
      case "lambda":
        fail(
          "distinct functions and immediate comparisons of identical functions compare as unequal",
        );
    }
  }

  /**
   * CppNix's `eqValues`. Both sides are forced; then two references to the very same slot are
   * equal (inside lists and sets, so `[f] == [f]` holds though functions are incomparable), at
   * the top of `==` there are no shared slots (`f == f` is false); derivations compare by
   * `outPath`.
   */
  equals(a: Lazy, b: Lazy, env: Env | null, pos: number, sameSlot = false): boolean {
    if (++this.callDepth > this.depthLimit) {
      this.callDepth--;
      throw this.tooDeep(env, pos);
    }
    try {
      const x = this.force(a);
      const y = this.force(b);
      if (sameSlot) return true;
      if (isNumber(x) && isNumber(y)) {
        if (x instanceof NixFloat || y instanceof NixFloat) return toNumber(x) === toNumber(y);
        // An integer is a number while it is safe, a bigint beyond: never both for one value.
        return x === y;
      }
      if (isString(x) && isString(y)) return stringOf(x) === stringOf(y);
      if (x instanceof NixPath && y instanceof NixPath) return x.path === y.path;
      if (x === null || y === null || typeof x === "boolean" || typeof y === "boolean") {
        return x === y;
      }
      if (Array.isArray(x) && Array.isArray(y)) {
        if (x.length !== y.length) return false;
        for (let i = 0; i < x.length; i++) {
          const p = x[i]!;
          const q = y[i]!;
          if (!this.equals(p, q, env, pos, p === q && typeof p === "object" && p !== null))
            return false;
        }
        return true;
      }
      if (x instanceof Attrs && y instanceof Attrs) {
        if (isDerivation(this, x) && isDerivation(this, y)) {
          return this.equals(x.get("outPath")!, y.get("outPath")!, env, pos);
        }
        if (x.size !== y.size) return false;
        for (const name of x.names()) {
          const p = x.get(name)!;
          const q = y.get(name);
          if (q === undefined) return false;
          if (!this.equals(p, q, env, pos, p === q && typeof p === "object" && p !== null))
            return false;
        }
        return true;
      }
      return false;
    } finally {
      this.callDepth--;
    }
  }
}

/**
 * `infinite recursion encountered`: forcing a thunk that is being forced. It remembers the
 * thunk, so that the force that started the cycle marks itself ("entering the infinite
 * recursion").
 */
class InfiniteRecursion extends NixError {
  constructor(
    readonly thunk: Thunk,
    pos: Pos | undefined,
  ) {
    super("InfiniteRecursionError", "infinite recursion encountered", pos);
  }
}

/**
 * The position CppNix's parser gives operand `i` of a `ConcatStrings` (tsnix's parser keeps each
 * operand's own span, not this), for messages: for `a + b`, the start of the operand with its
 * parentheses; in a string or a path, the `${` of an interpolation. (An interpolation whose
 * `${` is followed by a comment gets its expression's start.)
 */
function partPos(e: Extract<Expr, { kind: "ConcatStrings" }>, i: number, text: string): number {
  const part = e.parts[i]!;
  if (!e.forceString && e.pos !== e.start) {
    // `a + b`, where `e.pos` is the `+`.
    if (i > 0) return skipBlanks(text, e.pos + 1);
    let closing = 0;
    for (
      let k = skipBlanks(text, part.end);
      k < e.pos && text[k] === ")";
      k = skipBlanks(text, k + 1)
    )
      closing++;
    let k = part.start;
    for (; closing > 0; closing--) {
      k--;
      while (k > 0 && isBlank(text.charCodeAt(k))) k--;
      if (text[k] !== "(") return part.start;
    }
    return k;
  }
  if (part.kind === "String") return part.start;
  let k = part.start - 1;
  while (k > 0 && (isBlank(text.charCodeAt(k)) || text[k] === "(")) k--;
  return text[k] === "{" && text[k - 1] === "$" ? k - 1 : part.start;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** The offset of the first character at or after `k` that is neither white space nor comment. */
function skipBlanks(text: string, k: number): number {
  for (;;) {
    while (k < text.length && isBlank(text.charCodeAt(k))) k++;
    if (text[k] === "#") {
      while (k < text.length && text[k] !== "\n" && text[k] !== "\r") k++;
    } else if (text[k] === "/" && text[k + 1] === "*") {
      const end = text.indexOf("*/", k + 2);
      k = end < 0 ? text.length : end + 2;
    } else return k;
  }
}

/**
 * The names CppNix creates first (`StaticEvalSymbols`), in that order. Its sets are ordered by
 * symbol, not by name, and `forceValueDeep` goes through them in that order: so a derivation's
 * `outPath` is forced before its other attributes (eval-fail-derivation-name).
 */
const staticSymbols = new Map(
  [
    ...(
      "<with> outPath drvPath type meta name value system __overrides outputs outputName " +
      "__ignoreNulls file line column __functor __toString right wrong __structuredAttrs __json " +
      "allowedReferences allowedRequisites disallowedReferences disallowedRequisites maxSize " +
      "maxClosureSize builder args __contentAddressed __impure outputHash outputHashAlgo " +
      "outputHashMode recurseForDerivations description self"
    ).split(" "),
    "", // `epsilon`
    ...(
      "startSet operator key path prefix outputSpecified requiredSystemFeatures __sub " +
      "__lessThan __mul __div or __findFile __nixPath body"
    ).split(" "),
  ].map((name, i) => [name, i]),
);

/**
 * A set's names in an approximation of CppNix's symbol order: its static symbols first, then
 * the others by name (their real order is that of their first appearance anywhere).
 */
function symbolOrder(v: Attrs): readonly string[] {
  const names = v.names();
  if (!names.some((n) => staticSymbols.has(n))) return names;
  const rank = (n: string) => staticSymbols.get(n) ?? staticSymbols.size;
  return [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function isDerivationInternal(source: Source): boolean {
  return source.origin.kind === "internal" && source.origin.path === "derivation-internal.nix";
}

/**
 * CppNix's `Expr::getPos()`: a node's own position, except that a list, `!` and `?` have that
 * of their (first) operand.
 */
function exprPos(e: Expr): number {
  switch (e.kind) {
    case "List":
      return e.elems.length > 0 ? exprPos(e.elems[0]!) : -1;
    case "OpNot":
      return exprPos(e.expr);
    case "OpHasAttr":
      return exprPos(e.subject);
    default:
      return e.pos;
  }
}

function isNumber(v: Value): v is number | bigint | NixFloat {
  return typeof v === "number" || typeof v === "bigint" || v instanceof NixFloat;
}

function toNumber(v: number | bigint | NixFloat): number {
  return v instanceof NixFloat ? v.value : Number(v);
}

function isString(v: Value): v is string | NixString {
  return typeof v === "string" || v instanceof NixString;
}

function stringOf(v: string | NixString): string {
  return typeof v === "string" ? v : v.s;
}

function isDerivation(ev: Evaluator, v: Attrs): boolean {
  const type = v.get("type");
  if (type === undefined || v.get("outPath") === undefined) return false;
  const t = ev.force(type);
  return (typeof t === "string" ? t : t instanceof NixString ? t.s : "") === "derivation";
}

/** CppNix's `parseAttrPath`: `a.b."c.d".0`; an empty path has no components. */
export function parseAttrPath(s: string): string[] {
  const res: string[] = [];
  let cur = "";
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === ".") {
      res.push(cur);
      cur = "";
      any = false;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= s.length)
          throw new NixError("ParseError", `missing closing quote in selection path '${s}'`);
        if (s[i] === '"') break;
        cur += s[i++];
      }
      any = true;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any || cur !== "") res.push(cur);
  return res;
}
