// How a connection's status looks on screen. What the status means (its label, broken or not, what mends it)
// comes from the core with each connection (`status_label`, `broken`, `needs_attention`, `fix`).
import type { ConnectionStatus, ErrorCode } from "../ipc";

/** The badge's colour class. */
export const STATUS_TONE: Record<ConnectionStatus, "ok" | "info" | "warn" | "danger" | "muted"> = {
  healthy: "ok",
  checking: "info",
  needs_reconnect: "danger",
  app_credentials_invalid: "danger",
  unreachable: "muted",
  at_risk: "warn",
  cant_check: "danger",
};

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
