//! The tray's content: a pure function of the connections' statuses ([`tray_model`]). Whoever draws the tray
//! (the resident service, over StatusNotifierItem and dbusmenu) hands this model over and routes the menu's
//! clicks by the ids below.

use patchbay_core::model::{ConnectionStatus, ConnectionSummary};

pub const MENU_OPEN: &str = "open";
pub const MENU_QUIT: &str = "quit";
pub const MENU_CHECK_ALL: &str = "check-all";
pub const MENU_AUTOSTART: &str = "autostart";
/// `connection:<id>`: open the window at that connection.
pub const MENU_CONNECTION: &str = "connection:";
/// `fix:<id>`: open that connection's Fix.
pub const MENU_FIX: &str = "fix:";

/// Which picture the tray shows: the worst status wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TrayIconKind {
    Healthy,
    Checking,
    Unreachable,
    Attention,
}

/// One entry of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayItem {
    /// A line of text that cannot be clicked. Linux trays show no tooltip, so the summary is the first line of
    /// the menu.
    Status(String),
    /// A clickable entry: (menu id, label).
    Action(String, String),
    /// A checkbox entry: (menu id, label, checked).
    Toggle(String, String, bool),
    Separator,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    pub tooltip: String,
    pub icon: TrayIconKind,
    pub items: Vec<TrayItem>,
}

/// The picture for one status.
pub fn icon_for(status: ConnectionStatus) -> TrayIconKind {
    match status {
        ConnectionStatus::Healthy => TrayIconKind::Healthy,
        ConnectionStatus::Checking => TrayIconKind::Checking,
        ConnectionStatus::Unreachable => TrayIconKind::Unreachable,
        ConnectionStatus::NeedsReconnect
        | ConnectionStatus::AppCredentialsInvalid
        | ConnectionStatus::CantCheck
        | ConnectionStatus::AtRisk => TrayIconKind::Attention,
    }
}

/// "3 connections: 2 healthy, 1 needs reconnect".
pub fn summary_line(statuses: &[ConnectionStatus]) -> String {
    if statuses.is_empty() {
        return "No connections yet".into();
    }
    let parts: Vec<String> = ConnectionStatus::ALL
        .iter()
        .filter_map(|s| {
            let n = statuses.iter().filter(|x| *x == s).count();
            (n > 0).then(|| format!("{n} {}", s.words()))
        })
        .collect();
    let n = statuses.len();
    format!(
        "{n} connection{}: {}",
        if n == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

/// The tray for these connections; `autostart` is whether Patchbay starts at login.
pub fn tray_model(connections: &[ConnectionSummary], autostart: bool) -> TrayModel {
    let statuses: Vec<ConnectionStatus> = connections.iter().map(|c| c.status).collect();
    let status = summary_line(&statuses);
    let icon = statuses
        .iter()
        .map(|s| icon_for(*s))
        .max()
        .unwrap_or(TrayIconKind::Healthy);
    let mut items = vec![TrayItem::Status(status.clone()), TrayItem::Separator];
    for c in connections {
        // Broken with a fix (sign in again, a new secret): straight to it. Can't check has none to offer
        // here (its reason says what to do on this computer): the entry opens the window.
        if c.facts.broken && c.facts.fix.is_some() {
            items.push(TrayItem::Action(
                format!("{MENU_FIX}{}", c.id),
                format!("{}: {} · Fix…", c.name, c.status.words()),
            ));
        } else {
            items.push(TrayItem::Action(
                format!("{MENU_CONNECTION}{}", c.id),
                format!("{}: {}", c.name, c.status.words()),
            ));
        }
    }
    if !connections.is_empty() {
        items.push(TrayItem::Separator);
        items.push(TrayItem::Action(
            MENU_CHECK_ALL.into(),
            "Check all now".into(),
        ));
    }
    items.extend([
        TrayItem::Action(MENU_OPEN.into(), "Open Patchbay".into()),
        TrayItem::Toggle(MENU_AUTOSTART.into(), "Start at login".into(), autostart),
        TrayItem::Separator,
        TrayItem::Action(MENU_QUIT.into(), "Quit".into()),
    ]);
    TrayModel {
        tooltip: format!("Patchbay: {status}"),
        icon,
        items,
    }
}

impl TrayModel {
    /// The same tray, saying that connections stop automations ("2 automations stopped: Work mail needs
    /// reconnect", [`patchbay_core::automations::runner::stopped_summary`]) under the connections' summary.
    pub fn with_automations(mut self, stopped: Option<&str>) -> TrayModel {
        if let Some(line) = stopped {
            self.items.insert(1, TrayItem::Status(line.to_string()));
            self.tooltip = format!("{} · {line}", self.tooltip);
            self.icon = self.icon.max(TrayIconKind::Attention);
        }
        self
    }
}

/// What a click on a menu entry asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuAction {
    Open,
    /// Open the window at this connection.
    OpenConnection(String),
    /// Open this connection's Fix.
    Fix(String),
    CheckAll,
    ToggleAutostart,
    Quit,
}

impl MenuAction {
    /// The action behind a menu id (`None` for an id no model makes).
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            MENU_OPEN => MenuAction::Open,
            MENU_QUIT => MenuAction::Quit,
            MENU_CHECK_ALL => MenuAction::CheckAll,
            MENU_AUTOSTART => MenuAction::ToggleAutostart,
            other => {
                if let Some(c) = other.strip_prefix(MENU_FIX) {
                    MenuAction::Fix(c.to_string())
                } else if let Some(c) = other.strip_prefix(MENU_CONNECTION) {
                    MenuAction::OpenConnection(c.to_string())
                } else {
                    return None;
                }
            }
        })
    }
}

/// A label as the Windows and macOS menus take it (`muda`): `&` marks a mnemonic there, so a `&` in a
/// connection's name is doubled to show as written.
pub fn menu_label(label: &str) -> String {
    label.replace('&', "&&")
}

/// `text` cut to at most `units` UTF-16 code units (Windows keeps a tray tooltip in a fixed buffer), at a
/// character boundary, ending in "…" when cut.
pub fn tooltip_within(text: &str, units: usize) -> String {
    if text.encode_utf16().count() <= units {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 1; // the ellipsis
    for c in text.chars() {
        used += c.len_utf16();
        if used > units {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(id: &str, name: &str, status: ConnectionStatus) -> ConnectionSummary {
        let mut c = ConnectionSummary::example(id);
        c.info.name = name.into();
        c.set_status(status, None);
        c
    }

    fn actions(m: &TrayModel) -> Vec<(String, String)> {
        m.items
            .iter()
            .filter_map(|i| match i {
                TrayItem::Action(id, label) => Some((id.clone(), label.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_empty_tray_says_so_and_still_opens_and_quits() {
        let m = tray_model(&[], false);
        assert_eq!(m.items[0], TrayItem::Status("No connections yet".into()));
        assert_eq!(m.tooltip, "Patchbay: No connections yet");
        assert_eq!(m.icon, TrayIconKind::Healthy);
        let ids: Vec<String> = actions(&m).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, [MENU_OPEN, MENU_QUIT]);
        assert!(m.items.contains(&TrayItem::Toggle(
            MENU_AUTOSTART.into(),
            "Start at login".into(),
            false
        )));
    }

    #[test]
    fn the_status_line_counts_each_status_and_lists_every_connection() {
        let list = [
            connection("a", "Work", ConnectionStatus::Healthy),
            connection("b", "Home", ConnectionStatus::Healthy),
            connection("c", "Shared", ConnectionStatus::NeedsReconnect),
        ];
        let m = tray_model(&list, true);
        assert_eq!(
            m.items[0],
            TrayItem::Status("3 connections: 2 healthy, 1 needs reconnect".into())
        );
        assert_eq!(
            m.tooltip,
            "Patchbay: 3 connections: 2 healthy, 1 needs reconnect"
        );
        assert_eq!(m.icon, TrayIconKind::Attention);
        let a = actions(&m);
        assert!(a.contains(&("connection:a".into(), "Work: healthy".into())));
        assert!(a.contains(&("fix:c".into(), "Shared: needs reconnect · Fix…".into())));
        assert!(a.contains(&(MENU_CHECK_ALL.into(), "Check all now".into())));
        assert!(m.items.contains(&TrayItem::Toggle(
            MENU_AUTOSTART.into(),
            "Start at login".into(),
            true
        )));
        assert_eq!(a.last().unwrap().0, MENU_QUIT);
    }

    #[test]
    fn a_connection_that_cannot_be_checked_needs_attention_and_opens_the_window_not_a_fix() {
        let list = [
            connection("a", "Work", ConnectionStatus::Healthy),
            connection("k", "Home", ConnectionStatus::CantCheck),
        ];
        let m = tray_model(&list, false);
        assert_eq!(m.icon, TrayIconKind::Attention);
        assert_eq!(
            m.items[0],
            TrayItem::Status("2 connections: 1 healthy, 1 can't check".into())
        );
        // A new sign-in would not help while this computer cannot open the secrets: the entry opens the window,
        // where the reason says what does.
        let a = actions(&m);
        assert!(
            a.contains(&("connection:k".into(), "Home: can't check".into())),
            "{a:?}"
        );
        assert!(!a.iter().any(|(id, _)| id == "fix:k"));
    }

    #[test]
    fn the_icon_shows_the_worst_status() {
        use ConnectionStatus::*;
        let icon = |statuses: &[ConnectionStatus]| {
            let list: Vec<ConnectionSummary> = statuses
                .iter()
                .enumerate()
                .map(|(i, s)| connection(&i.to_string(), "c", *s))
                .collect();
            tray_model(&list, false).icon
        };
        assert_eq!(icon(&[Healthy, Healthy]), TrayIconKind::Healthy);
        assert_eq!(icon(&[Healthy, Checking]), TrayIconKind::Checking);
        assert_eq!(icon(&[Checking, Unreachable]), TrayIconKind::Unreachable);
        assert_eq!(icon(&[Unreachable, AtRisk]), TrayIconKind::Attention);
        assert_eq!(
            icon(&[AppCredentialsInvalid, Healthy]),
            TrayIconKind::Attention
        );
        assert_eq!(summary_line(&[Unreachable]), "1 connection: 1 unreachable");
    }

    #[test]
    fn every_menu_id_the_model_makes_has_an_action() {
        let list = [
            connection("a", "Work", ConnectionStatus::Healthy),
            connection("c", "Shared", ConnectionStatus::NeedsReconnect),
        ];
        for item in tray_model(&list, false).items {
            if let TrayItem::Action(id, _) | TrayItem::Toggle(id, _, _) = item {
                assert!(MenuAction::from_id(&id).is_some(), "{id}");
            }
        }
        assert_eq!(
            MenuAction::from_id("fix:c"),
            Some(MenuAction::Fix("c".into()))
        );
        assert_eq!(MenuAction::from_id("nonsense"), None);
    }

    #[test]
    fn stopped_automations_are_said_under_the_summary() {
        let m = tray_model(&[], false)
            .with_automations(Some("2 automations stopped: Work mail needs reconnect"));
        assert_eq!(
            m.items[1],
            TrayItem::Status("2 automations stopped: Work mail needs reconnect".into())
        );
        assert_eq!(m.icon, TrayIconKind::Attention);
        assert!(m
            .tooltip
            .ends_with("2 automations stopped: Work mail needs reconnect"));
        assert_eq!(
            tray_model(&[], false).with_automations(None),
            tray_model(&[], false)
        );
    }

    #[test]
    fn menu_labels_show_ampersands_as_written() {
        assert_eq!(menu_label("R&D mail: healthy"), "R&&D mail: healthy");
        assert_eq!(menu_label("Work mail"), "Work mail");
    }

    #[test]
    fn a_long_tooltip_is_cut_to_what_windows_keeps() {
        assert_eq!(
            tooltip_within("Patchbay: 1 connection", 127),
            "Patchbay: 1 connection"
        );
        let long = format!("Patchbay: {}", "x".repeat(200));
        let cut = tooltip_within(&long, 127);
        assert_eq!(cut.encode_utf16().count(), 127);
        assert!(cut.ends_with('…'), "{cut}");
        // Never half of a character that takes two units.
        let emoji = "📬".repeat(100);
        let cut = tooltip_within(&emoji, 127);
        assert!(cut.encode_utf16().count() <= 127);
        assert_eq!(cut.chars().filter(|c| *c == '📬').count(), 63);
    }
}
