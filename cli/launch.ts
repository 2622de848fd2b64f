/**
 * The entry point of the `tsnix` command (bundled by esbuild into dist/tsnix.cjs): it runs the
 * command's bundle (dist/main.cjs, from cli/main.ts) with V8's code cache, so that a run does
 * not compile the half-megabyte bundle and the functions it calls again. The cache is V8's own
 * (`vm.Script` `cachedData`), made at the end of a run that had none or whose cache V8 refused
 * (another Node, other V8 flags), and kept in `$XDG_CACHE_HOME/tsnix` (`~/.cache/tsnix`) under
 * a name made of the Node version, the flags and the bundle's size and time, because V8 checks
 * only the length of the source; writing one removes those of earlier builds. Without a
 * writable cache directory every run compiles, as Node does. It also restores the environment
 * bin/tsnix changed (NODE_EXTRA_CA_CERTS). No Nix semantics here.
 */

import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";

declare const __dirname: string;
declare const __filename: string;
declare const require: unknown;
declare const module: { exports: unknown };

// bin/tsnix starts Node without NODE_EXTRA_CA_CERTS (see there): it goes back for the processes
// tsnix starts, and for the command's own view of the environment (`builtins.getEnv`).
const extraCerts = process.env["TSNIX_NODE_EXTRA_CA_CERTS"];
if (extraCerts !== undefined) {
  process.env["NODE_EXTRA_CA_CERTS"] = extraCerts;
  delete process.env["TSNIX_NODE_EXTRA_CA_CERTS"];
}

const bundle = join(__dirname, "main.cjs");
const source = readFileSync(bundle, "utf8");

/** Where the cache of this bundle under this Node with these flags lives. */
function cacheFile(): string | undefined {
  const env = process.env;
  const home = env["XDG_CACHE_HOME"] || (env["HOME"] ? join(env["HOME"], ".cache") : undefined);
  if (home === undefined) return undefined;
  const { size, mtimeMs } = statSync(bundle);
  // The flags V8 may check (not Node's own profilers').
  const v8Flags = process.execArgv.filter((a) => !/^--(cpu|heap)-prof/.test(a)).join(" ");
  let flags = 0;
  for (const c of v8Flags) flags = (flags * 31 + c.charCodeAt(0)) >>> 0;
  const key = `${process.version}-${process.arch}-${flags.toString(36)}-${size}-${Math.floor(mtimeMs)}`;
  return join(home, "tsnix", `code-${key}.bin`);
}

const file = cacheFile();
let cachedData: Buffer | undefined;
try {
  if (file !== undefined) cachedData = readFileSync(file);
} catch {
  // No cache yet.
}

// The bundle is CommonJS; `__tsnixEntryUrl` stands for `import.meta.url` (esbuild's define):
// this file, which worker threads start from too.
const script = new Script(
  `(function (exports, require, module, __filename, __dirname, __tsnixEntryUrl) {${source}\n})`,
  { filename: bundle, cachedData },
);
if (file !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
  process.once("exit", () => {
    try {
      const data = script.createCachedData();
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, data);
      renameSync(tmp, file);
      // The caches of earlier builds of the bundle (same Node, same flags) are of no more use.
      const name = basename(file);
      const prefix = name.slice(0, name.lastIndexOf("-", name.lastIndexOf("-") - 1) + 1);
      for (const other of readdirSync(dirname(file))) {
        if (other.startsWith(prefix) && other.endsWith(".bin") && other !== name) {
          unlinkSync(join(dirname(file), other));
        }
      }
    } catch {
      // A read-only cache directory: run without one.
    }
  });
}
(script.runInThisContext() as (...args: unknown[]) => void)(
  module.exports,
  require,
  module,
  bundle,
  __dirname,
  pathToFileURL(__filename).href,
);
