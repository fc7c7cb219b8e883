// Automations for the fake backend (fake-backend.ts): a list kept in memory, answering the automation commands
// as the core would (a new one is active, Pause/Resume flip it, Remove drops it, Test runs on a sample message).
import type { Action } from "./bindings/Action";
import type { Attempt } from "./bindings/Attempt";
import type { Destination } from "./bindings/Destination";
import type { NewAction } from "./bindings/NewAction";
import type { AutomationView } from "./bindings/AutomationView";
import type { ErrorInfo } from "./bindings/ErrorInfo";
import type { NewAutomation } from "./bindings/NewAutomation";
import type { TestOutcome } from "./bindings/TestOutcome";

export interface FakeAutomations {
  list: AutomationView[];
  history: Map<string, Attempt[]>;
  /** What `test_automation` answers. */
  testOutcome: TestOutcome;
  /** `add_automation` rejects with this. */
  addError: ErrorInfo | null;
  /** The answer to an automation command, or `undefined` when `cmd` is not one. */
  handle(cmd: string, args: Record<string, unknown>): unknown;
}

const notFound: ErrorInfo = {
  code: "not_found",
  title: "There is no such automation.",
  message: "It may have been removed in another window.",
} as ErrorInfo;

/** What the core says a trigger watches (automations' `describe`), for the fake's views. */
function describe(t: NewAutomation["trigger"]): string {
  switch (t.on) {
    case "new_mail":
      return `New mail in ${t.folder}`;
    case "event_changed":
      return `Events added, changed or cancelled in the next ${t.days} days`;
    case "file_changed":
      return `A file changed in ${t.folder}`;
    case "chat_message":
      return t.chat ? `A chat message in ${t.chat}` : "A chat message in any chat";
    case "channel_message":
      return `A message in channel ${t.channel}`;
  }
}

/** A destination as typed (`/home/ada/Invoices` or `CONNECTION:/Folder`), as the core keeps it. */
function destination(to: string): Destination {
  const i = to.indexOf(":/");
  return i > 0 ? { place: "drive", connection_id: to.slice(0, i), folder: to.slice(i + 1) } : { place: "local", folder: to };
}

/** The kept action of a built-in one as given (connections kept as given: the fake does not resolve names). */
function builtIn(a: NewAction): Action {
  switch (a.kind) {
    case "save_attachments":
      return { kind: a.kind, to: destination(a.to), include_inline: a.include_inline };
    case "copy":
      return { kind: a.kind, to: destination(a.to) };
    case "post_to_teams":
      return { kind: a.kind, connection_id: a.connection, chat: a.chat, channel: a.channel, message: a.message };
    default:
      return a;
  }
}

export function fakeAutomations(): FakeAutomations {
  const self: FakeAutomations = {
    list: [],
    history: new Map(),
    testOutcome: {
      item_id: "AAMk-sample-1",
      subject: "Invoice 2026-118",
      ok: true,
      exit_code: 0,
      http_status: null,
      detail: null,
      fields: {
        subject: "Invoice 2026-118",
        from: "Fabrikam Billing <billing@fabrikam.example>",
        name: "",
        path: "",
        web_url: "https://outlook.office.com/mail/id/AAMk-sample-1",
        change: "",
        preview: "Please find attached invoice 2026-118 for November.",
      },
    },
    addError: null,
    handle(cmd, args) {
      const find = () => {
        const a = self.list.find((x) => x.id === args["id"]);
        if (!a) throw notFound;
        return a;
      };
      switch (cmd) {
        case "list_automations":
          return structuredClone(self.list);
        case "automation_history":
          find();
          return structuredClone(self.history.get(String(args["id"])) ?? []);
        case "add_automation": {
          if (self.addError) throw self.addError;
          const n = args["automation"] as NewAutomation;
          const view: AutomationView = {
            id: `auto-${self.list.length + 1}`,
            name: n.name ?? "New automation",
            connection_id: n.connection,
            trigger: n.trigger,
            action: n.action ? builtIn(n.action) : n.run ? { kind: "run", argv: n.run.split(" ") } : { kind: "post", url: n.post ?? "" },
            paused: false,
            notify: n.notify,
            poll_secs: n.poll_secs ?? 60,
            created_at: new Date().toISOString(),
            state: "active",
            state_words: "active",
            trigger_words: describe(n.trigger),
            action_words: n.action ? `${n.action.kind.replace("_", " ")}` : n.run ? `Runs ${n.run}` : `POSTs to ${n.post ?? ""}`,
            queued: 0,
            failed: 0,
            stopped_reason: null,
            last_error: null,
            last_poll_at: null,
            connection_ids: [n.connection, ...(n.action?.kind === "post_to_teams" ? [n.action.connection] : [])],
          };
          self.list.push(view);
          return structuredClone(view);
        }
        case "test_automation":
          return structuredClone(self.testOutcome);
        case "set_automation_paused": {
          const a = find();
          a.paused = Boolean(args["paused"]);
          a.state = a.paused ? "paused" : "active";
          return structuredClone(a);
        }
        case "remove_automation":
          find();
          self.list = self.list.filter((x) => x.id !== args["id"]);
          return null;
        case "retry_automation": {
          const a = find();
          const n = a.failed;
          a.queued += n;
          a.failed = 0;
          a.state = a.paused ? "paused" : "active";
          return n;
        }
        case "run_automation_now":
          return structuredClone(find());
        default:
          return undefined;
      }
    },
  };
  return self;
}
