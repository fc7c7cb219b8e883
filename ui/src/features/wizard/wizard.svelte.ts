// The wizard's state: everything the person typed lives here, so an error never resets the form.
import type {
  AuthType,
  ConnectEvent,
  ConnectRequest,
  ConnectionSummary,
  Connector,
  EnvironmentId,
  ErrorCode,
  ErrorInfo,
  Feature,
  Refusal,
} from "../../ipc";
import { defaultFeatureIds, isGuid, scopesForFeatures, tenantProblem, urlProblem } from "../../lib/scopes";

export const STEPS = ["Environment", "Sign-in method", "Sign in", "Done"] as const;
export type StepIndex = 0 | 1 | 2 | 3;

export type Phase = "idle" | "starting" | "waiting" | "exchanging" | "failed";

/** Errors whose fix is on the sign-in method step (the app registration, secret, scopes). */
const FIX_ON_AUTH_STEP: readonly ErrorCode[] = [
  "redirect_uri_mismatch",
  "invalid_client_secret",
  "client_secret_expired",
  "app_not_found",
  "invalid_scope",
  "invalid_input",
];

export class WizardModel {
  readonly connector: Connector;

  step = $state<StepIndex>(0);
  /** Set when Next was pressed on a step, so inline messages show only after a first try. */
  attempted = $state<Record<number, boolean>>({});

  environment = $state<EnvironmentId>("global");
  authority = $state("");
  graphUrl = $state("");

  authType = $state<AuthType>("built_in_app");
  /**
   * With the built-in app: a work or school account (the `organizations` authority) or a personal Microsoft
   * account (Outlook.com, Hotmail, Live: `consumers`, for sign-in and every refresh).
   */
  account = $state<"work" | "personal">("work");
  clientId = $state("");
  clientSecret = $state("");
  /**
   * A secret was typed and handed to the Rust side with a connect request, then cleared from this model: the
   * webview holds a secret only between typing and Connect. A second try must be given it again.
   */
  secretSent = $state(false);
  /** YYYY-MM-DD (a date input's value), or "": when the secret expires, for a reminder 14 days ahead. */
  clientSecretExpiresOn = $state("");
  tenant = $state("organizations");
  /** A redirect URI the person registered themselves (optional; empty = Patchbay's advice). */
  redirectUri = $state("");
  features = $state<string[]>([]);
  /**
   * With the built-in app: the opt-in features chosen (the catalogue marks them: each needs an administrator's
   * approval, so the built-in app does not ask for it unless chosen).
   */
  optIns = $state<string[]>([]);

  phase = $state<Phase>("idle");
  flowId = $state<string | null>(null);
  authUrl = $state("");
  opened = $state(true);
  waitingSince = $state(0);
  error = $state<ErrorInfo | null>(null);
  notice = $state("");
  connection = $state<ConnectionSummary | null>(null);
  private cancelRequested = false;
  /** Flows that ended or were abandoned: their late events are ignored. */
  // Bookkeeping only, never rendered: a plain Set on purpose.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly dead = new Set<string>();

  constructor(connector: Connector) {
    this.connector = connector;
    this.features = defaultFeatureIds(connector);
    if (!connector.auth_types.includes("built_in_app") && connector.auth_types[0]) {
      this.authType = connector.auth_types[0];
    }
  }

  get byo(): boolean {
    return this.authType === "bring_your_own_app";
  }

  /** The features the built-in app offers as a choice of their own (each needs an administrator's approval). */
  get optInFeatures(): Feature[] {
    return this.connector.features.filter((f) => f.opt_in === true);
  }

  /**
   * The core's refusal when a personal account is chosen for a connector that is not for them (Teams), in the
   * core's words: shown before any sign-in, and Next stays on the step. (Your own app with the `consumers` tenant
   * is refused by the core with the same words when Connect is pressed, before a browser opens.)
   */
  get personalRefusal(): Refusal | null {
    return !this.byo && this.account === "personal" ? this.connector.personal_refused : null;
  }

  /** The scopes that will be asked for: the connector's full list for the built-in app, minimal for your own. */
  get scopes(): string[] {
    if (this.byo) return scopesForFeatures(this.connector, this.features);
    // The core's list for personal accounts: no shared mailboxes, so none of the *.Shared scopes.
    const base = this.account === "personal" ? this.connector.personal_scopes : this.connector.default_scopes;
    const extra = this.optInFeatures.filter((f) => this.optIns.includes(f.id)).flatMap((f) => f.scopes);
    return [...base, ...extra.filter((s) => !base.includes(s))];
  }

  get environmentProblems(): { authority?: string; graphUrl?: string } {
    if (this.environment !== "custom") return {};
    const out: { authority?: string; graphUrl?: string } = {};
    const a = urlProblem("authority URL", this.authority);
    const g = urlProblem("Graph base URL", this.graphUrl);
    if (a) out.authority = a;
    if (g) out.graphUrl = g;
    return out;
  }

  get authProblems(): { clientId?: string; tenant?: string } {
    if (!this.byo) return {};
    const out: { clientId?: string; tenant?: string } = {};
    const id = this.clientId.trim();
    if (!id) out.clientId = "Enter the Application (client) ID from your app's Overview page in Entra.";
    else if (!isGuid(id))
      out.clientId = "A client ID looks like 00000000-0000-0000-0000-000000000000 (the Application ID, not the Object ID).";
    const t = tenantProblem(this.tenant);
    if (t) out.tenant = t;
    return out;
  }

  get busy(): boolean {
    return this.phase === "starting" || this.phase === "waiting" || this.phase === "exchanging";
  }

  /** Validate the current step; true when Next may proceed. */
  validate(): boolean {
    this.attempted = { ...this.attempted, [this.step]: true };
    if (this.step === 0) return Object.keys(this.environmentProblems).length === 0;
    if (this.step === 1) return Object.keys(this.authProblems).length === 0 && this.personalRefusal === null;
    return true;
  }

  next(): boolean {
    if (this.step >= 2 || !this.validate()) return false;
    // Asked to type the secret again and went on without it: a public client from now on.
    if (this.step === 1 && !this.clientSecret) this.secretSent = false;
    this.step = (this.step + 1) as StepIndex;
    return true;
  }

  back(): void {
    if (this.busy || this.step === 0 || this.step === 3) return;
    this.step = (this.step - 1) as StepIndex;
  }

  goTo(step: StepIndex): void {
    if (this.busy) return;
    this.step = step;
  }

  /** Where the error of a failed sign-in is fixed: the step to send the person back to. */
  get fixStep(): StepIndex | null {
    const code = this.error?.code;
    if (!code) return null;
    if (FIX_ON_AUTH_STEP.includes(code) && this.byo) return 1;
    if (code === "network_unreachable" && this.environment === "custom") return 0;
    return null;
  }

  request(): ConnectRequest {
    const r: ConnectRequest = {
      connector_id: this.connector.id,
      environment: this.environment,
      auth_type: this.authType,
    };
    if (this.environment === "custom") {
      r.authority = this.authority.trim();
      r.graph_url = this.graphUrl.trim();
    }
    if (this.byo) {
      r.client_id = this.clientId.trim();
      if (this.clientSecret) {
        r.client_secret = this.clientSecret;
        if (this.clientSecretExpiresOn) r.client_secret_expires_on = this.clientSecretExpiresOn;
      }
      r.tenant = this.tenant.trim() || "organizations";
      r.features = [...this.features];
      if (this.redirectUri.trim()) r.redirect_uri = this.redirectUri.trim();
    } else {
      if (this.account === "personal") r.tenant = "consumers";
      const chosen = this.optInFeatures.filter((f) => this.optIns.includes(f.id)).map((f) => f.id);
      if (chosen.length > 0) r.features = chosen;
    }
    return r;
  }

  /** The request to send, once: a typed client secret leaves this model with it. */
  takeRequest(): ConnectRequest {
    const r = this.request();
    if (r.client_secret) {
      this.clientSecret = "";
      this.secretSent = true;
    }
    return r;
  }

  /** Your own app had a secret, it went with the last try, and has not been typed again. */
  get needsSecretAgain(): boolean {
    return this.byo && this.secretSent && !this.clientSecret;
  }

  // --- the sign-in flow -------------------------------------------------------------------------------

  beginConnect(): void {
    this.phase = "starting";
    this.error = null;
    this.notice = "";
    this.authUrl = "";
    this.flowId = null;
    this.cancelRequested = false;
  }

  /** Apply one progress event; events of another (older) flow are ignored. */
  onEvent(event: ConnectEvent): void {
    if (this.dead.has(event.flow_id) || !this.busy) return;
    if (this.flowId && event.flow_id !== this.flowId) return;
    this.flowId = event.flow_id;
    switch (event.kind) {
      case "waiting_for_browser":
        this.phase = "waiting";
        this.authUrl = event.auth_url;
        this.opened = event.opened;
        this.waitingSince = Date.now();
        break;
      case "exchanging":
        this.phase = "exchanging";
        break;
      case "connected":
        this.dead.add(event.flow_id);
        this.connection = event.connection;
        this.phase = "idle";
        this.step = 3;
        break;
      case "failed":
        this.fail(event.error);
        break;
    }
  }

  fail(error: ErrorInfo): void {
    if (error.code === "cancelled" && this.cancelRequested) {
      this.phase = "idle";
      this.error = null;
      this.notice = "Sign-in cancelled. Nothing was saved.";
    } else {
      this.phase = "failed";
      this.error = error;
    }
    if (this.flowId) this.dead.add(this.flowId);
    this.flowId = null;
    this.cancelRequested = false;
  }

  /** start_connect resolved. Returns false when the person already cancelled: the caller cancels the flow. */
  started(flowId: string): boolean {
    if (this.dead.has(flowId)) return true; // already finished
    if (this.busy) {
      this.flowId = flowId;
      return true;
    }
    this.dead.add(flowId); // cancelled before it started
    return false;
  }

  /** Mark a cancel as asked for; returns the flow id to cancel, if any. */
  requestCancel(): string | null {
    this.cancelRequested = true;
    const id = this.flowId;
    if (!id) this.fail({ code: "cancelled", title: "Sign-in cancelled.", message: "Nothing was saved." });
    return id;
  }
}
