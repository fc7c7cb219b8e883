import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { SAMPLE_CONNECTORS, SAMPLE_ENVIRONMENTS, sampleConnection } from "../../ipc/fake-backend";
import { useFakeBackend } from "../../test/helpers";
import ConnectionsList from "./ConnectionsList.svelte";

const base = { connectors: SAMPLE_CONNECTORS, environments: SAMPLE_ENVIRONMENTS, onFix: vi.fn(), onUpdateSecret: vi.fn() };

describe("ConnectionsList", () => {
  it("shows an empty state", () => {
    render(ConnectionsList, { ...base, connections: [], onChanged: vi.fn() });
    expect(screen.getByTestId("connections-list")).toHaveTextContent("No connections yet.");
  });

  it("shows account, environment, status and the reason a connection needs reconnecting", () => {
    const broken = sampleConnection({
      id: "b",
      name: "Shared inbox",
      environment: "usgov",
      status: "needs_reconnect",
      status_reason: "Microsoft revoked the sign-in. Sign in again to repair it.",
      scopes_missing: ["Mail.Send"],
      features_unavailable: ["Send mail"],
    });
    render(ConnectionsList, { ...base, connections: [sampleConnection(), broken], onChanged: vi.fn() });
    const ok = screen.getByTestId("connection-conn-1");
    expect(within(ok).getByText("Healthy")).toBeInTheDocument();
    expect(within(ok).getByText("Microsoft global")).toBeInTheDocument();
    const item = screen.getByTestId("connection-b");
    expect(within(item).getByText("Needs reconnect")).toBeInTheDocument();
    expect(within(item).getByText("US Government (GCC High)")).toBeInTheDocument();
    expect(within(item).getByTestId("status-reason")).toHaveTextContent("Microsoft revoked the sign-in.");
    expect(within(item).getByTestId("scopes-missing")).toHaveTextContent("Send mail");
    expect(within(item).getByText(/15 of 16 requested permissions granted/)).toBeInTheDocument();
  });

  it("renames with Enter and asks before removing", async () => {
    const backend = useFakeBackend();
    const onChanged = vi.fn();
    render(ConnectionsList, { ...base, connections: backend.connections, onChanged });
    const user = userEvent.setup();

    await user.click(screen.getByTestId("rename-conn-1"));
    const input = screen.getByLabelText(/New name for/);
    expect(input).toHaveFocus();
    await user.clear(input);
    await user.type(input, "Work mail{Enter}");
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(backend.connections[0]?.name).toBe("Work mail");

    await user.click(screen.getByTestId("remove-conn-1"));
    expect(screen.getByText(/Patchbay deletes its tokens/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Keep it" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByText(/Patchbay deletes its tokens/)).not.toBeInTheDocument();
    expect(backend.connections).toHaveLength(1);

    await user.click(screen.getByTestId("remove-conn-1"));
    await user.click(screen.getByTestId("confirm-remove-conn-1"));
    await waitFor(() => expect(backend.connections).toHaveLength(0));
    expect(backend.calls.map((c) => c.cmd)).toEqual(["rename_connection", "remove_connection"]);
  });

  it("says plainly who a connection acts as, when it was checked, and what Microsoft said", () => {
    const broken = sampleConnection({
      status: "needs_reconnect",
      status_reason: "The sign-in expired after 90 days without use.",
      checked_at: new Date(Date.now() - 120_000).toISOString(),
      last_error: {
        at: "2026-11-26T08:02:00Z",
        summary: "invalid_grant: AADSTS700082: expired",
        detail: null,
        trace_id: "trace-1",
        correlation_id: "corr-1",
        request_id: null,
      },
    });
    render(ConnectionsList, { ...base, connections: [broken], onChanged: vi.fn() });
    const item = screen.getByTestId("connection-conn-1");
    expect(item).toHaveTextContent("Acts as ada@contoso.com: anything done through this connection is done as this user.");
    expect(within(item).getByTestId("times-conn-1")).toHaveTextContent("Checked 2 minutes ago");
    const error = within(item).getByTestId("last-error-conn-1");
    expect(error).toHaveTextContent("AADSTS700082");
    expect(error).toHaveTextContent("trace-1");
    expect(error).toHaveTextContent("corr-1");
    expect(screen.getByTestId("attention-count")).toHaveTextContent("1 needs attention");
  });

  it("offers Fix for a broken connection and Update client secret for a rejected secret", async () => {
    const onFix = vi.fn();
    const onUpdateSecret = vi.fn();
    const revoked = sampleConnection({ id: "r", status: "needs_reconnect", status_reason: "Revoked." });
    const secret = sampleConnection({
      id: "s",
      auth_type: "bring_your_own_app",
      has_client_secret: true,
      status: "app_credentials_invalid",
      status_reason: "The app's client secret has expired.",
    });
    const offline = sampleConnection({ id: "o", status: "unreachable", status_reason: "Microsoft could not be reached." });
    render(ConnectionsList, { ...base, onFix, onUpdateSecret, connections: [revoked, secret, offline], onChanged: vi.fn() });
    const user = userEvent.setup();
    await user.click(screen.getByTestId("fix-r"));
    expect(onFix).toHaveBeenCalledWith(expect.objectContaining({ id: "r" }));
    await user.click(screen.getByTestId("update-secret-s"));
    expect(onUpdateSecret).toHaveBeenCalledWith(expect.objectContaining({ id: "s" }));
    // Offline is never broken: nothing to fix.
    expect(screen.queryByTestId("fix-o")).not.toBeInTheDocument();
    expect(within(screen.getByTestId("connection-o")).getByText("Unreachable")).toBeInTheDocument();
  });

  it("offers Preview for each connection whose connector has preview sections, naming them", async () => {
    const onPreview = vi.fn();
    const teams = sampleConnection({ id: "t", name: "Team chat", connector_id: "teams" });
    render(ConnectionsList, { ...base, onPreview, connections: [sampleConnection(), teams], onChanged: vi.fn() });
    const button = screen.getByRole("button", { name: "Preview ada@contoso.com" });
    expect(button).toHaveAttribute("data-testid", "preview-conn-1");
    await userEvent.setup().click(button);
    expect(onPreview).toHaveBeenCalledWith(expect.objectContaining({ id: "conn-1" }));
    // Teams shows its chats and its teams.
    expect(screen.getByRole("button", { name: "Preview Team chat" })).toHaveAttribute("title", "Preview: Recent chats and Teams and channels");
  });

  it("offers a OneDrive connection Preview, AI assistant… and Automate…, each saying what it does with files", async () => {
    const files = sampleConnection({ id: "f", name: "Ada's files", connector_id: "onedrive-sharepoint" });
    render(ConnectionsList, { ...base, onPreview: vi.fn(), onAssistant: vi.fn(), onAutomate: vi.fn(), connections: [sampleConnection(), files], onChanged: vi.fn() });
    const item = screen.getByTestId("connection-f");
    expect(within(item).getByText(/Microsoft OneDrive & SharePoint/)).toBeInTheDocument();
    expect(within(item).getByRole("button", { name: "Preview Ada's files" })).toHaveAttribute("title", "Preview: My files, Storage, Sites and Recent files");
    expect(within(item).getByRole("button", { name: "Use Ada's files with an AI assistant" })).toHaveTextContent("AI assistant…");
    expect(within(item).getByRole("button", { name: "Automate with Ada's files" })).toHaveAttribute(
      "title",
      "Run something on this computer when a file changes in a folder",
    );
    expect(within(screen.getByTestId("connection-conn-1")).getByRole("button", { name: "Preview ada@contoso.com" })).toHaveAttribute(
      "title",
      "Preview: Inbox and Agenda",
    );
  });

  it("checks one connection now, and shows it checking until the answer arrives", async () => {
    const backend = useFakeBackend();
    render(ConnectionsList, { ...base, connections: backend.connections, onChanged: vi.fn() });
    const user = userEvent.setup();
    await user.click(screen.getByTestId("check-conn-1"));
    expect(backend.calls.at(-1)).toEqual({ cmd: "check_connections", args: { ids: ["conn-1"] } });
  });

  it("copies diagnostics for support", async () => {
    useFakeBackend();
    render(ConnectionsList, { ...base, connections: [sampleConnection()], onChanged: vi.fn() });
    const user = userEvent.setup();
    await user.click(screen.getByTestId("copy-diagnostics"));
    await waitFor(() => expect(screen.getByTestId("copy-diagnostics-status")).toHaveTextContent(/Copied|clipboard/));
  });

  it("shows a backend error in words and keeps the typed name", async () => {
    useFakeBackend({ connections: [] });
    render(ConnectionsList, { ...base, connections: [sampleConnection({ id: "gone" })], onChanged: vi.fn() });
    const user = userEvent.setup();
    await user.click(screen.getByTestId("rename-gone"));
    const input = screen.getByLabelText(/New name for/);
    await user.clear(input);
    await user.type(input, "Renamed{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("That connection no longer exists.");
    expect(input).toHaveValue("Renamed");
  });
});
