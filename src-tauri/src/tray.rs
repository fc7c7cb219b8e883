//! The tray icon. Its content is a pure function of what Patchbay knows ([`tray_model`]), unit-tested; the
//! rest only hands that model to Tauri.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};

pub const TRAY_ID: &str = "patchbay";
pub const MENU_OPEN: &str = "open";
pub const MENU_QUIT: &str = "quit";

/// One entry of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayItem {
    /// A line of status text that cannot be clicked. Linux trays (libayatana-appindicator) show no tooltip,
    /// so the status is also the first line of the menu.
    Status(String),
    /// A clickable entry: (menu id, label).
    Action(String, String),
    Separator,
}

/// What the tray shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    pub tooltip: String,
    pub needs_attention: bool,
    pub items: Vec<TrayItem>,
}

/// The tray's content for the given number of connections and how many need repair.
pub fn tray_model(connections: usize, needing_repair: usize) -> TrayModel {
    let status = match (connections, needing_repair) {
        (0, _) => "No connections yet".to_string(),
        (n, 0) => format!("{n} connection{} valid", if n == 1 { "" } else { "s" }),
        (_, r) => format!(
            "{r} connection{} need{} repair",
            if r == 1 { "" } else { "s" },
            if r == 1 { "s" } else { "" }
        ),
    };
    TrayModel {
        tooltip: format!("Patchbay: {status}"),
        needs_attention: needing_repair > 0,
        items: vec![
            TrayItem::Status(status),
            TrayItem::Separator,
            TrayItem::Action(MENU_OPEN.into(), "Open Patchbay".into()),
            TrayItem::Separator,
            TrayItem::Action(MENU_QUIT.into(), "Quit".into()),
        ],
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
            TrayItem::Separator => menu.append(&PredefinedMenuItem::separator(app)?)?,
        }
    }
    Ok(menu)
}

fn icon(needs_attention: bool) -> tauri::Result<tauri::image::Image<'static>> {
    let bytes: &[u8] = if needs_attention {
        include_bytes!("../../icons/tray-repair.png")
    } else {
        include_bytes!("../../icons/tray-ok.png")
    };
    tauri::image::Image::from_bytes(bytes)
}

/// Create the tray icon with its menu.
pub fn create<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<TrayIcon<R>> {
    // The StatusNotifierItem's Title on Linux is the GLib application name (see `crate::set_app_name`);
    // `.title()` there would put a text label beside the icon, which no tray icon should have.
    TrayIconBuilder::with_id(TRAY_ID)
        .tooltip(&model.tooltip)
        .icon(icon(model.needs_attention)?)
        .menu(&build_menu(app, model)?)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match event.id().as_ref() {
            MENU_OPEN => crate::show_main_window(app),
            MENU_QUIT => app.exit(0),
            _ => {}
        })
        .build(app)
}

/// Bring the tray up to date after connections changed.
pub fn refresh<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<()> {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        tray.set_tooltip(Some(&model.tooltip))?;
        tray.set_icon(Some(icon(model.needs_attention)?))?;
        tray.set_menu(Some(build_menu(app, model)?))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_has_status_open_and_quit() {
        let m = tray_model(0, 0);
        let actions: Vec<_> = m
            .items
            .iter()
            .filter_map(|i| match i {
                TrayItem::Action(id, label) => Some((id.as_str(), label.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(actions, [(MENU_OPEN, "Open Patchbay"), (MENU_QUIT, "Quit")]);
        assert_eq!(m.items[0], TrayItem::Status("No connections yet".into()));
        assert!(!m.needs_attention);
        assert_eq!(m.tooltip, "Patchbay: No connections yet");
    }

    #[test]
    fn the_status_line_matches_the_tooltip() {
        for (n, r) in [(0, 0), (1, 0), (4, 0), (2, 1), (5, 3)] {
            let m = tray_model(n, r);
            let TrayItem::Status(status) = &m.items[0] else {
                panic!("the first tray entry is not the status: {:?}", m.items[0]);
            };
            assert_eq!(m.tooltip, format!("Patchbay: {status}"));
        }
    }

    #[test]
    fn tooltip_counts_valid_and_broken_connections() {
        assert_eq!(tray_model(1, 0).tooltip, "Patchbay: 1 connection valid");
        assert_eq!(tray_model(3, 0).tooltip, "Patchbay: 3 connections valid");
        let broken = tray_model(3, 1);
        assert_eq!(broken.tooltip, "Patchbay: 1 connection needs repair");
        assert!(broken.needs_attention);
        assert_eq!(
            tray_model(3, 2).tooltip,
            "Patchbay: 2 connections need repair"
        );
    }
}
