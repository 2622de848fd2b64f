/**
 * store/hash.ts against Node's OpenSSL (MD5, SHA-1, SHA-256, SHA-512) on seeded random inputs
 * of every length around the block boundaries, and Nix's base32 against values printed by
 * nix-hash / nix-instantiate.
 */

import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { base16, base64, hash, nixBase32, pureHash, type HashAlgorithm } from "../store/hash.js";

function bytes(seed: number, n: number): Uint8Array {
  let a = seed >>> 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    out[i] = a >>> 24;
  }
  return out;
}

describe("hashes agree with OpenSSL", () => {
  for (const algo of ["md5", "sha1", "sha256", "sha512"] as HashAlgorithm[]) {
    test(algo, () => {
      for (let n = 0; n < 300; n++) {
        const data = bytes(n + 1, n);
        expect(base16(pureHash(algo, data)), `${algo} of ${n} bytes`).toBe(
          createHash(algo).update(data).digest("hex"),
        );
      }
      const big = bytes(7, 100_000);
      expect(base16(pureHash(algo, big))).toBe(createHash(algo).update(big).digest("hex"));
    });
  }
});

test("Nix base32 and base64 of known hashes", () => {
  // builtins.hashString "sha256" "hello" printed by nix-hash --type sha256 --to-base32
  const d = hash("sha256", new TextEncoder().encode("hello"));
  expect(base16(d)).toBe("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  expect(nixBase32(d)).toBe("094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic");
  expect(base64(d)).toBe("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");
});
