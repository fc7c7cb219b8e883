//! Time zone names as Graph uses them. Mailbox settings and `calendarView` name zones either the Windows way
//! ("W. Europe Standard Time", what Outlook for Windows sets) or the IANA way ("Europe/Berlin", what Outlook on
//! the web may set). Windows names go through CLDR's table (its `001` row: the zone's world-wide default, the
//! only answer that does not depend on where the person is), and the IANA name is what the tz database, the
//! webview's `Intl` and the CLI all understand.

use jiff::tz::TimeZone;

/// A zone Patchbay can compute with, and the names it goes by.
#[derive(Debug, Clone)]
pub struct Zone {
    /// The IANA name ("Europe/Berlin"; "UTC").
    pub iana: String,
    pub tz: TimeZone,
}

/// Names Graph uses for UTC that are neither in the tz database nor in CLDR's table.
const UTC_NAMES: &[&str] = &[
    "UTC",
    "Etc/UTC",
    "Coordinated Universal Time",
    "tzone://Microsoft/Utc",
];

/// Resolve a zone named by Graph. `None`: unknown (a custom zone, `tzone://Microsoft/Custom`, or a name this
/// computer's tz database does not have).
pub fn resolve(name: &str) -> Option<Zone> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    if UTC_NAMES.iter().any(|u| u.eq_ignore_ascii_case(name)) {
        return Some(Zone {
            iana: "UTC".into(),
            tz: TimeZone::UTC,
        });
    }
    // An IANA name is tried first: no Windows name contains a '/', and the tz database knows them all.
    if name.contains('/') {
        if let Ok(tz) = TimeZone::get(name) {
            return Some(Zone {
                iana: tz.iana_name().unwrap_or(name).to_string(),
                tz,
            });
        }
    }
    if let Some(iana) = localzone::win_zone_to_iana(name, Some("001")) {
        if let Ok(tz) = TimeZone::get(iana) {
            return Some(Zone {
                iana: iana.to_string(),
                tz,
            });
        }
    }
    // The tz database's names without a '/' ("Japan", "Singapore", "GB"), which Graph passes through as given.
    let tz = TimeZone::get(name).ok()?;
    Some(Zone {
        iana: tz.iana_name().unwrap_or(name).to_string(),
        tz,
    })
}

/// This computer's zone; UTC when it cannot be told, or has no name to show (a POSIX `TZ` rule): the name shown
/// and the rules used must be the same zone.
pub fn local() -> Zone {
    match TimeZone::try_system() {
        Ok(tz) => match tz.iana_name() {
            Some(name) => Zone {
                iana: name.to_string(),
                tz: tz.clone(),
            },
            None => utc(),
        },
        Err(_) => utc(),
    }
}

fn utc() -> Zone {
    Zone {
        iana: "UTC".into(),
        tz: TimeZone::UTC,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_names_map_to_clds_world_wide_default() {
        for (windows, iana) in [
            ("W. Europe Standard Time", "Europe/Berlin"),
            ("Pacific Standard Time", "America/Los_Angeles"),
            ("Central Standard Time", "America/Chicago"),
            ("Tokyo Standard Time", "Asia/Tokyo"),
            ("India Standard Time", "Asia/Calcutta"),
            ("GMT Standard Time", "Europe/London"),
            ("AUS Eastern Standard Time", "Australia/Sydney"),
        ] {
            let zone = resolve(windows).unwrap_or_else(|| panic!("{windows}"));
            // The tz database may know a zone under a newer name (Asia/Kolkata); the offsets are what count.
            let expected = TimeZone::get(iana).unwrap();
            let at: jiff::Timestamp = "2026-07-01T12:00:00Z".parse().unwrap();
            assert_eq!(
                zone.tz.to_offset(at),
                expected.to_offset(at),
                "{windows} → {}",
                zone.iana
            );
        }
    }

    #[test]
    fn iana_names_and_utc_spellings_resolve_and_unknown_ones_do_not() {
        assert_eq!(
            resolve("America/New_York").unwrap().iana,
            "America/New_York"
        );
        assert_eq!(resolve(" Europe/Paris ").unwrap().iana, "Europe/Paris");
        for utc in [
            "UTC",
            "utc",
            "Coordinated Universal Time",
            "tzone://Microsoft/Utc",
        ] {
            assert_eq!(resolve(utc).unwrap().iana, "UTC", "{utc}");
        }
        // tz database names without a '/' (links Graph passes through).
        let japan = resolve("Japan").expect("Japan");
        let at: jiff::Timestamp = "2026-07-01T12:00:00Z".parse().unwrap();
        assert_eq!(
            japan.tz.to_offset(at),
            TimeZone::get("Asia/Tokyo").unwrap().to_offset(at)
        );
        assert!(resolve("tzone://Microsoft/Custom").is_none());
        assert!(resolve("Nowhere Standard Time").is_none());
        assert!(resolve("Mars/Olympus_Mons").is_none());
        assert!(resolve("").is_none());
        assert!(!local().iana.is_empty());
    }
}
