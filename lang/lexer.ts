/**
 * The Nix lexer, as CppNix's `lexer.l` defines it, built on chevrotain's multi-mode lexer.
 *
 * Modes mirror flex's start conditions:
 * - `initial`: the bottom of the stack. `}` here does not pop (flex's INITIAL marker), so a stray
 *   `}` is a token the parser rejects rather than a lexer failure.
 * - `default`: pushed by `{` and `${`; `}` pops it.
 * - `string` (`"…"`), `indString` (`''…''`): string parts, `${` pushes `default`.
 * - `inPath`: after a path literal that may continue with `${…}` (`./a/${b}/c`). A path part or
 *   `${` continues it; anything else yields a zero-width `PATH_END` and pops. A part ending in
 *   `/` must be followed by `${` (CppNix's INPATH_SLASH); the parser reports "path has a trailing
 *   slash" when it is not (it sees the part and the `PATH_END`).
 *
 * Flex picks the longest match, chevrotain the first in order; the order below gives the same
 * tokens: path-like tokens first (a path match always extends past any identifier, number or
 * operator at the same offset, since those stop at `/`; URI and path matches exclude each other:
 * after the leading path/scheme characters one needs `:`, the other `/`), floats before integers
 * (a float match contains the `.` an integer stops at), keywords with `longer_alt` identifier,
 * and multi-character operators before their one-character prefixes. Any other byte is an
 * `INVALID` token, which bison reports as "invalid token".
 *
 * Offsets only are tracked (`positionTracking: "onlyOffset"`); lines and columns are computed on
 * demand by `Source.pos`, as CppNix does.
 */

import { createToken, Lexer, type IToken, type TokenType } from "chevrotain";

/** Bison's name for each token, used in "unexpected X, expecting Y" messages. */
export const tokenDisplayName = new Map<TokenType, string>();
/** Bison's token numbers: the order in which it lists expected tokens. */
export const tokenOrder = new Map<TokenType, number>();

function token(
  name: string,
  display: string,
  order: number,
  config: Omit<Parameters<typeof createToken>[0], "name">,
): TokenType {
  const t = createToken({ name, ...config });
  tokenDisplayName.set(t, display);
  tokenOrder.set(t, order);
  return t;
}

const PC = "[a-zA-Z0-9._\\-+]"; // PATH_CHAR

// --- trivia ---------------------------------------------------------------------------------
const Whitespace = createToken({
  name: "Whitespace",
  pattern: /[ \t\r\n]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
const LineComment = createToken({
  name: "LineComment",
  pattern: /#[^\r\n]*/,
  group: Lexer.SKIPPED,
});
/** `/* … *\/`, including doc comments (`/** … *\/`); kept in a group for `:doc`. */
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*(?:[^*]|\*+[^*/])*\*+\//,
  group: "comments",
  line_breaks: true,
});

// --- literals ---------------------------------------------------------------------------------
export const Id = token("ID", "identifier", 3, { pattern: /[a-zA-Z_][a-zA-Z0-9_'\-]*/ });
export const IntLit = token("INT_LIT", "integer", 6, { pattern: /[0-9]+/ });
export const FloatLit = token("FLOAT_LIT", "floating-point literal", 7, {
  pattern: /(?:[1-9][0-9]*\.[0-9]*|0?\.[0-9]+)(?:[Ee][+-]?[0-9]+)?/,
  start_chars_hint: [".", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
});
/** `./a`, `/a/b`, `a/b`, and `a/` or `/` directly before `${`. Pushes `inPath`. */
export const Path = token("PATH", "path", 8, {
  pattern: new RegExp(`${PC}*(?:\\/${PC}+)+\\/?|${PC}*\\/(?=\\$\\{)`),
  push_mode: "inPath",
  start_chars_hint: [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+/"],
});
/** `~/a/b`, and `~/` directly before `${`. Pushes `inPath`. */
export const HPath = token("HPATH", "'~/\xe2\x80\xa6' path" /* '~/…' as UTF-8 bytes */, 9, {
  pattern: new RegExp(`~(?:\\/${PC}+)+\\/?|~\\/(?=\\$\\{)`),
  push_mode: "inPath",
  start_chars_hint: ["~"],
});
export const SPath = token("SPATH", "'<\xe2\x80\xa6>' path", 10, {
  pattern: new RegExp(`<${PC}+(?:\\/${PC}+)*>`),
  start_chars_hint: ["<"],
});
export const Uri = token("URI", "URI", 12, {
  pattern: /[a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+/,
});

// --- keywords ---------------------------------------------------------------------------------
function keyword(word: string, order: number): TokenType {
  return token(word.toUpperCase(), `'${word}'`, order, { pattern: word, longer_alt: Id });
}
export const If = keyword("if", 13);
export const Then = keyword("then", 14);
export const Else = keyword("else", 15);
export const Assert = keyword("assert", 16);
export const With = keyword("with", 17);
export const Let = keyword("let", 18);
export const In = keyword("in", 19);
export const Rec = keyword("rec", 20);
export const Inherit = keyword("inherit", 21);
export const OrKw = keyword("or", 31);

// --- operators and punctuation ---------------------------------------------------------------
function op(name: string, text: string, order: number, extra: object = {}): TokenType {
  return token(name, `'${text}'`, order, { pattern: text, ...extra });
}
export const Ellipsis = op("ELLIPSIS", "...", 37);
export const Eq = op("EQ", "==", 22);
export const NEq = op("NEQ", "!=", 23);
export const Leq = op("LEQ", "<=", 24);
export const Geq = op("GEQ", ">=", 25);
export const Update = op("UPDATE", "//", 26);
export const Concat = op("CONCAT", "++", 27);
export const And = op("AND", "&&", 28);
export const Or = op("OR", "||", 29);
export const Impl = op("IMPL", "->", 30);
export const PipeFrom = op("PIPE_FROM", "<|", 32);
export const PipeInto = op("PIPE_INTO", "|>", 33);
export const DollarCurly = op("DOLLAR_CURLY", "${", 34, { push_mode: "default" });
export const IndStringOpen = token("IND_STRING_OPEN", "start of an indented string", 35, {
  pattern: /''(?: *\n)?/,
  push_mode: "indString",
  line_breaks: true,
});

// Character tokens, numbered after the named ones in the order bison first sees them in the
// grammar (precedence declarations, then rules).
export const Lt = op("LT", "<", 40);
export const Gt = op("GT", ">", 41);
export const Plus = op("PLUS", "+", 42);
export const Minus = op("MINUS", "-", 43);
export const Star = op("STAR", "*", 44);
export const Slash = op("SLASH", "/", 45);
export const Question = op("QUESTION", "?", 46);
export const Colon = op("COLON", ":", 47);
export const At = op("AT", "@", 48);
export const Semi = op("SEMI", ";", 49);
export const Bang = op("BANG", "!", 50);
export const Dot = op("DOT", ".", 51);
export const LParen = op("LPAREN", "(", 53);
export const RParen = op("RPAREN", ")", 54);
export const LCurly = op("LCURLY", "{", 55, { push_mode: "default" });
/** `}`: the category the parser consumes; the two concrete tokens differ in popping. */
export const RCurly = token("RCURLY", "'}'", 56, { pattern: Lexer.NA });
const RCurlyPop = createToken({
  name: "RCURLY_POP",
  pattern: "}",
  categories: [RCurly],
  pop_mode: true,
});
const RCurlyTop = createToken({ name: "RCURLY_TOP", pattern: "}", categories: [RCurly] });
export const LBracket = op("LBRACKET", "[", 57);
export const RBracket = op("RBRACKET", "]", 58);
export const Assign = op("ASSIGN", "=", 59);
export const Comma = op("COMMA", ",", 60);
export const Invalid = token("INVALID", "invalid token", 2, { pattern: /[^]/, line_breaks: true });

// --- inside "…" ---------------------------------------------------------------------------------
/** `"`: the category the parser consumes; opening pushes `string`, closing pops it. */
export const DQuote = token("DQUOTE", "'\"'", 52, { pattern: Lexer.NA });
const DQuoteOpen = createToken({
  name: "DQUOTE_OPEN",
  pattern: '"',
  categories: [DQuote],
  push_mode: "string",
});
const DQuoteClose = createToken({
  name: "DQUOTE_CLOSE",
  pattern: '"',
  categories: [DQuote],
  pop_mode: true,
});
/**
 * A run of string characters and escapes. As CppNix's two STR rules: it cannot swallow `${`,
 * and it takes a `$` right before the closing `"`.
 */
export const Str = token("STR", "string", 4, {
  pattern: /(?:[^$"\\]|\$[^{"\\]|\\[^]|\$\\[^])+(?:\$(?="))?|\$(?=")/,
  line_breaks: true,
});
/** `$`, `\` or `$\` at the very end of the input inside a string: CppNix returns end of file. */
export const StrEof = token("STR_EOF", "end of file", 0, { pattern: /\$\\|\$|\\/ });

// --- inside ''…'' ---------------------------------------------------------------------------------
/** Raw text of an indented string: subject to indentation stripping. */
export const IndStr = token("IND_STR", "indented string", 5, {
  pattern: /(?:[^$']|\$[^{']|'[^'$])+/,
  line_breaks: true,
});
/** Escapes of an indented string (`'''`, `''$`, `''\x`, a lone `$` or `'`): never stripped. */
export const IndStrEscape = token("IND_STR_ESCAPE", "indented string", 5, { pattern: Lexer.NA });
const IndStrEscapeLong = createToken({
  name: "IND_STR_ESCAPE_LONG",
  pattern: /'''|''\$|''\\[^]/,
  categories: [IndStrEscape],
  line_breaks: true,
});
const IndStrEscapeShort = createToken({
  name: "IND_STR_ESCAPE_SHORT",
  pattern: /\$|'/,
  categories: [IndStrEscape],
});
export const IndStringClose = token("IND_STRING_CLOSE", "end of an indented string", 36, {
  pattern: "''",
  pop_mode: true,
});

// --- inside a path ---------------------------------------------------------------------------------
export const PathStr = token("PATH_STR", "string", 4, {
  pattern: new RegExp(`${PC}+(?:\\/${PC}+)*\\/?|(?:\\/${PC}+)+\\/?|\\/`),
});
export const PathEnd = token("PATH_END", "end of path", 11, {
  pattern: { exec: () => [""] as unknown as RegExpExecArray },
  pop_mode: true,
  line_breaks: false,
});

const common = (rcurly: TokenType): TokenType[] => [
  Whitespace,
  LineComment,
  BlockComment,
  SPath,
  HPath,
  Path,
  Uri,
  FloatLit,
  IntLit,
  If,
  Then,
  Else,
  Assert,
  With,
  Let,
  Inherit, // before `in`, its prefix
  In,
  Rec,
  OrKw,
  Id,
  Ellipsis,
  Eq,
  NEq,
  Leq,
  Geq,
  Update,
  Concat,
  And,
  Or,
  Impl,
  PipeFrom,
  PipeInto,
  DollarCurly,
  IndStringOpen,
  DQuoteOpen,
  LCurly,
  rcurly,
  Lt,
  Gt,
  Plus,
  Minus,
  Star,
  Slash,
  Question,
  Colon,
  At,
  Semi,
  Bang,
  Dot,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Assign,
  Comma,
  Invalid,
];

/** Every token type the parser may see (chevrotain needs the full vocabulary). */
export const allTokens: TokenType[] = [
  ...common(RCurlyTop),
  RCurlyPop,
  RCurly,
  DQuote,
  DQuoteClose,
  Str,
  StrEof,
  IndStringClose,
  IndStrEscape,
  IndStrEscapeLong,
  IndStrEscapeShort,
  IndStr,
  PathStr,
  PathEnd,
];

const lexer = new Lexer(
  {
    defaultMode: "initial",
    modes: {
      initial: common(RCurlyTop),
      default: common(RCurlyPop),
      string: [DollarCurly, DQuoteClose, Str, StrEof],
      indString: [IndStrEscapeLong, IndStringClose, DollarCurly, IndStr, IndStrEscapeShort],
      inPath: [DollarCurly, PathStr, PathEnd],
    },
  },
  { positionTracking: "onlyOffset", ensureOptimizations: false, skipValidations: true },
);

export interface LexResult {
  tokens: IToken[];
  /** Block comments (for doc comments), in source order. */
  comments: IToken[];
}

/** Splits a byte string into tokens. Never fails: unknown bytes become `INVALID` tokens. */
export function tokenize(text: string): LexResult {
  const result = lexer.tokenize(text);
  return { tokens: result.tokens, comments: result.groups["comments"] ?? [] };
}
