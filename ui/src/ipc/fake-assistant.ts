// "Use with an AI assistant" for the fake backend (fake-backend.ts): what a connection would offer, worked out from
// the core's tool table (bindings/assistant-tools.json), so no rule of which tool needs what is written again here.
import assistantTools from "./bindings/assistant-tools.json";
import type { AssistantSetup } from "./bindings/AssistantSetup";
import type { ConnectionSummary } from "./bindings/ConnectionSummary";

/** "Use with an AI assistant" for a connection, from the core's tool table (bindings/assistant-tools.json). */
export function assistantSetup(connection: ConnectionSummary): AssistantSetup {
  const granted = connection.scopes_granted.map((s) => (s.split("/").pop() ?? s).toLowerCase());
  const permitted = (t: (typeof assistantTools)[number]) => t.needs === null || t.carried_by.some((c) => granted.includes(c.toLowerCase()));
  const name = `patchbay-${connection.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
  const command = "/usr/bin/patchbay";
  const choices = (
    [
      ["read_only", "Read only", []],
      ["drafts", "Read, and create drafts and events", ["write"]],
      ["send", "Read, create, and send mail", ["write", "send"]],
    ] as const
  ).map(([access, label, flags]) => {
    const allowed = assistantTools.filter((t) => t.flag === null || (flags as readonly string[]).includes(t.flag));
    const args = ["mcp", "--connection", connection.id, ...(flags as readonly string[]).map((f) => `--allow-${f}`)];
    return {
      access,
      label,
      tools: allowed.filter(permitted).map((t) => t.name),
      missing: allowed.filter((t) => !permitted(t)).map((t) => `${t.name} (needs ${t.needs ?? ""})`),
      args,
      mcp_servers_json: JSON.stringify({ mcpServers: { [name]: { command, args } } }, null, 2),
      add_command: ["claude", "mcp", "add", name, "--", command, ...args].join(" "),
    };
  });
  return { connection_id: connection.id, server_name: name, command, choices };
}
