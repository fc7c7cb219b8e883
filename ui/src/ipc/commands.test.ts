import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { cancelConnect, listConnectors, redirectAdvice, renameConnection, startConnect } from "./commands";
import { IpcError } from "./errors";
import type { ConnectEvent } from "./bindings/ConnectEvent";

afterEach(() => clearMocks());

describe("commands", () => {
  it("sends camelCase argument names", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return cmd === "rename_connection" ? { id: "c" } : null;
    });
    await redirectAdvice(null, true);
    await cancelConnect("flow-1");
    await renameConnection("c", "Work");
    expect(seen).toEqual([
      ["redirect_advice", { redirectUri: null, confidential: true }],
      ["cancel_connect", { flowId: "flow-1" }],
      ["rename_connection", { id: "c", name: "Work" }],
    ]);
  });

  it("rejects with an IpcError carrying the backend's ErrorInfo", async () => {
    mockIPC(() => {
      throw { code: "storage", title: "Could not read.", message: "Restart." };
    });
    const error = await listConnectors().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpcError);
    expect((error as IpcError).info).toEqual({ code: "storage", title: "Could not read.", message: "Restart." });
  });

  it("normalises a bare string rejection to code internal", async () => {
    mockIPC(() => Promise.reject(new Error("command start_connect not found")));
    const error = (await listConnectors().catch((e: unknown) => e)) as IpcError;
    expect(error.code).toBe("internal");
    expect(error.info.detail).toContain("not found");
  });

  it("passes a channel to start_connect and delivers its events", async () => {
    const events: ConnectEvent[] = [];
    mockIPC((cmd, args) => {
      const channel = (args as { onEvent: { onmessage: (e: ConnectEvent) => void } }).onEvent;
      channel.onmessage({ kind: "exchanging", flow_id: "f1" });
      return "f1";
    });
    const id = await startConnect({ connector_id: "outlook365", environment: "global", auth_type: "built_in_app" }, (e) =>
      events.push(e),
    );
    expect(id).toBe("f1");
    expect(events).toEqual([{ kind: "exchanging", flow_id: "f1" }]);
  });
});
