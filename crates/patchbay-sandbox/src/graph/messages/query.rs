//! How a listing is narrowed and ordered: `$search` and `$orderby` (the `$filter` part is [`super::super::filter`]).

use std::cmp::Ordering;

use super::super::Reply;
use super::inbox::Message;
use super::{PROPERTIES, TYPE_NAME};

/// `$search="words"`: Graph's KQL search, here every word (case-insensitive) in the subject, the body or the
/// sender. Graph wants the query in double quotes; a bare single word passes as it does on Graph.
pub struct Search(Vec<String>);

impl Search {
    #[allow(clippy::result_large_err)] // the error is the finished reply, returned once
    pub fn parse(raw: &str) -> Result<Search, Reply> {
        let raw = raw.trim();
        let inner = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            Some(inner) if raw.len() >= 2 => inner.replace("\\\"", "\""),
            _ if !raw.is_empty() && raw.chars().all(char::is_alphanumeric) => raw.to_string(),
            _ => {
                return Err(Reply::bad_request(
                    "BadRequest",
                    &format!(
                        "Syntax error: the $search value '{raw}' is not valid. Put the query in double quotes: \
                         $search=\"{raw}\"."
                    ),
                ))
            }
        };
        Ok(Search(
            inner.split_whitespace().map(str::to_lowercase).collect(),
        ))
    }

    pub fn matches(&self, m: &Message) -> bool {
        let hay = format!(
            "{} {} {} {}",
            m.subject(),
            m.body,
            m.tpl.from.0,
            m.tpl.from.1
        )
        .to_lowercase();
        self.0.iter().all(|w| hay.contains(w.as_str()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Received,
    Sent,
    Created,
    Modified,
    Subject,
    IsRead,
    HasAttachments,
    Importance,
}

/// `$orderby=receivedDateTime desc,subject` (default: `receivedDateTime desc`, as Outlook lists mail).
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
pub fn order_by(raw: Option<&str>) -> Result<Vec<(SortKey, bool)>, Reply> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(vec![(SortKey::Received, true)]);
    };
    let mut keys = Vec::new();
    for part in raw.split(',') {
        let mut words = part.split_whitespace();
        let name = words.next().unwrap_or("");
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(Reply::bad_request(
                    "BadRequest",
                    &format!("Invalid $orderby: '{other}' is neither 'asc' nor 'desc'."),
                ))
            }
        };
        if words.next().is_some() {
            return Err(Reply::bad_request(
                "BadRequest",
                &format!("Invalid $orderby clause '{}'.", part.trim()),
            ));
        }
        let key = match name.to_ascii_lowercase().as_str() {
            "receiveddatetime" => SortKey::Received,
            "sentdatetime" => SortKey::Sent,
            "createddatetime" => SortKey::Created,
            "lastmodifieddatetime" => SortKey::Modified,
            "subject" => SortKey::Subject,
            "isread" => SortKey::IsRead,
            "hasattachments" => SortKey::HasAttachments,
            "importance" => SortKey::Importance,
            _ if PROPERTIES.iter().any(|p| p.eq_ignore_ascii_case(name)) => {
                return Err(Reply::bad_request(
                    "BadRequest",
                    &format!(
                        "The sandbox cannot sort messages by '{name}'. Use receivedDateTime, sentDateTime, \
                         createdDateTime, lastModifiedDateTime, subject, isRead, hasAttachments or importance."
                    ),
                ))
            }
            _ => {
                return Err(Reply::bad_request(
                    "RequestBroker--ParseUri",
                    &format!("Could not find a property named '{name}' on type '{TYPE_NAME}'."),
                ))
            }
        };
        keys.push((key, descending));
    }
    Ok(keys)
}

fn importance_rank(importance: &str) -> u8 {
    match importance {
        "low" => 0,
        "high" => 2,
        _ => 1,
    }
}

pub fn compare(a: &Message, b: &Message, order: &[(SortKey, bool)]) -> Ordering {
    for (key, descending) in order {
        let ordering = match key {
            SortKey::Received => a.received.cmp(&b.received),
            SortKey::Sent => a.sent.cmp(&b.sent),
            SortKey::Created => a.created.cmp(&b.created),
            SortKey::Modified => a.modified.cmp(&b.modified),
            SortKey::Subject => a.subject().to_lowercase().cmp(&b.subject().to_lowercase()),
            SortKey::IsRead => a.is_read.cmp(&b.is_read),
            SortKey::HasAttachments => a.has_attachments().cmp(&b.has_attachments()),
            SortKey::Importance => {
                importance_rank(a.tpl.importance).cmp(&importance_rank(b.tpl.importance))
            }
        };
        let ordering = if *descending {
            ordering.reverse()
        } else {
            ordering
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    // Ties: newest first, then by ID, so pages never overlap.
    b.received.cmp(&a.received).then_with(|| a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_wants_quotes_around_more_than_one_word() {
        assert_eq!(
            Search::parse("\"Q4 budget\"").ok().map(|s| s.0),
            Some(vec!["q4".into(), "budget".into()])
        );
        assert_eq!(
            Search::parse("budget").ok().map(|s| s.0),
            Some(vec!["budget".into()])
        );
        assert_eq!(
            Search::parse("\"say \\\"hi\\\"\"").ok().map(|s| s.0),
            Some(vec!["say".into(), "\"hi\"".into()])
        );
        for bad in ["Q4 budget", "from:ada", "\"", ""] {
            assert!(Search::parse(bad).is_err(), "{bad}");
        }
    }
}
