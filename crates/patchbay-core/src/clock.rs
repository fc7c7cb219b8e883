//! Time as the core writes it: Unix seconds inside, RFC 3339 (UTC) on disk and across IPC.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub fn now_unix_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn now_rfc3339() -> String {
    rfc3339(now_unix())
}

pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(&Rfc3339)
        .expect("UTC time formats")
}

/// Unix seconds of an RFC 3339 time; `None` when it does not parse.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// Unix seconds at the start (UTC) of a `YYYY-MM-DD` day.
pub fn day_start_unix(day: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(day, format)
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp())
}

/// "3 minutes", "2 hours", "5 days": how long, in words, for messages.
pub fn span_words(seconds: i64) -> String {
    let s = seconds.max(0);
    let (n, unit) = match s {
        0..=89 => (s.max(1), "second"),
        90..=5399 => ((s + 30) / 60, "minute"),
        5400..=129_599 => ((s + 1800) / 3600, "hour"),
        _ => ((s + 43_200) / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_and_read_as_words() {
        let t = 1_790_000_000;
        assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(day_start_unix("1970-01-02"), Some(86_400));
        assert_eq!(span_words(1), "1 second");
        assert_eq!(span_words(150), "3 minutes");
        assert_eq!(span_words(7200), "2 hours");
        assert_eq!(span_words(86_400 * 80), "80 days");
    }
}
