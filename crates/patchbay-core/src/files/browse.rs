//! A folder's children (every page) and search, as [`FileEntry`]s.

use super::entry::FileEntry;
use super::{failure, Files};
use crate::error::ErrorInfo;
use crate::graph::drive::{DriveItem, DrivePath};
use crate::graph::{Collected, Page};

/// Children asked per page (Graph's pages go up to 1,000 for drives; 200 keeps each answer small).
const PAGE: u32 = 200;
/// Search results asked per page.
const SEARCH_PAGE: u32 = 200;

impl Files<'_> {
    /// The item at `path`.
    pub async fn item(&self, path: &DrivePath) -> Result<FileEntry, ErrorInfo> {
        self.item_with_type(path).await.map(|(entry, _)| entry)
    }

    /// The item at `path` and the content type Graph gives it (`file.mimeType`; `None` for a folder).
    pub async fn item_with_type(
        &self,
        path: &DrivePath,
    ) -> Result<(FileEntry, Option<String>), ErrorInfo> {
        let request = self.graph.graph().drive(&self.drive).item(path);
        let response = self
            .graph
            .send(&request)
            .await
            .map_err(|e| e.to_error_info())?;
        if !response.is_success() {
            return Err(failure::about(&response, &path.display()));
        }
        let item: DriveItem = response
            .json()
            .map_err(|e| crate::graph::session::graph_error_info(&e))?;
        let content_type = item.file.as_ref().and_then(|f| f.mime_type.clone());
        // Asked by path: where it is, is known even when Graph leaves the parent's path out.
        let entry = FileEntry::from_item(&item)
            .unwrap_or_else(|| FileEntry::with_path(&item, path.display()));
        Ok((entry, content_type))
    }

    /// The children of the folder at `path`, by name, every page. A file's path is refused in words.
    pub async fn list(&self, path: &DrivePath) -> Result<Vec<FileEntry>, ErrorInfo> {
        let request = self.graph.graph().drive(&self.drive).children(path, PAGE);
        let items = match self.graph.pages(&request).await? {
            Collected::Items(items) => items,
            Collected::Failed(response) => return Err(failure::about(&response, &path.display())),
        };
        let items = decode(items)?;
        if items.is_empty() && !path.is_root() {
            // Graph answers a file's children with an empty list: say it is a file rather than "empty".
            let entry = self.item(path).await?;
            if !entry.is_folder {
                return Err(failure::not_a_folder(&entry.path));
            }
        }
        // Graph's own spelling of the folder when it gives it; the children of a folder asked by path are in
        // it otherwise.
        let folder = path.display();
        Ok(items
            .iter()
            .map(|item| {
                FileEntry::from_item(item).unwrap_or_else(|| {
                    let name = item.name.clone().unwrap_or_default();
                    FileEntry::with_path(item, super::entry::join(&folder, &name))
                })
            })
            .collect())
    }

    /// Items whose name or content matches `query` anywhere in the drive (`search(q='…')`, a `'` doubled), every
    /// page, each with its path.
    pub async fn search(&self, query: &str) -> Result<Vec<FileEntry>, ErrorInfo> {
        let request = self
            .graph
            .graph()
            .drive(&self.drive)
            .search(query, SEARCH_PAGE);
        let items = match self.graph.pages(&request).await? {
            Collected::Items(items) => items,
            Collected::Failed(response) => return Err(failure::search(&response, query)),
        };
        self.entries(decode(items)?).await
    }

    /// The first `top` items whose name or content matches `query` (one request), each with its path, and
    /// whether Graph has more.
    pub async fn search_first(
        &self,
        query: &str,
        top: u32,
    ) -> Result<(Vec<FileEntry>, bool), ErrorInfo> {
        let request = self.graph.graph().drive(&self.drive).search(query, top);
        let response = self
            .graph
            .send(&request)
            .await
            .map_err(|e| e.to_error_info())?;
        if !response.is_success() {
            return Err(failure::search(&response, query));
        }
        let page: Page<serde_json::Value> = response
            .json()
            .map_err(|e| crate::graph::session::graph_error_info(&e))?;
        let more = page.next_link.is_some();
        let mut items = decode(page.value)?;
        // A server that ignores `$top` is not followed further than asked.
        let over = items.len() > top as usize;
        items.truncate(top as usize);
        Ok((self.entries(items).await?, more || over))
    }
}

fn decode(values: Vec<serde_json::Value>) -> Result<Vec<DriveItem>, ErrorInfo> {
    values
        .into_iter()
        .map(|v| {
            serde_json::from_value(v).map_err(|e| {
                crate::graph::session::graph_error_info(&crate::graph::GraphError::Decode(
                    e.to_string(),
                ))
            })
        })
        .collect()
}
