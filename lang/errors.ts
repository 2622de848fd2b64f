/**
 * Nix errors: a closed set of kinds, a message, an optional position and a trace, rendered the
 * way CppNix's `showErrorInfo` renders them:
 *
 *     error: attribute 'x' already defined at «stdin»:1:3
 *            at «stdin»:3:3:
 *                 2|   y = 456;
 *                 3|   x = 789;
 *                  |   ^
 *                 4| }
 *
 * The trace comes first (`… while evaluating …`, innermost last), then `error:` and the message;
 * every line after the first is indented to the width of `error: ` and stripped of trailing
 * white space (CppNix's `indent` + `chomp`). Messages are byte strings like everything else.
 */

import { codeFrame, showPos, type Pos } from "./source.js";

/** The kinds of error tsnix raises, named after CppNix's error classes. */
export type ErrorKind =
  | "ParseError"
  | "UndefinedVarError"
  | "EvalError"
  | "TypeError"
  | "AssertionError"
  | "ThrownError"
  | "Abort"
  | "InfiniteRecursionError"
  | "StackOverflowError"
  | "IOError"
  | "UsageError"
  /** Ctrl-C during evaluation (the REPL goes on). */
  | "Interrupted";

/**
 * How a frame is printed: as usual (held back past the first few without `--show-trace`),
 * always (CppNix's `TracePrint::Always`: "entering the infinite recursion"), or only with
 * `--show-trace` (the frames CppNix adds only then: "while calling 'f'", "from call site").
 */
export type TracePrint = "default" | "always" | "showTrace";

export interface Trace {
  readonly pos: Pos | undefined;
  readonly message: string;
  readonly print: TracePrint;
}

export class NixError extends Error {
  readonly traces: Trace[] = [];

  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly pos?: Pos,
  ) {
    super(message);
    this.name = kind;
  }

  /**
   * A copy with its own trace: what forcing a failed thunk again throws (CppNix's
   * `throwClone`), so that the frames added on the way out do not pile up on the original.
   */
  clone(): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    // Every own property, the non-enumerable `message` and `stack` included.
    Object.defineProperties(copy, Object.getOwnPropertyDescriptors(this));
    (copy as { traces: Trace[] }).traces = [...this.traces];
    return copy;
  }

  /** Names the user may have meant (CppNix's `Suggestions`), best first; see `withSuggestions`. */
  suggestions: string[] = [];

  /**
   * CppNix's `bestMatches(candidates, query).trim()`: the (at most 5) candidates within edit
   * distance 2 of `query`, nearest first, then by name.
   */
  withSuggestions(candidates: Iterable<string>, query: string): this {
    const scored = [...new Set(candidates)].map((c) => ({ d: levenshtein(query, c), c }));
    scored.sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : a.c > b.c ? 1 : 0));
    this.suggestions = scored
      .filter((x) => x.d <= 2)
      .slice(0, 5)
      .map((x) => x.c);
    return this;
  }

  /**
   * Adds a frame of context (`… while evaluating …`), innermost first. An interruption gets
   * none (CppNix's `Interrupted` is no evaluation error).
   */
  addTrace(message: string, pos?: Pos, print: TracePrint = "default"): this {
    if (this.kind !== "Interrupted") this.traces.push({ pos, message, print });
    return this;
  }
}

/** Strips trailing white space (a loop: the regex `[ \t\n\r]+$` is quadratic on long runs). */
function chomp(s: string): string {
  let end = s.length;
  for (;;) {
    const c = s.charCodeAt(end - 1);
    if (c === 32 || c === 9 || c === 10 || c === 13) end--;
    else break;
  }
  return s.slice(0, end);
}

/** `at file:line:col:` and the code frame, or nothing when there is no position. */
function positionLines(pos: Pos | undefined, indent: string): string {
  if (!pos) return "";
  let out = `${indent}at ${showPos(pos)}:`;
  out += codeFrame(pos);
  return out + "\n";
}

/** Renders an error exactly as Nix prints it on stderr (without the final newline). */
/** CppNix's `levenshteinDistance` (on bytes). */
function levenshtein(a: string, b: string): number {
  let v0 = Array.from({ length: b.length + 1 }, (_, i) => i);
  let v1 = new Array<number>(b.length + 1);
  for (let i = 0; i < a.length; i++) {
    v1[0] = i + 1;
    for (let j = 0; j < b.length; j++) {
      const substitution = a[i] === b[j] ? v0[j]! : v0[j]! + 1;
      v1[j + 1] = Math.min(v0[j + 1]! + 1, v1[j]! + 1, substitution);
    }
    [v0, v1] = [v1, v0];
  }
  return v0[b.length]!;
}

/** `x`, `one of x or y`, `one of x, y or z`, as CppNix's `Suggestions::to_string`. */
function showSuggestions(names: string[]): string {
  if (names.length === 1) return names[0]!;
  return `one of ${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

/** CppNix's `MissingExperimentalFeature` message (`what`: the thing that needs the feature). */
export function missingFeature(feature: string, what?: string): string {
  const by = what === undefined ? "" : ` (required by ${what})`;
  return `experimental Nix feature '${feature}' is disabled${by}; add '--extra-experimental-features ${feature}' to enable it`;
}

export function renderError(
  err: NixError,
  options: { showTrace?: boolean; level?: "error" | "warning" | "evaluation warning" } = {},
): string {
  const prefix = `${options.level ?? "error"}: `;
  let body = "";
  let count = 0;
  let truncated = false;
  // As CppNix's showErrorInfo: a frame already printed is held back; a run of up to five such
  // frames is printed anyway, a longer one becomes "(N duplicate frames omitted)". The frames
  // seen stay seen after that (CppNix's `printSkippedTracesMaybe` clears only its own copy of
  // the set: eval-fail-mutual-recursion).
  const key = (t: Trace): string => `${t.message}\0${t.pos ? showPos(t.pos) : ""}`;
  const seen = new Set<string>();
  let skipped: Trace[] = [];
  const printTrace = (trace: Trace): void => {
    body += `\n\xe2\x80\xa6 ${trace.message}\n`; // "…" as UTF-8 bytes
    if (trace.pos) {
      body += positionLines(trace.pos, "  ");
      count++;
    }
  };
  const flushSkipped = (): void => {
    if (skipped.length === 0) return;
    if (skipped.length <= 5) {
      for (const t of skipped) printTrace(t);
    } else {
      body += `\n(${skipped.length} duplicate frames omitted)\n`;
    }
    skipped = [];
  };
  // Traces are stored innermost first and printed outermost first.
  for (let i = err.traces.length - 1; i >= 0; i--) {
    const trace = err.traces[i]!;
    if (trace.message === "") continue;
    if (trace.print === "showTrace" && !options.showTrace) continue;
    if (!options.showTrace && count > 3) truncated = true;
    if (truncated && trace.print !== "always") continue;
    if (seen.has(key(trace))) {
      skipped.push(trace);
      continue;
    }
    seen.add(key(trace));
    flushSkipped();
    count++;
    printTrace(trace);
  }
  flushSkipped();
  if (truncated) {
    body += "\n(stack trace truncated; use '--show-trace' to show the full, detailed trace)\n";
  }
  if (body !== "") body += "\n" + prefix;
  body += err.message + "\n";
  body += positionLines(err.pos, "");
  if (err.suggestions.length > 0) body += `Did you mean ${showSuggestions(err.suggestions)}?\n`;
  const indentRest = " ".repeat(prefix.length);
  const lines = chomp(body).split("\n");
  const out = lines.map((line, i) => chomp((i === 0 ? prefix : indentRest) + line)).join("\n");
  // A message ending in a newline (toml11's error block) keeps its last, empty line indented,
  // as CppNix prints it: its colour reset after that newline keeps its chomp from removing it.
  return err.message.endsWith("\n") && err.pos === undefined ? out + "\n" + indentRest : out;
}
