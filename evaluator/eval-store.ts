/**
 * The evaluator's side of the store (CppNix's `EvalState::store` and the caches around it):
 * computing the store paths of what evaluation creates, remembering them, and handing them to
 * a `Store` unless evaluation is read-only (`--readonly-mode`, where Nix computes the same
 * paths without writing).
 *
 * - Sources: a path value coerced to a string is copied once per evaluation (`copyPathToStore`,
 *   NAR + SHA-256, "source" paths); `builtins.path`/`filterSource` add filtered or flat copies.
 * - Text: `toFile` results and `.drv` files are "text" paths with references.
 * - Derivations: every `.drv` this evaluation wrote is kept parsed, so hash modulo (§8 of the
 *   spec) never needs to read it back, which is what makes read-only evaluation work at all.
 * - `realiseContext`: what CppNix does before reading a path with context (import from
 *   derivation): the paths must be valid, derivation outputs are built by the realizer, or
 *   refused when `allow-import-from-derivation` is off or the realizer cannot build.
 *
 * Errors of the store modules (bad names, unsupported files, bad `.drv` files) are `StoreError`s
 * here; the builtins turn them into Nix errors at their call site.
 */

import { byteStringToBytes, bytesToByteString } from "../lang/source.js";
import {
  DerivationATerm,
  DerivationHashes,
  DerivationParseError,
  type Derivation,
} from "../store/derivation.js";
import { hash, hashBytes, HashError, type HashAlgorithm } from "../store/hash.js";
import { dumpFile, dumpPath, NarError, type NarFS, type PathFilter } from "../store/nar.js";
import {
  BadStorePath,
  BadStorePathName,
  isStorePath,
  makeFixedOutputPath,
  makeTextPath,
  toStorePath,
} from "../store/path.js";
import { readStoreDerivation, type Realizer, type Store } from "../store/store.js";
import { TarError } from "../store/tar.js";
import type { EvalIO, FileType } from "./io.js";

/** An error from the store side, reported by the builtin that caused it. */
export class StoreError extends Error {}

/** Whether `e` is an error of the store modules (reported as a Nix error where it happened). */
export function isStoreError(e: unknown): e is Error {
  return (
    e instanceof StoreError ||
    e instanceof BadStorePathName ||
    e instanceof BadStorePath ||
    e instanceof NarError ||
    e instanceof DerivationParseError ||
    e instanceof HashError ||
    e instanceof TarError
  );
}

export interface EvalStoreOptions {
  store: Store;
  /** `--readonly-mode`: compute paths, write nothing. */
  readOnly?: boolean;
  /** Builds derivation outputs that evaluation needs (import from derivation). */
  realizer?: Realizer;
  /** `allow-import-from-derivation` (default true, as in Nix). */
  allowImportFromDerivation?: boolean;
  /** Progress and build logs. */
  log?: (line: string) => void;
}

/** `io` with executable bits, as the NAR serialiser needs it. */
function narFSOf(io: EvalIO): NarFS {
  return {
    lstat(path) {
      const type = io.fileType(path, false);
      if (type === undefined) return undefined;
      return { type, executable: type === "regular" && io.isExecutable(path) };
    },
    readFile: (path) => byteStringToBytes(io.readFile(path)),
    readDir: (path) => io.readDir(path).map(([name]) => name),
    readLink(path) {
      const t = io.readLink(path);
      if (t === undefined) throw new StoreError(`'${path}' is not a symlink`);
      return t;
    },
  };
}

export class EvalStore {
  readonly store: Store;
  readonly storeDir: string;
  readonly readOnly: boolean;
  readonly allowImportFromDerivation: boolean;
  private readonly realizer: Realizer | undefined;
  private readonly log: (line: string) => void;
  /** Every derivation this evaluation created or read, by `.drv` path. */
  private readonly drvs = new Map<string, Derivation>();
  /** Copies of source paths, by source path (CppNix's `srcToStore`). */
  private readonly copies = new Map<string, string>();
  readonly hashes: DerivationHashes;

  constructor(options: EvalStoreOptions) {
    this.store = options.store;
    this.storeDir = options.store.storeDir;
    this.readOnly = options.readOnly ?? false;
    this.realizer = options.realizer;
    this.allowImportFromDerivation = options.allowImportFromDerivation ?? true;
    this.log = options.log ?? (() => {});
    this.hashes = new DerivationHashes(this.storeDir, (p) => this.readDerivation(p));
  }

  /** `io`, except that paths inside valid store objects are read from the store. */
  storeIO(io: EvalIO): EvalIO {
    const fs = this.store.fs;
    const prefix = this.storeDir + "/";
    const inStore = (path: string) => {
      if (!path.startsWith(prefix)) return false;
      const slash = path.indexOf("/", prefix.length);
      return this.store.isValidPath(slash < 0 ? path : path.slice(0, slash));
    };
    const typeOf = (path: string, follow: boolean): FileType | undefined => {
      for (let i = 0; i < 40; i++) {
        const st = fs.lstat(path);
        if (st === undefined || !follow || st.type !== "symlink") return st?.type;
        const target = fs.readLink(path);
        path = target.startsWith("/") ? target : path.slice(0, path.lastIndexOf("/") + 1) + target;
        if (!inStore(path)) return io.fileType(path, true);
      }
      return undefined;
    };
    return {
      ...io,
      fileType: (path, follow) =>
        inStore(path) ? typeOf(path, follow) : io.fileType(path, follow),
      isExecutable: (path) =>
        inStore(path) ? (fs.lstat(path)?.executable ?? false) : io.isExecutable(path),
      readLink: (path) => {
        if (!inStore(path)) return io.readLink(path);
        return fs.lstat(path)?.type === "symlink" ? fs.readLink(path) : undefined;
      },
      readFile: (path) => {
        if (!inStore(path)) return io.readFile(path);
        let p = path;
        for (let i = 0; i < 40 && fs.lstat(p)?.type === "symlink"; i++) {
          const target = fs.readLink(p);
          p = target.startsWith("/") ? target : p.slice(0, p.lastIndexOf("/") + 1) + target;
          if (!inStore(p)) return io.readFile(p);
        }
        return bytesToByteString(fs.readFile(p));
      },
      readDir: (path) => {
        if (!inStore(path)) return io.readDir(path);
        return fs.readDir(path).map((name): [string, FileType] => {
          const st = fs.lstat(path + "/" + name);
          return [name, st?.type ?? "unknown"];
        });
      },
      realPath: (path) => (inStore(path) ? path : io.realPath(path)),
    };
  }

  private add(path: string, nar: () => Uint8Array, references: readonly string[]): void {
    if (!this.readOnly && !this.store.isValidPath(path)) {
      this.store.addToStore(path, nar(), references);
    }
  }

  /** Whether `path` is a valid object of the store. */
  isValid(path: string): boolean {
    return this.store.isValidPath(path);
  }

  /** `toFile`: a text object with these references. */
  addText(name: string, contents: string, references: readonly string[]): string {
    const path = makeTextPath(name, hashBytes("sha256", contents), references, this.storeDir);
    this.add(path, () => dumpFile(byteStringToBytes(contents)), [...references].sort());
    return path;
  }

  /**
   * Adds the file system object at `src` (read through `io`) as `name`: NAR + SHA-256
   * ("source") when `recursive`, else the flat contents of a regular file. `filter` as in
   * `builtins.path`.
   */
  addPath(
    io: EvalIO,
    src: string,
    name: string,
    recursive: boolean,
    filter?: PathFilter,
  ): { path: string; digest: Uint8Array; algo: HashAlgorithm } {
    const fs = narFSOf(io);
    if (fs.lstat(src) === undefined) throw new StoreError(`path '${src}' does not exist`);
    if (recursive) {
      const nar = dumpPath(fs, src, filter);
      const digest = hash("sha256", nar);
      const path = makeFixedOutputPath(name, "nar", "sha256", digest, [], this.storeDir);
      this.add(path, () => nar, []);
      return { path, digest, algo: "sha256" };
    }
    const st = fs.lstat(src);
    if (st?.type !== "regular") {
      throw new StoreError(`file '${src}' is not a regular file`);
    }
    const contents = fs.readFile(src);
    const digest = hash("sha256", contents);
    const path = makeFixedOutputPath(name, "flat", "sha256", digest, [], this.storeDir);
    this.add(path, () => dumpFile(contents), []);
    return { path, digest, algo: "sha256" };
  }

  /** A tree given as its NAR (an unpacked tarball): a "source" path named `name`. */
  addNar(name: string, nar: Uint8Array): string {
    const path = makeFixedOutputPath(name, "nar", "sha256", hash("sha256", nar), [], this.storeDir);
    this.add(path, () => nar, []);
    return path;
  }

  /** A downloaded file: a flat SHA-256 fixed-output path named `name`. */
  addFlat(name: string, contents: Uint8Array): string {
    const path = makeFixedOutputPath(
      name,
      "flat",
      "sha256",
      hash("sha256", contents),
      [],
      this.storeDir,
    );
    this.add(path, () => dumpFile(contents), []);
    return path;
  }

  /** CppNix's `copyPathToStore`: a path value coerced to a string, copied once. */
  copyPathToStore(io: EvalIO, src: string): string {
    const cached = this.copies.get(src);
    if (cached !== undefined) return cached;
    if (src.endsWith(".drv")) {
      throw new StoreError("file names are not allowed to end in '.drv'");
    }
    const base = src.slice(src.lastIndexOf("/") + 1);
    const { path } = this.addPath(io, src, base, true);
    this.copies.set(src, path);
    return path;
  }

  /**
   * Writes (or, read-only, only computes) a `.drv` file. Returns its path. `aterm`: the parts of
   * its ATerm already printed (derivationStrict's).
   */
  writeDerivation(drv: Derivation, aterm: DerivationATerm = new DerivationATerm(drv)): string {
    const text = aterm.print(false);
    const refs = [...drv.inputSrcs, ...drv.inputDrvs.keys()];
    const drvPath = makeTextPath(drv.name + ".drv", hashBytes("sha256", text), refs, this.storeDir);
    this.drvs.set(drvPath, drv);
    this.hashes.added(drvPath, aterm);
    if (!this.readOnly) {
      // A `.drv` in the closure of a `drvPath` is an input source and an input derivation:
      // one reference, as in CppNix's set of them.
      this.add(drvPath, () => dumpFile(byteStringToBytes(text)), [...new Set(refs)].sort());
    }
    return drvPath;
  }

  /** A derivation by its `.drv` path: one this evaluation made, or read from the store. */
  readDerivation(drvPath: string): Derivation {
    const known = this.drvs.get(drvPath);
    if (known !== undefined) return known;
    if (!this.store.isValidPath(drvPath)) throw new StoreError(`path '${drvPath}' is not valid`);
    let drv: Derivation;
    try {
      drv = readStoreDerivation(this.store, drvPath);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new StoreError(`error parsing derivation '${drvPath}': ${why}`);
    }
    this.drvs.set(drvPath, drv);
    return drv;
  }

  /**
   * CppNix's `computeFSClosure` over the store: `path` and everything it references. (So in
   * read-only mode a `drvPath` dependency fails as in Nix: nothing was written to follow.)
   */
  closure(path: string): string[] {
    const seen = new Set<string>();
    const todo = [path];
    while (todo.length > 0) {
      const p = todo.pop()!;
      if (seen.has(p)) continue;
      seen.add(p);
      // Only what the store has: in read-only mode, as in Nix, not what evaluation computed.
      const refs = this.store.queryPathInfo(p)?.references;
      if (refs === undefined) throw new StoreError(`path '${p}' is not valid`);
      for (const r of refs) todo.push(r);
    }
    return [...seen].sort();
  }

  /** Whether `s` is a store path (`/nix/store/<hash>-<name>`, nothing after). */
  isStorePath(s: string): boolean {
    return isStorePath(s, this.storeDir);
  }

  /** The store path a path inside the store belongs to. */
  toStorePath(s: string): string {
    return toStorePath(s, this.storeDir);
  }

  /**
   * CppNix's `realiseContext` before a path with this context is read: every path must be
   * valid, and derivation outputs are built first (import from derivation).
   */
  realiseContext(context: ReadonlySet<string>): void {
    const wanted: { drvPath: string; output: string }[] = [];
    for (const c of context) {
      if (c.startsWith("!")) {
        const end = c.indexOf("!", 1);
        const drvPath = c.slice(end + 1);
        this.ensureValid(drvPath);
        wanted.push({ drvPath, output: c.slice(1, end) });
      } else this.ensureValid(c.startsWith("=") ? c.slice(1) : c);
    }
    if (wanted.length === 0) return;
    const first = wanted[0]!;
    if (!this.allowImportFromDerivation) {
      throw new StoreError(
        `cannot build '${first.drvPath}^${first.output}' during evaluation because the option 'allow-import-from-derivation' is disabled`,
      );
    }
    const missing = wanted.filter(({ drvPath, output }) => {
      const out = this.readDerivation(drvPath).outputs.get(output)?.path;
      return out === undefined || out === "" || !this.store.isValidPath(out);
    });
    if (missing.length === 0) return;
    const m = missing[0]!;
    if (this.realizer?.realiseSync === undefined) {
      throw new StoreError(
        `cannot build '${m.drvPath}^${m.output}' during evaluation: the '${this.realizer?.name ?? "record"}' realizer does not build`,
      );
    }
    const requests = new Map<string, string[]>();
    for (const { drvPath, output } of missing) {
      const outs = requests.get(drvPath) ?? [];
      outs.push(output);
      requests.set(drvPath, outs);
    }
    this.realizer.realiseSync(
      this.store,
      [...requests].map(([drvPath, outputs]) => ({ drvPath, outputs })),
      this.log,
    );
  }

  private ensureValid(path: string): void {
    if (!this.store.isValidPath(path)) {
      throw new StoreError(`path '${path}' is not valid`);
    }
  }
}
