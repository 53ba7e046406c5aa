import {DbError} from "./errors.ts";
import {Bucket, nameKey} from "./keys.ts";
import type {Kv} from "./kv.ts";

/**
 * The layout version of the chain database (buckets, key and value encodings in keys.ts / codec.ts). Bump it
 * on any incompatible change and add a migration from the previous version below.
 */
export const SCHEMA_VERSION = 1;

const SCHEMA_KEY = nameKey(Bucket.internal, "schemaVersion");
const NETWORK_KEY = nameKey(Bucket.internal, "network");

/** Migrations: MIGRATIONS[v] upgrades a version-v database to v+1. None exist yet. */
const MIGRATIONS: Record<number, (kv: Kv) => Promise<void>> = {};

function encodeVersion(v: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, v);
  return out;
}

/**
 * Checks (or, for an empty database, writes) the schema version and network records. Refuses a newer schema,
 * an older one without a migration, a non-empty directory without a schema record, and another network's db.
 */
export async function checkSchema(kv: Kv, network: string): Promise<{created: boolean; version: number}> {
  const versionBytes = await kv.get(SCHEMA_KEY);
  if (versionBytes === undefined) {
    const anyKey = await kv.keys({limit: 1});
    if (anyKey.length > 0) {
      throw new DbError(
        "SCHEMA_MISSING",
        `database ${kv.location} has data but no ceibo schema record — it is not a ceibo chain database; ` +
          "point --data-dir at another directory",
      );
    }
    await kv.write(
      [
        {type: "put", key: SCHEMA_KEY, value: encodeVersion(SCHEMA_VERSION)},
        {type: "put", key: NETWORK_KEY, value: new TextEncoder().encode(network)},
      ],
      {sync: true},
    );
    return {created: true, version: SCHEMA_VERSION};
  }

  if (versionBytes.length !== 4) {
    throw new DbError(
      "CORRUPT_VALUE",
      `database ${kv.location}: schema version record has ${versionBytes.length} bytes`,
    );
  }
  let version = new DataView(versionBytes.buffer, versionBytes.byteOffset, 4).getUint32(0);
  if (version > SCHEMA_VERSION) {
    throw new DbError(
      "SCHEMA_TOO_NEW",
      `database ${kv.location} has schema version ${version}, but this ceibo understands versions up to ` +
        `${SCHEMA_VERSION} — it was written by a newer ceibo; upgrade ceibo or use another --data-dir`,
    );
  }
  while (version < SCHEMA_VERSION) {
    const migrate = MIGRATIONS[version];
    if (migrate === undefined) {
      throw new DbError(
        "SCHEMA_TOO_OLD",
        `database ${kv.location} has schema version ${version} and no migration to ${SCHEMA_VERSION} exists — ` +
          "resync into a fresh --data-dir",
      );
    }
    await migrate(kv);
    version++;
    await kv.write([{type: "put", key: SCHEMA_KEY, value: encodeVersion(version)}], {sync: true});
  }

  const storedNetwork = await kv.get(NETWORK_KEY);
  const stored = storedNetwork === undefined ? undefined : new TextDecoder().decode(storedNetwork);
  if (stored !== network) {
    throw new DbError(
      "NETWORK_MISMATCH",
      `database ${kv.location} belongs to network "${stored ?? "?"}", not "${network}"`,
    );
  }
  return {created: false, version};
}
