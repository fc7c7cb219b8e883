//! Files, folders, a drive's quota and SharePoint sites as a preview shows them. A file's name is the person's
//! data: it is shown as text, never used as markup or as a path on this computer.

use serde::Serialize;
use ts_rs::TS;

/// A file or folder (the `file` shape of `/work/shared/contracts/onedrive.md`, and what the preview adds to it:
/// who changed it last and a folder's child count).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FileItem {
    pub id: String,
    pub name: String,
    /// From the drive's root (`/Documents/a.pdf`); `None` when Graph did not say (recent files carry no path).
    pub path: Option<String>,
    pub is_folder: bool,
    /// Bytes (a folder's: everything in it).
    #[ts(type = "number | null")]
    pub size: Option<u64>,
    /// RFC 3339 with the preview zone's offset.
    pub modified: Option<String>,
    /// Opens it in OneDrive or SharePoint on the web.
    pub web_url: Option<String>,
    /// Who changed it last (their name, or address when they have none).
    pub modified_by: Option<String>,
    /// A folder's number of children.
    #[ts(type = "number | null")]
    pub child_count: Option<u64>,
    /// The drive it is in, when Graph said.
    pub drive_id: Option<String>,
}

/// A folder's items (or recent files, which are in no one folder), a page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FileList {
    /// The folder listed; `None` for recent files and for a "Load more" page.
    pub folder: Option<FolderRef>,
    pub items: Vec<FileItem>,
    /// Graph's link to the next page ("Load more"), passed back as given.
    pub next_link: Option<String>,
}

/// A folder by drive and path, with the way back to the drive's root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FolderRef {
    /// A document library's drive id; `None`: the person's own OneDrive.
    pub drive: Option<String>,
    /// `/Documents/Invoices` (`/` for the root).
    pub path: String,
    /// The folder's own name; `None` for a drive's root.
    pub name: Option<String>,
    /// The folder it is in (`None` at the root): where Back goes.
    pub parent: Option<String>,
    /// Each folder from the root down to this one, for a breadcrumb (empty at the root).
    pub crumbs: Vec<Crumb>,
}

/// One step of a breadcrumb.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Crumb {
    pub name: String,
    pub path: String,
}

/// How full a drive is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DriveQuota {
    /// Bytes used, of `total`.
    #[ts(type = "number | null")]
    pub used: Option<u64>,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
    #[ts(type = "number | null")]
    pub remaining: Option<u64>,
    /// Bytes in the recycle bin (counted in `used`).
    #[ts(type = "number | null")]
    pub deleted: Option<u64>,
    /// Graph's word: `normal`, `nearing` (over 90 %), `critical` (over 99 %), `exceeded`.
    pub state: Option<String>,
    /// `personal`, `business`, `documentLibrary`.
    pub drive_type: Option<String>,
    pub web_url: Option<String>,
}

/// A SharePoint site the person follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SiteItem {
    pub id: String,
    /// Its display name (or its URL name when it has none).
    pub name: Option<String>,
    pub web_url: Option<String>,
}

/// A document library of a site: a drive to browse like the person's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Library {
    /// The drive id (pass it to browse the library).
    pub id: String,
    pub name: Option<String>,
    pub web_url: Option<String>,
    /// `documentLibrary`, usually.
    pub drive_type: Option<String>,
}
