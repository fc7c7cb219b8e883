//! A value from outside (an id an assistant passed, a folder name) as one segment of a Graph path: it can never
//! name another path.
//!
//! Percent-encoding alone is not enough. `/`, `?`, `#` and `%` are encoded, but the URL standard reads a segment
//! that is `.` or `..` (and their encoded forms `%2e`, `.%2E`…) as "this folder" and "the folder above" wherever
//! it appears: `me/messages/..` is `me/`, so `get_message(id="..")` would ask for `/v1.0/me/`. Those are refused,
//! as is an empty value (`me/messages/` is the whole list).

use crate::error::{ErrorCode, ErrorInfo};

/// Why a value cannot be a path segment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathSegmentError {
    #[error("the id is empty")]
    Empty,
    #[error("{0:?} is not an id: in a URL it names another path")]
    DotSegment(String),
}

impl From<PathSegmentError> for ErrorInfo {
    fn from(e: PathSegmentError) -> Self {
        let title = match &e {
            PathSegmentError::Empty => "The id is empty.".to_string(),
            PathSegmentError::DotSegment(v) => {
                format!("{v:?} is not an id: in a URL it would name another path.")
            }
        };
        ErrorInfo::new(
            ErrorCode::InvalidInput,
            title,
            "Give an id exactly as a list or a search returned it.",
        )
    }
}

/// `value` as one percent-encoded path segment (everything but ASCII letters, digits and `*-._` encoded), or an
/// error for an empty value, `.` or `..`.
pub fn path_segment(value: &str) -> Result<String, PathSegmentError> {
    if value.is_empty() {
        return Err(PathSegmentError::Empty);
    }
    if value == "." || value == ".." {
        return Err(PathSegmentError::DotSegment(value.to_string()));
    }
    Ok(encode(value))
}

/// `value` percent-encoded as one segment, unchecked (for values Patchbay made itself: a well-known folder name,
/// a drive path's names already checked). `%` is always encoded (`%25`), so `%2e` in the value stays text and
/// never becomes a dot: only the literal forms [`path_segment`] refuses can.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Graph;
    use url::Url;

    fn graph() -> Graph {
        Graph::new(
            Url::parse("https://graph.microsoft.com/").unwrap(),
            reqwest::Client::new(),
        )
    }

    /// The URL a request for message `id` goes to.
    fn message_url(id: &str) -> Result<String, PathSegmentError> {
        Ok(graph()
            .url(&format!("me/messages/{}", path_segment(id)?), &[])
            .to_string())
    }

    #[test]
    fn dot_segments_and_empty_ids_are_refused() {
        assert_eq!(path_segment(""), Err(PathSegmentError::Empty));
        for dots in [".", ".."] {
            assert_eq!(
                path_segment(dots),
                Err(PathSegmentError::DotSegment(dots.into()))
            );
            let e = ErrorInfo::from(path_segment(dots).unwrap_err());
            assert_eq!(e.code, ErrorCode::InvalidInput);
            assert!(e.title.contains("another path"), "{}", e.title);
        }
    }

    #[test]
    fn every_id_stays_one_segment_under_its_collection() {
        for (id, encoded) in [
            (
                "AAMkAGI2TG93AAA=",
                "https://graph.microsoft.com/v1.0/me/messages/AAMkAGI2TG93AAA%3D",
            ),
            (
                "AAMk/x?y#z",
                "https://graph.microsoft.com/v1.0/me/messages/AAMk%2Fx%3Fy%23z",
            ),
            (
                "a b+c",
                "https://graph.microsoft.com/v1.0/me/messages/a%20b%2Bc",
            ),
            // Encoded dots stay text, never a dot segment.
            (
                "%2e%2e",
                "https://graph.microsoft.com/v1.0/me/messages/%252e%252e",
            ),
            (
                ".%2E",
                "https://graph.microsoft.com/v1.0/me/messages/.%252E",
            ),
            ("...", "https://graph.microsoft.com/v1.0/me/messages/..."),
            (
                "../me",
                "https://graph.microsoft.com/v1.0/me/messages/..%2Fme",
            ),
            ("\\..", "https://graph.microsoft.com/v1.0/me/messages/%5C.."),
        ] {
            assert_eq!(message_url(id).unwrap(), encoded, "{id:?}");
        }
    }
}
