// "Use with an AI assistant" for the fake backend (fake-backend.ts): what a connection would offer, worked out from
// the core's catalogue (bindings/catalogue.json: each connector's tools, what each needs and which scopes carry
// it), so no rule of which tool needs what is written again here.
import catalogue from "./bindings/catalogue.json";
import type { AssistantSetup } from "./bindings/AssistantSetup";
import type { ConnectionSummary } from "./bindings/ConnectionSummary";
import type { Connector } from "./bindings/Connector";

const CONNECTORS = catalogue as unknown as Connector[];

/** "Use with an AI assistant" for a connection, from its connector's tools in the catalogue. */
export function assistantSetup(connection: ConnectionSummary): AssistantSetup {
  const connector = CONNECTORS.find((c) => c.id === connection.connector_id);
  const tools = connector?.capabilities.tools ?? [];
  const labels = connector?.capabilities.assistant_choices ?? [];
  const granted = connection.scopes_granted.map((s) => (s.split("/").pop() ?? s).toLowerCase());
  const permitted = (t: (typeof tools)[number]) =>
    t.needs === null || t.needs.carried_by.some((c) => granted.includes(c.toLowerCase()));
  const name = `patchbay-${connection.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
  const command = "/usr/bin/patchbay";
  // A connector with tools that work through a folder on this computer gets one in every choice.
  const filesDir = tools.some((t) => t.requires.includes("files_dir")) ? "/home/you/Downloads/Patchbay" : undefined;
  const choices = (
    [
      ["read_only", 0, []],
      ["drafts", 1, ["write"]],
      ["send", 2, ["write", "send"]],
    ] as const
  ).map(([access, index, flags]) => {
    const grantedFlags: readonly string[] = filesDir ? [...flags, "files_dir"] : flags;
    const allowed = tools.filter((t) => t.requires.every((r) => grantedFlags.includes(r)));
    const args = [
      "mcp",
      "--connection",
      connection.id,
      ...(flags as readonly string[]).map((f) => `--allow-${f}`),
      ...(filesDir ? ["--files-dir", filesDir] : []),
    ];
    return {
      access,
      label: labels[index] ?? access,
      tools: ["list_connections", ...allowed.filter(permitted).map((t) => t.name)],
      missing: allowed.filter((t) => !permitted(t)).map((t) => `${t.name} (needs ${t.needs?.scope ?? ""})`),
      args,
      mcp_servers_json: JSON.stringify({ mcpServers: { [name]: { command, args } } }, null, 2),
      add_command: ["claude", "mcp", "add", name, "--", command, ...args].join(" "),
    };
  });
  return { connection_id: connection.id, server_name: name, command, choices, ...(filesDir ? { files_dir: filesDir } : {}) };
}
