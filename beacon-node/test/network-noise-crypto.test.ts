/**
 * The Noise cipher ceibo's host uses (libp2p.ts `noiseCrypto`: WebAssembly ChaCha20-Poly1305 below
 * NOISE_NATIVE_CIPHER_MIN_BYTES, node:crypto above) against an independent implementation (noise's pure-JS
 * @noble cipher), on both sides of the switch: whatever ceibo encrypts the other implementation opens and the
 * reverse, and a tampered frame is refused.
 */
import {randomBytes} from "node:crypto";
import {pureJsCrypto} from "@chainsafe/libp2p-noise";
import {describe, expect, it} from "vitest";
import {NOISE_NATIVE_CIPHER_MIN_BYTES, noiseCrypto} from "../src/network/libp2p.ts";

const flat = (x: Uint8Array | {subarray(): Uint8Array}): Uint8Array => (x instanceof Uint8Array ? x : x.subarray());

describe("noise ChaCha20-Poly1305 by frame size", () => {
  const k = randomBytes(32);
  const nonce = randomBytes(12);
  const ad = randomBytes(32);
  const sizes = [0, 1, 1199, 1200, NOISE_NATIVE_CIPHER_MIN_BYTES - 1, NOISE_NATIVE_CIPHER_MIN_BYTES, 65519];

  it("seals frames the pure-JS cipher opens, and opens what it seals, on both sides of the switch", () => {
    for (const size of sizes) {
      const plaintext = randomBytes(size);
      const sealed = flat(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k));
      expect(sealed.length).toBe(size + 16);
      expect(Buffer.from(flat(pureJsCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, k)))).toEqual(plaintext);
      const theirs = flat(pureJsCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k));
      expect(Buffer.from(theirs)).toEqual(Buffer.from(sealed));
      expect(Buffer.from(flat(noiseCrypto.chaCha20Poly1305Decrypt(theirs, nonce, ad, k)))).toEqual(plaintext);
    }
  });

  it("refuses a frame with a flipped byte or the wrong associated data", () => {
    for (const size of [100, NOISE_NATIVE_CIPHER_MIN_BYTES + 100]) {
      const sealed = flat(noiseCrypto.chaCha20Poly1305Encrypt(randomBytes(size), nonce, ad, k));
      const tampered = Uint8Array.from(sealed);
      tampered[size >> 1] ^= 1;
      expect(() => noiseCrypto.chaCha20Poly1305Decrypt(tampered, nonce, ad, k)).toThrow();
      expect(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, randomBytes(32), k)).toThrow();
    }
  });
});
