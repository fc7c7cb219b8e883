//! Time zones as Outlook names them, the `Prefer` header, and Graph's date-time formats.
//!
//! Exchange reports zones by Windows name ("W. Europe Standard Time"), but a mailbox set up from Outlook on
//! the web reports an IANA name ("America/New_York"), and `Prefer: outlook.timezone` accepts either; see
//! <https://learn.microsoft.com/graph/api/resources/datetimetimezone>.

use axum::http::HeaderMap;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A zone from a Windows name (CLDR's territory-neutral "001" mapping) or an IANA name; `None` if neither.
pub fn resolve(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    if name.eq_ignore_ascii_case("UTC") {
        return Some(TimeZone::UTC);
    }
    if let Some(iana) = localzone::win_zone_to_iana(name, Some("001")) {
        return TimeZone::get(iana).ok();
    }
    TimeZone::get(name).ok()
}

/// The value of one preference among all `Prefer` headers (`Prefer: odata.maxpagesize=5,
/// outlook.timezone="Europe/Paris"` or separate headers), quotes removed.
pub fn preference(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(split_outside_quotes)
        .find_map(|pref| {
            let (key, value) = pref.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().trim_matches('"').trim().to_string())
        })
}

/// Split on commas that are not inside double quotes.
fn split_outside_quotes(header: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

/// The zone asked for with `Prefer: outlook.timezone`, as given and resolved. `None` (so: UTC, and no
/// `Preference-Applied`) when absent or unknown — Graph, too, falls back to UTC then.
pub fn preferred(headers: &HeaderMap) -> Option<(String, TimeZone)> {
    let name = preference(headers, "outlook.timezone")?;
    let tz = resolve(&name)?;
    Some((name, tz))
}

/// Graph's `dateTimeTimeZone.dateTime`: local wall time with seven fractional digits,
/// `2026-11-30T09:00:00.0000000`.
pub fn local_date_time(dt: DateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.subsec_nanosecond() / 100
    )
}

/// Graph's `DateTimeOffset` for Outlook items: UTC, whole seconds, `2026-11-29T08:15:00Z`.
pub fn utc(ts: Timestamp) -> String {
    local_date_time(TimeZone::UTC.to_datetime(ts))
        .get(..19)
        .map(|s| format!("{s}Z"))
        .unwrap_or_default()
}

/// A query-string date-time (`startDateTime`): with an offset or `Z` it is that instant; without one Graph
/// reads it as UTC. A `+` offset that arrived unencoded has become a space; put it back.
pub fn parse_instant(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let repaired = text.replacen(' ', "+", 1);
    for candidate in [text, repaired.as_str()] {
        if let Ok(ts) = candidate.parse::<Timestamp>() {
            return Some(ts);
        }
    }
    if let Ok(dt) = text.parse::<DateTime>() {
        return TimeZone::UTC.to_timestamp(dt).ok();
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return TimeZone::UTC.to_timestamp(date.at(0, 0, 0, 0)).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn windows_and_iana_names() {
        let pacific =
            resolve("Pacific Standard Time").and_then(|tz| tz.iana_name().map(String::from));
        assert_eq!(pacific.as_deref(), Some("America/Los_Angeles"));
        assert!(resolve("W. Europe Standard Time").is_some());
        assert!(resolve("Tokyo Standard Time").is_some());
        assert!(resolve("Europe/Paris").is_some());
        assert!(resolve("UTC").is_some());
        assert!(resolve("Mars/Olympus_Mons").is_none());
        assert!(resolve("").is_none());
    }

    #[test]
    fn prefer_among_several() {
        let mut h = HeaderMap::new();
        h.append(
            "prefer",
            HeaderValue::from_static("odata.maxpagesize=5, outlook.timezone=\"Europe/Paris\""),
        );
        assert_eq!(
            preference(&h, "outlook.timezone").as_deref(),
            Some("Europe/Paris")
        );
        let mut h = HeaderMap::new();
        h.append("prefer", HeaderValue::from_static("return=minimal"));
        h.append(
            "prefer",
            HeaderValue::from_static("Outlook.TimeZone = \"Pacific Standard Time\""),
        );
        assert_eq!(
            preferred(&h).map(|(n, _)| n).as_deref(),
            Some("Pacific Standard Time")
        );
        let mut h = HeaderMap::new();
        h.append(
            "prefer",
            HeaderValue::from_static("outlook.timezone=\"Nowhere/City\""),
        );
        assert!(preferred(&h).is_none());
    }

    #[test]
    fn formats_and_parses() {
        let ts: Timestamp = "2026-11-29T08:15:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(utc(ts), "2026-11-29T08:15:00Z");
        assert_eq!(
            local_date_time(TimeZone::UTC.to_datetime(ts)),
            "2026-11-29T08:15:00.0000000"
        );
        assert_eq!(parse_instant("2026-11-29T08:15:00"), Some(ts));
        assert_eq!(parse_instant("2026-11-29T08:15:00.0000000"), Some(ts));
        assert_eq!(parse_instant("2026-11-29T09:15:00+01:00"), Some(ts));
        assert_eq!(parse_instant("2026-11-29T09:15:00 01:00"), Some(ts));
        assert_eq!(parse_instant("2026-11-29T03:15:00-05:00"), Some(ts));
        assert!(parse_instant("tomorrow").is_none());
        assert!(parse_instant("").is_none());
    }
}
