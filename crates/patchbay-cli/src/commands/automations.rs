//! `patchbay automations …`: add, list, show, pause, resume, remove, history, retry, and the engine (`run`,
//! `run --once`). The interface is fixed: scripts and checks depend on it.

use super::invalid;
use crate::cli::{AutomationAddArgs, AutomationsCommand, TriggerKind};
use crate::output;
use patchbay_core::automations::engine::{self, Round};
use patchbay_core::automations::manage::{self, describe_trigger, NewAutomation};
use patchbay_core::automations::store::AutomationStore;
use patchbay_core::automations::{Action, Automation, AutomationView, Trigger};
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::Patchbay;

pub async fn run(core: &Patchbay, cmd: AutomationsCommand) -> Result<(), ErrorInfo> {
    let store = AutomationStore::new(&core.config().data_dir);
    match cmd {
        AutomationsCommand::Add(args) => add(core, &args).await,
        AutomationsCommand::List(args) => {
            let views = manage::list(core)?;
            if args.json {
                return output::json(&views);
            }
            if views.is_empty() {
                output::out("No automations yet. Add one with `patchbay automations add`.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = views
                .iter()
                .map(|v| {
                    vec![
                        v.automation.id.clone(),
                        v.automation.name.clone(),
                        describe_trigger(&v.automation.trigger),
                        v.state_words.clone(),
                    ]
                })
                .collect();
            output::out(&output::table(&["ID", "NAME", "ON", "STATE"], &rows));
            Ok(())
        }
        AutomationsCommand::Show(args) => {
            let v = manage::show(core, &args.id)?;
            if args.json {
                return output::json(&v);
            }
            print_view(&v);
            Ok(())
        }
        AutomationsCommand::Pause(args) => set_paused(core, &args.id, true, args.json),
        AutomationsCommand::Resume(args) => set_paused(core, &args.id, false, args.json),
        AutomationsCommand::Remove(args) => {
            let removed = manage::remove(core, &args.id)?;
            if args.json {
                return output::json(&serde_json::json!({"removed": removed.id}));
            }
            output::out(&format!(
                "Removed automation {} ({}).",
                removed.name, removed.id
            ));
            Ok(())
        }
        AutomationsCommand::History(args) => {
            let history = manage::history(core, &args.id)?;
            if args.json {
                return output::json(&history);
            }
            if history.is_empty() {
                output::out("Nothing delivered yet.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = history
                .iter()
                .map(|h| {
                    vec![
                        h.at.clone(),
                        h.subject.clone().unwrap_or_else(|| "(no subject)".into()),
                        h.outcome.clone(),
                        h.attempt.to_string(),
                        h.exit_code
                            .map(|c| format!("exit {c}"))
                            .or(h.http_status.map(|s| format!("HTTP {s}")))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            output::out(&output::table(
                &["AT", "SUBJECT", "OUTCOME", "ATTEMPT", "RESULT"],
                &rows,
            ));
            Ok(())
        }
        AutomationsCommand::Retry(args) => {
            let n = engine::retry(core, &args.id, args.item.as_deref())?;
            output::out(&format!(
                "{n} item(s) back in line: the next round delivers them."
            ));
            Ok(())
        }
        AutomationsCommand::Run(args) => {
            if args.once {
                run_once(core, &store).await
            } else {
                run_forever(core).await
            }
        }
    }
}

fn print_view(v: &AutomationView) {
    let a = &v.automation;
    let action = match &a.action {
        Action::Run { argv } => format!("run {}", shell_join(argv)),
        Action::Post { url } => format!("POST {url}"),
    };
    output::out(&format!(
        "{} ({})\n  on:         {}\n  does:       {}\n  connection: {}\n  every:      {} s\n  state:      {}\n  queued:     {}\n  failed:     {}\n  last poll:  {}{}",
        a.name,
        a.id,
        describe_trigger(&a.trigger),
        action,
        a.connection_id,
        a.poll_secs,
        &v.state_words,
        v.queued,
        v.failed,
        v.last_poll_at.as_deref().unwrap_or("never"),
        v.last_error
            .as_deref()
            .map(|e| format!("\n  last error: {e}"))
            .unwrap_or_default(),
    ));
}

fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
                && !a.is_empty()
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn set_paused(core: &Patchbay, id: &str, paused: bool, json: bool) -> Result<(), ErrorInfo> {
    let v = manage::set_paused(core, id, paused)?;
    if json {
        return output::json(&v);
    }
    output::out(&format!(
        "{} {}.{}",
        v.automation.name,
        if paused { "paused" } else { "resumed" },
        if paused {
            " Mail that arrives meanwhile is delivered on resume."
        } else {
            ""
        }
    ));
    Ok(())
}

/// The trigger `add` was given; each kind's flags belong to it alone, and another's are refused in words.
fn trigger(args: &AutomationAddArgs) -> Result<Trigger, ErrorInfo> {
    let given = |flags: &[(bool, &'static str)]| flags.iter().find(|(g, _)| *g).map(|(_, f)| *f);
    let mail = [
        (args.from.is_some(), "--from"),
        (args.subject_contains.is_some(), "--subject-contains"),
        (args.has_attachments, "--has-attachments"),
    ];
    let files = [
        (args.drive.is_some(), "--drive"),
        (args.name_matches.is_some(), "--name-matches"),
        (args.download_to.is_some(), "--download-to"),
    ];
    let refuse = |flag: &str, belongs: &str, hint: &str| {
        Err(invalid(
            format!("{flag} is for --on {belongs}."),
            hint.to_string(),
        ))
    };
    match args.on {
        TriggerKind::NewMail => {
            if args.days.is_some() {
                return refuse(
                    "--days",
                    "event-changed",
                    "Leave it out for new mail, or watch the calendar with --on event-changed --days N.",
                );
            }
            if let Some(flag) = given(&files) {
                return refuse(flag, "file-changed", "Leave it out for new mail.");
            }
            Ok(Trigger::NewMail {
                folder: args.folder.as_deref().unwrap_or("inbox").trim().to_string(),
                from: args.from.clone().filter(|f| !f.trim().is_empty()),
                subject_contains: args.subject_contains.clone().filter(|s| !s.is_empty()),
                has_attachments: args.has_attachments,
            })
        }
        TriggerKind::EventChanged => {
            let mut other = mail.to_vec();
            other.push((args.folder.is_some(), "--folder"));
            if let Some(flag) = given(&other) {
                return refuse(
                    flag,
                    "new-mail",
                    "A calendar automation fires for every event added, changed or cancelled in the next --days N days.",
                );
            }
            if let Some(flag) = given(&files) {
                return refuse(flag, "file-changed", "Leave it out for the calendar.");
            }
            Ok(Trigger::EventChanged {
                days: args
                    .days
                    .unwrap_or(patchbay_core::automations::DEFAULT_DAYS),
            })
        }
        TriggerKind::FileChanged => {
            if let Some(flag) = given(&mail) {
                return refuse(
                    flag,
                    "new-mail",
                    "A file automation filters by --folder and --name-matches.",
                );
            }
            if args.days.is_some() {
                return refuse("--days", "event-changed", "Leave it out for file changes.");
            }
            Ok(Trigger::FileChanged {
                folder: args.folder.clone().unwrap_or_else(|| "/".into()),
                drive: args.drive.clone(),
                name_matches: args.name_matches.clone(),
                download_to: args.download_to.clone(),
            })
        }
    }
}

async fn add(core: &Patchbay, args: &AutomationAddArgs) -> Result<(), ErrorInfo> {
    let new = NewAutomation {
        connection: args.connection.clone(),
        trigger: trigger(args)?,
        run: args.run.clone(),
        post: args.post.clone(),
        name: args.name.clone(),
        poll_secs: Some(args.every),
        notify: args.notify,
    };
    let v = manage::add(core, new).await?;
    if args.json {
        return output::json(&v);
    }
    output::out(&format!(
        "Added automation {} ({}). `patchbay automations run` (or the service) delivers {} from now on.",
        v.automation.name,
        v.automation.id,
        match v.automation.trigger {
            Trigger::NewMail { .. } => "new mail",
            Trigger::EventChanged { .. } => "calendar changes",
            Trigger::FileChanged { .. } => "file changes",
        }
    ));
    Ok(())
}

fn say_round(a: &Automation, r: &Round) {
    if let Some(s) = &r.stopped {
        output::note(&format!("{}: stopped: {s}", a.name));
    }
    if let Some(e) = &r.error {
        output::note(&format!("{}: {e}", a.name));
    }
    if r.delivered > 0 || r.retrying > 0 || r.failed > 0 {
        output::note(&format!(
            "{}: {} delivered, {} retrying, {} failed",
            a.name, r.delivered, r.retrying, r.failed
        ));
    }
}

async fn run_once(core: &Patchbay, store: &AutomationStore) -> Result<(), ErrorInfo> {
    let http = reqwest::Client::new();
    let mut left_failing = 0;
    let mut stopped = 0;
    for a in store.list()? {
        let r = engine::round(core, &a, &http).await?;
        say_round(&a, &r);
        left_failing += r.retrying + r.failed;
        if r.stopped.is_some() || r.error.is_some() {
            stopped += 1;
        }
    }
    if left_failing > 0 || stopped > 0 {
        return Err(ErrorInfo::new(
            ErrorCode::ProviderError,
            format!(
                "{left_failing} delivery(ies) left failing, {stopped} automation(s) could not poll."
            ),
            "See `patchbay automations list` and `history ID`; failed items wait for `patchbay automations retry ID`.",
        ));
    }
    Ok(())
}

async fn run_forever(core: &Patchbay) -> Result<(), ErrorInfo> {
    let stop = tokio_util::sync::CancellationToken::new();
    let (tx, mut reports) = tokio::sync::mpsc::unbounded_channel();
    let runner = tokio::spawn(patchbay_core::automations::runner::run(
        core.clone(),
        stop.clone(),
        tx,
    ));
    output::note("Running automations (Ctrl-C to stop).");
    loop {
        tokio::select! {
            report = reports.recv() => {
                let Some(report) = report else { break };
                match &report.round {
                    Ok(r) => say_round(&report.automation, r),
                    Err(e) => output::note(&format!("{}: {}", report.automation.name, e.one_line())),
                }
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    stop.cancel();
    let _ = runner.await;
    Ok(())
}
