//! `patchbay automations …`: add, list, show, pause, resume, remove, history, retry, and the engine (`run`,
//! `run --once`). The interface is fixed: scripts and checks depend on it.

use super::invalid;
use crate::cli::{AutomationAddArgs, AutomationsCommand, TriggerKind};
use crate::output;
use patchbay_core::automations::engine::{self, Round};
use patchbay_core::automations::flows::NewAction;
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
        _ => v.action_words.clone(),
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
    // Every kind-specific flag, and the kind it belongs to.
    let (own_chat, own_channel, _, _) = places(args)?;
    let flags = [
        (
            args.subject_contains.is_some(),
            "--subject-contains",
            TriggerKind::NewMail,
        ),
        (
            args.has_attachments,
            "--has-attachments",
            TriggerKind::NewMail,
        ),
        (args.days.is_some(), "--days", TriggerKind::EventChanged),
        (args.drive.is_some(), "--drive", TriggerKind::FileChanged),
        (
            args.name_matches.is_some(),
            "--name-matches",
            TriggerKind::FileChanged,
        ),
        (
            args.download_to.is_some(),
            "--download-to",
            TriggerKind::FileChanged,
        ),
        (own_chat.is_some(), "--chat", TriggerKind::ChatMessage),
        (args.mentions_me, "--mentions-me", TriggerKind::ChatMessage),
        (
            args.contains.is_some(),
            "--contains",
            TriggerKind::ChatMessage,
        ),
        (args.team.is_some(), "--team", TriggerKind::ChannelMessage),
        (
            own_channel.is_some(),
            "--channel",
            TriggerKind::ChannelMessage,
        ),
    ];
    let cli_name = |k: TriggerKind| match k {
        TriggerKind::NewMail => "new-mail",
        TriggerKind::EventChanged => "event-changed",
        TriggerKind::FileChanged => "file-changed",
        TriggerKind::ChatMessage => "chat-message",
        TriggerKind::ChannelMessage => "channel-message",
    };
    if let Some((_, flag, kind)) = flags.iter().find(|(given, _, k)| *given && *k != args.on) {
        return Err(invalid(
            format!("{flag} is for --on {}.", cli_name(*kind)),
            format!("Leave it out for --on {}.", cli_name(args.on)),
        ));
    }
    // --folder: new mail's and file changes'; --from: new mail's and chat messages'.
    if args.folder.is_some() && !matches!(args.on, TriggerKind::NewMail | TriggerKind::FileChanged)
    {
        return Err(invalid(
            "--folder is for --on new-mail and --on file-changed.",
            format!("Leave it out for --on {}.", cli_name(args.on)),
        ));
    }
    if args.from.is_some() && !matches!(args.on, TriggerKind::NewMail | TriggerKind::ChatMessage) {
        return Err(invalid(
            "--from is for --on new-mail and --on chat-message.",
            format!("Leave it out for --on {}.", cli_name(args.on)),
        ));
    }
    Ok(match args.on {
        TriggerKind::NewMail => Trigger::NewMail {
            folder: args.folder.as_deref().unwrap_or("inbox").trim().to_string(),
            from: args.from.clone().filter(|f| !f.trim().is_empty()),
            subject_contains: args.subject_contains.clone().filter(|s| !s.is_empty()),
            has_attachments: args.has_attachments,
        },
        TriggerKind::EventChanged => Trigger::EventChanged {
            days: args
                .days
                .unwrap_or(patchbay_core::automations::DEFAULT_DAYS),
        },
        TriggerKind::FileChanged => Trigger::FileChanged {
            folder: args.folder.clone().unwrap_or_else(|| "/".into()),
            drive: args.drive.clone(),
            name_matches: args.name_matches.clone(),
            download_to: args.download_to.clone(),
        },
        TriggerKind::ChatMessage => Trigger::ChatMessage {
            chat: places(args)?.0,
            from: args.from.clone(),
            mentions_me: args.mentions_me,
            contains: args.contains.clone(),
        },
        TriggerKind::ChannelMessage => Trigger::ChannelMessage {
            team: args.team.clone().unwrap_or_default(),
            channel: places(args)?.1.unwrap_or_default(),
        },
    })
}

/// `--chat` and `--channel`, shared by the chat and channel triggers and --post-to-teams: (the trigger's chat,
/// the trigger's channel, the chat to post in, the channel to post in). With --post-to-teams, a chat given once
/// is where to post (twice: the trigger's, then where to post), and a channel with a / is where to post.
type Places = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn places(args: &AutomationAddArgs) -> Result<Places, ErrorInfo> {
    let too_many = |flag: &str| {
        invalid(
            format!("{flag} is given too many times."),
            "Give it once for the trigger and, with --post-to-teams, once for where to post.",
        )
    };
    let posting = args.post_to_teams.is_some();
    let (trigger_chat, post_chat) = match (args.chat.as_slice(), posting) {
        ([], _) => (None, None),
        ([one], false) => (Some(one.clone()), None),
        ([one], true) => (None, Some(one.clone())),
        ([first, second], true) if args.on == TriggerKind::ChatMessage => {
            (Some(first.clone()), Some(second.clone()))
        }
        _ => return Err(too_many("--chat")),
    };
    let (to_post, own): (Vec<&String>, Vec<&String>) = args
        .channel
        .iter()
        .partition(|c| posting && c.contains('/'));
    if to_post.len() > 1 || own.len() > 1 {
        return Err(too_many("--channel"));
    }
    Ok((
        trigger_chat,
        own.first().map(|c| c.to_string()),
        post_chat,
        to_post.first().map(|c| c.to_string()),
    ))
}

/// The built-in action the flags ask for (at most one).
fn builtin(args: &AutomationAddArgs) -> Result<Option<NewAction>, ErrorInfo> {
    let (_, _, chat, channel) = places(args)?;
    let mut asked: Vec<(&str, NewAction)> = Vec::new();
    if let Some(to) = &args.save_attachments_to {
        asked.push((
            "--save-attachments-to",
            NewAction::SaveAttachments {
                to: to.clone(),
                include_inline: args.include_inline,
            },
        ));
    } else if args.include_inline {
        return Err(invalid(
            "--include-inline goes with --save-attachments-to.",
            "Add --save-attachments-to DEST, or leave it out.",
        ));
    }
    if let Some(connection) = &args.post_to_teams {
        asked.push((
            "--post-to-teams",
            NewAction::PostToTeams {
                connection: connection.clone(),
                chat,
                channel,
                message: args.message.clone().unwrap_or_default(),
            },
        ));
    } else if args.message.is_some() {
        return Err(invalid(
            "--message goes with --post-to-teams.",
            "Add --post-to-teams CONNECTION with --chat or --channel, or leave it out.",
        ));
    }
    if !args.forward_to.is_empty() {
        asked.push((
            "--forward-to",
            NewAction::Forward {
                to: args.forward_to.clone(),
            },
        ));
    }
    if let Some(folder) = &args.move_to {
        asked.push((
            "--move-to",
            NewAction::Move {
                folder: folder.clone(),
            },
        ));
    }
    if args.mark_read {
        asked.push(("--mark-read", NewAction::MarkRead));
    }
    if let Some(name) = &args.categorize {
        asked.push(("--categorize", NewAction::Categorize { name: name.clone() }));
    }
    if let Some(to) = &args.copy_to {
        asked.push(("--copy-to", NewAction::Copy { to: to.clone() }));
    }
    match asked.len() {
        0 | 1 => Ok(asked.pop().map(|(_, a)| a)),
        _ => Err(invalid(
            format!(
                "{} are each an action: an automation does one.",
                asked.iter().map(|(f, _)| *f).collect::<Vec<_>>().join(", ")
            ),
            "Add one automation for each.",
        )),
    }
}

async fn add(core: &Patchbay, args: &AutomationAddArgs) -> Result<(), ErrorInfo> {
    let new = NewAutomation {
        connection: args.connection.clone(),
        trigger: trigger(args)?,
        run: args.run.clone(),
        post: args.post.clone(),
        action: builtin(args)?,
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
            Trigger::ChatMessage { .. } => "chat messages",
            Trigger::ChannelMessage { .. } => "channel messages",
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
    let mut left_failing = 0;
    let mut stopped = 0;
    for a in store.list()? {
        let r = engine::round(core, &a).await?;
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
