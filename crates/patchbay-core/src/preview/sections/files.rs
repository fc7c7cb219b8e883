//! `recent_files` and `drive_root`: files the person opened or changed lately, and their OneDrive's top folder
//! (then any folder of it, or of a document library, through [`crate::preview::Previews::browse_files`]).

use super::{once_each, Ask, Read, Source};
use crate::catalogue::SectionKind;
use crate::graph::drive::{DriveItem, DrivePath, DriveRef};
use crate::graph::zone::Zone;
use crate::graph::{GraphError, Page, RawResponse, Request};
use crate::preview::convert;
use crate::preview::model::{Crumb, FileItem, FileList, FolderRef, SectionContent};
use jiff::Timestamp;

/// Items of a folder per page ("Load more" brings the next).
pub(crate) const FILES_PAGE: u32 = 50;
/// Recent files shown (Graph may answer more than asked for).
const RECENT: usize = 10;

pub(crate) struct RecentFiles;

impl Source for RecentFiles {
    fn kind(&self) -> SectionKind {
        SectionKind::Files
    }

    fn subject(&self) -> &'static str {
        "The list of recent files"
    }

    fn request(&self, ask: &Ask<'_>) -> Request {
        ask.graph.drive(&DriveRef::Me).recent(RECENT as u32)
    }

    fn read(&self, answer: RawResponse, read: &Read<'_>) -> Result<SectionContent, GraphError> {
        let page: Page<DriveItem> = answer.json()?;
        let mut list = file_list(page, None, read.zone);
        list.items.truncate(RECENT);
        Ok(SectionContent::Files(list))
    }
}

pub(crate) struct DriveRoot;

impl Source for DriveRoot {
    fn kind(&self) -> SectionKind {
        SectionKind::Files
    }

    fn subject(&self) -> &'static str {
        "Your OneDrive"
    }

    fn request(&self, ask: &Ask<'_>) -> Request {
        ask.graph
            .drive(&DriveRef::Me)
            .children(&DrivePath::root(), FILES_PAGE)
    }

    fn read(&self, answer: RawResponse, read: &Read<'_>) -> Result<SectionContent, GraphError> {
        // The first answer is the root's; a "Load more" page is of whichever folder was shown (its items say).
        let page: Page<DriveItem> = answer.json()?;
        let folder = read.first.then(|| folder_ref(None, &DrivePath::root()));
        Ok(SectionContent::Files(file_list(page, folder, read.zone)))
    }
}

/// A page of items as the preview shows them, in `folder` when it is known.
pub(crate) fn file_list(page: Page<DriveItem>, folder: Option<FolderRef>, zone: &Zone) -> FileList {
    let within = folder.as_ref().and_then(|f| DrivePath::parse(&f.path).ok());
    FileList {
        items: once_each(
            page.value
                .into_iter()
                .map(|item| file_item(item, within.as_ref(), zone))
                .collect(),
            |f| &f.id,
        ),
        folder,
        next_link: page.next_link,
    }
}

/// `drive`'s folder at `path`, with the way back up.
pub(crate) fn folder_ref(drive: Option<&str>, path: &DrivePath) -> FolderRef {
    let mut crumbs = Vec::new();
    let mut at = DrivePath::root();
    for name in path.display().split('/').filter(|n| !n.is_empty()) {
        // Each name of a checked path joins again: it has no '/', '.' or '..' in it.
        at = at.join(name).unwrap_or_else(|_| at.clone());
        crumbs.push(Crumb {
            name: name.to_string(),
            path: at.display(),
        });
    }
    FolderRef {
        drive: drive.map(str::to_string),
        path: path.display(),
        name: path.name().map(str::to_string),
        parent: (!path.is_root()).then(|| path.parent().display()),
        crumbs,
    }
}

/// An item; its path from its parent's when Graph gave it, else from the folder listed (`within`).
pub(crate) fn file_item(item: DriveItem, within: Option<&DrivePath>, zone: &Zone) -> FileItem {
    let path = item.path().or_else(|| {
        let name = item.name.as_deref()?;
        within?.join(name).ok().map(|p| p.display())
    });
    let modified = item
        .last_modified_date_time
        .as_deref()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| convert::rfc3339(&t.to_zoned_datetime(zone.tz.clone())));
    let who = item.last_modified_by.as_ref().and_then(|b| b.user.as_ref());
    let modified_by = who
        .and_then(|u| u.display_name.clone())
        .filter(|n| !n.trim().is_empty())
        .or_else(|| who.and_then(|u| u.email.clone()));
    FileItem {
        is_folder: item.is_folder(),
        child_count: item.folder.as_ref().and_then(|f| f.child_count),
        drive_id: item
            .parent_reference
            .as_ref()
            .and_then(|p| p.drive_id.clone()),
        name: item.name.unwrap_or_default(),
        size: item.size,
        web_url: item.web_url.filter(|u| !u.trim().is_empty()),
        id: item.id,
        path,
        modified,
        modified_by,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::zone;

    #[test]
    fn items_take_their_path_from_the_parent_or_the_folder_and_times_move_into_the_zone() {
        let berlin = zone::resolve("Europe/Berlin").unwrap();
        let item: DriveItem = serde_json::from_value(serde_json::json!({
            "id": "1", "name": "<b>Q3</b>.pdf", "size": 1234,
            "lastModifiedDateTime": "2026-01-05T08:00:00Z",
            "lastModifiedBy": {"user": {"displayName": "Megan Bowen"}},
            "parentReference": {"driveId": "d1", "path": "/drive/root:/Documents"},
            "file": {}
        }))
        .unwrap();
        let f = file_item(item, None, &berlin);
        assert_eq!(f.path.as_deref(), Some("/Documents/<b>Q3</b>.pdf"));
        assert_eq!(f.name, "<b>Q3</b>.pdf");
        assert_eq!(f.modified.as_deref(), Some("2026-01-05T09:00:00+01:00"));
        assert_eq!(f.modified_by.as_deref(), Some("Megan Bowen"));
        assert!(!f.is_folder);

        let bare: DriveItem = serde_json::from_value(serde_json::json!({
            "id": "2", "name": "2026", "folder": {"childCount": 6}
        }))
        .unwrap();
        let within = DrivePath::parse("/Documents/Invoices").unwrap();
        let f = file_item(bare, Some(&within), &berlin);
        assert_eq!(f.path.as_deref(), Some("/Documents/Invoices/2026"));
        assert_eq!(f.child_count, Some(6));
        assert!(f.is_folder);
    }

    #[test]
    fn a_folder_knows_its_way_back_to_the_root() {
        let f = folder_ref(None, &DrivePath::parse("/Documents/Invoices/2026").unwrap());
        assert_eq!(f.path, "/Documents/Invoices/2026");
        assert_eq!(f.name.as_deref(), Some("2026"));
        assert_eq!(f.parent.as_deref(), Some("/Documents/Invoices"));
        let paths: Vec<&str> = f.crumbs.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/Documents",
                "/Documents/Invoices",
                "/Documents/Invoices/2026"
            ]
        );
        let root = folder_ref(Some("b!x"), &DrivePath::root());
        assert_eq!((root.parent, root.name), (None, None));
        assert!(root.crumbs.is_empty());
        assert_eq!(root.drive.as_deref(), Some("b!x"));
    }
}
