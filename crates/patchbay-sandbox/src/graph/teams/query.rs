//! The query options Teams takes, with its own rules: `$top` at most 50 (more is refused in Graph's words),
//! paging by an opaque `$skiptoken` in `@odata.nextLink`, a chat's messages ordered only by `createdDateTime desc`
//! or `lastModifiedDateTime desc` and filtered only on the property they are ordered by (`createdDateTime` with
//! `lt`, `lastModifiedDateTime` with `gt` and `lt`; a filter on the other property is ignored, as Microsoft
//! documents), and the chats list's `$filter`, `$expand` and `$orderby`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jiff::Timestamp;

use crate::graph::odata::percent_encode;
use crate::graph::zones::parse_instant;
use crate::graph::Reply;

/// The largest page Teams serves.
pub const MAX_TOP: usize = 50;

/// The decoded query string, in order.
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    pub fn parse(raw: &str) -> Pairs {
        Pairs(
            url::form_urlencoded::parse(raw.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// A query option, by name without regard to case or to the `$` (Graph takes `top=3` as `$top=3`).
    pub fn get(&self, name: &str) -> Option<&str> {
        let bare = name.trim_start_matches('$');
        self.0
            .iter()
            .find(|(k, _)| k.trim_start_matches('$').eq_ignore_ascii_case(bare))
            .map(|(_, v)| v.as_str())
    }

    /// The same query with `name` set to `value` (replacing any), encoded as Graph encodes its links.
    pub fn with(&self, drop: &[&str], name: &str, value: &str) -> String {
        let mut out: Vec<String> = self
            .0
            .iter()
            .filter(|(k, _)| {
                let bare = k.trim_start_matches('$');
                !drop
                    .iter()
                    .any(|d| d.trim_start_matches('$').eq_ignore_ascii_case(bare))
            })
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        out.push(format!(
            "{}={}",
            percent_encode(name),
            percent_encode(value)
        ));
        out.join("&")
    }
}

pub fn bad(message: &str) -> Reply {
    Reply::bad_request("BadRequest", message)
}

/// `$top`: default `default`, at most 50.
#[allow(clippy::result_large_err)]
pub fn top(q: &Pairs, default: usize) -> Result<usize, Reply> {
    let Some(v) = q.get("$top") else {
        return Ok(default);
    };
    match v.trim().parse::<i64>() {
        Ok(n) if n > MAX_TOP as i64 => Err(bad(&format!(
            "The query specified in the URI is not valid. The limit of '{MAX_TOP}' for Top query has been exceeded. \
             The value from the incoming request is '{n}'."
        ))),
        Ok(n) if n >= 0 => Ok(n as usize),
        _ => Err(bad(&format!(
            "The query specified in the URI is not valid. Invalid value '{v}' for $top query option found. The $top \
             query option requires a non-negative integer value."
        ))),
    }
}

/// Refuse an option the endpoint does not take (`/chats/{id}/members` and `$top`), in OData's words.
#[allow(clippy::result_large_err)]
pub fn not_allowed(q: &Pairs, option: &str, name: &str) -> Result<(), Reply> {
    if q.get(option).is_some() {
        return Err(bad(&format!(
            "The query specified in the URI is not valid. Query option '{name}' is not allowed. To allow it, set the \
             'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."
        )));
    }
    Ok(())
}

/// A page cursor: the last item served (its sort key in milliseconds and its ID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{}", self.key, self.id))
    }

    #[allow(clippy::result_large_err)]
    pub fn from_query(q: &Pairs) -> Result<Option<Cursor>, Reply> {
        let Some(token) = q.get("$skiptoken") else {
            return Ok(None);
        };
        let decoded = URL_SAFE_NO_PAD
            .decode(token.trim().trim_end_matches('='))
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let parsed = decoded.as_deref().and_then(|d| {
            let (key, id) = d.split_once('|')?;
            Some(Cursor {
                key: key.parse().ok()?,
                id: id.to_string(),
            })
        });
        parsed
            .map(Some)
            .ok_or_else(|| bad("The skip token is not valid. Start again from the first page."))
    }
}

/// Cut a page from `items` (sorted descending by `(key, id)`) after the cursor; the next cursor if more follow.
pub fn page<T>(
    items: Vec<(i64, String, T)>,
    after: Option<&Cursor>,
    top: usize,
) -> (Vec<T>, Option<Cursor>) {
    let rest: Vec<(i64, String, T)> = items
        .into_iter()
        .filter(|(k, id, _)| match after {
            None => true,
            Some(c) => (*k, id.as_str()) < (c.key, c.id.as_str()),
        })
        .collect();
    let more = rest.len() > top;
    let mut out = Vec::new();
    let mut last = None;
    for (k, id, v) in rest.into_iter().take(top) {
        last = Some(Cursor { key: k, id });
        out.push(v);
    }
    (out, if more { last } else { None })
}

/// `{base}/graph/v1.0{path}?{query with $skiptoken}`.
pub fn next_link(base: &str, path: &str, q: &Pairs, cursor: &Cursor) -> String {
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    format!(
        "{base}/graph/v1.0{path}?{}",
        q.with(&["$skiptoken"], "$skiptoken", &cursor.encode())
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return None,
        })
    }

    /// OData's name for it, as Teams' refusals say it.
    fn kind(self) -> &'static str {
        match self {
            Op::Eq => "Equal",
            Op::Ne => "NotEqual",
            Op::Gt => "GreaterThan",
            Op::Ge => "GreaterThanOrEqual",
            Op::Lt => "LessThan",
            Op::Le => "LessThanOrEqual",
        }
    }

    pub fn holds<T: Ord>(self, left: T, right: T) -> bool {
        match self {
            Op::Eq => left == right,
            Op::Ne => left != right,
            Op::Gt => left > right,
            Op::Ge => left >= right,
            Op::Lt => left < right,
            Op::Le => left <= right,
        }
    }
}

fn invalid_filter() -> Reply {
    bad("Invalid filter clause")
}

/// `a and b and c`, split outside quotes and parentheses.
fn split_and(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut depth) = (false, 0i32);
    let words: Vec<&str> = text.split(' ').collect();
    for (i, word) in words.iter().enumerate() {
        let outside = !quoted && depth == 0;
        if outside && word.eq_ignore_ascii_case("and") && i > 0 {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        for c in word.chars() {
            match c {
                '\'' => quoted = !quoted,
                '(' if !quoted => depth += 1,
                ')' if !quoted => depth -= 1,
                _ => {}
            }
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.trim().is_empty() {
        parts.push(current);
    }
    parts.into_iter().map(|p| p.trim().to_string()).collect()
}

/// `'it''s'` → `it's`.
fn string_literal(text: &str) -> Option<String> {
    let inner = text.trim().strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

/// `prop op literal`.
fn triple(clause: &str) -> Option<(String, Op, String)> {
    let mut it = clause.trim().splitn(3, ' ');
    let prop = it.next()?.to_string();
    let op = Op::parse(it.next()?)?;
    let literal = it.next()?.trim().to_string();
    Some((prop, op, literal))
}

/// Which property a chat's messages are ordered by (always descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOrder {
    Created,
    Modified,
}

impl MessageOrder {
    fn name(self) -> &'static str {
        match self {
            MessageOrder::Created => "createdDateTime",
            MessageOrder::Modified => "lastModifiedDateTime",
        }
    }

    fn of(prop: &str) -> Option<MessageOrder> {
        if prop.eq_ignore_ascii_case("createdDateTime") {
            Some(MessageOrder::Created)
        } else if prop.eq_ignore_ascii_case("lastModifiedDateTime") {
            Some(MessageOrder::Modified)
        } else {
            None
        }
    }
}

/// A chat's messages query: its order, and the time bounds that apply (none when the filter names the other
/// property, which Graph ignores).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageQuery {
    pub order: MessageOrder,
    pub bounds: Vec<(Op, Timestamp)>,
}

impl MessageQuery {
    #[allow(clippy::result_large_err)]
    pub fn parse(q: &Pairs) -> Result<MessageQuery, Reply> {
        let order = match q.get("$orderby") {
            None => MessageOrder::Modified,
            Some(raw) => {
                let words: Vec<&str> = raw.split_whitespace().collect();
                let (prop, desc) = match words.as_slice() {
                    [p] => (*p, false),
                    [p, d] if d.eq_ignore_ascii_case("desc") => (*p, true),
                    [p, d] if d.eq_ignore_ascii_case("asc") => (*p, false),
                    _ => {
                        return Err(bad(&format!(
                            "The $orderby expression '{raw}' is not valid."
                        )))
                    }
                };
                match MessageOrder::of(prop) {
                    Some(order) if desc => order,
                    _ => {
                        return Err(bad(&format!(
                            "The entity property '{prop}' and sort direction '{}' is not allowed in $orderby query. \
                             Messages are ordered by 'lastModifiedDateTime desc' or 'createdDateTime desc'.",
                            if desc { "Descending" } else { "Ascending" }
                        )))
                    }
                }
            }
        };
        let mut bounds = Vec::new();
        let mut applies = true;
        if let Some(raw) = q.get("$filter") {
            for clause in split_and(raw) {
                let (prop, op, literal) = triple(&clause).ok_or_else(invalid_filter)?;
                let Some(which) = MessageOrder::of(&prop) else {
                    return Err(invalid_filter());
                };
                let allowed = match which {
                    MessageOrder::Created => matches!(op, Op::Lt),
                    MessageOrder::Modified => matches!(op, Op::Gt | Op::Lt),
                };
                if !allowed {
                    return Err(bad(&format!(
                        "The entity property '{}' and operationKind '{}' is not allowed in $filter query.",
                        which.name(),
                        op.kind()
                    )));
                }
                let when = parse_instant(literal.trim_matches('\'')).ok_or_else(invalid_filter)?;
                if which != order {
                    applies = false;
                }
                bounds.push((op, when));
            }
        }
        if !applies {
            // "You can only filter results if the request URL contains the $orderby and $filter query parameters
            // configured for the same property; otherwise, the $filter query option is ignored."
            bounds.clear();
        }
        Ok(MessageQuery { order, bounds })
    }
}

/// One clause of the chats list's `$filter`.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatClause {
    ChatType(Op, String),
    Topic(Op, String),
    LastUpdated(Op, Timestamp),
    LastMessage(Op, Timestamp),
    /// `members/any(o: o/displayName eq 'Megan Bowen')` (or `o/userId`, `o/email`).
    Member(String, String),
}

#[allow(clippy::result_large_err)]
pub fn chat_filter(q: &Pairs) -> Result<Vec<ChatClause>, Reply> {
    let Some(raw) = q.get("$filter") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for clause in split_and(raw) {
        let lower = clause.to_ascii_lowercase();
        if lower.starts_with("members/any(") && clause.ends_with(')') {
            let inner = &clause["members/any(".len()..clause.len() - 1];
            let (var, body) = inner.split_once(':').ok_or_else(invalid_filter)?;
            let prefix = format!("{}/", var.trim());
            let (prop, op, literal) = triple(body.trim()).ok_or_else(invalid_filter)?;
            let prop = prop.strip_prefix(&prefix).ok_or_else(invalid_filter)?;
            let value = string_literal(&literal).ok_or_else(invalid_filter)?;
            if op != Op::Eq {
                return Err(invalid_filter());
            }
            let field = ["displayName", "userId", "email"]
                .iter()
                .find(|f| f.eq_ignore_ascii_case(prop))
                .ok_or_else(invalid_filter)?;
            out.push(ChatClause::Member(field.to_string(), value));
            continue;
        }
        let (prop, op, literal) = triple(&clause).ok_or_else(invalid_filter)?;
        let time = || parse_instant(literal.trim_matches('\'')).ok_or_else(invalid_filter);
        let text = || string_literal(&literal).ok_or_else(invalid_filter);
        let c = if prop.eq_ignore_ascii_case("chatType") && matches!(op, Op::Eq | Op::Ne) {
            ChatClause::ChatType(op, text()?)
        } else if prop.eq_ignore_ascii_case("topic") && matches!(op, Op::Eq | Op::Ne) {
            ChatClause::Topic(op, text()?)
        } else if prop.eq_ignore_ascii_case("lastUpdatedDateTime") && !matches!(op, Op::Eq | Op::Ne)
        {
            ChatClause::LastUpdated(op, time()?)
        } else if prop.eq_ignore_ascii_case("lastMessagePreview/createdDateTime")
            && !matches!(op, Op::Eq | Op::Ne)
        {
            ChatClause::LastMessage(op, time()?)
        } else {
            return Err(invalid_filter());
        };
        out.push(c);
    }
    Ok(out)
}

/// The chats list's `$expand`: which of `members` and `lastMessagePreview`.
#[allow(clippy::result_large_err)]
pub fn chat_expand(q: &Pairs) -> Result<(bool, bool), Reply> {
    let (mut members, mut preview) = (false, false);
    if let Some(raw) = q.get("$expand") {
        for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name.eq_ignore_ascii_case("members") {
                members = true;
            } else if name.eq_ignore_ascii_case("lastMessagePreview") {
                preview = true;
            } else {
                return Err(bad(&format!(
                    "Parsing OData Select and Expand failed: Could not find a property named '{name}' on type \
                     'microsoft.graph.chat'."
                )));
            }
        }
    }
    Ok((members, preview))
}

/// The chats list's `$orderby`: only `lastMessagePreview/createdDateTime desc` (`true`), or none.
#[allow(clippy::result_large_err)]
pub fn chat_order(q: &Pairs) -> Result<bool, Reply> {
    let Some(raw) = q.get("$orderby") else {
        return Ok(false);
    };
    let words: Vec<&str> = raw.split_whitespace().collect();
    match words.as_slice() {
        [p, d]
            if p.eq_ignore_ascii_case("lastMessagePreview/createdDateTime")
                && d.eq_ignore_ascii_case("desc") =>
        {
            Ok(true)
        }
        _ => Err(bad(&format!(
            "The $orderby expression '{raw}' is not supported. Chats are ordered by \
             'lastMessagePreview/createdDateTime desc' only."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_error(q: &str) -> String {
        MessageQuery::parse(&Pairs::parse(q))
            .err()
            .map(|r| {
                r.body["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_default()
    }

    #[test]
    fn message_order_and_filter_rules() {
        let ok = MessageQuery::parse(&Pairs::parse(
            "$orderby=createdDateTime desc&$filter=createdDateTime lt 2026-01-01T00:00:00Z",
        ))
        .ok();
        assert_eq!(ok.map(|m| m.bounds.len()), Some(1));
        // The filter names the other property: ignored.
        let ignored = MessageQuery::parse(&Pairs::parse(
            "$orderby=createdDateTime desc&$filter=lastModifiedDateTime gt 2026-01-01T00:00:00Z",
        ))
        .ok();
        assert_eq!(ignored.map(|m| m.bounds.len()), Some(0));
        assert!(
            message_error("$filter=createdDateTime gt 2026-01-01T00:00:00Z")
                .contains("operationKind 'GreaterThan'")
        );
        assert!(
            message_error("$filter=lastModifiedDateTime le 2026-01-01T00:00:00Z")
                .contains("'LessThanOrEqual'")
        );
        assert!(message_error("$orderby=createdDateTime").contains("'Ascending'"));
        assert!(message_error("$orderby=subject desc").contains("'subject'"));
        assert_eq!(
            message_error("$filter=subject eq 'x'"),
            "Invalid filter clause"
        );
    }

    #[test]
    fn top_is_at_most_fifty() {
        assert_eq!(top(&Pairs::parse("$top=50"), 20).ok(), Some(50));
        assert_eq!(top(&Pairs::parse("top=7"), 20).ok(), Some(7));
        let err = top(&Pairs::parse("$top=51"), 20).err().map(|r| r.body);
        assert_eq!(
            err.map(|b| b["error"]["message"].clone()),
            Some(
                "The query specified in the URI is not valid. The limit of '50' for Top query has been exceeded. \
                 The value from the incoming request is '51'."
                    .into()
            )
        );
    }

    #[test]
    fn chat_filters() {
        let f = chat_filter(&Pairs::parse(
            "$filter=chatType eq 'group' and members/any(o: o/displayName eq 'Megan Bowen')",
        ))
        .ok();
        assert_eq!(
            f,
            Some(vec![
                ChatClause::ChatType(Op::Eq, "group".into()),
                ChatClause::Member("displayName".into(), "Megan Bowen".into())
            ])
        );
        assert!(chat_filter(&Pairs::parse("$filter=webUrl eq 'x'")).is_err());
    }

    #[test]
    fn cursor_round_trip_and_paging() {
        let items: Vec<(i64, String, u32)> = (0..5)
            .map(|i| (100 - i, format!("m{i}"), i as u32))
            .collect();
        let (first, next) = page(items.clone(), None, 2);
        assert_eq!(first, vec![0, 1]);
        let c = next.unwrap();
        let q = Pairs::parse(&format!("$skiptoken={}", c.encode()));
        let back = Cursor::from_query(&q).ok().flatten().unwrap();
        let (second, _) = page(items, Some(&back), 2);
        assert_eq!(second, vec![2, 3]);
    }
}
