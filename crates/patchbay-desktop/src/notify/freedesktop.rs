//! A notification that needs no answer, sent with the zbus the keychain and the tray bring anyway: one
//! Freedesktop `Notify` call (notify-rust, for the service's clickable ones, is not needed in the window for one
//! note).

use crate::alerts::Note;

/// `Err` in words when no notification service answers.
pub fn send_plain(note: &Note) -> Result<(), String> {
    use std::collections::HashMap;
    use zbus::zvariant::Value;
    let connection = zbus::blocking::Connection::session().map_err(|e| e.to_string())?;
    let hints: HashMap<&str, Value<'_>> = HashMap::new();
    let reply = connection
        .call_method(
            Some("org.freedesktop.Notifications"),
            "/org/freedesktop/Notifications",
            Some("org.freedesktop.Notifications"),
            "Notify",
            &(
                "Patchbay",
                0u32,
                "patchbay-app",
                note.summary.as_str(),
                note.body.as_str(),
                Vec::<&str>::new(),
                hints,
                -1i32,
            ),
        )
        .map_err(|e| e.to_string())?;
    reply
        .body()
        .deserialize::<u32>()
        .map(|_| ())
        .map_err(|e| e.to_string())
}
