/**
 * Nix's configuration (`nix.conf`), as CppNix's `loadConfFile` reads it and `--option` sets it:
 * `$NIX_CONF_DIR/nix.conf` (default `/etc/nix`), then the user's files (`$NIX_USER_CONF_FILES`,
 * else `nix/nix.conf` under `$XDG_CONFIG_HOME` (default `~/.config`) and `$XDG_CONFIG_DIRS`
 * (default `/etc/xdg`), the first taking precedence), then `$NIX_CONFIG`. Lines are
 * `name = value` with `#` comments, `include FILE` and `!include FILE`; `extra-NAME` appends to a
 * list setting; in each file the experimental-feature settings apply first. tsnix acts on the
 * settings that concern evaluation, refuses `pure-eval`/`restrict-eval` (not implemented yet)
 * rather than ignore them, and accepts every other setting CppNix has; an unknown name
 * is the warning `unknown setting 'NAME'`.
 */

import { NixError } from "../lang/errors.js";
import type { HostIO } from "./host.js";

/** The evaluation settings tsnix acts on. */
export interface Settings {
  experimentalFeatures: Set<string>;
  showTrace: boolean;
  maxCallDepth: number | undefined;
  abortOnWarn: boolean;
  traceVerbose: boolean;
  /** Undefined until a file or option sets it (then `NIX_PATH` or the default applies). */
  nixPath: string[] | undefined;
  lints: Map<string, string>;
  /** Names set but unknown, for the warning at the end. */
  unknown: string[];
  /** The `store` setting (`--store`): where store objects physically go. */
  store: string | undefined;
  allowImportFromDerivation: boolean;
}

export function defaultSettings(io: HostIO): Settings {
  const abortOnWarn = io.env("NIX_ABORT_ON_WARN");
  return {
    experimentalFeatures: new Set(),
    showTrace: false,
    maxCallDepth: undefined,
    abortOnWarn: abortOnWarn === "1" || abortOnWarn === "yes" || abortOnWarn === "true",
    traceVerbose: false,
    nixPath: undefined,
    lints: new Map(),
    unknown: [],
    store: io.env("TSNIX_STORE") || undefined,
    allowImportFromDerivation: true,
  };
}

/** CppNix's experimental features (libutil/experimental-features.cc). */
const experimentalFeatureNames = new Set([
  "ca-derivations",
  "impure-derivations",
  "flakes",
  "fetch-tree",
  "nix-command",
  "git-hashing",
  "recursive-nix",
  "fetch-closure",
  "auto-allocate-uids",
  "cgroups",
  "daemon-trust-override",
  "dynamic-derivations",
  "parse-toml-timestamps",
  "read-only-local-store",
  "local-overlay-store",
  "configurable-impure-env",
  "mounted-ssh-store",
  "verified-fetches",
  "pipe-operators",
  "external-builders",
  "blake3-hashes",
]);

const lintNames = new Set([
  "lint-short-path-literals",
  "lint-absolute-path-literals",
  "lint-url-literals",
]);

/**
 * The other settings of CppNix (global, store, fetcher and evaluator settings): accepted, and
 * without effect on evaluation in tsnix.
 */
const otherSettingNames = new Set(
  `accept-flake-config access-tokens allow-dirty allow-dirty-locks allow-import-from-derivation
  allow-new-privileges allow-symlinked-store allow-unsafe-native-code-during-evaluation
  allowed-impure-host-deps allowed-uris allowed-users always-allow-substitutes auto-allocate-uids
  auto-optimise-store bash-prompt bash-prompt-prefix bash-prompt-suffix build-dir
  build-hook-kill-timeout build-poll-interval build-users-group builders builders-use-substitutes
  commit-lock-file-summary compress-build-log connect-timeout cores darwin-log-sandbox-violations
  debugger-on-trace debugger-on-warn diff-hook download-buffer-size download-speed
  eval-attrset-update-layer-rhs-threshold eval-cache eval-profile-file eval-profiler
  eval-profiler-frequency eval-system external-builders extra-platforms fallback
  filetransfer-retry-attempts filetransfer-retry-delay filetransfer-retry-delay-rate-limited
  filetransfer-retry-jitter filetransfer-retry-max-delay filter-syscalls flake-registry
  fsync-metadata fsync-store-paths gc-reserved-space hashed-mirrors http-connections http2 http3
  id-count ignore-gc-delete-failure ignore-try ignored-acls impersonate-linux-26 impure-env
  json-log-path keep-build-log keep-derivations keep-env-derivations keep-failed keep-going
  keep-outputs log-lines max-build-log-size max-free max-jobs max-silent-time
  max-substitution-jobs min-free min-free-check-interval nar-buffer-size narinfo-cache-meta-ttl
  narinfo-cache-negative-ttl narinfo-cache-positive-ttl netrc-file
  nix-shell-always-looks-for-shell-nix nix-shell-shebang-arguments-relative-to-script
  post-build-hook pre-build-hook preallocate-contents print-missing pure-eval
  require-drop-supplementary-groups require-sigs restrict-eval run-diff-hook sandbox
  sandbox-build-dir sandbox-dev-shm-size sandbox-fallback sandbox-paths secret-key-files
  ssl-cert-file stalled-download-timeout start-id store substitute substituters
  sync-before-registering system system-features tarball-ttl timeout trace-function-calls
  trace-import-from-derivation trust-tarballs-from-git-forges trusted-public-keys
  trusted-substituters trusted-users upgrade-nix-store-path-url use-case-hack use-cgroups
  use-registries use-sqlite-wal use-xdg-base-directories user-agent-suffix warn-dirty
  warn-large-path-threshold`.split(/\s+/),
);

function parseBool(name: string, value: string): boolean {
  if (value === "true" || value === "yes" || value === "1") return true;
  if (value === "false" || value === "no" || value === "0") return false;
  throw new NixError("UsageError", `Boolean setting '${name}' has invalid value '${value}'`);
}

function words(value: string): string[] {
  return value.split(/[ \t\n\r]+/).filter((w) => w !== "");
}

/**
 * Sets one setting (`--option NAME VALUE`, a config line). Returns false for an unknown name,
 * after recording it for the warning.
 */
export function setSetting(
  settings: Settings,
  name: string,
  value: string,
  warn: (message: string) => void,
): boolean {
  const append = name.startsWith("extra-");
  const base = append ? name.slice("extra-".length) : name;
  switch (base) {
    case "experimental-features": {
      if (!append) settings.experimentalFeatures.clear();
      for (const f of words(value)) {
        if (!experimentalFeatureNames.has(f)) warn(`unknown experimental feature '${f}'`);
        settings.experimentalFeatures.add(f);
      }
      return true;
    }
    case "nix-path":
      settings.nixPath = [...(append ? (settings.nixPath ?? []) : []), ...words(value)];
      return true;
  }
  if (append && !otherSettingNames.has(base)) {
    settings.unknown.push(name);
    return false;
  }
  switch (name) {
    case "show-trace":
      settings.showTrace = parseBool(name, value);
      return true;
    case "abort-on-warn":
      settings.abortOnWarn = parseBool(name, value);
      return true;
    case "trace-verbose":
      settings.traceVerbose = parseBool(name, value);
      return true;
    case "store":
      settings.store = value;
      return true;
    case "allow-import-from-derivation":
      settings.allowImportFromDerivation = parseBool(name, value);
      return true;
    case "max-call-depth": {
      if (!/^[0-9]+$/.test(value) || Number(value) > 0xffffffff) {
        throw new NixError("UsageError", `setting '${name}' has invalid value '${value}'`);
      }
      settings.maxCallDepth = Number(value);
      return true;
    }
  }
  if (lintNames.has(name)) {
    if (value !== "ignore" && value !== "warn" && value !== "fatal") {
      throw new NixError("UsageError", `invalid value '${value}' for setting '${name}'`);
    }
    settings.lints.set(name, value);
    return true;
  }
  if ((name === "pure-eval" || name === "restrict-eval") && parseBool(name, value)) {
    // Accepting these and evaluating impurely would be wrong; refuse until they exist.
    throw new NixError("UsageError", `tsnix does not implement the setting '${name}' yet`);
  }
  if (otherSettingNames.has(base)) return true;
  settings.unknown.push(name);
  return false;
}

/** CppNix's `parseConfigFiles`: the `name = value` pairs of one file and its includes. */
function parseConfig(
  io: HostIO,
  contents: string,
  path: string,
  out: [string, string][],
  depth = 0,
): void {
  for (let line of contents.split("\n")) {
    const hash = line.indexOf("#");
    if (hash >= 0) line = line.slice(0, hash);
    const tokens = words(line);
    if (tokens.length === 0) continue;
    const syntaxError = () =>
      new NixError("UsageError", `syntax error in configuration line '${line}' in '${path}'`);
    if (tokens.length < 2) throw syntaxError();
    if (tokens[0] === "include" || tokens[0] === "!include") {
      if (tokens.length !== 2) throw syntaxError();
      const dir = path.slice(0, Math.max(1, path.lastIndexOf("/")));
      const file = tokens[1]!.startsWith("/") ? tokens[1]! : `${dir}/${tokens[1]}`;
      if (io.fileType(file, true) !== undefined && depth < 100) {
        const text = readConfigFile(io, file);
        if (text !== undefined) parseConfig(io, text, file, out, depth + 1);
      } else if (tokens[0] === "include") {
        throw new NixError("EvalError", `file '${file}' included from '${path}' not found`);
      }
      continue;
    }
    if (tokens[1] !== "=") throw syntaxError();
    out.push([tokens[0]!, tokens.slice(2).join(" ")]);
  }
}

function readConfigFile(io: HostIO, path: string): string | undefined {
  if (io.fileType(path, true) !== "regular") return undefined;
  try {
    return io.readFile(path);
  } catch {
    return undefined;
  }
}

/** CppNix's `applyConfig`: experimental features first; `nix-path` yields to `NIX_PATH`. */
function applyConfig(
  io: HostIO,
  settings: Settings,
  contents: string,
  path: string,
  warn: (message: string) => void,
): void {
  const pairs: [string, string][] = [];
  parseConfig(io, contents, path, pairs);
  const isFeatures = (n: string) =>
    n === "experimental-features" || n === "extra-experimental-features";
  for (const [name, value] of pairs) if (isFeatures(name)) setSetting(settings, name, value, warn);
  for (const [name, value] of pairs) {
    if (isFeatures(name)) continue;
    if ((name === "nix-path" || name === "extra-nix-path") && io.env("NIX_PATH") !== undefined) {
      continue;
    }
    setSetting(settings, name, value, warn);
  }
}

/** CppNix's `loadConfFile`: the system file, the user's files, then `NIX_CONFIG`. */
export function loadConfig(io: HostIO, settings: Settings, warn: (message: string) => void): void {
  const nonEmpty = (name: string) => {
    const v = io.env(name);
    return v === undefined || v === "" ? undefined : v;
  };
  const files = [`${nonEmpty("NIX_CONF_DIR") ?? "/etc/nix"}/nix.conf`];
  const userFiles = io.env("NIX_USER_CONF_FILES");
  if (userFiles !== undefined) {
    files.push(...userFiles.split(":").filter((f) => f !== ""));
  } else {
    const home = io.env("HOME") ?? "/";
    const dirs = [
      nonEmpty("XDG_CONFIG_HOME") ?? `${home}/.config`,
      ...(nonEmpty("XDG_CONFIG_DIRS") ?? "/etc/xdg").split(":").filter((d) => d !== ""),
    ];
    files.push(...dirs.map((d) => `${d}/nix/nix.conf`));
  }
  // The system file first; then the user's, the first of them last so that it wins.
  const [system, ...user] = files;
  for (const file of [system!, ...user.reverse()]) {
    const text = readConfigFile(io, file);
    if (text !== undefined) applyConfig(io, settings, text, file, warn);
  }
  const env = io.env("NIX_CONFIG");
  if (env !== undefined) applyConfig(io, settings, env, "NIX_CONFIG", warn);
}

/** CppNix's `isPseudoUrl`. */
function isPseudoUrl(s: string): boolean {
  if (s.startsWith("channel:")) return true;
  const i = s.indexOf("://");
  return i >= 0 && ["http", "https", "file", "channel", "git", "s3", "ssh"].includes(s.slice(0, i));
}

/** CppNix's `parseNixPath`: `NIX_PATH` split at colons, except those inside URLs. */
export function parseNixPath(s: string): string[] {
  const res: string[] = [];
  let p = 0;
  while (p < s.length) {
    const start = p;
    let start2 = p;
    while (p < s.length && s[p] !== ":") {
      if (s[p] === "=") start2 = p + 1;
      p++;
    }
    if (p === s.length) {
      if (p !== start) res.push(s.slice(start, p));
      break;
    }
    const prefix = s.slice(start2);
    if (isPseudoUrl(prefix) || prefix.startsWith("flake:")) {
      p++;
      while (p < s.length && s[p] !== ":") p++;
    }
    res.push(s.slice(start, p));
    if (p === s.length) break;
    p++;
  }
  return res;
}

/**
 * The search path after the `-I` entries, as CppNix's `EvalState` builds it: `NIX_PATH` (which
 * overrides the `nix-path` setting) or the setting, then the default entries that exist:
 * `~/.nix-defexpr/channels`, `nixpkgs=` root's channel and root's channels.
 */
export function nixPath(io: HostIO, settings: Settings): string[] {
  const env = io.env("NIX_PATH");
  const entries = env !== undefined ? parseNixPath(env) : [...(settings.nixPath ?? [])];
  const stateDir = io.env("NIX_STATE_DIR") || "/nix/var/nix";
  const channels = `${stateDir}/profiles/per-user/root/channels`;
  const home = io.env("HOME") ?? "/";
  for (const [path, prefix] of [
    [`${home}/.nix-defexpr/channels`, ""],
    [`${channels}/nixpkgs`, "nixpkgs="],
    [channels, ""],
  ] as const) {
    if (io.fileType(path, true) !== undefined) entries.push(prefix + path);
  }
  return entries;
}
