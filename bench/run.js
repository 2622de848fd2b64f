/**
 * The tsnix benchmarks: how long tsnix takes next to real Nix on the same job, and whether it
 * prints the same thing. Each workload names a generated input, the Nix command, the tsnix
 * command and a target for the ratio of their median wall times; for each one this script
 * generates the input if it is missing (or older than its generator), runs both commands
 * alternately (warm-up runs first, then measured runs, stdout discarded), and prints one line:
 *
 *   parse-10mb   size 10.5 MB   nix 0.52 s   tsnix 0.61 s   ratio 1.17   (target <= 1.5)
 *
 * followed by the peak RSS of each (from `/usr/bin/time -f %M`, when there is one) and whether
 * the two commands print byte-identical output. Without `nix-instantiate` on the PATH only tsnix
 * is timed.
 *
 * The installed Nix (2.8) prints ASTs differently from current Nix, which tsnix follows: it
 * orders bindings and formals by the address of their symbols rather than by name, prints
 * `inherit a ;` one name at a time and `inherit (e) x;` as `x = (e).x;`, escapes every `$` and
 * leaves most keyword attribute names unquoted. So when the bytes differ, the parse workloads
 * are also compared modulo those differences: tsnix's `inherit (e) …` is spelled out as plain
 * bindings, then both outputs are parsed and printed again by tsnix and compared. (That uses
 * tsnix to judge tsnix, so it can only hide a bug that the re-printing undoes.)
 *
 * Usage: node bench/run.js [--only NAME] [--runs N] [--warmup N] [--regen]
 * Needs a build: `npm run build`.
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generatePackages } from "./gen-packages.js";

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(benchDir, "..");
// The command as users run it: bin/tsnix starts Node with the stack evaluation needs.
const tsnixBin = join(root, "bin/tsnix");
const tsnix = (...args) => [tsnixBin, ...args];

/**
 * The workloads. Each has a name, the input file and the script that generates it, a function
 * writing that file, the Nix and tsnix commands (argv arrays), the target for tsnix/nix, and
 * optionally `normalise`, a second comparison for when the raw outputs differ.
 */
const workloads = [
  {
    name: "parse-10mb",
    input: join(benchDir, "out/packages.nix"),
    generator: join(benchDir, "gen-packages.js"),
    generate: (file) => generatePackages(file),
    nix: (file) => ["nix-instantiate", "--parse", file],
    tsnix: (file) => tsnix("instantiate", "--parse", file),
    target: 1.5,
    normalise: compareParsesModuloPrinter,
  },
  // Evaluation (issue 3): our own programs in bench/eval, `--eval --strict`; the target is the
  // per-workload maximum (2.0), the geometric mean of the eval ratios should be at most 1.0.
  ...["calls", "lists", "attrs", "strings", "laziness", "recursion", "modules"].map((name) => {
    const file = join(benchDir, `eval/${name}.nix`);
    return {
      name: `eval-${name}`,
      input: file,
      generator: file,
      generate: () => {},
      nix: (f) => ["nix-instantiate", "--eval", "--strict", f],
      tsnix: (f) => tsnix("instantiate", "--eval", "--strict", f),
      target: 2.0,
    };
  }),
  // Derivations (issue 4): a package set of 2,000 derivations (and 2,000 fixed-output sources)
  // with dependencies between them, instantiated read-only; both print the 2,000 .drv paths.
  {
    name: "instantiate-2000",
    input: join(benchDir, "drv/pkgset.nix"),
    generator: join(benchDir, "drv/pkgset.nix"),
    generate: () => {},
    nix: (f) => ["nix-instantiate", "--readonly-mode", f],
    tsnix: (f) => tsnix("instantiate", "--readonly-mode", f),
    target: 1.0,
  },
];

/** The width of the name column of the table. */
const nameWidth = Math.max(...workloads.map((w) => w.name.length));

function parseArgs(argv) {
  const opts = { only: undefined, runs: 5, warmup: 1, regen: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") opts.only = argv[++i];
    else if (a === "--runs") opts.runs = Number(argv[++i]);
    else if (a === "--warmup") opts.warmup = Number(argv[++i]);
    else if (a === "--regen") opts.regen = true;
    else {
      console.error(`unknown argument '${a}'`);
      console.error("usage: node bench/run.js [--only NAME] [--runs N] [--warmup N] [--regen]");
      process.exit(2);
    }
  }
  if (!(opts.runs >= 1) || !(opts.warmup >= 0)) {
    console.error("--runs must be at least 1 and --warmup at least 0");
    process.exit(2);
  }
  return opts;
}

function onPath(cmd) {
  return !spawnSync(cmd, ["--version"], { stdio: "ignore" }).error;
}

const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** Runs argv once with stdout discarded; returns wall seconds and peak RSS in KB (if known). */
function timeOnce(argv, scratch) {
  const rssFile = join(scratch, "rss");
  const [cmd, ...args] = timeBin ? [timeBin, "-f", "%M", "-o", rssFile, ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${argv.join(" ")} exited with ${r.status}:\n${r.stderr.toString()}`);
  }
  // /usr/bin/time writes its format as the last line (after any "Command exited…" line).
  const rssKb = timeBin ? Number(readFileSync(rssFile, "utf8").trim().split("\n").pop()) : NaN;
  return { seconds, rssKb };
}

/** Runs argv once and returns its stdout. */
function capture(argv) {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd, args, { cwd: root, maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${argv.join(" ")} exited with ${r.status}:\n${r.stderr.toString()}`);
  }
  return r.stdout;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function firstDifference(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Prints the first difference of two outputs with about 200 bytes of each around it. */
function showDifference(labelA, a, labelB, b) {
  const at = firstDifference(a, b);
  console.log(`  first difference at byte ${at} (sizes ${a.length} and ${b.length})`);
  const from = Math.max(0, at - 100);
  console.log(`  ${labelA}: ${JSON.stringify(a.subarray(from, at + 100).toString("latin1"))}`);
  console.log(`  ${labelB}: ${JSON.stringify(b.subarray(from, at + 100).toString("latin1"))}`);
}

/**
 * Spells out `inherit (e) a "b c";` as `a = (e).a; "b c" = (e)."b c";` in a printed AST, the
 * way Nix 2.8 prints it. Printed ASTs have no comments or indented strings, so skipping
 * `"…"` strings is enough to find the keyword and the end of the parenthesised `(e)`.
 */
function spellOutInheritFrom(text) {
  const skipString = (j) => {
    for (j++; text[j] !== '"'; j++) if (text[j] === "\\") j++;
    return j + 1;
  };
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      const j = skipString(i);
      out += text.slice(i, j);
      i = j;
    } else if (text.startsWith("inherit (", i)) {
      const start = i + "inherit ".length;
      let j = start;
      for (let depth = 0; ;) {
        if (text[j] === '"') {
          j = skipString(j);
          continue;
        }
        if (text[j] === "(") depth++;
        else if (text[j] === ")" && --depth === 0) break;
        j++;
      }
      const from = text.slice(start, ++j);
      const names = [];
      while (text[j] !== ";") {
        j++; // the space before each name
        let k = j;
        if (text[j] === '"') k = skipString(j);
        else while (text[k] !== " " && text[k] !== ";") k++;
        names.push(text.slice(j, k));
        j = k;
      }
      out += names.map((name) => `${name} = ${from}.${name};`).join(" ");
      i = j + 1;
    } else {
      out += text[i++];
    }
  }
  return out;
}

/** Compares two `--parse` outputs modulo Nix 2.8's printer (see the module comment). */
function compareParsesModuloPrinter(nixOut, tsnixOut, scratch) {
  const nixFile = join(scratch, "nix.out.nix");
  const tsnixFile = join(scratch, "tsnix.out.nix");
  writeFileSync(nixFile, nixOut);
  writeFileSync(tsnixFile, spellOutInheritFrom(tsnixOut.toString("latin1")), "latin1");
  return {
    a: capture(tsnix("instantiate", "--parse", nixFile)),
    b: capture(tsnix("instantiate", "--parse", tsnixFile)),
  };
}

function fmtMB(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function runWorkload(w, opts, haveNix, scratch) {
  const indent = " ".repeat(nameWidth + 3); // the detail lines start under "size"
  const stale = !existsSync(w.input) || statSync(w.input).mtimeMs < statSync(w.generator).mtimeMs;
  if (opts.regen || stale) {
    process.stdout.write(`${w.name}: generating ${w.input} ... `);
    w.generate(w.input);
    console.log("done");
  }
  const size = statSync(w.input).size;
  const commands = { nix: w.nix(w.input), tsnix: w.tsnix(w.input) };
  const tools = haveNix ? ["nix", "tsnix"] : ["tsnix"];
  const results = { nix: [], tsnix: [] };

  for (let round = 0; round < opts.warmup + opts.runs; round++) {
    for (const tool of tools) {
      const r = timeOnce(commands[tool], scratch);
      if (round >= opts.warmup) results[tool].push(r);
    }
  }

  const seconds = (tool) => median(results[tool].map((r) => r.seconds));
  const rss = (tool) => Math.max(...results[tool].map((r) => r.rssKb)) * 1024;
  const cols = [w.name.padEnd(nameWidth), `size ${fmtMB(size)}`];
  if (haveNix) cols.push(`nix ${seconds("nix").toFixed(2)} s`);
  cols.push(`tsnix ${seconds("tsnix").toFixed(2)} s`);
  if (haveNix) {
    const ratio = seconds("tsnix") / seconds("nix");
    w.ratio = ratio;
    const verdict = ratio <= w.target ? "" : ", missed";
    cols.push(`ratio ${ratio.toFixed(2)}`, `(target <= ${w.target}${verdict})`);
  }
  console.log(cols.join("   "));
  if (timeBin) {
    const mem = tools.map((t) => `${t} ${fmtMB(rss(t))}`).join("   ");
    console.log(`${indent}peak RSS: ${mem}`);
  }
  for (const tool of tools) {
    const all = results[tool].map((r) => r.seconds.toFixed(2)).join(" ");
    console.log(`${indent}${tool} runs (s): ${all}`);
  }

  if (!haveNix) return;
  const nixOut = capture(commands.nix);
  const tsnixOut = capture(commands.tsnix);
  const identical = nixOut.equals(tsnixOut);
  console.log(`${indent}output identical: ${identical ? "yes" : "no"}`);
  if (identical) return;
  showDifference("nix  ", nixOut, "tsnix", tsnixOut);
  if (w.normalise) {
    const { a, b } = w.normalise(nixOut, tsnixOut, scratch);
    const same = a.equals(b);
    console.log(`${indent}output identical modulo Nix 2.8's printer: ${same ? "yes" : "no"}`);
    if (!same) showDifference("nix  ", a, "tsnix", b);
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(join(root, "dist/tsnix.cjs"))) {
    console.error(`dist/tsnix.cjs is missing; run \`npm run build\` first`);
    process.exit(1);
  }
  const selected = workloads.filter((w) => opts.only === undefined || w.name === opts.only);
  if (selected.length === 0) {
    console.error(`no workload named '${opts.only}'; there are: ${workloads.map((w) => w.name)}`);
    process.exit(2);
  }
  const haveNix = onPath("nix-instantiate");
  if (!haveNix) console.log("nix-instantiate is not on the PATH: timing tsnix alone");
  if (!timeBin) console.log("/usr/bin/time is missing: peak RSS not measured");
  console.log(`${opts.warmup} warm-up + ${opts.runs} measured runs each, medians\n`);

  const scratch = mkdtempSync(join(tmpdir(), "tsnix-bench-"));
  try {
    for (const w of selected) runWorkload(w, opts, haveNix, scratch);
    const evalRatios = selected
      .filter((w) => w.name.startsWith("eval-") && w.ratio)
      .map((w) => w.ratio);
    if (evalRatios.length > 0) {
      const geomean = Math.exp(evalRatios.reduce((a, r) => a + Math.log(r), 0) / evalRatios.length);
      const verdict = geomean <= 1.0 ? "" : ", missed";
      console.log(
        `\neval geometric mean of ${evalRatios.length} ratios: ${geomean.toFixed(2)} (target <= 1.0${verdict})`,
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
