//! Copy files (after a file change): each created, changed or moved file copied — here, into the folder at its
//! path below the watched one (a mirror of what changed: each name made safe, the file whole or not at all,
//! replacing the older copy); or into a drive's folder at the same place below it, as a new version when it is
//! there. A deleted file's copy is kept (Patchbay never deletes what it copied).

use super::{done, failed, graph, parts};
use crate::automations::action::Outcome;
use crate::automations::queue::Pending;
use crate::automations::store::AutomationStore;
use crate::automations::{Automation, Destination, Trigger};
use crate::graph::drive::{Conflict, DrivePath, DriveRef};
use crate::Patchbay;
use std::path::Path;

pub async fn copy(core: &Patchbay, a: &Automation, to: &Destination, p: &Pending) -> Outcome {
    let Trigger::FileChanged { folder, drive, .. } = &a.trigger else {
        return Outcome::failed("Copying goes with a file trigger.".into());
    };
    let item = &p.payload["item"];
    let path = item["path"].as_str().unwrap_or_default();
    match item["change"].as_str().unwrap_or_default() {
        "deleted" => return done(format!("{path} was deleted: its copy is kept")),
        _ if item.get("folder").is_some_and(|f| !f.is_null()) => {
            return done(format!("{path} is a folder: nothing to copy"))
        }
        _ => {}
    }
    let watched = DrivePath::parse(folder).unwrap_or_else(|_| DrivePath::root());
    let source = match graph(core, &a.connection_id).await {
        Ok(g) => g,
        Err(o) => return o,
    };
    let files = crate::files::Files::new(&source, DriveRef::from_option(drive.as_deref()));
    match to {
        Destination::Local { folder: dir } => {
            let Some(target) =
                crate::automations::files::local_target(Path::new(dir), &watched, path)
            else {
                return Outcome::failed(format!("{path} cannot be placed under {dir}."));
            };
            if let Some(parent) = target.parent() {
                if let Err(e) = parts::make_dir(parent) {
                    return Outcome::failed(
                        crate::files::failure::local("make", parent, &e).one_line(),
                    );
                }
            }
            match files
                .download_by_id(
                    &p.item_id,
                    path,
                    crate::files::Sink::File(target.clone()),
                    &crate::files::NoProgress,
                )
                .await
            {
                Ok(_) => done(format!("copied {path} to {}", target.display())),
                Err(e) => failed(core, &a.connection_id, &e),
            }
        }
        Destination::Drive {
            connection_id,
            folder: into,
        } => {
            let Some(relative) = below(&watched, path) else {
                return Outcome::failed(format!("{path} is not under {}.", watched.display()));
            };
            let store = AutomationStore::new(&core.config().data_dir);
            let part = match parts::part_of(&store.folder_of(&a.id), p.key()) {
                Ok(part) => part,
                Err(e) => return Outcome::failed(e.one_line()),
            };
            if let Err(e) = files
                .download_by_id(
                    &p.item_id,
                    path,
                    crate::files::Sink::File(part.clone()),
                    &crate::files::NoProgress,
                )
                .await
            {
                return failed(core, &a.connection_id, &e);
            }
            let target = match graph(core, connection_id).await {
                Ok(g) => g,
                Err(o) => return o,
            };
            let remote = format!("{}/{relative}", into.trim_end_matches('/'));
            if let Some(parent) = DrivePath::parse(&remote).ok().map(|p| p.parent()) {
                if let Err(e) = parts::ensure_folder(&target, &parent).await {
                    return failed(core, connection_id, &e);
                }
            }
            let uploaded = crate::files::Files::new(&target, DriveRef::Me)
                .upload(
                    &part,
                    &remote,
                    Conflict::Replace,
                    &super::upload_options(core),
                    &crate::files::NoProgress,
                )
                .await;
            let _ = std::fs::remove_file(&part);
            match uploaded {
                Ok(_) => done(format!("copied {path} to {remote}")),
                Err(e) => failed(core, connection_id, &e),
            }
        }
    }
}

/// `path`'s part below `watched` (`/Docs/a/b.pdf` below `/Docs` is `a/b.pdf`).
fn below(watched: &DrivePath, path: &str) -> Option<String> {
    let full = DrivePath::parse(path).ok()?;
    if !full.is_within(watched) || full.is_root() {
        return None;
    }
    let skip = watched
        .display()
        .trim_start_matches('/')
        .split('/')
        .filter(|n| !n.is_empty())
        .count();
    Some(
        full.display()
            .trim_start_matches('/')
            .split('/')
            .skip(skip)
            .collect::<Vec<_>>()
            .join("/"),
    )
}
