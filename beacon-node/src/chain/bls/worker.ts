/**
 * The BLS verification worker (a `worker_threads` Worker started by `BlsWorkerPool`). It receives batches of jobs,
 * each job a list of serialized signature sets, and answers one boolean per job:
 * 0. An aggregate set's keys (checked points: partial sums of a committee, or each signer's key) are added up here,
 *    off the main thread.
 *
 * 1. Sets that sign the same message (e.g. attestations of one committee) are first combined with random
 *    coefficients (`aggregateWithRandomness`), so a group of n same-message sets costs one pairing, not n.
 * 2. All sets of all jobs are verified with one randomized multi-pairing (`verifyMultipleAggregateSignatures`).
 * 3. If that fails and the batch holds more than one job, each job is verified alone, so one bad message does not
 *    fail its neighbours.
 * A set whose public key or signature does not decode (not a valid point) makes its job false; a signature not in the
 * group (or infinity) fails the verification it is part of, then its own job when the batch is retried.
 */
import {parentPort} from "node:worker_threads";
import {toHexUnprefixed} from "@ceibo/utils";
import {
  aggregateSerializedPublicKeys,
  aggregateWithRandomness,
  PublicKey,
  Signature,
  verify,
  verifyMultipleAggregateSignatures,
} from "@chainsafe/blst";
import {
  WIRE_KEY_BYTES,
  WIRE_KEYS_OFFSET,
  WIRE_MSG_OFFSET,
  WIRE_SIG_OFFSET,
  type WorkerRequest,
  type WorkerResponse,
  wireSetBytes,
} from "./wire.ts";

interface DecodedSet {
  pk: PublicKey;
  /** Decompressed only: group and infinity checks wait until the set is verified (see `checked`). */
  sig: Signature;
  sigBytes: Uint8Array;
  msg: Uint8Array;
  validated: boolean;
}

/**
 * The packed set at `bytes[offset]` with `keys` public keys (wire.ts), its keys added up, or null when a key or its
 * signature does not decode. The signature is only decompressed here (~50 µs, not ~140 with the subgroup check): a set
 * combined with others of its message is checked by `aggregateWithRandomness` itself, which deserializes and
 * group-checks every signature it is given, so checking it here too doubled the most expensive step of a
 * same-message set.
 */
function decode(bytes: Uint8Array, offset: number, keys: number): DecodedSet | null {
  const msg = bytes.subarray(offset + WIRE_MSG_OFFSET, offset + WIRE_MSG_OFFSET + 32);
  const sigBytes = bytes.subarray(offset + WIRE_SIG_OFFSET, offset + WIRE_SIG_OFFSET + 96);
  const keyAt = (k: number): Uint8Array => {
    const from = offset + WIRE_KEYS_OFFSET + k * WIRE_KEY_BYTES;
    return bytes.subarray(from, from + WIRE_KEY_BYTES);
  };
  if (keys < 1) return null;
  try {
    // the keys are trusted (checked points from the state's validated registry, or sums of them): no group check
    let pk: PublicKey;
    if (keys === 1) pk = PublicKey.fromBytes(keyAt(0));
    else {
      const points: Uint8Array[] = [];
      for (let k = 0; k < keys; k++) points.push(keyAt(k));
      pk = aggregateSerializedPublicKeys(points, false);
    }
    return {pk, sig: Signature.fromBytes(sigBytes, false), sigBytes, msg, validated: false};
  } catch {
    return null;
  }
}

/** The set with its signature group- and infinity-checked (it comes from the network); throws when it is not valid. */
function checked(s: DecodedSet): DecodedSet {
  if (!s.validated) {
    s.sig.sigValidate(true);
    s.validated = true;
  }
  return s;
}

/** Sets folded into a same-message group by `verifySets` in the current request (reported to the pool). */
let combined = 0;

/**
 * Verifies sets together; same-message sets combined first when asked (and when there are at least two). Throws
 * when a signature is not in G2's subgroup or is infinity (the caller counts that as false).
 */
function verifySets(sets: DecodedSet[], sameMessage: boolean): boolean {
  if (sets.length === 0) return true;
  if (sets.length === 1) {
    const s = checked(sets[0]);
    return verify(s.msg, s.pk, s.sig);
  }
  let list: {msg: Uint8Array; pk: PublicKey; sig: Signature}[] = [];
  if (sameMessage) {
    const groups = new Map<string, DecodedSet[]>();
    for (const s of sets) {
      const k = toHexUnprefixed(s.msg);
      const g = groups.get(k);
      if (g === undefined) groups.set(k, [s]);
      else g.push(s);
    }
    combined += sets.length - groups.size;
    for (const g of groups.values()) {
      if (g.length === 1) list.push(checked(g[0]));
      else {
        // deserializes and group-checks each signature (throws on an invalid one)
        const {pk, sig} = aggregateWithRandomness(g.map((s) => ({pk: s.pk, sig: s.sigBytes})));
        list.push({msg: g[0].msg, pk, sig});
      }
    }
  } else {
    list = sets.map(checked);
  }
  if (list.length === 1) return verify(list[0].msg, list[0].pk, list[0].sig);
  return verifyMultipleAggregateSignatures(list);
}

/** Decompresses and checks public keys (`PublicKey.fromBytes` with validation: subgroup and infinity). */
function checkPublicKeys(req: WorkerRequest, keys: Uint8Array[]): WorkerResponse {
  const t0 = performance.now();
  const pubkeys = keys.map((k) => {
    try {
      return PublicKey.fromBytes(k, true).toBytes(false);
    } catch {
      return null;
    }
  });
  return {id: req.id, results: [], retried: false, combined: 0, ms: performance.now() - t0, pubkeys};
}

function handle(req: WorkerRequest): WorkerResponse {
  if (req.pubkeys !== undefined) return checkPublicKeys(req, req.pubkeys);
  const t0 = performance.now();
  combined = 0;
  const {bytes, lengths, keys} = req.jobs;
  let at = 0;
  let set = 0;
  const decoded = lengths.map((length) => {
    const out: DecodedSet[] | null = [];
    let ok = true;
    for (let i = 0; i < length; i++, set++) {
      // every set of the job is walked (to find the next job's offset), decoded while they all decode
      const d = ok ? decode(bytes, at, keys[set]) : null;
      if (d === null) ok = false;
      else out.push(d);
      at += wireSetBytes(keys[set]);
    }
    return ok ? out : null;
  });
  const results = decoded.map((d) => d !== null);
  const valid = decoded.filter((d): d is DecodedSet[] => d !== null);
  // an invalid signature (not in the subgroup, infinity) throws: false, like a signature that does not verify
  const verdict = (sets: DecodedSet[]): boolean => {
    try {
      return verifySets(sets, req.sameMessage);
    } catch {
      return false;
    }
  };
  let retried = false;
  if (valid.length > 0 && !verdict(valid.flat())) {
    if (valid.length === 1) {
      results[decoded.indexOf(valid[0])] = false;
    } else {
      retried = true;
      decoded.forEach((d, i) => {
        if (d !== null) results[i] = verdict(d);
      });
    }
  }
  return {id: req.id, results, retried, combined, ms: performance.now() - t0};
}

if (parentPort === null) throw Error("chain/bls/worker.ts runs only as a worker thread");
const port = parentPort;
port.on("message", (req: WorkerRequest) => {
  let res: WorkerResponse;
  try {
    res = handle(req);
  } catch (e) {
    res = {id: req.id, results: [], retried: false, combined: 0, ms: 0, error: (e as Error).message};
  }
  port.postMessage(res);
});
