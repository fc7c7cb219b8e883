//! Putting a file into a drive: a new item under its folders (made as needed), by the conflict behaviour, or
//! new bytes for an existing file.

use jiff::Timestamp;

use crate::graph::drive::bad;
use crate::graph::drive::data::folders;
use crate::graph::drive::items::{check_name, free_name, name_exists, Conflict};
use crate::graph::drive::model::{Drive, FileBody, Who};
use crate::graph::drive::store::{discard, new_item};
use crate::graph::Reply;

/// Put a file into a drive: under `start`/`path` (folders made as needed) as `name`, by `behaviour`. The item's
/// ID and whether it is new (201) rather than replaced (200). Logged for delta.
#[allow(clippy::result_large_err, clippy::too_many_arguments)]
pub fn place(
    drive: &mut Drive,
    start: &str,
    path: &[String],
    name: &str,
    body: FileBody,
    behaviour: Conflict,
    who: &Who,
    when: Timestamp,
) -> Result<(String, bool), Reply> {
    if let Err(r) = check_name(name) {
        discard(&body);
        return Err(r);
    }
    // A file in the way of a folder to make, or a file as the parent: not a folder.
    let mut at = start.to_string();
    for segment in path {
        match drive.child_named(&at, segment) {
            Some(existing) if existing.is_folder() => at = existing.id.clone(),
            Some(_) => {
                discard(&body);
                return Err(bad(&format!("'{segment}' is a file, not a folder.")));
            }
            None => break,
        }
    }
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    let (parent, made) = folders(drive, start, &refs, who, when);
    for id in &made {
        drive.record(id);
    }
    let mut name = name.to_string();
    if let Some(existing) = drive.child_named(&parent, &name).cloned() {
        match behaviour {
            Conflict::Fail => {
                discard(&body);
                return Err(name_exists());
            }
            Conflict::Rename => name = free_name(drive, &parent, &name),
            Conflict::Replace if existing.is_folder() => {
                discard(&body);
                return Err(name_exists());
            }
            Conflict::Replace => {
                replace_content(drive, &existing.id, body, who, when);
                return Ok((existing.id, false));
            }
        }
    }
    let mut body = body;
    body.mime = crate::graph::drive::formats::mime_type(&name).to_string();
    let item = new_item(drive, &parent, &name, Some(body), who, when);
    let id = item.id.clone();
    drive.items.insert(id.clone(), item);
    drive.record(&id);
    Ok((id, true))
}

/// New bytes for an existing file: new eTag and cTag, hashes and size; the old bytes are dropped.
pub fn replace_content(
    drive: &mut Drive,
    id: &str,
    mut body: FileBody,
    who: &Who,
    when: Timestamp,
) {
    if let Some(item) = drive.items.get_mut(id) {
        body.mime = crate::graph::drive::formats::mime_type(&item.name).to_string();
        if let Some(old) = item.file.replace(body) {
            discard(&old);
        }
        item.etag += 1;
        item.ctag += 1;
        item.modified = when;
        item.content_modified = when;
        item.modified_by = who.clone();
    }
    drive.record(id);
}
