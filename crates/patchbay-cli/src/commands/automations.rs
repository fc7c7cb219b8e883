//! `patchbay automations …`: add, list, show, pause, resume, remove, history, retry, and the engine (`run`,
//! `run --once`). The interface is fixed: scripts and checks depend on it.

use super::invalid;
use crate::cli::{AutomationAddArgs, AutomationsCommand, TriggerKind};
use crate::output;
use patchbay_core::automations::engine::{self, Round};
use patchbay_core::automations::queue::Queue;
use patchbay_core::automations::store::AutomationStore;
use patchbay_core::automations::{
    action, view, Action, Automation, AutomationView, Trigger, MAX_DAYS, MIN_POLL_SECS,
};
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::Patchbay;
use std::time::Duration;

pub async fn run(core: &Patchbay, cmd: AutomationsCommand) -> Result<(), ErrorInfo> {
    let store = AutomationStore::new(&core.config().data_dir);
    match cmd {
        AutomationsCommand::Add(args) => add(core, &store, &args).await,
        AutomationsCommand::List(args) => {
            let views = store
                .list()?
                .into_iter()
                .map(|a| view(&store, a))
                .collect::<Result<Vec<_>, _>>()?;
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
                        state_words(v),
                    ]
                })
                .collect();
            output::out(&output::table(&["ID", "NAME", "ON", "STATE"], &rows));
            Ok(())
        }
        AutomationsCommand::Show(args) => {
            let v = view(&store, store.get(&args.id)?)?;
            if args.json {
                return output::json(&v);
            }
            print_view(&v);
            Ok(())
        }
        AutomationsCommand::Pause(args) => set_paused(&store, &args.id, true, args.json),
        AutomationsCommand::Resume(args) => set_paused(&store, &args.id, false, args.json),
        AutomationsCommand::Remove(args) => {
            let removed = store.remove(&args.id)?;
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
            let a = store.get(&args.id)?;
            let history = Queue::new(&store.folder_of(&a.id)).history()?;
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
                run_forever(core, &store).await
            }
        }
    }
}

fn describe_trigger(t: &Trigger) -> String {
    match t {
        Trigger::NewMail {
            folder,
            from,
            subject_contains,
            has_attachments,
        } => {
            let mut s = format!("new mail in {folder}");
            if let Some(f) = from {
                s.push_str(&format!(" from {f}"));
            }
            if let Some(t) = subject_contains {
                s.push_str(&format!(" with \"{t}\" in the subject"));
            }
            if *has_attachments {
                s.push_str(" with attachments");
            }
            s
        }
        Trigger::EventChanged { days } => {
            format!("events added, changed or cancelled in the next {days} days")
        }
    }
}

fn state_words(v: &AutomationView) -> String {
    match v.state.as_str() {
        "stopped" => format!(
            "stopped: {}",
            v.stopped_reason
                .as_deref()
                .unwrap_or("its connection needs Fix")
        ),
        "failing" => format!("failing ({} retrying, {} failed)", v.queued, v.failed),
        other => other.to_string(),
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
        state_words(v),
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

fn set_paused(
    store: &AutomationStore,
    id: &str,
    paused: bool,
    json: bool,
) -> Result<(), ErrorInfo> {
    let a = store.update(id, |a| a.paused = paused)?;
    let v = view(store, a)?;
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

/// The trigger `add` was given; the mail filters belong to new mail, `--days` to the calendar.
fn trigger(args: &AutomationAddArgs) -> Result<Trigger, ErrorInfo> {
    match args.on {
        TriggerKind::NewMail => {
            if args.days.is_some() {
                return Err(invalid(
                    "--days is for --on event-changed.",
                    "Leave it out for new mail, or watch the calendar with --on event-changed --days N.",
                ));
            }
            Ok(Trigger::NewMail {
                folder: args.folder.trim().to_string(),
                from: args.from.clone().filter(|f| !f.trim().is_empty()),
                subject_contains: args.subject_contains.clone().filter(|s| !s.is_empty()),
                has_attachments: args.has_attachments,
            })
        }
        TriggerKind::EventChanged => {
            let mail_only = [
                (args.folder != "inbox", "--folder"),
                (args.from.is_some(), "--from"),
                (args.subject_contains.is_some(), "--subject-contains"),
                (args.has_attachments, "--has-attachments"),
            ];
            if let Some((_, flag)) = mail_only.iter().find(|(given, _)| *given) {
                return Err(invalid(
                    format!("{flag} is for --on new-mail."),
                    "A calendar automation fires for every event added, changed or cancelled in the next --days N days.",
                ));
            }
            let days = args.days.unwrap_or(14);
            if !(1..=MAX_DAYS).contains(&days) {
                return Err(invalid(
                    format!("--days {days} is out of range."),
                    format!("Watch from 1 to {MAX_DAYS} days ahead (the default is 14)."),
                ));
            }
            Ok(Trigger::EventChanged { days })
        }
    }
}

async fn add(
    core: &Patchbay,
    store: &AutomationStore,
    args: &AutomationAddArgs,
) -> Result<(), ErrorInfo> {
    let connection = core.get(&args.connection)?;
    let trigger = trigger(args)?;
    if args.every < MIN_POLL_SECS {
        return Err(invalid(
            format!("--every {} is too often.", args.every),
            format!(
                "Poll at most every {MIN_POLL_SECS} s: Outlook throttles mailboxes that ask more."
            ),
        ));
    }
    let action = match (&args.run, &args.post) {
        (Some(run), None) => Action::Run {
            argv: action::split_run(run)?,
        },
        (None, Some(url)) => Action::Post {
            url: action::check_post_url(url)?.to_string(),
        },
        _ => {
            return Err(invalid(
                "Give --run or --post, not both.",
                "One action an automation.",
            ))
        }
    };
    let id = uuid::Uuid::new_v4().to_string();
    let automation = Automation {
        name: args
            .name
            .clone()
            .unwrap_or_else(|| format!("{} ({})", describe_trigger(&trigger), connection.name)),
        id,
        connection_id: connection.id.clone(),
        trigger,
        action,
        paused: false,
        poll_secs: args.every,
        created_at: patchbay_core::clock::now_rfc3339(),
    };
    store.add(automation.clone())?;
    // What is in the folder now never fires: read it to its deltaLink before saying it is added.
    if let Err(e) = engine::baseline(core, &automation).await {
        let _ = store.remove(&automation.id);
        return Err(e);
    }
    let v = view(store, automation)?;
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

async fn run_forever(core: &Patchbay, store: &AutomationStore) -> Result<(), ErrorInfo> {
    use std::collections::HashMap;
    use tokio::time::Instant;
    let http = reqwest::Client::new();
    let mut next: HashMap<String, Instant> = HashMap::new();
    output::note("Running automations (Ctrl-C to stop).");
    loop {
        let now = Instant::now();
        for a in store.list()? {
            let due = next.get(&a.id).is_none_or(|t| *t <= now);
            if !due || a.paused {
                continue;
            }
            match engine::round(core, &a, &http).await {
                Ok(r) => say_round(&a, &r),
                Err(e) => output::note(&format!("{}: {}", a.name, e.one_line())),
            }
            // Jittered (±10 %), so automations added together do not poll together.
            let jitter = 0.9 + rand::random::<f64>() * 0.2;
            next.insert(
                a.id.clone(),
                Instant::now() + Duration::from_secs_f64(a.poll_secs as f64 * jitter),
            );
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}
