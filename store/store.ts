/**
 * Where store objects live (Nix's `Store`), and what makes derivation outputs (a `Realizer`).
 *
 * tsnix computes every store path itself (path.ts, derivation.ts); a `Store` only receives
 * objects whose path is already known, as Nix's `addToStore`/`addTextToStore`/`writeDerivation`
 * do with a path computed from the contents. An object is described by its NAR (nar.ts) and its
 * references; `.drv` files and `toFile` results are NARs of one regular file. Reading goes
 * through `fs`, a read-only file-system view of the logical store directory.
 *
 * `MemoryStore` keeps everything in memory (for browsers, tests and `--store dummy://`); the
 * Node directory store is in local-store.ts. No `node:*` imports here.
 */

import { bytesToByteString } from "../lang/source.js";
import { parseDerivation, type Derivation } from "./derivation.js";
import { hash } from "./hash.js";
import { dumpNode, parseNar, type FileType, type NarFS, type NarNode } from "./nar.js";

/** What a store knows about a valid object (`nix path-info`). */
export interface PathInfo {
  readonly path: string;
  readonly references: readonly string[];
  /** SHA-256 of the NAR. */
  readonly narHash: Uint8Array;
  readonly narSize: number;
}

export interface Store {
  /** The logical store directory (`/nix/store`): part of every store path's hash. */
  readonly storeDir: string;
  /** A description for messages (`local?root=…`, `dummy://`). */
  readonly uri: string;
  isValidPath(path: string): boolean;
  queryPathInfo(path: string): PathInfo | undefined;
  /**
   * Makes `path` a valid object with these NAR contents and references (nothing if it already
   * is one). The caller computed `path` from the contents.
   */
  addToStore(path: string, nar: Uint8Array, references: readonly string[]): void;
  /** Reading valid objects and the files inside them, by logical path. */
  readonly fs: NarFS;
}

/** One derivation a realizer was asked for, with the output paths it must produce. */
export interface BuildRequest {
  readonly drvPath: string;
  /** The outputs wanted (all of them when the request came from `nix-build`-like use). */
  readonly outputs: readonly string[];
}

export interface BuildResult {
  readonly drvPath: string;
  /** Output name → store path. */
  readonly outputs: ReadonlyMap<string, string>;
}

/**
 * Turns derivations (already written to `store`, with their closure) into outputs.
 * `realiseSync` exists only for realizers that can build while evaluation waits (import from
 * derivation); evaluation itself is synchronous.
 */
export interface Realizer {
  readonly name: string;
  realise(
    store: Store,
    requests: readonly BuildRequest[],
    log: (line: string) => void,
  ): Promise<BuildResult[]>;
  realiseSync?(
    store: Store,
    requests: readonly BuildRequest[],
    log: (line: string) => void,
  ): BuildResult[];
}

/** The NAR node at `path` inside `root` (the object's own path), or undefined. */
function nodeAt(root: NarNode, rest: string): NarNode | undefined {
  let node: NarNode | undefined = root;
  for (const part of rest.split("/")) {
    if (part === "") continue;
    if (node.type !== "directory") return undefined;
    node = node.entries.get(part);
    if (node === undefined) return undefined;
  }
  return node;
}

/** A store held in memory: objects as parsed NARs. */
export class MemoryStore implements Store {
  readonly uri = "dummy://";
  private readonly objects = new Map<string, { info: PathInfo; root: NarNode }>();

  constructor(readonly storeDir = "/nix/store") {}

  isValidPath(path: string): boolean {
    return this.objects.has(path);
  }

  queryPathInfo(path: string): PathInfo | undefined {
    return this.objects.get(path)?.info;
  }

  addToStore(path: string, nar: Uint8Array, references: readonly string[]): void {
    if (this.objects.has(path)) return;
    const root = parseNar(nar);
    const info: PathInfo = {
      path,
      references: [...references].sort(),
      narHash: hash("sha256", nar),
      narSize: nar.length,
    };
    this.objects.set(path, { info, root });
  }

  /** Every valid path, sorted. */
  paths(): string[] {
    return [...this.objects.keys()].sort();
  }

  /** The NAR of a valid object. */
  narOf(path: string): Uint8Array | undefined {
    const o = this.objects.get(path);
    return o && dumpNode(o.root);
  }

  private lookup(path: string): NarNode | undefined {
    const prefix = this.storeDir + "/";
    if (!path.startsWith(prefix)) return undefined;
    const slash = path.indexOf("/", prefix.length);
    const top = slash < 0 ? path : path.slice(0, slash);
    const o = this.objects.get(top);
    if (o === undefined) return undefined;
    return slash < 0 ? o.root : nodeAt(o.root, path.slice(slash + 1));
  }

  readonly fs: NarFS = {
    lstat: (path) => {
      const n = this.lookup(path);
      if (n === undefined) return undefined;
      const type: FileType = n.type;
      return { type, executable: n.type === "regular" && n.executable };
    },
    readFile: (path) => {
      const n = this.lookup(path);
      if (n?.type !== "regular") throw new Error(`'${path}' is not a regular file in the store`);
      return n.contents;
    },
    readDir: (path) => {
      const n = this.lookup(path);
      if (n?.type !== "directory") throw new Error(`'${path}' is not a directory in the store`);
      return [...n.entries.keys()];
    },
    readLink: (path) => {
      const n = this.lookup(path);
      if (n?.type !== "symlink") throw new Error(`'${path}' is not a symlink in the store`);
      return n.target;
    },
  };
}

/** The `.drv` file at `drvPath` in `store`, parsed. */
export function readStoreDerivation(store: Store, drvPath: string): Derivation {
  const name = drvPath.slice(store.storeDir.length + 34, -".drv".length);
  return parseDerivation(bytesToByteString(store.fs.readFile(drvPath)), name, store.storeDir);
}

/**
 * The derivations `roots` need, inputs before the derivations that use them, each once (an
 * explicit stack: dependency chains can be thousands long). A derivation for which `skip` holds
 * is left out, and so is what only it needs.
 */
export function buildOrder(
  roots: Iterable<string>,
  read: (drvPath: string) => Derivation,
  skip: (drvPath: string, drv: Derivation) => boolean,
): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const stack: [string, boolean][] = [...roots].map((r) => [r, false]);
  while (stack.length > 0) {
    const [p, expanded] = stack.pop()!;
    if (expanded) {
      order.push(p);
      continue;
    }
    if (seen.has(p)) continue;
    seen.add(p);
    const d = read(p);
    if (skip(p, d)) continue;
    stack.push([p, true]);
    for (const input of d.inputDrvs.keys()) stack.push([input, false]);
  }
  return order;
}

/** `read`, remembering what it read. */
export function memoRead(read: (drvPath: string) => Derivation): (drvPath: string) => Derivation {
  const known = new Map<string, Derivation>();
  return (p) => {
    let d = known.get(p);
    if (d === undefined) known.set(p, (d = read(p)));
    return d;
  };
}

/** One derivation of a build plan: its `.drv` path and the output paths it would produce. */
export interface BuildRecord {
  readonly drvPath: string;
  readonly derivation: Derivation;
  /** Output name → store path ("" for an output whose path is not known yet). */
  readonly outputs: ReadonlyMap<string, string>;
}

/**
 * The `record` realizer: builds nothing. Asked to realise derivations, it records the whole
 * closure of derivations they need (inputs before the derivations that use them; each once),
 * for an embedder to hand elsewhere, and answers with the output paths they would have.
 * Evaluation cannot use it to build (it has no `realiseSync`): import from derivation is an
 * error with it.
 */
export class RecordRealizer implements Realizer {
  readonly name = "record";
  readonly records: BuildRecord[] = [];
  private readonly recorded = new Set<string>();

  realise(store: Store, requests: readonly BuildRequest[]): Promise<BuildResult[]> {
    const read = memoRead((p) => readStoreDerivation(store, p));
    const outputsOf = (d: Derivation) => new Map([...d.outputs].map(([o, out]) => [o, out.path]));
    const order = buildOrder(
      requests.map((r) => r.drvPath),
      read,
      (p) => this.recorded.has(p),
    );
    for (const p of order) {
      this.recorded.add(p);
      this.records.push({ drvPath: p, derivation: read(p), outputs: outputsOf(read(p)) });
    }
    return Promise.resolve(
      requests.map((r) => {
        const outputs = outputsOf(read(r.drvPath));
        return {
          drvPath: r.drvPath,
          outputs: new Map([...outputs].filter(([o]) => r.outputs.includes(o))),
        };
      }),
    );
  }
}
