//! Desktop notifications: what they say, and the rule of when one goes out — once per change *into* a status
//! that needs the person (broken, or at risk), never again when a check finds a broken connection still broken.
//! Whoever shows them (the resident service, through [`crate::notify`]) keeps one [`Alerts`].

use patchbay_core::model::{ConnectionStatus, ConnectionSummary};
use std::collections::HashMap;

/// What to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub summary: String,
    pub body: String,
    /// Clicking it opens this connection's Fix; `None`: it only opens the window.
    pub fix: Option<String>,
}

/// A connection became broken (or at risk). The connection's name is the person's (or the account's display
/// name, which anyone in the directory can set): it goes into the summary only when it holds none of the
/// characters markup is made of, since the specification makes the summary plain text but servers differ
/// (GNOME shows it as written, dunst and others read markup in it), and there is no escaping that reads
/// right on both. Otherwise the summary is generic and the name leads the body, escaped where the server reads
/// markup there (see [`Note::body_for`]).
pub fn broken(name: &str, id: &str, reason: Option<&str>) -> Note {
    let reason = reason.unwrap_or("Patchbay can no longer use this connection. Open it to fix it.");
    let single_line = name.replace(['\n', '\r'], " ");
    let (summary, body) = if name.contains(['<', '>', '&']) {
        (
            "A connection needs attention".to_string(),
            format!("{single_line}: {reason}"),
        )
    } else {
        (format!("{single_line} needs attention"), reason.to_string())
    };
    Note {
        summary,
        body,
        fix: Some(id.to_string()),
    }
}

/// `text` with the characters the Freedesktop notification markup (a subset of XML) gives meaning to written as
/// entities.
pub fn markup_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

impl Note {
    /// The body to send to a server that says (`GetCapabilities`) whether it reads markup in bodies
    /// (`body-markup`): escaped for one that does, so that a reason or a name with `<b>` or `&` shows as
    /// written; as it is for one that does not (it would show the entities).
    pub fn body_for(&self, body_markup: bool) -> String {
        if body_markup {
            markup_escape(&self.body)
        } else {
            self.body.clone()
        }
    }
}

/// An automation delivered items and asked to say so: "Save invoices" / "Invoice 2026-118" (or "3 items: …").
/// The subjects are strangers' text, so they go in the body (escaped where the server reads markup).
pub fn delivered(automation: &str, subjects: &[Option<String>]) -> Option<Note> {
    let words = |s: &Option<String>| s.clone().unwrap_or_else(|| "(no subject)".into());
    let body = match subjects {
        [] => return None,
        [one] => words(one),
        many => format!(
            "{} items: {}",
            many.len(),
            many.iter()
                .take(3)
                .map(words)
                .collect::<Vec<_>>()
                .join(" · ")
        ),
    };
    let summary = if automation.contains(['<', '>', '&']) {
        "An automation ran".to_string()
    } else {
        automation.replace(['\n', '\r'], " ")
    };
    Some(Note {
        summary,
        body,
        fix: None,
    })
}

/// The window closed where no tray can show Patchbay.
pub fn still_running() -> Note {
    Note {
        summary: "Patchbay keeps running".into(),
        body: "It keeps checking your connections and will notify you here. This desktop shows no tray icon, so launch Patchbay again to bring its window back.".into(),
        fix: None,
    }
}

/// The last settled (not "checking") status of each connection, to notify once per change; and which
/// connections stop automations, to say so once when one more does.
#[derive(Debug, Default)]
pub struct Alerts {
    settled: HashMap<String, ConnectionStatus>,
    stopping: Vec<String>,
}

impl Alerts {
    /// Start from what is known now: a connection already broken at start-up was announced before.
    pub fn seeded(connections: &[ConnectionSummary]) -> Self {
        Self {
            settled: connections
                .iter()
                .map(|c| (c.id.clone(), c.status))
                .collect(),
            stopping: Vec::new(),
        }
    }

    /// Automations are stopped by these connections now (the summary and the connections' ids, from
    /// [`patchbay_core::automations::runner::stopped_summary`]): a note when a connection stops one that did
    /// not before. Its click opens the first such connection's Fix. The summary holds connection names, so it
    /// goes in the body (escaped where the server reads markup), never the summary.
    pub fn on_automations(&mut self, stopped: Option<&(String, Vec<String>)>) -> Option<Note> {
        let Some((line, ids)) = stopped else {
            self.stopping.clear();
            return None;
        };
        let new = ids.iter().find(|id| !self.stopping.contains(id)).cloned();
        self.stopping = ids.clone();
        new.map(|id| Note {
            summary: "Automations stopped".into(),
            body: format!("{line}. They catch up once it is fixed."),
            fix: Some(id),
        })
    }

    /// `connection` has this status now: the note to show, if this is a change into one that needs the person.
    pub fn on_status(&mut self, connection: &ConnectionSummary) -> Option<Note> {
        if connection.status == ConnectionStatus::Checking {
            return None;
        }
        let before = self
            .settled
            .insert(connection.id.clone(), connection.status);
        (connection.status.needs_attention() && before != Some(connection.status)).then(|| {
            broken(
                &connection.name,
                &connection.id,
                connection.status_reason.as_deref(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(status: ConnectionStatus, reason: Option<&str>) -> ConnectionSummary {
        let mut c = ConnectionSummary::example("a");
        c.info.name = "Work mail".into();
        c.set_status(status, reason.map(str::to_string));
        c
    }

    #[test]
    fn one_note_per_change_into_a_status_that_needs_the_person() {
        use ConnectionStatus::*;
        let mut alerts = Alerts::seeded(&[at(Healthy, None)]);
        assert_eq!(alerts.on_status(&at(Checking, None)), None);
        assert_eq!(alerts.on_status(&at(Healthy, None)), None);
        let note = alerts
            .on_status(&at(NeedsReconnect, Some("The password was changed.")))
            .expect("a note");
        assert_eq!(note.summary, "Work mail needs attention");
        assert_eq!(note.body, "The password was changed.");
        assert_eq!(note.fix.as_deref(), Some("a"));
        // Checked again and still broken: no second note; checking in between changes nothing.
        assert_eq!(alerts.on_status(&at(Checking, None)), None);
        assert_eq!(alerts.on_status(&at(NeedsReconnect, Some("x"))), None);
        // Unreachable is never announced; at risk is.
        assert_eq!(alerts.on_status(&at(Unreachable, None)), None);
        assert!(alerts.on_status(&at(AtRisk, Some("80 days"))).is_some());
    }

    #[test]
    fn names_and_reasons_never_become_markup() {
        let plain = broken("Work mail", "a", Some("Use Fix & sign in <again>."));
        assert_eq!(plain.summary, "Work mail needs attention");
        assert_eq!(plain.body_for(true), "Use Fix &amp; sign in &lt;again&gt;.");
        assert_eq!(plain.body_for(false), "Use Fix & sign in <again>.");
        // A display name with markup in it stays out of the summary, and is escaped in the body.
        let hostile = broken(
            "<a href=\"https://evil.example\">IT</a>\nReset",
            "a",
            Some("Revoked."),
        );
        assert_eq!(hostile.summary, "A connection needs attention");
        assert!(!hostile.summary.contains('<'));
        assert_eq!(
            hostile.body_for(true),
            "&lt;a href=&quot;https://evil.example&quot;&gt;IT&lt;/a&gt; Reset: Revoked."
        );
    }

    #[test]
    fn a_connection_broken_at_start_up_was_announced_before() {
        let mut alerts = Alerts::seeded(&[at(ConnectionStatus::NeedsReconnect, None)]);
        assert_eq!(
            alerts.on_status(&at(ConnectionStatus::NeedsReconnect, None)),
            None
        );
    }

    #[test]
    fn a_delivery_note_names_the_automation_and_the_subjects() {
        assert_eq!(delivered("Save invoices", &[]), None);
        let one = delivered("Save invoices", &[Some("Invoice 118".into())]).expect("a note");
        assert_eq!(
            (one.summary.as_str(), one.body.as_str()),
            ("Save invoices", "Invoice 118")
        );
        let many = delivered(
            "<b>x</b>",
            &[None, Some("A".into()), Some("B".into()), Some("C".into())],
        )
        .expect("a note");
        assert_eq!(many.summary, "An automation ran");
        assert_eq!(many.body, "4 items: (no subject) · A · B");
    }

    #[test]
    fn automations_stopped_by_a_connection_are_said_once() {
        let mut alerts = Alerts::default();
        let one = (
            "1 automation stopped: Work mail needs reconnect".to_string(),
            vec!["a".to_string()],
        );
        let note = alerts.on_automations(Some(&one)).expect("a note");
        assert_eq!(note.summary, "Automations stopped");
        assert!(note
            .body
            .starts_with("1 automation stopped: Work mail needs reconnect"));
        assert_eq!(note.fix.as_deref(), Some("a"));
        assert_eq!(
            alerts.on_automations(Some(&one)),
            None,
            "still stopped: said already"
        );
        let two = (
            "2 automations stopped: …".to_string(),
            vec!["a".to_string(), "b".to_string()],
        );
        assert_eq!(
            alerts.on_automations(Some(&two)).and_then(|n| n.fix),
            Some("b".into())
        );
        assert_eq!(alerts.on_automations(None), None);
        assert!(
            alerts.on_automations(Some(&one)).is_some(),
            "stopped again after Fix: said again"
        );
    }
}
