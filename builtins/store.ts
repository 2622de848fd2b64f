/**
 * Builtins that put files into the store or name store paths (spec §4): `toFile` (a text object
 * whose references are the plain store paths in its contents' context), `path` and
 * `filterSource` (a copy of a file or tree, NAR-hashed or flat, optionally filtered by a Nix
 * function), and `storePath` (an existing store path, with itself as context). Paths are
 * computed by tsnix; the evaluator's store writes the objects unless evaluation is read-only.
 */

import type { Evaluator } from "../evaluator/eval.js";
import { NixString, type Lazy, type Value } from "../evaluator/value.js";
import { NixError } from "../lang/errors.js";
import { makeFixedOutputPath } from "../store/path.js";
import type { FileType, PathFilter } from "../store/nar.js";
import { inContext } from "./args.js";
import { parseHashAllowEmpty } from "./derivation.js";
import { coerceToPathWithContext, resolveSymlinks } from "./io.js";
import type { Builtin, CallSite } from "./registry.js";

/** A string that is `path`, with `path` as its (plain) context. */
function storePathString(path: string): NixString {
  return new NixString(path, new Set([path]));
}

/** The `filter` of `builtins.path`/`filterSource` as a `PathFilter`: `filter path type`. */
function pathFilter(ev: Evaluator, site: CallSite, fn: Value): PathFilter {
  return (path: string, type: FileType) => {
    const r = ev.callFunction(fn, [path, type], null, -1);
    return inContext(
      ev,
      site,
      "while evaluating the return value of the path filter function",
      () => ev.forceBool(r, null, -1),
    );
  };
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** CppNix's `addPath` (behind `builtins.path` and `filterSource`). */
function addPath(
  ev: Evaluator,
  site: CallSite,
  name: string,
  path: string,
  filter: Value | undefined,
  recursive: boolean,
  expected: Uint8Array | undefined,
): Value {
  try {
    return ev.storeOp(site.env, site.pos, () => {
      // Current Nix resolves every symlink of the path first (2.8 stored a link as a link).
      const src = resolveSymlinks(ev, path);
      const added = ev.store.addPath(
        ev.io,
        src,
        name,
        recursive,
        filter === undefined ? undefined : pathFilter(ev, site, filter),
      );
      if (expected !== undefined) {
        const want = makeFixedOutputPath(
          name,
          recursive ? "nar" : "flat",
          "sha256",
          expected,
          [],
          ev.store.storeDir,
        );
        if (want !== added.path) {
          throw ev.error(
            "EvalError",
            `store path mismatch in (possibly filtered) path added from '${path}'`,
            null,
          );
        }
      }
      return storePathString(added.path);
    });
  } catch (e) {
    if (e instanceof NixError) e.addTrace(`while adding path '${path}'`);
    throw e;
  }
}

export const storeBuiltins: Builtin[] = [
  {
    name: "toFile",
    arity: 2,
    doc: 'Writes *s* to a file in the store named *name* and returns its path. Store paths in the context of *s* become its references; derivations may not be referenced.\n\n    builtins.toFile "hello.txt" "Hello, world!\\n"',
    impl: (ev, [n, s], site) => {
      const name = inContext(
        ev,
        site,
        "while evaluating the first argument passed to builtins.toFile",
        () => ev.forceStringNoContext(n!, null, -1),
      );
      const v = inContext(
        ev,
        site,
        "while evaluating the second argument passed to builtins.toFile",
        () => {
          const v = ev.force(s!);
          ev.forceString(v, null, -1);
          return v;
        },
      );
      const contents = v instanceof NixString ? v.s : (v as string);
      const refs: string[] = [];
      for (const c of v instanceof NixString ? v.context : []) {
        if (c.startsWith("=") || c.startsWith("!")) {
          throw ev.error(
            "EvalError",
            `files created by builtins.toFile may not reference derivations, but ${name} references ${c}`,
            null,
          );
        }
        refs.push(c);
      }
      const path = ev.storeOp(site.env, site.pos, () => ev.store.addText(name, contents, refs));
      return storePathString(path);
    },
  },
  {
    name: "path",
    arity: 1,
    doc: 'Copies `path` into the store as `name` (default: its base name), filtered by `filter`, hashed as a NAR (`recursive = true`, the default) or flat; `sha256` is the expected hash.\n\n    builtins.path { path = ./src; name = "source"; filter = p: t: baseNameOf p != ".git"; }',
    impl: (ev, [a], site) => {
      const attrs = ev.forceAttrs(
        a!,
        null,
        -1,
        "while evaluating the argument passed to 'builtins.path'",
      );
      let path: string | undefined;
      let name = "";
      let filter: Value | undefined;
      let recursive = true;
      let expected: Uint8Array | undefined;
      const context = new Set<string>();
      for (const key of attrs.names()) {
        const value: Lazy = attrs.get(key)!;
        const frame = (what: string) => `while evaluating the ${what} passed to builtins.path`;
        if (key === "path") {
          path = coerceToPathWithContext(
            ev,
            site,
            value,
            "while evaluating the 'path' attribute passed to 'builtins.path'",
            context,
          );
        } else if (key === "name") {
          name = inContext(ev, site, frame("`name` attribute"), () =>
            ev.forceStringNoContext(value, null, -1),
          );
        } else if (key === "filter") {
          filter = inContext(ev, site, frame("`filter` parameter"), () =>
            ev.forceFunction(value, null, -1),
          );
        } else if (key === "recursive") {
          recursive = inContext(ev, site, frame("`recursive` attribute"), () =>
            ev.forceBool(value, null, -1),
          );
        } else if (key === "sha256") {
          const s = inContext(ev, site, frame("`sha256` attribute"), () =>
            ev.forceStringNoContext(value, null, -1),
          );
          expected = ev.storeOp(site.env, site.pos, () => parseHashAllowEmpty(ev, s, "sha256"))[1];
        } else {
          throw ev.error("EvalError", `unsupported argument '${key}' to 'builtins.path'`, null);
        }
      }
      if (path === undefined) {
        throw ev.error(
          "EvalError",
          "missing required 'path' attribute in the first argument to 'builtins.path'",
          null,
        );
      }
      if (name === "") name = baseName(path);
      return addPath(ev, site, name, path, filter, recursive, expected);
    },
  },
  {
    name: "filterSource",
    arity: 2,
    doc: 'Copies the tree at *path* into the store, keeping only what `filter path type` accepts (type is `"regular"`, `"directory"`, `"symlink"` or `"unknown"`).\n\n    builtins.filterSource (p: t: t != "directory" || baseNameOf p != ".git") ./.',
    impl: (ev, [f, p], site) => {
      const path = coerceToPathWithContext(
        ev,
        site,
        p!,
        "while evaluating the second argument (the path to filter) passed to 'builtins.filterSource'",
        new Set(),
      );
      const fn = inContext(
        ev,
        site,
        "while evaluating the first argument passed to builtins.filterSource",
        () => ev.forceFunction(f!, null, -1),
      );
      return addPath(ev, site, baseName(path), path, fn, true, undefined);
    },
  },
  {
    name: "storePath",
    arity: 1,
    doc: "The store path *path* (which must exist) as a string that depends on it, without copying it again.\n\n    builtins.storePath /nix/store/f1d18v1y…-source",
    impl: (ev, [p], site) => {
      let path = coerceToPathWithContext(
        ev,
        site,
        p!,
        "while evaluating the first argument passed to 'builtins.storePath'",
        new Set(),
      );
      if (!ev.store.isStorePath(path)) path = resolveSymlinks(ev, path);
      const prefix = ev.store.storeDir + "/";
      if (!path.startsWith(prefix) || path.length === prefix.length) {
        throw ev.error("EvalError", `path '${path}' is not in the Nix store`, null);
      }
      const storePath = ev.storeOp(site.env, site.pos, () => ev.store.toStorePath(path));
      if (!ev.store.readOnly && !ev.store.isValid(storePath)) {
        throw ev.error("EvalError", `path '${storePath}' is not valid`, null);
      }
      return new NixString(path, new Set([storePath]));
    },
  },
];
