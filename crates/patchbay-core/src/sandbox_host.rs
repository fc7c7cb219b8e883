//! The one place that resolves the sandbox's endpoints, for the desktop app, the service and the CLI alike.
//!
//! The *Sandbox* environment is served in-process (on a free port of 127.0.0.1, so its URLs change from run to
//! run) and keeps its tenant — grants, refresh and access tokens, consents — in `sandbox-tenant.json` in the
//! data folder. A sandbox connection therefore stores no URL that matters: each use asks this host, which starts
//! the sandbox on first need, and every Patchbay process that serves the same data folder sees the same tenant,
//! as with a real one.
//!
//! The rest of the core knows the sandbox only as a [`SandboxProvider`]: a build without the `sandbox` cargo
//! feature (a distributor's choice) gets [`NoSandbox`], which says so instead of failing obscurely.
//!
//! Its HTTP control endpoints (`/_sandbox/revoke`, `/fail`, ...) are off unless `PATCHBAY_SANDBOX_CONTROL=1` is in
//! the environment (the end-to-end tests and demos set it): the sandbox starts whenever someone picks it, and
//! anything that can reach its port could otherwise break that person's sandbox connections.

use crate::environment::Endpoints;
use crate::error::{ErrorCode, ErrorInfo};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The environment variable that turns the sandbox's HTTP control endpoints on.
pub const CONTROL_VAR: &str = "PATCHBAY_SANDBOX_CONTROL";

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a running sandbox is and who can sign in to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxInfo {
    pub base_url: url::Url,
    /// Its demo users: (given name, email).
    pub users: Vec<(String, String)>,
}

/// The Sandbox environment, as the core sees it.
pub trait SandboxProvider: Send + Sync {
    /// The sandbox's endpoints for `tenant`, starting it on first use.
    fn endpoints<'a>(&'a self, tenant: &'a str) -> Boxed<'a, Result<Endpoints, ErrorInfo>>;
    /// Where it runs and who can sign in (starting it on first use).
    fn describe(&self) -> Boxed<'_, Result<SandboxInfo, ErrorInfo>>;
    /// Stop serving (on exit). Waits a few seconds at most.
    fn shutdown(&self) -> Boxed<'_, ()>;
}

/// The sandbox of this build for the data folder: the in-process one, or [`NoSandbox`].
pub fn for_data_dir(data_dir: &std::path::Path) -> Arc<dyn SandboxProvider> {
    #[cfg(feature = "sandbox")]
    {
        Arc::new(hosted::SandboxHost::new(data_dir))
    }
    #[cfg(not(feature = "sandbox"))]
    {
        let _ = data_dir;
        Arc::new(NoSandbox)
    }
}

/// Whether this build serves the Sandbox environment.
pub const AVAILABLE: bool = cfg!(feature = "sandbox");

/// A build without the sandbox: every use says so.
pub struct NoSandbox;

fn no_sandbox() -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        "This build of Patchbay has no sandbox.",
        "It was built without its offline demo (the sandbox feature). Choose a Microsoft cloud or Advanced instead.",
    )
}

impl SandboxProvider for NoSandbox {
    fn endpoints<'a>(&'a self, _tenant: &'a str) -> Boxed<'a, Result<Endpoints, ErrorInfo>> {
        Box::pin(async { Err(no_sandbox()) })
    }

    fn describe(&self) -> Boxed<'_, Result<SandboxInfo, ErrorInfo>> {
        Box::pin(async { Err(no_sandbox()) })
    }

    fn shutdown(&self) -> Boxed<'_, ()> {
        Box::pin(async {})
    }
}

/// `1`, `true`, `yes` or `on` turn control on; unset, empty, `0`, `false`, `no` or `off` leave it off. Anything
/// else leaves it off too, with a warning, so a typo never opens the endpoints by surprise.
#[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
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

#[cfg(feature = "sandbox")]
pub use hosted::SandboxHost;

#[cfg(feature = "sandbox")]
mod hosted {
    use super::*;
    use patchbay_sandbox::{Sandbox, SandboxOptions};
    use std::path::PathBuf;
    use std::time::Duration;
    use tokio::sync::OnceCell;

    /// The sandbox served in this process, started on first use.
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
    }

    impl SandboxProvider for SandboxHost {
        fn endpoints<'a>(&'a self, tenant: &'a str) -> Boxed<'a, Result<Endpoints, ErrorInfo>> {
            Box::pin(async move {
                let sandbox = self.get().await?;
                Ok(Endpoints {
                    authority: sandbox.authority(tenant),
                    graph_url: sandbox.graph_url(),
                })
            })
        }

        fn describe(&self) -> Boxed<'_, Result<SandboxInfo, ErrorInfo>> {
            Box::pin(async move {
                let sandbox = self.get().await?;
                Ok(SandboxInfo {
                    base_url: sandbox.base_url().clone(),
                    users: sandbox
                        .control()
                        .users()
                        .iter()
                        .map(|u| (u.given_name.clone(), u.email.clone()))
                        .collect(),
                })
            })
        }

        fn shutdown(&self) -> Boxed<'_, ()> {
            Box::pin(async move {
                if let Some(sandbox) = self.running.get() {
                    sandbox.stop(Duration::from_secs(3)).await;
                }
            })
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

    #[tokio::test]
    async fn a_build_without_the_sandbox_says_so() {
        let e = NoSandbox.endpoints("organizations").await.unwrap_err();
        assert_eq!(e.title, "This build of Patchbay has no sandbox.");
        assert!(e.message.contains("Choose"), "{}", e.message);
        assert!(NoSandbox.describe().await.is_err());
    }

    #[cfg(feature = "sandbox")]
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

    #[cfg(feature = "sandbox")]
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
