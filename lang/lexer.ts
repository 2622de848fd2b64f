/**
 * The Nix lexer: CppNix's `lexer.l` (flex) rules, applied by hand with flex's longest-match
 * semantics, producing a compact token stream (parallel typed arrays, no object per token).
 *
 * Why not chevrotain's lexer (ARCHITECTURE.md's first choice): measured on the 10 MB package set
 * of bench/, chevrotain spent ~1.2 s lexing (40% of tsnix's 2.96 s) against 0.53 s for all of
 * nix-instantiate --parse, and its token objects drove another 22% in garbage collection;
 * emulating flex's longest match with first-match regexes was also quadratic on runs of path
 * characters (`x.a.a.a…`, `-----1`: each token rescanned the rest of the run) and overflowed V8's
 * regex backtracking stack on a 10 MB string literal.
 *
 * Start conditions, as in lexer.l, kept on a stack:
 * - INITIAL: the bottom. `}` here does not pop, so a stray `}` is a token the parser rejects.
 * - DEFAULT: pushed by `{` and `${`; `}` pops it.
 * - STRING (`"…"`), IND_STRING (`''…''`): string parts; `${` pushes DEFAULT.
 * - INPATH: after a path literal. A path part or `${` continues the path; anything else yields a
 *   zero-width PATH_END and pops. (flex's INPATH_SLASH, where only `${` or path characters may
 *   follow a part ending in `/`, is checked by the parser: "path has a trailing slash".)
 *
 * Longest match among the DEFAULT rules: a path match always extends past any identifier,
 * number or operator at the same offset (those stop at `/`); URI and path matches exclude each
 * other (after the leading characters one needs `:`, the other `/`); a float is longer than the
 * integer it starts with. Runs of path characters are scanned once (`runEnd` memo), so lexing is
 * linear. Any byte no rule takes is an INVALID token ("invalid token" to bison).
 */

import { byteStringToBytes } from "./source.js";

/** Token kinds. The parser sees these; `tokenDisplayName` and `tokenOrder` describe them. */
export const enum Tok {
  EOF,
  Invalid,
  Id,
  Int,
  Float,
  Path,
  HPath,
  SPath,
  Uri,
  If,
  Then,
  Else,
  Assert,
  With,
  Let,
  In,
  Rec,
  Inherit,
  OrKw,
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
  IndStringClose,
  DQuote,
  /** A run of `"…"` string text (escapes not yet applied). */
  Str,
  /** `$`, `\` or `$\` at the very end of the input inside `"…"`: CppNix returns end of file. */
  StrEof,
  /** Raw text of `''…''`: subject to indentation stripping. */
  IndStr,
  /** `'''`, `''$`, `''\x`, or a lone `$` or `'` in `''…''`: never stripped. */
  IndStrEscape,
  /** A part of a path after the first: `/b/c` in `./a/${x}/b/c`. */
  PathStr,
  /** Zero-width: the path ended. */
  PathEnd,
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
  LCurly,
  RCurly,
  LBracket,
  RBracket,
  Assign,
  Comma,
}

const U = (s: string): string => s; // marks names that hold UTF-8 bytes
/** Bison's name of each token in "unexpected X, expecting Y" (byte strings). */
export const tokenDisplayName: readonly string[] = [
  "end of file",
  "invalid token",
  "identifier",
  "integer",
  "floating-point literal",
  "path",
  U("'~/\xe2\x80\xa6' path"), // '~/…'
  U("'<\xe2\x80\xa6>' path"), // '<…>'
  "URI",
  "'if'",
  "'then'",
  "'else'",
  "'assert'",
  "'with'",
  "'let'",
  "'in'",
  "'rec'",
  "'inherit'",
  "'or'",
  "'...'",
  "'=='",
  "'!='",
  "'<='",
  "'>='",
  "'//'",
  "'++'",
  "'&&'",
  "'||'",
  "'->'",
  "'<|'",
  "'|>'",
  "'${'",
  "start of an indented string",
  "end of an indented string",
  "'\"'",
  "string",
  "end of file",
  "indented string",
  "indented string",
  "string",
  "end of path",
  "'<'",
  "'>'",
  "'+'",
  "'-'",
  "'*'",
  "'/'",
  "'?'",
  "':'",
  "'@'",
  "';'",
  "'!'",
  "'.'",
  "'('",
  "')'",
  "'{'",
  "'}'",
  "'['",
  "']'",
  "'='",
  "','",
];

/**
 * Bison's internal token numbers, the order in which it lists expected tokens: `%token`
 * declarations first, then character tokens in order of first appearance in parser.y.
 */
export const tokenOrder: readonly number[] = (() => {
  const order: number[] = [];
  const set = (t: Tok, n: number) => (order[t] = n);
  set(Tok.EOF, 0);
  set(Tok.Invalid, 2);
  set(Tok.Id, 3);
  set(Tok.Str, 4);
  set(Tok.PathStr, 4);
  set(Tok.IndStr, 5);
  set(Tok.IndStrEscape, 5);
  set(Tok.Int, 6);
  set(Tok.Float, 7);
  set(Tok.Path, 8);
  set(Tok.HPath, 9);
  set(Tok.SPath, 10);
  set(Tok.PathEnd, 11);
  set(Tok.Uri, 12);
  [Tok.If, Tok.Then, Tok.Else, Tok.Assert, Tok.With, Tok.Let, Tok.In, Tok.Rec, Tok.Inherit].forEach(
    (t, i) => set(t, 13 + i),
  );
  [Tok.Eq, Tok.NEq, Tok.Leq, Tok.Geq, Tok.Update, Tok.Concat, Tok.And, Tok.Or, Tok.Impl].forEach(
    (t, i) => set(t, 22 + i),
  );
  set(Tok.OrKw, 31);
  set(Tok.PipeFrom, 32);
  set(Tok.PipeInto, 33);
  set(Tok.DollarCurly, 34);
  set(Tok.IndStringOpen, 35);
  set(Tok.IndStringClose, 36);
  set(Tok.Ellipsis, 37);
  set(Tok.StrEof, 0);
  [
    Tok.Lt,
    Tok.Gt,
    Tok.Plus,
    Tok.Minus,
    Tok.Star,
    Tok.Slash,
    Tok.Question,
    Tok.Colon,
    Tok.At,
    Tok.Semi,
    Tok.Bang,
    Tok.Dot,
    Tok.DQuote,
    Tok.LParen,
    Tok.RParen,
    Tok.LCurly,
    Tok.RCurly,
    Tok.LBracket,
    Tok.RBracket,
    Tok.Assign,
    Tok.Comma,
  ].forEach((t, i) => set(t, 40 + i));
  return order;
})();

/** Keywords by their first character, so that recognising one allocates no string. */
const keywordsByFirst: ({ word: string; tok: Tok }[] | null)[] = Array.from(
  { length: 256 },
  () => null,
);
for (const [word, tok] of [
  ["if", Tok.If],
  ["in", Tok.In],
  ["inherit", Tok.Inherit],
  ["then", Tok.Then],
  ["else", Tok.Else],
  ["assert", Tok.Assert],
  ["with", Tok.With],
  ["let", Tok.Let],
  ["rec", Tok.Rec],
  ["or", Tok.OrKw],
] as [string, Tok][]) {
  (keywordsByFirst[word.charCodeAt(0)] ??= []).push({ word, tok });
}

/** The kind of the identifier-like word `text[p, end)`: a keyword's, or `Tok.Id`. */
function wordKind(text: string, bytes: Uint8Array, p: number, end: number): Tok {
  const length = end - p;
  if (length > 7) return Tok.Id; // longer than `inherit`
  const candidates = keywordsByFirst[bytes[p]!]!;
  if (candidates === null) return Tok.Id;
  for (let i = 0; i < candidates.length; i++) {
    const k = candidates[i]!;
    if (k.word.length === length && text.startsWith(k.word, p)) return k.tok;
  }
  return Tok.Id;
}

// Character classes, as bit flags over byte values.
const enum C {
  PathChar = 1, // [a-zA-Z0-9._\-+]
  IdStart = 2, // [a-zA-Z_]
  IdChar = 4, // [a-zA-Z0-9_'\-]
  Digit = 8,
  Scheme = 16, // [a-zA-Z0-9+\-.]
  UriChar = 32, // [a-zA-Z0-9%/?:@&=+$,\-_.!~*']
  Space = 64, // [ \t\r\n]
  Special = 128, // ["\\$']: may end a run of string text
}

const cls = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  const alpha = /[a-zA-Z]/.test(ch);
  const digit = /[0-9]/.test(ch);
  let f = 0;
  if (alpha || digit || "._-+".includes(ch)) f |= C.PathChar;
  if (alpha || ch === "_") f |= C.IdStart;
  if (alpha || digit || "_'-".includes(ch)) f |= C.IdChar;
  if (digit) f |= C.Digit;
  if (alpha || digit || "+-.".includes(ch)) f |= C.Scheme;
  if (alpha || digit || "%/?:@&=+$,-_.!~*'".includes(ch)) f |= C.UriChar;
  if (" \t\r\n".includes(ch)) f |= C.Space;
  if ("\"\\$'".includes(ch)) f |= C.Special;
  cls[c] = f;
}

const enum Mode {
  Initial,
  Default,
  String,
  IndString,
  InPath,
}

/** A token stream: token `i` has kind `types[i]` and text `[starts[i], ends[i])`. */
export interface Tokens {
  readonly count: number;
  readonly types: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Spans of doc comments (`/** … *\/`), as [start, end] pairs, in source order. */
  readonly docComments: number[];
  /** The text's bytes (`text.charCodeAt(i)` is `bytes[i]`), cheaper to scan than the text. */
  readonly bytes: Uint8Array;
}

/** Splits a byte string into tokens. Never fails: unknown bytes become `Invalid` tokens. */
export function tokenize(text: string): Tokens {
  const len = text.length;
  // Scanned as bytes: indexing a Uint8Array costs less than `charCodeAt` on a string (a fifth
  // fewer instructions to tokenize bench's 10 MB file, the conversion included).
  const bytes = byteStringToBytes(text);
  let cap = (len >> 2) + 16;
  let types = new Uint8Array(cap);
  let starts = new Int32Array(cap);
  let ends = new Int32Array(cap);
  let n = 0;
  const docComments: number[] = [];
  const modes: Mode[] = [Mode.Initial];
  let mode = Mode.Initial as Mode;

  const at = (i: number): number => (i < len ? bytes[i]! : -1);
  const is = (i: number, f: C): boolean => i < len && (cls[bytes[i]!]! & f) !== 0;
  const emit = (type: Tok, start: number, end: number): void => {
    if (n === cap) {
      cap *= 2;
      const t2 = new Uint8Array(cap);
      t2.set(types);
      types = t2;
      const s2 = new Int32Array(cap);
      s2.set(starts);
      starts = s2;
      const e2 = new Int32Array(cap);
      e2.set(ends);
      ends = e2;
    }
    types[n] = type;
    starts[n] = start;
    ends[n] = end;
    n++;
  };
  const push = (m: Mode): void => {
    modes.push(m);
    mode = m;
  };
  const pop = (): void => {
    modes.pop();
    mode = modes[modes.length - 1]!;
  };

  // Memo of the last scanned run of path characters, so that `x.a.a.a…` stays linear.
  let memoStart = -1;
  let memoEnd = -1;
  const pathRunEnd = (p: number): number => {
    if (p >= memoStart && p < memoEnd) return memoEnd;
    let e = p;
    while (is(e, C.PathChar)) e++;
    memoStart = p;
    memoEnd = e;
    return e;
  };
  // The same for URI schemes (`[a-zA-Z][a-zA-Z0-9+\-.]*`).
  let schemeStart = -1;
  let schemeEnd = -1;
  const schemeRunEnd = (p: number): number => {
    if (p >= schemeStart && p < schemeEnd) return schemeEnd;
    let e = p;
    while (is(e, C.Scheme)) e++;
    schemeStart = p;
    schemeEnd = e;
    return e;
  };

  /** End of `PC*(\/PC+)+\/?` or of `PC*\/` before `${` at p; -1 if neither matches. */
  const matchPath = (p: number): number => {
    const run = pathRunEnd(p);
    let j = run;
    let segments = 0;
    while (at(j) === 47 /* / */ && is(j + 1, C.PathChar)) {
      j++;
      while (is(j, C.PathChar)) j++;
      segments++;
    }
    if (segments > 0) return at(j) === 47 ? j + 1 : j;
    if (at(run) === 47 && at(run + 1) === 36 /* $ */ && at(run + 2) === 123 /* { */) return run + 1;
    return -1;
  };

  /** End of a path part in INPATH (the longest of PATH, PATH_SEG and PATH_CHAR+), or p. */
  const matchPathPart = (p: number): number => {
    let j = p;
    while (is(j, C.PathChar)) j++;
    while (at(j) === 47) {
      if (!is(j + 1, C.PathChar)) return j + 1;
      j++;
      while (is(j, C.PathChar)) j++;
    }
    return j;
  };

  let p = 0;
  while (p < len) {
    const c = bytes[p]!;

    // `${` opens an interpolation in every mode (no rule of any mode can take it otherwise).
    if (c === 36 && at(p + 1) === 123) {
      emit(Tok.DollarCurly, p, p + 2);
      push(Mode.Default);
      p += 2;
      continue;
    }

    if (mode === Mode.String) {
      if (c === 34 /* " */) {
        emit(Tok.DQuote, p, p + 1);
        pop();
        p++;
        continue;
      }
      let i = p;
      for (;;) {
        while (i < len && !(cls[bytes[i]!]! & C.Special)) i++;
        const d = at(i);
        if (d === -1 || d === 34) break;
        if (d === 92 /* \ */) {
          if (i + 1 < len) i += 2;
          else break;
        } else if (d === 36 /* $ */) {
          const e = at(i + 1);
          if (e === 123 || e === -1) break;
          if (e === 34) {
            i++; // `$` right before the closing quote belongs to the string
            break;
          }
          if (e === 92) {
            if (i + 2 < len) i += 3;
            else break;
          } else i += 2;
        } else i++; // `'`
      }
      if (i > p) emit(Tok.Str, p, i);
      else {
        emit(Tok.StrEof, p, len); // `$`, `\` or `$\` at the end
        i = len;
      }
      p = i;
      continue;
    }

    if (mode === Mode.IndString) {
      if (c === 39 /* ' */ && at(p + 1) === 39) {
        const e = at(p + 2);
        if (e === 39 || e === 36) {
          emit(Tok.IndStrEscape, p, p + 3);
          p += 3;
        } else if (e === 92 && p + 3 < len) {
          emit(Tok.IndStrEscape, p, p + 4);
          p += 4;
        } else {
          emit(Tok.IndStringClose, p, p + 2);
          pop();
          p += 2;
        }
        continue;
      }
      let i = p;
      for (;;) {
        while (i < len && !(cls[bytes[i]!]! & C.Special)) i++;
        const d = at(i);
        if (d === -1) break;
        if (d === 36) {
          const e = at(i + 1);
          if (e === 123 || e === 39 || e === -1) break;
          i += 2;
        } else if (d === 39) {
          const e = at(i + 1);
          if (e === 39 || e === 36 || e === -1) break;
          i += 2;
        } else i++; // `"` or `\`
      }
      if (i > p) emit(Tok.IndStr, p, i);
      else {
        emit(Tok.IndStrEscape, p, p + 1); // a lone `$` or `'`
        i = p + 1;
      }
      p = i;
      continue;
    }

    if (mode === Mode.InPath) {
      const e = matchPathPart(p);
      if (e > p) {
        emit(Tok.PathStr, p, e);
        p = e;
      } else {
        emit(Tok.PathEnd, p, p);
        pop();
      }
      continue;
    }

    // INITIAL and DEFAULT.
    const f = cls[c]!;
    if (f & C.IdStart) {
      // Fast path: an identifier or keyword not followed by `.`, `+`, `/` or `:`. Then no path
      // (its run of path characters ends before a `/`) and no URI (its scheme ends before a
      // `:`) can start here, and the longest match is the identifier.
      let j = p + 1;
      while (j < len && cls[bytes[j]!]! & C.IdChar) j++;
      const d = j < len ? bytes[j]! : -1;
      if (d !== 46 && d !== 43 && d !== 47 && d !== 58) {
        emit(wordKind(text, bytes, p, j), p, j);
        p = j;
        continue;
      }
    } else if (f & C.Digit) {
      // Fast path: an integer not followed by a path character, `/` or `:` (likewise).
      let j = p + 1;
      while (j < len && cls[bytes[j]!]! & C.Digit) j++;
      const d = j < len ? bytes[j]! : -1;
      if (d === -1 || !(cls[d]! & (C.PathChar | C.IdChar) || d === 47 || d === 58)) {
        emit(Tok.Int, p, j);
        p = j;
        continue;
      }
    }
    if (f & C.Space) {
      p++;
      while (p < len && cls[bytes[p]!]! & C.Space) p++;
      continue;
    }
    if (c === 35 /* # */) {
      while (p < len) {
        const d = bytes[p]!;
        if (d === 10 || d === 13) break;
        p++;
      }
      continue;
    }
    if (c === 47 /* / */ && at(p + 1) === 42 /* * */) {
      const close = text.indexOf("*/", p + 2);
      if (close !== -1) {
        // `/**` + a character that is neither `/` nor `*` starts a doc comment.
        if (at(p + 2) === 42 && at(p + 3) !== 47 && at(p + 3) !== 42 && close > p + 2) {
          docComments.push(p, close + 2);
        }
        p = close + 2;
        continue;
      }
    }
    if (c === 60 /* < */) {
      // SPATH: <PC+(/PC+)*>
      let j = p + 1;
      if (is(j, C.PathChar)) {
        j = pathRunEnd(j);
        while (at(j) === 47 && is(j + 1, C.PathChar)) {
          j++;
          while (is(j, C.PathChar)) j++;
        }
        if (at(j) === 62 /* > */) {
          emit(Tok.SPath, p, j + 1);
          p = j + 1;
          continue;
        }
      }
    } else if (c === 126 /* ~ */ && at(p + 1) === 47) {
      // HPATH: ~(/PC+)+/? , or ~/ before ${
      let j = p + 1;
      let segments = 0;
      while (at(j) === 47 && is(j + 1, C.PathChar)) {
        j++;
        while (is(j, C.PathChar)) j++;
        segments++;
      }
      let end = -1;
      if (segments > 0) end = at(j) === 47 ? j + 1 : j;
      else if (at(p + 2) === 36 && at(p + 3) === 123) end = p + 2;
      if (end !== -1) {
        emit(Tok.HPath, p, end);
        push(Mode.InPath);
        p = end;
        continue;
      }
    } else if (f & C.PathChar || c === 47) {
      const end = matchPath(p);
      if (end !== -1) {
        emit(Tok.Path, p, end);
        push(Mode.InPath);
        p = end;
        continue;
      }
    }
    if (f & C.IdStart) {
      // URI: [a-zA-Z][a-zA-Z0-9+\-.]*:[URI chars]+ (letters only start a scheme; `_` does not)
      if (c !== 95) {
        const s = schemeRunEnd(p);
        if (at(s) === 58 /* : */ && is(s + 1, C.UriChar)) {
          let j = s + 1;
          while (is(j, C.UriChar)) j++;
          emit(Tok.Uri, p, j);
          p = j;
          continue;
        }
      }
      let j = p + 1;
      while (is(j, C.IdChar)) j++;
      emit(wordKind(text, bytes, p, j), p, j);
      p = j;
      continue;
    }
    if (f & C.Digit || (c === 46 /* . */ && is(p + 1, C.Digit))) {
      // FLOAT: (([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)? , INT: [0-9]+
      let intEnd = p;
      while (is(intEnd, C.Digit)) intEnd++;
      let floatEnd = -1;
      if (c >= 49 && c <= 57 && at(intEnd) === 46) {
        floatEnd = intEnd + 1;
        while (is(floatEnd, C.Digit)) floatEnd++;
      } else {
        const dot = c === 48 && intEnd === p + 1 ? p + 1 : c === 46 ? p : -1;
        if (dot !== -1 && at(dot) === 46 && is(dot + 1, C.Digit)) {
          floatEnd = dot + 1;
          while (is(floatEnd, C.Digit)) floatEnd++;
        }
      }
      if (floatEnd !== -1) {
        const e = at(floatEnd);
        if (e === 69 || e === 101 /* E e */) {
          let k = floatEnd + 1;
          if (at(k) === 43 || at(k) === 45) k++;
          if (is(k, C.Digit)) {
            while (is(k, C.Digit)) k++;
            floatEnd = k;
          }
        }
        emit(Tok.Float, p, floatEnd);
        p = floatEnd;
      } else {
        emit(Tok.Int, p, intEnd);
        p = intEnd;
      }
      continue;
    }
    const c1 = at(p + 1);
    let type: Tok = Tok.Invalid;
    let w = 1;
    switch (c) {
      case 46 /* . */:
        if (c1 === 46 && at(p + 2) === 46) {
          type = Tok.Ellipsis;
          w = 3;
        } else type = Tok.Dot;
        break;
      case 61 /* = */:
        if (c1 === 61) ((type = Tok.Eq), (w = 2));
        else type = Tok.Assign;
        break;
      case 33 /* ! */:
        if (c1 === 61) ((type = Tok.NEq), (w = 2));
        else type = Tok.Bang;
        break;
      case 60 /* < */:
        if (c1 === 61) ((type = Tok.Leq), (w = 2));
        else if (c1 === 124) ((type = Tok.PipeFrom), (w = 2));
        else type = Tok.Lt;
        break;
      case 62 /* > */:
        if (c1 === 61) ((type = Tok.Geq), (w = 2));
        else type = Tok.Gt;
        break;
      case 38 /* & */:
        if (c1 === 38) ((type = Tok.And), (w = 2));
        break;
      case 124 /* | */:
        if (c1 === 124) ((type = Tok.Or), (w = 2));
        else if (c1 === 62) ((type = Tok.PipeInto), (w = 2));
        break;
      case 45 /* - */:
        if (c1 === 62) ((type = Tok.Impl), (w = 2));
        else type = Tok.Minus;
        break;
      case 47 /* / */:
        if (c1 === 47) ((type = Tok.Update), (w = 2));
        else type = Tok.Slash;
        break;
      case 43 /* + */:
        if (c1 === 43) ((type = Tok.Concat), (w = 2));
        else type = Tok.Plus;
        break;
      case 123 /* { */:
        emit(Tok.LCurly, p, p + 1);
        push(Mode.Default);
        p++;
        continue;
      case 125 /* } */:
        emit(Tok.RCurly, p, p + 1);
        if (mode !== Mode.Initial) pop();
        p++;
        continue;
      case 34 /* " */:
        emit(Tok.DQuote, p, p + 1);
        push(Mode.String);
        p++;
        continue;
      case 39 /* ' */:
        if (c1 === 39) {
          // `''( *\n)?`
          let j = p + 2;
          while (at(j) === 32) j++;
          const end = at(j) === 10 ? j + 1 : p + 2;
          emit(Tok.IndStringOpen, p, end);
          push(Mode.IndString);
          p = end;
          continue;
        }
        break;
      case 42:
        type = Tok.Star;
        break;
      case 63:
        type = Tok.Question;
        break;
      case 58:
        type = Tok.Colon;
        break;
      case 64:
        type = Tok.At;
        break;
      case 59:
        type = Tok.Semi;
        break;
      case 44:
        type = Tok.Comma;
        break;
      case 40:
        type = Tok.LParen;
        break;
      case 41:
        type = Tok.RParen;
        break;
      case 91:
        type = Tok.LBracket;
        break;
      case 93:
        type = Tok.RBracket;
        break;
    }
    emit(type, p, p + w);
    p += w;
  }
  // At the end of the input, flex's INPATH rule still returns PATH_END.
  if (mode === Mode.InPath) emit(Tok.PathEnd, len, len);
  return { count: n, types, starts, ends, docComments, bytes };
}

/**
 * The texts of tokens as shared strings: each distinct text is one string, however often it
 * occurs (names repeat throughout a file: one copy each keeps the AST small, and a string's hash,
 * which maps compute once per string, is computed once). A hash table over ranges of the source,
 * so that looking up a text that was seen before allocates nothing.
 */
export class SharedTexts {
  private strings: string[] = [];
  /**
   * Open addressing, four numbers a slot: index + 1 into `strings` (0: an empty slot), hash,
   * offset of the first occurrence (later ones compare bytes with it), length. Kept together, a
   * lookup touches one place in memory before the bytes it compares.
   */
  private slots: Int32Array;

  constructor(
    private readonly text: string,
    /** The text's bytes, for hashing and comparing. */
    private readonly bytes: Uint8Array,
  ) {
    // Small on purpose: the first `grow`s come within the first few dozen names, before V8
    // optimizes anything. V8 compiles code that relies on a field that was stored once never
    // changing, and on code that has not run yet never running; a first `grow` in the middle of
    // a big file deoptimized `get` and every parser function that had it inlined (about 15 of
    // them, each compiled again).
    this.slots = new Int32Array(16 * 4);
  }

  /** The text of `[start, end)`. */
  get(start: number, end: number): string {
    const bytes = this.bytes;
    const slots = this.slots;
    const len = end - start;
    let h = len;
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + bytes[i]!) | 0;
    const mask = (slots.length >> 2) - 1;
    let k = (h & mask) << 2;
    for (;;) {
      const id = slots[k]!;
      if (id === 0) break;
      if (slots[k + 1] === h && slots[k + 3] === len) {
        // Compared in the bytes: a loop V8 compiles inline, where `startsWith` is a call.
        const first = slots[k + 2]! - start;
        let i = start;
        while (i < end && bytes[i] === bytes[i + first]) i++;
        if (i === end) return this.strings[id - 1]!;
      }
      k = (k + 4) & (slots.length - 1);
    }
    const s = this.text.slice(start, end);
    this.strings.push(s);
    slots[k] = this.strings.length;
    slots[k + 1] = h;
    slots[k + 2] = start;
    slots[k + 3] = len;
    if (this.strings.length * 8 > slots.length) this.grow();
    return s;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length - 1;
    for (let j = 0; j < old.length; j += 4) {
      if (old[j] === 0) continue;
      let k = (old[j + 1]! << 2) & mask;
      while (slots[k] !== 0) k = (k + 4) & mask;
      slots[k] = old[j]!;
      slots[k + 1] = old[j + 1]!;
      slots[k + 2] = old[j + 2]!;
      slots[k + 3] = old[j + 3]!;
    }
    this.slots = slots;
  }
}
