/**
 * `match` and `split`, with POSIX extended regular expressions as CppNix's `std::regex`
 * (`extended`) reads them, translated to JS regular expressions over byte strings:
 *
 * - bracket expressions: `[[:alpha:]]` and the other C-locale classes, a `]` first is literal,
 *   a backslash inside brackets is literal;
 * - outside brackets `\c` is the literal `c`; `.` matches any byte, newlines included;
 * - `match` must match the whole string and returns the groups (null when unmatched);
 * - `split` returns the unmatched parts interleaved with the lists of groups of each match.
 *
 * Known difference, pinned nowhere yet: POSIX picks the leftmost-*longest* match, JS the
 * leftmost-first; they differ only when alternatives overlap (`a|ab`), for `split` and for
 * sub-groups. Compiled patterns are cached.
 */

import type { Evaluator } from "../evaluator/eval.js";
import { NixString, type Lazy, type Value } from "../evaluator/value.js";
import { Args, inContext } from "./args.js";
import type { Builtin, CallSite } from "./registry.js";

const hex = (c: number): string => "\\x" + c.toString(16).padStart(2, "0");

const classes: Record<string, [number, number][]> = {
  alpha: [
    [65, 90],
    [97, 122],
  ],
  digit: [[48, 57]],
  alnum: [
    [48, 57],
    [65, 90],
    [97, 122],
  ],
  upper: [[65, 90]],
  lower: [[97, 122]],
  space: [
    [9, 13],
    [32, 32],
  ],
  blank: [
    [9, 9],
    [32, 32],
  ],
  punct: [
    [33, 47],
    [58, 64],
    [91, 96],
    [123, 126],
  ],
  xdigit: [
    [48, 57],
    [65, 70],
    [97, 102],
  ],
  cntrl: [
    [0, 31],
    [127, 127],
  ],
  print: [[32, 126]],
  graph: [[33, 126]],
  word: [
    [48, 57],
    [65, 90],
    [95, 95],
    [97, 122],
  ],
};

class InvalidRegex extends Error {}

/** Translates a POSIX ERE (a byte string) into the source of an equivalent JS RegExp. */
export function translateERE(re: string): string {
  let out = "";
  let i = 0;
  while (i < re.length) {
    const c = re[i]!;
    if (c === "\\") {
      if (i + 1 >= re.length) throw new InvalidRegex("trailing backslash");
      out += hex(re.charCodeAt(i + 1));
      i += 2;
    } else if (c === "[") {
      i++;
      let negate = false;
      if (re[i] === "^") {
        negate = true;
        i++;
      }
      const parts: string[] = [];
      let first = true;
      for (;;) {
        if (i >= re.length) throw new InvalidRegex("unterminated bracket expression");
        const d = re[i]!;
        if (d === "]" && !first) {
          i++;
          break;
        }
        first = false;
        if (d === "[" && re[i + 1] === ":") {
          const end = re.indexOf(":]", i + 2);
          if (end === -1) throw new InvalidRegex("unterminated character class");
          const ranges = classes[re.slice(i + 2, end)];
          if (!ranges) throw new InvalidRegex("unknown character class");
          for (const [lo, hi] of ranges) parts.push(lo === hi ? hex(lo) : hex(lo) + "-" + hex(hi));
          i = end + 2;
          continue;
        }
        if (d === "[" && (re[i + 1] === "=" || re[i + 1] === ".")) {
          const close = re[i + 1] + "]";
          const end = re.indexOf(close, i + 2);
          if (end === -1) throw new InvalidRegex("unterminated collating element");
          for (const ch of re.slice(i + 2, end)) parts.push(hex(ch.charCodeAt(0)));
          i = end + 2;
          continue;
        }
        const lo = re.charCodeAt(i);
        if (re[i + 1] === "-" && i + 2 < re.length && re[i + 2] !== "]") {
          const hi = re.charCodeAt(i + 2);
          if (hi < lo) throw new InvalidRegex("invalid range");
          parts.push(hex(lo) + "-" + hex(hi));
          i += 3;
        } else {
          parts.push(hex(lo));
          i++;
        }
      }
      out += (negate ? "[^" : "[") + parts.join("") + "]";
    } else if (c === ".") {
      out += "[^]";
      i++;
    } else if (c === "{" && /^\{[0-9]+(,[0-9]*)?\}/.test(re.slice(i))) {
      // A bound: copied as it is (its comma must not be escaped).
      const end = re.indexOf("}", i);
      out += re.slice(i, end + 1);
      i = end + 1;
    } else if ("()|*+?{}^$".includes(c)) {
      out += c;
      i++;
    } else {
      out += /[A-Za-z0-9_]/.test(c) ? c : hex(re.charCodeAt(i));
      i++;
    }
  }
  return out;
}

/**
 * A regular expression compiled: for the whole string (`match`) and for searching (`split`);
 * `literal` is the text itself when the expression has no special character, so that `split`
 * can search it natively.
 */
interface Compiled {
  whole: RegExp;
  search: RegExp;
  literal: string | null;
}

const cache = new Map<string, Compiled | InvalidRegex>();

function compile(ev: Evaluator, site: CallSite, re: string): Compiled {
  let compiled = cache.get(re);
  if (compiled === undefined) {
    try {
      const src = translateERE(re);
      compiled = {
        whole: new RegExp(`^(?:${src})$`),
        search: new RegExp(src, "g"),
        literal: re !== "" && !/[\\^$.[\]|()*+?{}]/.test(re) ? re : null,
      };
    } catch {
      compiled = new InvalidRegex(re);
    }
    cache.set(re, compiled);
  }
  if (compiled instanceof InvalidRegex) {
    throw ev.error("EvalError", `invalid regular expression '${re}'`, null);
  }
  return compiled;
}

function groups(m: RegExpExecArray): Lazy[] {
  return m.slice(1).map((g) => (g === undefined ? null : g));
}

export const regexBuiltins: Builtin[] = [
  {
    name: "match",
    arity: 2,
    doc: 'If the POSIX regular expression *regex* matches all of *str*, the list of its groups; else `null`.\n\n    builtins.match "ab(c*)" "abccc"',
    impl: (ev, args, site): Value => {
      const a = new Args(ev, site, "match", args);
      const re = a.string(0);
      const { whole } = compile(ev, site, re);
      const str = inContext(
        ev,
        site,
        "while evaluating the second argument passed to builtins.match",
        () => ev.forceString(args[1]!, null, -1),
      );
      const m = whole.exec(str);
      return m === null ? null : groups(m);
    },
  },
  {
    name: "split",
    arity: 2,
    doc: 'Split *str* at the matches of the POSIX regular expression *regex*, keeping the groups.\n\n    builtins.split "(a)b" "cabdabe"',
    impl: (ev, args, site): Value => {
      const a = new Args(ev, site, "split", args);
      const re = a.string(0);
      const { search, literal } = compile(ev, site, re);
      const value = ev.force(args[1]!);
      const str = inContext(
        ev,
        site,
        "while evaluating the second argument passed to builtins.split",
        () => ev.forceString(value, null, -1),
      );
      const out: Lazy[] = [];
      let last = 0;
      if (literal !== null) {
        // Each occurrence of the text, left to right, is a match without groups.
        for (let i = str.indexOf(literal); i >= 0; i = str.indexOf(literal, last)) {
          out.push(str.slice(last, i), []);
          last = i + literal.length;
        }
        if (out.length === 0) return [value instanceof NixString ? value : str];
        out.push(str.slice(last));
        return out;
      }
      search.lastIndex = 0;
      for (;;) {
        const m = search.exec(str);
        if (m === null) break;
        out.push(str.slice(last, m.index), groups(m));
        last = m.index + m[0].length;
        if (m[0].length === 0) {
          // An empty match: the next search starts one byte further on.
          if (search.lastIndex >= str.length) break;
          search.lastIndex++;
        }
      }
      if (out.length === 0) return [value instanceof NixString ? value : str];
      out.push(str.slice(last));
      return out;
    },
  },
];
