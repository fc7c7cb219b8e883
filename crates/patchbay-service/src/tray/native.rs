//! The tray on Windows and macOS, through `tray-icon` (Tauri's tray crate; on these platforms it speaks
//! `Shell_NotifyIcon` and `NSStatusItem` directly, with no GTK): the icon, its tooltip and a menu rebuilt from each
//! [`TrayModel`]. Its parts may not leave the main thread, so they live there ([`STATE`]) and the service reaches
//! them with jobs posted through [`Host`]; the menu's clicks come back on the service's channel.

use super::icons::{decode, PICTURES};
use super::main_loop::Host;
use super::Event;
use patchbay_core::resident::TrayState;
use patchbay_desktop::tray::{
    menu_label, tooltip_within, MenuAction, TrayIconKind, TrayItem, TrayModel,
};
use std::cell::RefCell;
use std::collections::HashMap;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;
use tray_icon::menu::{CheckMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tray_icon::{Icon, TrayIcon, TrayIconBuilder};

/// The longest tooltip Windows keeps (`NOTIFYICONDATAW.szTip`: 128 UTF-16 units with the closing NUL).
const TOOLTIP_UNITS: usize = 127;

/// The tray as it lives on the main thread.
struct State {
    icon: TrayIcon,
    pictures: HashMap<TrayIconKind, Icon>,
}

thread_local! {
    // The initialiser is const: clippy misreads thread_local!'s expansion for windows-gnu, whose thread-locals are
    // the OS's keys (windows-msvc and macOS do not trip it).
    #[allow(clippy::missing_const_for_thread_local)]
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// The four pictures as the platform's icons.
fn pictures() -> HashMap<TrayIconKind, Icon> {
    PICTURES
        .into_iter()
        .filter_map(|(kind, png)| {
            let picture = decode(png)?;
            let icon = Icon::from_rgba(picture.pixels, picture.width, picture.height).ok()?;
            Some((kind, icon))
        })
        .collect()
}

/// The menu for `model`: its status lines greyed out, its toggle a checkmark, every entry under its model id.
fn menu(model: &TrayModel) -> Menu {
    let menu = Menu::new();
    for item in &model.items {
        let added = match item {
            TrayItem::Status(text) => menu.append(&MenuItem::new(menu_label(text), false, None)),
            TrayItem::Action(id, label) => menu.append(&MenuItem::with_id(
                id.as_str(),
                menu_label(label),
                true,
                None,
            )),
            TrayItem::Toggle(id, label, checked) => menu.append(&CheckMenuItem::with_id(
                id.as_str(),
                menu_label(label),
                true,
                *checked,
                None,
            )),
            TrayItem::Separator => menu.append(&PredefinedMenuItem::separator()),
        };
        if let Err(e) = added {
            tracing::warn!("a tray menu entry could not be added: {e}");
        }
    }
    menu
}

/// Build the tray on the main thread. `Err` in words.
fn build(model: &TrayModel) -> Result<State, String> {
    let pictures = pictures();
    let mut builder = TrayIconBuilder::new()
        .with_id("patchbay")
        .with_tooltip(tooltip_within(&model.tooltip, TOOLTIP_UNITS))
        .with_menu(Box::new(menu(model)))
        .with_menu_on_left_click(true);
    if let Some(icon) = pictures.get(&model.icon) {
        builder = builder.with_icon(icon.clone());
    }
    let icon = builder
        .build()
        .map_err(|e| format!("the system would not show a tray icon ({e})"))?;
    Ok(State { icon, pictures })
}

/// Show `model` on the main thread's tray.
fn update(state: &State, model: &TrayModel) {
    if let Some(picture) = state.pictures.get(&model.icon) {
        if let Err(e) = state.icon.set_icon(Some(picture.clone())) {
            tracing::warn!("the tray icon could not change: {e}");
        }
    }
    let _ = state
        .icon
        .set_tooltip(Some(tooltip_within(&model.tooltip, TOOLTIP_UNITS)));
    state.icon.set_menu(Some(Box::new(menu(model))));
}

/// The running tray, seen from the service.
pub struct Tray(Host);

impl Tray {
    /// Start the tray with `model` on the main thread; its clicks and presence arrive on `events`. `Err` (in
    /// words) when the system would not show it.
    pub async fn start(
        model: TrayModel,
        events: UnboundedSender<Event>,
        host: &Host,
    ) -> Result<Tray, String> {
        let clicks = events.clone();
        MenuEvent::set_event_handler(Some(move |event: MenuEvent| {
            if let Some(action) = MenuAction::from_id(event.id().as_ref()) {
                let _ = clicks.send(Event::Menu(action));
            }
        }));
        let (built_tx, built) = oneshot::channel();
        host.post(move || {
            let result = build(&model).map(|state| STATE.with(|s| *s.borrow_mut() = Some(state)));
            let _ = built_tx.send(result);
        });
        built
            .await
            .map_err(|_| "the main thread's loop ended".to_string())??;
        let _ = events.send(Event::Presence(TrayState::Shown));
        Ok(Tray(host.clone()))
    }

    /// Show `model`.
    pub async fn show(&self, model: TrayModel) {
        self.0.post(move || {
            STATE.with(|s| {
                if let Some(state) = s.borrow().as_ref() {
                    update(state, &model);
                }
            })
        });
    }

    /// Take the icon away (Windows would otherwise keep a dead one until the pointer passes over it).
    pub async fn stop(&self) {
        MenuEvent::set_event_handler(None::<fn(MenuEvent)>);
        let (gone_tx, gone) = oneshot::channel();
        self.0.post(move || {
            STATE.with(|s| drop(s.borrow_mut().take()));
            let _ = gone_tx.send(());
        });
        let _ = gone.await;
    }
}
