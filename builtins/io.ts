/**
 * Builtins that read the outside world through the evaluator's `EvalIO`: `import` (a file, or a
 * directory's `default.nix`, evaluated once), `readFile`, `readDir`, `readFileType`,
 * `pathExists`, `getEnv`. Paths are Nix paths or strings holding absolute paths (CppNix's
 * `realisePath`); store-path strings with context need the store (issue 4).
 */

import type { Evaluator } from "../evaluator/eval.js";
import { Attrs, NixPath, NixString, type Lazy } from "../evaluator/value.js";
import { canonPath } from "../lang/path.js";
import { argContext, inContext } from "./args.js";
import type { Builtin, CallSite } from "./registry.js";

/**
 * CppNix's `coerceToPath`: a path, or what a set's `__toString` or `outPath` gives, or a string
 * that is an absolute path (canonicalised).
 */
export function coerceToPath(ev: Evaluator, site: CallSite, l: Lazy, frame: string): string {
  return coerceToPathWithContext(ev, site, l, frame, new Set());
}

/** `coerceToPath`, adding the context of a string to `context`. */
export function coerceToPathWithContext(
  ev: Evaluator,
  site: CallSite,
  l: Lazy,
  frame: string,
  context: Set<string>,
): string {
  // Errors forcing it get no frame; what it does not coerce is an error under `frame`.
  return ev.peelToString(ev.force(l), (v) => {
    if (v instanceof NixPath) return v.path;
    const s = ev.coerceToString(v, context, null, -1, {}, frame);
    if (!s.startsWith("/")) {
      const err = ev.error("EvalError", `string '${s}' doesn't represent an absolute path`, null);
      throw err.addTrace(frame);
    }
    return canonPath(s);
  });
}

/**
 * CppNix's `realisePath`: a path to read. The store paths in a string's context must be valid,
 * and derivation outputs are built first (import from derivation).
 */
export function realisePath(ev: Evaluator, site: CallSite, l: Lazy): string {
  const context = new Set<string>();
  const frame = "while realising the context of a path";
  const path = coerceToPathWithContext(ev, site, l, frame, context);
  if (context.size > 0) {
    inContext(ev, site, `while realising the context of path '${path}'`, () =>
      ev.storeOp(site.env, site.pos, () => ev.store.realiseContext(context)),
    );
  }
  return path;
}

function missing(ev: Evaluator, site: CallSite, path: string): never {
  throw ev.error("EvalError", `path '${path}' does not exist`, null);
}

/**
 * `path` with its symlinks followed component by component, as CppNix's
 * `SourcePath::resolveSymlinks` does (within the evaluator's view of the file system, so a
 * path keeps its spelling where no symlink is crossed).
 */
export function resolveSymlinks(ev: Evaluator, path: string): string {
  let todo = path.split("/").filter((c) => c !== "");
  let done = "";
  for (let followed = 0; todo.length > 0;) {
    const c = todo.shift()!;
    const next =
      c === "." ? done : c === ".." ? done.slice(0, done.lastIndexOf("/")) : `${done}/${c}`;
    const target = c === "." || c === ".." ? undefined : ev.io.readLink(next);
    if (target === undefined || ++followed > 1024) {
      done = next;
      continue;
    }
    if (target.startsWith("/")) done = "";
    todo = [...target.split("/").filter((x) => x !== ""), ...todo];
  }
  return done === "" ? "/" : done;
}

export const ioBuiltins: Builtin[] = [
  {
    name: "toPath",
    arity: 1,
    doc: '**DEPRECATED.** The absolute path *s* as a string.\n\n    builtins.toPath "/a/../b"',
    impl: (ev, [s], site) => coerceToPath(ev, site, s!, argContext(0, "toPath")),
  },
  {
    name: "import",
    arity: 1,
    doc: "Load, parse and return the Nix expression in the file *path* (a directory means its `default.nix`).\n\n    import ./foo.nix",
    impl: (ev, [p], site) => {
      const path = realisePath(ev, site, p!);
      return ev.evalFile(path, site.env, site.pos);
    },
  },
  {
    name: "readFile",
    arity: 1,
    doc: "The contents of the file *path* as a string.\n\n    builtins.readFile ./README",
    impl: (ev, [p], site) => {
      const path = realisePath(ev, site, p!);
      if (ev.io.fileType(path, true) === undefined) missing(ev, site, path);
      return ev.io.readFile(path);
    },
  },
  {
    name: "pathExists",
    arity: 1,
    doc: "Whether *path* exists (a broken symlink does; a string ending in `/` must be a directory).\n\n    builtins.pathExists ./foo",
    impl: (ev, [p], site) => {
      const v = ev.force(p!);
      const raw = typeof v === "string" ? v : v instanceof NixString ? v.s : undefined;
      // CppNix: a trailing "/" or "/." on a string means the path must be a directory.
      const mustBeDir = raw !== undefined && (raw.endsWith("/") || raw.endsWith("/."));
      const path = realisePath(ev, site, v);
      return mustBeDir
        ? ev.io.fileType(path, true) === "directory"
        : ev.io.fileType(path, false) !== undefined;
    },
  },
  {
    name: "readFileType",
    arity: 1,
    doc: 'The type of the file *p*: `"regular"`, `"directory"`, `"symlink"` or `"unknown"`.\n\n    builtins.readFileType ./.',
    impl: (ev, [p], site) => {
      const path = realisePath(ev, site, p!);
      return ev.io.fileType(path, false) ?? missing(ev, site, path);
    },
  },
  {
    name: "readDir",
    arity: 1,
    doc: "The entries of the directory *path*, as a set from names to file types.\n\n    builtins.readDir ./.",
    impl: (ev, [p], site) => {
      const path = realisePath(ev, site, p!);
      const type = ev.io.fileType(path, true);
      if (type === undefined) missing(ev, site, path);
      if (type !== "directory") {
        const shown = resolveSymlinks(ev, path);
        throw ev.error("EvalError", `'${shown}' is not a directory`, null);
      }
      return Attrs.fromMap(new Map<string, Lazy>(ev.io.readDir(path)));
    },
  },
  {
    name: "getEnv",
    arity: 1,
    doc: 'The value of the environment variable *s*, or `""` if it is not set.\n\n    builtins.getEnv "HOME"',
    impl: (ev, [s], site) => {
      const name = inContext(ev, site, argContext(0, "getEnv"), () => ev.forceString(s!, null, -1));
      return ev.io.env(name) ?? "";
    },
  },
];
