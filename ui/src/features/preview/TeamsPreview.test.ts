import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ConnectionSummary } from "../../ipc";
import { MARKUP_TEXT, SAMPLE_CONNECTORS, sampleConnection } from "../../ipc/fake-backend";
import { useFakeBackend } from "../../test/helpers";
import PreviewScreen from "./PreviewScreen.svelte";

const teams = SAMPLE_CONNECTORS.find((c) => c.id === "teams")!;

function teamsConnection(overrides: Partial<ConnectionSummary> = {}): ConnectionSummary {
  return sampleConnection({
    id: "conn-teams",
    name: "Contoso Teams",
    connector_id: teams.id,
    scopes_requested: [...teams.default_scopes],
    scopes_granted: [...teams.default_scopes],
    ...overrides,
  });
}

function setup() {
  const connection = teamsConnection();
  const backend = useFakeBackend({ connections: [connection] });
  render(PreviewScreen, { connection, connector: teams, onBack: vi.fn(), onFix: vi.fn() });
  return { backend, user: userEvent.setup() };
}

describe("a Teams preview", () => {
  it("shows the recent chats with their last message as text, and the teams, as the catalogue lays them out", async () => {
    const { backend } = setup();
    expect(screen.getByRole("heading", { name: "Recent chats" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Teams and channels" })).toBeInTheDocument();
    const chats = await screen.findByTestId("recent_chats-list");
    expect(backend.calls.filter((c) => c.cmd === "preview_connection")).toHaveLength(1);
    const rows = within(chats).getAllByTestId("chat-item");
    expect(rows.map((r) => within(r).getByTestId("chat-open").textContent)).toEqual(["Megan Bowen", "Spring launch"]);
    // The text is shown as text: markup-like characters stay characters, nothing is rendered.
    const last = within(rows[0]!).getByTestId("chat-last");
    expect(last).toHaveTextContent(`Megan Bowen: ${MARKUP_TEXT}`);
    expect(last.querySelector("b, img")).toBeNull();
    expect(within(rows[0]!).getByRole("button", { name: "Open in Teams: Megan Bowen" })).toBeInTheDocument();
    const teamRows = within(screen.getByTestId("joined_teams-list")).getAllByTestId("team-item");
    expect(teamRows).toHaveLength(2);
  });

  it("opens a chat for its messages and a team for its channels, each with Open in Teams", async () => {
    const { backend, user } = setup();
    await screen.findByTestId("recent_chats-list");
    await user.click(screen.getAllByTestId("chat-open")[0]!);
    const messages = await screen.findByTestId("recent_chats-messages");
    expect(within(messages).getAllByTestId("chat-message")).toHaveLength(1);
    expect(backend.calls.find((c) => c.cmd === "open_chat")?.args).toMatchObject({ chatId: "19:megan_adele@unq.gbl.spaces" });
    await user.click(screen.getByTestId("recent_chats-back"));
    expect(await screen.findByTestId("recent_chats-list")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Show the channels of Mark 8 Project Team" }));
    const channels = await screen.findByTestId("team-channels");
    expect(within(channels).getAllByTestId("channel-item").map((c) => c.textContent)).toEqual([
      expect.stringContaining("General"),
      expect.stringContaining("Design"),
    ]);
    expect(within(channels).getByRole("button", { name: "Open in Teams: General" })).toBeInTheDocument();
  });
});
