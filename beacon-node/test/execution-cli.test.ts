import {type ChildProcess, spawn, spawnSync} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {ExecutionEngineHttp} from "../src/execution/index.ts";

// `ceibo mock-engine` as a separate process (bin/ceibo.js, on this Node 24).
const CEIBO = new URL("../../cli/bin/ceibo.js", import.meta.url).pathname;
const ZERO = new Uint8Array(32);

describe("ceibo mock-engine process", () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-mock-engine-"));
  const jwtFile = join(dir, "jwt.hex");
  const secret = new Uint8Array(32).fill(0x5a);
  writeFileSync(jwtFile, `0x${Buffer.from(secret).toString("hex")}\n`);
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill("SIGKILL");
    rmSync(dir, {recursive: true, force: true});
  });

  it("prints its help and rejects bad options", () => {
    const help = spawnSync(process.execPath, [CEIBO, "mock-engine", "--help"], {encoding: "utf8"});
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--genesis-block-hash/);
    const bad = spawnSync(process.execPath, [CEIBO, "mock-engine", "--jwt-secret", jwtFile, "--fork", "phase0"], {
      encoding: "utf8",
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--fork must be one of bellatrix/);
    const badSecret = spawnSync(process.execPath, [CEIBO, "mock-engine", "--jwt-secret", join(dir, "missing")], {
      encoding: "utf8",
    });
    expect(badSecret.status).toBe(1);
    expect(badSecret.stderr).toMatch(/cannot read the JWT secret file/);
  });

  it("serves the Engine API with JWT on the given genesis block hash, and stops on SIGTERM", async () => {
    const genesis = new Uint8Array(32).fill(0x42);
    const proc = spawn(
      process.execPath,
      [
        CEIBO,
        "mock-engine",
        "--port",
        "0",
        "--jwt-secret",
        jwtFile,
        "--fork",
        "deneb",
        "--genesis-block-hash",
        `0x${"42".repeat(32)}`,
      ],
      {stdio: ["ignore", "pipe", "pipe"]},
    );
    child = proc;
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(Error(`no URL printed: ${out}`)), 20_000);
      proc.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m && out.includes("fork times")) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.once("exit", (code) => reject(Error(`exited with ${code}: ${out}`)));
    });
    expect(out).toContain(`genesis block 0x${"42".repeat(32)}`);

    const engine = new ExecutionEngineHttp({url, jwtSecret: secret});
    expect(await engine.exchangeCapabilities()).toContain("engine_getPayloadV3");
    const fcu = await engine.notifyForkchoiceUpdated(
      "deneb",
      {headBlockHash: genesis, safeBlockHash: ZERO, finalizedBlockHash: ZERO},
      {
        timestamp: 6,
        prevRandao: new Uint8Array(32),
        suggestedFeeRecipient: new Uint8Array(20),
        withdrawals: [],
        parentBeaconBlockRoot: new Uint8Array(32).fill(1),
      },
    );
    expect(fcu.payloadStatus.status).toBe("VALID");
    const {executionPayload} = await engine.getPayload("deneb", fcu.payloadId as string);
    expect(executionPayload.parentHash).toEqual(genesis);
    expect(executionPayload.blockNumber).toBe(1);
    await expect(new ExecutionEngineHttp({url}).exchangeCapabilities()).rejects.toMatchObject({code: "UNAUTHORIZED"});

    const exit = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    proc.kill("SIGTERM");
    expect(await exit).toBe(0);
    child = undefined;
  });
});
