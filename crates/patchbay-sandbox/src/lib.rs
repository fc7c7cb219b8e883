//! A local stand-in for Microsoft's identity platform (v2.0) and Microsoft Graph, served on 127.0.0.1.
//!
//! It speaks the OAuth 2.0 authorization code flow with PKCE exactly as the real
//! `login.microsoftonline.com` does — OpenID discovery per authority, sign-in and consent pages, the token
//! endpoint with Microsoft's `AADSTS` errors, RS256-signed ID tokens — plus a small Microsoft Graph under
//! `/graph` (the profile, a generated demo mailbox with its folders and a calendar per user, OneDrive and
//! SharePoint, Microsoft Teams chats and channels, JSON batching), and control levers that make sign-in and Graph fail in Microsoft's ways:
//! [`Sandbox::control`] in process, and JSON endpoints under `/_sandbox/` when [`SandboxOptions::control`] is on.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = patchbay_sandbox::Sandbox::start(Default::default()).await?;
//! println!("{}", sandbox.authority("organizations"));
//! sandbox.control().set_mfa_required(true);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

mod authorize;
mod client_auth;
mod control;
mod directory;
mod discovery;
mod errors;
mod graph;
mod jwt;
mod mint;
mod pages;
mod persist;
mod proof;
mod scopes;
mod state;
mod token;
mod util;

#[cfg(feature = "driver")]
pub mod driver;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use control::{
    AppRegistration, ControlError, DeliveredMail, FileContent, FileInfo, MailState, NewAttachment,
    NewMail, SandboxControl, TeamsBody, TeamsEvent, TeamsMessage, TeamsPlace, TeamsSent,
    UploadLever,
};
pub use graph::attachments::model::pattern as attachment_pattern;
pub use graph::calendar_delta::EventChange;
pub use state::{DemoUser, Garble, Stats};

use state::AppState;

/// The pre-registered public client "Microsoft Graph Command Line Tools" (redirect `http://localhost`, any port).
pub const BUILT_IN_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
/// The demo tenant's ID.
pub const DEMO_TENANT_ID: &str = "8c5b2f9e-3d4a-4e61-9b7c-2f1a0d6e5c43";
/// The tenant of every personal Microsoft account (the sandbox's personal demo user's too).
pub const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
/// The demo tenant's domain (also usable as the tenant segment of an authority).
pub const DEMO_TENANT_DOMAIN: &str = "contoso.example";
/// A pre-registered confidential ("Web") bring-your-own app; redirect URIs `http://localhost` and
/// `http://localhost/callback` (port ignored, as Microsoft does for localhost).
pub const DEMO_APP_CLIENT_ID: &str = "b7f3c1d2-5e6a-4f8b-9c0d-1e2f3a4b5c6d";
/// The secret of [`DEMO_APP_CLIENT_ID`].
pub const DEMO_APP_SECRET: &str = "sbx~Q8s7Kp2.Vw9Lr4_Tn6Yh3Jm1Zx5Cb0Fd";
/// A pre-registered public ("Mobile and desktop") bring-your-own app; redirect `http://localhost`, any port.
pub const DEMO_PUBLIC_APP_CLIENT_ID: &str = "3e9a6b1c-7d2f-4a5e-8b0c-9f1d2e3a4b5c";

/// How to start the sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// `expires_in` of access tokens (default one hour).
    pub access_token_lifetime: Duration,
    /// How long a refresh token still works after it was rotated (default 0: single use).
    pub refresh_token_grace: Duration,
    /// Lifetime of authorization codes (default 10 minutes).
    pub code_lifetime: Duration,
    /// Keep the tenant (apps, grants, tokens, consents) in this file, shared with every sandbox serving it, so
    /// it survives restarts as a real tenant does. `None` (the default): in memory only.
    pub tenant_file: Option<std::path::PathBuf>,
    /// Serve the `/_sandbox/` control endpoints (revoke, fail, MFA and the rest) over HTTP. Off by default:
    /// anything on this machine that can reach the port — any local program, and a web page for whatever a
    /// browser lets through — could otherwise revoke grants or break sign-ins. Turn it on for tests and demos.
    /// [`Sandbox::control`] works either way (it is not HTTP). Off, the endpoints answer 404 saying how to turn
    /// them on; the page at `/_sandbox/` stays.
    pub control: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            port: 0,
            access_token_lifetime: Duration::from_secs(3600),
            refresh_token_grace: Duration::ZERO,
            code_lifetime: Duration::from_secs(600),
            tenant_file: None,
            control: false,
        }
    }
}

/// A running sandbox. Dropping it stops the server (as does [`Sandbox::shutdown`]).
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<AppState>,
    running: std::sync::Mutex<Running>,
}

/// The server task and its stop signal, taken when stopping.
#[derive(Default)]
struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Bind 127.0.0.1:`opts.port` and serve in the background (needs a Tokio runtime).
    pub async fn start(opts: SandboxOptions) -> std::io::Result<Sandbox> {
        let signer = jwt::Signer::load()?;
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port)).await?;
        let addr = listener.local_addr()?;
        let settings = state::Settings {
            access_token_lifetime: opts.access_token_lifetime,
            refresh_token_grace: opts.refresh_token_grace,
            code_lifetime: opts.code_lifetime,
        };
        let state = Arc::new(AppState::new(
            format!("http://{addr}"),
            signer,
            settings,
            opts.control,
        ));
        if let Some(path) = opts.tenant_file {
            state.lock().tenant_file = Some(persist::TenantFile::new(path));
            // The first guard with the file reads the tenant under its lock (and creates the file if missing).
            drop(state.lock());
        }
        let app = router(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let result = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = result {
                tracing::warn!("sandbox server stopped: {e}");
            }
        });
        tracing::debug!("sandbox listening on http://{addr}");
        Ok(Sandbox {
            addr,
            state,
            running: std::sync::Mutex::new(Running {
                stop: Some(stop),
                task: Some(task),
            }),
        })
    }

    /// `http://127.0.0.1:PORT/`
    pub fn base_url(&self) -> url::Url {
        parse_url(&format!("http://{}/", self.addr))
    }

    /// `http://127.0.0.1:PORT/{tenant}/v2.0` (no trailing slash).
    pub fn authority(&self, tenant: &str) -> url::Url {
        let mut url = self.base_url();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.clear().push(tenant).push("v2.0");
        }
        url
    }

    /// `http://127.0.0.1:PORT/graph` (Graph paths follow: `/graph/v1.0/me`).
    pub fn graph_url(&self) -> url::Url {
        parse_url(&format!("http://{}/graph", self.addr))
    }

    /// This run's random key (base64url), for the listing that tells other programs where it runs: with it, a
    /// reader checks that the sandbox answering there is this one (`GET /_sandbox/proof`). Never serve it.
    pub fn proof_key(&self) -> String {
        proof::encode_key(&self.state.proof_key)
    }

    /// In-process control, sharing state with the `/_sandbox/` endpoints (available whether or not
    /// [`SandboxOptions::control`] serves those over HTTP).
    pub fn control(&self) -> SandboxControl {
        SandboxControl {
            state: self.state.clone(),
        }
    }

    /// Stop serving and wait (at most a few seconds) for open connections to finish.
    pub async fn shutdown(self) {
        self.stop(Duration::from_secs(3)).await;
    }

    /// Stop serving and wait up to `limit` for open connections to finish (then drop them). Later calls do
    /// nothing.
    pub async fn stop(&self, limit: Duration) {
        let running = std::mem::take(&mut *self.running.lock().unwrap_or_else(|p| p.into_inner()));
        if let Some(stop) = running.stop {
            let _ = stop.send(());
        }
        if let Some(task) = running.task {
            let abort = task.abort_handle();
            if tokio::time::timeout(limit, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let running = std::mem::take(&mut *self.running.lock().unwrap_or_else(|p| p.into_inner()));
        if let Some(stop) = running.stop {
            let _ = stop.send(());
        }
        if let Some(task) = running.task {
            // Open keep-alive connections must not keep a dropped sandbox alive.
            let abort = task.abort_handle();
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    if tokio::time::timeout(Duration::from_secs(3), task)
                        .await
                        .is_err()
                    {
                        abort.abort();
                    }
                });
            } else {
                abort.abort();
            }
        }
    }
}

fn parse_url(s: &str) -> url::Url {
    // `s` is built from a bound socket address, which always parses.
    url::Url::parse(s).unwrap_or_else(|_| url::Url::parse("http://127.0.0.1/").expect("static URL"))
}

/// The delay set by `POST /_sandbox/latency`, before every identity and Graph response.
async fn latency(State(st): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let delay = st.lock().latency;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    next.run(request).await
}

/// Only requests addressed to this computer by name or loopback address (`Host` with any port). The sandbox
/// listens on 127.0.0.1 only, but a web page can reach it anyway by DNS rebinding (its own name made to
/// resolve to 127.0.0.1): the browser then sends that name as `Host`, and the page could read the control
/// endpoints and drive the sign-in pages. Every such request is refused.
async fn loopback_host_only(request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok());
    if host.is_some_and(util::is_loopback_host) {
        next.run(request).await
    } else {
        (
            axum::http::StatusCode::MISDIRECTED_REQUEST,
            "This sandbox answers only requests addressed to 127.0.0.1, [::1] or localhost.\n",
        )
            .into_response()
    }
}

fn router(state: Arc<AppState>) -> Router {
    use axum::routing::post;
    let identity = Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::jwks))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize::authorize))
        .route("/{tenant}/oauth2/v2.0/login", post(authorize::login))
        .route("/{tenant}/oauth2/v2.0/consent", post(authorize::consent))
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(token::token).get(token::token_get),
        )
        .route("/{tenant}/oauth2/v2.0/logout", get(authorize::logout))
        .route(
            "/{tenant}/v2.0/adminconsent",
            get(authorize::admin_consent_page).post(authorize::admin_consent_submit),
        )
        .merge(graph::router())
        .layer(middleware::from_fn_with_state(state.clone(), latency));
    Router::new()
        .merge(identity)
        .merge(control::router(state.clone()))
        .route("/_sandbox/proof", get(proof::answer))
        .route("/", get(|| async { Redirect::to("/_sandbox/") }))
        .route("/error", get(error_help))
        .fallback(|| async { pages::not_found().into_response() })
        .layer(middleware::from_fn(loopback_host_only))
        .with_state(state)
}

async fn error_help(axum::extract::RawQuery(q): axum::extract::RawQuery) -> Response {
    let p = util::parse_pairs(q.unwrap_or_default().as_bytes());
    pages::error_help(
        p.get("code")
            .and_then(|c| c.trim_start_matches("AADSTS").parse().ok()),
    )
}
