import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ErrorInfo } from "../../ipc";
import { SAMPLE_CONNECTORS, sampleConnection } from "../../ipc/fake-backend";
import { useFakeBackend } from "../../test/helpers";
import AutomationDialog from "./AutomationDialog.svelte";
import AutomationsSection from "./AutomationsSection.svelte";

function setup() {
  const backend = useFakeBackend();
  const connection = backend.connections[0];
  if (!connection) throw new Error("the fake has no connection");
  return { backend, connection };
}

describe("AutomationDialog", () => {
  it("sends the filters and the command as the core takes them, tests with the newest item, then adds", async () => {
    const { backend, connection } = setup();
    const onClose = vi.fn();
    render(AutomationDialog, { connections: backend.connections, connectors: SAMPLE_CONNECTORS, connectionId: connection.id, onClose });
    await userEvent.type(screen.getByTestId("automation-from"), "billing@fabrikam.example");
    await userEvent.type(screen.getByTestId("automation-subject"), "invoice");
    await userEvent.click(screen.getByTestId("automation-attachments"));
    await userEvent.type(screen.getByTestId("automation-command"), "save-attachments --to ~/Invoices");

    await userEvent.click(screen.getByTestId("automation-test"));
    await waitFor(() => expect(screen.getByTestId("automation-test-result")).toHaveTextContent("Worked with “Invoice 2026-118” (exit 0)."));
    const tested = backend.calls.find((c) => c.cmd === "test_automation")?.args["automation"];
    expect(tested).toEqual({
      connection: connection.id,
      trigger: { on: "new_mail", folder: "inbox", from: "billing@fabrikam.example", subject_contains: "invoice", has_attachments: true },
      run: "save-attachments --to ~/Invoices",
      post: null,
      action: null,
      name: null,
      poll_secs: null,
      notify: false,
    });

    await userEvent.click(screen.getByTestId("automation-add"));
    await waitFor(() => expect(onClose).toHaveBeenCalledWith(true));
    expect(backend.automations.list).toHaveLength(1);
  });

  it("watches the calendar for N days and POSTs; a refusal is shown in words and nothing is added", async () => {
    const { backend, connection } = setup();
    backend.automations.addError = {
      code: "invalid_input",
      title: "Plain http is only for this computer.",
      message: "Use https, or a URL on 127.0.0.1.",
    } as ErrorInfo;
    const onClose = vi.fn();
    render(AutomationDialog, { connections: backend.connections, connectors: SAMPLE_CONNECTORS, connectionId: connection.id, onClose });
    await userEvent.click(screen.getByTestId("automation-on-event-changed"));
    await userEvent.clear(screen.getByTestId("automation-days"));
    await userEvent.type(screen.getByTestId("automation-days"), "7");
    await userEvent.click(screen.getByTestId("automation-does-post"));
    await userEvent.type(screen.getByTestId("automation-url"), "http://hooks.example.com/h");
    await userEvent.click(screen.getByTestId("automation-add"));
    await waitFor(() => expect(screen.getByTestId("automation-error")).toHaveTextContent("Plain http is only for this computer."));
    const sent = backend.calls.find((c) => c.cmd === "add_automation")?.args["automation"];
    expect(sent).toMatchObject({ trigger: { on: "event_changed", days: 7 }, run: null, post: "http://hooks.example.com/h" });
    expect(onClose).not.toHaveBeenCalled();
  });
});

describe("AutomationDialog for files", () => {
  it("offers a Teams connection's chat and channel triggers with their fields, picking chats, teams and channels", async () => {
    const chat = sampleConnection({ id: "conn-teams", name: "Contoso Teams", connector_id: "teams" });
    const backend = useFakeBackend({ connections: [chat] });
    render(AutomationDialog, { connections: backend.connections, connectors: SAMPLE_CONNECTORS, connectionId: "conn-teams", onClose: vi.fn() });
    const user = userEvent.setup();
    expect(await screen.findByTestId("automation-on-chat-message")).toBeChecked();
    expect(screen.getByTestId("automation-on-channel-message").closest("label")).toHaveTextContent("A channel message arrives");
    await waitFor(() => expect(within(screen.getByTestId("automation-chat")).getByRole("option", { name: "Spring launch" })).toBeInTheDocument());
    await user.selectOptions(screen.getByTestId("automation-chat"), "19:spring@thread.v2");
    await user.type(screen.getByTestId("automation-contains"), "invoice");
    await user.click(screen.getByTestId("automation-mentions-me"));
    await user.type(screen.getByTestId("automation-command"), "notify-send hi");
    await user.click(screen.getByTestId("automation-test"));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "test_automation")).toBe(true));
    expect(backend.calls.find((c) => c.cmd === "test_automation")?.args["automation"]).toMatchObject({
      trigger: { on: "chat_message", chat: "19:spring@thread.v2", from: null, mentions_me: true, contains: "invoice" },
    });

    await user.click(screen.getByTestId("automation-on-channel-message"));
    await waitFor(() => expect(within(screen.getByTestId("automation-team")).getByRole("option", { name: "Retail" })).toBeInTheDocument());
    await user.selectOptions(screen.getByTestId("automation-team"), "team-mark8");
    await waitFor(() => expect(within(screen.getByTestId("automation-channel")).getByRole("option", { name: "Design" })).toBeInTheDocument());
    await user.selectOptions(screen.getByTestId("automation-channel"), "19:design@thread.tacv2");
    await user.click(screen.getByTestId("automation-add"));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "add_automation")).toBe(true));
    expect(backend.calls.find((c) => c.cmd === "add_automation")?.args["automation"]).toMatchObject({
      trigger: { on: "channel_message", team: "team-mark8", channel: "19:design@thread.tacv2" },
    });
  });

  it("offers a OneDrive connection's trigger with its fields, and sends them in the core's shape", async () => {
    const files = sampleConnection({ id: "conn-files", name: "Ada's files", connector_id: "onedrive-sharepoint" });
    const backend = useFakeBackend({ connections: [sampleConnection(), files] });
    backend.automations.testOutcome = { item_id: "01ABC", subject: "INV-2026-007.pdf", ok: true, exit_code: 0, http_status: null, detail: null, fields: {} };
    const onClose = vi.fn();
    render(AutomationDialog, { connections: backend.connections, connectors: SAMPLE_CONNECTORS, connectionId: "conn-1", onClose });
    const user = userEvent.setup();
    expect(screen.getByTestId("automation-on-new-mail")).toBeInTheDocument();

    // Another connection, another connector: its own trigger, in the catalogue's words.
    await user.selectOptions(screen.getByTestId("automation-connection"), "conn-files");
    const trigger = await screen.findByTestId("automation-on-file-changed");
    expect(trigger.closest("label")).toHaveTextContent("A file changes in a folder");
    expect(trigger).toBeChecked();
    expect(screen.queryByTestId("automation-on-new-mail")).not.toBeInTheDocument();
    expect(screen.queryByTestId("automation-from")).not.toBeInTheDocument();
    expect(screen.getByTestId("automation-file-folder")).toHaveValue("/");
    expect(screen.getByRole("textbox", { name: "Drive" })).toHaveValue("");
    expect(screen.getByRole("textbox", { name: "Drive" })).toHaveAccessibleDescription(/empty for your OneDrive/);
    expect(screen.getByRole("textbox", { name: "File name matches" })).toHaveAccessibleDescription("A pattern such as *.pdf or INV-????.pdf.");

    await user.clear(screen.getByTestId("automation-file-folder"));
    await user.type(screen.getByTestId("automation-file-folder"), "/Documents/Invoices");
    await user.type(screen.getByTestId("automation-name-matches"), "*.pdf");
    await user.type(screen.getByTestId("automation-download-to"), "/home/ada/Invoices");
    expect(screen.getByText(/PATCHBAY_LOCAL_PATH, where the file was downloaded/)).toBeInTheDocument();
    await user.type(screen.getByTestId("automation-command"), "lp -d office");
    await user.click(screen.getByTestId("automation-test"));
    await waitFor(() => expect(screen.getByTestId("automation-test-result")).toHaveTextContent("Worked with “INV-2026-007.pdf” (exit 0)."));
    const tested = backend.calls.find((c) => c.cmd === "test_automation")?.args["automation"];
    expect(tested).toEqual({
      connection: "conn-files",
      trigger: { on: "file_changed", folder: "/Documents/Invoices", drive: null, name_matches: "*.pdf", download_to: "/home/ada/Invoices" },
      run: "lp -d office",
      post: null,
      action: null,
      name: null,
      poll_secs: null,
      notify: false,
    });

    await user.type(screen.getByTestId("automation-drive"), "b!SampleContosoTeamDocuments");
    await user.clear(screen.getByTestId("automation-download-to"));
    await user.click(screen.getByTestId("automation-add"));
    await waitFor(() => expect(onClose).toHaveBeenCalledWith(true));
    const added = backend.calls.find((c) => c.cmd === "add_automation")?.args["automation"];
    expect(added).toMatchObject({
      trigger: { on: "file_changed", folder: "/Documents/Invoices", drive: "b!SampleContosoTeamDocuments", name_matches: "*.pdf", download_to: null },
    });
  });
});

describe("AutomationsSection", () => {
  it("lists each automation's state, says which connection stops them, and pauses and removes", async () => {
    const { backend, connection } = setup();
    const onFix = vi.fn();
    backend.automations.handle("add_automation", {
      automation: {
        connection: connection.id,
        trigger: { on: "new_mail", folder: "inbox", from: null, subject_contains: null, has_attachments: false },
        run: "notify-send New",
        post: null,
        name: "Tell me",
        poll_secs: null,
        notify: true,
      },
    });
    const stopped = backend.automations.list[0];
    if (!stopped) throw new Error("no automation");
    stopped.state = "stopped";
    stopped.stopped_reason = "Microsoft no longer accepts this sign-in. Choose Fix to sign in again.";
    render(AutomationsSection, { connections: backend.connections, connectors: SAMPLE_CONNECTORS, onNew: vi.fn(), onFix });
    await waitFor(() => expect(screen.getByTestId("automations-stopped")).toHaveTextContent(`1 automation stopped: ${connection.name} needs Fix.`));
    expect(screen.getByTestId("automation-state")).toHaveTextContent("Stopped");
    await userEvent.click(screen.getByTestId("automation-fix"));
    expect(onFix).toHaveBeenCalledWith(connection);

    // Failed after 5 tries: Retry puts them back in line (and runs it now).
    stopped.state = "failing";
    stopped.failed = 2;
    await waitFor(() => expect(screen.getByTestId("automation-retry")).toHaveTextContent("Retry 2 failed"), { timeout: 5000 });
    await userEvent.click(screen.getByTestId("automation-retry"));
    await waitFor(() => expect(screen.queryByTestId("automation-retry")).not.toBeInTheDocument());
    expect(backend.calls.map((c) => c.cmd)).toEqual(expect.arrayContaining(["retry_automation", "run_automation_now"]));

    await userEvent.click(screen.getByTestId("automation-pause"));
    await waitFor(() => expect(screen.getByTestId("automation-state")).toHaveTextContent("Paused"));
    await userEvent.click(screen.getByTestId("automation-history-toggle"));
    await waitFor(() => expect(screen.getByTestId("automation-history-empty")).toBeInTheDocument());
    await userEvent.click(screen.getByTestId("automation-remove"));
    await userEvent.click(screen.getByTestId("automation-remove-confirm"));
    await waitFor(() => expect(screen.getByTestId("automations-empty")).toBeInTheDocument());
  });
});
