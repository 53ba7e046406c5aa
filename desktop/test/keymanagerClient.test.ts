import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {createServer} from "node:http";
import type {AddressInfo} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {listKeystores, parseKeymanagerLine} from "../src/host/keymanagerClient.ts";

describe("Keymanager client in the host", () => {
  it("reads the endpoint from ceibo dev's and the validator client's log lines", () => {
    expect(
      parseKeymanagerLine("[dev] Keymanager API: http://127.0.0.1:5062 (bearer token in /d/vc/api-token.txt)"),
    ).toEqual({url: "http://127.0.0.1:5062", tokenFile: "/d/vc/api-token.txt"});
    expect(parseKeymanagerLine("INFO Keymanager API listening url=http://127.0.0.1:7 tokenFile=/t")).toEqual({
      url: "http://127.0.0.1:7",
      tokenFile: "/t",
    });
    expect(parseKeymanagerLine("[dev] Keymanager API: not available yet")).toBeNull();
  });

  it("sends the bearer token from the file and returns the pubkeys; a refusal is an error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ceibo-km-"));
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      const ok = req.headers.authorization === "Bearer tok123" && req.url === "/eth/v1/keystores";
      res.writeHead(ok ? 200 : 401, {"content-type": "application/json"});
      res.end(
        JSON.stringify(
          ok ? {data: [{validating_pubkey: `0x${"aa".repeat(48)}`, derivation_path: "", readonly: false}]} : {},
        ),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      writeFileSync(join(dir, "t"), "tok123\n");
      expect(await listKeystores({url, tokenFile: join(dir, "t")})).toEqual([`0x${"aa".repeat(48)}`]);
      writeFileSync(join(dir, "t"), "wrong\n");
      await expect(listKeystores({url, tokenFile: join(dir, "t")})).rejects.toThrow(/HTTP 401/);
      expect(seen).toEqual(["Bearer tok123", "Bearer wrong"]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
