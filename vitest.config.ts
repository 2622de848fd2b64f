import { defineConfig } from "vitest/config";

// VITEST_JSON_REPORT (set by .ci/run) adds a JSON report, from which CI prints its summary.
const json = process.env["VITEST_JSON_REPORT"];

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    reporters: json ? ["default", "json"] : ["default"],
    outputFile: json ? { json } : undefined,
  },
});
