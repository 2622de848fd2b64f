/**
 * `hashString` and `hashFile`: base16 digests (store/hash.ts) of a string's bytes or a file's
 * contents; `convertHash`: a hash re-encoded as CppNix's `Hash::parseAny` reads it (`algo:body`,
 * SRI `algo-base64`, or a bare body whose encoding its length tells) and `Hash::to_string`
 * writes it. Algorithms as CppNix names them; BLAKE3, which current Nix also accepts, is not
 * implemented yet and says so.
 */

import type { Evaluator } from "../evaluator/eval.js";
import type { Lazy } from "../evaluator/value.js";
import {
  base16,
  base64,
  hashBytes,
  HashError,
  nixBase32,
  parseAnyHash,
  parseHashAlgorithm,
  type HashAlgorithm,
} from "../store/hash.js";
import { Args, inContext, requireAttr } from "./args.js";
import { realisePath } from "./io.js";
import type { Builtin, CallSite } from "./registry.js";

/** A hash error of store/hash.ts as a Nix error at the call site. */
function atSite<T>(ev: Evaluator, site: CallSite, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof HashError) {
      throw ev.error(e.kind === "UsageError" ? "UsageError" : "EvalError", e.message, null);
    }
    throw e;
  }
}

function algorithm(ev: Evaluator, site: CallSite, name: string): HashAlgorithm {
  return atSite(ev, site, () => parseHashAlgorithm(name));
}

type HashFormat = "base16" | "nix32" | "base64" | "sri";

/** CppNix's `parseHashFormat`. */
function hashFormat(ev: Evaluator, site: CallSite, name: string): HashFormat {
  if (name === "base16" || name === "nix32" || name === "base64" || name === "sri") return name;
  if (name === "base32") {
    ev.warn('"base32" is a deprecated alias for hash format "nix32".');
    return "nix32";
  }
  throw ev.error(
    "EvalError",
    `unknown hash format '${name}', expect 'base16', 'base32', 'base64', or 'sri'`,
    null,
  );
}

export const hashBuiltins: Builtin[] = [
  {
    name: "hashString",
    arity: 2,
    doc: 'The base16 hash of the string *s* with the algorithm *type* (`"md5"`, `"sha1"`, `"sha256"` or `"sha512"`).\n\n    builtins.hashString "sha256" "hello"',
    impl: (ev, args: Lazy[], site) => {
      const a = new Args(ev, site, "hashString", args);
      const algo = algorithm(ev, site, a.string(0));
      return base16(hashBytes(algo, a.string(1)));
    },
  },
  {
    name: "hashFile",
    arity: 2,
    doc: 'The base16 hash of the contents of the file *p* with the algorithm *type*.\n\n    builtins.hashFile "sha256" ./default.nix',
    impl: (ev, args: Lazy[], site) => {
      const a = new Args(ev, site, "hashFile", args);
      const algo = algorithm(ev, site, a.string(0));
      const path = realisePath(ev, site, args[1]!);
      if (ev.io.fileType(path, true) === undefined) {
        throw ev.error("EvalError", `path '${path}' does not exist`, null);
      }
      return base16(hashBytes(algo, ev.io.readFile(path)));
    },
  },
  {
    name: "convertHash",
    arity: 1,
    doc: 'The hash `hash` (with algorithm `hashAlgo`, which may be omitted when `hash` is SRI or `algo:body`) written in `toHashFormat`: `"base16"`, `"nix32"`, `"base64"` or `"sri"`.\n\n    builtins.convertHash { hash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; toHashFormat = "nix32"; }',
    impl: (ev, args: Lazy[], site) => {
      const input = new Args(ev, site, "convertHash", args).attrs(0);
      const field = (name: string): Lazy =>
        requireAttr(ev, input, name, `while locating the attribute '${name}'`);
      const str = (name: string, l: Lazy) =>
        inContext(ev, site, `while evaluating the attribute '${name}'`, () =>
          ev.forceStringNoContext(l, null, -1),
        );
      const text = str("hash", field("hash"));
      const algoLazy = input.get("hashAlgo");
      const given =
        algoLazy === undefined ? undefined : algorithm(ev, site, str("hashAlgo", algoLazy));
      const format = hashFormat(ev, site, str("toHashFormat", field("toHashFormat")));
      const [algo, digest] = atSite(ev, site, () => parseAnyHash(text, given));
      switch (format) {
        case "base16":
          return base16(digest);
        case "nix32":
          return nixBase32(digest);
        case "base64":
          return base64(digest);
        case "sri":
          return `${algo}-${base64(digest)}`;
      }
    },
  },
];
