//! `GET /me/mailFolders` (the folders at the top of the mailbox), `GET /me/mailFolders/{folder}` (by ID or by
//! well-known name: `inbox`, `sentitems`, `msgfolderroot`, …) and `GET /me/mailFolders/{folder}/childFolders`,
//! as Graph's `mailFolder`: `id`, `displayName`, `parentFolderId`, `childFolderCount`, `unreadItemCount`,
//! `totalItemCount`, `isHidden`.
//!
//! Every demo mailbox has Exchange's default folders, all at the top (under "Top of Information Store", the
//! well-known `msgfolderroot`) and none with folders of its own. The generated mail is in the Inbox; messages
//! moved elsewhere (`POST /me/messages/{id}/move`) are in their folder, and each folder's counts are those of its
//! messages. Hidden folders are listed only with `includeHiddenFolders=true`, as Graph does.

use serde_json::{json, Value};

use super::odata::{self, Page, Query};
use super::{access_denied, ids, Caller, GraphRequest, Reply};
use crate::state::{AppState, DemoUser};

/// Any of these lets a token read mail folders (as for messages: "least privileged or higher").
const READ_MAIL: &[&str] = &["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"];

/// The type name Graph's `$select` errors use.
const TYPE_NAME: &str = "Microsoft.OutlookServices.MailFolder";

/// The properties of a folder as served (Graph's v1.0 default set), for `$select`.
const PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "parentFolderId",
    "childFolderCount",
    "unreadItemCount",
    "totalItemCount",
    "isHidden",
];

/// A folder every mailbox has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Folder {
    /// Graph's well-known name (also what the folder's ID is derived from).
    pub well_known: &'static str,
    pub display_name: &'static str,
    pub hidden: bool,
}

const fn folder(well_known: &'static str, display_name: &'static str, hidden: bool) -> Folder {
    Folder {
        well_known,
        display_name,
        hidden,
    }
}

/// Exchange's default folders, in the order Graph lists them (by display name).
pub const FOLDERS: &[Folder] = &[
    folder("archive", "Archive", false),
    folder("clutter", "Clutter", true),
    folder("conversationhistory", "Conversation History", false),
    folder("deleteditems", "Deleted Items", false),
    folder("drafts", "Drafts", false),
    folder("inbox", "Inbox", false),
    folder("junkemail", "Junk Email", false),
    folder("outbox", "Outbox", false),
    folder("sentitems", "Sent Items", false),
];

/// The folder above them all.
const ROOT: Folder = folder("msgfolderroot", "Top of Information Store", false);

/// What a `mailFolders/{folder}` segment names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// `msgfolderroot`: the top of the mailbox.
    Root,
    Folder(Folder),
}

impl Which {
    pub fn folder(self) -> Folder {
        match self {
            Which::Root => ROOT,
            Which::Folder(f) => f,
        }
    }

    /// The folder's well-known name, which is how a message names the folder it is in.
    pub fn well_known(self) -> &'static str {
        self.folder().well_known
    }
}

/// A folder's ID (`AQMkAD…`): the same on every start, and the Inbox's the one messages name as their parent.
pub fn folder_id(user: &DemoUser, well_known: &str) -> String {
    ids::folder_id(&[&user.id, well_known])
}

/// The folder a segment names: a well-known name (any case) or a folder's ID; `None` when neither.
pub fn resolve(user: &DemoUser, segment: &str) -> Option<Which> {
    std::iter::once(Which::Root)
        .chain(FOLDERS.iter().map(|f| Which::Folder(*f)))
        .find(|w| {
            let f = w.folder();
            f.well_known.eq_ignore_ascii_case(segment) || folder_id(user, f.well_known) == segment
        })
}

fn not_found() -> Reply {
    Reply::error(
        axum::http::StatusCode::NOT_FOUND,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

/// `(total, unread)` messages in a folder.
fn counts(st: &AppState, user: &DemoUser, which: Which) -> (usize, usize) {
    let mail: Vec<_> = super::mailstore::mailbox(st, user)
        .into_iter()
        .filter(|m| m.folder == which.well_known())
        .collect();
    let unread = mail.iter().filter(|m| !m.is_read).count();
    (mail.len(), unread)
}

fn to_json(st: &AppState, user: &DemoUser, which: Which) -> Value {
    let f = which.folder();
    let (parent, children) = match which {
        // The root's parent is the mailbox's own root, which Graph does not serve as a mail folder.
        Which::Root => (folder_id(user, "root"), FOLDERS.len()),
        Which::Folder(_) => (folder_id(user, ROOT.well_known), 0),
    };
    let (total, unread) = counts(st, user, which);
    json!({
        "id": folder_id(user, f.well_known),
        "displayName": f.display_name,
        "parentFolderId": parent,
        "childFolderCount": children,
        "unreadItemCount": unread,
        "totalItemCount": total,
        "isHidden": f.hidden,
    })
}

/// `GET /me/mailFolders/{folder}`.
pub fn get_one(st: &AppState, caller: &Caller, req: &GraphRequest, segment: &str) -> Reply {
    if !caller.has_any(READ_MAIL) {
        return access_denied();
    }
    let user = &caller.user;
    let q = Query::parse(req.query);
    let selection = match odata::selection(&q, PROPERTIES, TYPE_NAME) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let Some(which) = resolve(user, segment) else {
        return not_found();
    };
    let mut body = odata::project(to_json(st, user, which), selection.as_deref(), &["id"]);
    let set = format!("users('{}')/mailFolders", user.id);
    let mut context = odata::context(&st.base, &set, selection.as_deref());
    context.push_str("/$entity");
    body["@odata.context"] = json!(context);
    Reply::ok(body)
}

/// `GET /me/mailFolders` (`parent` `None`) or `GET /me/mailFolders/{parent}/childFolders`.
pub fn list(st: &AppState, caller: &Caller, req: &GraphRequest, parent: Option<&str>) -> Reply {
    if !caller.has_any(READ_MAIL) {
        return access_denied();
    }
    let user = &caller.user;
    let q = Query::parse(req.query);
    let selection = match odata::selection(&q, PROPERTIES, TYPE_NAME) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let paging = match odata::paging(&q) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let (set, holds_folders) = match parent {
        None => (format!("users('{}')/mailFolders", user.id), true),
        Some(segment) => match resolve(user, segment) {
            Some(which) => (
                format!(
                    "users('{}')/mailFolders('{}')/childFolders",
                    user.id,
                    folder_id(user, which.folder().well_known)
                ),
                which == Which::Root,
            ),
            None => return not_found(),
        },
    };
    let hidden_too = q
        .get("includeHiddenFolders")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let items: Vec<Value> = if holds_folders {
        FOLDERS
            .iter()
            .filter(|f| hidden_too || !f.hidden)
            .map(|f| {
                odata::project(
                    to_json(st, user, Which::Folder(*f)),
                    selection.as_deref(),
                    &["id"],
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = Page {
        base: &st.base,
        path: req.path,
        query: &q,
        context: odata::context(&st.base, &set, selection.as_deref()),
        paging,
    };
    Reply::ok(page.render(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::demo_users;

    #[test]
    fn well_known_names_and_ids_resolve_and_the_inbox_is_the_messages_parent() {
        let user = &demo_users()[0];
        let inbox = resolve(user, "Inbox").expect("the Inbox by name");
        assert_eq!(inbox.well_known(), "inbox");
        assert_eq!(
            resolve(user, &ids::folder_id(&[&user.id, "inbox"])),
            Some(inbox)
        );
        assert_eq!(resolve(user, "MsgFolderRoot"), Some(Which::Root));
        let sent = folder_id(user, "sentitems");
        assert_eq!(
            resolve(user, &sent).map(|w| w.folder().display_name),
            Some("Sent Items")
        );
        assert_eq!(
            resolve(user, &sent.to_lowercase()),
            None,
            "IDs are case-sensitive"
        );
        assert_eq!(resolve(user, "nope"), None);
        let mut names: Vec<&str> = FOLDERS.iter().map(|f| f.display_name).collect();
        names.sort();
        assert_eq!(
            names,
            FOLDERS.iter().map(|f| f.display_name).collect::<Vec<_>>(),
            "listed by display name"
        );
    }
}
