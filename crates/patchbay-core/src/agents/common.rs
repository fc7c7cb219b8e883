//! What every tool's Graph work shares: results kept small ([`RESULT_BUDGET`], [`fit`], [`cut`]), ids checked
//! before they become path segments, addresses and times read from what an assistant wrote, and Graph's
//! failures in words.

use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::session::graph_error_info;
use crate::graph::RawResponse;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

/// No tool result is longer than this (JSON bytes): lists are cut to fit, and say so.
pub const RESULT_BUDGET: usize = 32 * 1024;
/// `top` when none is given, and the most a call gets (more is capped, not refused).
pub const DEFAULT_TOP: u32 = 10;
pub const MAX_TOP: u32 = 50;
/// `max_chars` when none is given, and its bounds.
pub const DEFAULT_MAX_CHARS: usize = 8_000;
pub const MAX_MAX_CHARS: usize = 24_000;

pub fn invalid(title: impl Into<String>, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, title, message)
}

/// Drop items from the end until the whole answer fits [`RESULT_BUDGET`]; whether any were dropped.
pub fn fit<T: Serialize>(items: &mut Vec<T>, overhead: usize) -> bool {
    let size = |items: &Vec<T>| serde_json::to_vec(items).map(|v| v.len()).unwrap_or(0) + overhead;
    let mut cut = false;
    while !items.is_empty() && size(items) > RESULT_BUDGET {
        items.pop();
        cut = true;
    }
    cut
}

/// `text` cut at `max` characters (never inside a character); whether it was cut.
pub fn cut(text: String, max: usize) -> (String, bool) {
    match text.char_indices().nth(max) {
        Some((at, _)) => (text[..at].to_string(), true),
        None => (text, false),
    }
}

/// An id an assistant passed back, checked before it becomes a path segment: not empty, and not `.` or `..`
/// (which would name another resource: `me/messages/..` is `me`).
pub fn checked_id<'a>(id: &'a str, what: &str) -> Result<&'a str, ErrorInfo> {
    let id = id.trim();
    crate::graph::path_segment(id).map_err(|e| {
        invalid(
            format!("\"{id}\" is not {what} id ({e})."),
            format!("Give {what} id as an earlier tool returned it."),
        )
    })?;
    Ok(id)
}

/// Addresses as Graph's recipients, each checked to look like one.
pub fn check_addresses(list: &[String], field: &str) -> Result<Vec<serde_json::Value>, ErrorInfo> {
    list.iter()
        .map(|a| {
            let a = a.trim();
            let ok = a.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !a.contains(char::is_whitespace)
            });
            if ok {
                Ok(json!({"emailAddress": {"address": a}}))
            } else {
                Err(invalid(
                    format!("\"{a}\" in {field} is not an email address."),
                    "Give addresses like ada@contoso.com.",
                ))
            }
        })
        .collect()
}

/// An instant from RFC 3339, or a date (`2026-12-07`) at midnight in `zone`.
pub fn instant(text: &str, zone: &TimeZone, what: &str) -> Result<Timestamp, ErrorInfo> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>() {
        if let Ok(z) = d.to_zoned_datetime(zone.clone()) {
            return Ok(z.timestamp());
        }
    }
    Err(invalid(
        format!("{what} \"{text}\" is not a time Patchbay can read."),
        "Use RFC 3339 (2026-12-07T09:00:00+01:00 or 2026-12-07T08:00:00Z) or a date (2026-12-07).",
    ))
}

pub fn utc_literal(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// What a failed response means, in words.
pub fn failed(response: RawResponse) -> ErrorInfo {
    match response.error() {
        Some(e) => graph_error_info(&e),
        None => ErrorInfo::new(
            ErrorCode::ProviderError,
            "Microsoft Graph gave an answer Patchbay cannot read.",
            "Try again.",
        ),
    }
}

/// A successful answer's JSON as `T`, or what the failure means.
pub fn answer<T: serde::de::DeserializeOwned>(response: RawResponse) -> Result<T, ErrorInfo> {
    response.json().map_err(|e| graph_error_info(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_on_a_character_and_lists_to_the_budget() {
        let (cut_text, was_cut) = cut("héllo".to_string(), 2);
        assert_eq!((cut_text.as_str(), was_cut), ("hé", true));
        assert_eq!(cut("ab".to_string(), 2), ("ab".to_string(), false));
        let mut items: Vec<String> = (0..100).map(|_| "x".repeat(1000)).collect();
        assert!(fit(&mut items, 0));
        assert!(serde_json::to_vec(&items).unwrap().len() <= RESULT_BUDGET);
        let mut few = vec!["a".to_string()];
        assert!(!fit(&mut few, 0));
    }

    #[test]
    fn ids_that_would_name_another_resource_are_refused() {
        for bad in ["", "  ", ".", "..", " .. "] {
            assert!(checked_id(bad, "a message").is_err(), "{bad:?}");
        }
        assert_eq!(checked_id(" AAMk= ", "a message").unwrap(), "AAMk=");
        // Anything else is encoded as one segment when the request is built.
        assert_eq!(crate::graph::request::segment("a/../b"), "a%2F..%2Fb");
    }
}
