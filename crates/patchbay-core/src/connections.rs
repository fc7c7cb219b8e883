//! The connections as they are kept: what `connections.json` says of each (never a secret) and what its
//! `status/<id>.json` says, read together as the summaries every surface shows. Reading only: what changes them
//! lives with whoever changes them (sign-in, the token manager, the health checks).

use crate::clock;
use crate::environment::{Endpoints, EnvironmentId};
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
        if record.uses_hosted_sandbox() {
            return self.sandbox.endpoints(&record.info.tenant).await;
        }
        stored_endpoints(record)
    }
}

/// A connection's endpoints as stored. A connection to one of Microsoft's clouds is pinned to that cloud's own
/// URLs on every use: the list of connections is a plain file (nothing secret in it), and an edited authority
/// or Graph URL there must not send the connection's refresh token or access token anywhere else.
fn stored_endpoints(record: &ConnectionRecord) -> Result<Endpoints, ErrorInfo> {
    let damaged = |e: crate::environment::EnvironmentError| {
        ErrorInfo::new(
            ErrorCode::Storage,
            "A connection's saved endpoints are not valid.",
            "Remove the connection and add it again.",
        )
        .with_detail(e.to_string())
    };
    let info = &record.info;
    match info.environment {
        EnvironmentId::Global
        | EnvironmentId::Usgov
        | EnvironmentId::UsgovDod
        | EnvironmentId::China => {
            let pinned = Endpoints::for_preset(info.environment, &info.tenant).map_err(damaged)?;
            let stored = Endpoints::custom(&info.authority, &info.graph_url).ok();
            if stored.as_ref() != Some(&pinned) {
                tracing::warn!(
                    connection = %info.id,
                    "the saved endpoints are not those of its cloud; using the cloud's own"
                );
            }
            Ok(pinned)
        }
        EnvironmentId::Sandbox | EnvironmentId::Custom => {
            Endpoints::custom(&info.authority, &info.graph_url).map_err(damaged)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(environment: EnvironmentId, authority: &str, graph: &str) -> ConnectionRecord {
        let mut info = ConnectionSummary::example("a").info;
        info.environment = environment;
        info.tenant = "contoso.example".into();
        info.authority = authority.into();
        info.graph_url = graph.into();
        ConnectionRecord {
            info,
            redirect_uri: "http://localhost".into(),
            hosted_sandbox: false,
        }
    }

    #[test]
    fn a_cloud_connection_uses_its_clouds_urls_whatever_the_file_says() {
        // connections.json edited (it is a plain file) to send a Global connection's tokens elsewhere.
        let edited = record(
            EnvironmentId::Global,
            "http://127.0.0.1:9/contoso.example/v2.0",
            "http://127.0.0.1:9/graph",
        );
        let used = stored_endpoints(&edited).unwrap();
        assert_eq!(
            used.authority.as_str(),
            "https://login.microsoftonline.com/contoso.example/v2.0"
        );
        assert_eq!(used.graph_url.host_str(), Some("graph.microsoft.com"));
        let china = stored_endpoints(&record(
            EnvironmentId::China,
            "https://evil.example/t/v2.0",
            "https://evil.example",
        ))
        .unwrap();
        assert_eq!(china.authority.host_str(), Some("login.chinacloudapi.cn"));
        // A custom connection's URLs are its own.
        let custom = stored_endpoints(&record(
            EnvironmentId::Custom,
            "http://127.0.0.1:9/t/v2.0",
            "http://127.0.0.1:9/graph",
        ))
        .unwrap();
        assert_eq!(custom.authority.as_str(), "http://127.0.0.1:9/t/v2.0");
    }

    /// A sandbox that answers every tenant with `http://127.0.0.1:1/…` (where a sandbox.json would point).
    struct Listed;

    impl SandboxProvider for Listed {
        fn available(&self) -> bool {
            true
        }
        fn endpoints<'a>(
            &'a self,
            tenant: &'a str,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<Endpoints, ErrorInfo>> + Send + 'a>,
        > {
            Box::pin(async move {
                Ok(Endpoints::custom(
                    &format!("http://127.0.0.1:1/{tenant}/v2.0"),
                    "http://127.0.0.1:1/graph",
                )
                .unwrap())
            })
        }
        fn describe(
            &self,
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<
                        Output = Result<crate::sandbox_host::SandboxInfo, ErrorInfo>,
                    > + Send
                    + '_,
            >,
        > {
            unimplemented!()
        }
        fn shutdown(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
            Box::pin(async {})
        }
    }

    #[tokio::test]
    async fn only_a_sandbox_connection_may_use_the_sandbox_patchbay_runs() {
        let dir = tempfile::tempdir().unwrap();
        let connections = Connections::new(
            Arc::new(Store::new(dir.path().to_path_buf())),
            Arc::new(HealthStore::new(dir.path())),
            Arc::new(Listed),
        );
        // connections.json edited: a Global connection marked as the sandbox's, and a custom one.
        for (environment, authority, expected) in [
            (
                EnvironmentId::Global,
                "https://login.microsoftonline.com/contoso.example/v2.0",
                "https://login.microsoftonline.com/contoso.example/v2.0",
            ),
            (
                EnvironmentId::Custom,
                "https://idp.example.com/t/v2.0",
                "https://idp.example.com/t/v2.0",
            ),
            (
                EnvironmentId::Sandbox,
                "http://127.0.0.1:9/contoso.example/v2.0",
                "http://127.0.0.1:1/contoso.example/v2.0",
            ),
        ] {
            let mut marked = record(environment, authority, "https://graph.microsoft.com");
            marked.hosted_sandbox = true;
            let used = connections.endpoints(&marked).await.unwrap();
            assert_eq!(used.authority.as_str(), expected, "{environment:?}");
        }
    }
}
