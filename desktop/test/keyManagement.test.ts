/**
 * The Keys screen's host channels refuse bad input with one message naming the field, before any call to the
 * validator client or the beacon node (the real flows run in test/browser/keys.test.ts against a dev chain).
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {keyManagementHandlers} from "../src/host/keyManagement.ts";

const dataDir = mkdtempSync(join(tmpdir(), "ceibo-km-host-"));
afterAll(() => rmSync(dataDir, {recursive: true, force: true}));
const PK = `0x${"a1".repeat(48)}`;

describe("key-management host channels", () => {
  // a Keymanager endpoint nobody listens on: a call that got past validation would fail with a network error
  const h = keyManagementHandlers({
    dataDir,
    keymanager: () => ({url: "http://127.0.0.1:9", tokenFile: join(dataDir, "no-token")}),
    beaconUrl: () => "http://127.0.0.1:9",
  });
  const none = keyManagementHandlers({dataDir, keymanager: () => null, beaconUrl: () => null});

  it("without a validator client: the list says so, actions are refused", async () => {
    expect(await none["km.list"]({})).toEqual({
      available: false,
      keys: [],
      exportsDir: join(dataDir, "slashing-protection-exports"),
    });
    await expect(none["km.delete"]({pubkeys: [PK]})).rejects.toThrow(/validator client is not running/);
    await expect(none["km.setConfig"]({pubkey: PK, graffiti: "x"})).rejects.toThrow(/validator client is not running/);
  });

  it("refuses malformed input naming the field", async () => {
    const cases: [Promise<unknown>, RegExp][] = [
      [h["km.list"]({extra: 1} as never), /unknown field "extra"/],
      [h["km.setConfig"]({pubkey: "0x12"}), /"pubkey" must be a BLS public key/],
      [h["km.setConfig"]({pubkey: PK, feeRecipient: "0x1234"}), /"feeRecipient" must be an address/],
      [h["km.setConfig"]({pubkey: PK, graffiti: "ñ".repeat(17)}), /more than 32 bytes/],
      [h["km.setConfig"]({pubkey: PK, gasLimit: "0"}), /"gasLimit" must be a whole number above 0/],
      [h["km.setConfig"]({pubkey: PK, gasLimit: "18446744073709551616"}), /"gasLimit"/],
      [h["km.import"]({keystores: ["{}"], passwords: []}), /one password per keystore/],
      [h["km.import"]({keystores: [], passwords: []}), /at least one keystore/],
      [h["km.import"]({keystores: [1], passwords: ["p"]} as never), /"keystores\[0\]" must be a string/],
      [h["km.delete"]({pubkeys: ["nope"]}), /"pubkeys\[0\]" must be a BLS public key/],
      [h["km.delete"]({pubkeys: []}), /at least one key/],
      [h["km.exit"]({pubkey: PK, confirmPubkey: PK.slice(0, 50)}), /does not match/],
      [h["km.exit"]({pubkey: PK} as never), /"confirmPubkey" must be a string/],
    ];
    for (const [p, message] of cases) {
      const err = await p.then(
        () => null,
        (e: unknown) => e as {code?: string; message: string},
      );
      expect(err?.message, String(message)).toMatch(message);
      expect(err?.code, String(message)).toBe("BAD_REQUEST");
    }
  });

  it("valid input with an unreadable token file: one error naming the file", async () => {
    await expect(h["km.setConfig"]({pubkey: PK, graffiti: "ok"})).rejects.toThrow(
      /cannot read the Keymanager API token file .*no-token: ENOENT/,
    );
  });
});
