//! The connections as they are kept: what `connections.json` says of each (never a secret) and what its
//! `status/<id>.json` says, read together as the summaries every surface shows. Reading only: what changes them
//! lives with whoever changes them (sign-in, the token manager, the health checks).

use crate::clock;
use crate::environment::Endpoints;
use crate::error::{ErrorCode, ErrorInfo, Remedy};
use crate::health::record::{effective, HealthRecord, HealthStore};
use crate::model::ConnectionSummary;
use crate::sandbox_host::SandboxProvider;
use crate::store::{ConnectionRecord, Store};
use std::collections::HashSet;
use std::sync::Arc;

/// There is no such connection.
pub(crate) fn not_found(id: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::NotFound,
        format!("There is no connection {id}."),
        "It may have been removed in another window or by the CLI.",
    )
    .with_remedy(Remedy::ListConnections)
}

/// A connection as the UI and the CLI see it: what is kept about it, and where it stands.
pub(crate) fn summarize(
    record: ConnectionRecord,
    health: HealthRecord,
    now: i64,
    checking: bool,
) -> ConnectionSummary {
    let (status, status_reason) = effective(&record, &health, now, checking);
    let last_refreshed_at = health
        .refreshed_at
        .clone()
        .unwrap_or_else(|| record.info.created_at.clone());
    ConnectionSummary {
        checked_at: health.checked_at,
        last_refreshed_at,
        unreachable_since: health.unreachable_since,
        last_error: health.last_error,
        ..ConnectionSummary::new(record.info, status, status_reason)
    }
}

/// The list of connections and their statuses, as kept in the data folder.
pub struct Connections {
    pub(crate) store: Arc<Store>,
    pub(crate) health: Arc<HealthStore>,
    sandbox: Arc<dyn SandboxProvider>,
}

impl Connections {
    pub(crate) fn new(
        store: Arc<Store>,
        health: Arc<HealthStore>,
        sandbox: Arc<dyn SandboxProvider>,
    ) -> Self {
        Self {
            store,
            health,
            sandbox,
        }
    }

    /// What is kept about a connection.
    pub fn record(&self, id: &str) -> Result<ConnectionRecord, ErrorInfo> {
        self.store
            .read_shared()?
            .iter()
            .find(|r| r.info.id == id)
            .cloned()
            .ok_or_else(|| not_found(id))
    }

    /// Whether the connection is still there.
    pub fn exists(&self, id: &str) -> bool {
        self.record(id).is_ok()
    }

    /// Every connection, oldest first, with its status; those in `checking` show as checking.
    pub fn summaries(
        &self,
        checking: &HashSet<String>,
    ) -> Result<Vec<ConnectionSummary>, ErrorInfo> {
        let now = clock::now_unix();
        Ok(self
            .store
            .read()?
            .into_iter()
            .map(|r| {
                let health = self.health.read(&r.info.id);
                let busy = checking.contains(&r.info.id);
                summarize(r, health, now, busy)
            })
            .collect())
    }

    pub fn summary(&self, id: &str, checking: bool) -> Result<ConnectionSummary, ErrorInfo> {
        let record = self.record(id)?;
        let health = self.health.read(id);
        Ok(summarize(record, health, clock::now_unix(), checking))
    }

    /// Where a connection signs in and where its Graph is. A hosted sandbox connection asks the sandbox, whose
    /// port changes from run to run.
    pub async fn endpoints(&self, record: &ConnectionRecord) -> Result<Endpoints, ErrorInfo> {
        if record.hosted_sandbox {
            return self.sandbox.endpoints(&record.info.tenant).await;
        }
        Endpoints::custom(&record.info.authority, &record.info.graph_url).map_err(|e| {
            ErrorInfo::new(
                ErrorCode::Storage,
                "A connection's saved endpoints are not valid.",
                "Remove the connection and add it again.",
            )
            .with_detail(e.to_string())
        })
    }
}
