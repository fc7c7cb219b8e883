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
    /// Its key (see [`super::shared`]), for the listing; empty from a program too old to print one.
    proof_key: String,
}

/// Where the sandbox in use listens: this process's, or another's.
struct Place {
    base_url: url::Url,
    authority_template: String,
    graph_url: url::Url,
    users: Vec<(String, String)>,
}

impl From<&Running> for Place {
    fn from(r: &Running) -> Self {
        Place {
            base_url: r.base_url.clone(),
            authority_template: r.authority_template.clone(),
            graph_url: r.graph_url.clone(),
            users: r.users.clone(),
        }
    }
}

impl From<super::shared::Listing> for Place {
    fn from(l: super::shared::Listing) -> Self {
        Place {
            base_url: l.base_url,
            authority_template: l.authority_template,
            graph_url: l.graph_url,
            users: l.users,
        }
    }
}

pub struct ProcessSandbox {
    /// The program, found when this Patchbay starts (`None`: there is none, and no sandbox).
    program: Option<PathBuf>,
    shared: super::shared::Shared,
    tenant_file: PathBuf,
    control: bool,
    /// The sandbox this process started, once started.
    own: OnceCell<Running>,
    /// Another process's, as last proved.
    elsewhere: std::sync::Mutex<Option<super::shared::Listing>>,
    /// One task at a time looks for a sandbox and starts one.
    turn: tokio::sync::Mutex<()>,
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
                    .filter_map(|u| Some((u[0].as_str()?.to_string(), u[1].as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        proof_key: info["proof_key"].as_str().unwrap_or_default().to_string(),
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
            own: OnceCell::new(),
            elsewhere: std::sync::Mutex::new(None),
            turn: tokio::sync::Mutex::new(()),
        }
    }

    fn listed(&self) -> std::sync::MutexGuard<'_, Option<super::shared::Listing>> {
        self.elsewhere.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// This process's sandbox, or another's that proves again, now, that it is the one listed; otherwise the
    /// one listed now, or a sandbox this process starts.
    async fn place(&self) -> Result<Place, ErrorInfo> {
        if let Some(own) = self.own.get() {
            return Ok(own.into());
        }
        let cached = self.listed().clone();
        if let Some(listing) = cached {
            if super::shared::proves(&listing).await {
                return Ok(listing.into());
            }
            tracing::info!(url = %listing.base_url, "the sandbox another Patchbay process ran no longer answers as itself; looking again");
            *self.listed() = None;
        }
        let _task = self.turn.lock().await;
        if let Some(own) = self.own.get() {
            return Ok(own.into());
        }
        let _turn = self.shared.lock();
        if let Some(l) = self.shared.find().await {
            tracing::info!(url = %l.base_url, pid = l.pid, "using the sandbox another Patchbay process runs");
            *self.listed() = Some(l.clone());
            return Ok(l.into());
        }
        let running = self.start().await?;
        let place = Place::from(&running);
        let _ = self.own.set(running);
        Ok(place)
    }

    /// Start the program and publish where it listens.
    async fn start(&self) -> Result<Running, ErrorInfo> {
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
            proof_key: super::shared::ProofKey(running.proof_key.clone()),
        });
        Ok(running)
    }
}

impl SandboxProvider for ProcessSandbox {
    fn available(&self) -> bool {
        self.program.is_some()
    }

    fn endpoints<'a>(&'a self, tenant: &'a str) -> Boxed<'a, Result<Endpoints, ErrorInfo>> {
        Box::pin(async move {
            let running = self.place().await?;
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
            let running = self.place().await?;
            Ok(SandboxInfo {
                base_url: running.base_url.clone(),
                users: running.users.clone(),
            })
        })
    }

    fn shutdown(&self) -> Boxed<'_, ()> {
        Box::pin(async move {
            let child = self
                .own
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
