/**
 * The Nix parser: CppNix's `parser.y` grammar, as a recursive-descent parser over the token
 * stream of lexer.ts, with precedence climbing for operators.
 *
 * Why hand-written rules over chevrotain's parser DSL: bison's messages name the expected tokens
 * of the LALR state where the error is detected (`unexpected ';', expecting '.' or '='`), which
 * a rule-by-rule parser can reproduce at each site but a generic LL(k) error cannot; the grammar
 * needs one unbounded look-ahead (`{ a, b ? x }:` versus `{ a = 1; }`); and every level of
 * nesting costs stack, which matters for 100,000 nested parentheses. See ARCHITECTURE.md.
 *
 * Operator precedence, weakest first (bison's declarations): `->` (right), `||`, `&&`,
 * `==` `!=` (non-associative), `<` `>` `<=` `>=` (non-associative), `//` (right), `!` (prefix),
 * `+` `-`, `*` `/`, `++` (right), `?` (non-associative), unary `-`; then application, then
 * selection. `|>` (left) and `<|` (right) sit below all of them and do not mix.
 *
 * The semantic actions are CppNix's: see ast.ts for the desugarings, `addAttr` for nested
 * attribute paths, `validateFormals` for duplicate formals, `stripIndentation` for `''…''`.
 */

import type {
  AttrName,
  AttrDef,
  Expr,
  ExprAttrs,
  ExprCall,
  ExprLambda,
  ExprString,
  Formal,
  Formals,
} from "./ast.js";
import { missingFeature, NixError } from "./errors.js";
import { SharedTexts, Tok, tokenDisplayName, tokenize, tokenOrder, type Tokens } from "./lexer.js";
import { canonPath } from "./path.js";
import { findFormal, SEARCHED_FORMALS } from "./scope.js";
import { showAttrPath } from "./printer.js";
import { showPos as showOriginPos, Source } from "./source.js";

export interface ParseOptions {
  /** Directory that relative path literals are resolved against (the file's directory). */
  basePath: string;
  /** `$HOME`, for `~/…` paths. */
  home: string;
  /** `pure-eval`: `~/…` paths are an error. */
  pure?: boolean;
  /** Experimental features that are enabled (`pipe-operators`). */
  experimentalFeatures?: ReadonlySet<string>;
  /** Receives parser warnings (the "cursed or"), already formatted as Nix prints them. */
  warn?: (message: string) => void;
  /**
   * Nix's path and URL literal lints (`lint-short-path-literals`, `lint-absolute-path-literals`,
   * `lint-url-literals`): "ignore" (default), "warn" or "fatal".
   */
  lints?: Partial<Record<Lint, LintLevel>>;
  /** Receives a positioned warning (a lint at level "warn"), to print after `warning: `. */
  warnAt?: (warning: NixError) => void;
  /**
   * The global names (lang/scope.ts's outermost scope). With them, the parser also checks, as it
   * goes, that every variable is bound (`ParseResult.variablesBound`).
   */
  globals?: ReadonlySet<string>;
}

export type Lint = "lint-short-path-literals" | "lint-absolute-path-literals" | "lint-url-literals";
export type LintLevel = "ignore" | "warn" | "fatal";

export interface ParseResult {
  expr: Expr;
  source: Source;
  /**
   * With `ParseOptions.globals`: true when every variable is bound by a construct around it or is
   * a global, so that `checkScopes` would find no undefined variable. False says only that the
   * parser could not tell: `checkScopes` decides, and reports the variable as CppNix does (the
   * first in its order, which is not the parser's).
   */
  variablesBound: boolean;
}

/** Deepest nesting of expressions accepted (each level costs a few stack frames). */
export const MAX_NESTING = 400_000;

// Bison precedence levels of binary operators.
const enum Prec {
  Impl = 1,
  Or = 2,
  And = 3,
  Eq = 4,
  Cmp = 5,
  Update = 6,
  Not = 7,
  Add = 8,
  Mul = 9,
  Concat = 10,
  HasAttr = 11,
  Negate = 12,
}

/** Binary operator precedence by token kind (0: not a binary operator), and associativity. */
const opPrec = new Uint8Array(64);
const opAssoc: ("left" | "right" | "none")[] = [];
function binaryOp(t: Tok, prec: Prec, assoc: "left" | "right" | "none"): void {
  opPrec[t] = prec;
  opAssoc[t] = assoc;
}
binaryOp(Tok.Impl, Prec.Impl, "right");
binaryOp(Tok.Or, Prec.Or, "left");
binaryOp(Tok.And, Prec.And, "left");
binaryOp(Tok.Eq, Prec.Eq, "none");
binaryOp(Tok.NEq, Prec.Eq, "none");
binaryOp(Tok.Lt, Prec.Cmp, "none");
binaryOp(Tok.Gt, Prec.Cmp, "none");
binaryOp(Tok.Leq, Prec.Cmp, "none");
binaryOp(Tok.Geq, Prec.Cmp, "none");
binaryOp(Tok.Update, Prec.Update, "right");
binaryOp(Tok.Plus, Prec.Add, "left");
binaryOp(Tok.Minus, Prec.Add, "left");
binaryOp(Tok.Star, Prec.Mul, "left");
binaryOp(Tok.Slash, Prec.Mul, "left");
binaryOp(Tok.Concat, Prec.Concat, "right");
// `%nonassoc '?'` never applies: after `a ? b` bison has no shift/reduce conflict on `?`, so
// `a ? b ? c` is `(a ? b) ? c`.
binaryOp(Tok.Question, Prec.HasAttr, "left");

/** Tokens that can start an `expr_select` (an argument of an application or a list element). */
const selectStart = new Uint8Array(64);
for (const t of [
  Tok.Id,
  Tok.Int,
  Tok.Float,
  Tok.DQuote,
  Tok.IndStringOpen,
  Tok.Path,
  Tok.HPath,
  Tok.SPath,
  Tok.Uri,
  Tok.LParen,
  Tok.Let,
  Tok.Rec,
  Tok.LCurly,
  Tok.LBracket,
]) {
  selectStart[t] = 1;
}

const noPos = -1;

/** Parses a Nix expression from a byte string. Throws a `NixError` ("ParseError" or others). */
export function parse(text: string, origin: Source["origin"], options: ParseOptions): ParseResult {
  const source = new Source(origin, text);
  const parser = new Parser(source, options);
  const expr = parser.parseTop();
  return { expr, source, variablesBound: parser.variablesBound() };
}

/**
 * CppNix's `parseReplBindings`: the REPL's `x = 1; inherit (a) b;`, one or more bindings (each
 * ending in `;`) and nothing after them, as a non-recursive attribute set. Throws a `NixError`.
 */
export function parseBindings(
  text: string,
  origin: Source["origin"],
  options: ParseOptions,
): { attrs: ExprAttrs; source: Source } {
  const source = new Source(origin, text);
  const parser = new Parser(source, options);
  return { attrs: parser.parseBindingsTop(), source };
}

class Parser {
  private readonly tokens: Tokens;
  private readonly types: Uint8Array;
  private readonly starts: Int32Array;
  private readonly count: number;
  private i = 0;
  /** Kind of the current token (`Tok.EOF` past the end). */
  private t: Tok;
  private depth = 0;
  private readonly texts: SharedTexts;
  /** Whether the text has a NUL byte anywhere: strings need checking for one only then. */
  private readonly hasNul: boolean;
  /**
   * With `ParseOptions.globals`, else null: the names of the variables parsed so far that no
   * construct around them is known to bind. Each construct that binds names (a function, a
   * `let`, a `rec` set) drops the ones it binds from those parsed inside it when it ends; a
   * `with` drops them all (they are looked up in its set); what is left at the end must be
   * globals. The same scopes as lang/scope.ts, without a second walk over the AST.
   */
  private readonly unbound: string[] | null;
  /** The names of plain `inherit x;` in the sets being parsed: they are looked up outside. */
  private readonly inherited: string[] = [];
  /** False when a `rec` set was merged into another set, and lost its scope (CppNix's way). */
  private unboundExact = true;

  constructor(
    private readonly source: Source,
    private readonly options: ParseOptions,
  ) {
    this.tokens = tokenize(source.text);
    this.texts = new SharedTexts(source.text, this.tokens.bytes);
    this.hasNul = source.text.includes("\0");
    this.types = this.tokens.types;
    this.starts = this.tokens.starts;
    this.count = this.tokens.count;
    this.t = this.typeAt(0);
    if (this.cur() === Tok.PipeFrom || this.cur() === Tok.PipeInto) this.checkPipeFeature();
    this.unbound = options.globals ? [] : null;
  }

  // --- scopes (see `unbound`) ----------------------------------------------------------------

  /** See `ParseResult.variablesBound`. */
  variablesBound(): boolean {
    const globals = this.options.globals;
    if (!globals || !this.unboundExact) return false;
    for (const name of this.unbound!) if (!globals.has(name)) return false;
    return true;
  }

  /** A variable named `name` was parsed. */
  private use(name: string): void {
    if (this.unbound !== null) this.unbound.push(name);
  }

  /** Where the variables of the construct that starts here begin in `unbound`. */
  private mark(): number {
    return this.unbound === null ? 0 : this.unbound.length;
  }

  /** Drops the variables from `mark` on that `arg` or `formals` bind (a function's). */
  private bindFormals(mark: number, arg: string | null, formals: Formals | null): void {
    const u = this.unbound;
    if (u === null || u.length === mark) return;
    const list = formals === null ? [] : formals.formals;
    // Few formals are searched; many go in a set (as lang/scope.ts does).
    const set = list.length > SEARCHED_FORMALS ? new Set(list.map((f) => f.name)) : null;
    let j = mark;
    for (let i = mark; i < u.length; i++) {
      const name = u[i]!;
      if (name === arg) continue;
      if (set !== null ? set.has(name) : findFormal(list, name) !== undefined) continue;
      u[j++] = name;
    }
    u.length = j;
  }

  /** Drops the variables from `mark` on that the static attributes of a `let` or `rec` bind. */
  private bindAttrs(mark: number, attrs: ExprAttrs): void {
    const u = this.unbound;
    if (u === null) return;
    const names = attrs.attrs;
    let j = mark;
    for (let i = mark; i < u.length; i++) if (!names.has(u[i]!)) u[j++] = u[i]!;
    u.length = j;
  }

  // --- tokens --------------------------------------------------------------------------------

  /** The current token's kind (a method, so that TypeScript does not narrow it). */
  private cur(): Tok {
    return this.t;
  }

  private typeAt(i: number): Tok {
    return i < this.count ? (this.types[i] as Tok) : Tok.EOF;
  }

  private offset(): number {
    return this.i < this.count ? this.starts[this.i]! : this.source.text.length;
  }

  /** End offset of the previous token. */
  private prevEnd(): number {
    return this.i > 0 ? this.tokens.ends[this.i - 1]! : 0;
  }

  /** Text of token `i`. */
  private image(i: number): string {
    return this.source.text.slice(this.starts[i], this.tokens.ends[i]);
  }

  /** Moves past the current token and returns its index. */
  private advance(): number {
    const i = this.i++;
    const t = (this.t = this.typeAt(this.i));
    if (t === Tok.PipeFrom || t === Tok.PipeInto) this.checkPipeFeature();
    return i;
  }

  /** Moves past the current token and returns its text. */
  private take(): string {
    return this.image(this.advance());
  }

  /** Text of token `i`, shared with its other occurrences (for names; see `SharedTexts`). */
  private name(i: number): string {
    return this.texts.get(this.starts[i]!, this.tokens.ends[i]!);
  }

  /** Moves past the current token (a name) and returns its text. */
  private takeName(): string {
    return this.name(this.advance());
  }

  private checkPipeFeature(): void {
    if (!this.options.experimentalFeatures?.has("pipe-operators")) {
      throw this.errorAt(this.offset(), missingFeature("pipe-operators"));
    }
  }

  private expect(type: Tok, ...alsoExpected: Tok[]): number {
    if (this.cur() !== type) throw this.unexpected([type, ...alsoExpected]);
    return this.advance();
  }

  private errorAt(offset: number, message: string): NixError {
    return new NixError("ParseError", message, this.source.pos(offset));
  }

  /** Bison's "syntax error, unexpected X[, expecting A or B …]" (at most four expected). */
  private unexpected(expected: Tok[] = []): NixError {
    const t = this.cur();
    let msg = `syntax error, unexpected ${tokenDisplayName[t]}`;
    const list = [...new Set(expected)].sort((a, b) => tokenOrder[a]! - tokenOrder[b]!);
    if (list.length > 0 && list.length <= 4) {
      msg += ", expecting " + list.map((e) => tokenDisplayName[e]).join(" or ");
    }
    let offset = this.offset();
    // CppNix reports an unexpected end of file at the end of the token that stood for it.
    if (t === Tok.StrEof) offset = this.tokens.ends[this.i]!;
    return this.errorAt(offset, msg);
  }

  /**
   * An approximation of CppNix's symbol order (creation order in its symbol table): names by
   * their first appearance in the source. Only needed to pick which of several duplicate
   * formals to report, so it is computed on that error path only.
   */
  /** CppNix's `diagnose`: a lint as a warning or a parse error, with the setting's name. */
  private lint(lint: Lint, offset: number, message: (fatal: boolean) => string | null): void {
    const level = this.options.lints?.[lint] ?? "ignore";
    if (level === "ignore") return;
    const text = message(level === "fatal");
    if (text === null) return;
    const err = this.errorAt(offset, `${text} (${lint})`);
    if (level === "fatal") throw err;
    this.options.warnAt?.(err);
  }

  private symbolOrder(name: string): number {
    for (let i = 0; i < this.count; i++) {
      if (this.types[i] === Tok.Id && this.image(i) === name) return i;
    }
    return this.count;
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) {
      throw this.errorAt(this.offset(), "expression nesting is too deep");
    }
  }

  // --- grammar -------------------------------------------------------------------------------

  parseTop(): Expr {
    const e = this.expr();
    if (this.cur() !== Tok.EOF) throw this.unexpected([Tok.EOF]);
    return e;
  }

  /** `binds1` up to the end of the input (see `parseBindings`). */
  parseBindingsTop(): ExprAttrs {
    const t = this.cur();
    const startsBinding =
      t === Tok.Inherit ||
      t === Tok.Id ||
      t === Tok.OrKw ||
      t === Tok.DQuote ||
      t === Tok.DollarCurly;
    if (!startsBinding) throw this.unexpected([Tok.Id, Tok.Inherit]);
    return this.binds("repl", this.offset());
  }

  private expr(): Expr {
    this.enter();
    const e = this.exprFunction();
    this.depth--;
    return e;
  }

  private exprFunction(): Expr {
    const start = this.offset();
    switch (this.cur()) {
      case Tok.Id: {
        const next = this.typeAt(this.i + 1);
        if (next === Tok.Colon) {
          const arg = this.takeName();
          this.advance();
          const mark = this.mark();
          const body = this.exprFunctionNested();
          this.bindFormals(mark, arg, null);
          return this.lambda(start, arg, null, body);
        }
        if (next === Tok.At) {
          const argTok = this.advance();
          const arg = this.name(argTok);
          this.advance();
          if (this.cur() !== Tok.LCurly) throw this.unexpected([Tok.LCurly]);
          const mark = this.mark();
          const formals = this.formalSet();
          this.expect(Tok.Colon);
          this.validateFormals(formals, start, arg);
          const body = this.exprFunctionNested();
          this.bindFormals(mark, arg, formals);
          return this.lambda(start, arg, formals, body);
        }
        break;
      }
      case Tok.LCurly: {
        if (!this.isFormalSet()) break;
        const mark = this.mark();
        const formals = this.formalSet();
        let arg: string | null = null;
        if (this.cur() === Tok.At) {
          this.advance();
          const name = this.name(this.expect(Tok.Id));
          arg = name;
          this.expect(Tok.Colon);
          this.validateFormals(formals, start, arg);
        } else {
          this.expect(Tok.Colon, Tok.At);
          this.validateFormals(formals, start, null);
        }
        const body = this.exprFunctionNested();
        this.bindFormals(mark, arg, formals);
        return this.lambda(start, arg, formals, body);
      }
      case Tok.Assert:
      case Tok.With: {
        const isAssert = this.cur() === Tok.Assert;
        this.advance();
        const first = this.expr();
        this.expect(Tok.Semi);
        const mark = this.mark();
        const body = this.exprFunctionNested();
        // Inside `with`, a name no construct binds is looked up in its set: never undefined.
        if (!isAssert && this.unbound !== null) this.unbound.length = mark;
        const end = body.end;
        if (isAssert) return { kind: "Assert", cond: first, body, start, end, pos: start };
        return { kind: "With", attrs: first, body, start, end, pos: start };
      }
      case Tok.Let: {
        if (this.typeAt(this.i + 1) === Tok.LCurly) break; // `let { … }`
        this.advance();
        const attrs = this.binds("let", start);
        this.expect(Tok.In, Tok.Inherit);
        if (attrs.dynamicAttrs !== null) {
          throw this.errorAt(start, "dynamic attributes not allowed in let");
        }
        const mark = this.mark();
        const body = this.exprFunctionNested();
        this.bindAttrs(mark, attrs);
        return { kind: "Let", attrs, body, start, end: body.end, pos: noPos };
      }
    }
    return this.exprIf();
  }

  /** A function body or the body of `assert`/`with`/`let`: counts towards the nesting limit. */
  private exprFunctionNested(): Expr {
    this.enter();
    const e = this.exprFunction();
    this.depth--;
    return e;
  }

  private lambda(
    start: number,
    arg: string | null,
    formals: Formals | null,
    body: Expr,
  ): ExprLambda {
    return { kind: "Lambda", arg, formals, body, name: null, start, end: body.end, pos: start };
  }

  /**
   * At `{`: a formal parameter set follows if the braces hold `...`, or an identifier followed
   * by `,`, `?` or `}`, or if `{ }` is followed by `:` or `@` (bison's look-ahead decides the
   * same way; `{ a }` alone is then an error expecting `:` or `@`).
   */
  private isFormalSet(): boolean {
    const t1 = this.typeAt(this.i + 1);
    if (t1 === Tok.Ellipsis) return true;
    if (t1 === Tok.RCurly) {
      const t2 = this.typeAt(this.i + 2);
      return t2 === Tok.Colon || t2 === Tok.At;
    }
    if (t1 === Tok.Id) {
      const t2 = this.typeAt(this.i + 2);
      return t2 === Tok.Comma || t2 === Tok.Question || t2 === Tok.RCurly;
    }
    return false;
  }

  private formalSet(): Formals {
    this.expect(Tok.LCurly);
    const formals: Formal[] = [];
    let ellipsis = false;
    if (this.cur() === Tok.Ellipsis) {
      this.advance();
      ellipsis = true;
      this.expect(Tok.RCurly);
      return { formals, ellipsis };
    }
    if (this.cur() === Tok.RCurly) {
      this.advance();
      return { formals, ellipsis };
    }
    for (;;) {
      const tok = this.expect(Tok.Id);
      let def: Expr | null = null;
      if (this.cur() === Tok.Question) {
        this.advance();
        def = this.expr();
      }
      formals.push({ name: this.name(tok), default: def, pos: this.starts[tok]!, displ: 0 });
      if (this.cur() === Tok.RCurly) {
        this.advance();
        break;
      }
      this.expect(Tok.Comma, Tok.RCurly);
      if (this.cur() === Tok.RCurly) {
        this.advance();
        break;
      }
      if (this.cur() === Tok.Ellipsis) {
        this.advance();
        ellipsis = true;
        this.expect(Tok.RCurly);
        break;
      }
      if (this.cur() !== Tok.Id) throw this.unexpected([Tok.Id, Tok.Ellipsis, Tok.RCurly]);
    }
    return { formals, ellipsis };
  }

  /** CppNix's `validateFormals`: the first duplicate by symbol, reported at its second use. */
  private validateFormals(formals: Formals, lambdaPos: number, arg: string | null): void {
    const seen = new Set<string>();
    let hasDuplicate = false;
    for (const f of formals.formals) {
      if (seen.has(f.name)) hasDuplicate = true;
      seen.add(f.name);
    }
    let dup: { id: number; f: Formal } | undefined;
    if (hasDuplicate) {
      const sorted = formals.formals
        .map((f) => ({ id: this.symbolOrder(f.name), f }))
        .sort((a, b) => a.id - b.id || a.f.pos - b.f.pos);
      for (let i = 0; i + 1 < sorted.length; i++) {
        if (sorted[i]!.f.name !== sorted[i + 1]!.f.name) continue;
        const candidate = sorted[i + 1]!;
        if (
          !dup ||
          candidate.id < dup.id ||
          (candidate.id === dup.id && candidate.f.pos < dup.f.pos)
        ) {
          dup = candidate;
        }
      }
    }
    if (dup) {
      throw this.errorAt(dup.f.pos, `duplicate formal function argument '${dup.f.name}'`);
    }
    if (arg !== null && seen.has(arg)) {
      throw this.errorAt(lambdaPos, `duplicate formal function argument '${arg}'`);
    }
  }

  private exprIf(): Expr {
    if (this.cur() === Tok.If) {
      const start = this.offset();
      this.advance();
      const cond = this.expr();
      this.expect(Tok.Then);
      const then = this.expr();
      this.expect(Tok.Else);
      const els = this.expr();
      return { kind: "If", cond, then, else: els, start, end: els.end, pos: start };
    }
    return this.exprPipe();
  }

  /** `a |> f |> g` (left) and `f <| g <| a` (right); the two do not mix. */
  private exprPipe(): Expr {
    const first = this.exprOp(0);
    if (this.cur() === Tok.PipeInto) {
      let acc = first;
      while (this.cur() === Tok.PipeInto) {
        const opPos = this.offset();
        this.advance();
        const fn = this.exprOp(0);
        acc = this.makeCall(opPos, fn, acc, acc.start, fn.end);
      }
      return acc;
    }
    if (this.cur() === Tok.PipeFrom) {
      const opPos = this.offset();
      this.advance();
      this.enter();
      const arg = this.cur() === Tok.If ? this.exprIf() : this.exprPipeFromRhs();
      this.depth--;
      return this.makeCall(opPos, first, arg, first.start, arg.end);
    }
    return first;
  }

  private exprPipeFromRhs(): Expr {
    const e = this.exprOp(0);
    if (this.cur() === Tok.PipeFrom) {
      const opPos = this.offset();
      this.advance();
      this.enter();
      const arg = this.exprPipeFromRhs();
      this.depth--;
      return this.makeCall(opPos, e, arg, e.start, arg.end);
    }
    return e;
  }

  /** Precedence climbing over `expr_op`: operators binding tighter than `minPrec`. */
  private exprOp(minPrec: number): Expr {
    this.enter();
    let left = this.exprUnary();
    let lastNonAssoc = -1;
    for (;;) {
      const t = this.cur();
      const prec = opPrec[t]!;
      if (prec === 0 || prec < minPrec) break;
      const assoc = opAssoc[t]!;
      if (assoc === "none" && prec === lastNonAssoc) throw this.unexpected();
      const opTok = this.advance();
      const opType = this.types[opTok] as Tok;
      const opPos = this.starts[opTok]!;
      if (opType === Tok.Question) {
        const path = this.attrPath();
        left = {
          kind: "OpHasAttr",
          subject: left,
          path,
          start: left.start,
          end: this.prevEnd(),
          pos: noPos,
        };
      } else {
        const right = this.exprOp(assoc === "right" ? prec : prec + 1);
        left = this.binary(opType, opPos, left, right);
      }
      lastNonAssoc = assoc === "none" ? prec : -1;
    }
    this.depth--;
    return left;
  }

  private exprUnary(): Expr {
    const start = this.offset();
    if (this.cur() === Tok.Bang) {
      this.advance();
      const e = this.exprOp(Prec.Not + 1);
      return { kind: "OpNot", expr: e, start, end: e.end, pos: noPos };
    }
    if (this.cur() === Tok.Minus) {
      this.advance();
      this.enter();
      const e = this.exprUnary();
      this.depth--;
      const zero: Expr = { kind: "Int", value: 0, start, end: start, pos: noPos };
      return this.call(start, this.builtinVar("__sub"), [zero, e], start, e.end);
    }
    return this.exprApp();
  }

  private binary(op: Tok, opPos: number, l: Expr, r: Expr): Expr {
    const start = l.start;
    const end = r.end;
    const not = (e: Expr): Expr => ({ kind: "OpNot", expr: e, start, end, pos: noPos });
    switch (op) {
      case Tok.Plus:
        return { kind: "ConcatStrings", forceString: false, parts: [l, r], start, end, pos: opPos };
      case Tok.Minus:
        return this.call(opPos, this.builtinVar("__sub"), [l, r], start, end);
      case Tok.Star:
        return this.call(opPos, this.builtinVar("__mul"), [l, r], start, end);
      case Tok.Slash:
        return this.call(opPos, this.builtinVar("__div"), [l, r], start, end);
      case Tok.Lt:
        return this.call(opPos, this.builtinVar("__lessThan"), [l, r], start, end);
      case Tok.Gt:
        return this.call(opPos, this.builtinVar("__lessThan"), [r, l], start, end);
      case Tok.Leq:
        return not(this.call(opPos, this.builtinVar("__lessThan"), [r, l], start, end));
      case Tok.Geq:
        return not(this.call(opPos, this.builtinVar("__lessThan"), [l, r], start, end));
    }
    const binOp =
      op === Tok.Eq
        ? "=="
        : op === Tok.NEq
          ? "!="
          : op === Tok.And
            ? "&&"
            : op === Tok.Or
              ? "||"
              : op === Tok.Impl
                ? "->"
                : op === Tok.Update
                  ? "//"
                  : "++";
    return { kind: "BinOp", op: binOp, left: l, right: r, start, end, pos: opPos };
  }

  private builtinVar(name: string): Expr {
    this.use(name);
    return {
      kind: "Var",
      name,
      start: -1,
      end: -1,
      pos: noPos,
      level: 0,
      displ: 0,
      withLevels: null,
    };
  }

  private call(pos: number, fn: Expr, args: Expr[], start: number, end: number): ExprCall {
    return { kind: "Call", fn, args, cursedOrEnd: -1, start, end, pos };
  }

  /** CppNix's `makeCall`: applying a call appends to its arguments. */
  private makeCall(pos: number, fn: Expr, arg: Expr, start: number, end: number): Expr {
    if (fn.kind === "Call") {
      fn.args.push(arg);
      fn.end = end;
      return fn;
    }
    return this.call(pos, fn, [arg], start, end);
  }

  private exprApp(): Expr {
    const start = this.offset();
    const fn = this.exprSelect();
    if (fn.kind === "Call") fn.cursedOrEnd = -1;
    if (selectStart[this.cur()] !== 1) return fn;
    const args: Expr[] = [];
    do {
      const arg = this.exprSelect();
      this.warnIfCursedOr(arg);
      args.push(arg);
    } while (selectStart[this.cur()] === 1);
    const end = args[args.length - 1]!.end;
    // CppNix's `makeCall`: applying a call appends to its arguments.
    if (fn.kind === "Call") return this.call(fn.pos, fn.fn, fn.args.concat(args), fn.start, end);
    return this.call(start, fn, exact(args), start, end);
  }

  private warnIfCursedOr(e: Expr): void {
    if (e.kind !== "Call" || e.cursedOrEnd < 0 || !this.options.warn) return;
    const from = this.source.pos(e.pos);
    const snippet = this.source.text.slice(e.pos, e.cursedOrEnd);
    this.options.warn(
      `at ${showOriginPos(from)}: This expression uses \`or\` as an identifier in a way that will change in a future Nix release.\n` +
        `Wrap this entire expression in parentheses to preserve its current meaning:\n` +
        `    (${snippet})\n` +
        `Give feedback at https://github.com/NixOS/nix/pull/11121`,
    );
  }

  private exprSelect(): Expr {
    const start = this.offset();
    const subject = this.exprSimple();
    if (this.cur() === Tok.Dot) {
      this.advance();
      const path = this.attrPath();
      let def: Expr | null = null;
      if (this.cur() === Tok.OrKw) {
        this.advance();
        this.enter();
        def = this.exprSelect();
        this.depth--;
        this.warnIfCursedOr(def);
      }
      return {
        kind: "Select",
        subject,
        path,
        default: def,
        start,
        end: def ? def.end : this.prevEnd(),
        pos: start,
      };
    }
    if (this.cur() === Tok.OrKw) {
      // `f or`: for compatibility, `or` is a variable here (a "cursed or").
      this.advance();
      const end = this.prevEnd();
      this.use("or");
      const orVar: Expr = {
        kind: "Var",
        name: "or",
        start: end - 2,
        end,
        pos: start,
        level: 0,
        displ: 0,
        withLevels: null,
      };
      const c = this.call(start, subject, [orVar], start, end);
      c.cursedOrEnd = end;
      return c;
    }
    return subject;
  }

  private exprSimple(): Expr {
    const start = this.offset();
    switch (this.cur()) {
      case Tok.Id: {
        const name = this.takeName();
        const end = this.prevEnd();
        if (name === "__curPos") return { kind: "Pos", start, end, pos: start };
        this.use(name);
        return { kind: "Var", name, start, end, pos: start, level: 0, displ: 0, withLevels: null };
      }
      case Tok.Int:
        return this.intLiteral();
      case Tok.Float:
        return this.floatLiteral();
      case Tok.DQuote:
        return this.string();
      case Tok.IndStringOpen:
        return this.indString();
      case Tok.Path:
      case Tok.HPath:
        return this.path();
      case Tok.SPath: {
        const image = this.take();
        const end = this.prevEnd();
        const name: ExprString = {
          kind: "String",
          value: image.slice(1, -1),
          start,
          end,
          pos: noPos,
        };
        return this.call(
          start,
          this.builtinVar("__findFile"),
          [this.builtinVar("__nixPath"), name],
          start,
          end,
        );
      }
      case Tok.Uri: {
        const value = this.take();
        this.lint(
          "lint-url-literals",
          start,
          (fatal) =>
            `URL literals are ${fatal ? "disallowed" : "discouraged"}. Consider using a string literal "${value}" instead`,
        );
        return { kind: "String", value, start, end: this.prevEnd(), pos: noPos };
      }
      case Tok.LParen: {
        this.advance();
        const e = this.expr();
        this.expect(Tok.RParen);
        return e;
      }
      case Tok.Let:
      case Tok.Rec: {
        const isLet = this.cur() === Tok.Let;
        this.advance();
        this.expect(Tok.LCurly);
        const attrs = this.binds("rec", start);
        this.expect(Tok.RCurly, Tok.Inherit);
        attrs.recursive = true;
        attrs.start = start;
        attrs.end = this.prevEnd();
        attrs.pos = start;
        if (!isLet) return attrs;
        return {
          kind: "Select",
          subject: attrs,
          path: ["body"],
          default: null,
          start,
          end: attrs.end,
          pos: start,
        };
      }
      case Tok.LCurly: {
        this.advance();
        if (this.cur() === Tok.RCurly) {
          this.advance();
          return this.newAttrs(start, this.prevEnd(), start);
        }
        const attrs = this.binds("attrs", start);
        if (attrs.attrs.size === 0 && attrs.dynamicAttrs === null) {
          // `binds1` needs at least one binding: bison expects `inherit` here.
          throw this.unexpected([Tok.Inherit]);
        }
        this.expect(Tok.RCurly);
        attrs.start = start;
        attrs.end = this.prevEnd();
        attrs.pos = start;
        return attrs;
      }
      case Tok.LBracket: {
        this.advance();
        const elems: Expr[] = [];
        this.enter();
        while (selectStart[this.cur()] === 1) {
          const e = this.exprSelect();
          this.warnIfCursedOr(e);
          elems.push(e);
        }
        this.depth--;
        // Bison expects `]` or any start of an element here: too many to name.
        if (this.cur() !== Tok.RBracket) throw this.unexpected();
        this.advance();
        return { kind: "List", elems: exact(elems), start, end: this.prevEnd(), pos: noPos };
      }
    }
    throw this.unexpected();
  }

  private intLiteral(): Expr {
    const start = this.offset();
    const image = this.take();
    const end = this.prevEnd();
    const n = Number(image);
    if (Number.isSafeInteger(n)) return { kind: "Int", value: n, start, end, pos: noPos };
    const big = BigInt(image);
    if (big > 0x7fffffffffffffffn) throw this.errorAt(start, `invalid integer '${image}'`);
    return { kind: "Int", value: big, start, end, pos: noPos };
  }

  private floatLiteral(): Expr {
    const start = this.offset();
    const image = this.take();
    const value = Number(image);
    // strtod's ERANGE: overflow, or underflow to zero or a subnormal number.
    const mantissaNonZero = /[1-9]/.test(image.replace(/[eE].*$/, ""));
    if (!Number.isFinite(value) || (mantissaNonZero && Math.abs(value) < 2.2250738585072014e-308)) {
      throw this.errorAt(start, `invalid float '${image}'`);
    }
    return { kind: "Float", value, start, end: this.prevEnd(), pos: noPos };
  }

  // --- strings -------------------------------------------------------------------------------

  /** `"…"`: one string, or a `ConcatStrings` of its parts when it interpolates. */
  private string(): Expr {
    const start = this.offset();
    this.advance();
    const partsStart = this.offset();
    let firstTok = -1;
    let value = "";
    if (this.cur() === Tok.Str) {
      firstTok = this.advance();
      value = unescapeStr(this.name(firstTok));
      this.checkNul(value, this.starts[firstTok]!);
    }
    if (this.cur() !== Tok.DollarCurly) {
      // Without interpolation (the common case): one string, and no node for its part.
      this.expect(Tok.DQuote);
      return { kind: "String", value, start, end: this.prevEnd(), pos: noPos };
    }
    const parts: Expr[] = [];
    if (firstTok !== -1) {
      const end = this.tokens.ends[firstTok]!;
      parts.push({ kind: "String", value, start: this.starts[firstTok]!, end, pos: noPos });
    }
    for (;;) {
      if (this.cur() === Tok.Str) {
        const tok = this.advance();
        parts.push(this.stringNode(unescapeStr(this.name(tok)), this.starts[tok]!, this.prevEnd()));
      } else if (this.cur() === Tok.DollarCurly) {
        parts.push(this.interpolation());
      } else break;
    }
    this.expect(Tok.DQuote);
    const end = this.prevEnd();
    return {
      kind: "ConcatStrings",
      forceString: true,
      parts: exact(parts),
      start,
      end,
      pos: partsStart,
    };
  }

  private stringNode(value: string, start: number, end: number): ExprString {
    this.checkNul(value, start);
    return { kind: "String", value, start, end, pos: noPos };
  }

  /** CppNix's check of a string part: it must not hold a NUL byte. */
  private checkNul(value: string, start: number): void {
    if (this.hasNul && value.includes("\0")) {
      throw new NixError(
        "EvalError",
        `input string '${value.replaceAll("\0", "\xe2\x90\x80")}' cannot be represented as Nix string because it contains null bytes`,
        this.source.pos(start),
      );
    }
  }

  /** `${ expr }` */
  private interpolation(): Expr {
    this.advance();
    const e = this.expr();
    this.expect(Tok.RCurly);
    return e;
  }

  /** `''…''`, with CppNix's indentation stripping. */
  private indString(): Expr {
    const start = this.offset();
    this.advance();
    // Text and escape tokens by their index; interpolations as expressions.
    const parts: (number | Expr)[] = [];
    for (;;) {
      if (this.cur() === Tok.IndStr) {
        const tok = this.advance();
        if (this.hasNul) this.checkNul(this.image(tok), this.starts[tok]!);
        parts.push(tok);
      } else if (this.cur() === Tok.IndStrEscape) {
        parts.push(this.advance());
      } else if (this.cur() === Tok.DollarCurly) {
        parts.push(this.interpolation());
      } else break;
    }
    this.expect(Tok.IndStringClose, Tok.IndStr, Tok.DollarCurly);
    const end = this.prevEnd();
    return this.stripIndentation(start, end, parts);
  }

  /** The text an escape token of `''…''` stands for. */
  private indEscape(tok: number): string {
    const image = this.image(tok);
    if (image === "'''") return "''";
    if (image === "''$" || image === "$") return "$";
    if (image === "'") return "'";
    return unescapeStr(image.slice(2));
  }

  /**
   * CppNix's `stripIndentation`: remove the smallest indentation of the lines that have text
   * (escapes and interpolations count as text; whitespace-only lines do not), and drop a last
   * line of only spaces. Only raw text (`IndStr` tokens) is stripped; escapes are kept as they
   * are.
   */
  private stripIndentation(start: number, end: number, parts: (number | Expr)[]): Expr {
    const emptyString = (): ExprString => ({ kind: "String", value: "", start, end, pos: noPos });
    if (parts.length === 0) return emptyString();
    const bytes = this.tokens.bytes;

    // Read in the source's bytes: no slice of the text to make for each part.
    let atStartOfLine = true;
    let minIndent = 1000000;
    let curIndent = 0;
    for (let i = 0; i < parts.length && minIndent > 0; i++) {
      const p = parts[i]!;
      if (typeof p !== "number" || this.types[p] !== Tok.IndStr) {
        if (atStartOfLine) {
          atStartOfLine = false;
          if (curIndent < minIndent) minIndent = curIndent;
        }
        continue;
      }
      const partEnd = this.tokens.ends[p]!;
      for (let j = this.starts[p]!; j < partEnd;) {
        if (atStartOfLine) {
          const c = bytes[j++];
          if (c === 32) curIndent++;
          else if (c === 10) curIndent = 0;
          else {
            atStartOfLine = false;
            if (curIndent < minIndent) minIndent = curIndent;
          }
        } else {
          while (j < partEnd && bytes[j] !== 10) j++;
          if (j === partEnd) break;
          atStartOfLine = true;
          curIndent = 0;
          j++;
        }
      }
    }

    const out: Expr[] = [];
    atStartOfLine = true;
    let curDropped = 0;
    let n = parts.length;
    for (const p of parts) {
      if (typeof p !== "number") {
        atStartOfLine = false;
        curDropped = 0;
        out.push(p);
      } else {
        // Copy the text, leaving out up to `minIndent` spaces at the start of each line.
        const s = this.types[p] === Tok.IndStr ? this.image(p) : this.indEscape(p);
        let s2 = "";
        let keepFrom = 0;
        for (let j = 0; j < s.length;) {
          if (atStartOfLine) {
            const c = s.charCodeAt(j);
            if (c === 32) {
              if (curDropped++ < minIndent) {
                if (keepFrom < j) s2 += s.slice(keepFrom, j);
                keepFrom = j + 1;
              }
            } else {
              curDropped = 0;
              if (c !== 10) atStartOfLine = false;
            }
            j++;
          } else {
            const nl = s.indexOf("\n", j);
            if (nl === -1) break;
            atStartOfLine = true;
            j = nl + 1;
          }
        }
        s2 = keepFrom === 0 ? s : s2 + s.slice(keepFrom);
        if (n === 1) {
          // Remove the last line if it is empty and consists only of spaces.
          const nl = s2.lastIndexOf("\n");
          if (nl !== -1 && onlySpacesFrom(s2, nl + 1)) s2 = s2.slice(0, nl + 1);
        }
        if (s2 !== "") {
          const partEnd = this.tokens.ends[p]!;
          out.push({ kind: "String", value: s2, start: this.starts[p]!, end: partEnd, pos: noPos });
        }
      }
      n--;
    }
    if (out.length === 0) return emptyString();
    if (out.length === 1 && out[0]!.kind === "String") return out[0]!;
    return { kind: "ConcatStrings", forceString: true, parts: exact(out), start, end, pos: start };
  }

  // --- paths ---------------------------------------------------------------------------------

  private path(): Expr {
    const start = this.offset();
    const isHome = this.cur() === Tok.HPath;
    const image = this.take();
    if (isHome) {
      this.lint(
        "lint-absolute-path-literals",
        start,
        () =>
          `home path literals are not portable. Consider replacing path literal '${image}' by a string, relative path, or parameter`,
      );
    } else if (image.startsWith("/")) {
      this.lint(
        "lint-absolute-path-literals",
        start,
        () =>
          `absolute path literals are not portable. Consider replacing path literal '${image}' by a string, relative path, or parameter`,
      );
    } else {
      this.lint("lint-short-path-literals", start, () =>
        image.startsWith(".")
          ? null
          : `relative path literal '${image}' should be prefixed with '.' for clarity: './${image}'`,
      );
    }
    let value: string;
    if (isHome) {
      if (this.options.pure) {
        throw new NixError(
          "EvalError",
          `the path '${image}' can not be resolved in pure mode`,
          this.source.pos(start),
        );
      }
      value = this.options.home + image.slice(1);
    } else {
      value = image.startsWith("/") ? canonPath(image) : canonPath(image, this.options.basePath);
      if (image.length > 1 && image.endsWith("/")) value += "/";
    }
    const pathNode: Expr = { kind: "Path", value, start, end: this.prevEnd(), pos: noPos };
    const parts: Expr[] = [pathNode];
    // The lexer's INPATH_SLASH state: after a part ending in `/`, only `${` or more path
    // characters may follow.
    let prevSlash = image.endsWith("/");
    let prevStart = start;
    // `path_start STR` must go on with `${` (bison's `STR DOLLAR_CURLY expr '}'`).
    let needInterpolation = false;
    for (;;) {
      const t = this.cur();
      if (prevSlash && t !== Tok.DollarCurly && t !== Tok.PathStr) {
        // CppNix reports the character after the slash; at the end of the input, where flex's
        // EOF rule leaves the location alone, the start of the path part itself.
        const atEnd = this.offset() === this.source.text.length;
        throw this.errorAt(atEnd ? prevStart : this.offset(), "path has a trailing slash");
      }
      if (needInterpolation && t !== Tok.DollarCurly) {
        const err = this.unexpected([Tok.DollarCurly]);
        if (t !== Tok.PathEnd && t !== Tok.EOF) throw err;
        // PATH_END carries the location of the token before it (flex's `unstash`).
        throw new NixError(
          "ParseError",
          err.message.replace("end of file", "end of path"),
          this.source.pos(prevStart),
        );
      }
      if (t === Tok.DollarCurly) {
        parts.push(this.interpolation());
        prevSlash = false;
        needInterpolation = false;
      } else if (t === Tok.PathStr) {
        needInterpolation = parts.length === 1;
        prevStart = this.offset();
        const tok = this.advance();
        parts.push(this.stringNode(this.image(tok), this.starts[tok]!, this.prevEnd()));
        prevSlash = this.image(tok).endsWith("/");
      } else break;
    }
    const end = this.prevEnd();
    if (this.cur() === Tok.PathEnd) this.advance();
    else if (this.cur() !== Tok.EOF) throw this.unexpected([Tok.PathEnd]);
    if (parts.length === 1) return pathNode;
    return {
      kind: "ConcatStrings",
      forceString: false,
      parts: exact(parts),
      start,
      end,
      pos: start,
    };
  }

  // --- attribute sets ------------------------------------------------------------------------

  private newAttrs(start: number, end: number, pos: number): ExprAttrs {
    return {
      kind: "Attrs",
      recursive: false,
      attrs: new Map(),
      dynamicAttrs: null,
      inheritFromExprs: null,
      start,
      end,
      pos,
    };
  }

  /**
   * Bindings up to `}`, `in` or (the REPL's) the end of the input. `context` only chooses the
   * expected tokens bison names when the next token starts no binding: after a `let`'s bindings,
   * `in` or `inherit`; in `{ … }`, `inherit`; in `rec { … }` and `let { … }`, `inherit` or `}`.
   */
  private binds(context: "let" | "attrs" | "rec" | "repl", start: number): ExprAttrs {
    const attrs = this.newAttrs(start, start, noPos);
    const mark = this.mark();
    const inheritedMark = this.inherited.length;
    for (;;) {
      const t = this.cur();
      if ((t === Tok.Id || t === Tok.OrKw) && this.typeAt(this.i + 1) === Tok.Assign) {
        // `name = value;`, the common case: no attribute path to build.
        const pos = this.offset();
        const name = this.takeName();
        this.advance();
        const value = this.expr();
        this.expect(Tok.Semi);
        this.addAttrDef(attrs, null, name, { kind: "plain", value, pos, displ: 0 });
      } else if (t === Tok.Inherit) {
        this.inherit(attrs);
      } else if (t === Tok.Id || t === Tok.OrKw || t === Tok.DQuote || t === Tok.DollarCurly) {
        const pathStart = this.offset();
        const path = this.attrPath();
        this.expect(Tok.Assign, Tok.Dot);
        const value = this.expr();
        this.expect(Tok.Semi);
        this.addAttr(attrs, path, pathStart, value);
      } else break;
    }
    const t = this.cur();
    if (context === "let" && t !== Tok.In) throw this.unexpected([Tok.In, Tok.Inherit]);
    if (context === "rec" && t !== Tok.RCurly) throw this.unexpected([Tok.Inherit, Tok.RCurly]);
    if (context === "attrs" && t !== Tok.RCurly) throw this.unexpected([Tok.Inherit]);
    if (context === "repl" && t !== Tok.EOF) throw this.unexpected([Tok.EOF, Tok.Inherit]);
    if (this.unbound !== null) {
      if (context === "let" || context === "rec") this.bindAttrs(mark, attrs);
      // `inherit x;` looks `x` up around the set, even a `rec` one.
      for (let i = inheritedMark; i < this.inherited.length; i++) this.use(this.inherited[i]!);
      this.inherited.length = inheritedMark;
    }
    return attrs;
  }

  private inherit(attrs: ExprAttrs): void {
    this.advance();
    let from: Expr | null = null;
    if (this.cur() === Tok.LParen) {
      this.advance();
      from = this.expr();
      this.expect(Tok.RParen);
    }
    const names: { name: string; pos: number; end: number }[] = [];
    for (;;) {
      const pos = this.offset();
      if (this.cur() === Tok.Id || this.cur() === Tok.OrKw) {
        const name = this.takeName();
        names.push({ name, pos, end: this.prevEnd() });
      } else if (this.cur() === Tok.DQuote || this.cur() === Tok.DollarCurly) {
        const e = this.stringAttr();
        if (typeof e !== "string")
          throw this.errorAt(pos, "dynamic attributes not allowed in inherit");
        names.push({ name: e, pos, end: this.prevEnd() });
      } else break;
    }
    // Bison expects five tokens here (a name, a string, `${`, `or`, `;`), so it names none.
    if (this.cur() !== Tok.Semi) throw this.unexpected();
    this.advance();
    let fromIndex = -1;
    if (from) {
      attrs.inheritFromExprs ??= [];
      attrs.inheritFromExprs.push(from);
      fromIndex = attrs.inheritFromExprs.length - 1;
    }
    for (const { name, pos, end } of names) {
      const existing = attrs.attrs.get(name);
      if (existing) this.dupAttr(name, pos, existing.pos);
      if (from) {
        const subject: Expr = {
          kind: "InheritFrom",
          displacement: fromIndex,
          start: from.start,
          end: from.end,
          pos: from.start,
        };
        attrs.attrs.set(name, {
          kind: "inheritedFrom",
          value: { kind: "Select", subject, path: [name], default: null, start: pos, end, pos },
          pos,
          displ: 0,
        });
      } else {
        if (this.unbound !== null) this.inherited.push(name);
        attrs.attrs.set(name, {
          kind: "inherited",
          value: { kind: "Var", name, start: pos, end, pos, level: 0, displ: 0, withLevels: null },
          pos,
          displ: 0,
        });
      }
    }
  }

  /** `a.b."c".${d}`: at least one name. */
  private attrPath(): AttrName[] {
    const path: AttrName[] = [this.attrName()];
    if (this.cur() !== Tok.Dot) return path;
    while (this.cur() === Tok.Dot) {
      this.advance();
      path.push(this.attrName());
    }
    return exact(path);
  }

  private attrName(): AttrName {
    if (this.cur() === Tok.Id || this.cur() === Tok.OrKw) return this.takeName();
    if (this.cur() === Tok.DQuote || this.cur() === Tok.DollarCurly) return this.stringAttr();
    throw this.unexpected([Tok.Id, Tok.OrKw, Tok.DollarCurly, Tok.DQuote]);
  }

  /** `"…"` or `${e}` as an attribute name: static when it is a plain string. */
  private stringAttr(): AttrName {
    const e = this.cur() === Tok.DQuote ? this.string() : this.interpolation();
    if (e.kind === "String") {
      return e.value;
    }
    return e;
  }

  private dupAttr(path: string, pos: number, prevPos: number): never {
    const prev = this.source.pos(prevPos);
    throw this.errorAt(pos, `attribute '${path}' already defined at ${showOriginPos(prev)}`);
  }

  /** CppNix's `addAttr`: nested attribute paths, merged with literal sets. */
  private addAttr(attrs: ExprAttrs, path: AttrName[], pos: number, value: Expr): void {
    let cur = attrs;
    for (let i = 0; i + 1 < path.length; i++) {
      const name = path[i]!;
      let nested: ExprAttrs;
      if (typeof name === "string") {
        const existing = cur.attrs.get(name);
        if (existing) {
          if (existing.value.kind !== "Attrs") {
            this.dupAttr(showAttrPath(path.slice(0, i + 1)), pos, existing.pos);
          }
          nested = existing.value;
        } else {
          nested = this.newAttrs(pos, value.end, noPos);
          cur.attrs.set(name, { kind: "plain", value: nested, pos, displ: 0 });
        }
      } else {
        nested = this.newAttrs(pos, value.end, noPos);
        (cur.dynamicAttrs ??= []).push({ name, value: nested, pos });
      }
      cur = nested;
    }
    const last = path[path.length - 1]!;
    if (typeof last === "string") {
      this.addAttrDef(cur, path, last, { kind: "plain", value, pos, displ: 0 });
    } else {
      (cur.dynamicAttrs ??= []).push({ name: last, value, pos });
    }
  }

  /** Adds `name` to `attrs`; `path` is its attribute path, for messages (null: just `name`). */
  private addAttrDef(attrs: ExprAttrs, path: AttrName[] | null, name: string, def: AttrDef): void {
    const existing = attrs.attrs.get(name);
    if (!existing) {
      attrs.attrs.set(name, def);
      setName(def.value, name);
      return;
    }
    const ae = def.value;
    const jAttrs = existing.value;
    if (ae.kind !== "Attrs" || jAttrs.kind !== "Attrs") {
      this.dupAttr(showAttrPath(path ?? [name]), def.pos, existing.pos);
    }
    // Merge `x = { … }; x = { … };` (and `x.y = …; x = { … };`), as CppNix does. A `rec` set
    // merged in loses its scope: its variables were checked against names it no longer binds.
    if (ae.recursive) this.unboundExact = false;
    if (ae.inheritFromExprs && !jAttrs.inheritFromExprs) jAttrs.inheritFromExprs = [];
    const shift = jAttrs.inheritFromExprs?.length ?? 0;
    for (const [childName, childDef] of ae.attrs) {
      if (childDef.kind === "inheritedFrom" && childDef.value.kind === "Select") {
        const from = childDef.value.subject;
        if (from.kind === "InheritFrom") from.displacement += shift;
      }
      this.addAttrDef(jAttrs, [...(path ?? [name]), childName], childName, childDef);
    }
    ae.attrs.clear();
    if (ae.dynamicAttrs) {
      (jAttrs.dynamicAttrs ??= []).push(...ae.dynamicAttrs);
      ae.dynamicAttrs = null;
    }
    if (ae.inheritFromExprs) {
      jAttrs.inheritFromExprs!.push(...ae.inheritFromExprs);
      ae.inheritFromExprs = null;
    }
  }
}

/**
 * An array of just `items`: one grown by `push` keeps spare room (17 slots after the first push),
 * which for the AST's many short lists was a tenth of its memory.
 */
function exact<T>(items: T[]): T[] {
  // Short ones (most: arguments, attribute paths, string parts) as array literals: V8 learns
  // that what a literal site allocates lives on and allocates it in the old generation
  // directly, where the young-generation collections do not copy it again and again.
  switch (items.length) {
    case 1:
      return [items[0]!];
    case 2:
      return [items[0]!, items[1]!];
    case 3:
      return [items[0]!, items[1]!, items[2]!];
    default:
      return items.slice();
  }
}

/** CppNix's `setName`: a function bound to an attribute takes its name (as do curried ones). */
function setName(e: Expr, name: string): void {
  while (e.kind === "Lambda") {
    e.name = name;
    e = e.body;
  }
}

/** CppNix's `unescapeStr`: `\n`, `\r`, `\t`, `\x` → x; CR and CR LF become LF. */
export function unescapeStr(s: string): string {
  if (!s.includes("\\") && !s.includes("\r")) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    let c = s[i]!;
    if (c === "\\") {
      c = s[++i] ?? "";
      out += c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c;
    } else if (c === "\r") {
      out += "\n";
      if (s[i + 1] === "\n") i++;
    } else out += c;
  }
  return out;
}

function onlySpacesFrom(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) if (s.charCodeAt(i) !== 32) return false;
  return true;
}
