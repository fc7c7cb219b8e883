//! `GET …/root/search(q='…')` and `/me/drive/search(q='…')`: items below the folder whose name or text matches
//! every word of `q`, case-insensitively. The string is an OData literal, so a quote inside it is written twice
//! (`q='it''s'`); a lone quote is a syntax error, as Graph answers it. Business drives give each result's parent
//! as drive and ID only (no path), personal drives its path too.

use serde_json::{json, Value};

use super::items::{item_value, next_link, project, read_skip_token, selection, top};
use super::model::{Blob, Drive, Item};
use super::{bad, context, files, item_not_found, locate, Access, DriveSel, ItemAddr};
use crate::graph::odata::Query;
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::AppState;

/// Files larger than this are matched by name only.
const TEXT_LIMIT: u64 = 1 << 20;

fn text_of(item: &Item) -> String {
    let Some(file) = &item.file else {
        return String::new();
    };
    let bytes = match &file.blob {
        Blob::Mem(b) => b.to_vec(),
        Blob::Disk(path) if file.size <= TEXT_LIMIT => std::fs::read(path).unwrap_or_default(),
        Blob::Disk(_) => Vec::new(),
    };
    String::from_utf8_lossy(&bytes).to_lowercase()
}

fn matches(drive: &Drive, item: &Item, words: &[String]) -> bool {
    let _ = drive;
    let name = item.name.to_lowercase();
    let mut text: Option<String> = None;
    words.iter().all(|w| {
        name.contains(w.as_str())
            || text
                .get_or_insert_with(|| text_of(item))
                .contains(w.as_str())
    })
}

pub fn search(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    sel: &DriveSel,
    addr: Option<&ItemAddr>,
    q: &str,
) -> Reply {
    let query = Query::parse(req.query);
    let chosen = match selection(&query) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let size = match top(&query, 200) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let offset = match query.get("$skiptoken") {
        None => 0,
        Some(t) => match read_skip_token(t) {
            Some(n) => n,
            None => return bad("The $skiptoken is not valid."),
        },
    };
    let root = ItemAddr {
        root: true,
        id: String::new(),
        path: Vec::new(),
    };
    let inner = files(st);
    let (drive_id, folder, via) =
        match locate(&inner, caller, sel, addr.unwrap_or(&root), Access::Read) {
            Ok(l) => l,
            Err(r) => return r,
        };
    let (Some(drive), key) = (inner.files.drive(&drive_id), &inner.files.key) else {
        return item_not_found();
    };
    let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
    let mut found: Vec<&Item> = drive
        .items
        .values()
        .filter(|i| i.id != folder && i.parent.is_some() && drive.is_within(&i.id, &folder))
        .filter(|i| matches(drive, i, &words))
        .collect();
    found.sort_by_key(|i| i.order);
    let total = found.len();
    let value: Vec<Value> = found
        .into_iter()
        .skip(offset)
        .take(size)
        .map(|i| {
            let mut v = drive.search_json(i, via);
            if let Some(url) =
                item_value(st, key, drive, i, via).get("@microsoft.graph.downloadUrl")
            {
                v["@microsoft.graph.downloadUrl"] = url.clone();
            }
            project(v, chosen.as_deref())
        })
        .collect();
    let mut body = json!({
        "@odata.context": context(st, "Collection(driveItem)"),
        "value": value,
    });
    if offset + size < total {
        body["@odata.nextLink"] = json!(next_link(st, req, &query, offset + size));
    }
    Reply::ok(body)
}
