//! What a person does with automations, the same from the CLI and the window: add one (every rule of what a
//! valid automation is lives here), list, pause, resume, remove, Run now, and Test with the newest item.

use super::engine::{self, payload_for_test};
use super::queue::{Attempt, Queue};
use super::runner;
use super::store::AutomationStore;
use super::{action, view, Action, Automation, AutomationView, Trigger};
use super::{DEFAULT_POLL_SECS, MIN_POLL_SECS};
use crate::error::{ErrorCode, ErrorInfo};
use crate::Patchbay;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A new automation, as the form or `patchbay automations add` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct NewAutomation {
    /// The connection (id or name).
    pub connection: String,
    pub trigger: Trigger,
    /// `PROGRAM ARG…`, split into words as a shell would (without one).
    pub run: Option<String>,
    /// A URL to POST each item's JSON to.
    pub post: Option<String>,
    /// One of Patchbay's own actions instead (save attachments, post to Teams, forward, move…).
    #[serde(default)]
    pub action: Option<super::flows::NewAction>,
    pub name: Option<String>,
    /// Seconds between polls (default 60, at least 15).
    #[ts(type = "number | null")]
    pub poll_secs: Option<u64>,
    /// Also show a desktop notification for each item delivered.
    #[serde(default)]
    pub notify: bool,
}

/// How Test with the newest item went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TestOutcome {
    /// The item it was given (`None`: nothing matched, and nothing ran).
    pub item_id: Option<String>,
    pub subject: Option<String>,
    pub ok: bool,
    pub exit_code: Option<i32>,
    pub http_status: Option<u16>,
    /// The last lines of stderr, or why the POST failed.
    pub detail: Option<String>,
    /// What each placeholder of a message template (`subject`, `from`, …) is for the item tested: the form's
    /// live preview of a post fills its template from these.
    #[serde(default)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// A connection's name by its id (`None`: removed), for an action's words.
fn name_of(core: &Patchbay) -> impl Fn(&str) -> Option<String> + '_ {
    move |id| core.get(id).ok().map(|c| c.name.clone())
}

fn invalid(message: impl Into<String>, hint: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, message, hint)
}

/// The trigger, checked (and tidied: blank filters dropped), for a connection that can have it: its connector
/// offers the trigger and its permissions carry what the trigger reads.
fn checked_trigger(
    core: &Patchbay,
    connection: &crate::model::ConnectionSummary,
    t: &Trigger,
) -> Result<Trigger, ErrorInfo> {
    let trigger = t.source().check()?;
    let code = trigger.code();
    let connector = core.catalogue().get(&connection.connector_id).ok();
    let Some(spec) = connector.and_then(|c| c.capabilities.trigger(code)) else {
        let offers: Vec<String> = core
            .catalogue()
            .connectors()
            .iter()
            .filter(|c| c.capabilities.trigger(code).is_some())
            .map(|c| c.name.clone())
            .collect();
        return Err(invalid(
            format!(
                "\"{}\" cannot watch for that: it is a {} connection.",
                connection.name,
                connector.map(|c| c.name.as_str()).unwrap_or("different")
            ),
            format!("Choose a {} connection.", offers.join(" or ")),
        ));
    };
    if !spec.needs.met_by(&connection.info.scopes_granted) {
        let admin = connector.is_some_and(|c| {
            c.permissions
                .iter()
                .any(|p| p.admin_consent && p.scope.eq_ignore_ascii_case(&spec.needs.scope))
        });
        if admin {
            // Only an administrator can grant it: the link to send them, then a sign-in that asks for it.
            let info = &connection.info;
            let context = crate::oauth::ErrorContext {
                authority: url::Url::parse(&info.authority).unwrap_or_else(|_| {
                    url::Url::parse("https://login.microsoftonline.com/").expect("static")
                }),
                tenant: info.tenant.clone(),
                client_id: info.client_id.clone(),
                redirect_uri_to_register: "http://localhost".into(),
                redirect_platform: String::new(),
                scopes: vec![spec.needs.scope.clone()],
                graph_url: url::Url::parse(&info.graph_url).unwrap_or_else(|_| {
                    url::Url::parse("https://graph.microsoft.com/").expect("static")
                }),
                built_in_app: info.auth_type == crate::catalogue::AuthType::BuiltInApp,
            };
            let feature = connector
                .and_then(|c| {
                    c.features.iter().find(|f| {
                        f.scopes
                            .iter()
                            .any(|s| s.eq_ignore_ascii_case(&spec.needs.scope))
                    })
                })
                .map(|f| f.label.clone())
                .unwrap_or_else(|| spec.needs.scope.clone());
            return Err(ErrorInfo::new(
                ErrorCode::AdminConsentRequired,
                format!(
                    "\"{}\" lacks the permission {}, which only an administrator can approve for your organisation.",
                    connection.name, spec.needs.scope
                ),
                format!(
                    "Send your administrator the admin-consent link; once they approved it, make a connection with \
                     \"{feature}\" chosen (or Fix this one if it asked for it)."
                ),
            )
            .with_action("Admin-consent link", context.admin_consent_url()));
        }
        return Err(ErrorInfo::new(
            ErrorCode::InvalidScope,
            format!(
                "\"{}\" lacks the permission {} that this trigger needs.",
                connection.name, spec.needs.scope
            ),
            "Use Fix on the connection to grant it, or make a connection with that feature chosen.",
        ));
    }
    Ok(trigger)
}

/// The action, checked: a command, a URL, or one of Patchbay's own (see [`super::flows::check`]); exactly one.
async fn checked_action(
    core: &Patchbay,
    connection: &crate::model::ConnectionSummary,
    trigger: &Trigger,
    new: &NewAutomation,
) -> Result<Action, ErrorInfo> {
    let run = new.run.as_deref().filter(|r| !r.trim().is_empty());
    let post = new.post.as_deref().filter(|p| !p.trim().is_empty());
    match (run, post, &new.action) {
        (Some(run), None, None) => Ok(Action::Run {
            argv: action::split_run(run)?,
        }),
        (None, Some(url), None) => Ok(Action::Post {
            url: action::check_post_url(url.trim())?.to_string(),
        }),
        (None, None, Some(builtin)) => super::flows::check(core, connection, trigger, builtin).await,
        (None, None, None) => Err(invalid(
            "There is nothing to do.",
            "Give a command to run (e.g. notify-send \"New mail\"), a URL to POST to, or one of Patchbay's own \
             actions (save the attachments, post to Teams, forward, move…).",
        )),
        _ => Err(invalid(
            "Give one action: a command to run, a URL to POST to, or one of Patchbay's own.",
            "One action an automation (plus a notification, if you like).",
        )),
    }
}

/// What it is in words ("new mail in inbox from ada@contoso.com").
pub fn describe_trigger(t: &Trigger) -> String {
    t.describe()
}

/// Check `new`, save it, and read its folder (or calendar) to the end without firing: what is there now never
/// fires. Nothing is saved when that read fails.
pub async fn add(core: &Patchbay, new: NewAutomation) -> Result<AutomationView, ErrorInfo> {
    let connection = core.find(&new.connection)?;
    let trigger = checked_trigger(core, &connection, &new.trigger)?;
    let action = checked_action(core, &connection, &trigger, &new).await?;
    let poll_secs = new.poll_secs.unwrap_or(DEFAULT_POLL_SECS);
    if poll_secs < MIN_POLL_SECS {
        return Err(invalid(
            format!("Every {poll_secs} s is too often."),
            format!(
                "Poll at most every {MIN_POLL_SECS} s: Outlook throttles mailboxes that ask more."
            ),
        ));
    }
    let store = AutomationStore::new(&core.config().data_dir);
    let automation = Automation {
        name: new
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("{} ({})", trigger.describe(), connection.name)),
        id: uuid::Uuid::new_v4().to_string(),
        connection_id: connection.id.clone(),
        trigger,
        action,
        paused: false,
        notify: new.notify,
        poll_secs,
        created_at: crate::clock::now_rfc3339(),
    };
    store.add(automation.clone())?;
    if let Err(e) = engine::baseline(core, &automation).await {
        let _ = store.remove(&automation.id);
        let _ = std::fs::remove_dir_all(store.folder_of(&automation.id));
        return Err(e);
    }
    view(&store, automation, &name_of(core))
}

/// Every automation with where it stands, in the order they were added.
pub fn list(core: &Patchbay) -> Result<Vec<AutomationView>, ErrorInfo> {
    let store = AutomationStore::new(&core.config().data_dir);
    let names = name_of(core);
    store
        .list()?
        .into_iter()
        .map(|a| view(&store, a, &names))
        .collect()
}

pub fn show(core: &Patchbay, id: &str) -> Result<AutomationView, ErrorInfo> {
    let store = AutomationStore::new(&core.config().data_dir);
    view(&store, store.get(id)?, &name_of(core))
}

/// Every attempt, oldest first.
pub fn history(core: &Patchbay, id: &str) -> Result<Vec<Attempt>, ErrorInfo> {
    let store = AutomationStore::new(&core.config().data_dir);
    let a = store.get(id)?;
    Queue::new(&store.folder_of(&a.id)).history()
}

pub fn set_paused(core: &Patchbay, id: &str, paused: bool) -> Result<AutomationView, ErrorInfo> {
    let store = AutomationStore::new(&core.config().data_dir);
    let a = store.update(id, |a| a.paused = paused)?;
    view(&store, a, &name_of(core))
}

/// Remove it, its queue and its history.
pub fn remove(core: &Patchbay, id: &str) -> Result<Automation, ErrorInfo> {
    let store = AutomationStore::new(&core.config().data_dir);
    let removed = store.remove(id)?;
    let _ = std::fs::remove_dir_all(store.folder_of(&removed.id));
    let _ = std::fs::remove_file(runner::run_now_dir(&store).join(&removed.id));
    Ok(removed)
}

/// Retry: the items that failed [`super::MAX_ATTEMPTS`] times go back in line, tried at the next round; how many.
pub fn retry(core: &Patchbay, id: &str) -> Result<usize, ErrorInfo> {
    engine::retry(core, id, None)
}

/// Run now: the running engine (the service) takes it at once; with none running, a round here.
pub async fn run_now(core: &Patchbay, id: &str) -> Result<AutomationView, ErrorInfo> {
    let store = AutomationStore::new(&core.config().data_dir);
    let a = store.get(id)?;
    if matches!(
        crate::resident::probe(&core.config().data_dir),
        crate::resident::Resident::Running(_)
    ) {
        runner::request_run_now(&store, id)?;
    } else {
        engine::round(core, &a).await?;
    }
    view(&store, a, &name_of(core))
}

/// Test with the newest item: the action run once with the newest item that matches (nothing recorded, no
/// cursor moved), so a person sees the command's exit and stderr before trusting it with their mail.
pub async fn test(core: &Patchbay, new: NewAutomation) -> Result<TestOutcome, ErrorInfo> {
    let connection = core.find(&new.connection)?;
    let trigger = checked_trigger(core, &connection, &new.trigger)?;
    let action = checked_action(core, &connection, &trigger, &new).await?;
    let a = Automation {
        id: "test".into(),
        name: "Test".into(),
        connection_id: connection.id.clone(),
        trigger,
        action,
        paused: false,
        notify: false,
        poll_secs: DEFAULT_POLL_SECS,
        created_at: crate::clock::now_rfc3339(),
    };
    let Some(item) = payload_for_test(core, &a).await? else {
        return Ok(TestOutcome {
            item_id: None,
            subject: None,
            ok: false,
            exit_code: None,
            http_status: None,
            detail: Some(a.trigger.source().nothing_to_test()),
            fields: Default::default(),
        });
    };
    let source = a.trigger.source();
    let placeholder = super::queue::Pending {
        item_id: item.id.clone(),
        key: String::new(),
        subject: item.subject.clone(),
        payload: item.payload.clone(),
        attempts: 0,
        next_at: 0,
        failed: false,
        target: None,
    };
    let o = if a.action.is_builtin() {
        // Its own folder while it runs (an attachment's bytes are kept there between fetch and save), removed
        // after: a test leaves nothing behind.
        let store = AutomationStore::new(&core.config().data_dir);
        let a = Automation {
            id: format!(".test-{}", uuid::Uuid::new_v4().simple()),
            ..a.clone()
        };
        let folder = store.folder_of(&a.id);
        if let Err(e) = std::fs::create_dir_all(&folder) {
            return Err(crate::files::failure::local("make", &folder, &e));
        }
        let o = super::flows::deliver_now(core, &a, &placeholder).await;
        let _ = std::fs::remove_dir_all(&folder);
        o
    } else {
        match source.prepare(core, &a, &placeholder).await {
            Ok(prepared) => {
                let payload = prepared.payload.as_ref().unwrap_or(&item.payload);
                action::deliver(&a, &item.id, payload, &prepared.env).await
            }
            Err(words) => action::Outcome::failed(words),
        }
    };
    Ok(TestOutcome {
        item_id: Some(item.id),
        subject: item.subject,
        ok: o.ok,
        exit_code: o.exit_code,
        http_status: o.http_status,
        detail: o.detail,
        fields: super::flows::template::fields(&item.payload),
    })
}
