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

/// One sandbox per data folder, whichever Patchbay process started it: the window, the service, the CLI and the
/// MCP server all use the same one while it runs, so mail delivered through its control endpoints, delta tokens
/// and the demo calendar's changes are the same for all of them (a sandbox keeps its mailboxes in memory; only the
/// tenant is in `sandbox-tenant.json`). The process that starts one says where it listens in `sandbox.json`;
/// the others find it there, checking that it still answers. It ends with the process that started it; the next
/// to need one starts another (its mailboxes then start afresh, and delta tokens of the old one answer 410).
mod shared {
    use std::path::{Path, PathBuf};

    const FILE: &str = "sandbox.json";
    const LOCK: &str = "sandbox.lock";

    /// Where a running sandbox listens, as its starter wrote it.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    pub struct Listing {
        pub pid: u32,
        pub base_url: url::Url,
        pub graph_url: url::Url,
        pub authority_template: String,
        pub users: Vec<(String, String)>,
    }

    pub struct Shared {
        dir: PathBuf,
    }

    impl Shared {
        pub fn new(data_dir: &Path) -> Self {
            Self {
                dir: data_dir.to_path_buf(),
            }
        }

        /// Held while a process looks for a sandbox and, finding none, starts one: two processes at once never
        /// start two.
        pub fn lock(&self) -> Option<std::fs::File> {
            crate::store::ensure_private_dir(&self.dir).ok()?;
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(self.dir.join(LOCK))
                .ok()?;
            file.lock().ok()?;
            Some(file)
        }

        /// The sandbox another process runs for this data folder, if it still answers.
        pub async fn find(&self) -> Option<Listing> {
            let bytes = std::fs::read(self.dir.join(FILE)).ok()?;
            let listing: Listing = serde_json::from_slice(&bytes).ok()?;
            // Only a sandbox on this computer: the file is the user's own (the data folder is 0700), but a
            // listing that sent sign-ins elsewhere would carry sandbox tokens there.
            let local = |u: &url::Url| {
                u.scheme() == "http"
                    && (matches!(u.host(), Some(url::Host::Ipv4(a)) if a.is_loopback())
                        || matches!(u.host(), Some(url::Host::Ipv6(a)) if a.is_loopback()))
            };
            let authority =
                url::Url::parse(&listing.authority_template.replace("{tenant}", "t")).ok()?;
            if !(local(&listing.base_url) && local(&listing.graph_url) && local(&authority)) {
                tracing::warn!(
                    "sandbox.json names a sandbox that is not on this computer: not used"
                );
                return None;
            }
            let home = listing.base_url.join("_sandbox").ok()?;
            let answer = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(2))
                .no_proxy()
                .build()
                .ok()?
                .get(home)
                .send()
                .await
                .ok()?;
            answer.status().is_success().then_some(listing)
        }

        /// Say where this process's sandbox listens.
        pub fn publish(&self, listing: &Listing) {
            let path = self.dir.join(FILE);
            if let Ok(bytes) = serde_json::to_vec_pretty(listing) {
                if let Err(e) = crate::store::write_atomic_unsynced(&self.dir, &path, &bytes) {
                    tracing::warn!("could not write {}: {e}", path.display());
                }
            }
        }

        /// This process's sandbox ends: take its listing down (unless another process's replaced it).
        pub fn withdraw(&self) {
            let path = self.dir.join(FILE);
            let ours = std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Listing>(&b).ok())
                .is_some_and(|l| l.pid == std::process::id());
            if ours {
                let _ = std::fs::remove_file(path);
            }
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
}

mod process {
    //! The sandbox in a process of its own: `patchbay-sandbox --tenant-file …`, started on first use, its URLs
    //! read from the one JSON line it prints, ended with this Patchbay. The tenant file is the same one the
    //! in-process sandbox keeps, so a connection made here refreshes in the CLI or the service, and back.

    use super::*;
    use std::path::PathBuf;
    use std::process::Stdio;
    use tokio::io::AsyncBufReadExt;
    use tokio::sync::OnceCell;

    /// The program's name, and the variable that says where it is (tests of an installed package).
    const PROGRAM: &str = "patchbay-sandbox";
    const PROGRAM_VAR: &str = "PATCHBAY_SANDBOX_BINARY";
    /// How long it may take to say where it listens.
    const START_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

    struct Running {
        child: std::sync::Mutex<Option<tokio::process::Child>>,
        /// Its standard input: while this end is open it runs, and it ends when this process does, however it
        /// ends (`--until-stdin-closes`), so no sandbox outlives its window.
        _lifeline: Option<tokio::process::ChildStdin>,
        base_url: url::Url,
        authority_template: String,
        graph_url: url::Url,
        users: Vec<(String, String)>,
    }

    pub struct ProcessSandbox {
        /// The program, found when this Patchbay starts (`None`: there is none, and no sandbox).
        program: Option<PathBuf>,
        shared: super::shared::Shared,
        tenant_file: PathBuf,
        control: bool,
        running: OnceCell<Running>,
    }

    fn no_program() -> ErrorInfo {
        ErrorInfo::new(
            ErrorCode::InvalidInput,
            "This build of Patchbay has no sandbox.",
            format!(
                "Its offline demo runs as {PROGRAM}, which is neither beside Patchbay nor on PATH. Reinstall \
                 Patchbay, or choose a Microsoft cloud or Advanced instead."
            ),
        )
    }

    fn could_not_start(detail: String) -> ErrorInfo {
        ErrorInfo::new(
            ErrorCode::Internal,
            "The sandbox could not start.",
            "Check that Patchbay may listen on 127.0.0.1, then try again, or choose another environment.",
        )
        .with_detail(detail)
    }

    /// What the program's first line says of where it listens.
    fn read_first_line(line: &str) -> Result<Running, ErrorInfo> {
        let info: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| could_not_start(format!("its first line is not JSON: {e}")))?;
        let url = |key: &str| {
            info[key]
                .as_str()
                .and_then(|u| url::Url::parse(u).ok())
                .ok_or_else(|| could_not_start(format!("no {key} in its first line")))
        };
        Ok(Running {
            base_url: url("base_url")?,
            graph_url: url("graph_url")?,
            authority_template: info["authority_template"]
                .as_str()
                .filter(|t| t.contains("{tenant}"))
                .ok_or_else(|| could_not_start("no authority_template in its first line".into()))?
                .to_string(),
            users: info["users"]
                .as_array()
                .map(|users| {
                    users
                        .iter()
                        .filter_map(|u| {
                            Some((u[0].as_str()?.to_string(), u[1].as_str()?.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            child: std::sync::Mutex::new(None),
            _lifeline: None,
        })
    }

    impl ProcessSandbox {
        pub fn new(data_dir: &std::path::Path) -> Self {
            Self::with_program(
                data_dir,
                crate::desktop_entry::sibling_program(PROGRAM, PROGRAM_VAR),
            )
        }

        pub fn with_program(data_dir: &std::path::Path, program: Option<PathBuf>) -> Self {
            Self {
                program,
                shared: super::shared::Shared::new(data_dir),
                tenant_file: data_dir.join("sandbox-tenant.json"),
                control: control_wanted(),
                running: OnceCell::new(),
            }
        }

        async fn get(&self) -> Result<&Running, ErrorInfo> {
            self.running
                .get_or_try_init(|| async {
                    let _turn = self.shared.lock();
                    if let Some(l) = self.shared.find().await {
                        tracing::info!(url = %l.base_url, pid = l.pid, "using the sandbox another Patchbay process runs");
                        return Ok(Running {
                            child: std::sync::Mutex::new(None),
                            _lifeline: None,
                            base_url: l.base_url,
                            authority_template: l.authority_template,
                            graph_url: l.graph_url,
                            users: l.users,
                        });
                    }
                    let program = self.program.clone().ok_or_else(no_program)?;
                    let mut command = tokio::process::Command::new(&program);
                    command
                        .arg("--tenant-file")
                        .arg(&self.tenant_file)
                        .arg("--until-stdin-closes")
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .stderr(Stdio::null())
                        .kill_on_drop(true);
                    if !self.control {
                        command.arg("--no-control");
                    }
                    let mut child = command
                        .spawn()
                        .map_err(|e| could_not_start(format!("{}: {e}", program.display())))?;
                    let stdout = child
                        .stdout
                        .take()
                        .ok_or_else(|| could_not_start("no output".into()))?;
                    let mut line = String::new();
                    let read = tokio::time::timeout(
                        START_WAIT,
                        tokio::io::BufReader::new(stdout).read_line(&mut line),
                    )
                    .await;
                    if !matches!(read, Ok(Ok(n)) if n > 0) {
                        let _ = child.start_kill();
                        return Err(could_not_start(format!(
                            "{} said nothing within {} s",
                            program.display(),
                            START_WAIT.as_secs()
                        )));
                    }
                    let mut running = read_first_line(&line)?;
                    running._lifeline = child.stdin.take();
                    *running.child.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
                    tracing::info!(url = %running.base_url, control = self.control, "sandbox started ({PROGRAM})");
                    self.shared.publish(&super::shared::Listing {
                        pid: std::process::id(),
                        base_url: running.base_url.clone(),
                        graph_url: running.graph_url.clone(),
                        authority_template: running.authority_template.clone(),
                        users: running.users.clone(),
                    });
                    Ok(running)
                })
                .await
        }
    }

    impl SandboxProvider for ProcessSandbox {
        fn available(&self) -> bool {
            self.program.is_some()
        }

        fn endpoints<'a>(&'a self, tenant: &'a str) -> Boxed<'a, Result<Endpoints, ErrorInfo>> {
            Box::pin(async move {
                let running = self.get().await?;
                // The tenant was checked (letters, digits, dots, dashes) before anything plans with it.
                let authority =
                    url::Url::parse(&running.authority_template.replace("{tenant}", tenant))
                        .map_err(|e| could_not_start(format!("its authority for {tenant}: {e}")))?;
                Ok(Endpoints {
                    authority,
                    graph_url: running.graph_url.clone(),
                })
            })
        }

        fn describe(&self) -> Boxed<'_, Result<SandboxInfo, ErrorInfo>> {
            Box::pin(async move {
                let running = self.get().await?;
                Ok(SandboxInfo {
                    base_url: running.base_url.clone(),
                    users: running.users.clone(),
                })
            })
        }

        fn shutdown(&self) -> Boxed<'_, ()> {
            Box::pin(async move {
                let child = self
                    .running
                    .get()
                    .and_then(|r| r.child.lock().unwrap_or_else(|p| p.into_inner()).take());
                // Its tenant file is written whole or not at all, so ending it at once loses nothing.
                if let Some(mut child) = child {
                    self.shared.withdraw();
                    let _ = child.kill().await;
                }
            })
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_programs_first_line_says_where_it_listens() {
            let r = read_first_line(
                r#"{"base_url":"http://127.0.0.1:9/","authority":"http://127.0.0.1:9/organizations/v2.0",
                   "authority_template":"http://127.0.0.1:9/{tenant}/v2.0","graph_url":"http://127.0.0.1:9/graph",
                   "control":false,"users":[["Adele","adele@contoso.example"]]}"#,
            )
            .unwrap();
            assert_eq!(r.graph_url.as_str(), "http://127.0.0.1:9/graph");
            assert_eq!(
                r.authority_template.replace("{tenant}", "contoso.example"),
                "http://127.0.0.1:9/contoso.example/v2.0"
            );
            assert_eq!(
                r.users,
                [("Adele".to_string(), "adele@contoso.example".to_string())]
            );
            for bad in ["", "not json", r#"{"base_url":"http://127.0.0.1:9/"}"#] {
                let e = read_first_line(bad).err().expect(bad);
                assert_eq!(e.title, "The sandbox could not start.");
            }
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
}
