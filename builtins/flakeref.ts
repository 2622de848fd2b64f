/**
 * `parseFlakeRef` and `flakeRefToString`, as CppNix's `flake-primops.cc` implements them: a flake
 * reference string parsed the way `parseFlakeRef(url, {}, true)` does (a flake ID such as
 * `nixpkgs/branch`, else a URL, else an absolute path; no base directory, so nothing is looked
 * up on the file system) into the attributes of its fetcher input (`Input::toAttrs`) plus `dir`;
 * and back, through `FlakeRef::fromAttrs` and `FlakeRef::to_string`. The input schemes are
 * CppNix's (libfetchers): `file`, `git`, `github`, `gitlab`, `hg`, `indirect`, `path`,
 * `sourcehut` and `tarball`, with their URL syntax, their allowed attributes and their checks;
 * URLs are parsed and rendered as `libutil/url.cc` does (RFC 3986, percent-encoding, queries
 * in key order). Nothing is fetched. Git public keys given as `publicKeys` (experimental
 * `verified-fetches`) are not supported and say so.
 */

import type { Evaluator } from "../evaluator/eval.js";
import { missingFeature } from "../lang/errors.js";
import { nixInt, Attrs, NixString, showType, type Lazy, type Value } from "../evaluator/value.js";
import {
  base16,
  base64,
  HashError,
  parseAnyHash as parseAny,
  parseHashWith,
  parseSRIHash as parseSRI,
  type HashAlgorithm,
} from "../store/hash.js";
import { inContext } from "./args.js";
import { jsonEscape } from "./json.js";
import type { Builtin, CallSite } from "./registry.js";

// --- errors ----------------------------------------------------------------------------------

/**
 * A CppNix `Error` raised while parsing or printing a flake reference. `badURL` marks a `BadURL`
 * (which makes `parseFlakeRef` try the next syntax), `badHash` a `BadHash`.
 */
class FlakeRefError extends Error {
  constructor(
    message: string,
    readonly badURL = false,
    readonly badHash = false,
    readonly usage = false,
  ) {
    super(message);
  }
}

const badURL = (message: string) => new FlakeRefError(message, true);

// --- fetcher attributes (libfetchers/attrs.cc) -----------------------------------------------

/** `Explicit<bool>` is a JS boolean; `uint64_t` a bigint. */
type Attr = string | bigint | boolean;
type FetcherAttrs = Map<string, Attr>;

function sortedKeys<T>(m: ReadonlyMap<string, T>): string[] {
  return [...m.keys()].sort();
}

/** `attrsToJSON(attrs).dump()` */
function attrsToJSON(attrs: FetcherAttrs): string {
  const parts = sortedKeys(attrs).map((k) => {
    const v = attrs.get(k)!;
    return `${jsonEscape(k)}:${typeof v === "string" ? jsonEscape(v) : String(v)}`;
  });
  return `{${parts.join(",")}}`;
}

function maybeGetStrAttr(attrs: FetcherAttrs, name: string): string | undefined {
  const v = attrs.get(name);
  if (v === undefined) return undefined;
  if (typeof v === "string") return v;
  throw new FlakeRefError(`input attribute '${name}' is not a string ${attrsToJSON(attrs)}`);
}

function getStrAttr(attrs: FetcherAttrs, name: string): string {
  const s = maybeGetStrAttr(attrs, name);
  if (s === undefined) throw new FlakeRefError(`input attribute '${name}' is missing`);
  return s;
}

function maybeGetIntAttr(attrs: FetcherAttrs, name: string): bigint | undefined {
  const v = attrs.get(name);
  if (v === undefined) return undefined;
  if (typeof v === "bigint") return v;
  throw new FlakeRefError(`input attribute '${name}' is not an integer`);
}

function maybeGetBoolAttr(attrs: FetcherAttrs, name: string): boolean | undefined {
  const v = attrs.get(name);
  if (v === undefined) return undefined;
  if (typeof v === "boolean") return v;
  throw new FlakeRefError(`input attribute '${name}' is not a Boolean`);
}

/** `attrsToQuery` */
function attrsToQuery(attrs: FetcherAttrs): Map<string, string> {
  const query = new Map<string, string>();
  for (const [k, v] of attrs) {
    query.set(k, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  }
  return query;
}

/** `string2Int<uint64_t>` */
function string2Uint64(s: string): bigint | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n <= 0xffffffffffffffffn ? n : undefined;
}

// --- hashes (libutil/hash.cc) ----------------------------------------------------------------

/** Hash parsing (store/hash.ts), its errors as this file's. */
function hashing<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof HashError) {
      throw new FlakeRefError(e.message, false, e.kind === "BadHash", e.kind === "UsageError");
    }
    throw e;
  }
}

const badHash = (message: string) => new FlakeRefError(message, false, true);
const parseAnyHash = (s: string, given: HashAlgorithm) => hashing(() => parseAny(s, given));
const parseSRIHash = (s: string) => hashing(() => parseSRI(s));

/** `Input::getRev`, as `Hash::gitRev()` (base16). */
function getRev(attrs: FetcherAttrs): string | undefined {
  const s = maybeGetStrAttr(attrs, "rev");
  if (s === undefined) return undefined;
  try {
    return base16(
      hashing(() =>
        parseHashWith(s, (parsed) => {
          if (parsed === undefined) throw badHash(`hash '${s}' does not include a type`);
          return parsed;
        }),
      )[1],
    );
  } catch (e) {
    if (!(e instanceof FlakeRefError && e.badHash)) throw e;
    // Default to sha1 for backwards compatibility.
    return base16(parseAnyHash(s, "sha1")[1]);
  }
}

/** `Input::getNarHash`, as SRI. */
function getNarHash(attrs: FetcherAttrs): string | undefined {
  const s = maybeGetStrAttr(attrs, "narHash");
  if (s === undefined) return undefined;
  const [algo, digest] = s === "" ? ["sha256" as const, new Uint8Array(32)] : parseSRIHash(s);
  if (algo !== "sha256") throw new FlakeRefError("narHash must use SHA-256", false, false, true);
  return `sha256-${base64(digest)}`;
}

// --- Git ref names (libgit2's rules, as CppNix's `isLegalRefName` uses them) ------------------

function isAllCapsAndUnderscore(s: string): boolean {
  if (s === "" || s.startsWith("_") || s.endsWith("_")) return false;
  return /^[A-Z_]+$/.test(s);
}

/** libgit2's `git_reference_name_is_valid` (format `ALLOW_ONELEVEL`). */
function isValidReferenceName(name: string): boolean {
  if (name === "") return false;
  const segments = name.split("/");
  for (const segment of segments) {
    if (segment === "" || segment.startsWith(".") || segment.endsWith(".lock")) return false;
    for (let i = 0; i < segment.length; i++) {
      const c = segment.charCodeAt(i);
      if (c <= 0x20 || "~^:\\?[*".includes(segment[i]!)) return false;
      if (i > 0 && segment[i - 1] === "." && segment[i] === ".") return false;
      if (i > 0 && segment[i - 1] === "@" && segment[i] === "{") return false;
    }
  }
  if (name.endsWith(".")) return false;
  if (segments.length === 1) return isAllCapsAndUnderscore(name);
  return !isAllCapsAndUnderscore(segments[0]!);
}

/** `isLegalRefName`: a valid reference, branch or tag name. */
function isLegalRefName(name: string): boolean {
  if (name === "@" || name.includes("\x7f")) return false;
  if (isValidReferenceName(name)) return true;
  if (name.startsWith("-")) return false;
  if (name !== "HEAD" && isValidReferenceName(`refs/heads/${name}`)) return true;
  return isValidReferenceName(`refs/tags/${name}`);
}

// --- URLs (libutil/url.cc) -------------------------------------------------------------------

interface Authority {
  hostType: "Name" | "IPv4" | "IPv6" | "IPvFuture";
  host: string;
  user?: string;
  password?: string;
  port?: number;
}

interface ParsedURL {
  scheme: string;
  authority?: Authority;
  path: string[];
  /** A `StringMap`: rendered in key order. */
  query: Map<string, string>;
  fragment: string;
}

const hexDigit = /^[0-9a-fA-F]$/;
const unreserved = /^[a-zA-Z0-9\-._~]$/;
const subDelims = "!$&'()*+,;=";

/** boost::urls's `encode` with `unreserved_chars` plus `keep`; uppercase hex. */
function percentEncode(s: string, keep = ""): string {
  let out = "";
  for (const ch of s) {
    if (unreserved.test(ch) || keep.includes(ch)) out += ch;
    else out += `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Whether `s` is made of `allowed` characters and well-formed `%XX` escapes. */
function validEncoded(s: string, allowed: (ch: string) => boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "%") {
      if (!hexDigit.test(s[i + 1] ?? "") || !hexDigit.test(s[i + 2] ?? "")) return false;
      i += 2;
    } else if (!allowed(ch)) return false;
  }
  return true;
}

const isPchar = (ch: string) =>
  unreserved.test(ch) || subDelims.includes(ch) || ch === ":" || ch === "@";
const isQueryChar = (ch: string) => isPchar(ch) || ch === "/" || ch === "?";

function decodeUnchecked(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** `percentDecode` */
function percentDecode(s: string): string {
  if (!validEncoded(s, () => true)) {
    throw badURL(`invalid URI parameter '${s}': ${pctError(s)}`);
  }
  return decodeUnchecked(s);
}

/** boost::urls's message for a malformed `%XX` escape. */
function pctError(s: string): string {
  const i = s.search(/%(?![0-9a-fA-F]{2})/);
  return i + 3 > s.length && /^%[0-9a-fA-F]*$/.test(s.slice(i))
    ? "incomplete pct-encoding"
    : "bad hexadecimal digit";
}

function percentEncodeCharSet(s: string, chars: string): string {
  let out = "";
  for (const ch of s) out += chars.includes(ch) ? percentEncode(ch) : ch;
  return out;
}

/** `decodeQuery` */
function decodeQuery(ev: Evaluator, query: string, lenient: boolean): Map<string, string> {
  const fixed = lenient ? percentEncodeCharSet(query, ' "') : query;
  if (!validEncoded(fixed, isQueryChar)) {
    throw badURL(`invalid URI query '${query}': ${pctError(fixed)}`);
  }
  const result = new Map<string, string>();
  if (fixed === "") return result;
  for (const param of fixed.split("&")) {
    const eq = param.indexOf("=");
    if (eq < 0) {
      ev.warn(`dubious URI query '${decodeUnchecked(param)}' is missing equal sign '=', ignoring`);
      continue;
    }
    const key = decodeUnchecked(param.slice(0, eq));
    if (!result.has(key)) result.set(key, decodeUnchecked(param.slice(eq + 1)));
  }
  return result;
}

function isIPv4(host: string): boolean {
  const parts = host.split(".");
  return (
    parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) < 256)
  );
}

/** `ParsedURL::Authority::parse` (boost::urls's `parse_authority`). */
function parseAuthority(encoded: string): Authority {
  const invalid = () => badURL(`invalid URL authority: '${encoded}': syntax error`);
  let rest = encoded;
  let user: string | undefined;
  let password: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (
      !validEncoded(userinfo, (ch) => unreserved.test(ch) || subDelims.includes(ch) || ch === ":")
    )
      throw invalid();
    const colon = userinfo.indexOf(":");
    user = decodeUnchecked(colon < 0 ? userinfo : userinfo.slice(0, colon));
    if (colon >= 0) password = decodeUnchecked(userinfo.slice(colon + 1));
  }
  let hostType: Authority["hostType"];
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) throw invalid();
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw invalid();
    if (after !== "") portText = after.slice(1);
    if (/^[vV]/.test(host)) {
      if (!/^[vV][0-9a-fA-F]+\.[a-zA-Z0-9\-._~!$&'()*+,;=:]+$/.test(host)) throw invalid();
      hostType = "IPvFuture";
    } else {
      if (!/^[0-9a-fA-F:.]+$/.test(host) || !host.includes(":")) throw invalid();
      hostType = "IPv6";
    }
  } else {
    const colon = rest.indexOf(":");
    const hostText = colon < 0 ? rest : rest.slice(0, colon);
    if (colon >= 0) portText = rest.slice(colon + 1);
    if (!validEncoded(hostText, (ch) => unreserved.test(ch) || subDelims.includes(ch)))
      throw invalid();
    hostType = isIPv4(hostText) ? "IPv4" : "Name";
    host = decodeUnchecked(hostText);
  }
  if (portText !== undefined && !/^[0-9]*$/.test(portText)) throw invalid();
  let port: number | undefined;
  if (portText !== undefined && portText !== "") {
    const n = Number(portText);
    if (n === 0 || n > 65535) throw badURL(`port '${portText}' is invalid`);
    port = n;
  }
  return { hostType, host, user, password, port };
}

function authorityToString(a: Authority): string {
  let out = "";
  if (a.user !== undefined) {
    out += percentEncode(a.user);
    if (a.password !== undefined) out += ":" + percentEncode(a.password);
    out += "@";
  }
  if (a.hostType === "Name") out += percentEncode(a.host);
  else if (a.hostType === "IPv4") out += a.host;
  else out += `[${percentEncode(a.host, ":")}]`;
  if (a.port !== undefined) out += `:${a.port}`;
  return out;
}

/** `parseUrlScheme`: the application (before a `+`) and the transport. */
function parseUrlScheme(scheme: string): { application?: string; transport: string } {
  const plus = scheme.indexOf("+");
  return plus < 0
    ? { transport: scheme }
    : { application: scheme.slice(0, plus), transport: scheme.slice(plus + 1) };
}

/** `parseURL` (boost::urls's URI-reference grammar, with Nix's leniency for `"`, ` ` and `^`). */
function parseURL(ev: Evaluator, url: string, lenient = false): ParsedURL {
  let fixed = url;
  if (lenient) {
    fixed = "";
    let view = url;
    const q = view.indexOf("?");
    if (q >= 0) {
      fixed += view.slice(0, q + 1);
      view = view.slice(q + 1);
      const h = view.indexOf("#");
      const queryView = h < 0 ? view : view.slice(0, h);
      fixed += percentEncodeCharSet(queryView, ' "');
      view = h < 0 ? "" : view.slice(h);
    }
    const h = view.indexOf("#");
    if (h >= 0) fixed += view.slice(0, h + 1) + percentEncodeCharSet(view.slice(h + 1), ' "^');
    else fixed += view;
  }
  const invalid = () => badURL(`'${url}' is not a valid URL: syntax error`);

  let rest = fixed;
  let fragment: string | undefined;
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
    if (!validEncoded(fragment, isQueryChar)) throw invalid();
  }
  let encodedQuery = "";
  const q = rest.indexOf("?");
  if (q >= 0) {
    encodedQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
    if (!validEncoded(encodedQuery, isQueryChar)) throw invalid();
  }
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+\-.]*):/.exec(rest);
  let scheme: string | undefined;
  if (schemeMatch) {
    scheme = schemeMatch[1]!;
    rest = rest.slice(scheme.length + 1);
  }
  let authority: Authority | undefined;
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    const encodedAuthority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? "" : rest.slice(slash);
    try {
      authority = parseAuthority(encodedAuthority);
    } catch (e) {
      if (e instanceof FlakeRefError && /syntax error$/.test(e.message)) throw invalid();
      throw e;
    }
  }
  if (!validEncoded(rest, (ch) => isPchar(ch) || ch === "/")) throw invalid();
  // A relative reference's first segment has no ':'.
  if (scheme === undefined && authority === undefined && rest.split("/")[0]!.includes(":"))
    throw invalid();
  if (scheme === undefined) throw badURL(`'${fixed}' doesn't have a scheme`);

  const transportIsFile = parseUrlScheme(scheme).transport === "file";
  if (authority && authority.host !== "" && transportIsFile) {
    throw badURL(
      `file:// URL '${fixed}' has unexpected authority '${authorityToString(authority)}'`,
    );
  }
  const encodedPath = transportIsFile && rest === "" ? "/" : rest;
  return {
    scheme,
    authority,
    path: encodedPath.split("/").map(decodeUnchecked),
    query: decodeQuery(ev, encodedQuery, lenient),
    fragment: fragment === undefined ? "" : decodeUnchecked(fragment),
  };
}

function encodeUrlPath(path: readonly string[]): string {
  return path.map((p) => percentEncode(p, ":@")).join("/");
}

function encodeQuery(query: ReadonlyMap<string, string>): string {
  return sortedKeys(query)
    .map((k) => `${percentEncode(k, ":@/?")}=${percentEncode(query.get(k)!, ":@/?")}`)
    .join("&");
}

/** `ParsedURL::to_string` */
function urlToString(url: ParsedURL): string {
  let out = url.scheme + ":";
  if (url.authority) out += "//" + authorityToString(url.authority);
  out += encodeUrlPath(url.path);
  if (url.query.size > 0) out += "?" + encodeQuery(url.query);
  if (url.fragment !== "") out += "#" + percentEncode(url.fragment);
  return out;
}

function copyURL(url: ParsedURL): ParsedURL {
  return { ...url, path: [...url.path], query: new Map(url.query) };
}

/**
 * `pathToUrlPath`, with libstdc++'s `std::filesystem::path` on POSIX: separators collapse, and a
 * trailing one is an empty component of the relative path, after which CppNix adds another.
 */
function pathToUrlPath(path: string): string[] {
  const out: string[] = [];
  if (path.startsWith("/")) out.push("");
  const relative = path.replace(/^\/+/, "");
  if (relative !== "") {
    for (const c of relative.split("/")) if (c !== "") out.push(c);
    if (relative.endsWith("/")) out.push("");
  }
  if (path === "" || path.endsWith("/")) out.push("");
  return out;
}

/** `urlPathToPath` */
function urlPathToPath(urlPath: readonly string[]): string {
  for (const comp of urlPath) {
    if (comp.includes("/"))
      throw badURL(`URL path component '${comp}' contains '/', which is not allowed in file names`);
    if (comp.includes("\0"))
      throw badURL(
        `URL path component '${comp.replaceAll("\0", "\u00e2\u0090\u0080")}' contains NUL byte which is not allowed`,
      );
  }
  let result = "";
  let i = 0;
  if (urlPath.length > 0 && urlPath[0] === "") {
    result = "/";
    i = 1;
  }
  // std::filesystem::path's operator/=.
  for (; i < urlPath.length; i++) {
    const p = urlPath[i]!;
    if (result === "" || result.endsWith("/")) result += p;
    else result += "/" + p;
  }
  return result;
}

/** `fixGitURL` */
function fixGitURL(ev: Evaluator, url: string): ParsedURL {
  if (url.startsWith("/")) {
    return {
      scheme: "file",
      authority: { hostType: "Name", host: "" },
      path: pathToUrlPath(url),
      query: new Map(),
      fragment: "",
    };
  }
  const scp = tryParseScpStyle(ev, url);
  if (scp !== undefined) return scp;
  const parsed = parseURL(ev, url);
  if (parseUrlScheme(parsed.scheme).application === "git") {
    parsed.scheme = parseUrlScheme(parsed.scheme).transport;
  }
  return parsed;
}

/** `tryParseScpStyle`: Git's `[user@]host:path`, as an `ssh://` URL. */
function tryParseScpStyle(ev: Evaluator, url: string): ParsedURL | undefined {
  if (url.includes("://")) return undefined;
  const colon = url.indexOf(":");
  if (colon < 0) return undefined;
  let schemeOrHost = url.slice(0, colon);
  if (schemeOrHost.includes("/")) return undefined;
  const gitSchemes = ["ssh", "http", "https", "file", "ftp", "ftps", "git"];
  if (gitSchemes.includes(schemeOrHost) || gitSchemes.some((s) => `git+${s}` === schemeOrHost))
    return undefined;
  const atBracket = url.indexOf("@[");
  const bracketStart = atBracket >= 0 ? atBracket + 1 : url.startsWith("[") ? 0 : -1;
  if (bracketStart >= 0) {
    const close = url.indexOf("]", bracketStart + 1);
    if (close >= 0) {
      if (url[close + 1] === ":") schemeOrHost = url.slice(0, close + 1);
      else return undefined;
    }
  }
  const pathView = url.slice(schemeOrHost.length + 1);
  let host = schemeOrHost;
  let user: string | undefined;
  const at = host.indexOf("@");
  if (at >= 0) {
    user = host.slice(0, at);
    host = host.slice(at + 1);
  }
  if (host.startsWith("[") && host.endsWith("]")) {
    throw new FlakeRefError(
      `tsnix does not implement bracketed IPv6 hosts in SCP-style Git URLs such as '${url}' yet`,
    );
  }
  const authority: Authority = { hostType: isIPv4(host) ? "IPv4" : "Name", host, user };
  if (pathView === "") throw badURL(`SCP-style Git URL '${url}' has an empty path`);
  const res: ParsedURL = {
    scheme: "ssh",
    authority,
    path: pathView.split("/"),
    query: new Map(),
    fragment: "",
  };
  if (res.path[0] !== "") {
    res.path.unshift("");
    if (!res.path[1]!.startsWith("~")) {
      const tilde = copyURL(res);
      tilde.path.splice(1, 0, "~");
      ev.warn(
        `SCP-style URL '${url}' has a relative path which cannot be faithfully converted to an SSH URL: ` +
          "we will convert it to an absolute path when making an SSH URL.\n\n" +
          "Use an explicit absolute path:\n\n" +
          `    ${host}:/${pathView}\n\n` +
          "or with an explicit SSH URL:\n\n" +
          `    ${urlToString(res)}\n\n` +
          "instead, to explicitly use an absolute path (and silence this warning). " +
          "Or, to be relative to the remote user's home directory:\n\n" +
          `    ${host}:~/${pathView}\n\n` +
          "or with an explicit SSH URL:\n\n" +
          `    ${urlToString(tilde)}`,
      );
    }
  }
  return res;
}

// --- input schemes (libfetchers) -------------------------------------------------------------

interface InputScheme {
  readonly name: string;
  readonly allowedAttrs: readonly string[];
  inputFromURL(ev: Evaluator, url: ParsedURL): FetcherAttrs | undefined;
  inputFromAttrs(ev: Evaluator, attrs: FetcherAttrs): FetcherAttrs;
  toURL(ev: Evaluator, attrs: FetcherAttrs): ParsedURL;
}

const revRegex = /^[0-9a-fA-F]{40}$/;
const refRegex = /^[a-zA-Z0-9@][a-zA-Z0-9_./@+-]*$/;
const hostRegex = /^[a-zA-Z0-9.-]*$/;
const flakeIdRegex = /^[a-zA-Z][a-zA-Z0-9_-]*$/;

/** The GitHub, GitLab and SourceHut schemes (`GitArchiveInputScheme`). */
function gitArchiveScheme(name: string): InputScheme {
  const scheme: InputScheme = {
    name,
    allowedAttrs: ["owner", "repo", "ref", "rev", "narHash", "lastModified", "host", "treeHash"],
    inputFromURL(ev, url) {
      if (url.scheme !== name) return undefined;
      const path = url.path.filter((s) => s !== "");
      const attrs: FetcherAttrs = new Map();
      if (path.length === 3) {
        attrs.set(revRegex.test(path[2]!) ? "rev" : "ref", path[2]!);
      } else if (path.length > 3) {
        attrs.set("ref", path.slice(2).join("/"));
      } else if (path.length < 2) {
        throw badURL(`URL '${urlToString(url)}' is invalid`);
      }
      for (const key of sortedKeys(url.query)) {
        const value = url.query.get(key)!;
        if (key === "rev") {
          if (attrs.has(key))
            throw badURL(`URL '${urlToString(url)}' contains multiple commit hashes`);
          attrs.set("rev", value);
        } else if (key === "ref") {
          if (attrs.has(key))
            throw badURL(`URL '${urlToString(url)}' contains multiple branch/tag names`);
          attrs.set("ref", value);
        } else if (key === "host" || key === "narHash") attrs.set(key, value);
        else throw badURL(`URL '${urlToString(url)}' contains unknown parameter '${key}'`);
      }
      attrs.set("type", name);
      attrs.set("owner", path[0]!);
      attrs.set("repo", path[1]!);
      return scheme.inputFromAttrs(ev, attrs);
    },
    inputFromAttrs(_ev, attrs) {
      getStrAttr(attrs, "owner");
      getStrAttr(attrs, "repo");
      const ref = maybeGetStrAttr(attrs, "ref");
      const rev = maybeGetStrAttr(attrs, "rev");
      if (ref !== undefined && rev !== undefined) {
        throw badURL(
          `input ${attrsToJSON(attrs)} contains both a commit hash ('${rev}') and a branch/tag name ('${ref}')`,
        );
      }
      if (rev !== undefined) parseAnyHash(rev, "sha1");
      if (ref !== undefined && !isLegalRefName(ref))
        throw badURL(`input ${attrsToJSON(attrs)} contains an invalid branch/tag name`);
      const host = maybeGetStrAttr(attrs, "host");
      if (host !== undefined && !hostRegex.test(host))
        throw badURL(`input ${attrsToJSON(attrs)} contains an invalid instance host`);
      return attrs;
    },
    toURL(_ev, attrs) {
      const path = [getStrAttr(attrs, "owner"), getStrAttr(attrs, "repo")];
      const ref = maybeGetStrAttr(attrs, "ref");
      const rev = getRev(attrs);
      if (ref !== undefined) path.push(ref);
      if (rev !== undefined) path.push(rev);
      const url: ParsedURL = { scheme: name, path, query: new Map(), fragment: "" };
      const narHash = getNarHash(attrs);
      if (narHash !== undefined) url.query.set("narHash", narHash);
      const host = maybeGetStrAttr(attrs, "host");
      if (host !== undefined) url.query.set("host", host);
      return url;
    },
  };
  return scheme;
}

const indirectScheme: InputScheme = {
  name: "indirect",
  allowedAttrs: ["id", "ref", "rev", "narHash"],
  inputFromURL(_ev, url) {
    if (url.scheme !== "flake") return undefined;
    const path = url.path.filter((s) => s !== "");
    const shown = () => urlToString(url);
    let rev: string | undefined;
    let ref: string | undefined;
    if (path.length === 1) {
      // Just an ID.
    } else if (path.length === 2) {
      if (revRegex.test(path[1]!)) rev = base16(parseAnyHash(path[1]!, "sha1")[1]);
      else if (isLegalRefName(path[1]!)) ref = path[1]!;
      else
        throw badURL(
          `in flake URL '${shown()}', '${path[1]}' is not a commit hash or branch/tag name`,
        );
    } else if (path.length === 3) {
      if (!isLegalRefName(path[1]!))
        throw badURL(`in flake URL '${shown()}', '${path[1]}' is not a branch/tag name`);
      ref = path[1]!;
      if (!revRegex.test(path[2]!))
        throw badURL(`in flake URL '${shown()}', '${path[2]}' is not a commit hash`);
      rev = base16(parseAnyHash(path[2]!, "sha1")[1]);
    } else throw badURL(`GitHub URL '${shown()}' is invalid`);
    const id = path[0]!;
    if (!flakeIdRegex.test(id)) throw badURL(`'${id}' is not a valid flake ID`);
    const attrs: FetcherAttrs = new Map<string, Attr>([
      ["type", "indirect"],
      ["id", id],
    ]);
    if (rev !== undefined) attrs.set("rev", rev);
    if (ref !== undefined) attrs.set("ref", ref);
    return attrs;
  },
  inputFromAttrs(_ev, attrs) {
    const id = getStrAttr(attrs, "id");
    if (!flakeIdRegex.test(id)) throw badURL(`'${id}' is not a valid flake ID`);
    return attrs;
  },
  toURL(_ev, attrs) {
    const path = [getStrAttr(attrs, "id")];
    const ref = maybeGetStrAttr(attrs, "ref");
    if (ref !== undefined) path.push(ref);
    const rev = getRev(attrs);
    if (rev !== undefined) path.push(rev);
    return { scheme: "flake", path, query: new Map(), fragment: "" };
  },
};

const pathScheme: InputScheme = {
  name: "path",
  allowedAttrs: ["path", "rev", "revCount", "lastModified", "narHash"],
  inputFromURL(_ev, url) {
    if (url.scheme !== "path") return undefined;
    if (url.authority && url.authority.host !== "") {
      throw new FlakeRefError(
        `path URL '${urlToString(url)}' should not have an authority ('${authorityToString(url.authority)}')`,
      );
    }
    const attrs: FetcherAttrs = new Map<string, Attr>([
      ["type", "path"],
      ["path", urlPathToPath(url.path)],
    ]);
    for (const key of sortedKeys(url.query)) {
      const value = url.query.get(key)!;
      if (key === "rev" || key === "narHash") attrs.set(key, value);
      else if (key === "revCount" || key === "lastModified") {
        const n = string2Uint64(value);
        if (n === undefined)
          throw new FlakeRefError(`path URL '${urlToString(url)}' has invalid parameter '${key}'`);
        attrs.set(key, n);
      } else
        throw new FlakeRefError(
          `path URL '${urlToString(url)}' has unsupported parameter '${key}'`,
        );
    }
    return attrs;
  },
  inputFromAttrs(_ev, attrs) {
    getStrAttr(attrs, "path");
    return attrs;
  },
  toURL(_ev, attrs) {
    const query = attrsToQuery(attrs);
    query.delete("path");
    query.delete("type");
    query.delete("__final");
    return {
      scheme: "path",
      path: pathToUrlPath(getStrAttr(attrs, "path")),
      query,
      fragment: "",
    };
  },
};

/**
 * The `file` and `tarball` schemes (`CurlInputScheme`). A flake reference always asks for a tree
 * (`isFlake`), so a plain `http(s)`/`file` URL is a tarball whatever its extension.
 */
function curlScheme(name: "file" | "tarball"): InputScheme {
  const allowedAttrs = ["url", "narHash", "name", "unpack", "rev", "revCount", "lastModified"];
  return {
    name,
    allowedAttrs,
    inputFromURL(_ev, original) {
      const { application, transport } = parseUrlScheme(original.scheme);
      if (!["file", "http", "https"].includes(transport)) return undefined;
      if (application !== undefined ? application !== name : name === "file") return undefined;
      const url = copyURL(original);
      url.scheme = transport;
      const attrs: FetcherAttrs = new Map();
      const narHash = url.query.get("narHash");
      if (narHash !== undefined) attrs.set("narHash", narHash);
      const rev = url.query.get("rev");
      if (rev !== undefined) attrs.set("rev", rev);
      for (const key of ["revCount", "lastModified"]) {
        const value = url.query.get(key);
        const n = value === undefined ? undefined : string2Uint64(value);
        if (n !== undefined) attrs.set(key, n);
      }
      for (const param of allowedAttrs) url.query.delete(param);
      attrs.set("type", name);
      attrs.set("url", urlToString(url));
      return attrs;
    },
    inputFromAttrs: (_ev, attrs) => attrs,
    toURL(ev, attrs) {
      const url = parseURL(ev, getStrAttr(attrs, "url"));
      const narHash = getNarHash(attrs);
      if (narHash !== undefined) url.query.set("narHash", narHash);
      return url;
    },
  };
}

const verifiedFetchesAttrs = ["verifyCommit", "keytype", "publicKey", "publicKeys"];

const gitScheme: InputScheme = {
  name: "git",
  allowedAttrs: [
    "url",
    "ref",
    "rev",
    "shallow",
    "submodules",
    "lfs",
    "exportIgnore",
    "lastModified",
    "revCount",
    "narHash",
    "allRefs",
    "name",
    "dirtyRev",
    "dirtyShortRev",
    ...verifiedFetchesAttrs,
  ],
  inputFromURL(ev, url) {
    if (url.scheme !== "git" && parseUrlScheme(url.scheme).application !== "git") return undefined;
    const url2 = copyURL(url);
    url2.query = new Map();
    const attrs: FetcherAttrs = new Map<string, Attr>([["type", "git"]]);
    const bools = ["shallow", "submodules", "lfs", "exportIgnore", "allRefs", "verifyCommit"];
    for (const key of sortedKeys(url.query)) {
      const value = url.query.get(key)!;
      if (["rev", "ref", "keytype", "publicKey", "publicKeys"].includes(key)) attrs.set(key, value);
      else if (bools.includes(key)) attrs.set(key, value === "1");
      else url2.query.set(key, value);
    }
    attrs.set("url", urlToString(url2));
    return gitScheme.inputFromAttrs(ev, attrs);
  },
  inputFromAttrs(ev, attrs) {
    for (const name of attrs.keys()) {
      if (verifiedFetchesAttrs.includes(name)) requireFeature(ev, "verified-fetches");
    }
    maybeGetBoolAttr(attrs, "verifyCommit");
    const ref = maybeGetStrAttr(attrs, "ref");
    if (ref !== undefined && !isLegalRefName(ref))
      throw badURL(`invalid Git branch/tag name '${ref}'`);
    const result = new Map(attrs);
    result.set("url", urlToString(fixGitURL(ev, getStrAttr(attrs, "url"))));
    maybeGetBoolAttr(result, "shallow");
    maybeGetBoolAttr(result, "submodules");
    maybeGetBoolAttr(result, "allRefs");
    return result;
  },
  toURL(ev, attrs) {
    const url = parseURL(ev, getStrAttr(attrs, "url"));
    if (url.scheme !== "git") url.scheme = "git+" + url.scheme;
    const rev = getRev(attrs);
    if (rev !== undefined) url.query.set("rev", rev);
    const ref = maybeGetStrAttr(attrs, "ref");
    if (ref !== undefined) url.query.set("ref", ref);
    for (const flag of ["shallow", "lfs", "submodules", "exportIgnore", "verifyCommit"]) {
      if (maybeGetBoolAttr(attrs, flag)) url.query.set(flag, "1");
    }
    if (attrs.has("publicKeys")) {
      throw new FlakeRefError("tsnix does not implement the Git input attribute 'publicKeys' yet");
    }
    if (attrs.has("publicKey")) {
      url.query.set("keytype", maybeGetStrAttr(attrs, "keytype") ?? "ssh-ed25519");
      url.query.set("publicKey", getStrAttr(attrs, "publicKey"));
    }
    return url;
  },
};

const mercurialScheme: InputScheme = {
  name: "hg",
  allowedAttrs: ["url", "ref", "rev", "revCount", "narHash", "name"],
  inputFromURL(ev, url) {
    if (!["hg+http", "hg+https", "hg+ssh", "hg+file"].includes(url.scheme)) return undefined;
    const url2 = copyURL(url);
    url2.scheme = url.scheme.slice(3);
    url2.query = new Map();
    const attrs: FetcherAttrs = new Map<string, Attr>([["type", "hg"]]);
    for (const key of sortedKeys(url.query)) {
      const value = url.query.get(key)!;
      if (key === "rev" || key === "ref") attrs.set(key, value);
      else url2.query.set(key, value);
    }
    attrs.set("url", urlToString(url2));
    return mercurialScheme.inputFromAttrs(ev, attrs);
  },
  inputFromAttrs(ev, attrs) {
    parseURL(ev, getStrAttr(attrs, "url"));
    const ref = maybeGetStrAttr(attrs, "ref");
    if (ref !== undefined && !refRegex.test(ref))
      throw badURL(`invalid Mercurial branch/tag name '${ref}'`);
    return attrs;
  },
  toURL(ev, attrs) {
    const url = parseURL(ev, getStrAttr(attrs, "url"));
    url.scheme = "hg+" + url.scheme;
    const rev = getRev(attrs);
    if (rev !== undefined) url.query.set("rev", rev);
    const ref = maybeGetStrAttr(attrs, "ref");
    if (ref !== undefined) url.query.set("ref", ref);
    return url;
  },
};

function requireFeature(ev: Evaluator, feature: string): void {
  if (!ev.experimentalFeatures.has(feature)) {
    throw new FlakeRefError(missingFeature(feature));
  }
}

/** By name, in the order CppNix tries them (its scheme map is sorted). */
const inputSchemes: readonly InputScheme[] = [
  curlScheme("file"),
  gitScheme,
  gitArchiveScheme("github"),
  gitArchiveScheme("gitlab"),
  mercurialScheme,
  indirectScheme,
  pathScheme,
  gitArchiveScheme("sourcehut"),
  curlScheme("tarball"),
];

/** An input: its attributes, and its scheme unless the type is unknown (a "raw" input). */
interface Input {
  attrs: FetcherAttrs;
  scheme?: InputScheme;
}

/** `fixupInput`: the checks of the common attributes. */
function fixupInput(attrs: FetcherAttrs): void {
  getStrAttr(attrs, "type");
  maybeGetStrAttr(attrs, "ref");
  maybeGetIntAttr(attrs, "revCount");
  maybeGetIntAttr(attrs, "lastModified");
}

/** `Input::fromURL` */
function inputFromURL(ev: Evaluator, url: ParsedURL): Input {
  for (const scheme of inputSchemes) {
    const attrs = scheme.inputFromURL(ev, url);
    if (attrs !== undefined) {
      fixupInput(attrs);
      return { attrs, scheme };
    }
  }
  const { application, transport } = parseUrlScheme(url.scheme);
  if (application === "file" && transport === "git") {
    throw new FlakeRefError(
      `input '${urlToString(url)}' is unsupported; did you mean 'git+file' instead of 'file+git'?`,
    );
  }
  throw new FlakeRefError(`input '${urlToString(url)}' is unsupported`);
}

/** `Input::fromAttrs` */
function inputFromAttrs(ev: Evaluator, attrs: FetcherAttrs): Input {
  const type = maybeGetStrAttr(attrs, "type");
  if (type === undefined) {
    throw new FlakeRefError(
      "'type' attribute to specify input scheme is required but not provided",
    );
  }
  const scheme = inputSchemes.find((s) => s.name === type);
  if (scheme === undefined) {
    fixupInput(attrs);
    return { attrs };
  }
  for (const name of sortedKeys(attrs)) {
    if (name !== "type" && name !== "__final" && !scheme.allowedAttrs.includes(name)) {
      throw new FlakeRefError(`input attribute '${name}' not supported by scheme '${type}'`);
    }
  }
  const result = scheme.inputFromAttrs(ev, attrs);
  fixupInput(result);
  return { attrs: result, scheme };
}

/** `Input::toURLString` */
function inputToURLString(ev: Evaluator, input: Input, extraQuery: Map<string, string>): string {
  if (input.scheme === undefined) {
    throw new FlakeRefError(`cannot show unsupported input '${attrsToJSON(input.attrs)}'`);
  }
  const url = input.scheme.toURL(ev, input.attrs);
  for (const [k, v] of extraQuery) if (!url.query.has(k)) url.query.set(k, v);
  return urlToString(url);
}

// --- flake references (libflake/flakeref.cc) -------------------------------------------------

interface FlakeRef {
  input: Input;
  subdir: string;
}

function fromParsedURL(ev: Evaluator, url: ParsedURL): [FlakeRef, string] {
  const dir = url.query.get("dir") ?? "";
  const url2 = copyURL(url);
  url2.query.delete("dir");
  url2.fragment = "";
  return [{ input: inputFromURL(ev, url2), subdir: dir }, url.fragment];
}

const pcharS = "(?:[a-zA-Z0-9\\-._~]|%[0-9a-fA-F]{2}|[!$&'\"()*+,;=]|[:@])";
const fragmentS = `(?:${pcharS}|[/? "^])*`;
const refS = "[a-zA-Z0-9@][a-zA-Z0-9_./@+-]*";
const revS = "[0-9a-fA-F]{40}";
const flakeIdRefRegex = new RegExp(
  `^(([a-zA-Z][a-zA-Z0-9_-]*)(?:/(?:(${revS})|(?:(${refS})(?:/(${revS}))?)))?)(?:#(${fragmentS}))?$`,
);

/** `parseFlakeRefWithFragment(url, {}, true)` */
function parseFlakeRefWithFragment(ev: Evaluator, url: string): [FlakeRef, string] {
  // A flake ID, `nixpkgs/branch/rev`.
  const m = flakeIdRefRegex.exec(url);
  if (m) {
    const parsed: ParsedURL = {
      scheme: "flake",
      path: m[1]!.split("/"),
      query: new Map(),
      fragment: "",
    };
    return [{ input: inputFromURL(ev, parsed), subdir: "" }, percentDecode(m[6] ?? "")];
  }
  // A URL.
  try {
    return fromParsedURL(ev, parseURL(ev, url, true));
  } catch (e) {
    if (!(e instanceof FlakeRefError && e.badURL)) throw e;
  }
  // A path, which without a base directory must be absolute.
  const pm = /^([^?#]*)(\?([^#]*))?(#(.*))?$/.exec(url);
  if (!pm) throw new FlakeRefError(`invalid flakeref '${url}'`);
  const path = pm[1]!;
  const query = decodeQuery(ev, pm[3] ?? "", true);
  const fragment = percentDecode(pm[5] ?? "");
  if (!path.startsWith("/")) {
    throw badURL(`flake reference '${url}' is not an absolute path`);
  }
  return fromParsedURL(ev, {
    scheme: "path",
    authority: { hostType: "Name", host: "" },
    path: pathToUrlPath(path),
    query,
    fragment,
  });
}

/** `parseFlakeRef(url, {}, true)` */
function parseFlakeRef(ev: Evaluator, url: string): FlakeRef {
  const [flakeRef, fragment] = parseFlakeRefWithFragment(ev, url);
  if (fragment !== "") {
    throw new FlakeRefError(`unexpected fragment '${fragment}' in flake reference '${url}'`);
  }
  return flakeRef;
}

/** Runs `f`, turning a `FlakeRefError` into a Nix error without a position (CppNix's `noPos`). */
function nixErrors<T>(ev: Evaluator, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof FlakeRefError)
      throw ev.error(e.usage ? "UsageError" : "EvalError", e.message, null);
    throw e;
  }
}

/** A `uint64_t` as CppNix's `mkInt` stores it: wrapped to int64. */
function toNixInt(n: bigint): number | bigint {
  return nixInt(BigInt.asIntN(64, n));
}

const noPos: CallSite = { env: null, pos: -1 };

export const flakeRefBuiltins: Builtin[] = [
  {
    name: "parseFlakeRef",
    arity: 1,
    doc: 'Parse a flake reference, and return its exploded form.\n\n    builtins.parseFlakeRef "github:NixOS/nixpkgs/23.05?dir=lib"\n\nevaluates to `{ dir = "lib"; owner = "NixOS"; ref = "23.05"; repo = "nixpkgs"; type = "github"; }`.',
    impl: (ev, args: Lazy[]) => {
      const s = inContext(
        ev,
        noPos,
        "while evaluating the argument passed to builtins.parseFlakeRef",
        () => ev.forceStringNoContext(args[0]!, null, -1),
      );
      const flakeRef = nixErrors(ev, () => parseFlakeRef(ev, s));
      const attrs = new Map<string, Lazy>();
      for (const [k, v] of flakeRef.input.attrs)
        attrs.set(k, typeof v === "bigint" ? toNixInt(v) : v);
      if (flakeRef.subdir !== "") attrs.set("dir", flakeRef.subdir);
      return Attrs.fromMap(attrs);
    },
  },
  {
    name: "flakeRefToString",
    arity: 1,
    doc: 'Convert a flake reference from attribute set format to URL format.\n\n    builtins.flakeRefToString { dir = "lib"; owner = "NixOS"; ref = "23.05"; repo = "nixpkgs"; type = "github"; }\n\nevaluates to `"github:NixOS/nixpkgs/23.05?dir=lib"`.',
    impl: (ev, args: Lazy[]) => {
      const set = ev.forceAttrs(
        args[0]!,
        null,
        -1,
        "while evaluating the argument passed to builtins.flakeRefToString",
      );
      const attrs: FetcherAttrs = new Map();
      for (const name of set.names()) {
        const v: Value = ev.force(set.get(name)!);
        if (typeof v === "number" || typeof v === "bigint") {
          if (v < 0) {
            throw ev.error(
              "EvalError",
              `negative value given for flake ref attr ${name}: ${v}`,
              null,
            );
          }
          attrs.set(name, BigInt(v));
        } else if (typeof v === "boolean") attrs.set(name, v);
        else if (typeof v === "string") attrs.set(name, v);
        else if (v instanceof NixString) attrs.set(name, v.s);
        else {
          throw ev.error(
            "EvalError",
            `flake reference attribute sets may only contain integers, Booleans, and strings, but attribute '${name}' is ${showType(v)}`,
            null,
          );
        }
      }
      return nixErrors(ev, () => {
        const input = new Map(attrs);
        input.delete("dir");
        const subdir = maybeGetStrAttr(attrs, "dir") ?? "";
        const flakeRef: FlakeRef = { input: inputFromAttrs(ev, input), subdir };
        const extra = new Map<string, string>();
        if (flakeRef.subdir !== "") extra.set("dir", flakeRef.subdir);
        return inputToURLString(ev, flakeRef.input, extra);
      });
    },
  },
];
