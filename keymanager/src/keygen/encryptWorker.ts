/**
 * Worker thread body for the parallel keystore encryptor (`keys new|recover`): one EIP-2335 keystore per message.
 * Secrets and passwords travel only over the worker's message port; nothing is logged.
 */
import {parentPort} from "node:worker_threads";
import {encryptKeystore} from "../keystore.ts";

export interface EncryptRequest {
  id: number;
  secretKey: Uint8Array;
  password: string;
  kdf: "scrypt" | "pbkdf2";
  /** scrypt n / pbkdf2 c override (tests only); undefined: the EIP's 2^18. */
  cost?: number;
  path: string;
}

export type EncryptResponse = {id: number; ok: true; keystore: string} | {id: number; ok: false; message: string};

if (!parentPort) throw new Error("encryptWorker.ts must run in a worker thread");
const port = parentPort;

port.on("message", async (req: EncryptRequest) => {
  try {
    const ks = await encryptKeystore(req.secretKey, req.password, {kdf: req.kdf, cost: req.cost, path: req.path});
    req.secretKey.fill(0);
    const res: EncryptResponse = {id: req.id, ok: true, keystore: JSON.stringify(ks, null, 2)};
    port.postMessage(res);
  } catch (e) {
    req.secretKey.fill(0);
    port.postMessage({id: req.id, ok: false, message: (e as Error).message} satisfies EncryptResponse);
  }
});
