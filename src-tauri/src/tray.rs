//! The tray icon. Its content is a pure function of the connections' statuses ([`tray_model`]), unit-tested;
//! the rest only hands that model to Tauri and routes the menu's clicks.

use patchbay_core::model::{ConnectionStatus, ConnectionSummary};
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};

pub const TRAY_ID: &str = "patchbay";
pub const MENU_OPEN: &str = "open";
pub const MENU_QUIT: &str = "quit";
pub const MENU_CHECK_ALL: &str = "check-all";
pub const MENU_AUTOSTART: &str = "autostart";
/// `connection:<id>`: open the window at that connection.
pub const MENU_CONNECTION: &str = "connection:";
/// `fix:<id>`: open that connection's Fix.
pub const MENU_FIX: &str = "fix:";

/// Which picture the tray shows: the worst status wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrayIconKind {
    Healthy,
    Checking,
    Unreachable,
    Attention,
}

/// One entry of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayItem {
    /// A line of text that cannot be clicked. Linux trays (libayatana-appindicator) show no tooltip, so the
    /// summary is the first line of the menu.
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

/// A status in the tray's words.
pub fn status_words(status: ConnectionStatus) -> &'static str {
    match status {
        ConnectionStatus::Healthy => "healthy",
        ConnectionStatus::Checking => "checking",
        ConnectionStatus::NeedsReconnect => "needs reconnect",
        ConnectionStatus::AppCredentialsInvalid => "app credentials invalid",
        ConnectionStatus::Unreachable => "unreachable",
        ConnectionStatus::AtRisk => "at risk",
    }
}

/// Broken: only a person can mend it (sign in again, a new secret).
pub fn is_broken(status: ConnectionStatus) -> bool {
    matches!(
        status,
        ConnectionStatus::NeedsReconnect | ConnectionStatus::AppCredentialsInvalid
    )
}

fn icon_for(status: ConnectionStatus) -> TrayIconKind {
    match status {
        ConnectionStatus::Healthy => TrayIconKind::Healthy,
        ConnectionStatus::Checking => TrayIconKind::Checking,
        ConnectionStatus::Unreachable => TrayIconKind::Unreachable,
        ConnectionStatus::NeedsReconnect
        | ConnectionStatus::AppCredentialsInvalid
        | ConnectionStatus::AtRisk => TrayIconKind::Attention,
    }
}

/// "3 connections: 2 healthy, 1 needs reconnect".
pub fn summary_line(statuses: &[ConnectionStatus]) -> String {
    if statuses.is_empty() {
        return "No connections yet".into();
    }
    let order = [
        ConnectionStatus::Healthy,
        ConnectionStatus::Checking,
        ConnectionStatus::NeedsReconnect,
        ConnectionStatus::AppCredentialsInvalid,
        ConnectionStatus::AtRisk,
        ConnectionStatus::Unreachable,
    ];
    let parts: Vec<String> = order
        .iter()
        .filter_map(|s| {
            let n = statuses.iter().filter(|x| *x == s).count();
            (n > 0).then(|| format!("{n} {}", status_words(*s)))
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
        if is_broken(c.status) {
            items.push(TrayItem::Action(
                format!("{MENU_FIX}{}", c.id),
                format!("{}: {} · Fix…", c.name, status_words(c.status)),
            ));
        } else {
            items.push(TrayItem::Action(
                format!("{MENU_CONNECTION}{}", c.id),
                format!("{}: {}", c.name, status_words(c.status)),
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

fn build_menu<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for item in &model.items {
        match item {
            TrayItem::Status(text) => menu.append(&MenuItem::with_id(
                app,
                "status",
                text,
                false,
                None::<&str>,
            )?)?,
            TrayItem::Action(id, label) => {
                menu.append(&MenuItem::with_id(app, id, label, true, None::<&str>)?)?
            }
            TrayItem::Toggle(id, label, checked) => menu.append(&CheckMenuItem::with_id(
                app,
                id,
                label,
                true,
                *checked,
                None::<&str>,
            )?)?,
            TrayItem::Separator => menu.append(&PredefinedMenuItem::separator(app)?)?,
        }
    }
    Ok(menu)
}

fn icon(kind: TrayIconKind) -> tauri::Result<tauri::image::Image<'static>> {
    let bytes: &[u8] = match kind {
        TrayIconKind::Healthy => include_bytes!("../../icons/tray-ok.png"),
        TrayIconKind::Checking => include_bytes!("../../icons/tray-checking.png"),
        TrayIconKind::Unreachable => include_bytes!("../../icons/tray-unreachable.png"),
        TrayIconKind::Attention => include_bytes!("../../icons/tray-repair.png"),
    };
    tauri::image::Image::from_bytes(bytes)
}

/// Create the tray icon with its menu; clicks go to `crate::on_tray_menu`.
pub fn create<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<TrayIcon<R>> {
    // The StatusNotifierItem's Title on Linux is the GLib application name (see `crate::set_app_name`);
    // `.title()` there would put a text label beside the icon, which no tray icon should have.
    TrayIconBuilder::with_id(TRAY_ID)
        .tooltip(&model.tooltip)
        .icon(icon(model.icon)?)
        .menu(&build_menu(app, model)?)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| crate::on_tray_menu(app, event.id().as_ref()))
        .build(app)
}

/// Bring the tray up to date.
pub fn refresh<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<()> {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        tray.set_tooltip(Some(&model.tooltip))?;
        tray.set_icon(Some(icon(model.icon)?))?;
        tray.set_menu(Some(build_menu(app, model)?))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(id: &str, name: &str, status: ConnectionStatus) -> ConnectionSummary {
        let mut c = patchbay_core::model::ConnectionSummary::example(id);
        c.info.name = name.into();
        c.status = status;
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
}
