/**
 * Doc comments (RFC 145), as CppNix finds them for the REPL's `:doc`:
 *
 * - A `/** … *\/` comment documents the token right after it (only white space and other
 *   comments in between; a later doc comment replaces an earlier one).
 * - A lambda takes the comment on its first token (`/** … *\/ x: …`, `/** … *\/ { a }: …`); if it
 *   has none, the comment on the attribute path it is bound to (`/** … *\/ f = x: …;`, in a set, a
 *   `let` or the REPL's bindings). The innermost comment wins, and a lambda passes its comment on
 *   to the lambdas of its curried body that have none of their own (so `f 1` is documented too).
 * - An attribute that is not a function is documented by the comment on its path (`:doc lib.x`).
 *
 * The parser keeps no comments, so this module tokenizes and parses a source again when
 * documentation is asked for (rarely), and remembers the result per source. Lambdas are matched by
 * their start offset, which is the same in every parse of the same text. Pinned by
 * test/repl.test.ts (`:doc`).
 */

import type { Expr, ExprAttrs, ExprLambda } from "./ast.js";
import { tokenize } from "./lexer.js";
import { parse, parseBindings, type ParseOptions } from "./parser.js";
import type { Source } from "./source.js";

/** A doc comment: the offsets of its `/**` and just after its `*\/`. */
export interface DocComment {
  readonly start: number;
  readonly end: number;
}

/** The doc comments of one source. */
export interface SourceDocs {
  /** The doc comment of the lambda that starts at this offset. */
  lambda(start: number): DocComment | undefined;
  /** The doc comment right before the token at this offset (such as an attribute path). */
  at(offset: number): DocComment | undefined;
}

const cache = new WeakMap<Source, SourceDocs>();

/**
 * The doc comments of `source`. It is parsed as an expression, else as the REPL's bindings (with
 * the `;` the REPL may have added); `experimentalFeatures` are those it was parsed with.
 */
export function sourceDocs(source: Source, experimentalFeatures?: ReadonlySet<string>): SourceDocs {
  let docs = cache.get(source);
  if (docs === undefined) {
    docs = findDocs(source.text, experimentalFeatures);
    cache.set(source, docs);
  }
  return docs;
}

function findDocs(text: string, experimentalFeatures?: ReadonlySet<string>): SourceDocs {
  // The token after each doc comment.
  const tokens = tokenize(text);
  const byToken = new Map<number, DocComment>();
  const spans = tokens.docComments;
  for (let i = 0; i < spans.length; i += 2) {
    const end = spans[i + 1]!;
    let lo = 0;
    let hi = tokens.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokens.starts[mid]! < end) lo = mid + 1;
      else hi = mid;
    }
    if (lo < tokens.count) byToken.set(tokens.starts[lo]!, { start: spans[i]!, end });
  }
  const at = new Map(byToken);
  const lambdas = new Map<number, DocComment>();
  if (byToken.size === 0) return { lambda: () => undefined, at: () => undefined };

  /** CppNix's `ExprLambda::setDocComment`: down a curried chain, up to one with its own. */
  const setDoc = (e: Expr, doc: DocComment): void => {
    for (let x = e; x.kind === "Lambda" && !lambdas.has(x.start); x = x.body) {
      lambdas.set(x.start, doc);
    }
  };
  /** A binding `path = value;` whose path has a doc comment (CppNix's `addAttr`). */
  const binding = (pos: number, value: Expr): void => {
    const doc = byToken.get(pos);
    if (doc === undefined) return;
    setDoc(value, doc);
    if (!at.has(value.start)) at.set(value.start, doc);
  };
  const bindings = (a: ExprAttrs): void => {
    for (const from of a.inheritFromExprs ?? []) walk(from);
    for (const def of a.attrs.values()) {
      walk(def.value);
      if (def.kind === "plain") binding(def.pos, def.value);
    }
    for (const d of a.dynamicAttrs ?? []) {
      walk(d.name);
      walk(d.value);
      binding(d.pos, d.value);
    }
  };
  // Children first, as bison reduces them: an inner lambda's own comment is set before an outer
  // one passes its comment down.
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case "Lambda":
        lambda(e);
        return;
      case "Attrs":
        bindings(e);
        return;
      case "Let":
        bindings(e.attrs);
        walk(e.body);
        return;
      case "Select":
        walk(e.subject);
        for (const n of e.path) if (typeof n !== "string") walk(n);
        if (e.default) walk(e.default);
        return;
      case "OpHasAttr":
        walk(e.subject);
        for (const n of e.path) if (typeof n !== "string") walk(n);
        return;
      case "List":
        for (const x of e.elems) walk(x);
        return;
      case "Call":
        walk(e.fn);
        for (const x of e.args) walk(x);
        return;
      case "With":
        walk(e.attrs);
        walk(e.body);
        return;
      case "If":
        walk(e.cond);
        walk(e.then);
        walk(e.else);
        return;
      case "Assert":
        walk(e.cond);
        walk(e.body);
        return;
      case "OpNot":
        walk(e.expr);
        return;
      case "BinOp":
        walk(e.left);
        walk(e.right);
        return;
      case "ConcatStrings":
        for (const x of e.parts) walk(x);
        return;
      case "Int":
      case "Float":
      case "String":
      case "Path":
      case "Var":
      case "Pos":
      case "InheritFrom":
        return;
    }
  };
  const lambda = (e: ExprLambda): void => {
    for (const f of e.formals?.formals ?? []) if (f.default) walk(f.default);
    walk(e.body);
    const own = byToken.get(e.start);
    if (own !== undefined) setDoc(e, own);
  };

  // No warnings a second time, no lints: only the shape matters.
  const options: ParseOptions = { basePath: "/", home: "/", experimentalFeatures };
  const origin = { kind: "string" } as const;
  const attempts: (() => void)[] = [
    () => walk(parse(text, origin, options).expr),
    () => bindings(parseBindings(text, origin, options).attrs),
    () => bindings(parseBindings(text + ";", origin, options).attrs),
  ];
  for (const attempt of attempts) {
    try {
      attempt();
      break;
    } catch {
      // Not this shape (a parse error): the next one.
    }
  }
  return { lambda: (start) => lambdas.get(start), at: (offset) => at.get(offset) };
}

/**
 * CppNix's `DocComment::getInnerText`: the text between `/**` and `*\/`, its indentation
 * stripped as CppNix's `stripIndentation` does (the `/**` counts as three spaces).
 */
export function docCommentText(source: Source, doc: DocComment): string {
  const inner = source.text.slice(doc.start + 3, doc.end - 2);
  if (inner === "") return "";
  return stripIndentation("   " + inner);
}

/**
 * CppNix's `stripIndentation` (util.cc): removes the smallest indentation of the lines with text
 * from every line; every line ends with a newline. (As in CppNix, a line of only spaces raises the
 * minimum to its own length.)
 */
export function stripIndentation(s: string): string {
  let minIndent = 10000;
  let curIndent = 0;
  let atStartOfLine = true;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (atStartOfLine && c === " ") curIndent++;
    else if (c === "\n") {
      if (atStartOfLine) minIndent = Math.max(minIndent, curIndent);
      curIndent = 0;
      atStartOfLine = true;
    } else if (atStartOfLine) {
      minIndent = Math.min(minIndent, curIndent);
      atStartOfLine = false;
    }
  }
  let res = "";
  let pos = 0;
  while (pos < s.length) {
    let eol = s.indexOf("\n", pos);
    if (eol < 0) eol = s.length;
    if (eol - pos > minIndent) res += s.slice(pos + minIndent, eol);
    res += "\n";
    pos = eol + 1;
  }
  return res;
}
