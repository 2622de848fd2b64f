/**
 * `builtins.convertHash` (Nix ≥ 2.19, so not in the nix-instantiate 2.8 this machine has). Its
 * parsing and printing are Nix's `Hash::parseAny` and `Hash::to_string`, which Nix 2.8 exposes
 * as `nix hash to-base16|to-base32|to-base64|to-sri`: when nix is on PATH, every conversion is
 * checked against it. Error messages follow current CppNix (src/libutil/hash.cc), whose wording
 * differs from 2.8's ("hash algorithm" for "hash type", lengths in the bad-encoding message).
 */

import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { lastErrorLine, runCli, testHost } from "./harness.js";

const haveNix = spawnSync("nix", ["--version"]).status === 0;

function tsnix(expr: string) {
  return runCli(["instantiate", "--eval", "-E", expr], testHost(""));
}

function convert(hash: string, toHashFormat: string, hashAlgo?: string): string {
  const algo = hashAlgo === undefined ? "" : ` hashAlgo = "${hashAlgo}";`;
  const r = tsnix(
    `builtins.convertHash { hash = "${hash}";${algo} toHashFormat = "${toHashFormat}"; }`,
  );
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as string;
}

const algorithms = ["md5", "sha1", "sha256", "sha512"] as const;
const inputs = ["", "hello", "The quick brown fox jumps over the lazy dog"];

describe.skipIf(!haveNix)("convertHash agrees with nix hash to-*", () => {
  const nixHash = (command: string, algo: string, hash: string): string => {
    const r = spawnSync("nix", [
      "--extra-experimental-features",
      "nix-command",
      "hash",
      command,
      "--type",
      algo,
      hash,
    ]);
    expect(r.status, r.stderr.toString()).toBe(0);
    return r.stdout.toString().trim();
  };
  for (const algo of algorithms) {
    for (const input of inputs) {
      test(`${algo} of ${JSON.stringify(input)}`, () => {
        const hex = createHash(algo).update(input).digest("hex");
        const nix32 = nixHash("to-base32", algo, hex);
        const b64 = nixHash("to-base64", algo, hex);
        const sri = nixHash("to-sri", algo, hex);
        // Every way of writing the hash in, every format out.
        for (const [hash, given] of [
          [hex, algo],
          [hex.toUpperCase(), algo],
          [nix32, algo],
          [b64, algo],
          [sri, undefined],
          [sri, algo],
          [`${algo}:${hex}`, undefined],
          [`${algo}:${nix32}`, algo],
          [`${algo}:${b64}`, undefined],
        ] as const) {
          expect(convert(hash, "base16", given)).toBe(hex);
          expect(convert(hash, "nix32", given)).toBe(nix32);
          expect(convert(hash, "base64", given)).toBe(b64);
          expect(convert(hash, "sri", given)).toBe(sri);
        }
      });
    }
  }
});

describe("convertHash errors", () => {
  const sha256Hex = createHash("sha256").update("hello").digest("hex");
  const cases: [string, string][] = [
    [
      `{ hash = "abc"; hashAlgo = "sha256"; toHashFormat = "sri"; }`,
      "error: hash 'abc' has wrong length for hash algorithm 'sha256'",
    ],
    [
      `{ hash = "${sha256Hex}"; toHashFormat = "sri"; }`,
      `error: hash '${sha256Hex}' does not include a type, nor is the type otherwise known from context`,
    ],
    [
      `{ hash = "sha256:${sha256Hex}"; hashAlgo = "sha1"; toHashFormat = "sri"; }`,
      `error: hash 'sha256:${sha256Hex}' should have type 'sha1'`,
    ],
    [
      `{ hash = "foo:abc"; toHashFormat = "sri"; }`,
      "error: unknown hash algorithm 'foo', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'",
    ],
    [
      `{ hash = "md5:${"z".repeat(32)}"; toHashFormat = "sri"; }`,
      `error: invalid base16 hash '${"z".repeat(32)}', length 0 != expected length 16`,
    ],
    [
      `{ hash = "sha256-AAAA"; toHashFormat = "sri"; }`,
      "error: invalid SRI hash 'AAAA', length 3 != expected length 32",
    ],
    [
      `{ hash = "sha256:${sha256Hex}"; toHashFormat = "hex"; }`,
      "error: unknown hash format 'hex', expect 'base16', 'base32', 'base64', or 'sri'",
    ],
    [`{ hash = "sha256:${sha256Hex}"; }`, "error: attribute 'toHashFormat' missing"],
    [`{ toHashFormat = "sri"; }`, "error: attribute 'hash' missing"],
    [`{ hash = 1; toHashFormat = "sri"; }`, "error: expected a string but found an integer: 1"],
  ];
  for (const [args, message] of cases) {
    test(message, () => {
      const r = tsnix(`builtins.convertHash ${args}`);
      expect(r.exitCode).toBe(1);
      expect(lastErrorLine(r.stderr)).toBe(message);
    });
  }

  test('"base32" is accepted with the deprecation warning', () => {
    const r = tsnix(
      `builtins.convertHash { hash = "sha256:${sha256Hex}"; toHashFormat = "base32"; }`,
    );
    expect(r.stdout).toBe('"094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic"\n');
    expect(r.stderr).toBe('warning: "base32" is a deprecated alias for hash format "nix32".\n');
  });
});
