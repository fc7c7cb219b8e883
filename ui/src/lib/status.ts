// How a connection's status reads on screen. The words match the CLI's (`patchbay check`) and the tray's.
import type { ConnectionStatus, ConnectionSummary, ErrorCode } from "../ipc";

export const STATUS_LABEL: Record<ConnectionStatus, string> = {
  healthy: "Healthy",
  checking: "Checking…",
  needs_reconnect: "Needs reconnect",
  app_credentials_invalid: "App credentials invalid",
  unreachable: "Unreachable",
  at_risk: "At risk",
};

/** The badge's colour class. */
export const STATUS_TONE: Record<ConnectionStatus, "ok" | "info" | "warn" | "danger" | "muted"> = {
  healthy: "ok",
  checking: "info",
  needs_reconnect: "danger",
  app_credentials_invalid: "danger",
  unreachable: "muted",
  at_risk: "warn",
};

/** Broken: only the person can mend it (sign in again, or a new client secret). */
export function isBroken(status: ConnectionStatus): boolean {
  return status === "needs_reconnect" || status === "app_credentials_invalid";
}

/** Needs the person now or soon. */
export function needsAttention(status: ConnectionStatus): boolean {
  return isBroken(status) || status === "at_risk";
}

/** A bring-your-own app connection whose client secret can be replaced without signing in again. */
export function hasReplaceableSecret(c: ConnectionSummary): boolean {
  return c.auth_type === "bring_your_own_app" && c.has_client_secret;
}

/** The main fix for a connection's status: sign in again, or replace the app's secret. */
export function fixKind(c: ConnectionSummary): "reconnect" | "secret" | null {
  if (c.status === "app_credentials_invalid" && hasReplaceableSecret(c)) return "secret";
  if (isBroken(c.status)) return "reconnect";
  if (c.status === "at_risk" && c.client_secret_expires_on && hasReplaceableSecret(c)) return "secret";
  return null;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "2 minutes ago", "yesterday", "in 3 days". */
export function ago(rfc3339: string | null | undefined, now = Date.now()): string {
  if (!rfc3339) return "never";
  const t = new Date(rfc3339).getTime();
  if (Number.isNaN(t)) return rfc3339;
  const seconds = Math.round((t - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 22 * 3600) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 86400), "day");
}

/** Errors only signing in again can mend: the preview (or any call) offers Fix for them. */
const NEEDS_FIX: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "refresh_token_revoked",
  "account_mismatch",
  "invalid_scope",
  "mfa_required",
  "invalid_client_secret",
  "client_secret_expired",
]);

export function errorNeedsFix(code: ErrorCode): boolean {
  return NEEDS_FIX.has(code);
}
