//! Signing in, new or again: a pure [`plan`] (request → validated endpoints, scopes, redirect) and the
//! [`advice`] on what redirect URI to register, the [`flow`]
//! (listener or deep link, wait, issuer and ID-token checks → tokens), the [`grant`] diff (requested versus
//! granted), and [`persist`] (record, seal, store). The core owns every flow in progress ([`flows`]): the
//! shell only starts, cancels and feeds them.

pub mod advice;
pub mod check;
pub mod flow;
pub mod flows;
pub mod grant;
pub mod persist;
pub mod plan;

pub use advice::{redirect_advice, DEEP_LINK_REDIRECT};
pub use check::{check_request, hosted_sandbox};
pub use flows::Flows;
pub use plan::{Plan, Redirect, Target};

use crate::catalogue::Catalogue;
use crate::config::CoreConfig;
use crate::connections::Connections;
use crate::error::{ErrorCode, ErrorInfo};
use crate::health::Registry;
use crate::model::{ConnectEvent, ConnectRequest, ConnectionSummary, FixRequest};
use crate::oauth::discovery::Discovery;
use crate::sandbox_host::SandboxProvider;
use crate::tasks::Tasks;
use crate::tokens::TokenManager;
use crate::vault::Vault;
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How a sign-in runs.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Open the system browser (the CLI's `--no-browser` and headless tests turn it off).
    pub open_browser: bool,
    /// Give up waiting for the browser after this long.
    pub timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            open_browser: true,
            timeout: Duration::from_secs(300),
        }
    }
}

/// What a sign-in is for.
enum Work {
    New(ConnectRequest),
    Fix(FixRequest),
}

/// Where a sign-in reports its progress.
pub type Events = dyn Fn(ConnectEvent) + Send + Sync;

/// Sign-ins: new connections and fixes of existing ones, each a flow the core owns from the plan to the sealed
/// secrets.
pub struct SignIns {
    config: CoreConfig,
    catalogue: Arc<Catalogue>,
    connections: Arc<Connections>,
    vault: Arc<Vault>,
    discovery: Arc<Discovery>,
    http: reqwest::Client,
    sandbox: Arc<dyn SandboxProvider>,
    tokens: Arc<TokenManager>,
    registry: Arc<Registry>,
    tasks: Tasks,
    flows: Flows,
}

impl SignIns {
    #[allow(clippy::too_many_arguments)] // what a sign-in touches, each named
    pub(crate) fn new(
        config: CoreConfig,
        catalogue: Arc<Catalogue>,
        connections: Arc<Connections>,
        vault: Arc<Vault>,
        discovery: Arc<Discovery>,
        http: reqwest::Client,
        sandbox: Arc<dyn SandboxProvider>,
        tokens: Arc<TokenManager>,
        registry: Arc<Registry>,
        tasks: Tasks,
    ) -> Self {
        Self {
            config,
            catalogue,
            connections,
            vault,
            discovery,
            http,
            sandbox,
            tokens,
            registry,
            tasks,
            flows: Flows::default(),
        }
    }

    /// The sign-ins in progress.
    pub fn flows(&self) -> &Flows {
        &self.flows
    }

    /// Sign in and create a connection. Progress goes to `events`; `cancel` stops it at any point.
    pub async fn connect(
        &self,
        req: ConnectRequest,
        options: ConnectOptions,
        flow_id: &str,
        events: &Events,
        cancel: CancellationToken,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        let slot = self.flows.register(flow_id, cancel);
        self.run_flow(slot, Work::New(req), options, events).await
    }

    /// Sign in again for an existing connection, as the same account (`login_hint` names it; another account
    /// is refused and nothing changes).
    pub async fn fix(
        &self,
        req: FixRequest,
        options: ConnectOptions,
        flow_id: &str,
        events: &Events,
        cancel: CancellationToken,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        let slot = self.flows.register(flow_id, cancel);
        self.run_flow(slot, Work::Fix(req), options, events).await
    }

    /// Start a sign-in in the background (the app); returns its flow id at once.
    pub fn start_connect(
        self: &Arc<Self>,
        req: ConnectRequest,
        options: ConnectOptions,
        events: impl Fn(ConnectEvent) + Send + Sync + 'static,
    ) -> String {
        self.start(Work::New(req), options, Arc::new(events))
    }

    /// Start the fix of a connection in the background; returns its flow id at once.
    pub fn start_fix(
        self: &Arc<Self>,
        req: FixRequest,
        options: ConnectOptions,
        events: impl Fn(ConnectEvent) + Send + Sync + 'static,
    ) -> String {
        self.start(Work::Fix(req), options, Arc::new(events))
    }

    fn start(self: &Arc<Self>, work: Work, options: ConnectOptions, events: Arc<Events>) -> String {
        let flow_id = uuid::Uuid::new_v4().to_string();
        let sign_ins = self.clone();
        let id = flow_id.clone();
        // The task's token comes from the core's root, so shutdown cancels it; the registry cancels it by id.
        self.tasks.run(move |cancel| async move {
            let slot = sign_ins.flows.register(&id, cancel);
            let _ = sign_ins
                .run_flow(slot, work, options, events.as_ref())
                .await;
        });
        flow_id
    }

    /// Cancel a sign-in in progress (unknown or finished ids are fine).
    pub fn cancel_connect(&self, flow_id: &str) {
        self.flows.cancel(flow_id);
    }

    /// Hand a `patchbay://oauth/callback?...` deep link to the sign-in waiting for it.
    pub fn deliver_callback(&self, url: &str) -> Result<(), ErrorInfo> {
        self.flows.deliver_callback(url)
    }

    /// End sign-in `flow_id` with the error Microsoft showed on its own page (pasted by the person).
    pub fn report_sign_in_page_error(
        &self,
        flow_id: &str,
        text: &str,
    ) -> Result<ErrorInfo, ErrorInfo> {
        self.flows.report_page_error(flow_id, text)
    }

    async fn run_flow(
        &self,
        slot: flows::FlowSlot,
        work: Work,
        options: ConnectOptions,
        events: &Events,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        // Cancel stops every step (discovery, waiting, the code exchange), not only the wait for the browser.
        let cancel = slot.cancel.clone();
        let flow_id = slot.id().to_string();
        let result = tokio::select! {
            result = self.sign_in_and_persist(&slot, work, &options, events) => result,
            _ = cancel.cancelled() => Err(flow::cancelled()),
        };
        drop(slot);
        match &result {
            Ok(summary) => events(ConnectEvent::Connected {
                flow_id,
                connection: summary.clone(),
            }),
            Err(error) => events(ConnectEvent::Failed {
                flow_id,
                error: error.clone(),
            }),
        }
        result
    }

    async fn sign_in_and_persist(
        &self,
        slot: &flows::FlowSlot,
        work: Work,
        options: &ConnectOptions,
        events: &Events,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        let plan = match work {
            Work::New(req) => self.plan_new(req).await?,
            Work::Fix(req) => self.plan_fix(req).await?,
        };
        self.discovery
            .get(&self.http, &plan.endpoints.authority)
            .await?;
        // Make sure the keychain works before the person signs in, not after.
        {
            let _lock = self.connections.store.lock()?;
            self.vault.ensure_key()?;
        }
        let signed_in =
            flow::sign_in(&self.http, &self.discovery, &plan, slot, options, events).await?;
        // A fix replaces the connection's secrets: not while a refresh of it is under way.
        let _guard = match &plan.target {
            Target::Fix { id, .. } => Some(self.tokens.locks().acquire(id).await?),
            Target::New { .. } => None,
        };
        self.persist(&plan, signed_in)
    }

    /// The link an administrator opens to approve for the organisation what `req` would ask for (an opt-in
    /// feature such as Teams' "Read channel messages"), before any sign-in; `req` is checked as a sign-in's.
    pub async fn admin_consent_link(&self, req: ConnectRequest) -> Result<String, ErrorInfo> {
        Ok(self.plan_new(req).await?.ctx.admin_consent_url())
    }

    /// Plan a new connection; the Sandbox environment without URLs gets the in-process sandbox's.
    async fn plan_new(&self, mut req: ConnectRequest) -> Result<Plan, ErrorInfo> {
        let hosted = check::hosted_sandbox(&req);
        if hosted {
            let tenant = req
                .tenant
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .unwrap_or("organizations")
                .to_string();
            crate::environment::check_tenant(&tenant).map_err(|e| {
                ErrorInfo::new(
                    ErrorCode::InvalidInput,
                    "The tenant is not valid.",
                    e.to_string(),
                )
            })?;
            let endpoints = self.sandbox.endpoints(&tenant).await?;
            req.authority = Some(endpoints.authority.to_string());
            req.graph_url = Some(endpoints.graph_url.to_string());
        }
        Plan::new(&self.config, &self.catalogue, &req, hosted)
    }

    /// Plan the fix of a connection: its own settings, its sealed client secret unless a new one is given.
    async fn plan_fix(&self, req: FixRequest) -> Result<Plan, ErrorInfo> {
        let record = self.connections.record(&req.id)?;
        let endpoints = self.connections.endpoints(&record).await?;
        let given = req
            .client_secret
            .filter(|s| !s.expose_secret().trim().is_empty());
        let secret = match given {
            Some(s) => Some(s),
            None if record.info.has_client_secret => {
                let sealed = self
                    .tokens
                    .open_secrets(&req.id)
                    .ok()
                    .and_then(|s| s.client_secret);
                Some(sealed.ok_or_else(|| {
                    ErrorInfo::new(
                        ErrorCode::InvalidClientSecret,
                        "This connection's client secret is not on this computer any more.",
                        "Enter the app's client secret (its Value, from Certificates & secrets) to fix the connection.",
                    )
                })?)
            }
            None => None,
        };
        let mut plan = Plan::for_fix(&self.catalogue, &record, endpoints, secret)?;
        if let Some(day) = req
            .client_secret_expires_on
            .filter(|d| !d.trim().is_empty())
        {
            plan.client_secret_expires_on = Some(check::parse_day(&day)?);
        }
        Ok(plan)
    }
}
