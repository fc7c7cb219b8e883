//! [`TokenManager::access_token`]: a token valid for at least five more minutes (for a token issued with under ten
//! minutes' lifetime: at least half its lifetime), refreshing when needed.
//!
//! The order of a refresh is what keeps a connection safe from crashes: the new refresh token (Microsoft returns
//! a new one on every refresh) is sealed and stored *before* the access token is handed out, under the
//! connection's lock. A crash before the seal leaves the old refresh token, which Microsoft still accepts (it
//! does not invalidate on rotation); a provider that does will answer `invalid_grant`, and the connection is
//! flagged needs reconnect — it is never lost, and never left looking healthy.

use super::error::RefreshError;
use super::memo::{Stamps, TokenMemo};
use super::policy::{refresh_scopes, usable, AccessToken, TokenPolicy};
use super::retry::{classify, classify_discovery, with_retries, RetryPolicy, Tried};
use crate::clock;
use crate::connections::Connections;
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::{ConnectionGraph, Graph};
use crate::health::record::Verdict;
use crate::health::Registry;
use crate::oauth::discovery::Discovery;
use crate::oauth::token::TokenClient;
use crate::secrets::ConnectionSecrets;
use crate::store::ConnectionRecord;
use crate::tokens::lock::ConnectionLocks;
use crate::tokens::ReconnectReason;
use crate::vault::{Vault, VaultError};
use std::sync::Arc;

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
    /// The last token each connection handed out here, while its files are unchanged.
    memo: TokenMemo,
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
            memo: TokenMemo::default(),
        }
    }

    fn stamps(&self, id: &str) -> Stamps {
        Stamps {
            sealed: self.vault.stamp(id),
            status: self.connections.health.stamp(id),
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
        // Nothing changed since this process last handed out a token: that one (no file read, nothing opened).
        let stamps = self.stamps(id);
        if let Some(token) = self.memo.get(id, &stamps, policy, asked_at) {
            return Ok(token);
        }
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
                    if self.connections.health.read(id).verdict == Verdict::Healthy {
                        self.memo.keep(id, stamps, &secrets);
                    }
                    return Ok(token);
                }
            }
        }
        self.memo.forget(id);
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
        // A refresh token that may be spent is never sent again (see below).
        if secrets.renewal_lost {
            return Err(RefreshError::NeedsReconnect {
                reason: ReconnectReason::RenewalLost,
                provider: None,
            });
        }
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
            // Carried out, its answer lost: the refresh token sent may be spent and its successor is gone.
            // Sending it again is what reuse detection takes for theft (the whole grant revoked): it is dropped,
            // the access token in hand kept until it lapses, and the connection asks for a new sign-in.
            Err(Tried {
                spent: true, error, ..
            }) => {
                let retired = ConnectionSecrets {
                    refresh_token: None,
                    renewal_lost: true,
                    ..secrets
                };
                if let Err(e) = self.reseal(id, &retired).await {
                    tracing::warn!(connection = %id, "could not retire a refresh token that may be spent: {}", e.one_line());
                    return Err(RefreshError::Local(e));
                }
                tracing::warn!(connection = %id, "a renewal's answer was lost; its refresh token is not sent again: {error}");
                return Err(RefreshError::NeedsReconnect {
                    reason: ReconnectReason::RenewalLost,
                    provider: None,
                });
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
            renewal_lost: false,
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
                h.verdict = match e.status() {
                    Some(crate::model::ConnectionStatus::AppCredentialsInvalid) => {
                        Verdict::AppCredentialsInvalid
                    }
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
