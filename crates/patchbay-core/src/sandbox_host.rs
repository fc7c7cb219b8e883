//! The one place that resolves the sandbox's endpoints, for the desktop app and the CLI alike.
//!
//! The *Sandbox* environment is served in-process (on a free port of 127.0.0.1, so its URLs change from run to
//! run) and keeps its tenant — grants, refresh and access tokens, consents — in `sandbox-tenant.json` in the
//! data folder. A sandbox connection therefore stores no URL that matters: each use asks this host, which starts
//! the sandbox on first need, and every Patchbay process that serves the same data folder sees the same tenant,
//! as with a real one.
//!
//! Its HTTP control endpoints (`/_sandbox/revoke`, `/fail`, ...) are off unless `PATCHBAY_SANDBOX_CONTROL=1` is in
//! the environment (the end-to-end tests and demos set it): the sandbox starts whenever someone picks it, and
//! anything that can reach its port could otherwise break that person's sandbox connections.

use crate::environment::Endpoints;
use crate::error::{ErrorCode, ErrorInfo};
use patchbay_sandbox::{Sandbox, SandboxOptions};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::OnceCell;

/// The environment variable that turns the sandbox's HTTP control endpoints on.
pub const CONTROL_VAR: &str = "PATCHBAY_SANDBOX_CONTROL";

pub struct SandboxHost {
    tenant_file: PathBuf,
    control: bool,
    running: OnceCell<Sandbox>,
}

impl SandboxHost {
    /// A host for the data folder; control follows `PATCHBAY_SANDBOX_CONTROL`.
    pub fn new(data_dir: &std::path::Path) -> Self {
        Self::with_control(
            data_dir,
            control_from_env(std::env::var(CONTROL_VAR).ok().as_deref()),
        )
    }

    /// A host whose sandbox serves its control endpoints over HTTP when `control` is set.
    pub fn with_control(data_dir: &std::path::Path, control: bool) -> Self {
        Self {
            tenant_file: data_dir.join("sandbox-tenant.json"),
            control,
            running: OnceCell::new(),
        }
    }

    /// The running sandbox, started on first use.
    pub async fn get(&self) -> Result<&Sandbox, ErrorInfo> {
        self.running
            .get_or_try_init(|| async {
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

/// `1`, `true`, `yes` or `on` turn control on; unset, empty, `0`, `false`, `no` or `off` leave it off. Anything
/// else leaves it off too, with a warning, so a typo never opens the endpoints by surprise.
fn control_from_env(value: Option<&str>) -> bool {
    let Some(value) = value.map(str::trim) else {
        return false;
    };
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => true,
        "" | "0" | "false" | "no" | "off" => false,
        _ => {
            tracing::warn!(
                "{CONTROL_VAR}={value:?} is not understood, so the sandbox's control endpoints stay off; set it to 1 to turn them on"
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_is_on_only_when_asked_for() {
        for on in ["1", "true", "YES", " on "] {
            assert!(control_from_env(Some(on)), "{on}");
        }
        for off in [
            None,
            Some(""),
            Some("0"),
            Some("false"),
            Some("off"),
            Some("2"),
        ] {
            assert!(!control_from_env(off), "{off:?}");
        }
    }

    async fn revoke_status(host: &SandboxHost) -> (reqwest::StatusCode, serde_json::Value) {
        let sandbox = host.get().await.unwrap();
        let resp = reqwest::Client::new()
            .post(sandbox.base_url().join("_sandbox/revoke").unwrap())
            .json(&serde_json::json!({"user": "adele@contoso.example"}))
            .send()
            .await
            .unwrap();
        (resp.status(), resp.json().await.unwrap())
    }

    #[tokio::test]
    async fn the_hosted_sandbox_serves_control_only_when_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let host = SandboxHost::with_control(dir.path(), false);
        let (status, body) = revoke_status(&host).await;
        assert_eq!(status, reqwest::StatusCode::NOT_FOUND, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains(CONTROL_VAR),
            "{body}"
        );
        host.shutdown().await;

        let dir = tempfile::tempdir().unwrap();
        let host = SandboxHost::with_control(dir.path(), true);
        let (status, body) = revoke_status(&host).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        host.shutdown().await;
    }
}
