//! Drives and items: `/me/drive` with its quota, `/me/drives`, an item by ID or path, a folder's children
//! (paged by `$top` and `@odata.nextLink`, `$select`, `$orderby`, `$expand=children`), recent files, what
//! others shared, and the writes that are not uploads: folders, sharing links, rename and move, delete.
//!
//! [`read`] answers the GETs and [`write`] the folder, rename, move and delete requests, checked by the
//! [`rules`] every write shares (body, name, conflict, `If-Match`); [`links`] makes and lists sharing links;
//! [`shape`] is how an item reads as JSON (`$select`, download URL, `remoteItem`), and [`paging`] the
//! `$top`, `$orderby` and `$skiptoken` of a listing.

pub mod links;
pub mod paging;
pub mod read;
pub mod rules;
pub mod shape;
pub mod write;

pub use links::{create_link, permissions};
pub use paging::top;
pub(super) use paging::{next_link, read_skip_token};
pub use read::{children, drive, get_item, my_drives, recent, shared_with_me};
pub use rules::{check_name, conflict, free_name, json_body, name_exists, Conflict};
pub use shape::{item_value, project, selection};
pub use write::{create_folder, delete, remove, update};
