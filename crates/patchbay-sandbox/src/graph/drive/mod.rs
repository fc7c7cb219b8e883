//! OneDrive and SharePoint: each demo user's drive, the team sites' libraries, and the Graph APIs a files
//! client uses — items by ID and by path, children with paging, search, content by a pre-authenticated
//! download URL, simple uploads and upload sessions, folders, sharing links, delta, sites.
//!
//! This module reads the path (Graph's drive grammar: `/me/drive`, `/drives/{id}`, `/sites/{id}/drive`, then
//! `/root`, `/items/{id}`, path addressing `root:/a/b.txt:`, then a navigation such as `/children`) and checks
//! what the caller may do; [`model`] and [`store`] hold the world, [`data`] the demo content, and one module per
//! kind of request answers it. The download and upload hosts ([`content`], [`upload`]) are served outside the
//! Graph root, as Microsoft serves them from other hosts: they take no bearer token, and refuse one.

pub mod content;
pub mod data;
pub mod delta;
pub mod formats;
pub mod hash;
pub mod items;
pub mod model;
mod search;
pub mod sites;
pub mod store;
pub mod upload;

use axum::http::{Method, StatusCode};

use super::odata::percent_decode;
use super::{Caller, GraphRequest, Reply};
use crate::state::{AppState, Inner, StateGuard};
use model::{Drive, DriveKind, Via};

/// Which drive a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriveSel {
    Me,
    Id(String),
    /// A site's default library.
    Site(String),
}

/// Which item: the root or an ID, then a path below it (path addressing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemAddr {
    pub root: bool,
    pub id: String,
    pub path: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nav {
    None,
    Children,
    Content,
    /// `delta`, with a token given in function form (`delta(token='…')`).
    Delta(Option<String>),
    Search(String),
    CreateLink,
    CreateUploadSession,
    Permissions,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Drive(DriveSel),
    MyDrives,
    Item(DriveSel, ItemAddr, Nav),
    /// `/me/drive/search(q='…')`: the whole drive.
    DriveSearch(DriveSel, String),
    Recent,
    SharedWithMe,
    FollowedSites,
    Sites,
    Site(String),
    SiteDrives(String),
}

fn bad(message: &str) -> Reply {
    Reply::bad_request("invalidRequest", message)
}

pub fn not_found(message: &str) -> Reply {
    Reply::error(StatusCode::NOT_FOUND, "itemNotFound", message)
}

pub fn item_not_found() -> Reply {
    not_found("The resource could not be found.")
}

pub fn access_denied() -> Reply {
    Reply::error(StatusCode::FORBIDDEN, "accessDenied", "Access denied")
}

/// `q='it''s'` → `it's`: the string literal of an OData function parameter, quotes doubled inside.
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
fn odata_string(raw: &str) -> Result<String, Reply> {
    let inner = raw
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .ok_or_else(|| {
            Reply::bad_request(
                "BadRequest",
                &format!("Syntax error: the literal '{raw}' is not a quoted string."),
            )
        })?;
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
            } else {
                return Err(Reply::bad_request(
                    "BadRequest",
                    &format!(
                        "Syntax error: character ''' is not valid at position {} in '{raw}'. A quote inside a \
                         string literal is written twice ('').",
                        out.chars().count() + 1
                    ),
                ));
            }
        }
        out.push(c);
    }
    Ok(out)
}

/// `(token='…')` after `delta`, if any.
fn function_arg<'a>(rest: &'a str, name: &str) -> Option<&'a str> {
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    let (key, value) = inner.split_once('=')?;
    key.trim()
        .eq_ignore_ascii_case(name)
        .then_some(value.trim())
}

#[allow(clippy::result_large_err)]
fn parse_nav(raw: &str) -> Result<Nav, Reply> {
    let decoded = percent_decode(raw);
    let nav = decoded.trim_end_matches('/');
    let lower = nav.to_ascii_lowercase();
    let lower = lower
        .strip_prefix("/microsoft.graph.")
        .map(|l| format!("/{l}"))
        .unwrap_or(lower);
    Ok(match lower.as_str() {
        "" => Nav::None,
        "/children" => Nav::Children,
        "/content" | "/$value" => Nav::Content,
        "/delta" | "/delta()" => Nav::Delta(None),
        "/createlink" => Nav::CreateLink,
        "/createuploadsession" => Nav::CreateUploadSession,
        "/permissions" => Nav::Permissions,
        l if l.starts_with("/delta(") => {
            let arg = function_arg(&nav[nav.len() - (l.len() - "/delta".len())..], "token")
                .ok_or_else(|| bad("The delta function takes one parameter, token."))?;
            Nav::Delta(Some(odata_string(arg)?))
        }
        l if l.starts_with("/search(") => {
            let arg = function_arg(&nav[nav.len() - (l.len() - "/search".len())..], "q")
                .ok_or_else(|| bad("The search function takes one parameter, q."))?;
            Nav::Search(odata_string(arg)?)
        }
        _ => {
            return Err(Reply::bad_request(
                "BadRequest",
                &format!(
                    "Resource not found for the segment '{}'.",
                    nav.trim_start_matches('/').split('/').next().unwrap_or("")
                ),
            ))
        }
    })
}

/// An item address and what follows it: `root`, `root:/a/b:`, `items/{id}`, `items/{id}:/c:` + navigation.
#[allow(clippy::result_large_err)]
fn parse_item(raw: &str) -> Result<Option<(ItemAddr, Nav)>, Reply> {
    let lower = raw.to_ascii_lowercase();
    let (root, id, tail) =
        if lower == "/root" || lower.starts_with("/root/") || lower.starts_with("/root:") {
            (true, String::new(), &raw["/root".len()..])
        } else if let Some(rest) = lower.strip_prefix("/items/") {
            let end = rest.find(['/', ':']).unwrap_or(rest.len());
            let start = "/items/".len();
            (
                false,
                percent_decode(&raw[start..start + end]),
                &raw[start + end..],
            )
        } else {
            return Ok(None);
        };
    let (path, nav) = if let Some(after) = tail.strip_prefix(':') {
        match after.find(':') {
            Some(close) => (&after[..close], &after[close + 1..]),
            None => (after, ""),
        }
    } else {
        ("", tail)
    };
    let path: Vec<String> = path
        .split('/')
        .map(percent_decode)
        .filter(|s| !s.is_empty())
        .collect();
    Ok(Some((ItemAddr { root, id, path }, parse_nav(nav)?)))
}

/// The drive paths this module answers (`None`: not a files path, for the mail and calendar router).
#[allow(clippy::result_large_err)]
pub fn parse(raw_path: &str) -> Option<Result<Route, Reply>> {
    let trimmed = raw_path.trim_end_matches('/');
    let lower = trimmed.to_ascii_lowercase();
    let result = if lower == "/me/drives" {
        Ok(Route::MyDrives)
    } else if lower == "/me/followedsites" {
        Ok(Route::FollowedSites)
    } else if lower == "/sites" {
        Ok(Route::Sites)
    } else if lower == "/me/drive" || lower.starts_with("/me/drive/") {
        drive_rest(DriveSel::Me, &trimmed["/me/drive".len()..])
    } else if let Some(rest) = lower.strip_prefix("/drives/") {
        let end = rest.find('/').unwrap_or(rest.len());
        let start = "/drives/".len();
        let id = percent_decode(&trimmed[start..start + end]);
        drive_rest(DriveSel::Id(id), &trimmed[start + end..])
    } else if let Some(rest) = lower.strip_prefix("/sites/") {
        let start = "/sites/".len();
        // `{hostname}:/sites/{name}:` (path form) or `{id}`.
        let (site, after) = if let Some(colon) = rest.find(':') {
            let slash = rest.find('/').unwrap_or(rest.len());
            if colon < slash {
                let path_start = start + colon + 1;
                let path_rest = &trimmed[path_start..];
                let close = path_rest.find(':').unwrap_or(path_rest.len());
                let site = format!(
                    "{}:{}",
                    percent_decode(&trimmed[start..start + colon]),
                    percent_decode(&path_rest[..close])
                );
                let after = path_rest.get(close + 1..).unwrap_or("");
                (site, after.to_string())
            } else {
                (
                    percent_decode(&trimmed[start..start + slash]),
                    trimmed[start + slash..].to_string(),
                )
            }
        } else {
            let end = rest.find('/').unwrap_or(rest.len());
            (
                percent_decode(&trimmed[start..start + end]),
                trimmed[start + end..].to_string(),
            )
        };
        let after_lower = after.to_ascii_lowercase();
        if after.is_empty() {
            Ok(Route::Site(site))
        } else if after_lower == "/drives" {
            Ok(Route::SiteDrives(site))
        } else if after_lower == "/drive" || after_lower.starts_with("/drive/") {
            drive_rest(DriveSel::Site(site), &after["/drive".len()..])
        } else {
            Err(Reply::bad_request(
                "BadRequest",
                &format!(
                    "Resource not found for the segment '{}'.",
                    after
                        .trim_start_matches('/')
                        .split('/')
                        .next()
                        .unwrap_or("")
                ),
            ))
        }
    } else {
        return None;
    };
    Some(result)
}

#[allow(clippy::result_large_err)]
fn drive_rest(sel: DriveSel, rest: &str) -> Result<Route, Reply> {
    let lower = rest.to_ascii_lowercase();
    if rest.is_empty() {
        return Ok(Route::Drive(sel));
    }
    if sel == DriveSel::Me && lower == "/recent" {
        return Ok(Route::Recent);
    }
    if sel == DriveSel::Me && lower == "/sharedwithme" {
        return Ok(Route::SharedWithMe);
    }
    if lower.starts_with("/search(") || lower.starts_with("/microsoft.graph.search(") {
        return match parse_nav(rest)? {
            Nav::Search(q) => Ok(Route::DriveSearch(sel, q)),
            _ => Err(bad("The search function takes one parameter, q.")),
        };
    }
    match parse_item(rest)? {
        Some((addr, nav)) => Ok(Route::Item(sel, addr, nav)),
        None => Err(Reply::bad_request(
            "BadRequest",
            &format!(
                "Resource not found for the segment '{}'.",
                rest.trim_start_matches('/').split('/').next().unwrap_or("")
            ),
        )),
    }
}

/// Answer a files request: `None` when the path is not one (the caller routes it elsewhere).
pub fn dispatch(
    st: &AppState,
    caller: &Caller,
    method: &Method,
    req: &GraphRequest,
) -> Option<Reply> {
    let route = match parse(req.path)? {
        Ok(route) => route,
        Err(reply) => return Some(reply),
    };
    let personal = caller.user.personal;
    let sites_route = matches!(
        route,
        Route::FollowedSites
            | Route::Sites
            | Route::Site(_)
            | Route::SiteDrives(_)
            | Route::Drive(DriveSel::Site(_))
            | Route::Item(DriveSel::Site(_), _, _)
            | Route::DriveSearch(DriveSel::Site(_), _)
    );
    if personal && sites_route {
        return Some(sites::no_sharepoint());
    }
    let is = |m: &Method| method == m || (m == Method::GET && method == Method::HEAD);
    Some(match (&route, method) {
        (Route::Item(sel, addr, Nav::Content), m) if m == Method::PUT => {
            upload::simple_upload(st, caller, req, sel, addr)
        }
        (Route::Item(sel, addr, Nav::Children), m) if m == Method::POST => {
            items::create_folder(st, caller, req, sel, addr)
        }
        (Route::Item(sel, addr, Nav::CreateLink), m) if m == Method::POST => {
            items::create_link(st, caller, req, sel, addr)
        }
        (Route::Item(sel, addr, Nav::CreateUploadSession), m) if m == Method::POST => {
            upload::create_session(st, caller, req, sel, addr)
        }
        (Route::Item(sel, addr, Nav::None), m) if m == Method::DELETE => {
            items::delete(st, caller, req, sel, addr)
        }
        (Route::Item(sel, addr, Nav::None), m) if m == Method::PATCH => {
            items::update(st, caller, req, sel, addr)
        }
        _ if !is(&Method::GET) => method_not_allowed(method),
        (Route::Drive(sel), _) => items::drive(st, caller, req, sel),
        (Route::MyDrives, _) => items::my_drives(st, caller, req),
        (Route::Item(sel, addr, Nav::None), _) => items::get_item(st, caller, req, sel, addr),
        (Route::Item(sel, addr, Nav::Children), _) => items::children(st, caller, req, sel, addr),
        (Route::Item(sel, addr, Nav::Permissions), _) => {
            items::permissions(st, caller, req, sel, addr)
        }
        (Route::Item(sel, addr, Nav::Content), _) => content::redirect(st, caller, req, sel, addr),
        (Route::Item(sel, addr, Nav::Delta(token)), _) => {
            delta::delta(st, caller, req, sel, addr, token.as_deref())
        }
        (Route::Item(sel, addr, Nav::Search(q)), _) => {
            search::search(st, caller, req, sel, Some(addr), q)
        }
        (Route::DriveSearch(sel, q), _) => search::search(st, caller, req, sel, None, q),
        (Route::Recent, _) => items::recent(st, caller, req),
        (Route::SharedWithMe, _) => items::shared_with_me(st, caller, req),
        (Route::FollowedSites, _) => sites::followed(st, caller, req),
        (Route::Sites, _) => sites::search_sites(st, caller, req),
        (Route::Site(id), _) => sites::site(st, caller, req, id),
        (Route::SiteDrives(id), _) => sites::site_drives(st, caller, req, id),
        (Route::Item(_, _, Nav::CreateLink | Nav::CreateUploadSession), _) => {
            method_not_allowed(method)
        }
    })
}

fn method_not_allowed(method: &Method) -> Reply {
    Reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalidRequest",
        &format!("The HTTP method '{method}' is not allowed on this resource."),
    )
}

/// The state, with the files world laid out.
pub fn files(st: &AppState) -> StateGuard<'_> {
    let mut inner = st.lock();
    let users = inner.users.clone();
    inner.files.ensure(&users, st.anchor);
    inner
}

/// What a request may do with a drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// Scopes that read (write) the signed-in user's own drive.
const OWN_READ: &[&str] = &[
    "Files.Read",
    "Files.ReadWrite",
    "Files.Read.All",
    "Files.ReadWrite.All",
];
const OWN_WRITE: &[&str] = &["Files.ReadWrite", "Files.ReadWrite.All"];
/// Work accounts may also reach their own drive through the Sites permissions.
const SITES_READ: &[&str] = &["Sites.Read.All", "Sites.ReadWrite.All"];
const SITES_WRITE: &[&str] = &["Sites.ReadWrite.All"];
/// Scopes that read (write) drives other than one's own: sites' libraries, what others shared.
pub(super) const OTHER_READ: &[&str] = &[
    "Files.Read.All",
    "Files.ReadWrite.All",
    "Sites.Read.All",
    "Sites.ReadWrite.All",
];
const OTHER_WRITE: &[&str] = &["Files.ReadWrite.All", "Sites.ReadWrite.All"];

/// Whether the caller's token lets them `access` the drive at all (403 `accessDenied` otherwise).
#[allow(clippy::result_large_err)]
pub fn check_scopes(caller: &Caller, drive: &Drive, access: Access) -> Result<(), Reply> {
    let own = drive.user_id.as_deref() == Some(caller.user.id.as_str());
    let ok = if own {
        let sites = !drive.personal()
            && caller.has_any(if access == Access::Read {
                SITES_READ
            } else {
                SITES_WRITE
            });
        sites
            || caller.has_any(if access == Access::Read {
                OWN_READ
            } else {
                OWN_WRITE
            })
    } else {
        caller.has_any(if access == Access::Read {
            OTHER_READ
        } else {
            OTHER_WRITE
        })
    };
    if ok {
        Ok(())
    } else {
        Err(access_denied())
    }
}

/// The drive a selector names, if the caller may reach it: its ID and how paths under it are written.
#[allow(clippy::result_large_err)]
pub fn drive_for(inner: &Inner, caller: &Caller, sel: &DriveSel) -> Result<(String, Via), Reply> {
    let files = &inner.files;
    match sel {
        DriveSel::Me => files
            .user_drive(&caller.user.id)
            .map(|d| (d.id.clone(), Via::Me))
            .ok_or_else(|| not_found("The user's drive could not be found.")),
        DriveSel::Id(id) => {
            let Some(drive) = files.drives.iter().find(|d| d.id.eq_ignore_ascii_case(id)) else {
                return Err(not_found("The drive could not be found."));
            };
            // A personal account reaches only its own drive; a work account never a personal one.
            let own = drive.user_id.as_deref() == Some(caller.user.id.as_str());
            if !own && (caller.user.personal || drive.personal()) {
                return Err(not_found("The drive could not be found."));
            }
            Ok((drive.id.clone(), Via::Id))
        }
        DriveSel::Site(site) => {
            let site = sites::find(files, site).ok_or_else(sites::site_not_found)?;
            site.drives
                .first()
                .map(|d| (d.clone(), Via::Id))
                .ok_or_else(|| not_found("The site has no document library."))
        }
    }
}

/// Whether the caller may see `item_id` of another user's drive: only what was shared with them (and what is
/// below it).
fn shared_with_caller(drive: &Drive, caller: &Caller, item_id: &str) -> bool {
    let mut chain = drive.ancestors(item_id);
    chain.push(item_id.to_string());
    chain.iter().any(|id| {
        drive
            .get(id)
            .is_some_and(|i| i.shared_with.contains(&caller.user.id))
    })
}

/// Resolve an item address in a drive (its ID), checking scopes and, on another user's drive, sharing.
#[allow(clippy::result_large_err)]
pub fn locate(
    inner: &Inner,
    caller: &Caller,
    sel: &DriveSel,
    addr: &ItemAddr,
    access: Access,
) -> Result<(String, String, Via), Reply> {
    let (drive_id, via) = drive_for(inner, caller, sel)?;
    let drive = inner.files.drive(&drive_id).ok_or_else(item_not_found)?;
    check_scopes(caller, drive, access)?;
    let start = if addr.root {
        drive.root.clone()
    } else {
        drive
            .get(&addr.id)
            .map(|i| i.id.clone())
            .ok_or_else(item_not_found)?
    };
    let item = drive.walk(&start, &addr.path).ok_or_else(item_not_found)?;
    check_item(drive, caller, &item.id, access)?;
    Ok((drive_id, item.id.clone(), via))
}

/// On another user's OneDrive: only what was shared with the caller, and only to read.
#[allow(clippy::result_large_err)]
pub fn check_item(
    drive: &Drive,
    caller: &Caller,
    item_id: &str,
    access: Access,
) -> Result<(), Reply> {
    let others = drive.kind == DriveKind::Business
        && drive.user_id.as_deref() != Some(caller.user.id.as_str());
    if others && (access == Access::Write || !shared_with_caller(drive, caller, item_id)) {
        return Err(access_denied());
    }
    Ok(())
}

/// The `@odata.context` base.
pub fn context(st: &AppState, rest: &str) -> String {
    format!("{}/graph/v1.0/$metadata#{rest}", st.base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(p: &str) -> Route {
        match parse(p) {
            Some(Ok(r)) => r,
            Some(Err(e)) => panic!("{p}: {}", e.body),
            None => panic!("{p}: not a drive path"),
        }
    }

    #[test]
    fn paths_and_path_addressing() {
        assert_eq!(route("/me/drive"), Route::Drive(DriveSel::Me));
        assert_eq!(
            route("/me/drive/root:/Documents/a%20b.txt:/content"),
            Route::Item(
                DriveSel::Me,
                ItemAddr {
                    root: true,
                    id: String::new(),
                    path: vec!["Documents".into(), "a b.txt".into()]
                },
                Nav::Content
            )
        );
        assert_eq!(
            route("/drives/b!x/root:/Documents/Notes.txt"),
            Route::Item(
                DriveSel::Id("b!x".into()),
                ItemAddr {
                    root: true,
                    id: String::new(),
                    path: vec!["Documents".into(), "Notes.txt".into()]
                },
                Nav::None
            )
        );
        assert_eq!(
            route("/drives/b!x/items/01AB:/new.txt:/content"),
            Route::Item(
                DriveSel::Id("b!x".into()),
                ItemAddr {
                    root: false,
                    id: "01AB".into(),
                    path: vec!["new.txt".into()]
                },
                Nav::Content
            )
        );
        assert_eq!(
            route("/me/drive/root/search(q='it''s')"),
            Route::Item(
                DriveSel::Me,
                ItemAddr {
                    root: true,
                    id: String::new(),
                    path: vec![]
                },
                Nav::Search("it's".into())
            )
        );
        assert_eq!(
            route("/me/drive/root/delta(token='abc')"),
            Route::Item(
                DriveSel::Me,
                ItemAddr {
                    root: true,
                    id: String::new(),
                    path: vec![]
                },
                Nav::Delta(Some("abc".into()))
            )
        );
        assert_eq!(
            route("/sites/contoso.sharepoint.com:/sites/ContosoTeam:/drive"),
            Route::Drive(DriveSel::Site(
                "contoso.sharepoint.com:/sites/ContosoTeam".into()
            ))
        );
        assert_eq!(
            route("/sites/a,b,c/drives"),
            Route::SiteDrives("a,b,c".into())
        );
        assert!(parse("/me/messages").is_none());
        assert!(matches!(
            parse("/me/drive/root/search(q='it's')"),
            Some(Err(_))
        ));
    }
}
