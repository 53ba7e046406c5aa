/**
 * Key material a user or another client hands us: EIP-2335 keystore files (keymanager parseKeystore) and EIP-3076
 * slashing-protection interchange documents (slashing-protection parseInterchange).
 */
import {encryptKeystore, KeystoreError, parseKeystore} from "@ceibo/keymanager";
import {parseInterchange, SlashingProtectionError} from "@ceibo/slashing-protection";
import type {FuzzTarget} from "../target.ts";
import {text, utf8} from "../target.ts";

const keystore: FuzzTarget = {
  name: "keystore",
  description: "parseKeystore: EIP-2335 keystore JSON (structure, hex fields, KDF parameters within limits)",
  expected: "KeystoreError (MALFORMED_JSON, INVALID_KEYSTORE, UNSUPPORTED_KDF_PARAMS)",
  async seeds() {
    const secret = new Uint8Array(32);
    secret[31] = 7;
    const out: Uint8Array[] = [];
    for (const kdf of ["pbkdf2", "scrypt"] as const) {
      const ks = await encryptKeystore(secret, "fuzz", {
        kdf,
        cost: kdf === "pbkdf2" ? 2 : 16,
        path: "m/12381/3600/0/0/0",
      });
      out.push(utf8(JSON.stringify(ks)));
    }
    return out;
  },
  run(data) {
    parseKeystore(text(data), "fuzz-input");
  },
  isExpected: (e) => e instanceof KeystoreError,
};

const GVR = `0x${"04".repeat(32)}`;
const PK = `0x${"b2".repeat(48)}`;
const ROOT = `0x${"aa".repeat(32)}`;

const interchange: FuzzTarget = {
  name: "interchange",
  description: "parseInterchange: EIP-3076 interchange v5 JSON (metadata, pubkeys, slots/epochs, signing roots)",
  expected: "SlashingProtectionError (INVALID_INPUT, UNSUPPORTED_VERSION)",
  seeds: () => [
    utf8(JSON.stringify({metadata: {interchange_format_version: "5", genesis_validators_root: GVR}, data: []})),
    utf8(
      JSON.stringify({
        metadata: {interchange_format_version: "5", genesis_validators_root: GVR},
        data: [
          {
            pubkey: PK,
            signed_blocks: [{slot: "81952", signing_root: ROOT}, {slot: "81953"}],
            signed_attestations: [
              {source_epoch: "2290", target_epoch: "3007", signing_root: ROOT},
              {source_epoch: "2290", target_epoch: "3008"},
            ],
          },
        ],
      }),
    ),
  ],
  run(data) {
    parseInterchange(text(data));
  },
  isExpected: (e) => e instanceof SlashingProtectionError,
};

export const keyTargets: FuzzTarget[] = [keystore, interchange];
