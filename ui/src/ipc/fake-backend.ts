// An in-memory stand-in for the Rust backend, for `vite` dev in a plain browser and for unit tests. It is
// loaded only through a dynamic import guarded by import.meta.env.DEV (see bootstrap.ts) or by tests, so it
// never reaches the production bundle. Scenarios (dev: `?fake=NAME` in the URL) exercise the error paths.
import type { Channel } from "@tauri-apps/api/core";
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { WriteRecord } from "./bindings/WriteRecord";
import type { Check } from "./bindings/Check";
import type { ConnectEvent } from "./bindings/ConnectEvent";
import type { ConnectRequest } from "./bindings/ConnectRequest";
import type { ConnectionStatus } from "./bindings/ConnectionStatus";
import type { ConnectionSummary } from "./bindings/ConnectionSummary";
import type { CoreEvent } from "./bindings/CoreEvent";
import type { ErrorInfo } from "./bindings/ErrorInfo";
import type { FixRequest } from "./bindings/FixRequest";
import type { Preview } from "./bindings/Preview";
import type { SectionContent } from "./bindings/SectionContent";
import type { RedirectAdvice } from "./bindings/RedirectAdvice";
import { scopesForFeatures } from "../lib/scopes";
import { PREVIEW_ERROR, SAMPLE_INBOX_NEXT_LINK, sampleInbox, samplePreview } from "./fake-preview";
import { sampleFileSections, sampleFiles } from "./fake-files";
import { SAMPLE_CHANNELS, SAMPLE_TEAMS, sampleChatPage, sampleChats, sampleTeamsSections } from "./fake-teams";
import { fakeAutomations, type FakeAutomations } from "./fake-automations";
import { assistantSetup } from "./fake-assistant";
import { ADMIN_CONSENT_ERROR, REDIRECT_ERROR, SAMPLE_BUILTIN_APP, SAMPLE_CONNECTORS, SAMPLE_ENVIRONMENTS, sampleConnection, withFacts } from "./fake-samples";

// The preview samples are part of what tests and `?fake=` use.
export * from "./fake-preview";
export * from "./fake-files";
export * from "./fake-teams";
export * from "./fake-samples";

/** The tenant of every personal Microsoft account (an ID token's `tid`). */
const PERSONAL_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";

export type Scenario =
  | "ok"
  | "empty"
  | "repair"
  | "partial"
  | "not_opened"
  | "admin_consent"
  | "redirect_mismatch"
  | "no_keychain"
  | "vault_key_gone"
  | "load_error"
  | "no_calendar"
  | "no_mailbox_settings"
  | "empty_mailbox"
  | "preview_error";

export const SCENARIOS: readonly Scenario[] = [
  "ok",
  "empty",
  "repair",
  "partial",
  "not_opened",
  "admin_consent",
  "redirect_mismatch",
  "no_keychain",
  "vault_key_gone",
  "load_error",
  "no_calendar",
  "no_mailbox_settings",
  "empty_mailbox",
  "preview_error",
];

export interface FakeOptions {
  scenario?: Scenario;
  /** Finish each sign-in by itself after `stepDelayMs` (dev). Tests leave it off and call complete()/fail(). */
  autoComplete?: boolean;
  stepDelayMs?: number;
  /** Initial connections; by default one sample (none for "empty"). */
  connections?: ConnectionSummary[];
  /** How long `preview_connection` takes (Graph's round trip); 0 in tests unless set. */
  previewDelayMs?: number;
}

export interface FakeCall {
  cmd: string;
  args: Record<string, unknown>;
}

export interface FakeBackend {
  readonly calls: FakeCall[];
  connections: ConnectionSummary[];
  lastRequest: ConnectRequest | null;
  /** Finish the pending sign-in: exchanging → connected (or the scenario's failure). */
  complete(): Promise<void>;
  /** Fail the pending sign-in with this error. */
  fail(error: ErrorInfo): void;
  /** Emit `connections-changed` as the backend does after a change. */
  emitChanged(): Promise<void>;
  /** Change a connection's status and emit `connection-status`, as the health monitor does. */
  setStatus(id: string, status: ConnectionStatus, reason?: string | null): Promise<void>;
  /** Emit `open-fix`, as the tray or a clicked notification does. */
  openFix(id: string): Promise<void>;
  /** The account the next fix signs in as (by default the connection's own). */
  fixAccountEmail: string | null;
  /** What the next `update_client_secret` answers: the connection, or this error. */
  secretError: ErrorInfo | null;
  /** What `preview_connection` answers (for any connection); null: the sample (or the scenario's), fetched now. */
  preview: Preview | null;
  /** `preview_connection` rejects with this (the connection as a whole cannot be used). */
  previewError: ErrorInfo | null;
  /** How long `preview_connection` takes. A long delay keeps a refresh pending for the whole test. */
  previewDelayMs: number;
  /** `cached_preview`'s memory, by connection id: filled by each `preview_connection`, as in Rust. */
  previewCache: Map<string, Preview>;
  /** What `more_preview` answers, by the `next_link` asked for (the sample's second inbox page is here). */
  pages: Map<string, SectionContent>;
  /** `more_preview` and `more_files` reject with this. */
  moreError: ErrorInfo | null;
  /** A files preview's folders (by path, or `drive|path` for a library's), next pages by link, and sites' libraries. */
  files: ReturnType<typeof sampleFiles>;
  /** `browse_files` and `site_libraries` reject with this. */
  browseError: ErrorInfo | null;
  /** What `assistant_writes` answers from (every connection's; filtered by id as in Rust). */
  assistantWrites: WriteRecord[];
  /** The automations and what their commands answer (fake-automations.ts). */
  automations: FakeAutomations;
  uninstall(): void;
}

export function scenarioFromQuery(search: string): FakeOptions {
  const name = new URLSearchParams(search).get("fake") ?? "ok";
  const scenario = (SCENARIOS as readonly string[]).includes(name) ? (name as Scenario) : "ok";
  return { scenario, autoComplete: true, stepDelayMs: 1500, previewDelayMs: 900 };
}

export function installFakeBackend(options: FakeOptions = {}): FakeBackend {
  const scenario = options.scenario ?? "ok";
  const delay = options.stepDelayMs ?? 0;
  let flowCounter = 0;
  let connCounter = 1;
  // "vault_key_gone": the keychain lost the vault key while a connection's secrets are sealed with it.
  let vaultKeyGone = scenario === "vault_key_gone";
  let pending: { flowId: string; channel: Channel<ConnectEvent>; request: ConnectRequest; fix?: FixRequest } | null = null;
  const timers: ReturnType<typeof setTimeout>[] = [];

  const initial =
    options.connections ??
    (scenario === "empty"
      ? []
      : scenario === "repair"
        ? [
            sampleConnection(),
            sampleConnection({
              id: "conn-2",
              name: "Shared inbox",
              account: { oid: "1", tid: "2", name: "Grace Hopper", email: "grace@fabrikam.onmicrosoft.com" },
              status: "needs_reconnect",
              status_reason:
                "The sign-in expired after 90 days without use. Fix it by signing in again as the same account.",
              last_error: {
                at: "2026-11-26T08:02:00Z",
                summary: "invalid_grant: AADSTS700082: The refresh token has expired due to inactivity.",
                detail: null,
                trace_id: "0f8a3c2e-5b1d-4e7a-9c6f-2d4b8a1e3f70",
                correlation_id: "7c1e9b4d-2a6f-4f3e-8d5c-1b9a7e2c4d60",
                request_id: null,
              },
            }),
          ]
        : [sampleConnection()]);

  const backend: FakeBackend = {
    calls: [],
    connections: [...initial],
    lastRequest: null,
    fixAccountEmail: null,
    secretError: null,
    preview: null,
    previewError: scenario === "preview_error" ? { ...PREVIEW_ERROR } : null,
    previewDelayMs: options.previewDelayMs ?? 0,
    previewCache: new Map(),
    assistantWrites: [],
    automations: fakeAutomations(),
    pages: new Map<string, SectionContent>([[SAMPLE_INBOX_NEXT_LINK, { kind: "messages", items: sampleInbox().second, next_link: null }]]),
    moreError: null,
    files: sampleFiles(),
    browseError: null,
    async complete() {
      const flow = pending;
      if (!flow) return;
      send(flow, { kind: "exchanging", flow_id: flow.flowId });
      if (flow.fix) return finishFix(flow, flow.fix);
      if (scenario === "admin_consent") return this.fail(ADMIN_CONSENT_ERROR);
      if (scenario === "redirect_mismatch") return this.fail(REDIRECT_ERROR);
      const connection = connectionFor(flow.request);
      backend.connections = [...backend.connections, connection];
      pending = null;
      send(flow, { kind: "connected", flow_id: flow.flowId, connection });
      await backend.emitChanged();
    },
    fail(error) {
      const flow = pending;
      if (!flow) return;
      pending = null;
      send(flow, { kind: "failed", flow_id: flow.flowId, error });
    },
    async emitChanged() {
      await emit("connections-changed", null);
    },
    async openFix(id) {
      await emit("open-fix", id);
    },
    async setStatus(id, status, reason = null) {
      const before = backend.connections.find((c) => c.id === id);
      if (!before) return;
      const connection = withFacts({ ...before, status, status_reason: reason, checked_at: new Date().toISOString() });
      backend.connections = backend.connections.map((c) => (c.id === id ? connection : c));
      const event: CoreEvent = { kind: "status_changed", connection, previous: before.status };
      await emit("connection-status", event);
    },
    uninstall() {
      timers.forEach(clearTimeout);
      clearMocks();
    },
  };

  function send(flow: { channel: Channel<ConnectEvent> }, event: ConnectEvent) {
    flow.channel.onmessage(event);
  }

  async function finishFix(flow: NonNullable<typeof pending>, fix: FixRequest) {
    const before = backend.connections.find((c) => c.id === fix.id);
    if (!before) return backend.fail({ code: "not_found", title: "That connection no longer exists.", message: "Close this and look again." });
    const email = backend.fixAccountEmail ?? before.account.email;
    if (email !== before.account.email) {
      return backend.fail({
        code: "account_mismatch",
        title: `You signed in as ${email}, but this connection acts as ${before.account.email}.`,
        message: `Patchbay did not change the connection. Fix it by signing in as ${before.account.email}, or add ${email} as a new connection.`,
      });
    }
    const connection = withFacts({
      ...before,
      status: "healthy",
      status_reason: null,
      last_error: null,
      last_refreshed_at: new Date().toISOString(),
      checked_at: new Date().toISOString(),
    });
    backend.connections = backend.connections.map((c) => (c.id === fix.id ? connection : c));
    pending = null;
    send(flow, { kind: "connected", flow_id: flow.flowId, connection });
    await backend.setStatus(fix.id, "healthy");
  }

  function later(fn: () => void) {
    timers.push(setTimeout(fn, delay));
  }

  function connectionFor(request: ConnectRequest): ConnectionSummary {
    const connector = SAMPLE_CONNECTORS.find((c) => c.id === request.connector_id);
    let requested = connector?.default_scopes ?? [];
    if (request.auth_type === "bring_your_own_app" && connector) {
      requested = scopesForFeatures(connector, request.features ?? []);
    }
    const missing = scenario === "partial" ? requested.filter((s) => s.endsWith(".Shared")) : [];
    const unavailable =
      scenario === "partial" && connector
        ? connector.features.filter((f) => f.scopes.some((s) => missing.includes(s))).map((f) => f.label)
        : [];
    connCounter += 1;
    const email = request.auth_type === "bring_your_own_app" ? "ops@fabrikam.com" : "ada@contoso.com";
    return sampleConnection({
      id: `conn-${connCounter}`,
      name: request.name ?? email,
      environment: request.environment,
      auth_type: request.auth_type,
      tenant: request.tenant ?? "organizations",
      client_id: request.client_id ?? SAMPLE_BUILTIN_APP.client_id,
      account: { oid: `oid-${connCounter}`, tid: "72f988bf-86f1-41af-91ab-2d7cd011db47", name: "Ada Lovelace", email },
      scopes_requested: requested,
      scopes_granted: requested.filter((s) => !missing.includes(s)),
      scopes_missing: missing,
      features_unavailable: unavailable,
      created_at: new Date().toISOString(),
      last_refreshed_at: new Date().toISOString(),
    });
  }

  function wait(ms: number): Promise<void> {
    return ms > 0 ? new Promise((resolve) => timers.push(setTimeout(resolve, ms))) : Promise.resolve();
  }

  function notFound(): ErrorInfo {
    return { code: "not_found", title: "That connection no longer exists.", message: "Go back to the list of connections." };
  }

  /** A connection whose connector's preview shows files (as the catalogue says) gets the files sample. */
  function sampleFor(connection: ConnectionSummary): Preview {
    const connector = SAMPLE_CONNECTORS.find((c) => c.id === connection.connector_id);
    const kinds = connector?.capabilities.preview.map((s) => s.kind) ?? [];
    const time_zone = { iana: new Intl.DateTimeFormat().resolvedOptions().timeZone, reported: null, from_mailbox: false, hour12: null, date_format: null, time_format: null, problem: null };
    if (kinds.includes("chats")) {
      return { connection_id: connection.id, fetched_at: new Date().toISOString(), time_zone, sections: sampleTeamsSections(Date.now()) };
    }
    if (!kinds.includes("files")) return samplePreview(connection.id, Date.now(), scenario);
    const personal = connection.account.tid === PERSONAL_TENANT;
    return { connection_id: connection.id, fetched_at: new Date().toISOString(), time_zone, sections: sampleFileSections(Date.now(), personal) };
  }

  async function preview(id: string): Promise<Preview> {
    const connection = backend.connections.find((c) => c.id === id);
    if (!connection) throw notFound();
    await wait(backend.previewDelayMs);
    if (backend.previewError) throw backend.previewError;
    const answer = backend.preview ? { ...structuredClone(backend.preview), connection_id: id } : sampleFor(connection);
    backend.previewCache.set(id, structuredClone(answer));
    return answer;
  }

  async function more(args: Record<string, unknown>): Promise<unknown> {
    if (!backend.connections.some((c) => c.id === args["id"])) throw notFound();
    await wait(Math.min(backend.previewDelayMs, 600));
    if (backend.moreError) throw backend.moreError;
    const page = backend.pages.get(String(args["nextLink"]));
    if (!page) {
      throw {
        code: "provider_error",
        title: "Microsoft Graph did not recognise that page.",
        message: "Refresh the preview and load more again.",
        detail: "ErrorInvalidNextLink: The next link is no longer valid.",
      } satisfies ErrorInfo;
    }
    return structuredClone(page);
  }

  async function browse(args: Record<string, unknown>): Promise<unknown> {
    if (!backend.connections.some((c) => c.id === args["id"])) throw notFound();
    await wait(Math.min(backend.previewDelayMs, 600));
    if (backend.browseError) throw backend.browseError;
    const gone: ErrorInfo = {
      code: "invalid_input",
      title: "That folder or site is no longer there.",
      message: "It was moved or deleted since the preview loaded. Refresh the preview.",
    };
    if (args["siteId"] !== undefined) {
      const libraries = backend.files.libraries.get(String(args["siteId"]));
      if (!libraries) throw gone;
      return structuredClone(libraries);
    }
    const drive = args["drive"];
    const key = typeof drive === "string" ? `${drive}|${String(args["path"])}` : String(args["path"]);
    const listing = backend.files.folders.get(key);
    if (!listing) throw gone;
    return structuredClone(listing);
  }

  async function moreFiles(args: Record<string, unknown>): Promise<unknown> {
    if (!backend.connections.some((c) => c.id === args["id"])) throw notFound();
    await wait(Math.min(backend.previewDelayMs, 600));
    if (backend.moreError) throw backend.moreError;
    const page = backend.files.pages.get(String(args["nextLink"]));
    if (!page) {
      throw { code: "provider_error", title: "Microsoft Graph did not recognise that page.", message: "Refresh the preview and load more again." } satisfies ErrorInfo;
    }
    return structuredClone(page);
  }

  function invalid(message: string): ErrorInfo {
    return { code: "invalid_input", title: "Some settings need a second look.", message };
  }

  async function handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
    backend.calls.push({ cmd, args });
    switch (cmd) {
      case "list_connectors":
        if (scenario === "load_error") {
          throw {
            code: "storage",
            title: "Patchbay could not read its list of connectors.",
            message: "Restart Patchbay. If it happens again, reinstall it.",
            detail: "catalogue/connectors.json: unexpected end of file",
          } satisfies ErrorInfo;
        }
        return structuredClone(SAMPLE_CONNECTORS);
      case "list_environments":
        return structuredClone(SAMPLE_ENVIRONMENTS);
      case "builtin_app":
        return { ...SAMPLE_BUILTIN_APP };
      case "redirect_advice": {
        const confidential = args["confidential"] === true;
        const uri = typeof args["redirectUri"] === "string" && args["redirectUri"] ? args["redirectUri"] : "http://localhost";
        if (!/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/?/.test(uri)) {
          throw invalid("The redirect URI must be http://localhost, optionally with a port, e.g. http://localhost:53682.");
        }
        const advice: RedirectAdvice = confidential
          ? {
              redirect_uri: uri,
              platform: "Web",
              explanation:
                "With a client secret, register the URI under the Web platform. Patchbay listens on this computer only, for the few seconds the sign-in takes.",
            }
          : {
              redirect_uri: uri,
              platform: "Mobile and desktop applications",
              explanation:
                "Without a secret, register the URI under Mobile and desktop applications; Microsoft then accepts any port on localhost.",
            };
        return advice;
      }
      case "start_connect": {
        const request = args["request"] as ConnectRequest;
        const channel = args["onEvent"] as Channel<ConnectEvent>;
        backend.lastRequest = request;
        if (request.auth_type === "bring_your_own_app" && !request.client_id) {
          throw invalid("Enter your app's Application (client) ID.");
        }
        flowCounter += 1;
        const flowId = `flow-${flowCounter}`;
        const flow = { flowId, channel, request };
        pending = flow;
        const env = SAMPLE_ENVIRONMENTS.find((e) => e.id === request.environment);
        const host = env?.login_host || request.authority || "http://127.0.0.1:9090";
        const clientId = request.client_id ?? SAMPLE_BUILTIN_APP.client_id;
        const authUrl =
          `${host}/${request.tenant ?? "organizations"}/oauth2/v2.0/authorize?client_id=${clientId}` +
          `&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A53682%2F&scope=openid+profile+email+offline_access` +
          `&state=Zq3x9&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&prompt=select_account`;
        queueMicrotask(() =>
          send(flow, {
            kind: "waiting_for_browser",
            flow_id: flowId,
            auth_url: authUrl,
            redirect_uri: "http://localhost:53682/",
            opened: scenario !== "not_opened",
          }),
        );
        if (options.autoComplete) later(() => void backend.complete());
        return flowId;
      }
      case "start_fix": {
        const fix = args["request"] as FixRequest;
        const channel = args["onEvent"] as Channel<ConnectEvent>;
        const target = backend.connections.find((c) => c.id === fix.id);
        flowCounter += 1;
        const flowId = `flow-${flowCounter}`;
        const flow = { flowId, channel, request: { connector_id: "outlook365", environment: "global", auth_type: "built_in_app" } as ConnectRequest, fix };
        pending = flow;
        queueMicrotask(() =>
          send(flow, {
            kind: "waiting_for_browser",
            flow_id: flowId,
            auth_url: `https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=${SAMPLE_BUILTIN_APP.client_id}&login_hint=${encodeURIComponent(target?.account.email ?? "")}`,
            redirect_uri: "http://localhost:53682/",
            opened: true,
          }),
        );
        if (options.autoComplete) later(() => void backend.complete());
        return flowId;
      }
      case "check_connections": {
        const ids = (args["ids"] as string[] | null) ?? backend.connections.map((c) => c.id);
        for (const id of ids) void backend.setStatus(id, "checking");
        later(() => {
          for (const id of ids) {
            const c = backend.connections.find((x) => x.id === id);
            void backend.setStatus(id, c?.status_reason ? "needs_reconnect" : "healthy", c?.status_reason ?? null);
          }
        });
        return null;
      }
      case "update_client_secret": {
        if (backend.secretError) throw backend.secretError;
        const id = args["id"];
        const found = backend.connections.find((c) => c.id === id);
        if (!found) throw { code: "not_found", title: "That connection no longer exists.", message: "Close this and look again." } satisfies ErrorInfo;
        const updated = withFacts({
          ...found,
          status: "healthy",
          status_reason: null,
          client_secret_expires_on: (args["expiresOn"] as string | null) ?? null,
        });
        backend.connections = backend.connections.map((c) => (c.id === id ? updated : c));
        return updated;
      }
      case "about":
        return { version: "0.1.0", commit: "0123456789", build: "debug", line: "0.1.0 (commit 0123456789)" };
      case "diagnostics_report":
        return `Patchbay 0.1.0 (commit 0123456789) (debug build) on linux x86_64\n\nConnections (${backend.connections.length}):\n${backend.connections
          .map((c) => `  - ${c.name} (${c.id}): ${c.status}`)
          .join("\n")}`;
      case "take_pending_fix":
        return null;
      case "autostart":
        return false;
      case "set_autostart":
        return args["enabled"] === true;
      case "cancel_connect":
        if (pending && pending.flowId === args["flowId"]) {
          backend.fail({ code: "cancelled", title: "Sign-in cancelled.", message: "Nothing was saved." });
        }
        return null;
      case "report_sign_in_page_error": {
        const text = typeof args["text"] === "string" ? args["text"] : "";
        if (!pending || pending.flowId !== args["flowId"]) {
          throw invalid("No sign-in is in progress.");
        }
        const code = /AADSTS(\d+)/.exec(text)?.[1];
        if (!code) {
          throw {
            code: "invalid_input",
            title: "There is no Microsoft error code in that text.",
            message: "Copy the line from the browser page that starts with AADSTS and paste it again.",
          } satisfies ErrorInfo;
        }
        const explained: ErrorInfo =
          code === "50011"
            ? {
                code: "redirect_uri_mismatch",
                title: "The app registration does not list Patchbay's redirect URI.",
                message: "Add the platform \"Mobile and desktop applications\" and the redirect URI exactly as shown, then connect again.",
                action: { label: "Redirect URI to register", url: "http://localhost" },
                detail: `shown on the sign-in page: AADSTS${code}`,
              }
            : {
                code: "provider_error",
                title: "The sign-in service refused the request.",
                message: "Try again; if it keeps failing, send the details below to your administrator.",
                detail: `shown on the sign-in page: AADSTS${code}`,
              };
        queueMicrotask(() => backend.fail(explained));
        return explained;
      }
      case "reset_vault": {
        if (!vaultKeyGone) {
          throw {
            code: "invalid_input",
            title: "Patchbay's vault key is in the keychain: there is nothing to replace.",
            message: "If connections fail, use Fix on each; the key itself is fine.",
          } satisfies ErrorInfo;
        }
        vaultKeyGone = false;
        // Without their secrets, every connection needs a new sign-in (the next check says so).
        backend.connections = backend.connections.map((c) => ({ ...c, status_reason: "Its sealed secrets were set aside with the old vault key: sign in again." }));
        return "/home/ada/.local/share/patchbay/secrets/orphaned-1796000000";
      }
      case "diagnose": {
        const keychainOk = scenario !== "no_keychain";
        const checks: Check[] = [
          vaultKeyGone
            ? {
                id: "keychain",
                title: "Keychain",
                status: "failed",
                summary: "Patchbay's vault key is missing from the keychain.",
                fix: "1 sealed secret file can only be opened with it, so Patchbay did not make a new one. If the keychain is locked, or another one is in use, unlock or switch it and try again. If it is gone for good, choose This computer → Make a new vault key: it sets the old files aside (nothing is deleted) and makes a new key; each connection then needs Fix.",
                action: "reset_vault",
              }
            : keychainOk
            ? { id: "keychain", title: "Keychain", status: "ok", summary: "Your keychain works and holds Patchbay's vault key." }
            : {
                id: "keychain",
                title: "Keychain",
                status: "failed",
                summary: "The keychain is not available.",
                fix: "Start and unlock a keyring (gnome-keyring, KWallet or KeePassXC), then try again.",
                detail: "Platform secure storage failure: org.freedesktop.secrets was not provided",
              },
          { id: "data_dir", title: "Data folder", status: "ok", summary: "Connections are kept in ~/.local/share/patchbay (1 connection)." },
          { id: "secrets", title: "Connections' secrets", status: "ok", summary: "All 1 connection's secrets open with the vault key." },
          {
            id: "service",
            title: "Background service",
            status: "ok",
            summary: "Patchbay's service runs (pid 4242, since 2026-11-26T08:00:00Z) and shows the connections in the tray.",
          },
          { id: "loopback", title: "Sign-in listener (loopback)", status: "ok", summary: "Patchbay can listen on 127.0.0.1 and ::1 for the browser's return." },
          { id: "browser", title: "System browser", status: "ok", summary: "Sign-in pages open in your default browser (xdg-open)." },
          {
            id: "deep_link",
            title: "patchbay:// links",
            status: "warning",
            summary: "No application is registered for patchbay:// links yet.",
            fix: "Start the Patchbay app once: it registers itself. Sign-ins use the loopback redirect and work without it.",
          },
          { id: "tray", title: "Tray", status: "ok", summary: "This desktop shows tray icons: Patchbay's status and menu are there." },
        ];
        return checks;
      }
      case "list_connections":
        return structuredClone(backend.connections);
      case "rename_connection": {
        const found = backend.connections.find((c) => c.id === args["id"]);
        const name = typeof args["name"] === "string" ? args["name"].trim() : "";
        if (!found) throw { code: "not_found", title: "That connection no longer exists.", message: "It may have been removed in another window." } satisfies ErrorInfo;
        if (!name) throw invalid("Give the connection a name.");
        const renamed = { ...found, name };
        backend.connections = backend.connections.map((c) => (c.id === found.id ? renamed : c));
        void backend.emitChanged();
        return renamed;
      }
      case "remove_connection":
        backend.connections = backend.connections.filter((c) => c.id !== args["id"]);
        backend.previewCache.delete(String(args["id"]));
        void backend.emitChanged();
        return null;
      case "open_url":
        return null;
      case "preview_connection":
        return preview(String(args["id"]));
      case "assistant_setup": {
        const found = backend.connections.find((c) => c.id === args["id"]);
        if (!found) throw { code: "not_found", title: "That connection no longer exists.", message: "It may have been removed in another window." } satisfies ErrorInfo;
        return assistantSetup(found);
      }
      case "assistant_writes":
        return structuredClone(backend.assistantWrites.filter((w) => w.connection_id === args["id"]));
      case "cached_preview":
        return structuredClone(backend.previewCache.get(String(args["id"])) ?? null);
      case "more_preview":
        return more(args);
      case "browse_files":
      case "site_libraries":
        return browse(args);
      case "more_files":
        return moreFiles(args);
      case "open_chat":
      case "more_chat":
        return sampleChatPage(String(args["chatId"]));
      case "team_channels":
        return structuredClone(SAMPLE_CHANNELS);
      case "chat_choices":
        return sampleChats();
      case "team_choices":
        return structuredClone(SAMPLE_TEAMS);
      case "admin_consent_link":
        return `https://login.microsoftonline.com/organizations/v2.0/adminconsent?client_id=${SAMPLE_BUILTIN_APP.client_id}`;
      default: {
        const answer = backend.automations.handle(cmd, args);
        if (answer !== undefined) return answer;
        throw { code: "internal", title: `Unknown command ${cmd}.`, message: "This is a bug in Patchbay." } satisfies ErrorInfo;
      }
    }
  }

  mockIPC((cmd, payload) => handle(cmd, (payload ?? {}) as Record<string, unknown>), { shouldMockEvents: true });
  return backend;
}
