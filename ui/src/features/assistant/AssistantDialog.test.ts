import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { SAMPLE_CONNECTORS, sampleConnection } from "../../ipc/fake-backend";
import { useFakeBackend } from "../../test/helpers";
import AssistantDialog from "./AssistantDialog.svelte";

function setup() {
  const backend = useFakeBackend();
  const connection = backend.connections[0];
  if (!connection) throw new Error("the fake has no connection");
  const onClose = vi.fn();
  return { backend, connection, onClose };
}

const tools = () => within(screen.getByTestId("assistant-tools")).getAllByRole("listitem").map((li) => li.getAttribute("data-tool"));

describe("AssistantDialog", () => {
  it("offers the read tools first, and each choice adds its tools and its flags to what to paste", async () => {
    const { backend, connection, onClose } = setup();
    render(AssistantDialog, { connection, onClose });
    await waitFor(() => expect(screen.getByTestId("assistant-tools")).toBeInTheDocument());
    expect(backend.calls.find((c) => c.cmd === "assistant_setup")?.args).toEqual({ id: connection.id });
    expect(tools()).not.toContain("send_mail");
    expect(tools()).toContain("search_mail");
    expect(screen.getByTestId("assistant-json")).toHaveTextContent('"mcpServers"');
    expect(screen.getByTestId("assistant-json")).not.toHaveTextContent("--allow");
    expect(screen.getByTestId("assistant-command")).toHaveTextContent(`claude mcp add`);

    await userEvent.click(screen.getByTestId("assistant-access-send"));
    expect(tools()).toContain("send_mail");
    expect(screen.getByText("Sends as you")).toBeInTheDocument();
    expect(screen.getByTestId("assistant-json")).toHaveTextContent("--allow-send");
    expect(screen.getByTestId("assistant-command")).toHaveTextContent(`--connection ${connection.id} --allow-write --allow-send`);
    expect(screen.getByTestId("assistant-writes-empty")).toBeInTheDocument();

    await userEvent.click(screen.getByTestId("assistant-close"));
    expect(onClose).toHaveBeenCalled();
  });

  it("names the tools a connection cannot offer, and lists what assistants wrote, failures marked", async () => {
    const { backend, connection, onClose } = setup();
    connection.scopes_granted = ["openid", "User.Read", "Mail.Read"];
    backend.assistantWrites = [
      {
        id: "w3",
        at: "2026-12-04T11:00:00Z",
        connection_id: connection.id,
        connection_name: connection.name,
        tool: "send_mail",
        recipients: ["ada@contoso.com"],
        event_subject: null,
        ok: false,
        error: null,
        sends: true,
        unfinished: true,
      },
      {
        id: "w1",
        at: "2026-12-04T10:00:00Z",
        connection_id: connection.id,
        connection_name: connection.name,
        tool: "send_mail",
        recipients: ["grace@contoso.com"],
        event_subject: null,
        ok: false,
        error: "Microsoft Graph refused.",
        sends: true,
        unfinished: false,
      },
      {
        id: "w2",
        sends: false,
        unfinished: false,
        at: "2026-12-04T09:00:00Z",
        connection_id: "someone-else",
        connection_name: "Other",
        tool: "create_draft",
        recipients: ["x@contoso.com"],
        event_subject: null,
        ok: true,
        error: null,
      },
    ];
    render(AssistantDialog, { connection, onClose });
    await waitFor(() => expect(screen.getByTestId("assistant-writes")).toBeInTheDocument());
    const rows = within(screen.getByTestId("assistant-writes")).getAllByRole("listitem");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("ada@contoso.com");
    expect(rows[0]).toHaveTextContent("No answer recorded");
    expect(rows[0]).not.toHaveTextContent("Failed");
    expect(rows[1]).toHaveTextContent("grace@contoso.com");
    expect(rows[1]).toHaveTextContent("Failed");
    expect(tools()).not.toContain("list_events");
    await userEvent.click(screen.getByTestId("assistant-access-send"));
    expect(screen.getByTestId("assistant-missing")).toHaveTextContent("send_mail (needs Mail.Send)");
    expect(tools()).not.toContain("send_mail");
  });

  it("offers a OneDrive connection's file tools per choice, in words, and names what a permission would add", async () => {
    const onedrive = SAMPLE_CONNECTORS.find((c) => c.id === "onedrive-sharepoint")!;
    const connection = sampleConnection({
      id: "conn-files",
      name: "Ada's files",
      connector_id: onedrive.id,
      scopes_requested: ["openid", "offline_access", "User.Read", "Files.Read"],
      scopes_granted: ["openid", "offline_access", "User.Read", "Files.Read"],
    });
    useFakeBackend({ connections: [connection] });
    render(AssistantDialog, { connection, onClose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId("assistant-tools")).toBeInTheDocument());
    expect(tools()).toEqual(["list_connections", "search_files", "list_files", "read_file", "download_file"]);
    expect(screen.getByTestId("assistant-tools")).toHaveTextContent("Read a file's text (documents, PDFs, CSV, JSON)");
    expect(screen.getByText(/never gets its sign-in/)).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "Read, and upload files and make folders" })).toBeInTheDocument();

    await userEvent.click(screen.getByTestId("assistant-access-send"));
    const missing = within(screen.getByTestId("assistant-missing")).getAllByRole("listitem").map((li) => li.textContent);
    expect(missing).toEqual([
      "upload_file (needs Files.ReadWrite)",
      "create_folder (needs Files.ReadWrite)",
      "share_link (needs Files.ReadWrite)",
    ]);
    expect(tools()).not.toContain("share_link");
  });

  it("gives a files connection its files folder, and names the file a write was about", async () => {
    const { backend, connection, onClose } = setup();
    connection.connector_id = "onedrive-sharepoint";
    connection.scopes_granted = ["openid", "Files.ReadWrite.All"];
    backend.assistantWrites = [
      {
        id: "w1",
        at: "2026-12-04T11:00:00Z",
        connection_id: connection.id,
        connection_name: connection.name,
        tool: "share_link",
        recipients: ["anyone with the link"],
        event_subject: null,
        item: "/Documents/Contract.pdf",
        ok: true,
        error: null,
        sends: true,
        unfinished: false,
      },
    ];
    render(AssistantDialog, { connection, onClose });
    await waitFor(() => expect(screen.getByTestId("assistant-tools")).toBeInTheDocument());
    expect(tools()).toContain("download_file");
    expect(tools()).not.toContain("upload_file");
    expect(screen.getByTestId("assistant-files-dir")).toHaveTextContent("Downloads/Patchbay");
    expect(screen.getByTestId("assistant-json")).toHaveTextContent("--files-dir");
    await userEvent.click(screen.getByTestId("assistant-access-send"));
    expect(tools()).toContain("share_link");
    expect(screen.getByText("Shares with others")).toBeInTheDocument();
    const row = within(screen.getByTestId("assistant-writes")).getByRole("listitem");
    expect(row).toHaveTextContent("/Documents/Contract.pdf · anyone with the link");
  });
});
