/**
 * `builtins.fetchurl` and `builtins.fetchTarball` (CppNix's `fetch` in fetchTree.cc): download a
 * URL through the host (`EvalIO.fetchURL`) into the store, as a flat SHA-256 path of the file
 * (named after the URL's last component) or, for `fetchTarball`, the unpacked tree as a
 * "source" path (named `source`). `sha256` is checked against what was fetched; when its
 * path is already valid, nothing is downloaded.
 */

import type { Evaluator } from "../evaluator/eval.js";
import { Attrs, NixString } from "../evaluator/value.js";
import { utf8ToByteString } from "../lang/source.js";
import { base16, hash, nixBase32 } from "../store/hash.js";
import { dumpNode } from "../store/nar.js";
import { BadStorePathName, checkStorePathName, makeFixedOutputPath } from "../store/path.js";
import { unpackTar } from "../store/tar.js";
import { parseHashAllowEmpty } from "./derivation.js";
import { inContext } from "./args.js";
import type { Builtin, CallSite } from "./registry.js";

function fetch(
  ev: Evaluator,
  site: CallSite,
  arg: Parameters<Evaluator["force"]>[0],
  who: "fetchurl" | "fetchTarball",
): NixString {
  const unpack = who === "fetchTarball";
  let name = unpack ? "source" : "";
  let url: string | undefined;
  let expected: Uint8Array | undefined;
  let nameAttrPassed = false;
  const v = ev.force(arg);
  const isArgAttrs = v instanceof Attrs;
  const noCtx = (l: Parameters<Evaluator["force"]>[0], frame: string) =>
    inContext(ev, site, frame, () => ev.forceStringNoContext(l, null, -1));
  if (v instanceof Attrs) {
    for (const n of v.names()) {
      const l = v.get(n)!;
      if (n === "url") url = noCtx(l, "while evaluating the url we should fetch");
      else if (n === "sha256") {
        const s = noCtx(l, "while evaluating the sha256 of the content we should fetch");
        expected = ev.storeOp(site.env, site.pos, () => parseHashAllowEmpty(ev, s, "sha256"))[1];
      } else if (n === "name") {
        nameAttrPassed = true;
        name = noCtx(l, "while evaluating the name of the content we should fetch");
      } else {
        throw ev.error("EvalError", `unsupported argument '${n}' to '${who}'`, null);
      }
    }
    if (url === undefined) throw ev.error("EvalError", "'url' argument required", null);
  } else url = noCtx(v, "while evaluating the url we should fetch");

  if (name === "") name = url.slice(url.lastIndexOf("/") + 1);
  try {
    checkStorePathName(name);
  } catch (e) {
    if (!(e instanceof BadStorePathName)) throw e;
    const resolution = nameAttrPassed
      ? `Please change the value for the 'name' attribute passed to '${who}', so that it can create a valid store path.`
      : isArgAttrs
        ? `Please add a valid 'name' attribute to the argument for '${who}', so that it can create a valid store path.`
        : `Please pass an attribute set with 'url' and 'name' attributes to '${who}',  so that it can create a valid store path.`;
    throw ev.error(
      "EvalError",
      `invalid store path name when fetching URL '${url}': ${e.message}. ${resolution}`,
      null,
    );
  }

  const store = ev.store;
  const method = unpack ? "nar" : "flat";
  if (expected !== undefined) {
    const want = makeFixedOutputPath(name, method, "sha256", expected, [], store.storeDir);
    if (store.store.isValidPath(want)) return new NixString(want, new Set([want]));
  }
  if (ev.io.fetchURL === undefined) {
    throw ev.error("EvalError", `cannot download '${url}': this host cannot fetch`, null);
  }
  let data: Uint8Array;
  try {
    data = ev.io.fetchURL(url);
  } catch (e) {
    throw ev.error(
      "EvalError",
      `unable to download '${url}': ${utf8ToByteString((e as Error).message)}`,
      null,
    );
  }
  const path = ev.storeOp(site.env, site.pos, () => {
    if (!unpack) {
      if (expected !== undefined) {
        const got = hash("sha256", data);
        if (base16(got) !== base16(expected)) {
          throw ev.error(
            "EvalError",
            `hash mismatch in file downloaded from '${url}':\n  specified: sha256:${nixBase32(expected)}\n  got:       sha256:${nixBase32(got)}`,
            null,
          );
        }
      }
      return store.addFlat(name, data);
    }
    const raw = ev.io.decompress ? ev.io.decompress(data) : data;
    const nar = dumpNode(unpackTar(raw));
    if (expected !== undefined) {
      const got = hash("sha256", nar);
      if (base16(got) !== base16(expected)) {
        throw ev.error(
          "EvalError",
          `NAR hash mismatch in input '${url}', expected 'sha256:${nixBase32(expected)}' but got 'sha256:${nixBase32(got)}'`,
          null,
        );
      }
    }
    return store.addNar(name, nar);
  });
  return new NixString(path, new Set([path]));
}

export const fetchBuiltins: Builtin[] = [
  {
    name: "fetchurl",
    arity: 1,
    doc: 'Downloads *url* into the store and returns its path (flat-hashed). With `{ url; sha256; name; }` the hash is checked.\n\n    builtins.fetchurl "https://example.org/hello.txt"',
    impl: (ev, [a], site) => fetch(ev, site, a!, "fetchurl"),
  },
  {
    name: "fetchTarball",
    arity: 1,
    doc: 'Downloads and unpacks the tarball at *url* (gzip, bzip2 or xz) into the store and returns the path of the tree; a single top-level directory is the tree itself. `sha256` is the NAR hash.\n\n    builtins.fetchTarball "https://github.com/NixOS/nixpkgs/archive/nixos-24.05.tar.gz"',
    impl: (ev, [a], site) => fetch(ev, site, a!, "fetchTarball"),
  },
];
