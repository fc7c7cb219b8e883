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
    /// This process's own sandbox, once started (it runs until shutdown).
    own: OnceCell<Sandbox>,
    /// Another process's, as last proved.
    elsewhere: std::sync::Mutex<Option<super::shared::Listing>>,
    /// One task at a time looks for a sandbox and starts one.
    turn: tokio::sync::Mutex<()>,
}

pub enum Hosted<'a> {
    Own(&'a Sandbox),
    Elsewhere(Box<super::shared::Listing>),
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
            own: OnceCell::new(),
            elsewhere: std::sync::Mutex::new(None),
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// The sandbox this process serves, started on first use (`None` when another process serves it).
    pub async fn get(&self) -> Result<Option<&Sandbox>, ErrorInfo> {
        Ok(match self.hosted().await? {
            Hosted::Own(s) => Some(s),
            Hosted::Elsewhere(_) => None,
        })
    }

    fn listed(&self) -> std::sync::MutexGuard<'_, Option<super::shared::Listing>> {
        self.elsewhere.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// This process's sandbox, or another's that proves again, now, that it is the one listed; otherwise the
    /// one listed now, or a sandbox of this process's own.
    async fn hosted(&self) -> Result<Hosted<'_>, ErrorInfo> {
        if let Some(own) = self.own.get() {
            return Ok(Hosted::Own(own));
        }
        let cached = self.listed().clone();
        if let Some(listing) = cached {
            if super::shared::proves(&listing).await {
                return Ok(Hosted::Elsewhere(Box::new(listing)));
            }
            tracing::info!(url = %listing.base_url, "the sandbox another Patchbay process ran no longer answers as itself; looking again");
            *self.listed() = None;
        }
        let _task = self.turn.lock().await;
        if let Some(own) = self.own.get() {
            return Ok(Hosted::Own(own));
        }
        let _turn = self.shared.lock();
        if let Some(listing) = self.shared.find().await {
            tracing::info!(url = %listing.base_url, pid = listing.pid, "using the sandbox another Patchbay process runs");
            *self.listed() = Some(listing.clone());
            return Ok(Hosted::Elsewhere(Box::new(listing)));
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
            authority_template: sandbox
                .authority("{tenant}")
                .to_string()
                .replace("%7Btenant%7D", "{tenant}"),
            users: users_of(&sandbox),
            proof_key: super::shared::ProofKey(sandbox.proof_key()),
        });
        let _ = self.own.set(sandbox);
        Ok(Hosted::Own(self.own.get().expect("just set")))
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
                Hosted::Elsewhere(l) => super::listed_endpoints(&l, tenant)?,
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
            if let Some(sandbox) = self.own.get() {
                self.shared.withdraw();
                sandbox.stop(Duration::from_secs(3)).await;
            }
        })
    }
}
