//! The sandbox served inside this process (a build with the `sandbox` cargo feature): the CLI, the service
//! and the MCP server, unless another process of the data folder serves one already.

use super::*;
use patchbay_sandbox::{Sandbox, SandboxOptions};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::OnceCell;

/// The sandbox served in this process, started on first use, or the one another process serves for the
/// same data folder (see [`super::shared`]).
pub struct SandboxHost {
    tenant_file: PathBuf,
    control: bool,
    shared: super::shared::Shared,
    running: OnceCell<Hosted>,
}

pub enum Hosted {
    Own(Sandbox),
    Elsewhere(super::shared::Listing),
}

impl SandboxHost {
    /// A host for the data folder; control follows `PATCHBAY_SANDBOX_CONTROL`.
    pub fn new(data_dir: &std::path::Path) -> Self {
        Self::with_control(data_dir, control_wanted())
    }

    /// A host whose sandbox serves its control endpoints over HTTP when `control` is set.
    pub fn with_control(data_dir: &std::path::Path, control: bool) -> Self {
        Self {
            tenant_file: data_dir.join("sandbox-tenant.json"),
            control,
            shared: super::shared::Shared::new(data_dir),
            running: OnceCell::new(),
        }
    }

    /// The sandbox this process serves, started on first use (`None` when another process serves it).
    pub async fn get(&self) -> Result<Option<&Sandbox>, ErrorInfo> {
        Ok(match self.hosted().await? {
            Hosted::Own(s) => Some(s),
            Hosted::Elsewhere(_) => None,
        })
    }

    async fn hosted(&self) -> Result<&Hosted, ErrorInfo> {
        self.running
            .get_or_try_init(|| async {
                let _turn = self.shared.lock();
                if let Some(listing) = self.shared.find().await {
                    tracing::info!(url = %listing.base_url, pid = listing.pid, "using the sandbox another Patchbay process runs");
                    return Ok(Hosted::Elsewhere(listing));
                }
                let sandbox = Sandbox::start(SandboxOptions {
                    tenant_file: Some(self.tenant_file.clone()),
                    control: self.control,
                    ..SandboxOptions::default()
                })
                .await
                .map_err(|e| {
                    ErrorInfo::new(
                        ErrorCode::Internal,
                        "The sandbox could not start.",
                        "Check that Patchbay may listen on 127.0.0.1, then try again, or choose another environment.",
                    )
                    .with_detail(e.to_string())
                })?;
                tracing::info!(url = %sandbox.base_url(), control = self.control, "sandbox started");
                self.shared.publish(&super::shared::Listing {
                    pid: std::process::id(),
                    base_url: sandbox.base_url().clone(),
                    graph_url: sandbox.graph_url(),
                    authority_template: sandbox.authority("{tenant}").to_string().replace("%7Btenant%7D", "{tenant}"),
                    users: users_of(&sandbox),
                });
                Ok(Hosted::Own(sandbox))
            })
            .await
    }
}

fn users_of(sandbox: &Sandbox) -> Vec<(String, String)> {
    sandbox
        .control()
        .users()
        .iter()
        .map(|u| (u.given_name.clone(), u.email.clone()))
        .collect()
}

impl SandboxProvider for SandboxHost {
    fn available(&self) -> bool {
        true
    }

    fn endpoints<'a>(&'a self, tenant: &'a str) -> Boxed<'a, Result<Endpoints, ErrorInfo>> {
        Box::pin(async move {
            Ok(match self.hosted().await? {
                Hosted::Own(sandbox) => Endpoints {
                    authority: sandbox.authority(tenant),
                    graph_url: sandbox.graph_url(),
                },
                Hosted::Elsewhere(l) => super::listed_endpoints(l, tenant)?,
            })
        })
    }

    fn describe(&self) -> Boxed<'_, Result<SandboxInfo, ErrorInfo>> {
        Box::pin(async move {
            Ok(match self.hosted().await? {
                Hosted::Own(sandbox) => SandboxInfo {
                    base_url: sandbox.base_url().clone(),
                    users: users_of(sandbox),
                },
                Hosted::Elsewhere(l) => SandboxInfo {
                    base_url: l.base_url.clone(),
                    users: l.users.clone(),
                },
            })
        })
    }

    fn shutdown(&self) -> Boxed<'_, ()> {
        Box::pin(async move {
            if let Some(Hosted::Own(sandbox)) = self.running.get() {
                self.shared.withdraw();
                sandbox.stop(Duration::from_secs(3)).await;
            }
        })
    }
}
