//! Browsing from a files preview: any folder of the person's OneDrive or of a document library, a page at a time,
//! and the libraries of a SharePoint site the person follows.

use super::sections::{file_list, folder_ref, library, FILES_PAGE};
use super::{FileList, Library, Previews};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::drive::{DriveInfo, DriveItem, DrivePath, DriveRef, Sites};
use crate::graph::session;
use crate::graph::{ConnectionGraph, GraphError, Page, Request};

impl Previews {
    /// The folder at `path` (from the drive's root: `/Documents/Invoices`) of `drive` (a library's id; `None`:
    /// the person's own OneDrive): its first page of items, and the way back up.
    pub async fn browse_files(
        &self,
        id: &str,
        drive: Option<&str>,
        path: &str,
    ) -> Result<FileList, ErrorInfo> {
        let folder = DrivePath::parse(path).map_err(|e| {
            ErrorInfo::new(
                ErrorCode::InvalidInput,
                "That folder cannot be opened.",
                "Go back to the drive's top folder and open it from there.",
            )
            .with_detail(e.to_string())
        })?;
        let drive = DriveRef::from_option(drive);
        let drive_id = match &drive {
            DriveRef::Me => None,
            DriveRef::Id(d) => Some(d.as_str()),
        };
        let connection = self.tokens.graph(id).await?;
        let request = connection
            .graph()
            .drive(&drive)
            .children(&folder, FILES_PAGE);
        let page: Page<DriveItem> = get(&connection, &request).await?;
        Ok(file_list(
            page,
            Some(folder_ref(drive_id, &folder)),
            &self.preview_zone_of(id),
        ))
    }

    /// The next page of a folder shown by [`Previews::browse_files`], from Graph's `@odata.nextLink` as given.
    pub async fn more_files(&self, id: &str, next_link: &str) -> Result<FileList, ErrorInfo> {
        let connection = self.tokens.graph(id).await?;
        let answer = connection
            .follow(next_link, &Request::get(""))
            .await
            .map_err(|e| e.to_error_info())?;
        let page: Page<DriveItem> = answer.json().map_err(|e| session::graph_error_info(&e))?;
        Ok(file_list(page, None, &self.preview_zone_of(id)))
    }

    /// The document libraries of site `site_id` (one the person follows), to browse like their own OneDrive.
    pub async fn site_libraries(&self, id: &str, site_id: &str) -> Result<Vec<Library>, ErrorInfo> {
        let connection = self.tokens.graph(id).await?;
        let page: Page<DriveInfo> = get(&connection, &Sites::drives(site_id)).await?;
        Ok(page.value.into_iter().map(library).collect())
    }
}

/// `request`'s answer, or its failure in words (a folder gone since the preview loaded says so).
async fn get<T: serde::de::DeserializeOwned>(
    connection: &ConnectionGraph,
    request: &Request,
) -> Result<T, ErrorInfo> {
    let answer = connection
        .send(request)
        .await
        .map_err(|e| e.to_error_info())?;
    answer.json().map_err(|e| {
        let info = session::graph_error_info(&e);
        match e {
            GraphError::Other { status: 404, .. } => ErrorInfo {
                detail: info.detail,
                ..ErrorInfo::new(
                    ErrorCode::InvalidInput,
                    "That folder or site is no longer there.",
                    "It was moved or deleted since the preview loaded. Refresh the preview.",
                )
            },
            _ => info,
        }
    })
}
