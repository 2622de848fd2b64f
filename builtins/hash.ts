/**
 * `hashString` and `hashFile`: base16 digests (store/hash.ts) of a string's bytes or a file's
 * contents. Algorithms as CppNix names them; BLAKE3, which current Nix also accepts, is not
 * implemented yet and says so.
 */

import type { Evaluator } from "../evaluator/eval.js";
import type { Lazy } from "../evaluator/value.js";
import { byteStringToBytes } from "../lang/source.js";
import { base16, hash, type HashAlgorithm } from "../store/hash.js";
import { Args } from "./args.js";
import { coerceToPath } from "./io.js";
import type { Builtin, CallSite } from "./registry.js";

const algorithms = new Set(["md5", "sha1", "sha256", "sha512"]);

function algorithm(ev: Evaluator, site: CallSite, name: string): HashAlgorithm {
  if (algorithms.has(name)) return name as HashAlgorithm;
  if (name === "blake3") {
    throw ev.error("EvalError", "tsnix does not implement the BLAKE3 hash yet", site.env, site.pos);
  }
  throw ev.error(
    "EvalError",
    `unknown hash algorithm '${name}', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'`,
    site.env,
    site.pos,
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
      return base16(hash(algo, byteStringToBytes(a.string(1))));
    },
  },
  {
    name: "hashFile",
    arity: 2,
    doc: 'The base16 hash of the contents of the file *p* with the algorithm *type*.\n\n    builtins.hashFile "sha256" ./default.nix',
    impl: (ev, args: Lazy[], site) => {
      const a = new Args(ev, site, "hashFile", args);
      const algo = algorithm(ev, site, a.string(0));
      const path = coerceToPath(
        ev,
        site,
        args[1]!,
        "while evaluating the second argument passed to builtins.hashFile",
      );
      if (ev.io.fileType(path, true) === undefined) {
        throw ev.error("EvalError", `path '${path}' does not exist`, site.env, site.pos);
      }
      return base16(hash(algo, byteStringToBytes(ev.io.readFile(path))));
    },
  },
];
