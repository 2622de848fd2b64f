/**
 * The Nix parser: CppNix's `parser.y` grammar, as a recursive-descent parser over the chevrotain
 * token stream, with precedence climbing for operators.
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

import type { IToken, TokenType } from "chevrotain";
import type {
  AttrName,
  Expr,
  ExprAttrs,
  ExprCall,
  ExprConcatStrings,
  ExprLambda,
  ExprString,
  Formal,
  Formals,
} from "./ast.js";
import { NixError } from "./errors.js";
import * as T from "./lexer.js";
import { canonPath } from "./path.js";
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
}

export interface ParseResult {
  expr: Expr;
  source: Source;
}

/** Deepest nesting of expressions accepted (each level costs a few stack frames). */
export const MAX_NESTING = 120_000;

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

interface OpInfo {
  prec: Prec;
  assoc: "left" | "right" | "none";
}

const binaryOps = new Map<TokenType, OpInfo>([
  [T.Impl, { prec: Prec.Impl, assoc: "right" }],
  [T.Or, { prec: Prec.Or, assoc: "left" }],
  [T.And, { prec: Prec.And, assoc: "left" }],
  [T.Eq, { prec: Prec.Eq, assoc: "none" }],
  [T.NEq, { prec: Prec.Eq, assoc: "none" }],
  [T.Lt, { prec: Prec.Cmp, assoc: "none" }],
  [T.Gt, { prec: Prec.Cmp, assoc: "none" }],
  [T.Leq, { prec: Prec.Cmp, assoc: "none" }],
  [T.Geq, { prec: Prec.Cmp, assoc: "none" }],
  [T.Update, { prec: Prec.Update, assoc: "right" }],
  [T.Plus, { prec: Prec.Add, assoc: "left" }],
  [T.Minus, { prec: Prec.Add, assoc: "left" }],
  [T.Star, { prec: Prec.Mul, assoc: "left" }],
  [T.Slash, { prec: Prec.Mul, assoc: "left" }],
  [T.Concat, { prec: Prec.Concat, assoc: "right" }],
  [T.Question, { prec: Prec.HasAttr, assoc: "none" }],
]);

/** Tokens that can start an `expr_select` (an argument of an application or a list element). */
const selectStart = new Set<TokenType>([
  T.Id,
  T.IntLit,
  T.FloatLit,
  T.DQuote,
  T.IndStringOpen,
  T.Path,
  T.HPath,
  T.SPath,
  T.Uri,
  T.LParen,
  T.Let,
  T.Rec,
  T.LCurly,
  T.LBracket,
]);

const EOF_TOKEN = { name: "EOF" } as unknown as TokenType;
T.tokenDisplayName.set(EOF_TOKEN, "end of file");
T.tokenOrder.set(EOF_TOKEN, 0);

const noPos = -1;

/** Parses a Nix expression from a byte string. Throws a `NixError` ("ParseError" or others). */
export function parse(text: string, origin: Source["origin"], options: ParseOptions): ParseResult {
  const source = new Source(origin, text);
  const parser = new Parser(source, options);
  return { expr: parser.parseTop(), source };
}

class Parser {
  private readonly tokens: IToken[];
  private i = 0;
  /** Type of the current token (EOF_TOKEN past the end). */
  private t: TokenType;
  private depth = 0;
  private readonly symbolIds = new Map<string, number>();

  constructor(
    private readonly source: Source,
    private readonly options: ParseOptions,
  ) {
    this.tokens = T.tokenize(source.text).tokens;
    this.t = this.typeAt(0);
  }

  // --- tokens --------------------------------------------------------------------------------

  private typeAt(i: number): TokenType {
    const tok = this.tokens[i];
    if (!tok) return EOF_TOKEN;
    const type = tok.tokenType;
    // Categories: the parser sees `}` and `"` and `''`-escapes, not their lexer variants.
    const cat = type.CATEGORIES;
    return cat && cat.length > 0 ? cat[0]! : type;
  }

  private get tok(): IToken {
    return this.tokens[this.i]!;
  }

  private offset(): number {
    const tok = this.tokens[this.i];
    return tok ? tok.startOffset : this.source.text.length;
  }

  /** End offset of the previous token. */
  private prevEnd(): number {
    const tok = this.tokens[this.i - 1];
    return tok ? tok.startOffset + tok.image.length : 0;
  }

  private advance(): IToken {
    const tok = this.tokens[this.i++]!;
    this.t = this.typeAt(this.i);
    if (this.t === T.PipeFrom || this.t === T.PipeInto) this.checkPipeFeature();
    return tok;
  }

  private checkPipeFeature(): void {
    if (!this.options.experimentalFeatures?.has("pipe-operators")) {
      throw this.errorAt(
        this.offset(),
        "experimental Nix feature 'pipe-operators' is disabled; add '--extra-experimental-features pipe-operators' to enable it",
      );
    }
  }

  private expect(type: TokenType, ...alsoExpected: TokenType[]): IToken {
    if (this.t !== type) throw this.unexpected([type, ...alsoExpected]);
    return this.advance();
  }

  private errorAt(offset: number, message: string): NixError {
    return new NixError("ParseError", message, this.source.pos(offset));
  }

  /** Bison's "syntax error, unexpected X[, expecting A or B …]" (at most four expected). */
  private unexpected(expected: TokenType[] = []): NixError {
    const t = this.t;
    let msg = `syntax error, unexpected ${T.tokenDisplayName.get(t) ?? t.name}`;
    const list = [...new Set(expected)].sort((a, b) => T.tokenOrder.get(a)! - T.tokenOrder.get(b)!);
    if (list.length > 0 && list.length <= 4) {
      msg += ", expecting " + list.map((e) => T.tokenDisplayName.get(e) ?? e.name).join(" or ");
    }
    let offset = this.offset();
    // CppNix reports an unexpected end of file at the end of the token that stood for it.
    if (t === T.StrEof) offset += this.tok.image.length;
    return this.errorAt(offset, msg);
  }

  private symbol(name: string): number {
    let id = this.symbolIds.get(name);
    if (id === undefined) {
      id = this.symbolIds.size;
      this.symbolIds.set(name, id);
    }
    return id;
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) {
      throw this.errorAt(this.offset(), "expression nesting is too deep");
    }
  }

  // --- grammar -------------------------------------------------------------------------------

  parseTop(): Expr {
    const e = this.expr();
    if (this.t !== EOF_TOKEN) throw this.unexpected([EOF_TOKEN]);
    return e;
  }

  private expr(): Expr {
    this.enter();
    const e = this.exprFunction();
    this.depth--;
    return e;
  }

  private exprFunction(): Expr {
    const start = this.offset();
    switch (this.t) {
      case T.Id: {
        const next = this.typeAt(this.i + 1);
        if (next === T.Colon) {
          const arg = this.advance().image;
          this.symbol(arg);
          this.advance();
          const body = this.exprFunctionNested();
          return this.lambda(start, arg, null, body);
        }
        if (next === T.At) {
          const argTok = this.advance();
          const arg = argTok.image;
          this.symbol(arg);
          this.advance();
          if (this.t !== T.LCurly) throw this.unexpected([T.LCurly]);
          const formals = this.formalSet();
          this.expect(T.Colon);
          this.validateFormals(formals, start, arg);
          const body = this.exprFunctionNested();
          return this.lambda(start, arg, formals, body);
        }
        break;
      }
      case T.LCurly: {
        if (!this.isFormalSet()) break;
        const formals = this.formalSet();
        let arg: string | null = null;
        if (this.t === T.At) {
          this.advance();
          arg = this.expect(T.Id).image;
          this.symbol(arg);
          this.expect(T.Colon);
          this.validateFormals(formals, start, arg);
        } else {
          this.expect(T.Colon, T.At);
          this.validateFormals(formals, start, null);
        }
        const body = this.exprFunctionNested();
        return this.lambda(start, arg, formals, body);
      }
      case T.Assert:
      case T.With: {
        const isAssert = this.t === T.Assert;
        this.advance();
        const first = this.expr();
        this.expect(T.Semi);
        const body = this.exprFunctionNested();
        const node = isAssert
          ? { kind: "Assert" as const, cond: first, body }
          : { kind: "With" as const, attrs: first, body };
        return { ...node, start, end: body.end, pos: start };
      }
      case T.Let: {
        if (this.typeAt(this.i + 1) === T.LCurly) break; // `let { … }`
        this.advance();
        const attrs = this.binds("let", start);
        this.expect(T.In, T.Inherit);
        if (attrs.dynamicAttrs.length > 0) {
          throw this.errorAt(start, "dynamic attributes not allowed in let");
        }
        const body = this.exprFunctionNested();
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
    if (t1 === T.Ellipsis) return true;
    if (t1 === T.RCurly) {
      const t2 = this.typeAt(this.i + 2);
      return t2 === T.Colon || t2 === T.At;
    }
    if (t1 === T.Id) {
      const t2 = this.typeAt(this.i + 2);
      return t2 === T.Comma || t2 === T.Question || t2 === T.RCurly;
    }
    return false;
  }

  private formalSet(): Formals {
    this.expect(T.LCurly);
    const formals: Formal[] = [];
    let ellipsis = false;
    if (this.t === T.Ellipsis) {
      this.advance();
      ellipsis = true;
      this.expect(T.RCurly);
      return { formals, ellipsis };
    }
    if (this.t === T.RCurly) {
      this.advance();
      return { formals, ellipsis };
    }
    for (;;) {
      const tok = this.expect(T.Id);
      this.symbol(tok.image);
      let def: Expr | null = null;
      if (this.t === T.Question) {
        this.advance();
        def = this.expr();
      }
      formals.push({ name: tok.image, default: def, pos: tok.startOffset });
      if (this.t === T.RCurly) {
        this.advance();
        break;
      }
      this.expect(T.Comma, T.RCurly);
      if (this.t === T.RCurly) {
        this.advance();
        break;
      }
      if (this.t === T.Ellipsis) {
        this.advance();
        ellipsis = true;
        this.expect(T.RCurly);
        break;
      }
      if (this.t !== T.Id) throw this.unexpected([T.Id, T.Ellipsis, T.RCurly]);
    }
    return { formals, ellipsis };
  }

  /** CppNix's `validateFormals`: the first duplicate by symbol, reported at its second use. */
  private validateFormals(formals: Formals, lambdaPos: number, arg: string | null): void {
    const sorted = formals.formals
      .map((f) => ({ id: this.symbol(f.name), f }))
      .sort((a, b) => a.id - b.id || a.f.pos - b.f.pos);
    let dup: { id: number; f: Formal } | undefined;
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
    if (dup) {
      throw this.errorAt(dup.f.pos, `duplicate formal function argument '${dup.f.name}'`);
    }
    if (arg !== null && formals.formals.some((f) => f.name === arg)) {
      throw this.errorAt(lambdaPos, `duplicate formal function argument '${arg}'`);
    }
  }

  private exprIf(): Expr {
    if (this.t === T.If) {
      const start = this.offset();
      this.advance();
      const cond = this.expr();
      this.expect(T.Then);
      const then = this.expr();
      this.expect(T.Else);
      const els = this.expr();
      return { kind: "If", cond, then, else: els, start, end: els.end, pos: start };
    }
    return this.exprPipe();
  }

  /** `a |> f |> g` (left) and `f <| g <| a` (right); the two do not mix. */
  private exprPipe(): Expr {
    const first = this.exprOp(0);
    if (this.t === T.PipeInto) {
      let acc = first;
      while (this.t === T.PipeInto) {
        const opPos = this.offset();
        this.advance();
        const fn = this.exprOp(0);
        acc = this.makeCall(opPos, fn, acc, acc.start, fn.end);
      }
      return acc;
    }
    if (this.t === T.PipeFrom) {
      const opPos = this.offset();
      this.advance();
      this.enter();
      const arg = this.t === T.If ? this.exprIf() : this.exprPipeFromRhs();
      this.depth--;
      return this.makeCall(opPos, first, arg, first.start, arg.end);
    }
    return first;
  }

  private exprPipeFromRhs(): Expr {
    const e = this.exprOp(0);
    if (this.t === T.PipeFrom) {
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
      const info = binaryOps.get(this.t);
      if (!info || info.prec < minPrec) break;
      if (info.assoc === "none" && info.prec === lastNonAssoc) throw this.unexpected();
      const opTok = this.advance();
      const opType = opTok.tokenType;
      const opPos = opTok.startOffset;
      if (opType === T.Question) {
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
        const right = this.exprOp(info.assoc === "right" ? info.prec : info.prec + 1);
        left = this.binary(opType, opPos, left, right);
      }
      lastNonAssoc = info.assoc === "none" ? info.prec : -1;
    }
    this.depth--;
    return left;
  }

  private exprUnary(): Expr {
    const start = this.offset();
    if (this.t === T.Bang) {
      this.advance();
      const e = this.exprOp(Prec.Not + 1);
      return { kind: "OpNot", expr: e, start, end: e.end, pos: noPos };
    }
    if (this.t === T.Minus) {
      this.advance();
      this.enter();
      const e = this.exprUnary();
      this.depth--;
      const zero: Expr = { kind: "Int", value: 0, start, end: start, pos: noPos };
      return this.call(start, this.builtinVar("__sub"), [zero, e], start, e.end);
    }
    return this.exprApp();
  }

  private binary(op: TokenType, opPos: number, l: Expr, r: Expr): Expr {
    const start = l.start;
    const end = r.end;
    const not = (e: Expr): Expr => ({ kind: "OpNot", expr: e, start, end, pos: noPos });
    switch (op) {
      case T.Plus:
        return { kind: "ConcatStrings", forceString: false, parts: [l, r], start, end, pos: opPos };
      case T.Minus:
        return this.call(opPos, this.builtinVar("__sub"), [l, r], start, end);
      case T.Star:
        return this.call(opPos, this.builtinVar("__mul"), [l, r], start, end);
      case T.Slash:
        return this.call(opPos, this.builtinVar("__div"), [l, r], start, end);
      case T.Lt:
        return this.call(opPos, this.builtinVar("__lessThan"), [l, r], start, end);
      case T.Gt:
        return this.call(opPos, this.builtinVar("__lessThan"), [r, l], start, end);
      case T.Leq:
        return not(this.call(opPos, this.builtinVar("__lessThan"), [r, l], start, end));
      case T.Geq:
        return not(this.call(opPos, this.builtinVar("__lessThan"), [l, r], start, end));
    }
    const binOp =
      op === T.Eq
        ? "=="
        : op === T.NEq
          ? "!="
          : op === T.And
            ? "&&"
            : op === T.Or
              ? "||"
              : op === T.Impl
                ? "->"
                : op === T.Update
                  ? "//"
                  : "++";
    return { kind: "BinOp", op: binOp, left: l, right: r, start, end, pos: opPos };
  }

  private builtinVar(name: string): Expr {
    return { kind: "Var", name, start: -1, end: -1, pos: noPos };
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
    let fn = this.exprSelect();
    if (fn.kind === "Call") fn.cursedOrEnd = -1;
    while (selectStart.has(this.t)) {
      const arg = this.exprSelect();
      this.warnIfCursedOr(arg);
      fn = this.makeCall(start, fn, arg, start, arg.end);
    }
    return fn;
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
    if (this.t === T.Dot) {
      this.advance();
      const path = this.attrPath();
      let def: Expr | null = null;
      if (this.t === T.OrKw) {
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
    if (this.t === T.OrKw) {
      // `f or`: for compatibility, `or` is a variable here (a "cursed or").
      this.advance();
      const end = this.prevEnd();
      const orVar: Expr = { kind: "Var", name: "or", start: end - 2, end, pos: start };
      const c = this.call(start, subject, [orVar], start, end);
      c.cursedOrEnd = end;
      return c;
    }
    return subject;
  }

  private exprSimple(): Expr {
    const start = this.offset();
    switch (this.t) {
      case T.Id: {
        const name = this.advance().image;
        this.symbol(name);
        const end = this.prevEnd();
        if (name === "__curPos") return { kind: "Pos", start, end, pos: start };
        return { kind: "Var", name, start, end, pos: start };
      }
      case T.IntLit:
        return this.intLiteral();
      case T.FloatLit:
        return this.floatLiteral();
      case T.DQuote:
        return this.string();
      case T.IndStringOpen:
        return this.indString();
      case T.Path:
      case T.HPath:
        return this.path();
      case T.SPath: {
        const image = this.advance().image;
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
      case T.Uri: {
        const value = this.advance().image;
        return { kind: "String", value, start, end: this.prevEnd(), pos: noPos };
      }
      case T.LParen: {
        this.advance();
        const e = this.expr();
        this.expect(T.RParen);
        return e;
      }
      case T.Let:
      case T.Rec: {
        const isLet = this.t === T.Let;
        this.advance();
        this.expect(T.LCurly);
        const attrs = this.binds("rec", start);
        this.expect(T.RCurly, T.Inherit);
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
      case T.LCurly: {
        this.advance();
        if (this.t === T.RCurly) {
          this.advance();
          return this.newAttrs(start, this.prevEnd(), start);
        }
        const attrs = this.binds("attrs", start);
        if (attrs.attrs.size === 0 && attrs.dynamicAttrs.length === 0) {
          // `binds1` needs at least one binding: bison expects `inherit` here.
          throw this.unexpected([T.Inherit]);
        }
        this.expect(T.RCurly);
        attrs.start = start;
        attrs.end = this.prevEnd();
        attrs.pos = start;
        return attrs;
      }
      case T.LBracket: {
        this.advance();
        const elems: Expr[] = [];
        this.enter();
        while (selectStart.has(this.t)) {
          const e = this.exprSelect();
          this.warnIfCursedOr(e);
          elems.push(e);
        }
        this.depth--;
        this.expect(T.RBracket);
        return { kind: "List", elems, start, end: this.prevEnd(), pos: noPos };
      }
    }
    throw this.unexpected();
  }

  private intLiteral(): Expr {
    const start = this.offset();
    const image = this.advance().image;
    const end = this.prevEnd();
    const n = Number(image);
    if (Number.isSafeInteger(n)) return { kind: "Int", value: n, start, end, pos: noPos };
    const big = BigInt(image);
    if (big > 0x7fffffffffffffffn) throw this.errorAt(start, `invalid integer '${image}'`);
    return { kind: "Int", value: big, start, end, pos: noPos };
  }

  private floatLiteral(): Expr {
    const start = this.offset();
    const image = this.advance().image;
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
    const parts: Expr[] = [];
    let interpolated = false;
    for (;;) {
      if (this.t === T.Str) {
        const tok = this.advance();
        parts.push(this.stringNode(unescapeStr(tok.image), tok.startOffset, this.prevEnd()));
      } else if (this.t === T.DollarCurly) {
        interpolated = true;
        parts.push(this.interpolation());
      } else break;
    }
    this.expect(T.DQuote);
    const end = this.prevEnd();
    if (!interpolated) {
      const value = parts.length === 0 ? "" : (parts[0] as ExprString).value;
      return { kind: "String", value, start, end, pos: noPos };
    }
    return { kind: "ConcatStrings", forceString: true, parts, start, end, pos: partsStart };
  }

  private stringNode(value: string, start: number, end: number): ExprString {
    if (value.includes("\0")) {
      throw new NixError(
        "EvalError",
        `input string '${value.replaceAll("\0", "\xe2\x90\x80")}' cannot be represented as Nix string because it contains null bytes`,
        this.source.pos(start),
      );
    }
    return { kind: "String", value, start, end, pos: noPos };
  }

  /** `${ expr }` */
  private interpolation(): Expr {
    this.advance();
    const e = this.expr();
    this.expect(T.RCurly);
    return e;
  }

  /** `''…''`, with CppNix's indentation stripping. */
  private indString(): Expr {
    const start = this.offset();
    this.advance();
    type Part = { text: string; indented: boolean; start: number; end: number } | Expr;
    const parts: Part[] = [];
    for (;;) {
      if (this.t === T.IndStr) {
        const tok = this.advance();
        if (tok.image.includes("\0")) this.stringNode(tok.image, tok.startOffset, 0);
        parts.push({
          text: tok.image,
          indented: true,
          start: tok.startOffset,
          end: this.prevEnd(),
        });
      } else if (this.t === T.IndStrEscape) {
        const tok = this.advance();
        const image = tok.image;
        const text =
          image === "'''"
            ? "''"
            : image === "''$" || image === "$"
              ? "$"
              : image === "'"
                ? "'"
                : unescapeStr(image.slice(2));
        parts.push({ text, indented: false, start: tok.startOffset, end: this.prevEnd() });
      } else if (this.t === T.DollarCurly) {
        parts.push(this.interpolation());
      } else break;
    }
    this.expect(T.IndStringClose, T.IndStr, T.DollarCurly);
    const end = this.prevEnd();
    return stripIndentation(start, end, parts);
  }

  // --- paths ---------------------------------------------------------------------------------

  private path(): Expr {
    const start = this.offset();
    const isHome = this.t === T.HPath;
    const image = this.advance().image;
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
    let last = image;
    for (;;) {
      if (this.t === T.DollarCurly) {
        parts.push(this.interpolation());
        last = "";
      } else if (this.t === T.PathStr) {
        if (last.endsWith("/")) break; // cannot happen: the lexer takes the longest part
        const tok = this.advance();
        parts.push(this.stringNode(tok.image, tok.startOffset, this.prevEnd()));
        last = tok.image;
      } else break;
    }
    if (last.endsWith("/")) throw this.errorAt(this.offset(), "path has a trailing slash");
    const end = this.prevEnd();
    if (this.t === T.PathEnd) this.advance();
    else if (this.t !== EOF_TOKEN) throw this.unexpected([T.PathEnd]);
    if (parts.length === 1) return pathNode;
    return { kind: "ConcatStrings", forceString: false, parts, start, end, pos: start };
  }

  // --- attribute sets ------------------------------------------------------------------------

  private newAttrs(start: number, end: number, pos: number): ExprAttrs {
    return {
      kind: "Attrs",
      recursive: false,
      attrs: new Map(),
      dynamicAttrs: [],
      inheritFromExprs: null,
      start,
      end,
      pos,
    };
  }

  /**
   * Bindings up to `}` or `in`. `context` only chooses the expected tokens bison names when the
   * next token starts no binding: after a `let`'s bindings, `in` or `inherit`; in `{ … }`,
   * `inherit`; in `rec { … }` and `let { … }`, `inherit` or `}`.
   */
  private binds(context: "let" | "attrs" | "rec", start: number): ExprAttrs {
    const attrs = this.newAttrs(start, start, noPos);
    for (;;) {
      const t = this.t;
      if (t === T.Inherit) {
        this.inherit(attrs);
      } else if (t === T.Id || t === T.OrKw || t === T.DQuote || t === T.DollarCurly) {
        const pathStart = this.offset();
        const path = this.attrPath();
        this.expect(T.Assign, T.Dot);
        const value = this.expr();
        this.expect(T.Semi);
        this.addAttr(attrs, path, pathStart, value);
      } else break;
    }
    const t = this.t;
    if (context === "let" && t !== T.In) throw this.unexpected([T.In, T.Inherit]);
    if (context === "rec" && t !== T.RCurly) throw this.unexpected([T.Inherit, T.RCurly]);
    if (context === "attrs" && t !== T.RCurly) throw this.unexpected([T.Inherit]);
    return attrs;
  }

  private inherit(attrs: ExprAttrs): void {
    this.advance();
    let from: Expr | null = null;
    if (this.t === T.LParen) {
      this.advance();
      from = this.expr();
      this.expect(T.RParen);
    }
    const names: { name: string; pos: number; end: number }[] = [];
    for (;;) {
      const pos = this.offset();
      if (this.t === T.Id || this.t === T.OrKw) {
        const name = this.advance().image;
        this.symbol(name);
        names.push({ name, pos, end: this.prevEnd() });
      } else if (this.t === T.DQuote || this.t === T.DollarCurly) {
        const e = this.stringAttr();
        if (typeof e !== "string")
          throw this.errorAt(pos, "dynamic attributes not allowed in inherit");
        names.push({ name: e, pos, end: this.prevEnd() });
      } else break;
    }
    // Bison expects five tokens here (a name, a string, `${`, `or`, `;`), so it names none.
    if (this.t !== T.Semi) throw this.unexpected();
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
        });
      } else {
        attrs.attrs.set(name, {
          kind: "inherited",
          value: { kind: "Var", name, start: pos, end, pos },
          pos,
        });
      }
    }
  }

  /** `a.b."c".${d}`: at least one name. */
  private attrPath(): AttrName[] {
    const path: AttrName[] = [this.attrName()];
    while (this.t === T.Dot) {
      this.advance();
      path.push(this.attrName());
    }
    return path;
  }

  private attrName(): AttrName {
    if (this.t === T.Id || this.t === T.OrKw) {
      const name = this.advance().image;
      this.symbol(name);
      return name;
    }
    if (this.t === T.DQuote || this.t === T.DollarCurly) return this.stringAttr();
    throw this.unexpected([T.Id, T.OrKw, T.DollarCurly, T.DQuote]);
  }

  /** `"…"` or `${e}` as an attribute name: static when it is a plain string. */
  private stringAttr(): AttrName {
    const e = this.t === T.DQuote ? this.string() : this.interpolation();
    if (e.kind === "String") {
      this.symbol(e.value);
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
          cur.attrs.set(name, { kind: "plain", value: nested, pos });
        }
      } else {
        nested = this.newAttrs(pos, value.end, noPos);
        cur.dynamicAttrs.push({ name, value: nested, pos });
      }
      cur = nested;
    }
    const last = path[path.length - 1]!;
    if (typeof last === "string") {
      this.addAttrDef(cur, path, last, { kind: "plain", value, pos });
    } else {
      cur.dynamicAttrs.push({ name: last, value, pos });
    }
  }

  private addAttrDef(
    attrs: ExprAttrs,
    path: AttrName[],
    name: string,
    def: { kind: "plain" | "inherited" | "inheritedFrom"; value: Expr; pos: number },
  ): void {
    const existing = attrs.attrs.get(name);
    if (!existing) {
      attrs.attrs.set(name, def);
      setName(def.value, name);
      return;
    }
    const ae = def.value;
    const jAttrs = existing.value;
    if (ae.kind !== "Attrs" || jAttrs.kind !== "Attrs") {
      this.dupAttr(showAttrPath(path), def.pos, existing.pos);
    }
    // Merge `x = { … }; x = { … };` (and `x.y = …; x = { … };`), as CppNix does.
    if (ae.inheritFromExprs && !jAttrs.inheritFromExprs) jAttrs.inheritFromExprs = [];
    const shift = jAttrs.inheritFromExprs?.length ?? 0;
    for (const [childName, childDef] of ae.attrs) {
      if (childDef.kind === "inheritedFrom" && childDef.value.kind === "Select") {
        const from = childDef.value.subject;
        if (from.kind === "InheritFrom") from.displacement += shift;
      }
      this.addAttrDef(jAttrs, [...path, childName], childName, childDef);
    }
    ae.attrs.clear();
    jAttrs.dynamicAttrs.push(...ae.dynamicAttrs);
    ae.dynamicAttrs.length = 0;
    if (ae.inheritFromExprs) {
      jAttrs.inheritFromExprs!.push(...ae.inheritFromExprs);
      ae.inheritFromExprs = null;
    }
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

type IndPart = { text: string; indented: boolean; start: number; end: number } | Expr;

function isText(p: IndPart): p is { text: string; indented: boolean; start: number; end: number } {
  return "text" in p;
}

/**
 * CppNix's `stripIndentation`: remove the smallest indentation of the lines that have text
 * (escapes and interpolations count as text; whitespace-only lines do not), and drop a last line
 * of only spaces. Only raw text is stripped; escapes are kept as they are.
 */
function stripIndentation(start: number, end: number, parts: IndPart[]): Expr {
  const emptyString = (): ExprString => ({ kind: "String", value: "", start, end, pos: noPos });
  if (parts.length === 0) return emptyString();

  let atStartOfLine = true;
  let minIndent = 1000000;
  let curIndent = 0;
  for (const p of parts) {
    if (!isText(p) || !p.indented) {
      if (atStartOfLine) {
        atStartOfLine = false;
        if (curIndent < minIndent) minIndent = curIndent;
      }
      continue;
    }
    const s = p.text;
    for (let j = 0; j < s.length; j++) {
      const c = s[j];
      if (atStartOfLine) {
        if (c === " ") curIndent++;
        else if (c === "\n") curIndent = 0;
        else {
          atStartOfLine = false;
          if (curIndent < minIndent) minIndent = curIndent;
        }
      } else if (c === "\n") {
        atStartOfLine = true;
        curIndent = 0;
      }
    }
  }

  const out: Expr[] = [];
  atStartOfLine = true;
  let curDropped = 0;
  let n = parts.length;
  for (const p of parts) {
    if (!isText(p)) {
      atStartOfLine = false;
      curDropped = 0;
      out.push(p);
    } else {
      let s2 = "";
      const s = p.text;
      for (let j = 0; j < s.length; j++) {
        const c = s[j]!;
        if (atStartOfLine) {
          if (c === " ") {
            if (curDropped++ >= minIndent) s2 += c;
          } else if (c === "\n") {
            curDropped = 0;
            s2 += c;
          } else {
            atStartOfLine = false;
            curDropped = 0;
            s2 += c;
          }
        } else {
          s2 += c;
          if (c === "\n") atStartOfLine = true;
        }
      }
      if (n === 1) {
        // Remove the last line if it is empty and consists only of spaces.
        const nl = s2.lastIndexOf("\n");
        if (nl !== -1 && /^ *$/.test(s2.slice(nl + 1))) s2 = s2.slice(0, nl + 1);
      }
      if (s2 !== "")
        out.push({ kind: "String", value: s2, start: p.start, end: p.end, pos: noPos });
    }
    n--;
  }
  if (out.length === 0) return emptyString();
  if (out.length === 1 && out[0]!.kind === "String") return out[0]!;
  const result: ExprConcatStrings = {
    kind: "ConcatStrings",
    forceString: true,
    parts: out,
    start,
    end,
    pos: start,
  };
  return result;
}
