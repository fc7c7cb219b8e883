import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { AgendaEvent, Preview } from "../../ipc";
import { SAMPLE_CONNECTORS, SAMPLE_INBOX_NEXT_LINK, contentOf, samplePreview } from "../../ipc/fake-backend";
import { useFakeBackend } from "../../test/helpers";
import PreviewScreen from "./PreviewScreen.svelte";

function setup(options: Parameters<typeof useFakeBackend>[0] = {}) {
  const backend = useFakeBackend(options);
  const connection = backend.connections[0];
  if (!connection) throw new Error("the fake has no connection");
  const onBack = vi.fn();
  const onFix = vi.fn();
  const connector = SAMPLE_CONNECTORS.find((c) => c.id === connection.connector_id);
  return { backend, connection, onBack, onFix, props: { connection, connector, onBack, onFix } };
}

const rows = () => screen.getAllByTestId("inbox-message");
const calls = (backend: ReturnType<typeof useFakeBackend>, cmd: string) => backend.calls.filter((c) => c.cmd === cmd);

describe("PreviewScreen", () => {
  it("shows the inbox's rows and the agenda's days from a fresh preview", async () => {
    const { backend, props } = setup();
    render(PreviewScreen, props);
    expect(screen.getByRole("heading", { name: "ada@contoso.com", level: 2 })).toHaveFocus();

    await waitFor(() => expect(rows()).toHaveLength(12));
    expect(calls(backend, "preview_connection")[0]?.args).toEqual({ id: "conn-1" });
    expect(screen.queryByTestId("inbox-skeleton")).not.toBeInTheDocument();

    const first = rows()[0];
    if (!first) throw new Error("no first row");
    expect(first).toHaveAttribute("data-unread", "true");
    expect(first).toHaveTextContent("Unread.");
    expect(first).toHaveTextContent("Grace Hopper");
    expect(first).toHaveTextContent("Q4 budget review: numbers due Friday");
    expect(first).toHaveTextContent("High importance.");
    expect(within(first).getByTestId("attachment-mark")).toHaveTextContent("Has attachments.");
    // The body preview on one line.
    expect(first).toHaveTextContent("Hi Ada, attached is the draft.");
    expect(screen.getByTestId("unread-count")).toHaveTextContent("3 unread");

    const inbox = screen.getByTestId("preview-inbox");
    expect(within(inbox).getByText("(no subject)")).toBeInTheDocument();
    expect(within(inbox).getByText("billing@fabrikam.com")).toBeInTheDocument();
    expect(within(inbox).getByText("Unknown sender")).toBeInTheDocument();
    expect(within(inbox).getByText("来週の打ち合わせについて")).toBeInTheDocument();
    // A long subject stays on one line; its whole text is in the tooltip.
    const long = within(inbox).getByText(/^Re: Re: Fwd: Offsite planning/);
    expect(long).toHaveAttribute("title", expect.stringContaining("who is bringing the projector this time"));

    const headings = screen.getAllByTestId("agenda-day-heading");
    expect(headings[0]).toHaveTextContent(/^Today/);
    expect(headings[1]).toHaveTextContent(/^Tomorrow/);
    const agenda = screen.getByTestId("preview-agenda");
    expect(within(agenda).getByText("Daily stand-up")).toBeInTheDocument();
    // The night train left yesterday: today shows how it ends.
    const train = within(agenda).getByText("Night train Berlin → Vienna").closest("li");
    expect(train).toHaveTextContent("until 07:45");
    const cancelled = within(agenda).getByText("1:1 Ada / Grace").closest("li");
    expect(cancelled).toHaveAttribute("data-cancelled", "true");
    expect(cancelled).toHaveTextContent("Cancelled");
    expect(within(agenda).getByText("1:1 Ada / Grace").tagName).toBe("S");
    const offsite = within(agenda).getAllByText("Offsite in Lisbon");
    expect(offsite).toHaveLength(3);
    expect(offsite[1]?.closest("li")).toHaveTextContent(/All day\s*Day 2 of 3/);

    expect(screen.getByTestId("preview-zone")).toHaveTextContent("Times in Europe/Berlin (mailbox time zone, “W. Europe Standard Time” in Outlook).");
    expect(screen.getByTestId("preview-updated")).toHaveTextContent(/^Updated (just now|\d+ s ago)$/);
    expect(screen.getByTestId("preview-refreshing")).toBeEmptyDOMElement();
  });

  it("keeps the layout with skeleton rows while the first preview loads", async () => {
    const { props } = setup({ previewDelayMs: 60_000 });
    render(PreviewScreen, props);
    expect(screen.getByTestId("inbox-skeleton")).toBeInTheDocument();
    expect(screen.getByTestId("agenda-skeleton")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Inbox" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Agenda" })).toBeInTheDocument();
    expect(screen.getByTestId("preview-refreshing")).toHaveTextContent("Loading…");
    expect(screen.queryByTestId("preview-updated")).not.toBeInTheDocument();
    expect(screen.getByTestId("preview-refresh")).toHaveAttribute("aria-disabled", "true");
  });

  it("shows a part's missing permission with Fix, while the other part still shows", async () => {
    const { props, onFix } = setup({ scenario: "no_calendar" });
    render(PreviewScreen, props);
    const problem = await screen.findByTestId("agenda-problem");
    expect(problem).toHaveAttribute("data-kind", "missing_permission");
    expect(problem).toHaveTextContent("The calendar needs permission Calendars.Read.");
    expect(problem).toHaveTextContent("Use Fix to sign in again and grant it");
    expect(within(problem).getByText("Details")).toBeInTheDocument();
    expect(problem).toHaveTextContent("ErrorAccessDenied");
    expect(problem).toHaveTextContent("5d3f2b1a-8c4e-4f6a-9b7d-0e1c2a3b4c5d");
    expect(rows()).toHaveLength(12);

    const user = userEvent.setup();
    const fix = within(problem).getByRole("button", { name: "Fix… (grant Calendars.Read)" });
    await user.click(fix);
    expect(onFix).toHaveBeenCalledTimes(1);
  });

  it("says when times are in this computer's zone, and why", async () => {
    const { props, onFix } = setup({ scenario: "no_mailbox_settings" });
    render(PreviewScreen, props);
    const zone = await screen.findByTestId("preview-zone");
    expect(zone).toHaveTextContent("(this computer's time zone, not the mailbox's)");
    const problem = screen.getByTestId("zone-problem");
    expect(problem).toHaveTextContent("The mailbox's time zone needs permission MailboxSettings.Read.");
    await userEvent.setup().click(within(problem).getByTestId("zone-problem-fix"));
    expect(onFix).toHaveBeenCalled();
  });

  it("says plainly when the inbox and the calendar are empty", async () => {
    const { props } = setup({ scenario: "empty_mailbox" });
    render(PreviewScreen, props);
    expect(await screen.findByTestId("inbox-empty")).toHaveTextContent("The inbox is empty.");
    expect(screen.getByTestId("agenda-empty")).toHaveTextContent("Nothing in the calendar for the next 7 days.");
    expect(screen.queryByTestId("inbox-more")).not.toBeInTheDocument();
  });

  it("shows the last preview at once on reopening, while a fresh one loads", async () => {
    const { backend, props } = setup();
    const first = render(PreviewScreen, props);
    await waitFor(() => expect(rows()).toHaveLength(12));
    first.unmount();

    backend.previewDelayMs = 60_000;
    render(PreviewScreen, props);
    // From cached_preview: no waiting for Graph.
    await waitFor(() => expect(rows()).toHaveLength(12));
    expect(screen.queryByTestId("inbox-skeleton")).not.toBeInTheDocument();
    expect(screen.getByTestId("preview-refreshing")).toHaveTextContent("Refreshing…");
    expect(calls(backend, "cached_preview")).toHaveLength(2);
    expect(calls(backend, "preview_connection")).toHaveLength(2);
  });

  it("replaces the cached preview with the fresh one when it arrives", async () => {
    const { backend, props } = setup({ previewDelayMs: 80 });
    const cached = samplePreview("conn-1", Date.now() - 120_000);
    const cachedInbox = contentOf(cached, "inbox", "messages");
    cachedInbox.items = [{ ...cachedInbox.items[0]!, id: "old", subject: "From the last visit" }];
    cachedInbox.next_link = null;
    backend.previewCache.set("conn-1", cached);
    render(PreviewScreen, props);

    expect(await screen.findByText("From the last visit")).toBeInTheDocument();
    expect(screen.getByTestId("preview-updated")).toHaveTextContent("Updated 2 min ago");
    expect(screen.getByTestId("preview-refreshing")).toHaveTextContent("Refreshing…");
    await waitFor(() => expect(rows()).toHaveLength(12));
    expect(screen.queryByText("From the last visit")).not.toBeInTheDocument();
    expect(screen.getByTestId("preview-refreshing")).toBeEmptyDOMElement();
    expect(screen.getByTestId("preview-updated")).toHaveTextContent(/^Updated (just now|\d+ s ago)$/);
  });

  it("says how long ago the preview was fetched", async () => {
    const { backend, props } = setup();
    backend.preview = { ...samplePreview("conn-1"), fetched_at: new Date(Date.now() - 12_000).toISOString() };
    render(PreviewScreen, props);
    expect(await screen.findByTestId("preview-updated")).toHaveTextContent(/^Updated 1[234] s ago$/);
  });

  it("refreshes on request", async () => {
    const { backend, props } = setup();
    render(PreviewScreen, props);
    await waitFor(() => expect(rows()).toHaveLength(12));
    const fresh = samplePreview("conn-1");
    const freshInbox = contentOf(fresh, "inbox", "messages");
    freshInbox.items = [{ ...freshInbox.items[0]!, id: "new", subject: "Just arrived" }];
    backend.preview = fresh;
    await userEvent.setup().click(screen.getByTestId("preview-refresh"));
    expect(await screen.findByText("Just arrived")).toBeInTheDocument();
    expect(rows()).toHaveLength(1);
    expect(calls(backend, "preview_connection")).toHaveLength(2);
  });

  it("shows a preview that failed as a whole, with Try again and Fix", async () => {
    const { backend, props, onFix } = setup({ scenario: "preview_error" });
    render(PreviewScreen, props);
    const alert = await screen.findByTestId("preview-error");
    expect(alert).toHaveAttribute("role", "alert");
    expect(alert).toHaveTextContent("This connection needs you to sign in again.");
    expect(screen.queryByTestId("preview-inbox")).not.toBeInTheDocument();
    const user = userEvent.setup();
    await user.click(within(alert).getByRole("button", { name: "Fix…" }));
    expect(onFix).toHaveBeenCalledTimes(1);

    backend.previewError = null;
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(rows()).toHaveLength(12));
    expect(screen.queryByTestId("preview-error")).not.toBeInTheDocument();
  });

  it("offers no Fix when the network is the problem, and keeps the last preview", async () => {
    const { backend, props } = setup();
    render(PreviewScreen, props);
    await waitFor(() => expect(rows()).toHaveLength(12));
    backend.previewError = {
      code: "network_unreachable",
      title: "Microsoft could not be reached.",
      message: "Check the network; nothing is wrong with the connection itself.",
    };
    await userEvent.setup().click(screen.getByTestId("preview-refresh"));
    const alert = await screen.findByTestId("preview-error");
    expect(alert).toHaveTextContent("Microsoft could not be reached.");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeInTheDocument();
    expect(within(alert).queryByRole("button", { name: "Fix…" })).not.toBeInTheDocument();
    expect(rows()).toHaveLength(12);
  });

  it("loads more messages from Graph's next link and appends them", async () => {
    const { backend, props } = setup();
    render(PreviewScreen, props);
    await waitFor(() => expect(rows()).toHaveLength(12));
    const user = userEvent.setup();
    await user.click(screen.getByTestId("inbox-more"));
    await waitFor(() => expect(rows()).toHaveLength(14));
    expect(calls(backend, "more_preview")[0]?.args).toEqual({ id: "conn-1", section: "inbox", nextLink: SAMPLE_INBOX_NEXT_LINK });
    expect(rows()[12]).toHaveTextContent("Welcome to Contoso");
    // The last page: no more button, and the keyboard stays in the inbox.
    expect(screen.queryByTestId("inbox-more")).not.toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Inbox" })).toHaveFocus();
  });

  it("loads more events, each once, and says when loading more fails", async () => {
    const { backend, props } = setup();
    const base = samplePreview("conn-1");
    const baseAgenda = contentOf(base, "agenda", "events");
    const link = "https://graph.microsoft.com/v1.0/me/calendarView?$skiptoken=abc";
    baseAgenda.next_link = link;
    backend.preview = base;
    const start = baseAgenda.items.find((e) => e.subject === "Daily stand-up")?.start ?? null;
    const extra: AgendaEvent = { ...baseAgenda.items[2]!, id: "extra", subject: "Added from page two", start, join_url: null };
    backend.pages.set(link, { kind: "events", items: [baseAgenda.items[2]!, extra], next_link: null });
    backend.moreError = { code: "provider_error", title: "Microsoft Graph had a problem answering.", message: "Try again in a few minutes." };
    render(PreviewScreen, props);

    const user = userEvent.setup();
    await user.click(await screen.findByTestId("agenda-more"));
    expect(await screen.findByTestId("agenda-more-error")).toHaveTextContent("Microsoft Graph had a problem answering.");
    expect(screen.getAllByText("Daily stand-up")).toHaveLength(1);

    backend.moreError = null;
    await user.click(screen.getByTestId("agenda-more"));
    expect(await screen.findByText("Added from page two")).toBeInTheDocument();
    expect(screen.getAllByText("Daily stand-up")).toHaveLength(1);
    expect(screen.queryByTestId("agenda-more-error")).not.toBeInTheDocument();
    expect(screen.queryByTestId("agenda-more")).not.toBeInTheDocument();
  });

  it("opens a message in Outlook and joins an online meeting in the browser", async () => {
    const { backend, props } = setup();
    render(PreviewScreen, props);
    await waitFor(() => expect(rows()).toHaveLength(12));
    const preview = backend.previewCache.get("conn-1") as Preview;
    const inbox = contentOf(preview, "inbox", "messages");
    const agenda = contentOf(preview, "agenda", "events");
    const user = userEvent.setup();

    await user.click(within(rows()[0]!).getByRole("button", { name: "Open in Outlook: Q4 budget review: numbers due Friday" }));
    expect(calls(backend, "open_url").at(-1)?.args).toEqual({ url: inbox.items[0]?.web_link });

    const standup = agenda.items.find((e) => e.subject === "Daily stand-up");
    await user.click(screen.getByRole("button", { name: "Join Daily stand-up" }));
    expect(calls(backend, "open_url").at(-1)?.args).toEqual({ url: standup?.join_url });
    expect(standup?.join_url).toMatch(/^https:\/\/teams\.microsoft\.com\//);

    await user.click(screen.getByRole("button", { name: "Open in Outlook: Daily stand-up" }));
    expect(calls(backend, "open_url").at(-1)?.args).toEqual({ url: standup?.web_link });
    // A cancelled meeting cannot be joined.
    const cancelled = screen.getByText("1:1 Ada / Grace").closest("li");
    expect(within(cancelled!).queryByTestId("agenda-join")).not.toBeInTheDocument();
  });

  it("goes back with the back button", async () => {
    const { props, onBack } = setup();
    render(PreviewScreen, props);
    await userEvent.setup().click(screen.getByRole("button", { name: "Back to connections" }));
    expect(onBack).toHaveBeenCalledTimes(1);
  });

  it("keeps mail in memory only: nothing in web storage, nothing logged", async () => {
    const setItem = vi.spyOn(Storage.prototype, "setItem");
    const logs = (["log", "info", "warn", "error", "debug"] as const).map((level) => vi.spyOn(console, level));
    const { props } = setup();
    render(PreviewScreen, props);
    await waitFor(() => expect(rows()).toHaveLength(12));
    expect(setItem).not.toHaveBeenCalled();
    expect(window.localStorage.length).toBe(0);
    expect(window.sessionStorage.length).toBe(0);
    for (const spy of logs) {
      expect(JSON.stringify(spy.mock.calls)).not.toMatch(/Q4 budget|Grace Hopper|Daily stand-up/);
    }
  });
});
