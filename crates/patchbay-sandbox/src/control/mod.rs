//! Test and demo levers: [`SandboxControl`] in process, and the same under `/_sandbox/` as JSON endpoints
//! (`http`: the routes, the guard that keeps web pages out, the page at `/_sandbox`). This file holds the tenant's
//! levers (users, apps, tokens, faults); `mailbox` the mailbox's (mail with attachments of every kind and events
//! delivered by hand, delta replays and expiry, what apps wrote — mail sent and forwarded among it —, where a
//! message is now and its read state and categories, how often each attachment's bytes were read, the mailbox's
//! zone); `drive` the files' (files put, changed, moved and
//! deleted by hand, delta expiry, what was uploaded, upload sessions that forget or expire).

mod drive;
mod http;
mod mailbox;
mod teams;
pub use drive::{FileContent, FileInfo, UploadLever};
pub use http::router;
pub use mailbox::{DeliveredMail, MailState, NewAttachment, NewMail};
pub use teams::{TeamsBody, TeamsEvent, TeamsMessage, TeamsPlace, TeamsSent};

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::scopes;
use crate::state::{App, AppState, DemoUser, FailPlan, Garble, Inner, Stats};

/// An app registration for [`SandboxControl::register_app`] and `POST /_sandbox/apps`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRegistration {
    pub client_id: String,
    /// Required for confidential apps, absent for public ones.
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Public client ("Mobile and desktop applications"): PKCE required, no secret, any loopback port.
    #[serde(default)]
    pub public: bool,
    /// Display name (defaults to the client ID).
    #[serde(default)]
    pub name: Option<String>,
    /// What `.default` stands for (defaults to `User.Read`).
    #[serde(default)]
    pub default_scopes: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("there is no user '{0}' in the sandbox tenant")]
    UnknownUser(String),
    #[error("there is no app with client ID '{0}'")]
    UnknownApp(String),
    #[error("{0}")]
    Invalid(String),
}

/// In-process handle on the sandbox state (same effect as the `/_sandbox/` endpoints). Cheap to clone.
#[derive(Clone)]
pub struct SandboxControl {
    pub(crate) state: Arc<AppState>,
}

fn user_id(inner: &Inner, email: Option<&str>) -> Result<Option<String>, ControlError> {
    match email {
        None => Ok(None),
        Some(e) => inner
            .user_by_email(e)
            .map(|u| Some(u.id.clone()))
            .ok_or_else(|| ControlError::UnknownUser(e.to_string())),
    }
}

impl SandboxControl {
    /// The demo tenant's users.
    pub fn users(&self) -> Vec<DemoUser> {
        self.state.lock().users.clone()
    }

    /// Revoke all of a user's refresh tokens (`AADSTS50173` on their next use). Returns how many.
    pub fn revoke_user(&self, email: &str) -> Result<usize, ControlError> {
        let mut inner = self.state.lock();
        let id = user_id(&inner, Some(email))?;
        let mut n = 0;
        for grant in inner
            .tenant
            .refresh_tokens
            .values_mut()
            .filter(|g| Some(&g.user_id) == id.as_ref())
        {
            if !grant.revoked {
                grant.revoked = true;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Make refresh tokens (of one user, or all) expire as if inactive (`AADSTS700082`). Returns how many.
    pub fn expire_refresh_tokens(&self, email: Option<&str>) -> Result<usize, ControlError> {
        let mut inner = self.state.lock();
        let id = user_id(&inner, email)?;
        let mut n = 0;
        for grant in inner.tenant.refresh_tokens.values_mut() {
            if id.as_ref().is_none_or(|id| &grant.user_id == id) && !grant.expired {
                grant.expired = true;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Make access tokens (of one user, or all) expired now (Graph answers 401). Returns how many.
    pub fn expire_access_tokens(&self, email: Option<&str>) -> Result<usize, ControlError> {
        let mut inner = self.state.lock();
        let id = user_id(&inner, email)?;
        let past = crate::util::unix_now().saturating_sub(1);
        let mut n = 0;
        for grant in inner.tenant.access_tokens.values_mut() {
            if id.as_ref().is_none_or(|id| &grant.user_id == id) && grant.expires_unix > past {
                grant.expires_unix = past;
                n += 1;
            }
        }
        Ok(n)
    }

    /// The app's client secret is now expired (`AADSTS7000222`).
    pub fn expire_secret(&self, client_id: &str) -> Result<(), ControlError> {
        let mut inner = self.state.lock();
        let app = inner
            .tenant
            .apps
            .get_mut(client_id)
            .ok_or_else(|| ControlError::UnknownApp(client_id.to_string()))?;
        if app.secret.is_none() {
            return Err(ControlError::Invalid(format!(
                "app '{client_id}' is a public client and has no secret"
            )));
        }
        app.secret_expired = true;
        Ok(())
    }

    /// Register (or replace) an app.
    pub fn register_app(&self, reg: AppRegistration) -> Result<(), ControlError> {
        let client_id = reg.client_id.trim().to_string();
        if client_id.is_empty() {
            return Err(ControlError::Invalid("client_id is required".into()));
        }
        let secret = reg
            .client_secret
            .filter(|s| !s.is_empty())
            .map(|s| crate::util::sha256_hex(&s));
        match (reg.public, &secret) {
            (true, Some(_)) => {
                return Err(ControlError::Invalid(
                    "a public client has no client_secret".into(),
                ))
            }
            (false, None) => {
                return Err(ControlError::Invalid(
                    "a confidential client needs a client_secret".into(),
                ))
            }
            _ => {}
        }
        if reg.redirect_uris.is_empty() {
            return Err(ControlError::Invalid(
                "at least one redirect URI is required".into(),
            ));
        }
        for uri in &reg.redirect_uris {
            if url::Url::parse(uri).is_err() {
                return Err(ControlError::Invalid(format!(
                    "'{uri}' is not an absolute URI"
                )));
            }
        }
        let default_scopes = match reg.default_scopes {
            None => vec!["User.Read".to_string()],
            Some(list) => match scopes::parse(&list.join(" ")) {
                Ok(scopes::ScopeRequest::Named(list)) => list,
                _ => {
                    return Err(ControlError::Invalid(
                        "default_scopes must be known, named scopes".into(),
                    ))
                }
            },
        };
        let app = App {
            name: reg
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| client_id.clone()),
            client_id: client_id.clone(),
            secret,
            secret_expired: false,
            redirect_uris: reg.redirect_uris,
            public: reg.public,
            default_scopes,
        };
        self.state.lock().tenant.apps.insert(client_id, app);
        Ok(())
    }

    /// "Users can't consent": for one client, or (with `None`) for every client. Sign-ins then come back
    /// with `consent_required` (`AADSTS65001`) until an admin consents via `/{tenant}/v2.0/adminconsent`.
    pub fn set_admin_consent_required(
        &self,
        client_id: Option<&str>,
        required: bool,
    ) -> Result<(), ControlError> {
        let mut inner = self.state.lock();
        match client_id {
            None => {
                inner.admin_consent_required_all = required;
                if required {
                    inner.tenant.admin_consented.clear();
                } else {
                    inner.admin_consent_required.clear();
                }
            }
            Some(id) => {
                if !inner.tenant.apps.contains_key(id) {
                    return Err(ControlError::UnknownApp(id.to_string()));
                }
                if required {
                    inner.admin_consent_required.insert(id.to_string());
                    inner.tenant.admin_consented.remove(id);
                } else {
                    inner.admin_consent_required.remove(id);
                    if inner.admin_consent_required_all {
                        inner.tenant.admin_consented.insert(id.to_string());
                    }
                }
            }
        }
        Ok(())
    }

    /// Sign-ins come back with `interaction_required` (`AADSTS50076`).
    pub fn set_mfa_required(&self, required: bool) {
        self.state.lock().mfa_required = required;
    }

    /// Sign-ins come back with `interaction_required` (`AADSTS50079`: the user must register for MFA first).
    pub fn set_mfa_registration_required(&self, required: bool) {
        self.state.lock().mfa_registration_required = required;
    }

    /// Where admin consent is required, show the "Need admin approval" page (`AADSTS90094`), which never
    /// redirects back, instead of returning `consent_required` (`AADSTS65001`) to the app.
    pub fn set_admin_approval_page(&self, on: bool) {
        self.state.lock().admin_approval_page = on;
    }

    /// Consent to this client succeeds but these scopes are left out of the grant (empty list: none).
    pub fn deny_scopes(&self, client_id: &str, scopes: Vec<String>) -> Result<(), ControlError> {
        let mut inner = self.state.lock();
        if !inner.tenant.apps.contains_key(client_id) {
            return Err(ControlError::UnknownApp(client_id.to_string()));
        }
        let scopes: Vec<String> = scopes
            .iter()
            .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if scopes.is_empty() {
            inner.deny_scopes.remove(client_id);
        } else {
            inner.deny_scopes.insert(client_id.to_string(), scopes);
        }
        Ok(())
    }

    /// Delay added to every identity and Graph response.
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().latency = latency;
    }

    /// The next `count` token/Graph requests answer `status` (429 or 5xx) in Microsoft's shape, with
    /// `Retry-After: retry_after` when given. `count == 0` cancels.
    pub fn fail_next(
        &self,
        status: u16,
        count: u32,
        retry_after: Option<u64>,
    ) -> Result<(), ControlError> {
        if !(status == 429 || (500..=599).contains(&status)) {
            return Err(ControlError::Invalid(format!(
                "status {status}: use 429 or a 5xx status"
            )));
        }
        let mut inner = self.state.lock();
        inner.fail = (count > 0).then_some(FailPlan {
            status,
            remaining: count,
            retry_after,
        });
        Ok(())
    }

    /// The next `count` forwards (`POST /me/messages/{id}/forward`) are carried out — the mail goes, recorded as
    /// sent — and answered 504, as when a gateway timed out waiting for Exchange: what a client must not send
    /// again on its own.
    pub fn unconfirm_next_forwards(&self, count: u32) {
        self.state.lock().forwards_unconfirmed = count;
    }

    /// The next refresh is carried out (its refresh token redeemed, a new one issued) and answered with a 200
    /// the client must refuse (see [`Garble`]). A client that sends the redeemed token again is refused as a
    /// reused one; one that kept the new token goes on.
    pub fn garble_next_refresh(&self, garble: Garble) {
        self.state.lock().garble_refresh = Some(garble);
    }

    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        self.state.lock().settings.access_token_lifetime = lifetime;
    }

    /// How long a rotated refresh token keeps working after its first use (default 0).
    pub fn set_refresh_token_grace(&self, grace: Duration) {
        self.state.lock().settings.refresh_token_grace = grace;
    }

    pub fn set_code_lifetime(&self, lifetime: Duration) {
        self.state.lock().settings.code_lifetime = lifetime;
    }

    /// Back to the start: built-in apps only, no tokens, consents or toggles, zeroed counters.
    pub fn reset(&self) {
        let settings = self.state.initial_settings;
        let mut inner = self.state.lock();
        let file = inner.tenant_file.take();
        *inner = Inner::new(settings);
        inner.tenant_file = file;
    }

    pub fn stats(&self) -> Stats {
        self.state.lock().stats.clone()
    }
}
