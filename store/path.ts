/**
 * Store paths: how Nix names a store object (`<storeDir>/<hash>-<name>`) and checks such names.
 * Pure string and hash work, no file system, so that it runs in a browser too; the store
 * directory is always a parameter because it is part of every fingerprint.
 *
 * A path is made from a *fingerprint* `<type>:sha256:<hex digest>:<storeDir>:<name>`: its
 * SHA-256 is XOR-folded to 20 bytes (`compressHash`, not a truncation) and printed in Nix's
 * base32 (CppNix's `StoreDirConfig::makeStorePath`). The type word says what kind of object it
 * is: `text` for `builtins.toFile` and `.drv` files, `source` for NAR + SHA-256 content,
 * `output:out` for any other fixed-output content (then the digest is the SHA-256 of
 * `fixed:out:<r:|git:|><algo>:<hex>:`), and `output:<name>` for the outputs of an
 * input-addressed derivation. References follow the type word, sorted, each after a `:`.
 * docs: ../../shared/spec/store-and-derivations.md §2; pinned by test/store.test.ts.
 *
 * Names follow *current* CppNix (`checkName` in src/libstore/path.cc), which is stricter than
 * Nix 2.8: besides the empty / longer than 211 bytes / illegal character rules it rejects `.`,
 * `..` and names whose first dash-separated component is `.` or `..`. Messages are current
 * Nix's too (`name 'a b' contains illegal character ' '`); when a path is made with a bad name,
 * the message is wrapped as CppNix's `StorePath` constructor wraps it:
 * `path '<hash>-<name>' is not a valid store path: name '<name>' …`.
 */

import { base16, hashBytes, nixBase32, type HashAlgorithm } from "./hash.js";

/** The store directory Nix uses unless configured otherwise. */
export const defaultStoreDir = "/nix/store";

/** Length of the hash part of a store path, in base-32 characters (160 bits). */
export const storePathHashLength = 32;

/** The longest store path name Nix accepts, in bytes. */
export const maxStorePathNameLength = 211;

/** CppNix's `BadStorePath`: a string that is not a valid store path. */
export class BadStorePath extends Error {
  override name = "BadStorePath";
}

/** CppNix's `BadStorePathName` (a kind of `BadStorePath`): a name no store path may have. */
export class BadStorePathName extends BadStorePath {
  override name = "BadStorePathName";
}

/** CppNix's `checkName`: throws `BadStorePathName` with current Nix's message. */
export function checkStorePathName(name: string): void {
  if (name.length === 0) throw new BadStorePathName("name must not be empty");
  if (name.length > maxStorePathNameLength) {
    throw new BadStorePathName(
      `name '${name}' must be no longer than ${maxStorePathNameLength} characters`,
    );
  }
  // `.` and `..`, alone or as the first dash-separated component, are not names.
  if (name.charCodeAt(0) === 0x2e) {
    if (name.length === 1) throw new BadStorePathName(`name '${name}' is not valid`);
    if (name[1] === "-") {
      throw new BadStorePathName(
        `name '${name}' is not valid: first dash-separated component must not be '.'`,
      );
    }
    if (name[1] === ".") {
      if (name.length === 2) throw new BadStorePathName(`name '${name}' is not valid`);
      if (name[2] === "-") {
        throw new BadStorePathName(
          `name '${name}' is not valid: first dash-separated component must not be '..'`,
        );
      }
    }
  }
  for (let i = 0; i < name.length; i++) {
    if (!isNameChar(name.charCodeAt(i))) {
      throw new BadStorePathName(`name '${name}' contains illegal character '${name[i]}'`);
    }
  }
}

/** `A-Z a-z 0-9 + - . _ ? =` */
function isNameChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || // 0-9
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    c === 0x2b || // +
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x5f || // _
    c === 0x3f || // ?
    c === 0x3d // =
  );
}

/** CppNix's `compressHash`: XOR-folds `digest` to `size` bytes (`out[i % size] ^= digest[i]`). */
export function compressHash(digest: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < digest.length; i++) out[i % size]! ^= digest[i]!;
  return out;
}

/**
 * CppNix's `makeStorePath`: the path of fingerprint `<type>:sha256:<hex>:<storeDir>:<name>`.
 * Throws `BadStorePathName` (its message names the would-be path) if `name` is not valid.
 */
export function makeStorePath(
  type: string,
  innerSha256: Uint8Array,
  name: string,
  storeDir: string,
): string {
  const fingerprint = `${type}:sha256:${base16(innerSha256)}:${storeDir}:${name}`;
  const hashPart = nixBase32(compressHash(hashBytes("sha256", fingerprint), 20));
  try {
    checkStorePathName(name);
  } catch (e) {
    if (e instanceof BadStorePathName) {
      throw new BadStorePathName(
        `path '${hashPart}-${name}' is not a valid store path: ${e.message}`,
      );
    }
    throw e;
  }
  return `${storeDir}/${hashPart}-${name}`;
}

/** The type word with the sorted references appended (CppNix's `makeType`). */
function typeWithReferences(type: string, references: Iterable<string>): string {
  const refs = [...new Set(references)].sort();
  return refs.length === 0 ? type : `${type}:${refs.join(":")}`;
}

/**
 * A text store object (`builtins.toFile`, `.drv` files): type `text` plus its references (full
 * store paths), digest the SHA-256 of the contents.
 */
export function makeTextPath(
  name: string,
  contentsSha256: Uint8Array,
  references: Iterable<string>,
  storeDir: string,
): string {
  return makeStorePath(typeWithReferences("text", references), contentsSha256, name, storeDir);
}

/**
 * How the content of a fixed-output path was hashed: the file's bytes (`flat`), its NAR
 * (`nar`, "recursive"), text (`text`, as `toFile`; SHA-256 only) or a Git object (`git`,
 * experimental; SHA-1 or SHA-256).
 */
export type ContentAddressMethod = "flat" | "nar" | "text" | "git";

/** The prefix of the hash algorithm in a `.drv` output and in `fixed:out:…` strings. */
export function contentAddressMethodPrefix(method: ContentAddressMethod): string {
  switch (method) {
    case "flat":
      return "";
    case "nar":
      return "r:";
    case "text":
      return "text:";
    case "git":
      return "git:";
  }
}

/**
 * CppNix's `makeFixedOutputPathFromCA`: NAR + SHA-256 is a `source` path (which may have
 * references), `text` a text path, anything else `output:out` with the inner digest
 * `sha256("fixed:out:<r:|git:|><algo>:<hex>:")` (no references allowed).
 */
export function makeFixedOutputPath(
  name: string,
  method: ContentAddressMethod,
  algo: HashAlgorithm,
  digest: Uint8Array,
  references: Iterable<string>,
  storeDir: string,
): string {
  if (method === "text") {
    if (algo !== "sha256") {
      throw new Error(`text-hashed store path '${name}' must use SHA-256, not ${algo}`);
    }
    return makeTextPath(name, digest, references, storeDir);
  }
  if (method === "git" && algo !== "sha1" && algo !== "sha256") {
    throw new Error(
      `Git file ingestion must use SHA-1 or SHA-256 hash, but instead using: ${algo}`,
    );
  }
  if (method === "nar" && algo === "sha256") {
    return makeStorePath(typeWithReferences("source", references), digest, name, storeDir);
  }
  if (!isEmpty(references)) {
    throw new Error(
      `fixed output derivation '${name}' is not allowed to refer to other store paths.\n` +
        "You may need to use the 'unsafeDiscardReferences' derivation attribute, see the manual for more details.",
    );
  }
  const inner = `fixed:out:${contentAddressMethodPrefix(method)}${algo}:${base16(digest)}:`;
  return makeStorePath("output:out", hashBytes("sha256", inner), name, storeDir);
}

function isEmpty(items: Iterable<string>): boolean {
  return items[Symbol.iterator]().next().done === true;
}

/** CppNix's `outputPathName`: output `out` is named like the derivation, others `<name>-<o>`. */
export function outputPathName(drvName: string, outputName: string): string {
  return outputName === "out" ? drvName : `${drvName}-${outputName}`;
}

/** The path of output `outputName` of an input-addressed derivation with this hash modulo. */
export function makeOutputPath(
  outputName: string,
  hashModulo: Uint8Array,
  drvName: string,
  storeDir: string,
): string {
  return makeStorePath(
    `output:${outputName}`,
    hashModulo,
    outputPathName(drvName, outputName),
    storeDir,
  );
}

/** `builtins.placeholder`: `"/" + nix32(sha256("nix-output:" + outputName))`. */
export function hashPlaceholder(outputName: string): string {
  return "/" + nixBase32(hashBytes("sha256", `nix-output:${outputName}`));
}

// --- parsing --------------------------------------------------------------------------------------

/** A store path split into its parts; the printed path is `<storeDir>/<hashPart>-<name>`. */
export interface ParsedStorePath {
  hashPart: string;
  name: string;
}

/** CppNix's `StorePath(baseName)`: checks `<32 base-32 chars>-<valid name>`. */
export function parseStorePathBaseName(baseName: string): ParsedStorePath {
  if (baseName.length < storePathHashLength + 1) {
    throw new BadStorePath(`'${baseName}' is too short to be a valid store path`);
  }
  if (baseName[storePathHashLength] !== "-") {
    throw new BadStorePath(
      `'${baseName}' can't name a store path because the hash part is not followed by a '-'`,
    );
  }
  for (let i = 0; i < storePathHashLength; i++) {
    const c = baseName.charCodeAt(i);
    const digitOrLower = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a);
    // Nix's base32 has no e, o, u, t.
    if (!digitOrLower || c === 0x65 || c === 0x6f || c === 0x75 || c === 0x74) {
      throw new BadStorePath(
        `store path '${baseName}' contains illegal base-32 character '${baseName[i]}'`,
      );
    }
  }
  const name = baseName.slice(storePathHashLength + 1);
  try {
    checkStorePathName(name);
  } catch (e) {
    if (e instanceof BadStorePathName) {
      throw new BadStorePath(`path '${baseName}' is not a valid store path: ${e.message}`);
    }
    throw e;
  }
  return { hashPart: baseName.slice(0, storePathHashLength), name };
}

/**
 * CppNix's `StoreDirConfig::parseStorePath`: `path` is canonicalised lexically (`.`, `..`,
 * repeated and trailing slashes; symlinks are not resolved) and must then be directly inside
 * `storeDir`. Throws `BadStorePath` with current Nix's messages.
 */
export function parseStorePath(path: string, storeDir: string): ParsedStorePath {
  if (path === "") throw new BadStorePath("empty path is not a valid store path");
  if (!path.startsWith("/")) throw new BadStorePath(`not an absolute path: "${path}"`);
  // `<storeDir>/<one name>`, the usual case: canonicalising it changes nothing but `storeDir`.
  if (path.startsWith(storeDir) && path[storeDir.length] === "/") {
    const base = path.slice(storeDir.length + 1);
    if (base.length > 2 && !base.includes("/")) return parseStorePathBaseName(base);
  }
  const p = canonicalise(path);
  const slash = p.lastIndexOf("/");
  const parent = slash === 0 ? "/" : p.slice(0, slash);
  if (parent !== canonicalise(storeDir)) {
    throw new BadStorePath(`path "${p}" is not in the Nix store`);
  }
  return parseStorePathBaseName(p.slice(slash + 1));
}

/**
 * CppNix's `parseStorePathCanonical`, used for the paths in a `.drv` file: `path` must be
 * exactly `<storeDir>/<base name>`, with nothing to canonicalise.
 */
export function parseStorePathCanonical(path: string, storeDir: string): ParsedStorePath {
  if (!path.startsWith(storeDir) || path[storeDir.length] !== "/") {
    throw new BadStorePath(
      `path '${path.startsWith(storeDir) ? path.slice(storeDir.length) : path}' is not in the Nix store`,
    );
  }
  return parseStorePathBaseName(path.slice(storeDir.length + 1));
}

/** CppNix's `isStorePath`: whether `parseStorePath` accepts `path`. */
export function isStorePath(path: string, storeDir: string): boolean {
  try {
    parseStorePath(path, storeDir);
    return true;
  } catch (e) {
    if (e instanceof BadStorePath) return false;
    throw e;
  }
}

/** CppNix's `isInStore`: `path` is below `storeDir` (lexically; the store dir itself is not). */
export function isInStore(path: string, storeDir: string): boolean {
  if (!path.startsWith(storeDir) || path[storeDir.length] !== "/") return false;
  let i = storeDir.length;
  while (path[i] === "/") i++;
  const end = path.indexOf("/", i);
  const first = path.slice(i, end < 0 ? path.length : end);
  return first !== "" && first !== "." && first !== "..";
}

/**
 * CppNix's `toStorePath`: the store path that `path` (a path inside the store) belongs to,
 * e.g. `/nix/store/<hash>-x/bin/sh` → `/nix/store/<hash>-x`.
 */
export function toStorePath(path: string, storeDir: string): string {
  if (!isInStore(path, storeDir)) throw new BadStorePath(`path '${path}' is not in the Nix store`);
  const slash = path.indexOf("/", storeDir.length + 1);
  const { hashPart, name } = parseStorePath(slash < 0 ? path : path.slice(0, slash), storeDir);
  return `${storeDir}/${hashPart}-${name}`;
}

/** CppNix's lexical `canonPath` of an absolute path. */
function canonicalise(path: string): string {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return "/" + out.join("/");
}
