/**
 * Worker thread body for the parallel keystore decryptor: read + validate + decrypt one keystore per message.
 * Passwords and secrets travel only over the worker's message port; nothing is logged.
 */
import {parentPort} from "node:worker_threads";
import {KeystoreError} from "./errors.ts";
import {decryptKeystore, readKeystoreFile} from "./keystore.ts";

export interface DecryptRequest {
  id: number;
  path: string;
  password: string;
}

export type DecryptResponse =
  | {id: number; ok: true; pubkey: Uint8Array; secretKey: Uint8Array}
  | {id: number; ok: false; code: string; message: string};

if (!parentPort) throw new Error("decryptWorker.ts must run in a worker thread");
const port = parentPort;

port.on("message", async (req: DecryptRequest) => {
  try {
    const ks = await readKeystoreFile(req.path);
    const key = await decryptKeystore(ks, req.password);
    // Copy into an unshared buffer so it can be transferred (a Buffer may sit in Node's shared pool), then wipe.
    const secretKey = new Uint8Array(32);
    secretKey.set(key.secretKey);
    key.secretKey.fill(0);
    const res: DecryptResponse = {id: req.id, ok: true, pubkey: key.pubkey, secretKey};
    port.postMessage(res, [secretKey.buffer]);
  } catch (e) {
    const code = e instanceof KeystoreError ? e.code : "IO";
    const res: DecryptResponse = {id: req.id, ok: false, code, message: (e as Error).message};
    port.postMessage(res);
  }
});
