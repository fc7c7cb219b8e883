//! Pages and order of a listing: `$top`, `$orderby`, and the `$skiptoken` OneDrive puts in its
//! `@odata.nextLink`.

use crate::graph::drive::model::{Drive, Item};
use crate::graph::odata::{percent_encode, Query};
use crate::graph::{GraphRequest, Reply};
use crate::state::AppState;

/// Graph's default page of children.
pub(super) const DEFAULT_PAGE: usize = 200;
pub(super) const MAX_PAGE: usize = 1000;

/// `$orderby` on children: by name (the default), lastModifiedDateTime or size, `asc` or `desc`.
#[allow(clippy::result_large_err)]
pub(super) fn order(q: &Query, list: &mut [&Item], drive: &Drive) -> Result<(), Reply> {
    let Some(raw) = q.get("$orderby") else {
        return Ok(());
    };
    let mut parts = raw.split_whitespace();
    let field = parts.next().unwrap_or("").to_ascii_lowercase();
    let desc = match parts.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(Reply::bad_request(
                "BadRequest",
                &format!("Syntax error: '{other}' is not asc or desc in $orderby."),
            ))
        }
    };
    match field.as_str() {
        "name" => list.sort_by_key(|a| a.name.to_lowercase()),
        "lastmodifieddatetime" => list.sort_by_key(|i| i.modified),
        "size" => list.sort_by_key(|i| drive.size_of(&i.id)),
        "createddatetime" => list.sort_by_key(|i| i.created),
        _ => {
            return Err(Reply::bad_request(
                "invalidRequest",
                &format!("Sorting by '{raw}' is not supported; use name, lastModifiedDateTime, size or createdDateTime."),
            ))
        }
    }
    if desc {
        list.reverse();
    }
    Ok(())
}

/// `$skiptoken` of a children page: OneDrive's opaque `Paged=TRUE&p_Index=N`, base64.
pub(in crate::graph::drive) fn skip_token(index: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Paged=TRUE&p_Index={index}"))
}

pub(in crate::graph::drive) fn read_skip_token(token: &str) -> Option<usize> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim())
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("Paged=TRUE&p_Index=")?
        .parse()
        .ok()
}

/// `$top`: 1 to 1000 (default 200).
#[allow(clippy::result_large_err)]
pub fn top(q: &Query, default: usize) -> Result<usize, Reply> {
    match q.get("$top") {
        None => Ok(default),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            _ => Err(Reply::bad_request(
                "invalidRequest",
                &format!(
                    "Invalid $top value '{v}': it must be a whole number from 1 to {MAX_PAGE}."
                ),
            )),
        },
    }
}

/// The same request with `$skiptoken` set (absolute, as Graph's nextLinks are).
pub(in crate::graph::drive) fn next_link(
    st: &AppState,
    req: &GraphRequest,
    q: &Query,
    index: usize,
) -> String {
    let mut pairs: Vec<String> = url::form_urlencoded::parse(req.query.as_bytes())
        .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
        .map(|(k, v)| format!("{}={}", percent_encode(&k), percent_encode(&v)))
        .collect();
    let _ = q;
    pairs.push(format!("%24skiptoken={}", skip_token(index)));
    format!("{}/graph/v1.0{}?{}", st.base, req.path, pairs.join("&"))
}
