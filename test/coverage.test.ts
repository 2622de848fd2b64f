/**
 * The README's builtin coverage table must match the registry: every builtin of CppNix's global
 * scope (builtins/names.ts), and whether tsnix implements it. Regenerate the table with
 * `UPDATE_DOCS=1 npx vitest run test/coverage.test.ts`.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { expect, test } from "vitest";
import { experimentalBuiltins, plainGlobals, underscoreGlobals } from "../builtins/names.js";
import { builtins } from "../evaluator/index.js";

/** The issue that brings each builtin tsnix does not have yet. */
const later: Record<string, string> = {
  derivation: "issue 4",
  derivationStrict: "issue 4",
  toFile: "issue 4",
  path: "issue 4",
  filterSource: "issue 4",
  storePath: "issue 4",
  appendContext: "issue 4",
  addDrvOutputDependencies: "issue 4",
  unsafeDiscardOutputDependency: "issue 4",
  outputOf: "issue 4, dynamic derivations",
  fetchurl: "issue 4, fetchers",
  fetchTarball: "issue 4, fetchers",
  fetchGit: "issue 4, fetchers",
  fetchMercurial: "issue 4, fetchers",
  fetchTree: "issue 4, fetchers",
  fetchClosure: "issue 4, fetchers",
  getFlake: "issue 4, flakes",
};

function table(): string {
  const have = new Set(builtins.map((b) => b.name));
  const names = [...new Set<string>([...plainGlobals, ...underscoreGlobals])]
    .filter((n) => n !== "builtins")
    .sort();
  const rows = names.map((n) => {
    const feature = experimentalBuiltins.get(n);
    const status =
      (have.has(n) ? "yes" : `not yet: ${later[n] ?? "issue 3"}`) +
      (feature === undefined ? "" : ` (experimental: \`${feature}\`)`);
    return `| \`${n}\` | ${status} |`;
  });
  return ["| builtin | tsnix |", "|---|---|", ...rows].join("\n");
}

test("the README's builtin table is up to date", () => {
  const readme = path.join(import.meta.dirname, "..", "README.md");
  const text = fs.readFileSync(readme, "utf8");
  const start = "<!-- builtins:start -->\n";
  const end = "\n<!-- builtins:end -->";
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  expect(i, "README has the builtins markers").toBeGreaterThanOrEqual(0);
  const current = text.slice(i + start.length, j).trim();
  // Prettier pads the columns: compare cells, not spacing.
  const normalise = (t: string): string =>
    t
      .split("\n")
      .map((l) => l.replace(/\s*\|\s*/g, "|").replace(/-{3,}/g, "---"))
      .join("\n");
  if (process.env["UPDATE_DOCS"] === "1" && normalise(current) !== normalise(table())) {
    fs.writeFileSync(
      readme,
      text.slice(0, i + start.length) + "\n" + table() + "\n" + text.slice(j),
    );
    return;
  }
  expect(normalise(current)).toBe(normalise(table()));
});

test("every builtin has a doc with an example", () => {
  for (const b of builtins) expect(b.doc.length, b.name).toBeGreaterThan(10);
});
