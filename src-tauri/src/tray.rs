//! The tray icon, drawn by Tauri: the model ([`patchbay_desktop::tray::tray_model`], unit-tested there) handed to
//! Tauri's tray, and the menu's clicks routed back.

use patchbay_desktop::tray::{TrayIconKind, TrayItem, TrayModel};
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};

pub const TRAY_ID: &str = "patchbay";

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
