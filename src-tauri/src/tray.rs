//! The tray icon. Its content is a pure function of what Patchbay knows ([`tray_model`]), unit-tested; the
//! rest only hands that model to Tauri.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};

pub const TRAY_ID: &str = "patchbay";
pub const MENU_OPEN: &str = "open";
pub const MENU_QUIT: &str = "quit";

/// What the tray shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    pub tooltip: String,
    pub needs_attention: bool,
    /// (id, label) of each menu entry; `None` is a separator.
    pub items: Vec<Option<(String, String)>>,
}

/// The tray's content for the given number of connections and how many need repair.
pub fn tray_model(connections: usize, needing_repair: usize) -> TrayModel {
    let tooltip = match (connections, needing_repair) {
        (0, _) => "Patchbay: no connections yet".to_string(),
        (n, 0) => format!(
            "Patchbay: {n} connection{} valid",
            if n == 1 { "" } else { "s" }
        ),
        (_, r) => format!(
            "Patchbay: {r} connection{} need{} repair",
            if r == 1 { "" } else { "s" },
            if r == 1 { "s" } else { "" }
        ),
    };
    TrayModel {
        tooltip,
        needs_attention: needing_repair > 0,
        items: vec![
            Some((MENU_OPEN.into(), "Open Patchbay".into())),
            None,
            Some((MENU_QUIT.into(), "Quit".into())),
        ],
    }
}

fn build_menu<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for item in &model.items {
        match item {
            Some((id, label)) => {
                menu.append(&MenuItem::with_id(app, id, label, true, None::<&str>)?)?
            }
            None => menu.append(&PredefinedMenuItem::separator(app)?)?,
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
    TrayIconBuilder::with_id(TRAY_ID)
        .title("Patchbay")
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
    fn menu_has_open_and_quit() {
        let m = tray_model(0, 0);
        let labels: Vec<_> = m.items.iter().flatten().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["Open Patchbay", "Quit"]);
        assert!(!m.needs_attention);
        assert_eq!(m.tooltip, "Patchbay: no connections yet");
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
