//! The sandbox's in-memory world: tenant, users, app registrations, sign-in transactions, codes, tokens,
//! the control toggles and the request counters. One mutex; never held across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::persist::{Durable, TenantFile};

use crate::jwt::Signer;
use crate::{DEMO_TENANT_DOMAIN, DEMO_TENANT_ID};

pub use crate::directory::{built_in_apps, demo_users, App, DemoUser, DEMO_TENANT_NAME};

/// A validated `/authorize` request, waiting for the user on the sign-in and consent pages.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub tenant: String,
    pub client_id: String,
    pub redirect_uri: String,
    /// Canonical granted-if-consented scopes (`.default` already expanded).
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    /// `client_info=1`: the redirect carries the `client_info` MSAL asks for.
    pub client_info: bool,
    pub session_state: String,
    /// Set once the user signed in.
    pub user_id: Option<String>,
    pub created: Instant,
}

/// An admin-consent request (`/{tenant}/v2.0/adminconsent`).
#[derive(Debug, Clone)]
pub struct AdminConsentRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub created: Instant,
}

#[derive(Debug, Clone)]
pub enum Transaction {
    Authorize(AuthRequest),
    AdminConsent(AdminConsentRequest),
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub request: AuthRequest,
    pub user_id: String,
    pub granted: Vec<String>,
    pub issued: Instant,
    pub redeemed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefreshGrant {
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub issued_unix: u64,
    /// When this token was exchanged (rotated) for a new one, in Unix milliseconds (wall-clock time, so
    /// another process serving the same tenant file reads it the same).
    pub used_unix_ms: Option<u64>,
    pub revoked: bool,
    pub expired: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessGrant {
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub expires_unix: u64,
}

/// A refresh that is carried out (the refresh token redeemed, a new one issued) but answered with a 200 that
/// a careful client must not take, as a broken proxy or a provider bug would: see
/// [`SandboxControl::garble_next_refresh`](crate::SandboxControl::garble_next_refresh).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Garble {
    /// `expires_in: 0`.
    ZeroLifetime,
    /// No `token_type`: not an OAuth token response, though the new refresh token is in it.
    Unreadable,
    /// The body cut short, so it is not JSON at all: the new refresh token in it cannot be read. The one
    /// redeemed is spent, and its successor lost with the answer.
    Truncated,
}

#[derive(Debug, Clone, Copy)]
pub struct FailPlan {
    pub status: u16,
    pub remaining: u32,
    pub retry_after: Option<u64>,
}

/// Request counters, as served by `GET /_sandbox/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub discovery_requests: u64,
    pub jwks_requests: u64,
    pub authorize_requests: u64,
    /// Codes handed to the app (completed sign-ins).
    pub codes_issued: u64,
    /// Token endpoint requests by `grant_type` (`"(none)"` when missing), errors included.
    pub token_requests: BTreeMap<String, u64>,
    pub token_errors: u64,
    /// Graph HTTP requests; a `$batch` counts once.
    pub graph_requests: u64,
    /// Requests carried inside `$batch` requests (each dispatched like a request of its own).
    pub graph_batch_items: u64,
    /// Responses replaced by `POST /_sandbox/fail`.
    pub injected_failures: u64,
}

/// Adjustable settings (initially from [`crate::SandboxOptions`]).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub access_token_lifetime: Duration,
    pub refresh_token_grace: Duration,
    pub code_lifetime: Duration,
}

pub struct Inner {
    pub users: Vec<DemoUser>,
    pub transactions: HashMap<String, Transaction>,
    pub codes: HashMap<String, AuthCode>,
    /// What a tenant keeps across restarts: apps, grants, tokens, consents (see [`crate::persist`]).
    pub tenant: Durable,
    /// Where the tenant is kept, if anywhere (`None`: in memory only).
    pub tenant_file: Option<TenantFile>,
    pub admin_consent_required_all: bool,
    pub admin_consent_required: std::collections::HashSet<String>,
    pub mfa_required: bool,
    /// The user has not registered for MFA yet: sign-ins come back with AADSTS50079.
    pub mfa_registration_required: bool,
    /// Where admin consent is required, show Microsoft's "Need admin approval" page (AADSTS90094) and stay
    /// there, instead of redirecting back with AADSTS65001.
    pub admin_approval_page: bool,
    pub deny_scopes: HashMap<String, Vec<String>>,
    pub latency: Duration,
    pub fail: Option<FailPlan>,
    /// The next forwards are carried out (the mail goes) and answered 504, as a gateway that timed out waiting
    /// for Exchange does.
    pub forwards_unconfirmed: u32,
    pub garble_refresh: Option<Garble>,
    pub settings: Settings,
    pub stats: Stats,
    /// Mailbox time zones set by `POST /_sandbox/mailbox-timezone`, by user ID (else each user's default).
    /// Like the demo mailbox itself, never written to the tenant file.
    pub mailbox_time_zones: HashMap<String, String>,
    /// Drafts, mail sent and events created, by user ID (see [`crate::graph::writes`]). Not persisted either.
    pub mailbox_writes: HashMap<String, crate::graph::writes::Writes>,
    /// Each mailbox's mail delivered, moved, changed and removed since the start, for every read and for delta
    /// queries, and its attachments' reads (by user ID).
    pub mail_logs: HashMap<String, crate::graph::mailstore::MailLog>,
    pub calendar_logs: HashMap<String, crate::graph::calendar_delta::CalendarLog>,
    /// OneDrive and SharePoint: the drives, sites and upload sessions (laid out on first use; uploaded and large
    /// files live in a temporary folder that goes with this state). Not persisted either.
    pub files: crate::graph::drive::store::Files,
    /// Microsoft Teams: teams, channels, chats and their messages (laid out on first use), what apps sent, and
    /// Teams' own rate limit. Not persisted either.
    pub teams: crate::graph::teams::model::Teams,
}

impl Inner {
    pub fn new(settings: Settings) -> Inner {
        Inner {
            users: demo_users(),
            transactions: HashMap::new(),
            codes: HashMap::new(),
            tenant: Durable {
                apps: built_in_apps(),
                ..Durable::default()
            },
            tenant_file: None,
            admin_consent_required_all: false,
            admin_consent_required: std::collections::HashSet::new(),
            mfa_required: false,
            mfa_registration_required: false,
            admin_approval_page: false,
            deny_scopes: HashMap::new(),
            latency: Duration::ZERO,
            fail: None,
            forwards_unconfirmed: 0,
            garble_refresh: None,
            settings,
            stats: Stats::default(),
            mailbox_time_zones: HashMap::new(),
            mailbox_writes: HashMap::new(),
            mail_logs: HashMap::new(),
            calendar_logs: HashMap::new(),
            files: Default::default(),
            teams: Default::default(),
        }
    }

    pub fn user_by_email(&self, email: &str) -> Option<&DemoUser> {
        let email = email.trim();
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub fn user_by_id(&self, id: &str) -> Option<&DemoUser> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Take one injected failure, if any is pending.
    pub fn take_failure(&mut self) -> Option<FailPlan> {
        let plan = self.fail?;
        if plan.remaining <= 1 {
            self.fail = None;
        } else {
            self.fail = Some(FailPlan {
                remaining: plan.remaining - 1,
                ..plan
            });
        }
        if plan.remaining == 0 {
            return None;
        }
        self.stats.injected_failures += 1;
        Some(plan)
    }

    pub fn admin_consent_blocks(&self, client_id: &str) -> bool {
        (self.admin_consent_required_all || self.admin_consent_required.contains(client_id))
            && !self.tenant.admin_consented.contains(client_id)
    }

    /// Drop stale sign-in transactions and codes (keeps memory bounded in long demos).
    pub fn sweep(&mut self) {
        let day = Duration::from_secs(24 * 3600);
        self.transactions.retain(|_, t| match t {
            Transaction::Authorize(a) => a.created.elapsed() < day,
            Transaction::AdminConsent(a) => a.created.elapsed() < day,
        });
        self.codes.retain(|_, c| c.issued.elapsed() < day);
        let now = crate::util::unix_now();
        self.tenant
            .access_tokens
            .retain(|_, a| a.expires_unix + 24 * 3600 > now);
        // A rotated refresh token is only kept for its grace period (and a day to tell it from a bad one).
        let grace_ms = self.settings.refresh_token_grace.as_millis() as u64 + 24 * 3600 * 1000;
        let now_ms = crate::util::unix_now_ms();
        self.tenant
            .refresh_tokens
            .retain(|_, g| g.used_unix_ms.is_none_or(|used| used + grace_ms > now_ms));
    }
}

/// Shared by all handlers and [`crate::SandboxControl`].
pub struct AppState {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
    pub signer: Signer,
    pub initial_settings: Settings,
    /// The demo mailbox's "now": the start time, truncated to the minute. Every message and event is placed
    /// relative to it, so listings stay put while a client pages through them.
    pub anchor: jiff::Timestamp,
    /// Whether the `/_sandbox/` control endpoints answer over HTTP (see [`crate::SandboxOptions::control`]).
    pub control: bool,
    /// This run's number, in every delta token it gives: a token of another run (the mailboxes live in memory)
    /// is answered 410, as Graph answers a sync state it no longer has.
    pub instance: u32,
    /// This run's random key, which proves it is the sandbox a listing names (see [`crate::proof`]).
    pub proof_key: [u8; 32],
    inner: Mutex<Inner>,
}

impl AppState {
    pub fn new(base: String, signer: Signer, settings: Settings, control: bool) -> AppState {
        let now = jiff::Timestamp::now();
        let anchor = jiff::Timestamp::from_second(now.as_second() - now.as_second().rem_euclid(60))
            .unwrap_or(now);
        AppState {
            base,
            signer,
            initial_settings: settings,
            anchor,
            control,
            instance: (now.as_nanosecond() as u64 ^ u64::from(std::process::id()).rotate_left(32))
                as u32,
            proof_key: crate::proof::new_key(),
            inner: Mutex::new(Inner::new(settings)),
        }
    }

    /// The state, in step with the tenant file when there is one: another process's changes are read first,
    /// this one's are written when the guard drops (under the file's lock the whole time).
    pub fn lock(&self) -> StateGuard<'_> {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut file_lock = None;
        let state = &mut *inner;
        if let Some(file) = state.tenant_file.as_mut() {
            match file.lock() {
                Ok(lock) => {
                    file.reload(&mut state.tenant);
                    file_lock = Some(lock);
                }
                Err(e) => tracing::warn!("cannot lock the sandbox's tenant file: {e}"),
            }
        }
        StateGuard {
            inner,
            _file_lock: file_lock,
        }
    }

    /// The issuer of the demo tenant: `{base}/{tenant id}/v2.0`.
    pub fn issuer(&self) -> String {
        format!("{}/{}/v2.0", self.base, DEMO_TENANT_ID)
    }

    /// The issuer of `user`'s tokens: the demo tenant's, or for a personal account the consumers tenant's.
    pub fn issuer_for(&self, user: &DemoUser) -> String {
        if user.personal {
            format!("{}/{}/v2.0", self.base, crate::CONSUMERS_TENANT_ID)
        } else {
            self.issuer()
        }
    }
}

/// The sandbox's state, locked. Derefs to [`Inner`]; on drop, a changed tenant is saved to its file.
pub struct StateGuard<'a> {
    inner: MutexGuard<'a, Inner>,
    // Dropped after `drop` below has saved: the save happens under the lock.
    _file_lock: Option<std::fs::File>,
}

impl std::ops::Deref for StateGuard<'_> {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl std::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut Inner {
        &mut self.inner
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        // Only a guard that read the file under its lock may write it back.
        if self._file_lock.is_none() {
            return;
        }
        let state = &mut *self.inner;
        // Expired and long-rotated tokens go before saving, so the file stays the size of the live tenant.
        state.sweep();
        if let Some(file) = state.tenant_file.as_mut() {
            file.save(&state.tenant);
        }
    }
}

/// The tenant segments the sandbox answers to.
pub fn tenant_known(tenant: &str) -> bool {
    [
        "common",
        "organizations",
        "consumers",
        DEMO_TENANT_ID,
        DEMO_TENANT_DOMAIN,
    ]
    .iter()
    .any(|t| t.eq_ignore_ascii_case(tenant))
}

/// Multi-tenant authorities (their discovery issuer is the `{tenantid}` template).
pub fn tenant_is_multi(tenant: &str) -> bool {
    ["common", "organizations", "consumers"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tenant))
}
