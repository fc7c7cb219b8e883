//! One check of one connection: a fresh token (refreshed if needed, and at least daily), then the cheapest
//! Graph request there is (`GET /me?$select=id`). What it finds is recorded for every Patchbay process to see.

use super::Health;
use crate::clock;
use crate::error::ErrorInfo;
use crate::graph::session::{CallError, CallPolicy};
use crate::graph::GraphError;
use crate::health::record::Verdict;
use crate::model::ConnectionStatus;
use crate::tokens::{RefreshError, TokenPolicy};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use ts_rs::TS;

/// Refresh at least this often, so Microsoft's 90-day inactivity window never closes on a running app.
pub const DAILY: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// Refresh even when the token is fresh (`patchbay check --refresh`).
    pub force_refresh: bool,
    /// Refresh when the token is older than this (default: a day).
    pub max_token_age: Option<Duration>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            force_refresh: false,
            max_token_age: Some(DAILY),
        }
    }
}

/// What a check found, as `patchbay check --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CheckOutcome {
    pub id: String,
    pub name: String,
    pub status: ConnectionStatus,
    pub reason: Option<String>,
    /// RFC 3339.
    pub checked_at: String,
    /// Whether this check obtained a new token.
    pub refreshed: bool,
}

impl Health {
    /// Check one connection now. `Err` only when it does not exist or its status cannot be read.
    pub async fn check_connection(
        &self,
        id: &str,
        options: CheckOptions,
    ) -> Result<CheckOutcome, ErrorInfo> {
        let policy = TokenPolicy {
            force_refresh: options.force_refresh,
            max_age: options.max_token_age,
        };
        // The probe waits out no throttling: a 429 is an answer (unreachable for now), and the monitor comes
        // back sooner for connections it could not reach.
        let graph = self
            .tokens
            .graph(id)
            .await?
            .first_token(policy)
            .policy(CallPolicy {
                attempts: 1,
                max_wait: Duration::ZERO,
            });
        // A 401 from Graph although the sign-in service just vouched for the token (revoked between the two, or
        // clock skew) is refreshed once and asked again, as every Graph call through the handle is.
        let probe = match graph.send(&graph.graph().me().request()).await {
            Ok(response) => Some(response.json::<crate::graph::me::Me>().map(|_| ())),
            Err(CallError::Graph(e)) => Some(Err(e)),
            Err(CallError::Token(RefreshError::Local(e))) => return Err(e),
            // The token manager recorded why.
            Err(CallError::Token(_)) => None,
        };
        let refreshed = graph.refreshed();
        if let Some(result) = probe {
            // Under the connection's lock, so a refresh finishing elsewhere is not overwritten half-read.
            let _guard = self.tokens.locks().acquire(id).await?;
            self.note_probe(id, result.map(|_| ()), refreshed)?;
        }
        self.registry.refresh_one(id);
        // What this check found could not be saved: say so, rather than let other processes (and the next
        // run) go on showing the status from before.
        if let Some(e) = self.connections.health.unsaved(id) {
            return Err(e);
        }
        let summary = self.registry.get(id)?;
        Ok(CheckOutcome {
            id: summary.id.clone(),
            name: summary.name.clone(),
            status: summary.status,
            reason: summary.status_reason,
            checked_at: summary.checked_at.unwrap_or_else(clock::now_rfc3339),
            refreshed,
        })
    }

    /// Check many connections, at most `concurrency` at once. Unknown ids come back as errors in place.
    pub async fn check_connections(
        self: &Arc<Self>,
        ids: &[String],
        options: CheckOptions,
        concurrency: usize,
    ) -> Vec<Result<CheckOutcome, ErrorInfo>> {
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, id) in ids.iter().enumerate() {
            let health = self.clone();
            let id = id.clone();
            let permits = permits.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                (i, health.check_connection(&id, options).await)
            });
        }
        let mut results: Vec<Option<Result<CheckOutcome, ErrorInfo>>> = vec![None; ids.len()];
        while let Some(joined) = tasks.join_next().await {
            if let Ok((i, result)) = joined {
                results[i] = Some(result);
            }
        }
        results
            .into_iter()
            .zip(ids)
            .map(|(r, id)| {
                r.unwrap_or_else(|| {
                    Err(ErrorInfo::new(
                        crate::error::ErrorCode::Internal,
                        format!("Checking {id} stopped unexpectedly."),
                        "Try again.",
                    ))
                })
            })
            .collect()
    }

    /// Record what Graph said about a token. `refreshed`: this check obtained the token itself — only then may
    /// a good answer clear a verdict (another process may have found the sign-in revoked while Graph still
    /// accepted an older access token).
    fn note_probe(
        &self,
        id: &str,
        result: Result<(), GraphError>,
        refreshed: bool,
    ) -> Result<(), ErrorInfo> {
        if !self.connections.exists(id) {
            return Ok(()); // removed meanwhile
        }
        let now = clock::now_rfc3339();
        let mut h = self.connections.health.read(id);
        h.checked_at = Some(now.clone());
        match result {
            // 403 on /me only means User.Read was not granted: the token itself works.
            Ok(()) | Err(GraphError::Forbidden(_)) => {
                h.probe_failed = None;
                if refreshed || h.verdict == Verdict::Healthy {
                    h.verdict = Verdict::Healthy;
                    h.reason = None;
                }
                h.unreachable_since = None;
            }
            Err(e) if e.is_transient() => {
                h.unreachable_since.get_or_insert(now);
                h.last_error = Some(e.report());
            }
            Err(e @ GraphError::Unauthorized(_)) => {
                h.verdict = Verdict::NeedsReconnect;
                h.reason = Some(
                    "Microsoft Graph no longer accepts this connection's tokens. Fix it by signing in again as the same account."
                        .into(),
                );
                h.unreachable_since = None;
                h.last_error = Some(e.report());
            }
            // Anything else (a 404, a 400, an answer that cannot be read): the probe failed, so the connection
            // is not known to work, whatever the sign-in's verdict. Kept beside it (a refresh vouches for the
            // sign-in, not for Graph) until a probe Graph answers well: see `effective`.
            Err(e) => {
                tracing::warn!(connection = %id, "Graph probe: {e}");
                h.probe_failed = Some(probe_failed_reason(&e));
                h.unreachable_since = None;
                h.last_error = Some(e.report());
            }
        }
        self.connections.health.write(id, &h)
    }
}

/// Why a connection whose check Graph answered with an error reads as Can't check. Stable words (no request id,
/// no time), so the same failure is not a new status at every check.
fn probe_failed_reason(e: &GraphError) -> String {
    let answer = match e {
        GraphError::Other { status, .. } => format!("answered HTTP {status}"),
        _ => "sent an answer Patchbay cannot use".to_string(),
    };
    format!(
        "Microsoft Graph {answer} to the connection's check (GET /me), so Patchbay cannot tell whether the \
         connection works. A custom connection's Graph URL may be wrong: it is Graph's root, e.g. \
         https://graph.microsoft.com (remove the connection and add it again to change it). Check now tries again."
    )
}

/// Ids of the connections a set of outcomes found unreachable (the monitor looks at them again sooner).
pub fn unreachable_ids(outcomes: &[Result<CheckOutcome, ErrorInfo>]) -> HashSet<String> {
    outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok())
        .filter(|o| o.status == ConnectionStatus::Unreachable)
        .map(|o| o.id.clone())
        .collect()
}
