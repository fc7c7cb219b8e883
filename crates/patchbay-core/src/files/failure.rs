//! What went wrong with a file, in words: Graph's answers named by what the person asked for (the path, the
//! drive), and failures on this computer (a folder that cannot be written, a file that changed while it was
//! read). Graph's own code and message go in the detail.

use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::drive::{DriveItem, PathError};
use crate::graph::session::graph_error_info;
use crate::graph::{GraphErrorBody, RawResponse};
use std::path::Path;

/// A path that cannot name an item.
pub fn bad_path(text: &str, e: &PathError) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        format!("{text:?} is not a path in a drive: {e}."),
        "Write it from the drive's root, e.g. /Documents/report.pdf, without \".\" or \"..\".",
    )
}

/// Graph's code and message, and its request id, for the detail.
fn detail(response: &RawResponse) -> String {
    let body = GraphErrorBody::parse(
        response.status,
        &response.body,
        response.header("request-id"),
    );
    let mut d = format!("HTTP {}: {}", response.status, body.summary());
    if let Some(id) = &body.request_id {
        d.push_str(&format!(" (request-id {id})"));
    }
    d
}

fn code_of(response: &RawResponse) -> String {
    GraphErrorBody::parse(response.status, &response.body, None).code
}

/// A failed answer about the item at `path` (`/Documents/a.pdf`), in words.
pub fn about(response: &RawResponse, path: &str) -> ErrorInfo {
    let info = match response.status {
        404 => ErrorInfo::new(
            ErrorCode::NotFound,
            format!("There is no {path} in this drive."),
            "Check the path (names are from the drive's root, e.g. /Documents/a.pdf) by listing its folder.",
        ),
        409 => ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("{path} already exists, and this upload was told not to replace it."),
            "Choose to replace it (a new version) or to rename the new file (Graph then names it \"name 1.ext\").",
        ),
        403 => ErrorInfo::new(
            ErrorCode::InvalidScope,
            format!("Microsoft refused access to {path}: this connection lacks a permission it needs."),
            "Sign in again (Fix) granting the files permissions, or ask the file's owner for access.",
        ),
        507 => ErrorInfo::new(
            ErrorCode::ProviderError,
            "The drive is full: Microsoft refused the file for lack of space.",
            "Free some space in the drive (or its recycle bin), then try again.",
        ),
        423 => ErrorInfo::new(
            ErrorCode::ProviderError,
            format!("{path} is locked (checked out, or open for editing elsewhere)."),
            "Close it or check it in, then try again.",
        ),
        400 if code_of(response).eq_ignore_ascii_case("nameAlreadyExists") => return already(path, response),
        400 => ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("Microsoft refused the request for {path}: {}", said(response)),
            "Change what it names; names may not hold \" * : < > ? / \\ |.",
        ),
        _ => match response.error() {
            Some(e) => return graph_error_info(&e),
            None => ErrorInfo::new(
                ErrorCode::ProviderError,
                format!("Microsoft answered HTTP {} for {path}.", response.status),
                "Try again; if it persists, report it.",
            ),
        },
    };
    info.with_detail(detail(response))
}

/// Graph's own message, as a sentence ("(no message)" when it gave none).
fn said(response: &RawResponse) -> String {
    let body = GraphErrorBody::parse(response.status, &response.body, None);
    let message = body.message.trim().trim_end_matches('.');
    if message.is_empty() {
        "it gave no reason.".into()
    } else {
        format!("\"{}.\"", message.chars().take(300).collect::<String>())
    }
}

/// A path that names a file where a folder is wanted.
pub fn not_a_folder(path: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        format!("{path} is a file, not a folder."),
        "List its folder instead, or download the file.",
    )
}

/// A sharing link Microsoft would not make (a scope the drive or the organisation does not allow, or a
/// permission the connection lacks).
pub fn link_refused(response: &RawResponse, path: &str, who: &str) -> ErrorInfo {
    let message = if response.status == 403 {
        "The organisation may not allow such links, or this connection lacks Files.ReadWrite: try the other scope, \
         or ask the person to share it from OneDrive."
    } else {
        "Links for people in the organisation exist only on work or school drives; an organisation may turn off \
         links for anyone. Try the other scope, or ask the person to share it from OneDrive."
    };
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        format!(
            "Microsoft would not make a link to {path} for {who}: {}",
            said(response)
        ),
        message,
    )
    .with_detail(detail(response))
}

/// A path that names a folder where a file is wanted.
pub fn not_a_file(path: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        format!("{path} is a folder, not a file: only files can be downloaded."),
        "List it to see its files, and download them one by one.",
    )
}

/// A search Graph refused.
pub fn search(response: &RawResponse, query: &str) -> ErrorInfo {
    let info = match response.status {
        404 => ErrorInfo::new(
            ErrorCode::NotFound,
            format!("The search for {query:?} found no drive to search."),
            "Check the drive's id (the person's drives and the sites' libraries are listed with their ids).",
        ),
        400 => ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("Microsoft refused the search for {query:?}: {}", said(response)),
            "Search for plain words.",
        ),
        _ => match response.error() {
            Some(e) => return graph_error_info(&e),
            None => ErrorInfo::new(
                ErrorCode::ProviderError,
                format!("Microsoft answered HTTP {} to the search.", response.status),
                "Try again.",
            ),
        },
    };
    info.with_detail(detail(response))
}

/// 409 from an upload: the name is taken.
pub fn already(path: &str, response: &RawResponse) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        format!("{path} already exists, and this upload was told not to replace it."),
        "Choose to replace it (a new version) or to rename the new file (Graph then names it \"name 1.ext\").",
    )
    .with_detail(detail(response))
}

/// An upload-host answer that ends the upload, in words (never the upload URL: it is the upload's credential).
pub fn upload_refused(response: &RawResponse, path: &str) -> ErrorInfo {
    let info = match response.status {
        409 if GraphErrorBody::parse(409, &response.body, None)
            .code
            .eq_ignore_ascii_case("nameAlreadyExists") =>
        {
            return already(path, response)
        }
        409 => ErrorInfo::new(
            ErrorCode::ProviderError,
            format!(
                "Microsoft is still taking an earlier piece of {path} and refused the next one."
            ),
            "Try again in a minute: the same command resumes where it stopped.",
        ),
        413 => ErrorInfo::new(
            ErrorCode::ProviderError,
            format!("Microsoft refused a piece of {path} as too large."),
            "Upload with smaller chunks (at most 60 MiB, a multiple of 320 KiB).",
        ),
        400 => ErrorInfo::new(
            ErrorCode::ProviderError,
            format!(
                "Microsoft refused a piece of {path}, and the upload stopped: {}",
                said(response)
            ),
            "Try again: a new upload starts; if it persists, report it.",
        ),
        401 | 403 => ErrorInfo::new(
            ErrorCode::ProviderError,
            format!("The upload of {path} was refused: its upload address is no longer accepted."),
            "Try again: a new upload starts.",
        ),
        507 => ErrorInfo::new(
            ErrorCode::ProviderError,
            "The drive is full: Microsoft refused the file for lack of space.",
            "Free some space in the drive (or its recycle bin), then try again.",
        ),
        s => ErrorInfo::new(
            ErrorCode::ProviderError,
            format!("Microsoft answered HTTP {s} to a piece of {path}, and the upload stopped."),
            "Try again: the same command resumes where it stopped.",
        ),
    };
    info.with_detail(detail(response))
}

/// A download-host answer that is not the bytes.
pub fn download_refused(status: u16, path: &str, body: &[u8]) -> ErrorInfo {
    let body = GraphErrorBody::parse(status, body, None);
    let (code, title, message) = match status {
        401 | 403 => (
            ErrorCode::ProviderError,
            format!("The download address of {path} was refused (it may have expired)."),
            "Try again: a new address is asked for each download.",
        ),
        404 | 410 => (
            ErrorCode::NotFound,
            format!("{path} is gone from the download host (deleted or moved meanwhile)."),
            "List its folder to see what is there now.",
        ),
        _ => (
            ErrorCode::ProviderError,
            format!("The download of {path} failed: the file's host answered HTTP {status}."),
            "Try again in a few minutes.",
        ),
    };
    ErrorInfo::new(code, title, message).with_detail(format!("HTTP {status}: {}", body.summary()))
}

/// A transfer that lost its connection (or timed out), said without the URL (an upload or download address
/// is a credential).
pub fn transfer_network(what: &str, e: reqwest::Error) -> ErrorInfo {
    let why = if e.is_timeout() {
        "it stopped answering"
    } else if e.is_connect() {
        "it could not be reached"
    } else {
        "the connection broke"
    };
    let clean = crate::oauth::discovery::describe_reqwest_error(&e.without_url());
    ErrorInfo::new(
        ErrorCode::NetworkUnreachable,
        format!("The {what} failed: {why}."),
        "Check this computer's internet connection, then run it again.",
    )
    .with_detail(clean)
}

/// A download redirected somewhere Patchbay does not go.
pub fn unsafe_redirect(path: &str, scheme: &str, host: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::ProviderError,
        format!(
            "Microsoft sent the download of {path} to {scheme}://{host}, which is neither https nor this computer: \
             Patchbay did not follow it, and nothing was sent there."
        ),
        "This is not how Microsoft Graph answers; check the connection's Graph URL, and report it if it persists.",
    )
}

/// A local file or folder that could not be read or written.
pub fn local(what: &str, path: &Path, e: &std::io::Error) -> ErrorInfo {
    let message = match e.kind() {
        std::io::ErrorKind::NotFound => "Check the path: it does not exist.",
        std::io::ErrorKind::PermissionDenied => "Check its permissions: this user may not do that.",
        std::io::ErrorKind::StorageFull => "Free some space on this computer, then try again.",
        _ => "Check the path and the disk, then try again.",
    };
    ErrorInfo::new(
        ErrorCode::Storage,
        format!("Could not {what} {}.", path.display()),
        message,
    )
    .with_detail(e.to_string())
}

/// An item Graph sent without a path that could not be resolved.
pub fn no_path(item: &DriveItem) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::ProviderError,
        format!(
            "Microsoft sent the item {} without its folder, and it could not be looked up.",
            item.name.as_deref().unwrap_or(&item.id)
        ),
        "Try again; if it persists, report it.",
    )
}
