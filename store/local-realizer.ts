/**
 * The `local` realizer: builds derivations on this machine, as Nix's local builder does without
 * a sandbox. For every derivation of the closure whose outputs are not valid yet, inputs first:
 *
 * - a temporary build directory (`$NIX_BUILD_TOP`, `$TMPDIR`, the working directory);
 * - a clean environment: Nix's fixed variables (`PATH=/path-not-set`,
 *   `HOME=/homeless-shelter`, `NIX_STORE`, `NIX_BUILD_CORES`, `NIX_LOG_FD`, `TERM`), then the
 *   derivation's env; `passAsFile` attributes as files (`<name>Path`); structured attributes as
 *   `.attrs.json` and `.attrs.sh` (`NIX_ATTRS_JSON_FILE`, `NIX_ATTRS_SH_FILE`);
 * - the builder runs with its arguments; its output is the build log (to stderr);
 * - `builtin:fetchurl` (fixed-output downloads) is done here, through `fetchURL`;
 * - afterwards every output must exist; fixed outputs must have their hash; outputs are made
 *   read-only with Nix's permissions, their references found by scanning them for the hash
 *   parts of the inputs' closure and of the outputs, and only then registered as valid.
 *
 * A failed build leaves nothing valid behind. The store must be the directory store with its
 * objects at `/nix/store` itself (builders write to `$out` there); content-addressed floating
 * outputs are not built yet.
 */

import * as fs from "node:fs";
import * as nodePath from "node:path";

import { byteStringToBytes, byteStringToUtf8 } from "../lang/source.js";
import { classifyOutput, type Derivation } from "./derivation.js";
import { base16, hash, hashBytes, nixBase32, sri } from "./hash.js";
import { LocalStore, writeNode } from "./local-store.js";
import { dumpPath } from "./nar.js";
import {
  buildOrder,
  memoRead,
  readStoreDerivation,
  type BuildRequest,
  type BuildResult,
  type Realizer,
  type Store,
} from "./store.js";
import { childProcess, os } from "./node-modules.js";
import { unpackTar } from "./tar.js";

export interface LocalRealizerOptions {
  /** `builtins.currentSystem`: what this machine can build (besides `builtin`). */
  system: string;
  /** Downloads for `builtin:fetchurl`. */
  fetchURL?: (url: string) => Uint8Array;
  /** Decompresses a downloaded tarball (`unpack = true`). */
  decompress?: (data: Uint8Array) => Uint8Array;
  /** `NIX_BUILD_CORES`. */
  cores?: number;
}

/** A build failure, reported as Nix reports it. */
export class BuildError extends Error {}

/** Nix's canonical permissions: read-only, executable files and directories 0555. */
function canonicalise(path: string): void {
  const p = Buffer.from(path, "latin1");
  const st = fs.lstatSync(p);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    for (const e of fs.readdirSync(p, { encoding: "buffer" })) {
      canonicalise(`${path}/${e.toString("latin1")}`);
    }
    fs.chmodSync(p, 0o555);
  } else fs.chmodSync(p, st.mode & 0o100 ? 0o555 : 0o444);
  fs.utimesSync(p, 1, 1);
}

/** A shell word, single-quoted as Nix quotes values in `.attrs.sh`. */
function shellQuote(s: string): string {
  return "'" + s.replaceAll("'", "'\\''") + "'";
}

/** Nix's `.attrs.sh`: strings, numbers and booleans as variables, lists and sets of them as arrays. */
function attrsShell(json: Record<string, unknown>): string {
  const scalar = (v: unknown): string | undefined =>
    typeof v === "string"
      ? v
      : typeof v === "number"
        ? String(v)
        : typeof v === "boolean"
          ? v
            ? "1"
            : ""
          : undefined;
  let out = "";
  for (const [k, v] of Object.entries(json)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) continue;
    const s = scalar(v);
    if (s !== undefined) out += `declare ${k}=${shellQuote(s)}\n`;
    else if (Array.isArray(v) && v.every((x) => scalar(x) !== undefined)) {
      out += `declare -a ${k}=(${v.map((x) => shellQuote(scalar(x)!) + " ").join("")})\n`;
    } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.every(([, x]) => scalar(x) !== undefined)) {
        out += `declare -A ${k}=(${entries.map(([a, x]) => `[${shellQuote(a)}]=${shellQuote(scalar(x)!)} `).join("")})\n`;
      }
    }
  }
  return out;
}

export class LocalRealizer implements Realizer {
  readonly name = "local";

  constructor(private readonly options: LocalRealizerOptions) {}

  realise(
    store: Store,
    requests: readonly BuildRequest[],
    log: (line: string) => void,
  ): Promise<BuildResult[]> {
    try {
      return Promise.resolve(this.realiseSync(store, requests, log));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  realiseSync(
    store: Store,
    requests: readonly BuildRequest[],
    log: (line: string) => void,
  ): BuildResult[] {
    if (!(store instanceof LocalStore) || store.root !== "/") {
      throw new BuildError(
        `cannot build in the store '${store.uri}': builders write their outputs to ${store.storeDir}, so the local realizer needs the store there itself (run as a user who can write ${store.storeDir})`,
      );
    }
    const read = memoRead((p) => readStoreDerivation(store, p));
    const valid = (p: string) => p !== "" && store.isValidPath(p);
    // The derivations to build: those with an output not valid yet, inputs first.
    const order = buildOrder(
      requests.map((r) => r.drvPath),
      read,
      (_, d) => [...d.outputs.values()].every((o) => valid(o.path)),
    );
    for (const p of order) this.build(store, p, read(p), read, log);
    return requests.map((r) => {
      const d = read(r.drvPath);
      const outputs = new Map<string, string>();
      for (const o of r.outputs) {
        const path = d.outputs.get(o)?.path;
        if (path === undefined)
          throw new BuildError(`derivation '${r.drvPath}' has no output '${o}'`);
        outputs.set(o, path);
      }
      return { drvPath: r.drvPath, outputs };
    });
  }

  private build(
    store: LocalStore,
    drvPath: string,
    drv: Derivation,
    read: (p: string) => Derivation,
    log: (line: string) => void,
  ): void {
    const shown = byteStringToUtf8(drvPath);
    for (const [name, o] of drv.outputs) {
      if (o.path === "") {
        throw new BuildError(
          `cannot build '${shown}': its output '${name}' is content-addressed, which tsnix does not build yet`,
        );
      }
    }
    if (drv.platform !== "builtin" && drv.platform !== this.options.system) {
      throw new BuildError(
        `a '${drv.platform}' with features {} is required to build '${shown}', but I am a '${this.options.system}' with features {}`,
      );
    }
    log(`building '${shown}'...`);
    for (const o of drv.outputs.values()) store.deleteInvalid(o.path);

    if (drv.builder === "builtin:fetchurl") this.fetchurl(drv, shown);
    else this.runBuilder(drv, shown);

    // Check, make read-only, find references, register.
    const inputClosure = new Set<string>();
    const todo = [...drv.inputSrcs];
    for (const [input, outs] of drv.inputDrvs) {
      for (const o of outs) todo.push(read(input).outputs.get(o)!.path);
    }
    while (todo.length > 0) {
      const p = todo.pop()!;
      if (inputClosure.has(p)) continue;
      inputClosure.add(p);
      for (const r of store.queryPathInfo(p)?.references ?? []) todo.push(r);
    }
    const outputPaths = [...drv.outputs.values()].map((o) => o.path);
    const candidates = [...inputClosure, ...outputPaths];
    for (const [name, o] of drv.outputs) {
      if (!fs.existsSync(Buffer.from(o.path, "latin1"))) {
        throw new BuildError(
          `builder for '${shown}' failed to produce output path for output '${name}' at '${byteStringToUtf8(o.path)}'`,
        );
      }
      canonicalise(o.path);
      const nar = dumpPath(store.fs, o.path);
      const kind = classifyOutput(o);
      if (kind.kind === "fixed") {
        const got =
          kind.method === "flat"
            ? hash(kind.algo, store.fs.readFile(o.path))
            : hash(kind.algo, nar);
        if (base16(got) !== base16(kind.digest)) {
          store.deleteInvalid(o.path);
          throw new BuildError(
            `hash mismatch in fixed-output derivation '${shown}':\n  specified: ${sri(kind.algo, kind.digest)}\n     got:    ${sri(kind.algo, got)}`,
          );
        }
      }
      const text = Buffer.from(nar.buffer, nar.byteOffset, nar.byteLength);
      const references = candidates.filter((c) => {
        const hashPart = c.slice(store.storeDir.length + 1, store.storeDir.length + 33);
        return text.includes(hashPart, 0, "latin1");
      });
      store.registerValidPath(o.path, hash("sha256", nar), nar.length, references);
    }
  }

  /** Nix's `builtin:fetchurl`: the file at `url`, unpacked or executable if asked. */
  private fetchurl(drv: Derivation, shown: string): void {
    const url = drv.env.get("url") ?? "";
    const out = drv.outputs.get("out")?.path;
    if (out === undefined || this.options.fetchURL === undefined) {
      throw new BuildError(`cannot build '${shown}': this host cannot download`);
    }
    let data: Uint8Array;
    try {
      data = this.options.fetchURL(url);
    } catch (e) {
      throw new BuildError(
        `unable to download '${byteStringToUtf8(url)}': ${(e as Error).message}`,
      );
    }
    if (drv.env.get("unpack") === "1") {
      const raw = this.options.decompress ? this.options.decompress(data) : data;
      writeNode(out, unpackTar(raw));
    } else {
      fs.writeFileSync(Buffer.from(out, "latin1"), data, {
        mode: drv.env.get("executable") === "1" ? 0o755 : 0o644,
      });
    }
  }

  private runBuilder(drv: Derivation, shown: string): void {
    const top = fs.mkdtempSync(
      nodePath.join(os().tmpdir(), `nix-build-${byteStringToUtf8(drv.name)}-`),
    );
    try {
      const env: Record<string, string> = {
        PATH: "/path-not-set",
        HOME: "/homeless-shelter",
        NIX_STORE: "/nix/store",
        NIX_BUILD_CORES: String(this.options.cores ?? os().cpus().length),
        NIX_BUILD_TOP: top,
        TMPDIR: top,
        TEMPDIR: top,
        TMP: top,
        TEMP: top,
        PWD: top,
        NIX_LOG_FD: "2",
        TERM: "xterm-256color",
      };
      const passAsFile = new Set(
        (drv.env.get("passAsFile") ?? "").split(/[ \t\n\r]+/).filter(Boolean),
      );
      const json = drv.env.get("__json");
      for (const [k, v] of drv.env) {
        if (k === "__json") continue;
        if (passAsFile.has(k)) {
          const file = `${top}/.attr-${nixBase32(hashBytes("sha256", k))}`;
          fs.writeFileSync(file, byteStringToBytes(v));
          env[byteStringToUtf8(k) + "Path"] = file;
        } else env[byteStringToUtf8(k)] = byteStringToUtf8(v);
      }
      if (json !== undefined) {
        const attrs = JSON.parse(byteStringToUtf8(json)) as Record<string, unknown>;
        attrs["outputs"] = Object.fromEntries(
          [...drv.outputs].map(([o, out]) => [o, byteStringToUtf8(out.path)]),
        );
        fs.writeFileSync(`${top}/.attrs.json`, JSON.stringify(attrs));
        fs.writeFileSync(`${top}/.attrs.sh`, attrsShell(attrs));
        env["NIX_ATTRS_JSON_FILE"] = `${top}/.attrs.json`;
        env["NIX_ATTRS_SH_FILE"] = `${top}/.attrs.sh`;
      }
      const r = childProcess().spawnSync(
        Buffer.from(drv.builder, "latin1").toString("utf8"),
        drv.args.map(byteStringToUtf8),
        { cwd: top, env, stdio: ["ignore", 2, 2] },
      );
      if (r.error) {
        throw new BuildError(`builder for '${shown}' failed: ${r.error.message}`);
      }
      if (r.status !== 0) {
        for (const o of drv.outputs.values())
          fs.rmSync(Buffer.from(o.path, "latin1"), { recursive: true, force: true });
        throw new BuildError(
          r.status === null
            ? `builder for '${shown}' failed due to signal ${r.signal}`
            : `builder for '${shown}' failed with exit code ${r.status}`,
        );
      }
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  }
}
