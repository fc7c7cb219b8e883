//! Files in OneDrive and SharePoint, for the `patchbay files` commands, the assistant's file tools and the
//! file automations: one API over a connection's Graph ([`ConnectionGraph`]).
//!
//! - [`FileEntry`]: an item as every surface shows it (path from the drive's root, RFC 3339 times); items
//!   Graph sends without a path (search results, business drives' delta) get it resolved ([`entry`]).
//! - [`Files::list`], [`Files::search`] (and [`Files::search_first`], one page), [`Files::item`], and [`drives`]
//!   (the person's drives and the libraries of SharePoint sites).
//! - [`Files::create_folder`] (one folder; one already there is the answer) and [`Files::share_link`] (a
//!   view-only link for the organisation or for anyone).
//! - [`Files::download`]: the bytes streamed to a file (a temp file in the destination folder, renamed when
//!   whole) or to a writer, in flat memory. Graph answers `…/content` with a redirect to a pre-authenticated URL
//!   on another host; that URL is fetched by a client of its own that never carries the token ([`hosts`]).
//! - [`Files::upload`]: one PUT up to [`SIMPLE_LIMIT`], an upload session beyond it, in chunks a multiple of
//!   [`CHUNK_UNIT`] that follow what Graph says it has (`nextExpectedRanges`), resumed across processes from a
//!   private record ([`resume`]).
//!
//! Errors are [`ErrorInfo`]: what happened and what to do, in words.

pub mod browse;
pub mod chunk_body;
pub mod download;
pub mod drives;
pub mod entry;
pub mod failure;
pub mod folder;
pub mod hosts;
pub mod link;
pub mod progress;
pub mod quickxor;
pub mod resume;
pub mod session;
pub mod upload;

pub use download::{Downloaded, Sink};
pub use drives::{drives, DriveEntry};
pub use entry::FileEntry;
pub use link::LinkScope;
pub use progress::{NoProgress, Progress};
pub use upload::UploadOptions;

pub use crate::graph::drive::{Conflict, DrivePath, DriveRef};

use crate::error::ErrorInfo;
use crate::graph::ConnectionGraph;

/// Files up to this size go in one PUT; larger ones through an upload session (Graph's simple upload takes up
/// to 250 MB, but a session survives a dropped connection and shows progress).
pub const SIMPLE_LIMIT: u64 = 4 * 1024 * 1024;
/// An upload session's chunks (all but the last) are a multiple of this many bytes (320 KiB), as Graph requires.
pub const CHUNK_UNIT: u64 = 327_680;
/// The default chunk: 32 × 320 KiB = 10 MiB, the top of Graph's recommended 5–10 MiB.
pub const DEFAULT_CHUNK: u64 = 32 * CHUNK_UNIT;
/// The largest chunk Graph takes (60 MiB).
pub const MAX_CHUNK: u64 = 60 * 1024 * 1024;

/// One drive of one connection: the person's OneDrive ([`DriveRef::Me`]) or a library by id.
pub struct Files<'a> {
    graph: &'a ConnectionGraph,
    drive: DriveRef,
}

impl<'a> Files<'a> {
    pub fn new(graph: &'a ConnectionGraph, drive: DriveRef) -> Self {
        Self { graph, drive }
    }

    pub fn graph(&self) -> &'a ConnectionGraph {
        self.graph
    }

    pub fn drive(&self) -> &DriveRef {
        &self.drive
    }

    /// `text` as a checked path from the drive's root, or why it is not one (in words).
    pub fn path(text: &str) -> Result<DrivePath, ErrorInfo> {
        DrivePath::parse(text).map_err(|e| failure::bad_path(text, &e))
    }
}
