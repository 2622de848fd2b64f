/**
 * `hashString` and `hashFile`: base16 digests (store/hash.ts) of a string's bytes or a file's
 * contents; `convertHash`: a hash re-encoded as CppNix's `Hash::parseAny` reads it (`algo:body`,
 * SRI `algo-base64`, or a bare body whose encoding its length tells) and `Hash::to_string`
 * writes it. Algorithms as CppNix names them; BLAKE3, which current Nix also accepts, is not
 * implemented yet and says so.
 */

import type { Evaluator } from "../evaluator/eval.js";
import type { Lazy } from "../evaluator/value.js";
import { byteStringToBytes } from "../lang/source.js";
import {
  base16,
  base16Decode,
  base16Length,
  base64,
  base64Decode,
  base64Length,
  hash,
  hashSize,
  nixBase32,
  nixBase32Decode,
  nixBase32Length,
  type HashAlgorithm,
} from "../store/hash.js";
import { Args, inContext } from "./args.js";
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
    site.env,
    site.pos,
  );
}

/** CppNix's `Hash::parseAny`: the digest and its algorithm. */
function parseAnyHash(
  ev: Evaluator,
  site: CallSite,
  original: string,
  given: HashAlgorithm | undefined,
): [HashAlgorithm, Uint8Array] {
  const fail = (message: string) => ev.error("EvalError", message, site.env, site.pos);
  let rest = original;
  let isSRI = false;
  let parsed: HashAlgorithm | undefined;
  let sep = rest.indexOf(":");
  if (sep < 0) {
    sep = rest.indexOf("-");
    isSRI = sep >= 0;
  }
  if (sep >= 0) {
    parsed = algorithm(ev, site, rest.slice(0, sep));
    rest = rest.slice(sep + 1);
  }
  if (parsed === undefined && given === undefined) {
    throw fail(
      `hash '${original}' does not include a type, nor is the type otherwise known from context`,
    );
  }
  if (parsed !== undefined && given !== undefined && parsed !== given) {
    throw fail(`hash '${original}' should have type '${given}'`);
  }
  const algo = (parsed ?? given)!;
  const size = hashSize[algo];
  let name: string;
  let decoded: Uint8Array | undefined;
  if (isSRI) [name, decoded] = ["SRI", base64Decode(rest)];
  else if (rest.length === base16Length(size)) [name, decoded] = ["base16", base16Decode(rest)];
  else if (rest.length === nixBase32Length(size))
    [name, decoded] = ["nix32", nixBase32Decode(rest)];
  else if (rest.length === base64Length(size)) [name, decoded] = ["Base64", base64Decode(rest)];
  else throw fail(`hash '${rest}' has wrong length for hash algorithm '${algo}'`);
  // CppNix drops the decoder's own error (a bad character) and reports the length.
  const length = decoded?.length ?? 0;
  if (length !== size) {
    throw fail(`invalid ${name} hash '${rest}', length ${length} != expected length ${size}`);
  }
  return [algo, decoded!];
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
  {
    name: "convertHash",
    arity: 1,
    doc: 'The hash `hash` (with algorithm `hashAlgo`, which may be omitted when `hash` is SRI or `algo:body`) written in `toHashFormat`: `"base16"`, `"nix32"`, `"base64"` or `"sri"`.\n\n    builtins.convertHash { hash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; toHashFormat = "nix32"; }',
    impl: (ev, args: Lazy[], site) => {
      const input = new Args(ev, site, "convertHash", args).attrs(0);
      const field = (name: string): Lazy => {
        const l = input.get(name);
        if (l === undefined) {
          throw inContext(ev, site, `while locating the attribute '${name}'`, () => {
            throw ev.error("EvalError", `attribute '${name}' missing`, site.env, site.pos);
          });
        }
        return l;
      };
      const str = (name: string, l: Lazy) =>
        inContext(ev, site, `while evaluating the attribute '${name}'`, () =>
          ev.forceStringNoContext(l, site.env, site.pos),
        );
      const text = str("hash", field("hash"));
      const algoLazy = input.get("hashAlgo");
      const given =
        algoLazy === undefined ? undefined : algorithm(ev, site, str("hashAlgo", algoLazy));
      const format = hashFormat(ev, site, str("toHashFormat", field("toHashFormat")));
      const [algo, digest] = parseAnyHash(ev, site, text, given);
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
