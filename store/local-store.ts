/**
 * The embedded default store: a directory on this machine laid out like Nix's local store
 * (`ROOT/nix/store/<hash>-<name>`), with the logical store directory `/nix/store` either way
 * (Nix's `local?root=ROOT`). ROOT is `/` when `/nix/store` is writable, otherwise a per-user
 * directory (`$XDG_DATA_HOME/tsnix/root`, by default `~/.local/share/tsnix/root`).
 *
 * What a path's object is lives at `ROOT/nix/store/...`; what tsnix knows about it (NAR hash,
 * size, references) at `ROOT/nix/var/tsnix/db/<hash part>.json`, and an object is valid only
 * once that record exists. Both are written atomically: the object is built under a temporary
 * name and renamed into place, then the record likewise, so two tsnix processes adding the
 * same path at once both succeed and neither sees half an object. (Real Nix keeps its own
 * SQLite database; tsnix does not write it, so Nix does not know tsnix's objects.)
 *
 * Node only (`node:fs`); the core uses the `Store` interface.
 */

import * as fs from "node:fs";
import * as nodePath from "node:path";

import { base16, base16Decode, hash } from "./hash.js";
import { fileTypeOf, parseNar, type NarFS, type NarNode } from "./nar.js";
import type { PathInfo, Store } from "./store.js";
import { os } from "./node-modules.js";

/** A byte-string path as Node wants it. */
function fsPath(path: string): Buffer {
  return Buffer.from(path, "latin1");
}

/** Writes a NAR tree to `target`, read-only as the store keeps objects. */
export function writeNode(target: string, node: NarNode): void {
  switch (node.type) {
    case "regular":
      fs.writeFileSync(fsPath(target), node.contents, { mode: node.executable ? 0o555 : 0o444 });
      return;
    case "symlink":
      fs.symlinkSync(fsPath(node.target), fsPath(target));
      return;
    case "directory":
      fs.mkdirSync(fsPath(target));
      for (const [name, child] of node.entries) writeNode(`${target}/${name}`, child);
      fs.chmodSync(fsPath(target), 0o555);
      return;
  }
}

/** Makes a tree we wrote writable again, so that it can be removed. */
function removeTree(target: string): void {
  try {
    const st = fs.lstatSync(fsPath(target));
    if (st.isDirectory()) {
      fs.chmodSync(fsPath(target), 0o755);
      for (const e of fs.readdirSync(fsPath(target), { encoding: "buffer" })) {
        removeTree(`${target}/${e.toString("latin1")}`);
      }
    }
  } catch {
    return;
  }
  fs.rmSync(fsPath(target), { recursive: true, force: true });
}

interface Record {
  narHash: string;
  narSize: number;
  references: string[];
}

let tempCounter = 0;

/** A unique temporary name next to `target`. */
function tempName(target: string): string {
  return `${target}.tmp-${process.pid}-${Date.now()}-${tempCounter++}`;
}

export class LocalStore implements Store {
  readonly uri: string;
  /** Where the logical store directory physically is. */
  readonly realStoreDir: string;
  private readonly dbDir: string;
  private readonly infos = new Map<string, PathInfo>();

  constructor(
    readonly root: string,
    readonly storeDir = "/nix/store",
  ) {
    this.uri = root === "/" ? "local" : `local?root=${root}`;
    this.realStoreDir = root === "/" ? storeDir : nodePath.join(root, storeDir);
    this.dbDir = nodePath.join(root, "nix/var/tsnix/db");
  }

  /** The default root: `/` when `/nix/store` is writable, otherwise a per-user directory. */
  static defaultRoot(env: NodeJS.ProcessEnv = process.env): string {
    try {
      fs.accessSync("/nix/store", fs.constants.W_OK);
      return "/";
    } catch {
      const data =
        env["XDG_DATA_HOME"] || nodePath.join(env["HOME"] || os().homedir(), ".local/share");
      return nodePath.join(data, "tsnix/root");
    }
  }

  /** The physical path of a logical path inside the store. */
  realPath(path: string): string {
    return this.realStoreDir + path.slice(this.storeDir.length);
  }

  private recordFile(path: string): string {
    const base = path.slice(this.storeDir.length + 1);
    return nodePath.join(this.dbDir, base.slice(0, 32) + ".json");
  }

  isValidPath(path: string): boolean {
    return this.queryPathInfo(path) !== undefined;
  }

  queryPathInfo(path: string): PathInfo | undefined {
    const known = this.infos.get(path);
    if (known !== undefined) return known;
    if (!path.startsWith(this.storeDir + "/")) return undefined;
    let record: Record;
    try {
      record = JSON.parse(fs.readFileSync(this.recordFile(path), "utf8")) as Record;
    } catch {
      return undefined;
    }
    if (!fs.existsSync(fsPath(this.realPath(path)))) return undefined;
    const info: PathInfo = {
      path,
      references: record.references.map((r) => Buffer.from(r, "utf8").toString("latin1")),
      narHash: base16Decode(record.narHash) ?? new Uint8Array(32),
      narSize: record.narSize,
    };
    this.infos.set(path, info);
    return info;
  }

  addToStore(path: string, nar: Uint8Array, references: readonly string[]): void {
    if (this.isValidPath(path)) return;
    const node = parseNar(nar);
    fs.mkdirSync(fsPath(this.realStoreDir), { recursive: true });
    fs.mkdirSync(this.dbDir, { recursive: true });
    const target = this.realPath(path);
    if (!fs.existsSync(fsPath(target))) {
      const temp = tempName(target);
      writeNode(temp, node);
      try {
        fs.renameSync(fsPath(temp), fsPath(target));
      } catch (e) {
        // Another process put the same object there first: same contents, keep theirs.
        removeTree(temp);
        if (!fs.existsSync(fsPath(target))) throw e;
      }
    }
    this.registerValidPath(path, hash("sha256", nar), nar.length, references);
  }

  /**
   * Records that the object already at `path` (a build's output, made in place) is valid, with
   * its NAR hash and size and its references. The record is written atomically.
   */
  registerValidPath(
    path: string,
    narHash: Uint8Array,
    narSize: number,
    references: readonly string[],
  ): void {
    fs.mkdirSync(this.dbDir, { recursive: true });
    const record: Record = {
      narHash: base16(narHash),
      narSize,
      references: [...references].sort().map((r) => Buffer.from(r, "latin1").toString("utf8")),
    };
    const file = this.recordFile(path);
    const temp = tempName(file);
    fs.writeFileSync(temp, JSON.stringify(record) + "\n");
    fs.renameSync(temp, file);
    this.infos.delete(path);
  }

  /** Removes what is at `path` if it is not a valid object (a failed build's leftovers). */
  deleteInvalid(path: string): void {
    if (this.isValidPath(path)) return;
    removeTree(this.realPath(path));
  }

  readonly fs: NarFS = {
    lstat: (path) => {
      try {
        const st = fs.lstatSync(fsPath(this.realPath(path)));
        return { type: fileTypeOf(st), executable: st.isFile() && (st.mode & 0o100) !== 0 };
      } catch {
        return undefined;
      }
    },
    readFile: (path) => fs.readFileSync(fsPath(this.realPath(path))),
    readDir: (path) =>
      fs
        .readdirSync(fsPath(this.realPath(path)), { encoding: "buffer" })
        .map((n) => n.toString("latin1")),
    readLink: (path) =>
      fs.readlinkSync(fsPath(this.realPath(path)), { encoding: "buffer" }).toString("latin1"),
  };
}

/**
 * A store from a `--store` argument, as Nix spells them: a directory (`/tmp/s`, meaning
 * `local?root=/tmp/s`), `local?root=DIR`, `local` (the default root), or `dummy://` (memory).
 */
export function openStore(
  uri: string | undefined,
  memory: () => Store,
  storeDir = "/nix/store",
): Store {
  if (uri === undefined || uri === "" || uri === "auto" || uri === "local") {
    return new LocalStore(LocalStore.defaultRoot(), storeDir);
  }
  if (uri === "dummy://" || uri === "dummy") return memory();
  if (uri.startsWith("local?")) {
    const params = new URLSearchParams(uri.slice("local?".length));
    const root = params.get("root");
    return new LocalStore(root ? nodePath.resolve(root) : LocalStore.defaultRoot(), storeDir);
  }
  if (uri.startsWith("/") || uri.startsWith(".")) {
    return new LocalStore(nodePath.resolve(uri), storeDir);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1] ?? uri;
  throw new Error(`don't know how to open Nix store with scheme '${scheme}'`);
}
