//! The part of OData `$filter` a mail client needs: comparisons of the date-time properties with an
//! unquoted DateTimeOffset literal (`receivedDateTime ge 2026-11-01T00:00:00Z`), `eq`/`ne` on the flags
//! (`isRead eq false`), on `importance`/`inferenceClassification` (`'high'`) and on the sender
//! (`from/emailAddress/address eq 'ada@contoso.example'`, compared without regard to case, as Exchange does),
//! joined with `and`.
//! Anything else is refused the way Graph refuses a filter it cannot parse.

use jiff::Timestamp;

use super::messages::Message;
use super::zones::parse_instant;
use super::Reply;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Received,
    Sent,
    Created,
    Modified,
    IsRead,
    HasAttachments,
    IsDraft,
    Importance,
    Inference,
    FromAddress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Time(Timestamp),
    Bool(bool),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    field: Field,
    op: Op,
    value: Literal,
}

/// A parsed `$filter` (empty: everything matches).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter(Vec<Clause>);

fn invalid(detail: &str) -> Reply {
    Reply::bad_request("BadRequest", &format!("Invalid filter clause: {detail}"))
}

/// Words and `'quoted text'` (with OData's `''` for a quote inside).
fn tokens(text: &str) -> Result<Vec<(String, bool)>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '\'' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                        s.push('\'');
                    }
                    Some('\'') => break,
                    Some(ch) => s.push(ch),
                    None => return Err("a quoted string is not closed.".into()),
                }
            }
            out.push((s, true));
        } else {
            let mut s = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() {
                    break;
                }
                s.push(ch);
                chars.next();
            }
            out.push((s, false));
        }
    }
    Ok(out)
}

impl Filter {
    #[allow(clippy::result_large_err)] // the error is the finished reply, returned once
    pub fn parse(text: Option<&str>) -> Result<Filter, Reply> {
        let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
            return Ok(Filter::default());
        };
        let tokens = tokens(text).map_err(|e| invalid(&e))?;
        let mut clauses = Vec::new();
        let mut rest = tokens.as_slice();
        loop {
            let [(name, false), (op, false), (value, quoted), tail @ ..] = rest else {
                return Err(invalid(&format!(
                    "expected '<property> <operator> <value>' in '{text}'."
                )));
            };
            if name.contains('(') || name.contains(')') {
                return Err(invalid(&format!(
                    "functions and parentheses are not supported by the sandbox ('{name}')."
                )));
            }
            clauses.push(clause(name, op, value, *quoted)?);
            match tail {
                [] => break,
                [(and, false), more @ ..] if and.eq_ignore_ascii_case("and") => rest = more,
                [(word, _), ..] => {
                    return Err(invalid(&format!(
                        "'{word}' is not supported here; clauses can only be joined with 'and'."
                    )))
                }
            }
        }
        Ok(Filter(clauses))
    }

    pub fn matches(&self, m: &Message) -> bool {
        self.0.iter().all(|c| c.matches(m))
    }
}

#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
fn clause(name: &str, op: &str, value: &str, quoted: bool) -> Result<Clause, Reply> {
    let field = match name.to_ascii_lowercase().as_str() {
        "receiveddatetime" => Field::Received,
        "sentdatetime" => Field::Sent,
        "createddatetime" => Field::Created,
        "lastmodifieddatetime" => Field::Modified,
        "isread" => Field::IsRead,
        "hasattachments" => Field::HasAttachments,
        "isdraft" => Field::IsDraft,
        "importance" => Field::Importance,
        "inferenceclassification" => Field::Inference,
        "from/emailaddress/address" => Field::FromAddress,
        _ => {
            return Err(invalid(&format!(
                "the sandbox cannot filter messages on '{name}'. Use receivedDateTime, sentDateTime, \
                 createdDateTime, lastModifiedDateTime, isRead, hasAttachments, isDraft, importance, \
                 inferenceClassification or from/emailAddress/address."
            )))
        }
    };
    let op = match op.to_ascii_lowercase().as_str() {
        "eq" => Op::Eq,
        "ne" => Op::Ne,
        "gt" => Op::Gt,
        "ge" => Op::Ge,
        "lt" => Op::Lt,
        "le" => Op::Le,
        _ => return Err(invalid(&format!("unknown operator '{op}'."))),
    };
    let value = match field {
        Field::Received | Field::Sent | Field::Created | Field::Modified => {
            // An OData DateTimeOffset literal is not quoted; a quoted one is a string, not a date.
            let time = (!quoted).then(|| parse_instant(value)).flatten();
            let Some(time) = time else {
                return Err(invalid(&format!(
                    "'{value}' is not a date-time literal for {name} (use an unquoted ISO 8601 value such as \
                     2026-11-01T00:00:00Z)."
                )));
            };
            Literal::Time(time)
        }
        Field::IsRead | Field::HasAttachments | Field::IsDraft => {
            match (quoted, value.to_ascii_lowercase().as_str()) {
                (false, "true") => Literal::Bool(true),
                (false, "false") => Literal::Bool(false),
                _ => {
                    return Err(invalid(&format!(
                        "{name} compares with true or false, not '{value}'."
                    )))
                }
            }
        }
        Field::Importance | Field::Inference | Field::FromAddress => {
            if !quoted {
                return Err(invalid(&format!(
                    "{name} compares with a quoted value, like '{value}'."
                )));
            }
            Literal::Text(value.to_string())
        }
    };
    if !matches!(value, Literal::Time(_)) && !matches!(op, Op::Eq | Op::Ne) {
        return Err(invalid(&format!(
            "{name} can only be compared with eq or ne."
        )));
    }
    Ok(Clause { field, op, value })
}

impl Clause {
    fn matches(&self, m: &Message) -> bool {
        use std::cmp::Ordering;
        let ordering: Option<Ordering> = match (&self.value, self.field) {
            (Literal::Time(t), Field::Received) => Some(m.received.cmp(t)),
            (Literal::Time(t), Field::Sent) => Some(m.sent.cmp(t)),
            (Literal::Time(t), Field::Created) => Some(m.created.cmp(t)),
            (Literal::Time(t), Field::Modified) => Some(m.modified.cmp(t)),
            (Literal::Bool(b), Field::IsRead) => Some(m.is_read.cmp(b)),
            (Literal::Bool(b), Field::HasAttachments) => Some(m.has_attachments().cmp(b)),
            (Literal::Bool(b), Field::IsDraft) => Some(false.cmp(b)),
            (Literal::Text(s), Field::Importance) => Some(
                m.tpl
                    .importance
                    .to_ascii_lowercase()
                    .cmp(&s.to_ascii_lowercase()),
            ),
            (Literal::Text(s), Field::FromAddress) => Some(
                m.tpl
                    .from
                    .1
                    .to_ascii_lowercase()
                    .cmp(&s.to_ascii_lowercase()),
            ),
            (Literal::Text(s), Field::Inference) => {
                let class = if m.tpl.focused { "focused" } else { "other" };
                Some(class.cmp(s.to_ascii_lowercase().as_str()))
            }
            _ => None,
        };
        let Some(ordering) = ordering else {
            return false;
        };
        match self.op {
            Op::Eq => ordering == Ordering::Equal,
            Op::Ne => ordering != Ordering::Equal,
            Op::Gt => ordering == Ordering::Greater,
            Op::Ge => ordering != Ordering::Less,
            Op::Lt => ordering == Ordering::Less,
            Op::Le => ordering != Ordering::Greater,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Option<String> {
        Filter::parse(Some(text))
            .err()
            .and_then(|r| r.body["error"]["code"].as_str().map(String::from))
    }

    #[test]
    fn parses_what_clients_send() {
        let f = Filter::parse(Some(
            "receivedDateTime ge 2026-11-01T00:00:00Z and receivedDateTime lt 2026-11-20T00:00:00+01:00 and isRead eq false",
        ));
        assert_eq!(f.ok().map(|f| f.0.len()), Some(3));
        assert!(Filter::parse(Some("importance eq 'high'")).is_ok());
        assert!(Filter::parse(Some("inferenceClassification eq 'focused'")).is_ok());
        assert!(Filter::parse(Some("from/emailAddress/address eq 'a@b.example'")).is_ok());
        assert_eq!(Filter::parse(None).ok(), Some(Filter::default()));
    }

    #[test]
    fn refuses_the_rest() {
        for bad in [
            "subject eq 'x'",
            "receivedDateTime ge '2026-11-01T00:00:00Z'",
            "receivedDateTime ge yesterday",
            "isRead eq false or isRead eq true",
            "isRead gt false",
            "startswith(subject,'x')",
            "isRead eq",
            "importance eq 'high",
        ] {
            assert_eq!(code(bad).as_deref(), Some("BadRequest"), "{bad}");
        }
    }
}
