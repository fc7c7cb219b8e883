//! [`TokenManager::access_token`]: a token valid for at least five more minutes (for a token issued with under ten
//! minutes' lifetime: at least half its lifetime), refreshing when needed.
//!
//! The order of a refresh is what keeps a connection safe from crashes: the new refresh token (Microsoft returns
//! a new one on every refresh) is sealed and stored *before* the access token is handed out, under the
//! connection's lock. A crash before the seal leaves the old refresh token, which Microsoft still accepts (it
//! does not invalidate on rotation); a provider that does will answer `invalid_grant`, and the connection is
//! flagged needs reconnect — it is never lost, and never left looking healthy.

use super::error::{RefreshError, Unreachable, UnreachableKind};
use crate::clock;
use crate::connections::Connections;
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::{ConnectionGraph, Graph};
use crate::health::record::Verdict;
use crate::health::Registry;
use crate::oauth::discovery::{Discovery, DiscoveryError};
use crate::oauth::token::{TokenClient, TokenError};
use crate::secrets::ConnectionSecrets;
use crate::store::ConnectionRecord;
use crate::tokens::lock::ConnectionLocks;
use crate::tokens::ReconnectReason;
use crate::vault::{Vault, VaultError};
use secrecy::SecretString;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// A connection's access token. Never serialised; `Debug` redacts it.
#[derive(Debug)]
pub struct AccessToken {
    pub token: SecretString,
    /// Unix seconds.
    pub expires_at: i64,
    /// Whether this call refreshed it (false: the stored one was still good).
    pub refreshed: bool,
}

/// What the caller needs of the token.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenPolicy {
    /// Refresh even when the stored token is still good (`patchbay check --refresh`). Callers who asked at the
    /// same time share one refresh.
    pub force_refresh: bool,
    /// Refresh when the stored token was obtained longer ago than this (the monitor's daily refresh, which keeps
    /// Microsoft's 90-day inactivity window from ever closing on a running app).
    pub max_age: Option<Duration>,
}

/// How hard to try when Microsoft cannot be reached (network, 429, 5xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Wait before the second attempt, doubled each time, unless the answer says `Retry-After`.
    pub first_delay: Duration,
    /// The longest wait inside one call; a longer `Retry-After` ends the call as unreachable (the monitor
    /// comes back later).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// Seconds a token must still be valid for: five minutes, or half the lifetime of a short-lived token.
fn margin(lifetime: i64) -> i64 {
    if lifetime < 600 {
        (lifetime + 1) / 2
    } else {
        300
    }
}

/// The stored access token, when it is good enough for `policy` at `now_ms`. `asked_at_ms`: a forced refresh
/// accepts a token obtained after it asked (someone refreshed in the meantime).
fn usable(
    secrets: &ConnectionSecrets,
    now_ms: i64,
    policy: TokenPolicy,
    asked_at_ms: i64,
) -> Option<AccessToken> {
    let token = secrets.access_token.as_ref()?;
    let expires_at = secrets.access_expires_at?;
    let issued_ms = secrets
        .access_issued_at_ms
        .unwrap_or((expires_at - 3600) * 1000);
    let now = now_ms / 1000;
    if expires_at - now < margin(expires_at - issued_ms / 1000) {
        return None;
    }
    if policy.force_refresh && issued_ms <= asked_at_ms {
        return None;
    }
    if let Some(max_age) = policy.max_age {
        if now_ms - issued_ms >= max_age.as_millis() as i64 {
            return None;
        }
    }
    Some(AccessToken {
        token: token.clone(),
        expires_at,
        refreshed: false,
    })
}

/// The scopes a refresh asks for: what was granted, without the OpenID scopes — a new ID token is not needed
/// (who the connection is was settled at sign-in), and without `openid` the provider signs none. When nothing
/// but OpenID scopes was granted, all of them.
fn refresh_scopes(granted: &[String]) -> Vec<String> {
    let oidc = |s: &String| {
        matches!(
            s.to_ascii_lowercase().as_str(),
            "openid" | "profile" | "email"
        )
    };
    let resource: Vec<String> = granted.iter().filter(|s| !oidc(s)).cloned().collect();
    if resource
        .iter()
        .any(|s| !s.eq_ignore_ascii_case("offline_access"))
    {
        resource
    } else {
        granted.to_vec()
    }
}

/// A failed try at the token endpoint: why, and what it did to the refresh token it carried.
#[derive(Debug)]
pub(crate) struct Tried {
    pub(crate) error: RefreshError,
    /// The request surely did not reach the provider, or the provider refused it without carrying it out:
    /// the same refresh token may go again. Not after a 200 Patchbay did not take, nor after a request that
    /// was sent and never answered: a provider with refresh-token reuse detection would take a second use of
    /// a redeemed token for theft and revoke the whole grant.
    pub(crate) may_resend: bool,
    /// The new refresh token a 200 carried even though the rest was not taken: the one to keep.
    pub(crate) rotated: Option<SecretString>,
}

impl From<RefreshError> for Tried {
    fn from(error: RefreshError) -> Self {
        Tried {
            error,
            may_resend: true,
            rotated: None,
        }
    }
}

/// Run `attempt` until it succeeds, fails for a reason other than being unreachable (or in a way that forbids
/// sending it again), or the attempts run out, waiting between tries (`Retry-After` when the answer gave one).
async fn with_retries<T, F, Fut>(policy: RetryPolicy, mut attempt: F) -> Result<T, Tried>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Tried>>,
{
    let mut delay = policy.first_delay;
    let mut n = 1;
    loop {
        match attempt().await {
            Err(Tried {
                error: RefreshError::Unreachable(u),
                may_resend: true,
                rotated: None,
            }) if n < policy.attempts.max(1) => {
                let wait = u.retry_after.unwrap_or(delay);
                if wait > policy.max_delay {
                    return Err(RefreshError::Unreachable(u).into());
                }
                tracing::debug!(
                    attempt = n,
                    wait_ms = wait.as_millis() as u64,
                    "token endpoint unreachable; retrying"
                );
                tokio::time::sleep(wait).await;
                delay = (delay * 2).min(policy.max_delay);
                n += 1;
            }
            other => return other,
        }
    }
}

/// A token endpoint failure, classified.
fn classify(e: TokenError) -> Tried {
    match e {
        TokenError::Provider {
            error,
            status,
            retry_after,
        } => RefreshError::from_provider(error, status, retry_after).into(),
        TokenError::Network {
            info,
            timeout,
            sent,
        } => Tried {
            error: RefreshError::network(
                if timeout {
                    UnreachableKind::Timeout
                } else {
                    UnreachableKind::Network
                },
                info.detail.unwrap_or(info.title),
            ),
            may_resend: !sent,
            rotated: None,
        },
        // The provider carried the refresh out and answered 200 with something Patchbay does not take: keep its
        // new refresh token, send the old one no more. Not the connection's fault: unreachable, never broken.
        TokenError::Unaccepted {
            info,
            refresh_token,
        } => Tried {
            error: RefreshError::Unreachable(Unreachable {
                kind: UnreachableKind::ServerError,
                status: Some(200),
                retry_after: None,
                detail: match info.detail {
                    Some(d) => format!("{} ({d})", info.title),
                    None => info.title,
                },
                provider: None,
            }),
            may_resend: false,
            rotated: refresh_token,
        },
        // An answer that is not OAuth at all (an HTML page, a redirect) comes from something between Patchbay
        // and Microsoft — a proxy, a captive portal, an outage page — not from Microsoft judging the sign-in:
        // unreachable, never broken.
        TokenError::Other {
            info,
            status,
            retry_after,
        } => Tried {
            error: RefreshError::Unreachable(Unreachable {
                kind: match status {
                    Some(429) => UnreachableKind::Throttled,
                    Some(s) if s >= 500 => UnreachableKind::ServerError,
                    _ => UnreachableKind::Network,
                },
                status,
                retry_after,
                detail: match status {
                    Some(s) => format!(
                        "the sign-in service answered HTTP {s} with something that is not OAuth ({})",
                        info.title
                    ),
                    None => info.detail.unwrap_or(info.title),
                },
                provider: None,
            }),
            // A 200 that could not be read at all may have been a refresh carried out.
            may_resend: status != Some(200),
            rotated: None,
        },
    }
}

/// Discovery failures. The authority's discovery document answered once already (at sign-in), so a failure
/// now is the network or something in between, not the connection: unreachable.
fn classify_discovery(e: DiscoveryError) -> RefreshError {
    let kind = if e.unreachable() {
        UnreachableKind::Network
    } else {
        UnreachableKind::ServerError
    };
    let info = ErrorInfo::from(e);
    RefreshError::network(kind, info.detail.clone().unwrap_or(info.title))
}

/// Access tokens for every connection: the stored one while it is good, a refresh when it is not (one at a time
/// per connection, across processes), the outcome recorded in the connection's status. It holds what a refresh
/// needs and nothing else.
pub struct TokenManager {
    pub(super) connections: Arc<Connections>,
    vault: Arc<Vault>,
    locks: Arc<ConnectionLocks>,
    discovery: Arc<Discovery>,
    http: reqwest::Client,
    retry: RetryPolicy,
    pub(super) registry: Arc<Registry>,
}

impl TokenManager {
    pub(crate) fn new(
        connections: Arc<Connections>,
        vault: Arc<Vault>,
        locks: Arc<ConnectionLocks>,
        discovery: Arc<Discovery>,
        http: reqwest::Client,
        retry: RetryPolicy,
        registry: Arc<Registry>,
    ) -> Self {
        Self {
            connections,
            vault,
            locks,
            discovery,
            http,
            retry,
            registry,
        }
    }

    /// Graph as connection `id`: at its Graph base, with its tokens (see [`ConnectionGraph`]).
    pub async fn graph(self: &Arc<Self>, id: &str) -> Result<ConnectionGraph, ErrorInfo> {
        let record = self.connections.record(id)?;
        let endpoints = self.connections.endpoints(&record).await?;
        let graph = Graph::new(endpoints.graph_url, self.http.clone());
        Ok(ConnectionGraph::new(id, graph, self.clone()))
    }

    pub(crate) fn locks(&self) -> &ConnectionLocks {
        &self.locks
    }

    /// An access token for connection `id`, valid for at least five more minutes.
    pub async fn access_token(&self, id: &str) -> Result<AccessToken, RefreshError> {
        self.token_with(id, TokenPolicy::default()).await
    }

    /// An access token under `policy`. Single-flight per connection across processes; the outcome (refreshed,
    /// or why not) is recorded in the connection's status for every Patchbay process to see.
    pub async fn token_with(
        &self,
        id: &str,
        policy: TokenPolicy,
    ) -> Result<AccessToken, RefreshError> {
        let asked_at = clock::now_unix_ms();
        let asked = std::time::Instant::now();
        let record = self.connections.record(id).map_err(RefreshError::Local)?;
        // A connection known to be broken never hands out its stored token unchecked: ask Microsoft again (and
        // clear the verdict when it answers).
        let policy = if self.connections.health.read(id).verdict == Verdict::Healthy {
            policy
        } else {
            TokenPolicy {
                force_refresh: true,
                ..policy
            }
        };
        if !policy.force_refresh {
            if let Ok(secrets) = self.open_secrets_async(id).await {
                if let Some(token) = usable(&secrets, asked_at, policy, asked_at) {
                    return Ok(token);
                }
            }
        }
        let guard = self.locks.acquire(id).await.map_err(RefreshError::Local)?;
        let result = match self.locks.failed_since(id, asked) {
            // Whoever held the lock before just failed to reach Microsoft: share that answer rather than
            // queue another round of retries behind it.
            Some(error) => Err(error),
            None => match self.open_secrets_async(id).await {
                // Whoever held the lock before may have refreshed: use theirs.
                Ok(secrets) => match usable(&secrets, clock::now_unix_ms(), policy, asked_at) {
                    Some(token) => Ok(token),
                    None => self.refresh_locked(&record, secrets).await,
                },
                Err(e) => Err(e),
            },
        };
        if let Err(e @ RefreshError::Unreachable(_)) = &result {
            self.locks.note_failure(id, e.clone());
        }
        self.note_refresh(id, &result);
        drop(guard);
        self.registry.refresh_one(id);
        result
    }

    /// The connection's sealed secrets. Missing or damaged ones mean it must be signed in again; a keychain that
    /// cannot be used is this computer's problem, not the connection's.
    pub(crate) fn open_secrets(&self, id: &str) -> Result<ConnectionSecrets, RefreshError> {
        open_sealed(&self.vault, id)
    }

    /// [`TokenManager::open_secrets`] off the async workers: opening the vault may wait for the keychain (a prompt,
    /// on some systems), and must not hold up everything else meanwhile.
    pub(crate) async fn open_secrets_async(
        &self,
        id: &str,
    ) -> Result<ConnectionSecrets, RefreshError> {
        let vault = self.vault.clone();
        let id = id.to_string();
        tokio::task::spawn_blocking(move || open_sealed(&vault, &id))
            .await
            .unwrap_or_else(|e| {
                Err(RefreshError::Local(
                    ErrorInfo::new(
                        ErrorCode::Internal,
                        "Opening a connection's secrets stopped unexpectedly.",
                        "Try again.",
                    )
                    .with_detail(e.to_string()),
                ))
            })
    }

    pub(crate) async fn refresh_locked(
        &self,
        record: &ConnectionRecord,
        secrets: ConnectionSecrets,
    ) -> Result<AccessToken, RefreshError> {
        let id = &record.info.id;
        let Some(refresh_token) = secrets.refresh_token.clone() else {
            return Err(RefreshError::NeedsReconnect {
                reason: ReconnectReason::SecretsMissing,
                provider: None,
            });
        };
        let endpoints = self
            .connections
            .endpoints(record)
            .await
            .map_err(RefreshError::Local)?;
        let tried = with_retries(self.retry, || async {
            let metadata = self
                .discovery
                .get(&self.http, &endpoints.authority)
                .await
                .map_err(classify_discovery)?;
            let client = TokenClient::new(
                &metadata,
                &record.info.client_id,
                secrets.client_secret.as_ref(),
                None,
                self.http.clone(),
            )
            .map_err(RefreshError::Local)?;
            client
                .refresh(&refresh_token, &refresh_scopes(&record.info.scopes_granted))
                .await
                .map_err(classify)
        })
        .await;
        let tokens = match tried {
            Ok(tokens) => tokens,
            Err(Tried {
                error,
                rotated: Some(rotated),
                ..
            }) => {
                // The old refresh token is spent: keep the new one (and the access token in hand, still good
                // until it lapses), so that the next try sends the token the provider expects.
                let kept = ConnectionSecrets {
                    refresh_token: Some(rotated),
                    ..secrets
                };
                if let Err(e) = self.reseal(id, &kept).await {
                    tracing::warn!(connection = %id, "could not keep the new refresh token: {}", e.one_line());
                    return Err(RefreshError::Local(e));
                }
                tracing::warn!(connection = %id, "kept the new refresh token of an answer not taken: {error}");
                return Err(error);
            }
            Err(tried) => return Err(tried.error),
        };
        crate::fault::point("refresh-received");
        let access = tokens.access_token;
        let fresh = ConnectionSecrets {
            refresh_token: Some(tokens.refresh_token.unwrap_or(refresh_token)),
            client_secret: secrets.client_secret,
            access_token: Some(access.clone()),
            access_expires_at: Some(tokens.expires_at),
            access_issued_at_ms: Some(clock::now_unix_ms()),
        };
        self.reseal(id, &fresh).await.map_err(RefreshError::Local)?;
        crate::fault::point("refresh-stored");
        tracing::info!(connection = %id, "token refreshed");
        Ok(AccessToken {
            token: access,
            expires_at: tokens.expires_at,
            refreshed: true,
        })
    }

    /// Seal a connection's new secrets (its lock held), off the async workers (the write is fsynced). No store
    /// lock: should the connection be removed meanwhile, the sealed file is removed again afterwards, so none is
    /// left behind whichever came first.
    pub(crate) async fn reseal(
        &self,
        id: &str,
        secrets: &ConnectionSecrets,
    ) -> Result<(), ErrorInfo> {
        let vault = self.vault.clone();
        let name = id.to_string();
        let bytes = secrets.seal_bytes();
        tokio::task::spawn_blocking(move || vault.reseal(&name, &bytes))
            .await
            .map_err(|e| {
                ErrorInfo::new(
                    ErrorCode::Internal,
                    "Saving a connection's renewed sign-in stopped unexpectedly.",
                    "Try again.",
                )
                .with_detail(e.to_string())
            })??;
        // Under the store lock, as removal is: a removal in progress has either written its new list (the
        // check sees the connection gone) or not yet deleted the sealed file (it deletes ours).
        let _lock = self.connections.store.lock()?;
        if !self.connections.exists(id) {
            let _ = self.vault.remove(id);
            return Err(crate::connections::not_found(id));
        }
        Ok(())
    }

    /// Record what a refresh (or its absence) says about the connection. Called under its lock.
    pub(crate) fn note_refresh(&self, id: &str, result: &Result<AccessToken, RefreshError>) {
        if !self.connections.exists(id) {
            return; // removed meanwhile: leave no status behind
        }
        let now = clock::now_rfc3339();
        let mut h = self.connections.health.read(id);
        match result {
            Ok(token) if token.refreshed => {
                h.verdict = Verdict::Healthy;
                h.reason = None;
                h.refreshed_at = Some(now.clone());
                h.checked_at = Some(now);
                h.unreachable_since = None;
            }
            Ok(_) if h.verdict == Verdict::CantCheck => {
                // The secrets opened again (the keychain unlocked) and held a good token.
                h.verdict = Verdict::Healthy;
                h.reason = None;
                h.checked_at = Some(now);
            }
            Ok(_) | Err(RefreshError::Local(_)) => return,
            Err(e @ RefreshError::SecretsUnavailable(_)) => {
                // The reason says it all; `last_error` keeps what Microsoft last said (nothing was asked).
                h.verdict = Verdict::CantCheck;
                h.reason = Some(e.reason());
                h.checked_at = Some(now);
                tracing::warn!(connection = %id, "{e}");
            }
            Err(e @ RefreshError::Unreachable(_)) => {
                h.unreachable_since.get_or_insert(now.clone());
                h.last_error = Some(e.report());
                h.checked_at = Some(now);
            }
            Err(e) => {
                h.verdict = match e {
                    RefreshError::AppCredentialsInvalid { .. } => Verdict::AppCredentialsInvalid,
                    _ => Verdict::NeedsReconnect,
                };
                h.reason = Some(e.reason());
                h.last_error = Some(e.report());
                h.unreachable_since = None;
                h.checked_at = Some(now);
                tracing::warn!(connection = %id, "{e}");
            }
        }
        if let Err(e) = self.connections.health.write(id, &h) {
            tracing::warn!(connection = %id, "could not save the connection's status: {}", e.one_line());
        }
    }
}

/// A connection's sealed secrets, opened: see [`TokenManager::open_secrets`].
fn open_sealed(vault: &Vault, id: &str) -> Result<ConnectionSecrets, RefreshError> {
    let missing = |detail: Option<String>| RefreshError::NeedsReconnect {
        reason: ReconnectReason::SecretsMissing,
        provider: detail.map(|d| crate::oauth::ProviderError::new("secrets_unavailable", Some(&d))),
    };
    match vault.open(id) {
        Ok(Some(bytes)) => {
            ConnectionSecrets::from_bytes(&bytes).map_err(|e| missing(Some(e.title)))
        }
        Ok(None) => Err(missing(None)),
        // Damaged, or sealed under another key: this computer lost the sign-in.
        Err(e @ VaultError::Damaged) => Err(missing(Some(ErrorInfo::from(e).title))),
        // The keychain, or the disk (permissions, too many open files): this computer's problem, not the
        // connection's, and not a reason to show its last status either.
        Err(e) => Err(RefreshError::SecretsUnavailable(e.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::error::Unreachable;
    use secrecy::ExposeSecret;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A token obtained at `issued` (seconds) and ending at `expires` (seconds).
    fn secrets(issued: i64, expires: i64) -> ConnectionSecrets {
        ConnectionSecrets {
            refresh_token: Some(SecretString::from("rt")),
            access_token: Some(SecretString::from("at")),
            access_expires_at: Some(expires),
            access_issued_at_ms: Some(issued * 1000),
            client_secret: None,
        }
    }

    const S: i64 = 1000;

    #[test]
    fn a_refresh_asks_for_the_granted_resource_scopes_only() {
        let granted: Vec<String> = ["openid", "profile", "email", "offline_access", "Mail.Read"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(refresh_scopes(&granted), ["offline_access", "Mail.Read"]);
        let only_oidc: Vec<String> = ["openid", "offline_access"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(refresh_scopes(&only_oidc), only_oidc);
    }

    #[test]
    fn a_token_must_outlive_five_minutes_or_half_a_short_lifetime() {
        let p = TokenPolicy::default();
        // An hour-long token: good until five minutes before it ends.
        assert!(usable(&secrets(0, 3600), 3299 * S, p, 0).is_some());
        assert!(usable(&secrets(0, 3600), 3301 * S, p, 0).is_none());
        // A four-minute token: good for its first half only.
        assert!(usable(&secrets(0, 240), 120 * S, p, 0).is_some());
        assert!(usable(&secrets(0, 240), 121 * S, p, 0).is_none());
        // Nothing stored: refresh.
        assert!(usable(&ConnectionSecrets::default(), 0, p, 0).is_none());
    }

    #[test]
    fn forced_and_daily_refreshes_accept_only_a_newer_token() {
        let forced = TokenPolicy {
            force_refresh: true,
            max_age: None,
        };
        assert!(usable(&secrets(100, 3700), 200 * S, forced, 150 * S).is_none());
        // Obtained in the same second, but after the caller asked: someone refreshed for it.
        let mut same_second = secrets(150, 3750);
        same_second.access_issued_at_ms = Some(150 * S + 300);
        assert!(usable(&same_second, 200 * S, forced, 150 * S + 100).is_some());
        assert!(usable(&same_second, 200 * S, forced, 150 * S + 300).is_none());
        let daily = TokenPolicy {
            force_refresh: false,
            max_age: Some(Duration::from_secs(86_400)),
        };
        assert!(usable(&secrets(0, 200_000), 86_399 * S, daily, 0).is_some());
        assert!(usable(&secrets(0, 200_000), 86_400 * S, daily, 0).is_none());
    }

    fn unreachable(retry_after: Option<Duration>) -> RefreshError {
        RefreshError::Unreachable(Unreachable {
            kind: UnreachableKind::Throttled,
            status: Some(429),
            retry_after,
            detail: "busy".into(),
            provider: None,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn retries_are_bounded_and_honour_retry_after() {
        let policy = RetryPolicy::default();
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let result: Result<(), _> = with_retries(policy, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(unreachable(Some(Duration::from_secs(7))).into())
        })
        .await;
        assert!(matches!(
            result,
            Err(Tried {
                error: RefreshError::Unreachable(_),
                ..
            })
        ));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(started.elapsed(), Duration::from_secs(14));

        // A Retry-After beyond the limit ends the call at once.
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retries(policy, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(unreachable(Some(Duration::from_secs(3600))).into())
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        // Success on the second try; other failures are not retried.
        let calls = AtomicU32::new(0);
        let result = with_retries(policy, || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(unreachable(None).into()),
                _ => Ok(7),
            }
        })
        .await;
        assert_eq!(result.unwrap(), 7);
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retries(policy, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(RefreshError::NeedsReconnect {
                reason: ReconnectReason::Revoked,
                provider: None,
            }
            .into())
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_refresh_token_that_may_have_reached_the_provider_is_not_sent_again() {
        let policy = RetryPolicy::default();
        fn network(sent: bool) -> TokenError {
            TokenError::Network {
                info: ErrorInfo::new(ErrorCode::NetworkUnreachable, "no answer", "try again"),
                timeout: true,
                sent,
            }
        }
        type Case = (&'static str, fn() -> TokenError, u32);
        let cases: [Case; 4] = [
            ("a connect failure", || network(false), 3),
            ("a timeout after sending", || network(true), 1),
            (
                "a 200 not taken",
                || TokenError::Unaccepted {
                    info: ErrorInfo::new(
                        ErrorCode::ProviderError,
                        "impossible lifetime",
                        "try again",
                    ),
                    refresh_token: Some(SecretString::from("rotated")),
                },
                1,
            ),
            (
                "an unreadable 200",
                || TokenError::Other {
                    info: ErrorInfo::new(ErrorCode::ProviderError, "unreadable", "try again"),
                    status: Some(200),
                    retry_after: None,
                },
                1,
            ),
        ];
        for (what, error, expected) in cases {
            let calls = AtomicU32::new(0);
            let result: Result<(), _> = with_retries(policy, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(classify(error()))
            })
            .await;
            assert_eq!(calls.load(Ordering::SeqCst), expected, "{what}");
            let tried = result.unwrap_err();
            assert!(
                matches!(tried.error, RefreshError::Unreachable(_)),
                "{what}: unreachable, never broken: {:?}",
                tried.error
            );
            if what == "a 200 not taken" {
                let rotated = tried.rotated.expect("the rotated token is handed back");
                assert_eq!(rotated.expose_secret(), "rotated");
            }
        }
    }
}
