/**
 * The NAR (Nix ARchive): the canonical serialisation of a file system object that Nix hashes
 * to name source paths (`"${./dir}"`, `builtins.path`, `filterSource`, recursive fixed-output
 * hashes). docs: ../../shared/spec/store-and-derivations.md §3; pinned by test/store.test.ts.
 *
 * Every token is a *string*: its length as a 64-bit little-endian integer, its bytes, then zero
 * padding to a multiple of 8. Only the executable bit of a regular file is kept; directory
 * entries are sorted bytewise; symlinks are stored, never followed. The file system is a
 * parameter (`NarFS`) so this runs in a browser; paths and names are byte strings.
 *
 * Filtering (§3.1): the filter sees every entry below the root, in sorted order, depth-first
 * and pre-order, with its absolute path and type; an excluded directory's children are never
 * visited. The root is never filtered.
 *
 * Current CppNix (2.35+) bounds directory nesting at 64 levels, both when dumping
 * (`path '…' exceeds maximum NAR directory depth of 64`) and when parsing; `parseNar` also
 * applies its bounds on tags (32 bytes), entry names (255) and symlink targets (1 to 4095
 * bytes, no NUL), and its messages (`bad archive: …`). Unlike CppNix's `parseDump`, which stops
 * reading at the end of the root object, `parseNar` rejects trailing bytes: it is given a whole
 * NAR, and anything after it means the input is not one.
 */

import { byteStringToBytes, bytesToByteString } from "../lang/source.js";

/** What a file is: NAR's node types, and what `builtins.readFileType` and `readDir` say. */
export type FileType = "regular" | "directory" | "symlink" | "unknown";

/** The type of a file from its `lstat`/`stat` result or directory entry (node:fs's shapes). */
export function fileTypeOf(st: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}): FileType {
  if (st.isFile()) return "regular";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  return "unknown";
}

/** What `dumpPath` reads. Paths and names are byte strings. */
export interface NarFS {
  /** Like `lstat(2)` (symlinks are not followed); `undefined` if nothing is there. */
  lstat(path: string): { type: FileType; executable: boolean } | undefined;
  readFile(path: string): Uint8Array;
  /** The entry names, in any order, without `.` and `..`. */
  readDir(path: string): string[];
  readLink(path: string): string;
}

/** Whether to keep the entry at `path` (absolute) of type `type`. */
export type PathFilter = (path: string, type: FileType) => boolean;

/** A file system object, as a NAR holds it. Entry names are byte strings. */
export type NarNode =
  | { type: "regular"; executable: boolean; contents: Uint8Array }
  | { type: "symlink"; target: string }
  | { type: "directory"; entries: Map<string, NarNode> };

/** A NAR could not be made or parsed; the message is CppNix's. */
export class NarError extends Error {
  override name = "NarError";
}

/** CppNix's `narMaxDepth`: directory nesting bound for dumping and parsing. */
export const narMaxDepth = 64;

const narMagic = "nix-archive-1";

// --- writing --------------------------------------------------------------------------------------

/** The whole encoding of a short, constant token (length, bytes, padding). */
function encodeToken(s: string): Uint8Array {
  const bytes = byteStringToBytes(s);
  const out = new Uint8Array(8 + padded(bytes.length));
  out[0] = bytes.length; // all tokens are shorter than 256 bytes
  out.set(bytes, 8);
  return out;
}

/** `n` rounded up to a multiple of 8 (plain arithmetic: lengths may exceed 2^31). */
function padded(n: number): number {
  const r = n % 8;
  return r === 0 ? n : n + 8 - r;
}

const tMagic = encodeToken(narMagic);
const tOpen = encodeToken("(");
const tClose = encodeToken(")");
const tType = encodeToken("type");
const tRegular = encodeToken("regular");
const tExecutable = encodeToken("executable");
const tEmpty = encodeToken("");
const tContents = encodeToken("contents");
const tDirectory = encodeToken("directory");
const tEntry = encodeToken("entry");
const tName = encodeToken("name");
const tNode = encodeToken("node");
const tSymlink = encodeToken("symlink");
const tTarget = encodeToken("target");
const zeros = new Uint8Array(8);

/** Collects the NAR as a list of chunks (file contents are not copied) and joins them once. */
class NarWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  token(t: Uint8Array): void {
    this.chunks.push(t);
    this.size += t.length;
  }

  bytes(b: Uint8Array): void {
    const header = new Uint8Array(8);
    let n = b.length;
    for (let i = 0; i < 8 && n > 0; i++) {
      header[i] = n % 256;
      n = Math.floor(n / 256);
    }
    this.chunks.push(header);
    if (b.length > 0) this.chunks.push(b);
    const pad = padded(b.length) - b.length;
    if (pad > 0) this.chunks.push(zeros.subarray(0, pad));
    this.size += 8 + b.length + pad;
  }

  string(s: string): void {
    this.bytes(byteStringToBytes(s));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

function writeRegular(w: NarWriter, contents: Uint8Array, executable: boolean): void {
  w.token(tType);
  w.token(tRegular);
  if (executable) {
    w.token(tExecutable);
    w.token(tEmpty);
  }
  w.token(tContents);
  w.bytes(contents);
}

function childPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** The names of a directory, sorted bytewise (byte strings compare bytewise). */
function sortedNames(names: Iterable<string>): string[] {
  return [...names].filter((n) => n !== "." && n !== "..").sort();
}

function statOrThrow(fs: NarFS, path: string): { type: FileType; executable: boolean } {
  const st = fs.lstat(path);
  if (st === undefined) {
    throw new NarError(`getting status of '${path}': No such file or directory`);
  }
  return st;
}

/**
 * CppNix's `dumpPath`: the NAR of the object at `path` (a byte string), with the entries below
 * it that `filter` rejects left out.
 */
export function dumpPath(fs: NarFS, path: string, filter?: PathFilter): Uint8Array {
  const w = new NarWriter();
  w.token(tMagic);
  dumpObject(w, fs, path, statOrThrow(fs, path), filter, 0);
  return w.finish();
}

function dumpObject(
  w: NarWriter,
  fs: NarFS,
  path: string,
  st: { type: FileType; executable: boolean },
  filter: PathFilter | undefined,
  depth: number,
): void {
  if (depth >= narMaxDepth) {
    throw new NarError(`path '${path}' exceeds maximum NAR directory depth of ${narMaxDepth}`);
  }
  w.token(tOpen);
  switch (st.type) {
    case "regular":
      writeRegular(w, fs.readFile(path), st.executable);
      break;
    case "directory":
      w.token(tType);
      w.token(tDirectory);
      for (const name of sortedNames(fs.readDir(path))) {
        const child = childPath(path, name);
        const childSt = statOrThrow(fs, child);
        if (filter !== undefined && !filter(child, childSt.type)) continue;
        w.token(tEntry);
        w.token(tOpen);
        w.token(tName);
        w.string(name);
        w.token(tNode);
        dumpObject(w, fs, child, childSt, filter, depth + 1);
        w.token(tClose);
      }
      break;
    case "symlink":
      w.token(tType);
      w.token(tSymlink);
      w.token(tTarget);
      w.string(fs.readLink(path));
      break;
    case "unknown":
    default:
      throw new NarError(`file '${path}' has an unsupported type`);
  }
  w.token(tClose);
}

/** CppNix's `dumpString`: the NAR of a single regular file with these contents. */
export function dumpFile(contents: Uint8Array, executable = false): Uint8Array {
  const w = new NarWriter();
  w.token(tMagic);
  w.token(tOpen);
  writeRegular(w, contents, executable);
  w.token(tClose);
  return w.finish();
}

/** The NAR of an in-memory object (entries are sorted; names are checked as `parseNar` does). */
export function dumpNode(node: NarNode): Uint8Array {
  const w = new NarWriter();
  w.token(tMagic);
  writeNode(w, node, "", 0);
  return w.finish();
}

function writeNode(w: NarWriter, node: NarNode, path: string, depth: number): void {
  if (depth >= narMaxDepth) {
    throw new NarError(
      `path '${path || "/"}' exceeds maximum NAR directory depth of ${narMaxDepth}`,
    );
  }
  w.token(tOpen);
  switch (node.type) {
    case "regular":
      writeRegular(w, node.contents, node.executable);
      break;
    case "directory":
      w.token(tType);
      w.token(tDirectory);
      for (const name of [...node.entries.keys()].sort()) {
        if (!validEntryName(name))
          throw new NarError(`invalid file name '${name}' in '${path || "/"}'`);
        w.token(tEntry);
        w.token(tOpen);
        w.token(tName);
        w.string(name);
        w.token(tNode);
        writeNode(w, node.entries.get(name)!, `${path}/${name}`, depth + 1);
        w.token(tClose);
      }
      break;
    case "symlink":
      w.token(tType);
      w.token(tSymlink);
      w.token(tTarget);
      w.string(node.target);
      break;
    default:
      throw new NarError(`unknown NAR node type '${(node as { type: unknown }).type}'`);
  }
  w.token(tClose);
}

function validEntryName(name: string): boolean {
  return (
    name !== "" && name !== "." && name !== ".." && name.indexOf("/") < 0 && name.indexOf("\0") < 0
  );
}

// --- parsing --------------------------------------------------------------------------------------

const maxTag = 32;
const maxName = 255;
const maxTarget = 4095;

/** Reads NAR strings from a byte array, with CppNix's `readString` checks. */
class NarReader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  /** The next length field; lengths beyond what is left are a truncated input. */
  length(): number {
    const b = this.bytes;
    const p = this.pos;
    if (p + 8 > b.length) throw new NarError("unexpected end-of-file");
    const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    const hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
    this.pos = p + 8;
    // Anything at or above 2^32 cannot be in memory anyway.
    return hi === 0 ? lo : Number.MAX_SAFE_INTEGER;
  }

  /** The next string's bytes (a view into the input), at most `max` long. */
  raw(max: number): Uint8Array {
    const n = this.length();
    if (n > max) throw new NarError("string is too long");
    const start = this.pos;
    const end = start + n;
    const padEnd = start + padded(n);
    if (padEnd > this.bytes.length) throw new NarError("unexpected end-of-file");
    for (let i = end; i < padEnd; i++) {
      if (this.bytes[i] !== 0) throw new NarError("non-zero padding");
    }
    this.pos = padEnd;
    return this.bytes.subarray(start, end);
  }

  string(max: number): string {
    return bytesToByteString(this.raw(max));
  }

  atEnd(): boolean {
    return this.pos === this.bytes.length;
  }
}

function badArchive(message: string): NarError {
  return new NarError(`bad archive: ${message}`);
}

/**
 * CppNix's `parseDump`, strictly: the object a NAR holds. Anything that is not exactly a NAR
 * as Nix writes it (magic, padding, order, names, types, trailing bytes) throws `NarError`.
 */
export function parseNar(bytes: Uint8Array): NarNode {
  const r = new NarReader(bytes);
  let magic: string | undefined;
  try {
    magic = r.string(narMagic.length);
  } catch (e) {
    if (!(e instanceof NarError)) throw e;
  }
  if (magic !== narMagic) throw badArchive("input doesn't look like a Nix archive");
  const node = parseObject(r, 0);
  if (!r.atEnd())
    throw badArchive(`unexpected data after the end of the archive at offset ${r.pos}`);
  return node;
}

function expectTag(r: NarReader, expected: string): void {
  const tag = r.string(maxTag);
  if (tag !== expected) throw badArchive(`expected tag '${expected}', got '${tag}'`);
}

function parseObject(r: NarReader, depth: number): NarNode {
  if (depth >= narMaxDepth) {
    throw badArchive(`NAR directory nesting exceeds maximum depth of ${narMaxDepth}`);
  }
  expectTag(r, "(");
  expectTag(r, "type");
  const type = r.string(maxTag);
  switch (type) {
    case "regular": {
      let tag = r.string(maxTag);
      let executable = false;
      if (tag === "executable") {
        r.raw(0); // the marker's value must be empty
        executable = true;
        tag = r.string(maxTag);
      }
      if (tag !== "contents") throw badArchive(`expected tag 'contents', got '${tag}'`);
      const contents = r.raw(Number.MAX_SAFE_INTEGER).slice();
      expectTag(r, ")");
      return { type: "regular", executable, contents };
    }
    case "directory": {
      const entries = new Map<string, NarNode>();
      let prevName = "";
      for (;;) {
        const tag = r.string(maxTag);
        if (tag === ")") break;
        if (tag !== "entry") throw badArchive(`expected tag 'entry' or ')', got '${tag}'`);
        expectTag(r, "(");
        expectTag(r, "name");
        const name = r.string(maxName);
        if (!validEntryName(name)) throw badArchive(`NAR contains invalid file name '${name}'`);
        if (name <= prevName) throw badArchive("NAR directory is not sorted");
        prevName = name;
        expectTag(r, "node");
        entries.set(name, parseObject(r, depth + 1));
        expectTag(r, ")");
      }
      return { type: "directory", entries };
    }
    case "symlink": {
      expectTag(r, "target");
      const target = r.string(maxTarget);
      if (target === "" || target.indexOf("\0") >= 0) {
        throw badArchive("NAR contains invalid symlink target");
      }
      expectTag(r, ")");
      return { type: "symlink", target };
    }
    default:
      throw badArchive(`unknown file type '${type}'`);
  }
}
