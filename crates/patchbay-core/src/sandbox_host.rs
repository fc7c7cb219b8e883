//! The one place that resolves the sandbox's endpoints, for the desktop app and the CLI alike.
//!
//! The *Sandbox* environment is served in-process (on a free port of 127.0.0.1, so its URLs change from run to
//! run) and keeps its tenant — grants, refresh and access tokens, consents — in `sandbox-tenant.json` in the
//! data folder. A sandbox connection therefore stores no URL that matters: each use asks this host, which starts
//! the sandbox on first need, and every Patchbay process that serves the same data folder sees the same tenant,
//! as with a real one.

use crate::environment::Endpoints;
use crate::error::{ErrorCode, ErrorInfo};
use patchbay_sandbox::{Sandbox, SandboxOptions};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::OnceCell;

pub struct SandboxHost {
    tenant_file: PathBuf,
    running: OnceCell<Sandbox>,
}

impl SandboxHost {
    pub fn new(data_dir: &std::path::Path) -> Self {
        Self {
            tenant_file: data_dir.join("sandbox-tenant.json"),
            running: OnceCell::new(),
        }
    }

    /// The running sandbox, started on first use.
    pub async fn get(&self) -> Result<&Sandbox, ErrorInfo> {
        self.running
            .get_or_try_init(|| async {
                let sandbox = Sandbox::start(SandboxOptions {
                    tenant_file: Some(self.tenant_file.clone()),
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
                tracing::info!(url = %sandbox.base_url(), "sandbox started");
                Ok(sandbox)
            })
            .await
    }

    /// The sandbox's endpoints for `tenant`.
    pub async fn endpoints(&self, tenant: &str) -> Result<Endpoints, ErrorInfo> {
        let sandbox = self.get().await?;
        Ok(Endpoints {
            authority: sandbox.authority(tenant),
            graph_url: sandbox.graph_url(),
        })
    }

    /// Stop serving (on exit). Waits a few seconds at most.
    pub async fn shutdown(&self) {
        if let Some(sandbox) = self.running.get() {
            sandbox.stop(Duration::from_secs(3)).await;
        }
    }
}
