//! The tray on Linux and the BSDs, spoken directly over D-Bus: a StatusNotifierItem with a `com.canonical.dbusmenu`
//! menu (through `ksni`), so the service needs no GTK and no libayatana. What it shows is
//! [`patchbay_desktop::tray::tray_model`]; this file only draws that model and hands the menu's clicks back as
//! [`Event`]s.
//!
//! A desktop without a tray host (GNOME without the AppIndicator extension), or one whose host comes and goes
//! (a panel restarted), is followed as it changes: the item stays ready and registers when a host appears, and
//! each change is an [`Event::Presence`] the service records for `patchbay doctor`.

use super::icons::{decode, Rgba, PICTURES};
use super::Event;
use patchbay_core::resident::TrayState;
use patchbay_desktop::tray::{MenuAction, TrayIconKind, TrayItem, TrayModel};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// The tray's four pictures as ARGB pixmaps, decoded once.
struct Icons(HashMap<TrayIconKind, Vec<ksni::Icon>>);

impl Icons {
    fn load() -> Self {
        Self(
            PICTURES
                .into_iter()
                .map(|(kind, png)| (kind, decode(png).map(argb).into_iter().collect()))
                .collect(),
        )
    }
}

/// A picture as the StatusNotifierItem's `IconPixmap` wants it: ARGB32, network byte order.
fn argb(picture: Rgba) -> ksni::Icon {
    ksni::Icon {
        width: picture.width as i32,
        height: picture.height as i32,
        data: picture
            .pixels
            .chunks_exact(4)
            .flat_map(|p| [p[3], p[0], p[1], p[2]])
            .collect(),
    }
}

/// Nothing to hand the tray on this platform: ksni runs its own D-Bus connection on zbus's executor.
#[derive(Debug, Clone, Copy)]
pub struct Host;

/// The tray item.
pub struct PatchbayTray {
    model: TrayModel,
    icons: Arc<Icons>,
    events: UnboundedSender<Event>,
}

impl PatchbayTray {
    fn send(&self, event: Event) {
        let _ = self.events.send(event);
    }
}

impl ksni::Tray for PatchbayTray {
    // A click on the icon opens the menu, whose first line is the status (Linux trays show no tooltip).
    const MENU_ON_ACTIVATE: bool = true;

    fn id(&self) -> String {
        "patchbay".into()
    }

    fn title(&self) -> String {
        "Patchbay".into()
    }

    fn status(&self) -> ksni::Status {
        if self.model.icon == TrayIconKind::Attention {
            ksni::Status::NeedsAttention
        } else {
            ksni::Status::Active
        }
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.icons
            .0
            .get(&self.model.icon)
            .cloned()
            .unwrap_or_default()
    }

    fn attention_icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.icons
            .0
            .get(&TrayIconKind::Attention)
            .cloned()
            .unwrap_or_default()
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        ksni::ToolTip {
            title: "Patchbay".into(),
            description: self.model.tooltip.clone(),
            ..Default::default()
        }
    }

    fn menu(&self) -> Vec<ksni::MenuItem<Self>> {
        use ksni::menu::{CheckmarkItem, MenuItem, StandardItem};
        let act = |id: &str| -> Box<dyn Fn(&mut Self) + Send> {
            let action = MenuAction::from_id(id);
            Box::new(move |tray: &mut Self| {
                if let Some(action) = action.clone() {
                    tray.send(Event::Menu(action));
                }
            })
        };
        self.model
            .items
            .iter()
            .map(|item| match item {
                TrayItem::Status(text) => StandardItem {
                    label: text.clone(),
                    enabled: false,
                    ..Default::default()
                }
                .into(),
                TrayItem::Action(id, label) => StandardItem {
                    label: label.clone(),
                    activate: act(id),
                    ..Default::default()
                }
                .into(),
                TrayItem::Toggle(id, label, checked) => CheckmarkItem {
                    label: label.clone(),
                    checked: *checked,
                    activate: act(id),
                    ..Default::default()
                }
                .into(),
                TrayItem::Separator => MenuItem::Separator,
            })
            .collect()
    }

    fn watcher_online(&self) {
        self.send(Event::Presence(TrayState::Shown));
    }

    fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
        let reason = match reason {
            ksni::OfflineReason::No => "the desktop's tray host went away".to_string(),
            ksni::OfflineReason::Error(e) => no_tray_words(&e),
            other => format!("{other:?}"),
        };
        self.send(Event::Presence(TrayState::Absent { reason }));
        // Keep the item ready: a tray host that comes (back) shows it.
        true
    }
}

/// Why no tray shows, in words.
fn no_tray_words(e: &ksni::Error) -> String {
    match e {
        ksni::Error::WontShow => "a tray watcher runs but no tray host is registered".into(),
        ksni::Error::Watcher(_) => {
            "this desktop shows no tray icons (no org.kde.StatusNotifierWatcher on the session bus)"
                .into()
        }
        ksni::Error::Dbus(e) => format!("no desktop session bus ({e})"),
        other => other.to_string(),
    }
}

/// The running tray.
pub struct Tray(ksni::Handle<PatchbayTray>);

impl Tray {
    /// Start the tray with `model`; its clicks and presence arrive on `events`. `Err` (in words) when there is
    /// no session bus to speak on at all.
    pub async fn start(
        model: TrayModel,
        events: UnboundedSender<Event>,
        _host: &Host,
    ) -> Result<Tray, String> {
        use ksni::TrayMethods;
        let tray = PatchbayTray {
            model,
            icons: Arc::new(Icons::load()),
            events,
        };
        tray.assume_sni_available(true)
            .spawn()
            .await
            .map(Tray)
            .map_err(|e| no_tray_words(&e))
    }

    /// Show `model`.
    pub async fn show(&self, model: TrayModel) {
        self.0.update(|tray| tray.model = model).await;
    }

    pub async fn stop(&self) {
        self.0.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_picture_becomes_an_argb_pixmap() {
        let icons = Icons::load();
        for kind in [
            TrayIconKind::Healthy,
            TrayIconKind::Checking,
            TrayIconKind::Unreachable,
            TrayIconKind::Attention,
        ] {
            let icon = &icons.0[&kind][0];
            assert_eq!((icon.width, icon.height), (64, 64));
            assert_eq!(icon.data.len(), 64 * 64 * 4);
            // Something is drawn, and not everything is opaque (alpha is the first byte of each pixel).
            assert!(icon.data.chunks(4).any(|p| p[0] == 0));
            assert!(icon.data.chunks(4).any(|p| p[0] == 255));
        }
        assert_ne!(
            icons.0[&TrayIconKind::Healthy][0].data,
            icons.0[&TrayIconKind::Attention][0].data
        );
    }
}
