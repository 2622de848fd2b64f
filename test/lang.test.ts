/**
 * The language tests as files (test/lang): every `parse-*` and `eval-*` case must give exactly
 * its expected output (see harness.ts); every case in test/lang/notyetpassing must still fail (move
 * it up when it passes).
 */

import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { discover, langDir, runTest } from "./harness.js";

describe("test/lang", () => {
  const tests = discover(langDir);
  test("has cases", () => expect(tests.length).toBeGreaterThan(50));
  for (const t of tests) {
    test(t.name, () => {
      const { result, expected } = runTest(t);
      if (t.kind.endsWith("okay")) {
        expect(result.stderr).toBe("");
        expect(result.stdout).toBe(expected);
        expect(result.exitCode).toBe(0);
      } else {
        expect(result.stderr).toBe(expected);
        expect(result.exitCode).toBe(1);
      }
    });
  }
});

const notYetPassing = discover(path.join(langDir, "notyetpassing"));
if (notYetPassing.length > 0) {
  describe("test/lang/notyetpassing", () => {
    for (const t of notYetPassing) {
      test(`${t.name} still fails`, () => expect(runTest(t).ok).toBe(false));
    }
  });
}
