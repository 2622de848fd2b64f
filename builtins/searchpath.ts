/**
 * The search path: `builtins.nixPath` (the `-I` entries, then those of `NIX_PATH`, as
 * `{ prefix; path; }`), and `findFile`, which `<p>` calls as `__findFile __nixPath "p"`: the
 * first entry whose prefix matches the start of `p` and under whose path the rest exists
 * (relative entries resolve against the working directory).
 */

import { Attrs, NixPath, NixString, type Lazy } from "../evaluator/value.js";
import { canonPath } from "../lang/path.js";
import { Args, requireAttr } from "./args.js";
import type { Evaluator } from "../evaluator/eval.js";
import { corepkgsDir } from "../evaluator/corepkgs.js";
import type { Builtin, CallSite } from "./registry.js";

/**
 * `name` looked up in a search path (a list of `{ prefix; path; }`), as CppNix's `findFile`:
 * the first entry whose prefix matches and under which the file exists.
 */
export function findFile(ev: Evaluator, site: CallSite, list: Lazy[], name: string): NixPath {
  for (const l of list) {
    const elem = ev.forceAttrs(
      l,
      null,
      -1,
      "while evaluating an element of the list passed to builtins.findFile",
    );
    const prefixL = elem.get("prefix");
    const prefix = prefixL === undefined ? "" : ev.forceString(prefixL, null, -1);
    const pv = ev.force(requireAttr(ev, elem, "path", "in an element of the __nixPath"));
    const entry =
      pv instanceof NixPath
        ? pv.path
        : pv instanceof NixString
          ? pv.s
          : ev.forceString(pv, null, -1);
    let suffix: string | undefined;
    if (prefix === "") suffix = name;
    else if (name === prefix) suffix = "";
    else if (name.startsWith(prefix + "/")) suffix = name.slice(prefix.length + 1);
    if (suffix === undefined) continue;
    if (/^[a-z]+:\/\//.test(entry) || /^(channel|flake):/.test(entry)) continue; // fetchers: issue 4
    const root = canonPath(entry, ev.io.cwd());
    const candidate = suffix === "" ? root : canonPath(suffix, root);
    if (ev.io.fileType(candidate, true) !== undefined) return new NixPath(candidate);
  }
  // The files Nix ships (`<nix/fetchurl.nix>`), unless the search path had a `nix` of its own.
  if (name.startsWith("nix/")) return new NixPath(corepkgsDir + name.slice(3));
  throw ev.error(
    "ThrownError",
    `file '${name}' was not found in the Nix search path (add it using $NIX_PATH or -I)`,
    null,
  );
}

export const searchPathBuiltins: Builtin[] = [
  {
    name: "nixPath",
    arity: 0,
    doc: "The search path: a list of `{ prefix; path; }` from `-I` and `NIX_PATH`.",
    impl: (ev) =>
      ev.searchPath.map((e) =>
        Attrs.fromMap(
          new Map<string, Lazy>([
            ["path", e.path],
            ["prefix", e.prefix],
          ]),
        ),
      ),
  },
  {
    name: "findFile",
    arity: 2,
    doc: 'Find *lookup-path* in the search path *search-path* (what `<nixpkgs>` does).\n\n    builtins.findFile builtins.nixPath "nixpkgs"',
    impl: (ev, args, site) => {
      const a = new Args(ev, site, "findFile", args);
      return findFile(ev, site, a.list(0), a.string(1));
    },
  },
];
