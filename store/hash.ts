/**
 * The hash functions Nix uses (MD5, SHA-1, SHA-256, SHA-512) and the ways it prints hashes
 * (base16, Nix's base32, base64, SRI), in plain TypeScript so that the core runs in a browser
 * too (no `node:crypto`). Inputs are bytes; test/hash.test.ts checks them against Node's
 * OpenSSL on random inputs.
 *
 * Nix's base32 is not RFC 4648: its alphabet omits e, o, u and t, and it writes the 5-bit
 * groups starting from the end of the hash (CppNix's `printHash32`).
 */

export type HashAlgorithm = "md5" | "sha1" | "sha256" | "sha512";

export const hashSize: Record<HashAlgorithm, number> = {
  md5: 16,
  sha1: 20,
  sha256: 32,
  sha512: 64,
};

// --- MD5 (RFC 1321) ---------------------------------------------------------------------------

const md5S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const md5K = Array.from(
  { length: 64 },
  (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0,
);

function md5(data: Uint8Array): Uint8Array {
  const padded = pad(data, false);
  let a0 = 0x67452301;
  let b0 = 0xefcdab89;
  let c0 = 0x98badcfe;
  let d0 = 0x10325476;
  const m = new Uint32Array(16);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      m[i] = padded[j]! | (padded[j + 1]! << 8) | (padded[j + 2]! << 16) | (padded[j + 3]! << 24);
    }
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const s = md5S[(i >> 4) * 4 + (i & 3)]!;
      const x = (a + f + md5K[i]! + m[g]!) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  const out = new Uint8Array(16);
  [a0, b0, c0, d0].forEach((w, i) => {
    for (let k = 0; k < 4; k++) out[i * 4 + k] = (w >>> (8 * k)) & 0xff;
  });
  return out;
}

/** Merkle–Damgård padding to 64-byte blocks (128 for SHA-512), length big- or little-endian. */
function pad(data: Uint8Array, bigEndian: boolean, block = 64): Uint8Array {
  const lenField = block === 128 ? 16 : 8;
  const total = Math.ceil((data.length + 1 + lenField) / block) * block;
  const out = new Uint8Array(total);
  out.set(data);
  out[data.length] = 0x80;
  const bits = BigInt(data.length) * 8n;
  for (let i = 0; i < 8; i++) {
    const byte = Number((bits >> BigInt(8 * i)) & 0xffn);
    if (bigEndian) out[total - 1 - i] = byte;
    else out[total - 8 + i] = byte;
  }
  return out;
}

// --- SHA-1 and SHA-256 (FIPS 180-4) -----------------------------------------------------------

function sha1(data: Uint8Array): Uint8Array {
  const p = pad(data, true);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = new Uint32Array(80);
  for (let off = 0; off < p.length; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      w[i] = (p[j]! << 24) | (p[j + 1]! << 16) | (p[j + 2]! << 8) | p[j + 3]!;
    }
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let [a, b, c, d, e] = h as [number, number, number, number, number];
    for (let i = 0; i < 80; i++) {
      const f =
        i < 20
          ? (b & c) | (~b & d)
          : i < 40
            ? b ^ c ^ d
            : i < 60
              ? (b & c) | (b & d) | (c & d)
              : b ^ c ^ d;
      const k = i < 20 ? 0x5a827999 : i < 40 ? 0x6ed9eba1 : i < 60 ? 0x8f1bbcdc : 0xca62c1d6;
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + b) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + d) | 0;
    h[4] = (h[4]! + e) | 0;
  }
  return words32(h);
}

const sha256K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

function sha256(data: Uint8Array): Uint8Array {
  const p = pad(data, true);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < p.length; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      w[i] = (p[j]! << 24) | (p[j + 1]! << 16) | (p[j + 2]! << 8) | p[j + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
      const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = h[0]!;
    let b = h[1]!;
    let c = h[2]!;
    let d = h[3]!;
    let e = h[4]!;
    let f = h[5]!;
    let g = h[6]!;
    let hh = h[7]!;
    for (let i = 0; i < 64; i++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + sha256K[i]! + w[i]!) | 0;
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = h[0]! + a;
    h[1] = h[1]! + b;
    h[2] = h[2]! + c;
    h[3] = h[3]! + d;
    h[4] = h[4]! + e;
    h[5] = h[5]! + f;
    h[6] = h[6]! + g;
    h[7] = h[7]! + hh;
  }
  return words32(Array.from(h));
}

function words32(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  words.forEach((w, i) => {
    out[i * 4] = (w >>> 24) & 0xff;
    out[i * 4 + 1] = (w >>> 16) & 0xff;
    out[i * 4 + 2] = (w >>> 8) & 0xff;
    out[i * 4 + 3] = w & 0xff;
  });
  return out;
}

// --- SHA-512: 64-bit words as pairs of 32-bit halves -------------------------------------------

const sha512K = [
  "428a2f98d728ae22",
  "7137449123ef65cd",
  "b5c0fbcfec4d3b2f",
  "e9b5dba58189dbbc",
  "3956c25bf348b538",
  "59f111f1b605d019",
  "923f82a4af194f9b",
  "ab1c5ed5da6d8118",
  "d807aa98a3030242",
  "12835b0145706fbe",
  "243185be4ee4b28c",
  "550c7dc3d5ffb4e2",
  "72be5d74f27b896f",
  "80deb1fe3b1696b1",
  "9bdc06a725c71235",
  "c19bf174cf692694",
  "e49b69c19ef14ad2",
  "efbe4786384f25e3",
  "0fc19dc68b8cd5b5",
  "240ca1cc77ac9c65",
  "2de92c6f592b0275",
  "4a7484aa6ea6e483",
  "5cb0a9dcbd41fbd4",
  "76f988da831153b5",
  "983e5152ee66dfab",
  "a831c66d2db43210",
  "b00327c898fb213f",
  "bf597fc7beef0ee4",
  "c6e00bf33da88fc2",
  "d5a79147930aa725",
  "06ca6351e003826f",
  "142929670a0e6e70",
  "27b70a8546d22ffc",
  "2e1b21385c26c926",
  "4d2c6dfc5ac42aed",
  "53380d139d95b3df",
  "650a73548baf63de",
  "766a0abb3c77b2a8",
  "81c2c92e47edaee6",
  "92722c851482353b",
  "a2bfe8a14cf10364",
  "a81a664bbc423001",
  "c24b8b70d0f89791",
  "c76c51a30654be30",
  "d192e819d6ef5218",
  "d69906245565a910",
  "f40e35855771202a",
  "106aa07032bbd1b8",
  "19a4c116b8d2d0c8",
  "1e376c085141ab53",
  "2748774cdf8eeb99",
  "34b0bcb5e19b48a8",
  "391c0cb3c5c95a63",
  "4ed8aa4ae3418acb",
  "5b9cca4f7763e373",
  "682e6ff3d6b2b8a3",
  "748f82ee5defb2fc",
  "78a5636f43172f60",
  "84c87814a1f0ab72",
  "8cc702081a6439ec",
  "90befffa23631e28",
  "a4506cebde82bde9",
  "bef9a3f7b2c67915",
  "c67178f2e372532b",
  "ca273eceea26619c",
  "d186b8c721c0c207",
  "eada7dd6cde0eb1e",
  "f57d4f7fee6ed178",
  "06f067aa72176fba",
  "0a637dc5a2c898a6",
  "113f9804bef90dae",
  "1b710b35131c471b",
  "28db77f523047d84",
  "32caab7b40c72493",
  "3c9ebe0a15c9bebc",
  "431d67c49c100d4c",
  "4cc5d4becb3e42b6",
  "597f299cfc657e2a",
  "5fcb6fab3ad6faec",
  "6c44198c4a475817",
].flatMap((x) => [parseInt(x.slice(0, 8), 16) | 0, parseInt(x.slice(8), 16) | 0]);

function sha512(data: Uint8Array): Uint8Array {
  const p = pad(data, true, 128);
  const h = [
    0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1,
    0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
  ].map((x) => x | 0);
  const w = new Int32Array(160);
  // 64-bit add of (ah, al) and (bh, bl) into [hi, lo].
  const add = (ah: number, al: number, bh: number, bl: number): [number, number] => {
    const lo = (al >>> 0) + (bl >>> 0);
    return [(ah + bh + Math.floor(lo / 0x100000000)) | 0, lo | 0];
  };
  const rotrHi = (h: number, l: number, n: number): number =>
    n < 32 ? (h >>> n) | (l << (32 - n)) : (l >>> (n - 32)) | (h << (64 - n));
  const rotrLo = (h: number, l: number, n: number): number =>
    n < 32 ? (l >>> n) | (h << (32 - n)) : (h >>> (n - 32)) | (l << (64 - n));
  for (let off = 0; off < p.length; off += 128) {
    for (let i = 0; i < 32; i++) {
      const j = off + i * 4;
      w[i] = (p[j]! << 24) | (p[j + 1]! << 16) | (p[j + 2]! << 8) | p[j + 3]!;
    }
    for (let i = 16; i < 80; i++) {
      const xh = w[(i - 15) * 2]!;
      const xl = w[(i - 15) * 2 + 1]!;
      const s0h = rotrHi(xh, xl, 1) ^ rotrHi(xh, xl, 8) ^ (xh >>> 7);
      const s0l = rotrLo(xh, xl, 1) ^ rotrLo(xh, xl, 8) ^ ((xl >>> 7) | (xh << 25));
      const yh = w[(i - 2) * 2]!;
      const yl = w[(i - 2) * 2 + 1]!;
      const s1h = rotrHi(yh, yl, 19) ^ rotrHi(yh, yl, 61) ^ (yh >>> 6);
      const s1l = rotrLo(yh, yl, 19) ^ rotrLo(yh, yl, 61) ^ ((yl >>> 6) | (yh << 26));
      let [th, tl] = add(w[(i - 16) * 2]!, w[(i - 16) * 2 + 1]!, s0h, s0l);
      [th, tl] = add(th, tl, w[(i - 7) * 2]!, w[(i - 7) * 2 + 1]!);
      [th, tl] = add(th, tl, s1h, s1l);
      w[i * 2] = th;
      w[i * 2 + 1] = tl;
    }
    let [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl] = h as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    for (let i = 0; i < 80; i++) {
      const S1h = rotrHi(eh, el, 14) ^ rotrHi(eh, el, 18) ^ rotrHi(eh, el, 41);
      const S1l = rotrLo(eh, el, 14) ^ rotrLo(eh, el, 18) ^ rotrLo(eh, el, 41);
      const chh = (eh & fh) ^ (~eh & gh);
      const chl = (el & fl) ^ (~el & gl);
      let [t1h, t1l] = add(hh, hl, S1h, S1l);
      [t1h, t1l] = add(t1h, t1l, chh, chl);
      [t1h, t1l] = add(t1h, t1l, sha512K[i * 2]!, sha512K[i * 2 + 1]!);
      [t1h, t1l] = add(t1h, t1l, w[i * 2]!, w[i * 2 + 1]!);
      const S0h = rotrHi(ah, al, 28) ^ rotrHi(ah, al, 34) ^ rotrHi(ah, al, 39);
      const S0l = rotrLo(ah, al, 28) ^ rotrLo(ah, al, 34) ^ rotrLo(ah, al, 39);
      const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
      const [t2h, t2l] = add(S0h, S0l, majh, majl);
      hh = gh;
      hl = gl;
      gh = fh;
      gl = fl;
      fh = eh;
      fl = el;
      [eh, el] = add(dh, dl, t1h, t1l);
      dh = ch;
      dl = cl;
      ch = bh;
      cl = bl;
      bh = ah;
      bl = al;
      [ah, al] = add(t1h, t1l, t2h, t2l);
    }
    const vals = [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl];
    for (let i = 0; i < 16; i += 2) {
      const [nh, nl] = add(h[i]!, h[i + 1]!, vals[i]!, vals[i + 1]!);
      h[i] = nh;
      h[i + 1] = nl;
    }
  }
  return words32(h);
}

/**
 * A faster implementation that a host may provide (Node's OpenSSL): the digest of bytes, or of
 * a byte string (each char code one byte).
 */
export type HashFunction = (algorithm: HashAlgorithm, data: Uint8Array | string) => Uint8Array;

let native: HashFunction | undefined;

/**
 * Makes `hash` and `hashBytes` use `f` (`undefined`: the TypeScript implementations again).
 * The Node command line passes OpenSSL's (`node:crypto`), several times faster; the core itself
 * imports none.
 */
export function useNativeHash(f: HashFunction | undefined): void {
  native = f;
}

/** The digest of a byte string (a Nix string, a fingerprint, an ATerm). */
export function hashBytes(algorithm: HashAlgorithm, s: string): Uint8Array {
  if (native !== undefined) return native(algorithm, s);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return pureHash(algorithm, bytes);
}

/** The digest of `data`. */
export function hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
  if (native !== undefined) return native(algorithm, data);
  return pureHash(algorithm, data);
}

/** The digest of `data`, computed by the TypeScript implementations. */
export function pureHash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
  switch (algorithm) {
    case "md5":
      return md5(data);
    case "sha1":
      return sha1(data);
    case "sha256":
      return sha256(data);
    case "sha512":
      return sha512(data);
  }
}

// --- printing -----------------------------------------------------------------------------------

// The printers write character codes into a reused array and make the string from it at
// once: appending a character at a time makes a chain of intermediate strings (for a store
// path, most of the garbage of computing it). Digests are short, so the codes fit in the
// arguments of one `String.fromCharCode` call. Each printer has its array, resized only when
// the length of the digests changes (resizing costs more than the printing).

const hexCodes = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
const hexOut: number[] = [];

export function base16(digest: Uint8Array): string {
  const codes = hexOut;
  if (codes.length !== digest.length * 2) codes.length = digest.length * 2;
  for (let i = 0; i < digest.length; i++) {
    codes[2 * i] = hexCodes[digest[i]! >> 4]!;
    codes[2 * i + 1] = hexCodes[digest[i]! & 15]!;
  }
  return String.fromCharCode.apply(null, codes);
}

const nix32Chars = "0123456789abcdfghijklmnpqrsvwxyz";
const nix32Codes = Array.from(nix32Chars, (c) => c.charCodeAt(0));
const nix32Out: number[] = [];

/** Nix's base32 (CppNix's `printHash32`). */
export function nixBase32(digest: Uint8Array): string {
  const len = Math.floor((digest.length * 8 - 1) / 5) + 1;
  const codes = nix32Out;
  if (codes.length !== len) codes.length = len;
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const c = (digest[i]! >> j) | (i >= digest.length - 1 ? 0 : (digest[i + 1]! << (8 - j)) & 0xff);
    codes[len - 1 - n] = nix32Codes[c & 0x1f]!;
  }
  return String.fromCharCode.apply(null, codes);
}

const b64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function base64(digest: Uint8Array): string {
  let s = "";
  for (let i = 0; i < digest.length; i += 3) {
    const n = (digest[i]! << 16) | ((digest[i + 1] ?? 0) << 8) | (digest[i + 2] ?? 0);
    s += b64Chars[(n >> 18) & 63]! + b64Chars[(n >> 12) & 63]!;
    s += i + 1 < digest.length ? b64Chars[(n >> 6) & 63]! : "=";
    s += i + 2 < digest.length ? b64Chars[n & 63]! : "=";
  }
  return s;
}

/** SRI: `sha256-<base64>`. */
export function sri(algorithm: HashAlgorithm, digest: Uint8Array): string {
  return `${algorithm}-${base64(digest)}`;
}

// --- parsing --------------------------------------------------------------------------------------

/** Encoded lengths of a digest of `n` bytes, as CppNix's `encodedLength`s. */
export function base16Length(n: number): number {
  return n * 2;
}

export function nixBase32Length(n: number): number {
  return n === 0 ? 0 : Math.floor((n * 8 - 1) / 5) + 1;
}

export function base64Length(n: number): number {
  return (Math.floor((4 * n) / 3) + 3) & ~3;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** CppNix's `base16::decode` (either case); `undefined` on a bad character. */
export function base16Decode(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(s.charCodeAt(2 * i));
    const lo = hexDigit(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/**
 * CppNix's `BaseNix32::decode`: the last character holds the lowest bits. Bits that spill past
 * the last byte make the result one byte longer (which the caller reports as a bad length).
 */
export function nixBase32Decode(s: string): Uint8Array | undefined {
  const out: number[] = [];
  for (let n = 0; n < s.length; n++) {
    const digit = nix32Chars.indexOf(s[s.length - n - 1]!);
    if (digit < 0) return undefined;
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    out.length = i + 1;
    out[i] = ((out[i] ?? 0) | (digit << j)) & 0xff;
    if (digit >> (8 - j)) {
      out.length = i + 2;
      out[i + 1] = ((out[i + 1] ?? 0) | (digit >> (8 - j))) & 0xff;
    }
  }
  return Uint8Array.from(out, (x) => x ?? 0);
}

/** CppNix's `base64::decode`: stops at `=`, skips newlines. */
export function base64Decode(s: string): Uint8Array | undefined {
  const out: number[] = [];
  let d = 0;
  let bits = 0;
  for (const c of s) {
    if (c === "=") break;
    if (c === "\n") continue;
    const digit = b64Chars.indexOf(c);
    if (digit < 0) return undefined;
    bits += 6;
    d = ((d << 6) | digit) & 0xffffff;
    if (bits >= 8) {
      out.push((d >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/**
 * An error of CppNix's hash parsing: `BadHash`, or `UsageError` for an unknown algorithm name.
 * Callers turn it into a Nix error at their call site.
 */
export class HashError extends Error {
  constructor(
    message: string,
    readonly kind: "BadHash" | "UsageError" = "BadHash",
  ) {
    super(message);
  }
}

/** CppNix's `parseHashAlgo`. */
export function parseHashAlgorithm(name: string): HashAlgorithm {
  if (name === "md5" || name === "sha1" || name === "sha256" || name === "sha512") return name;
  if (name === "blake3") throw new HashError("tsnix does not implement the BLAKE3 hash yet");
  throw new HashError(
    `unknown hash algorithm '${name}', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'`,
    "UsageError",
  );
}

/** CppNix's `parseLowLevel`: `rest` decoded, and of the algorithm's size. */
function decodeHash(
  rest: string,
  algorithm: HashAlgorithm,
  decode: (s: string) => Uint8Array | undefined,
  encoding: string,
): Uint8Array {
  // CppNix drops the decoder's own error (a bad character) and reports the length.
  const d = decode(rest) ?? new Uint8Array(0);
  const size = hashSize[algorithm];
  if (d.length !== size) {
    throw new HashError(
      `invalid ${encoding} hash '${rest}', length ${d.length} != expected length ${size}`,
    );
  }
  return d;
}

/**
 * CppNix's `parseAnyHelper`: `algo:body`, SRI `algo-base64`, or a bare body whose encoding
 * (base16, nix32, base64) its length tells. `resolve` picks the algorithm given the one the
 * string names, if any.
 */
export function parseHashWith(
  original: string,
  resolve: (parsed: HashAlgorithm | undefined) => HashAlgorithm,
): [HashAlgorithm, Uint8Array] {
  let rest = original;
  let isSRI = false;
  let parsed: HashAlgorithm | undefined;
  let sep = rest.indexOf(":");
  if (sep < 0) {
    sep = rest.indexOf("-");
    isSRI = sep >= 0;
  }
  if (sep >= 0) {
    parsed = parseHashAlgorithm(rest.slice(0, sep));
    rest = rest.slice(sep + 1);
  }
  const algo = resolve(parsed);
  if (isSRI) return [algo, decodeHash(rest, algo, base64Decode, "SRI")];
  const size = hashSize[algo];
  if (rest.length === base16Length(size))
    return [algo, decodeHash(rest, algo, base16Decode, "base16")];
  if (rest.length === nixBase32Length(size))
    return [algo, decodeHash(rest, algo, nixBase32Decode, "nix32")];
  if (rest.length === base64Length(size))
    return [algo, decodeHash(rest, algo, base64Decode, "Base64")];
  throw new HashError(`hash '${rest}' has wrong length for hash algorithm '${algo}'`);
}

/** CppNix's `Hash::parseAny`: the string's algorithm and `given` must agree; one must be there. */
export function parseAnyHash(
  original: string,
  given: HashAlgorithm | undefined,
): [HashAlgorithm, Uint8Array] {
  return parseHashWith(original, (parsed) => {
    if (parsed === undefined && given === undefined) {
      throw new HashError(
        `hash '${original}' does not include a type, nor is the type otherwise known from context`,
      );
    }
    if (parsed !== undefined && given !== undefined && parsed !== given) {
      throw new HashError(`hash '${original}' should have type '${given}'`);
    }
    return (parsed ?? given)!;
  });
}

/** CppNix's `Hash::parseSRI`. */
export function parseSRIHash(original: string): [HashAlgorithm, Uint8Array] {
  const sep = original.indexOf("-");
  if (sep < 0) throw new HashError(`hash '${original}' is not SRI`);
  const algo = parseHashAlgorithm(original.slice(0, sep));
  return [algo, decodeHash(original.slice(sep + 1), algo, base64Decode, "SRI")];
}
