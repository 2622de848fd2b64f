/**
 * Reading tar archives (ustar, with GNU long names and POSIX pax path/linkpath records) into a
 * file-system tree, for `builtins.fetchTarball` and tarball inputs. What a NAR can hold is
 * kept: regular files (the owner-execute bit), directories, symlinks; hard links become copies
 * of their target. As Nix's tarball fetcher does, an archive whose only top-level entry is a
 * directory yields that directory. Decompression is the host's (gzip, bzip2, xz).
 */

import { byteStringToUtf8, bytesToByteString } from "../lang/source.js";
import type { NarNode } from "./nar.js";

export class TarError extends Error {}

function field(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && block[end] !== 0) end++;
  return bytesToByteString(block.subarray(offset, end));
}

function octal(block: Uint8Array, offset: number, length: number): number {
  // GNU base-256 for large values: the high bit of the first byte.
  if ((block[offset]! & 0x80) !== 0) {
    let n = block[offset]! & 0x7f;
    for (let i = 1; i < length; i++) n = n * 256 + block[offset + i]!;
    return n;
  }
  const s = field(block, offset, length).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarError(`invalid number '${s}' in tar header`);
  return parseInt(s, 8);
}

/** pax extended header records: `LEN key=value\n`. */
function paxRecords(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    let sp = i;
    while (sp < data.length && data[sp] !== 0x20) sp++;
    const len = Number(bytesToByteString(data.subarray(i, sp)));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) {
      throw new TarError("invalid pax extended header");
    }
    const record = bytesToByteString(data.subarray(sp + 1, i + len - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

/** The path's components, without `.` and empty ones; `..` is refused. */
function components(path: string): string[] {
  const parts = path.split("/").filter((c) => c !== "" && c !== ".");
  if (parts.includes(".."))
    throw new TarError(`tar entry '${byteStringToUtf8(path)}' leaves the archive`);
  return parts;
}

function dir(): NarNode & { type: "directory" } {
  return { type: "directory", entries: new Map() };
}

/** The tree in an uncompressed tar archive. */
export function unpackTar(data: Uint8Array): NarNode {
  const root = dir();
  const lookup = (parts: string[], create: boolean): NarNode | undefined => {
    let node: NarNode = root;
    for (const p of parts) {
      if (node.type !== "directory") throw new TarError(`'${parts.join("/")}' is below a file`);
      const existing = node.entries.get(p);
      if (existing !== undefined) {
        node = existing;
        continue;
      }
      if (!create) return undefined;
      const made = dir();
      node.entries.set(p, made);
      node = made;
    }
    return node;
  };
  const put = (parts: string[], node: NarNode) => {
    if (parts.length === 0) return;
    const parent = lookup(parts.slice(0, -1), true)!;
    if (parent.type !== "directory") throw new TarError(`'${parts.join("/")}' is below a file`);
    const name = parts[parts.length - 1]!;
    const old = parent.entries.get(name);
    if (node.type === "directory" && old?.type === "directory") return;
    parent.entries.set(name, node);
  };

  // What libarchive (CppNix's unpacker) says of data that is no tar archive.
  if (data.length < 512 && data.length > 0)
    throw new TarError("failed to open archive: Unrecognized archive format");
  let offset = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  while (offset + 512 <= data.length) {
    const block = data.subarray(offset, offset + 512);
    if (block.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    let recorded: number;
    try {
      recorded = octal(block, 148, 8);
    } catch {
      recorded = -1;
    }
    if (sum !== recorded) {
      throw new TarError(
        offset === 0
          ? "failed to open archive: Unrecognized archive format"
          : "tar header checksum mismatch",
      );
    }
    const size = octal(block, 124, 12);
    const type = String.fromCharCode(block[156] || 0x30);
    const start = offset + 512;
    const end = start + size;
    if (end > data.length) throw new TarError("truncated tar archive");
    const body = data.subarray(start, end);
    offset = start + Math.ceil(size / 512) * 512;

    if (type === "L") {
      longName = field(body, 0, body.length);
      continue;
    }
    if (type === "K") {
      longLink = field(body, 0, body.length);
      continue;
    }
    if (type === "x") {
      pax = paxRecords(body);
      continue;
    }
    if (type === "g") continue;
    const prefix = field(block, 345, 155);
    const rawName = field(block, 0, 100);
    const name = pax.get("path") ?? longName ?? (prefix !== "" ? `${prefix}/${rawName}` : rawName);
    const linkName = pax.get("linkpath") ?? longLink ?? field(block, 157, 100);
    longName = longLink = undefined;
    pax = new Map();
    const parts = components(name);
    const mode = octal(block, 100, 8);
    switch (type) {
      case "0":
      case "7":
        put(parts, { type: "regular", executable: (mode & 0o100) !== 0, contents: body.slice() });
        break;
      case "1": {
        const target = lookup(components(linkName), false);
        if (target === undefined || target.type !== "regular") {
          throw new TarError(`hard link '${byteStringToUtf8(name)}' to a missing file`);
        }
        put(parts, { ...target });
        break;
      }
      case "2":
        put(parts, { type: "symlink", target: linkName });
        break;
      case "5":
        lookup(parts, true);
        break;
      default:
        // Devices and fifos cannot be in a NAR; Nix's unpacker skips them too.
        break;
    }
  }
  if (root.entries.size === 1) {
    const only = [...root.entries.values()][0]!;
    if (only.type === "directory") return only;
  }
  return root;
}
