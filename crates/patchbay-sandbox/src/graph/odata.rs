//! The OData query options the demo collections share — `$select`, `$top`, `$skip`, `$count` — and Graph's
//! collection page: `{"@odata.context", "value", "@odata.nextLink"}`, the next link being an absolute URL
//! that repeats the request with `$skip` advanced.

use serde_json::{json, Map, Value};

use super::Reply;

/// Graph's default page size for mail and calendar collections.
pub const DEFAULT_TOP: usize = 10;
/// The largest `$top` Outlook resources accept.
pub const MAX_TOP: usize = 1000;

/// The decoded query string, in order.
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: &str) -> Query {
        Query {
            pairs: url::form_urlencoded::parse(raw.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// The first value of `name`, matched case-insensitively (Graph accepts `$TOP` and `startdatetime`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The same query with `$skip` set to `skip` (in place, or appended), encoded as Graph encodes its
    /// next links (`%24skip=10`).
    pub fn with_skip(&self, skip: usize) -> String {
        let mut pairs: Vec<(String, String)> = Vec::with_capacity(self.pairs.len() + 1);
        let mut replaced = false;
        for (k, v) in &self.pairs {
            if k.eq_ignore_ascii_case("$skip") {
                if !replaced {
                    pairs.push(("$skip".into(), skip.to_string()));
                    replaced = true;
                }
            } else {
                pairs.push((k.clone(), v.clone()));
            }
        }
        if !replaced {
            pairs.push(("$skip".into(), skip.to_string()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encode everything but RFC 3986's unreserved characters (so `$` → `%24`, space → `%20`).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` → byte (a malformed escape stays as it is); `+` is left alone, as it is in a path.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub top: usize,
    pub skip: usize,
}

/// `$top` (1..=1000, default 10) and `$skip` (default 0).
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
pub fn paging(q: &Query) -> Result<Paging, Reply> {
    let top = match q.get("$top") {
        None => DEFAULT_TOP,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_TOP).contains(&n) => n,
            _ => {
                return Err(Reply::bad_request(
                    "ErrorInvalidParameter",
                    &format!(
                        "The value '{v}' of parameter '$top' is invalid. It must be a whole number from 1 to {MAX_TOP}."
                    ),
                ))
            }
        },
    };
    let skip = match q.get("$skip") {
        None => 0,
        Some(v) => v.trim().parse::<usize>().map_err(|_| {
            Reply::bad_request(
                "ErrorInvalidParameter",
                &format!("The value '{v}' of parameter '$skip' is invalid. It must be a whole number, 0 or more."),
            )
        })?,
    };
    Ok(Paging { top, skip })
}

/// `$select`: the canonical names of the chosen properties (`None`: all of them). Graph matches names
/// case-insensitively and answers an unknown one with the Outlook REST broker's parse error.
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
pub fn selection(
    q: &Query,
    known: &[&'static str],
    type_name: &str,
) -> Result<Option<Vec<&'static str>>, Reply> {
    let Some(raw) = q.get("$select") else {
        return Ok(None);
    };
    let mut chosen: Vec<&'static str> = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name == "*" {
            return Ok(None);
        }
        let Some(canon) = known.iter().find(|k| k.eq_ignore_ascii_case(name)) else {
            return Err(Reply::bad_request(
                "RequestBroker--ParseUri",
                &format!("Could not find a property named '{name}' on type '{type_name}'."),
            ));
        };
        if !chosen.contains(canon) {
            chosen.push(canon);
        }
    }
    Ok(if chosen.is_empty() {
        None
    } else {
        Some(chosen)
    })
}

/// Keep only the selected properties of an entity. `always` are kept regardless (Graph always returns
/// `id` and `@odata.etag` of an Outlook item).
pub fn project(entity: Value, selection: Option<&[&'static str]>, always: &[&str]) -> Value {
    let (Some(selection), Value::Object(map)) = (selection, &entity) else {
        return entity;
    };
    let kept: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| always.contains(&k.as_str()) || selection.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

/// `$metadata#users('{id}')/messages(subject,from)`: the context URL names the selected properties.
pub fn context(base: &str, entity_set: &str, selection: Option<&[&'static str]>) -> String {
    let mut context = format!("{base}/graph/v1.0/$metadata#{entity_set}");
    if let Some(selection) = selection {
        context.push('(');
        context.push_str(&selection.join(","));
        context.push(')');
    }
    context
}

/// One page of a collection. `path` is the request path under the version root as sent.
pub struct Page<'a> {
    pub base: &'a str,
    pub path: &'a str,
    pub query: &'a Query,
    pub context: String,
    pub paging: Paging,
}

impl Page<'_> {
    /// `items` is the whole (filtered, sorted) collection; the page is cut from it here.
    pub fn render(&self, items: Vec<Value>) -> Value {
        let total = items.len();
        let value: Vec<Value> = items
            .into_iter()
            .skip(self.paging.skip)
            .take(self.paging.top)
            .collect();
        let mut body = json!({
            "@odata.context": self.context,
        });
        if self
            .query
            .get("$count")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            body["@odata.count"] = json!(total);
        }
        body["value"] = Value::Array(value);
        let next = self.paging.skip.saturating_add(self.paging.top);
        if next < total {
            let path = if self.path.starts_with('/') {
                self.path.to_string()
            } else {
                format!("/{}", self.path)
            };
            body["@odata.nextLink"] = json!(format!(
                "{}/graph/v1.0{}?{}",
                self.base,
                path,
                self.query.with_skip(next)
            ));
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_query_keeps_options_and_advances_skip() {
        let q = Query::parse("%24select=subject,from&$top=5&$filter=receivedDateTime+ge+2026-11-01T00:00:00Z&$skip=5");
        assert_eq!(
            q.with_skip(10),
            "%24select=subject%2Cfrom&%24top=5&%24filter=receivedDateTime%20ge%202026-11-01T00%3A00%3A00Z&%24skip=10"
        );
        let q = Query::parse("startDateTime=2026-11-30T00:00:00%2B01:00");
        assert_eq!(
            Query::parse(&q.with_skip(3)).get("startdatetime"),
            Some("2026-11-30T00:00:00+01:00")
        );
    }

    #[test]
    fn paging_bounds() {
        assert_eq!(
            paging(&Query::parse("")).ok(),
            Some(Paging { top: 10, skip: 0 })
        );
        assert_eq!(
            paging(&Query::parse("$top=1000&$skip=3")).ok(),
            Some(Paging { top: 1000, skip: 3 })
        );
        for bad in ["$top=0", "$top=1001", "$top=x", "$skip=-1"] {
            let err = paging(&Query::parse(bad)).err().map(|r| r.body);
            assert_eq!(
                err.map(|b| b["error"]["code"].clone()),
                Some("ErrorInvalidParameter".into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn select_is_case_insensitive_and_checked() {
        let known = ["subject", "receivedDateTime"];
        let q = Query::parse("$select=Subject,RECEIVEDDATETIME,subject");
        assert_eq!(
            selection(&q, &known, "T").ok(),
            Some(Some(vec!["subject", "receivedDateTime"]))
        );
        let err = selection(&Query::parse("$select=subject,nope"), &known, "T")
            .err()
            .map(|r| r.body);
        assert_eq!(
            err.map(|b| b["error"]["message"].clone()),
            Some("Could not find a property named 'nope' on type 'T'.".into())
        );
    }

    #[test]
    fn percent_round_trip() {
        assert_eq!(percent_decode("a%27b%ZZ%2"), "a'b%ZZ%2");
        assert_eq!(percent_encode("AAMk+/=="), "AAMk%2B%2F%3D%3D");
    }
}
