//! `patchbay connect`: sign in through the browser and save the connection.

use super::invalid;
use crate::cli::{ConnectArgs, FixArgs, UpdateSecretArgs};
use crate::output;
use patchbay_core::catalogue::AuthType;
use patchbay_core::connect::ConnectOptions;
use patchbay_core::environment::EnvironmentId;
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::model::{ConnectEvent, ConnectRequest, ConnectionSummary, FixRequest};
use patchbay_core::Patchbay;
use secrecy::zeroize::Zeroize;
use secrecy::SecretString;
use std::io::{BufRead, IsTerminal};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Set once Ctrl-C was pressed during a sign-in (main exits with 130 then).
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How long a cancelled sign-in may take to wind down before the command gives up on it.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

pub fn was_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

pub async fn run(core: &Patchbay, args: &ConnectArgs) -> Result<(), ErrorInfo> {
    // URLs without an environment can only mean a custom one: say so rather than refuse them for the global
    // cloud the person never chose. (The core refuses URLs with a named cloud or the sandbox.)
    let environment = match args.environment {
        Some(chosen) => chosen.0,
        None if args.authority.is_some() || args.graph_url.is_some() => {
            output::note(
                "Using the custom environment, as --authority and --graph-url were given.",
            );
            EnvironmentId::Custom
        }
        None => EnvironmentId::Global,
    };
    if args.features.as_ref().is_some_and(|f| f.is_empty()) {
        return Err(invalid(
            "--features is empty.",
            "Name at least one feature (see `patchbay connectors`).",
        ));
    }
    let scopes = args.scopes.as_deref().map(parse_scopes).transpose()?;
    let mut request = ConnectRequest {
        connector_id: args.connector.clone(),
        environment,
        // The core fills in the sandbox's own URLs (see patchbay_core::sandbox_host).
        authority: args.authority.clone(),
        graph_url: args.graph_url.clone(),
        auth_type: if args.client_id.is_some() {
            AuthType::BringYourOwnApp
        } else {
            AuthType::BuiltInApp
        },
        client_id: args.client_id.clone(),
        client_secret: None,
        client_secret_expires_on: args.secret_expires_on.clone(),
        tenant: args.tenant.clone(),
        features: args.features.clone(),
        scopes,
        redirect_uri: args.redirect_uri.clone(),
        name: args.name.clone(),
    };
    // The core's rules, before a secret is read or a sandbox started.
    core.check_request(&request)?;
    if args.client_secret_stdin {
        request.client_secret = Some(read_secret()?);
    }
    if environment == EnvironmentId::Sandbox {
        announce_sandbox(core).await?;
    }
    let options = ConnectOptions {
        open_browser: !args.no_browser,
        timeout: Duration::from_secs(args.timeout),
    };

    // stdin carries the secret when --client-secret-stdin is given; otherwise it may carry a pasted error.
    let paste = !args.client_secret_stdin;
    let summary = sign_in(core, Flow::New(request), options, args.no_browser, paste).await?;
    if args.json {
        output::json(&summary)
    } else {
        output::out(&describe(&summary));
        if environment == EnvironmentId::Sandbox {
            output::note("The sandbox's tenant is kept in Patchbay's data folder, so this demo connection keeps refreshing in later commands and in the app.");
        }
        Ok(())
    }
}

/// `patchbay fix ID`: sign in again as the connection's account.
pub async fn fix(core: &Patchbay, args: &FixArgs) -> Result<(), ErrorInfo> {
    let connection = core.get(&args.id)?;
    let client_secret = if args.client_secret_stdin {
        Some(read_secret()?)
    } else {
        None
    };
    if connection.environment == EnvironmentId::Sandbox {
        announce_sandbox(core).await?;
    }
    let request = FixRequest {
        id: connection.id.clone(),
        client_secret,
        client_secret_expires_on: args.secret_expires_on.clone(),
    };
    let options = ConnectOptions {
        open_browser: !args.no_browser,
        timeout: Duration::from_secs(args.timeout),
    };
    output::note(&format!(
        "Sign in as {} to fix {}.",
        connection.account.email, connection.name
    ));
    let paste = !args.client_secret_stdin;
    let summary = sign_in(core, Flow::Fix(request), options, args.no_browser, paste).await?;
    if args.json {
        output::json(&summary)
    } else {
        output::out(&format!("Fixed {} ({}).", summary.name, summary.id));
        Ok(())
    }
}

/// `patchbay update-secret ID --client-secret-stdin`: replace a bring-your-own app's client secret.
pub async fn update_secret(core: &Patchbay, args: &UpdateSecretArgs) -> Result<(), ErrorInfo> {
    let connection = core.get(&args.id)?;
    let secret = read_secret()?;
    let summary = core
        .update_client_secret(&connection.id, secret, args.secret_expires_on.clone())
        .await?;
    output::out(&format!(
        "Updated the client secret of {} ({}): {}.",
        summary.name,
        summary.id,
        summary.status.code()
    ));
    Ok(())
}

/// What is being signed in for.
enum Flow {
    New(ConnectRequest),
    Fix(FixRequest),
}

/// Run the flow with progress on stderr; Ctrl-C cancels it.
async fn sign_in(
    core: &Patchbay,
    request: Flow,
    options: ConnectOptions,
    no_browser: bool,
    paste: bool,
) -> Result<ConnectionSummary, ErrorInfo> {
    let cancel = CancellationToken::new();
    let watcher = tokio::spawn(watch_ctrl_c(Interrupts::listen()?, cancel.clone()));
    let hint_paste = paste && std::io::stdin().is_terminal();
    let events = move |event: ConnectEvent| progress(event, no_browser, hint_paste);
    let flow_id = format!("cli-{}", std::process::id());
    let result = tokio::select! {
        result = async {
            match request {
                Flow::New(req) => core.connect(req, options, &flow_id, &events, cancel.clone()).await,
                Flow::Fix(req) => core.fix(req, options, &flow_id, &events, cancel.clone()).await,
            }
        } => result,
        () = watch_pasted_errors(core, &flow_id, paste) => unreachable!("the paste watcher never ends"),
        // The core stops at once when cancelled; should it be stuck in a request, do not wait for it forever.
        () = async { cancel.cancelled().await; tokio::time::sleep(CANCEL_GRACE).await } => {
            Err(ErrorInfo::new(ErrorCode::Cancelled, "Sign-in was cancelled.", "Nothing was changed."))
        }
    };
    watcher.abort();
    result
}

/// Microsoft shows some errors (AADSTS50011, 700016, 90094…) on its own page and never returns: a line pasted on
/// stdin while waiting ends the sign-in with that error explained. Lines without a code get a hint; the sign-in
/// keeps waiting. Never completes.
async fn watch_pasted_errors(core: &Patchbay, flow_id: &str, enabled: bool) {
    if enabled {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        // A plain thread: a blocking read must not hold the runtime open when the command ends.
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        while let Some(line) = rx.recv().await {
            if line.trim().is_empty() {
                continue;
            }
            if let Err(e) = core.report_sign_in_page_error(flow_id, &line) {
                output::note(&format!("{} {}", e.title, e.message));
            }
        }
    }
    std::future::pending().await
}

/// Ctrl-C, listened for from the moment this exists (so one pressed right after the URL shows is never lost).
struct Interrupts {
    #[cfg(unix)]
    inner: tokio::signal::unix::Signal,
    #[cfg(windows)]
    inner: tokio::signal::windows::CtrlC,
}

impl Interrupts {
    fn listen() -> Result<Self, ErrorInfo> {
        #[cfg(unix)]
        let inner = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
        #[cfg(windows)]
        let inner = tokio::signal::windows::ctrl_c();
        let inner = inner.map_err(|e| {
            ErrorInfo::new(
                ErrorCode::Internal,
                "Could not listen for Ctrl-C.",
                "Try again.",
            )
            .with_detail(e.to_string())
        })?;
        Ok(Self { inner })
    }

    async fn recv(&mut self) -> Option<()> {
        self.inner.recv().await
    }
}

/// The first Ctrl-C cancels the sign-in; a second one ends the process at once.
async fn watch_ctrl_c(mut interrupts: Interrupts, cancel: CancellationToken) {
    if interrupts.recv().await.is_some() {
        INTERRUPTED.store(true, Ordering::SeqCst);
        cancel.cancel();
    }
    if interrupts.recv().await.is_some() {
        std::process::exit(130);
    }
}

fn progress(event: ConnectEvent, no_browser: bool, hint_paste: bool) {
    match event {
        ConnectEvent::WaitingForBrowser {
            auth_url, opened, ..
        } => {
            if no_browser {
                // Alone on its line and flushed: a script reads it from stdout.
                output::out(&auth_url);
                output::note("Open the link above in a browser to sign in.");
            } else if opened {
                output::note(&format!(
                    "Opening your browser… If it did not open, go to: {auth_url}"
                ));
            } else {
                output::note(&format!("Could not open a browser. Go to: {auth_url}"));
            }
            output::note("Waiting for the sign-in in your browser (Ctrl-C to cancel)…");
            if hint_paste {
                output::note("If the browser shows an error (AADSTS…) instead, paste it here and press Enter.");
            }
        }
        ConnectEvent::Exchanging { .. } => output::note("Exchanging the code…"),
        ConnectEvent::Connected { .. } | ConnectEvent::Failed { .. } => {}
    }
}

/// `"Mail.Read Calendars.Read"` or `"Mail.Read,Calendars.Read"`.
fn parse_scopes(text: &str) -> Result<Vec<String>, ErrorInfo> {
    let scopes: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    if scopes.is_empty() {
        return Err(invalid(
            "--scopes is empty.",
            "Give scopes separated by spaces, e.g. --scopes \"Mail.Read Calendars.Read\".",
        ));
    }
    Ok(scopes)
}

/// One line from stdin, trimmed; never echoed back or logged. Typed at a terminal, it is read with echo off,
/// so the secret does not land on the screen (or in a screen recording, or the terminal's scrollback).
fn read_secret() -> Result<SecretString, ErrorInfo> {
    let stdin = std::io::stdin();
    let mut line = String::new();
    let read = if stdin.is_terminal() {
        output::note("Paste the client secret's Value and press Enter; it is not shown (or pipe it in: `… --client-secret-stdin < secret.txt`).");
        rpassword::prompt_password("Client secret: ").map(|typed| {
            line = typed;
            line.len()
        })
    } else {
        stdin.lock().read_line(&mut line)
    };
    let secret = line.trim().to_string();
    line.zeroize();
    if let Err(e) = read {
        return Err(invalid(
            "Could not read the client secret from stdin.",
            "Pipe the secret in on one line.",
        )
        .with_detail(e.kind().to_string()));
    }
    if secret.is_empty() {
        return Err(invalid(
            "The client secret read from stdin is empty.",
            "Pipe the secret's Value in on one line (Certificates & secrets → your secret → Value), or leave out --client-secret-stdin for a public app.",
        ));
    }
    Ok(SecretString::from(secret))
}

/// Start the in-process sandbox and say who can sign in to it.
async fn announce_sandbox(core: &Patchbay) -> Result<(), ErrorInfo> {
    let sandbox = core.sandbox().describe().await?;
    let users: Vec<String> = sandbox
        .users
        .iter()
        .map(|(given_name, email)| format!("{given_name} {email}"))
        .collect();
    output::note(&format!(
        "A local sandbox is running at {} until this command ends. Sign in as one of its demo users ({}); any password works.",
        sandbox.base_url,
        users.join(", ")
    ));
    Ok(())
}

/// The new connection in words.
fn describe(c: &ConnectionSummary) -> String {
    let account = if c.account.name.is_empty() {
        c.account.email.clone()
    } else {
        format!("{} <{}>", c.account.name, c.account.email)
    };
    let tenant = if c.account.tid.is_empty() || c.account.tid == c.tenant {
        c.tenant.clone()
    } else {
        format!("{} (signed in through {})", c.account.tid, c.tenant)
    };
    let mut lines = vec![
        format!("Connected {}.", c.name),
        format!("  ID:           {}", c.id),
        format!("  Account:      {account}"),
        format!("  Tenant:       {tenant}"),
        format!("  Environment:  {}", c.environment.as_str()),
        format!(
            "  Scopes:       {} of {} requested granted: {}",
            c.scopes_granted.len(),
            c.scopes_requested.len(),
            c.scopes_granted.join(" ")
        ),
    ];
    if !c.scopes_missing.is_empty() {
        lines.push(format!("  Not granted:  {}", c.scopes_missing.join(" ")));
        if !c.features_unavailable.is_empty() {
            lines.push(format!(
                "  Unavailable:  {} (an administrator may grant the missing scopes)",
                c.features_unavailable.join(", ")
            ));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_on_spaces_and_commas() {
        assert_eq!(
            parse_scopes(" Mail.Read,Calendars.Read  User.Read ").unwrap(),
            ["Mail.Read", "Calendars.Read", "User.Read"]
        );
        assert!(parse_scopes(" , ").is_err());
    }
}
