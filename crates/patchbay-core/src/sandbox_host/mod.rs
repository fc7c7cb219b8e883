//! The one place that resolves the sandbox's endpoints, for the desktop app, the service and the CLI alike.
//!
//! The *Sandbox* environment is served in-process (on a free port of 127.0.0.1, so its URLs change from run to
//! run) and keeps its tenant — grants, refresh and access tokens, consents — in `sandbox-tenant.json` in the
//! data folder. A sandbox connection therefore stores no URL that matters: each use asks this host, which starts
//! the sandbox on first need, and every Patchbay process that serves the same data folder sees the same tenant,
//! as with a real one.
//!
//! The rest of the core knows the sandbox only as a [`SandboxProvider`]. A build with the `sandbox` cargo feature
//! can serve it in its own process; the window, and a build without the feature (a distributor's choice), run
//! the `patchbay-sandbox` program instead, and say so plainly when there is none.
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
    /// Whether this Patchbay can serve the Sandbox environment at all (offered only then).
    fn available(&self) -> bool;
    /// The sandbox's endpoints for `tenant`, starting it on first use.
    fn endpoints<'a>(&'a self, tenant: &'a str) -> Boxed<'a, Result<Endpoints, ErrorInfo>>;
    /// Where it runs and who can sign in (starting it on first use).
    fn describe(&self) -> Boxed<'_, Result<SandboxInfo, ErrorInfo>>;
    /// Stop serving (on exit). Waits a few seconds at most.
    fn shutdown(&self) -> Boxed<'_, ()>;
}

/// Where the Sandbox environment runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxHosting {
    /// In this process (a build with the `sandbox` feature: the CLI, the service).
    InProcess,
    /// In a `patchbay-sandbox` process this one starts on first use and ends on exit: the window, so that its
    /// own binary and memory carry no sandbox.
    Process,
}

impl Default for SandboxHosting {
    fn default() -> Self {
        if cfg!(feature = "sandbox") {
            SandboxHosting::InProcess
        } else {
            SandboxHosting::Process
        }
    }
}

/// The sandbox for the data folder, hosted as asked (in this process only where the build has it).
pub fn for_data_dir(
    data_dir: &std::path::Path,
    hosting: SandboxHosting,
) -> Arc<dyn SandboxProvider> {
    match hosting {
        #[cfg(feature = "sandbox")]
        SandboxHosting::InProcess => Arc::new(hosted::SandboxHost::new(data_dir)),
        _ => Arc::new(process::ProcessSandbox::new(data_dir)),
    }
}

/// Whether `PATCHBAY_SANDBOX_CONTROL` asks for the control endpoints.
fn control_wanted() -> bool {
    control_from_env(std::env::var(CONTROL_VAR).ok().as_deref())
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

/// The endpoints of a sandbox another process listed.
#[cfg(feature = "sandbox")]
fn listed_endpoints(l: &shared::Listing, tenant: &str) -> Result<Endpoints, ErrorInfo> {
    let authority =
        url::Url::parse(&l.authority_template.replace("{tenant}", tenant)).map_err(|e| {
            ErrorInfo::new(
                ErrorCode::Internal,
                "The sandbox's address cannot be read.",
                "Quit every Patchbay window and command, then try again.",
            )
            .with_detail(e.to_string())
        })?;
    Ok(Endpoints {
        authority,
        graph_url: l.graph_url.clone(),
    })
}

mod shared;

#[cfg(feature = "sandbox")]
pub use hosted::SandboxHost;

#[cfg(feature = "sandbox")]
mod hosted;

mod process;

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
    async fn without_the_sandbox_program_there_is_no_sandbox_and_it_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let none = process::ProcessSandbox::with_program(dir.path(), None);
        assert!(!none.available());
        let e = none.endpoints("organizations").await.unwrap_err();
        assert_eq!(e.title, "This build of Patchbay has no sandbox.");
        assert!(e.message.contains("patchbay-sandbox"), "{}", e.message);
        assert!(none.describe().await.is_err());
    }

    #[cfg(feature = "sandbox")]
    async fn revoke_status(host: &SandboxHost) -> (reqwest::StatusCode, serde_json::Value) {
        let sandbox = host.get().await.unwrap().expect("its own sandbox");
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

    #[cfg(feature = "sandbox")]
    #[tokio::test]
    async fn every_process_of_a_data_folder_uses_the_one_sandbox_that_runs() {
        let dir = tempfile::tempdir().unwrap();
        let first = SandboxHost::with_control(dir.path(), false);
        let second = SandboxHost::with_control(dir.path(), false);
        let own = first.endpoints("organizations").await.unwrap();
        assert!(first.get().await.unwrap().is_some(), "the first starts it");
        let found = second.endpoints("organizations").await.unwrap();
        assert_eq!(found, own, "the second finds it in sandbox.json");
        assert!(
            second.get().await.unwrap().is_none(),
            "and runs none of its own"
        );
        assert_eq!(
            second.describe().await.unwrap().users,
            first.describe().await.unwrap().users
        );
        first.shutdown().await;
        assert!(
            !dir.path().join("sandbox.json").exists(),
            "its listing goes with it"
        );
        // The next to need one starts its own.
        let third = SandboxHost::with_control(dir.path(), false);
        assert!(third.get().await.unwrap().is_some());
        third.shutdown().await;
    }

    /// `sandbox.json` naming `sandbox`'s address with `key` (as another Patchbay process would have written it).
    #[cfg(feature = "sandbox")]
    fn list(dir: &std::path::Path, sandbox: &patchbay_sandbox::Sandbox, key: Option<&str>) {
        let mut listing = serde_json::json!({
            "pid": 1,
            "base_url": sandbox.base_url().as_str(),
            "graph_url": sandbox.graph_url().as_str(),
            "authority_template": format!("{}{{tenant}}/v2.0", sandbox.base_url()),
            "users": [["Adele", "adele@contoso.example"]],
        });
        if let Some(key) = key {
            listing["proof_key"] = key.into();
        }
        std::fs::write(dir.join("sandbox.json"), listing.to_string()).unwrap();
    }

    #[cfg(feature = "sandbox")]
    #[tokio::test]
    async fn a_listed_sandbox_is_used_only_when_it_proves_it_is_the_one_listed() {
        // Something else answers at the listed address: it serves /_sandbox like a sandbox (which was all a
        // reader asked before), but it is not the one whose key the listing holds.
        let impostor = patchbay_sandbox::Sandbox::start(Default::default())
            .await
            .unwrap();
        let other_key = patchbay_sandbox::Sandbox::start(Default::default())
            .await
            .unwrap();
        for key in [
            None,
            Some(""),
            Some("not base64!"),
            Some(other_key.proof_key().as_str()),
        ] {
            let dir = tempfile::tempdir().unwrap();
            list(dir.path(), &impostor, key);
            let host = SandboxHost::with_control(dir.path(), false);
            let used = host.endpoints("organizations").await.unwrap();
            assert_ne!(used.graph_url, impostor.graph_url(), "{key:?}");
            assert!(
                host.get().await.unwrap().is_some(),
                "{key:?}: it started its own"
            );
            host.shutdown().await;
        }
        // The listing that holds its key is used.
        let dir = tempfile::tempdir().unwrap();
        list(dir.path(), &impostor, Some(&impostor.proof_key()));
        let host = SandboxHost::with_control(dir.path(), false);
        assert_eq!(
            host.endpoints("organizations").await.unwrap().graph_url,
            impostor.graph_url()
        );
        assert!(host.get().await.unwrap().is_none());
    }

    #[cfg(feature = "sandbox")]
    #[tokio::test]
    async fn a_listed_sandbox_that_ended_is_checked_again_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let first = SandboxHost::with_control(dir.path(), false);
        let second = SandboxHost::with_control(dir.path(), false);
        let listed = first.endpoints("organizations").await.unwrap();
        assert_eq!(second.endpoints("organizations").await.unwrap(), listed);
        // The first process ends, and with it its sandbox; the second's next use finds out and starts its own.
        first.shutdown().await;
        let now = second.endpoints("organizations").await.unwrap();
        assert_ne!(now, listed, "the ended sandbox's address is not used again");
        assert!(second.get().await.unwrap().is_some());
        second.shutdown().await;
    }
}
