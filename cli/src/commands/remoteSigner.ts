import {fromHex, toHex} from "@ceibo/utils";
import type {KeyStore, Logger, RemoteSigners} from "@ceibo/validator-client";
import {UsageError} from "../command.ts";

/** --remote-signer: the signer's keys (all of /api/v1/eth2/publicKeys, or the listed ones) sign through it. */
export async function addRemoteSignerKeys(
  keys: KeyStore,
  signers: RemoteSigners,
  url: string,
  which: string | undefined,
  log: Logger,
): Promise<void> {
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw new UsageError(`--remote-signer: "${url}" is not an http(s) URL`);
  const client = signers.get(url);
  let pubkeys: Uint8Array[];
  if (which === undefined || which === "all") {
    try {
      pubkeys = await client.listKeys();
    } catch (e) {
      throw Error(`--remote-signer: cannot list the keys of ${url}: ${(e as Error).message}`);
    }
    if (pubkeys.length === 0) throw Error(`--remote-signer: ${url} holds no keys`);
  } else {
    pubkeys = which.split(",").map((p) => {
      const t = p.trim();
      if (!/^0x[0-9a-fA-F]{96}$/.test(t))
        throw new UsageError(`--remote-signer-pubkeys: "${t}" is not a 0x-hex BLS public key`);
      return fromHex(t);
    });
  }
  let added = 0;
  for (const pubkey of pubkeys) {
    if (keys.has(pubkey)) {
      log.warn("Key held locally and by the remote signer: signing locally", {pubkey: toHex(pubkey)});
      continue;
    }
    keys.add({type: "remote", pubkey, signer: client});
    added++;
  }
  log.info("Remote signer keys", {url, count: added});
}
