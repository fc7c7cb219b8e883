import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { SAMPLE_CONNECTORS, SAMPLE_ENVIRONMENTS, sampleConnection } from "../../ipc/fake-backend";
import { useFakeBackend } from "../../test/helpers";
import ConnectionsList from "./ConnectionsList.svelte";

const base = { connectors: SAMPLE_CONNECTORS, environments: SAMPLE_ENVIRONMENTS };

describe("ConnectionsList", () => {
  it("shows an empty state", () => {
    render(ConnectionsList, { ...base, connections: [], onChanged: vi.fn() });
    expect(screen.getByTestId("connections-list")).toHaveTextContent("No connections yet.");
  });

  it("shows account, environment, status and the reason a connection needs repair", () => {
    const broken = sampleConnection({
      id: "b",
      name: "Shared inbox",
      environment: "usgov",
      status: "needs_repair",
      status_reason: "Microsoft revoked the sign-in. Sign in again to repair it.",
      scopes_missing: ["Mail.Send"],
      features_unavailable: ["Send mail"],
    });
    render(ConnectionsList, { ...base, connections: [sampleConnection(), broken], onChanged: vi.fn() });
    const ok = screen.getByTestId("connection-conn-1");
    expect(within(ok).getByText("Connected")).toBeInTheDocument();
    expect(within(ok).getByText("Microsoft global")).toBeInTheDocument();
    const item = screen.getByTestId("connection-b");
    expect(within(item).getByText("Needs repair")).toBeInTheDocument();
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
