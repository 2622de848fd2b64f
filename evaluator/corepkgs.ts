/**
 * The Nix files that Nix itself ships and finds as `<nix/NAME>` when the search path has no
 * `nix` entry of its own (CppNix's `corepkgs`): `fetchurl.nix`, a fixed-output derivation for
 * Nix's built-in `builtin:fetchurl` builder. They are read from a directory that exists only
 * inside the evaluator (`corepkgsIO`).
 */

import { utf8ToByteString } from "../lang/source.js";
import type { EvalIO } from "./io.js";

/** Where the shipped files appear in the evaluator's file system. */
export const corepkgsDir = "/__corepkgs__";

const fetchurlNix = `# <nix/fetchurl.nix>: download a file with Nix's builtin fetcher, as a fixed-output
# derivation whose hash is given in one of the ways below.
{
  system ? "", # no longer used
  url,
  hash ? "", # SRI
  md5 ? "",
  sha1 ? "",
  sha256 ? "",
  sha512 ? "",
  outputHash ?
    if hash != "" then
      hash
    else if sha512 != "" then
      sha512
    else if sha1 != "" then
      sha1
    else if md5 != "" then
      md5
    else
      sha256,
  outputHashAlgo ?
    if hash != "" then
      ""
    else if sha512 != "" then
      "sha512"
    else if sha1 != "" then
      "sha1"
    else if md5 != "" then
      "md5"
    else
      "sha256",
  executable ? false,
  unpack ? false,
  name ? baseNameOf (toString url),
  impure ? false,
}:

derivation (
  {
    builder = "builtin:fetchurl";
    system = "builtin";
    outputHashMode = if unpack || executable then "recursive" else "flat";
    inherit name url executable unpack;
    preferLocalBuild = true;
    # kept so that paths stay what they always were
    impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
    urls = [ url ];
  }
  // (if impure then { __impure = true; } else { inherit outputHashAlgo outputHash; })
)
`;

const files = new Map<string, string>([["fetchurl.nix", utf8ToByteString(fetchurlNix)]]);

/** `io` with the shipped files under `corepkgsDir`. */
export function corepkgsIO(io: EvalIO): EvalIO {
  const prefix = corepkgsDir + "/";
  const file = (path: string) =>
    path.startsWith(prefix) ? files.get(path.slice(prefix.length)) : undefined;
  return {
    ...io,
    fileType: (path, follow) =>
      path === corepkgsDir
        ? "directory"
        : file(path) !== undefined
          ? "regular"
          : io.fileType(path, follow),
    readFile: (path) => file(path) ?? io.readFile(path),
    readDir: (path) =>
      path === corepkgsDir ? [...files.keys()].map((n) => [n, "regular"]) : io.readDir(path),
    realPath: (path) =>
      path === corepkgsDir || file(path) !== undefined ? path : io.realPath(path),
  };
}
