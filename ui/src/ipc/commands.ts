// Typed wrappers for the Rust commands. The only module (with events.ts) that talks to Tauri.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { About } from "./bindings/About";
import type { BuiltInApp } from "./bindings/BuiltInApp";
import type { Check } from "./bindings/Check";
import type { ConnectEvent } from "./bindings/ConnectEvent";
import type { ConnectRequest } from "./bindings/ConnectRequest";
import type { ConnectionSummary } from "./bindings/ConnectionSummary";
import type { Connector } from "./bindings/Connector";
import type { EnvironmentPreset } from "./bindings/EnvironmentPreset";
import type { ErrorInfo } from "./bindings/ErrorInfo";
import type { AssistantSetup } from "./bindings/AssistantSetup";
import type { WriteRecord } from "./bindings/WriteRecord";
import type { Attempt } from "./bindings/Attempt";
import type { AutomationView } from "./bindings/AutomationView";
import type { NewAutomation } from "./bindings/NewAutomation";
import type { TestOutcome } from "./bindings/TestOutcome";
import type { FixRequest } from "./bindings/FixRequest";
import type { Preview } from "./bindings/Preview";
import type { SectionContent } from "./bindings/SectionContent";
import type { FileList } from "./bindings/FileList";
import type { Library } from "./bindings/Library";
import type { RedirectAdvice } from "./bindings/RedirectAdvice";
import type { ChatPage } from "./bindings/ChatPage";
import type { ChannelItem } from "./bindings/ChannelItem";
import type { ChatItem } from "./bindings/ChatItem";
import type { TeamItem } from "./bindings/TeamItem";
import { IpcError, toErrorInfo } from "./errors";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw new IpcError(toErrorInfo(error));
  }
}

export function listConnectors(): Promise<Connector[]> {
  return call("list_connectors");
}

export function listEnvironments(): Promise<EnvironmentPreset[]> {
  return call("list_environments");
}

export function builtinApp(): Promise<BuiltInApp> {
  return call("builtin_app");
}

/** The redirect URI to register for a bring-your-own app, and under which Entra platform. */
export function redirectAdvice(redirectUri: string | null, confidential: boolean): Promise<RedirectAdvice> {
  return call("redirect_advice", { redirectUri, confidential });
}

/** The link an administrator opens to approve what `request` would ask for, before any sign-in. */
export function adminConsentLink(request: ConnectRequest): Promise<string> {
  return call("admin_consent_link", { request });
}

/**
 * Start a sign-in. Progress arrives on `onEvent` (waiting_for_browser → exchanging → connected | failed);
 * resolves with the flow id.
 */
export function startConnect(request: ConnectRequest, onEvent: (event: ConnectEvent) => void): Promise<string> {
  const channel = new Channel<ConnectEvent>(onEvent);
  return call("start_connect", { request, onEvent: channel });
}

/**
 * Fix a connection: sign in again as its account (progress on `onEvent`, as for a new connection). Signing in
 * as another account ends with `account_mismatch` and changes nothing.
 */
export function startFix(request: FixRequest, onEvent: (event: ConnectEvent) => void): Promise<string> {
  const channel = new Channel<ConnectEvent>(onEvent);
  return call("start_fix", { request, onEvent: channel });
}

export function cancelConnect(flowId: string): Promise<void> {
  return call("cancel_connect", { flowId });
}

/**
 * Microsoft shows some errors (AADSTS50011, 700016, 90094…) on its own page and never returns to Patchbay. The
 * person pastes that page's text: the sign-in ends with the error explained (a `failed` event on its channel).
 * Rejects, and the sign-in keeps waiting, when the text has no AADSTS code.
 */
export function reportSignInPageError(flowId: string, text: string): Promise<ErrorInfo> {
  return call("report_sign_in_page_error", { flowId, text });
}

export function listConnections(): Promise<ConnectionSummary[]> {
  return call("list_connections");
}

export function renameConnection(id: string, name: string): Promise<ConnectionSummary> {
  return call("rename_connection", { id, name });
}

export function removeConnection(id: string): Promise<void> {
  return call("remove_connection", { id });
}

/** Check these connections now (or all): they show as checking; statuses arrive as events. */
export function checkConnections(ids?: string[]): Promise<void> {
  return call("check_connections", { ids: ids ?? null });
}

/**
 * Replace a bring-your-own app connection's client secret (tried at once). The secret travels to Rust once
 * and never comes back. `expiresOn`: YYYY-MM-DD or null.
 */
export function updateClientSecret(id: string, secret: string, expiresOn: string | null): Promise<ConnectionSummary> {
  return call("update_client_secret", { id, secret, expiresOn });
}

/** Text for support: versions, checks, statuses, recent errors with their ids. Never a token. */
/**
 * The vault key is gone from the keychain for good: set the sealed secrets aside (nothing is deleted) and make a
 * new key. Ask the person first. Resolves with the folder the old files went to (null when there were none).
 */
export function resetVault(): Promise<string | null> {
  return call("reset_vault");
}

/** This build: version and commit, worded as `patchbay --version` words them. */
export function about(): Promise<About> {
  return call("about");
}

export function diagnosticsReport(): Promise<string> {
  return call("diagnostics_report");
}

/** The Fix the tray or a notification asked for while the window was closed (taken once). */
export function takePendingFix(): Promise<string | null> {
  return call("take_pending_fix");
}

export function autostart(): Promise<boolean> {
  return call("autostart");
}

export function setAutostart(enabled: boolean): Promise<boolean> {
  return call("set_autostart", { enabled });
}

/** Check this computer (keychain, data folder, connections' secrets, loopback, browser, links). */
export function diagnose(): Promise<Check[]> {
  return call("diagnose");
}

/** Open an https link in the system browser. */
export function openUrl(url: string): Promise<void> {
  return call("open_url", { url });
}

/**
 * A connection's preview — the sections its connector names (an inbox and agenda, files…) — fetched now from
 * Microsoft Graph in one round trip. Each section fails on its own (`state: "failed"` with the problem); the whole
 * rejects only when the connection itself cannot be used.
 */
export function previewConnection(id: string): Promise<Preview> {
  return call("preview_connection", { id });
}

/** The last preview fetched in this run of the app (kept in memory only), to show at once while a new one loads. */
export function cachedPreview(id: string): Promise<Preview | null> {
  return call("cached_preview", { id });
}

/** A section's next page, from the `next_link` Graph gave: the section's content with that page's items. */
export function morePreview(id: string, section: string, nextLink: string): Promise<SectionContent> {
  return call("more_preview", { id, section, nextLink });
}

/**
 * A folder of the person's OneDrive (`drive` null) or of a document library (`drive`: its id), from a files
 * preview: its first page of items and the way back up. `path` is from the drive's root ("/Documents"), as the
 * core gave it.
 */
export function browseFiles(id: string, drive: string | null, path: string): Promise<FileList> {
  return call("browse_files", { id, drive, path });
}

/** A browsed folder's next page, from the `next_link` Graph gave. */
export function moreFiles(id: string, nextLink: string): Promise<FileList> {
  return call("more_files", { id, nextLink });
}

/** The document libraries of a SharePoint site the person follows. */
export function siteLibraries(id: string, siteId: string): Promise<Library[]> {
  return call("site_libraries", { id, siteId });
}

/** A Teams chat's newest messages (text, never markup), from a Teams preview. */
export function openChat(id: string, chatId: string): Promise<ChatPage> {
  return call("open_chat", { id, chatId });
}

/** An opened chat's older messages, from the `next_link` Graph gave. */
export function moreChat(id: string, chatId: string, nextLink: string): Promise<ChatPage> {
  return call("more_chat", { id, chatId, nextLink });
}

/** The channels of a team the person is in. */
export function teamChannels(id: string, teamId: string): Promise<ChannelItem[]> {
  return call("team_channels", { id, teamId });
}

/** The person's latest chats, to pick one for an automation. */
export function chatChoices(id: string): Promise<ChatItem[]> {
  return call("chat_choices", { id });
}

/** The teams the person is in, to pick one for an automation. */
export function teamChoices(id: string): Promise<TeamItem[]> {
  return call("team_choices", { id });
}

/** "Use with an AI assistant": the tools a connection would offer under each choice, and what to paste. */
export function assistantSetup(id: string): Promise<AssistantSetup> {
  return call("assistant_setup", { id });
}

/** What assistants wrote and sent through a connection (`patchbay mcp`'s log), newest first. */
export function assistantWrites(id: string): Promise<WriteRecord[]> {
  return call("assistant_writes", { id });
}

/** Every automation with where it stands (active, paused, stopped by its connection, failing). */
export function listAutomations(): Promise<AutomationView[]> {
  return call("list_automations");
}

/** An automation's attempts, oldest first. */
export function automationHistory(id: string): Promise<Attempt[]> {
  return call("automation_history", { id });
}

/** Add an automation; what is in its folder (or calendar) now never fires. */
export function addAutomation(automation: NewAutomation): Promise<AutomationView> {
  return call("add_automation", { automation });
}

/** Test with the newest item: the action run once on it, nothing recorded. */
export function testAutomation(automation: NewAutomation): Promise<TestOutcome> {
  return call("test_automation", { automation });
}

export function setAutomationPaused(id: string, paused: boolean): Promise<AutomationView> {
  return call("set_automation_paused", { id, paused });
}

export function removeAutomation(id: string): Promise<void> {
  return call("remove_automation", { id });
}

/** Retry: the items that failed go back in line; how many. */
export function retryAutomation(id: string): Promise<number> {
  return call("retry_automation", { id });
}

/** Run now: the service takes it at once (or, with none running, the window runs a round). */
export function runAutomationNow(id: string): Promise<AutomationView> {
  return call("run_automation_now", { id });
}
