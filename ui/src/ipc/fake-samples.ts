// Samples for the fake backend (fake-backend.ts): the catalogue and the status facts as the core generates them,
// environments, the built-in app, a connection, and the errors the wizard's scenarios end with.
import catalogue from "./bindings/catalogue.json";
import statusFacts from "./bindings/status-facts.json";
import type { BuiltInApp } from "./bindings/BuiltInApp";
import type { ConnectionStatus } from "./bindings/ConnectionStatus";
import type { ConnectionSummary } from "./bindings/ConnectionSummary";
import type { Connector } from "./bindings/Connector";
import type { EnvironmentPreset } from "./bindings/EnvironmentPreset";
import type { ErrorInfo } from "./bindings/ErrorInfo";

/** The catalogue as the core serves it (its scope sets included), generated from Rust with the bindings. */
export const SAMPLE_CONNECTORS = catalogue as unknown as Connector[];

type Facts = Pick<ConnectionSummary, "status_label" | "broken" | "needs_attention" | "fix" | "app_credentials_updatable">;

/**
 * The facts the core derives from a connection's status (`StatusFacts::of`), as a stand-in does: the status's
 * own facts come from the core's generated table; what mends it follows the same cases.
 */
export function withFacts(c: Omit<ConnectionSummary, keyof Facts> & Partial<Facts>): ConnectionSummary {
  const own = (statusFacts as Record<ConnectionStatus, { label: string; broken: boolean; needs_attention: boolean }>)[c.status];
  const app_credentials_updatable = c.auth_type === "bring_your_own_app" && c.has_client_secret;
  const fix =
    c.status === "app_credentials_invalid" && app_credentials_updatable
      ? "secret"
      : own.broken && c.status !== "cant_check"
        ? "reconnect"
        : c.status === "at_risk" && app_credentials_updatable && c.client_secret_expires_on
          ? "secret"
          : null;
  return { ...c, status_label: own.label, broken: own.broken, needs_attention: own.needs_attention, fix, app_credentials_updatable };
}

export const SAMPLE_ENVIRONMENTS: EnvironmentPreset[] = [
  { id: "global", label: "Microsoft global", login_host: "https://login.microsoftonline.com", graph_url: "https://graph.microsoft.com" },
  { id: "usgov", label: "US Government (GCC High)", login_host: "https://login.microsoftonline.us", graph_url: "https://graph.microsoft.us" },
  { id: "usgov-dod", label: "US Government DoD", login_host: "https://login.microsoftonline.us", graph_url: "https://dod-graph.microsoft.us" },
  { id: "china", label: "China (21Vianet)", login_host: "https://login.chinacloudapi.cn", graph_url: "https://microsoftgraph.chinacloudapi.cn" },
  { id: "sandbox", label: "Sandbox (offline demo)", login_host: "", graph_url: "" },
  { id: "custom", label: "Advanced: any OpenID provider", login_host: "", graph_url: "" },
];

export const SAMPLE_BUILTIN_APP: BuiltInApp = {
  client_id: "6f0c1c1e-4b7a-4c1e-9a51-2d3f0a9b7c11",
  name: "Patchbay",
  redirect_uri: "http://localhost",
};

export function sampleConnection(overrides: Partial<ConnectionSummary> = {}): ConnectionSummary {
  const outlook = SAMPLE_CONNECTORS[0];
  const scopes = outlook ? outlook.default_scopes : [];
  return withFacts({
    id: "conn-1",
    name: "ada@contoso.com",
    connector_id: "outlook365",
    environment: "global",
    authority: "https://login.microsoftonline.com/organizations/v2.0",
    graph_url: "https://graph.microsoft.com",
    auth_type: "built_in_app",
    tenant: "organizations",
    client_id: SAMPLE_BUILTIN_APP.client_id,
    account: { oid: "0b5c4b0e-1f7e-4d6a-9d0e-6f1a2b3c4d5e", tid: "72f988bf-86f1-41af-91ab-2d7cd011db47", name: "Ada Lovelace", email: "ada@contoso.com" },
    scopes_requested: [...scopes],
    scopes_granted: [...scopes],
    scopes_missing: [],
    features_unavailable: [],
    has_client_secret: false,
    client_secret_expires_on: null,
    status: "healthy",
    status_reason: null,
    checked_at: "2026-11-26T08:02:00Z",
    unreachable_since: null,
    last_error: null,
    created_at: "2026-11-02T09:14:00Z",
    last_refreshed_at: "2026-11-26T08:02:00Z",
    ...overrides,
  });
}

export const ADMIN_CONSENT_ERROR: ErrorInfo = {
  code: "admin_consent_required",
  title: "Your organisation needs an administrator to approve Patchbay.",
  message:
    "Contoso only lets administrators approve apps that read mail. Send your administrator the approval link below; once they approve, choose Try again.",
  action: {
    label: "Approval link for your administrator",
    url: `https://login.microsoftonline.com/organizations/adminconsent?client_id=${SAMPLE_BUILTIN_APP.client_id}`,
  },
  detail:
    "AADSTS65001: The user or administrator has not consented to use the application with ID '6f0c1c1e-4b7a-4c1e-9a51-2d3f0a9b7c11' named 'Patchbay'.",
};

export const REDIRECT_ERROR: ErrorInfo = {
  code: "redirect_uri_mismatch",
  title: "Your app registration does not accept Patchbay's redirect URI.",
  message:
    "In the Entra admin center, open your app → Authentication → Mobile and desktop applications, add the URI below exactly, save, then choose Try again.",
  action: { label: "Redirect URI to register", url: "http://localhost" },
  detail:
    "AADSTS50011: The redirect URI 'http://localhost:53682/' specified in the request does not match the redirect URIs configured for the application.",
};

