//! New folders: one folder in a folder that exists (Graph's `POST …/children` with `"folder": {}`), refusing to
//! replace anything; a folder already there is the answer itself, so making one twice is harmless.

use super::entry::FileEntry;
use super::{failure, Files};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::drive::{Conflict, DriveItem, DrivePath};
use crate::graph::GraphErrorBody;

impl Files<'_> {
    /// The folder at `path`, made in its parent (which must exist). A folder already there is returned as it
    /// is; a file of that name is refused in words.
    pub async fn create_folder(&self, path: &DrivePath) -> Result<FileEntry, ErrorInfo> {
        let Some(name) = path.name() else {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                "The drive's root always exists: there is no folder to make.",
                "Give the new folder's path, e.g. /Documents/Reports.",
            ));
        };
        let parent = path.parent();
        let request =
            self.graph
                .graph()
                .drive(&self.drive)
                .create_folder(&parent, name, Conflict::Fail);
        let response = self
            .graph
            .send(&request)
            .await
            .map_err(|e| e.to_error_info())?;
        let shown = path.display();
        if response.is_success() {
            let item: DriveItem = response
                .json()
                .map_err(|e| crate::graph::session::graph_error_info(&e))?;
            return Ok(
                FileEntry::from_item(&item).unwrap_or_else(|| FileEntry::with_path(&item, shown))
            );
        }
        let taken = response.status == 409
            || GraphErrorBody::parse(response.status, &response.body, None)
                .code
                .eq_ignore_ascii_case("nameAlreadyExists");
        if taken {
            let existing = self.item(path).await?;
            if existing.is_folder {
                return Ok(existing);
            }
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                format!("{shown} is a file: no folder of that name can be made beside it."),
                "Choose another name for the folder.",
            ));
        }
        if response.status == 404 {
            let folder = parent.display();
            return Err(ErrorInfo::new(
                ErrorCode::NotFound,
                format!("There is no folder {folder} in this drive to make {name} in."),
                format!(
                    "Make {folder} first (one folder at a time), or check the path by listing the folder above it."
                ),
            ));
        }
        Err(failure::about(&response, &shown))
    }
}
