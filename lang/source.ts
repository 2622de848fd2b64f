/**
 * Sources, positions and code frames, as CppNix's `PosTable` and `printCodeLines` do them.
 *
 * - Nix source text is bytes, not Unicode. tsnix holds it as a "byte string": a JS string whose
 *   every char code is one byte (0-255). So offsets and columns count bytes (`123 é 4` has its
 *   `4` at column 8), `stringLength "é"` is 2, and invalid UTF-8 survives a round trip.
 *   `bytesToByteString` / `byteStringToBytes` convert at the IO boundary; `utf8ToByteString`
 *   turns a JS (UTF-16) string such as a command-line argument into one.
 * - A line ends at `\n`, `\r\n` or a lone `\r` (CppNix `Pos::LinesIterator`), lines and columns
 *   are 1-based, and positions are computed lazily from offsets, as CppNix does: the lexer and
 *   parser only track offsets.
 * - A code frame shows the line before, the line of the error with a caret under the column,
 *   and the line after, each numbered in a 5-wide field (pinned by test/lang/parse-fail-*.exp).
 */

/** Where a source came from; printed in positions as Nix prints them. */
export type Origin =
  | { readonly kind: "file"; /** A byte string. */ readonly path: string }
  | { readonly kind: "stdin" }
  | { readonly kind: "string" }
  /** Nix code shipped inside the evaluator (`«nix-internal»/derivation-internal.nix`). */
  | { readonly kind: "internal"; readonly path: string };

export function showOrigin(origin: Origin): string {
  switch (origin.kind) {
    case "file":
      return origin.path;
    case "stdin":
      return "\xc2\xabstdin\xc2\xbb"; // «stdin», as UTF-8 bytes
    case "string":
      return "\xc2\xabstring\xc2\xbb";
    case "internal":
      return "\xc2\xabnix-internal\xc2\xbb/" + origin.path;
  }
}

/** A resolved position: 1-based line and column (in bytes), as Nix prints `file:line:col`. */
export interface Pos {
  readonly source: Source;
  readonly line: number;
  readonly column: number;
}

export class Source {
  private lineStarts: Int32Array | undefined;

  constructor(
    readonly origin: Origin,
    /** The text as a byte string (see the module comment). */
    readonly text: string,
  ) {}

  /** The offsets at which lines start (CppNix's lines cache). */
  private lines(): Int32Array {
    if (this.lineStarts) return this.lineStarts;
    const text = this.text;
    const starts: number[] = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        starts.push(i + 1);
      }
    }
    this.lineStarts = Int32Array.from(starts);
    return this.lineStarts;
  }

  /** Line and column of a byte offset. */
  pos(offset: number): Pos {
    const starts = this.lines();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { source: this, line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  /** The text of a 1-based line, without its line ending; undefined past the end. */
  lineText(line: number): string | undefined {
    const starts = this.lines();
    if (line < 1 || line > starts.length) return undefined;
    const start = starts[line - 1]!;
    let end = start;
    const text = this.text;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      if (c === 10 || c === 13) break;
      end++;
    }
    return text.slice(start, end);
  }

  /** Whether the text ends with a line ending, so that a last, empty line exists. */
  lineCount(): number {
    return this.lines().length;
  }
}

/** `file:line:col`, as Nix prints a position. */
export function showPos(pos: Pos): string {
  return `${showOrigin(pos.source.origin)}:${pos.line}:${pos.column}`;
}

function lineNumber(n: number): string {
  return String(n).padStart(5, " ");
}

/**
 * The lines CppNix's `printCodeLines` prints under `at file:line:col:`, each starting with a
 * newline. CppNix iterates lines of the source: the line after the last line ending exists (and
 * is empty) only when the text has one.
 */
export function codeFrame(pos: Pos): string {
  const { source, line, column } = pos;
  let out = "";
  if (line > 1) {
    const prev = source.lineText(line - 1);
    if (prev !== undefined) out += `\n ${lineNumber(line - 1)}| ${prev}`;
  }
  const cur = source.lineText(line);
  if (cur !== undefined) {
    out += `\n ${lineNumber(line)}| ${cur}`;
    if (column > 0) out += `\n      |${" ".repeat(column)}^`;
  }
  const next = source.lineText(line + 1);
  if (next !== undefined) out += `\n ${lineNumber(line + 1)}| ${next}`;
  return out;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Bytes to a byte string (each byte one char code). Works without Node's Buffer. */
export function bytesToByteString(bytes: Uint8Array): string {
  let out = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk) as unknown as number[]);
  }
  return out;
}

/** A byte string back to bytes. */
export function byteStringToBytes(s: string): Uint8Array {
  // ASCII is its own UTF-8, which the encoder makes natively: 3-8 ms for 10 MB, where the loop
  // below takes 20-27 ms.
  const ascii = utf8Encoder.encode(s);
  if (ascii.length === s.length) return ascii;
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** A byte string read as UTF-8, as a JS (UTF-16) string: the inverse of `utf8ToByteString`. */
export function byteStringToUtf8(s: string): string {
  // Pure ASCII is already the same string.
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  return utf8Decoder.decode(byteStringToBytes(s));
}

/** A JS (UTF-16) string, such as a command-line argument, as the byte string of its UTF-8. */
export function utf8ToByteString(s: string): string {
  // Pure ASCII is already a byte string.
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  return bytesToByteString(utf8Encoder.encode(s));
}
