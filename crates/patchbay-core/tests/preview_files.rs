//! A OneDrive & SharePoint connection's preview against the sandbox's Graph over real HTTP: recent files, the
//! drive's top folder, the quota and the sites followed in one round trip; browsing into folders and libraries
//! and "Load more" through a 300-file folder; a section refused on its own; a personal account without sites.

mod common;

use common::*;
use patchbay_core::catalogue::AuthType;
use patchbay_core::model::{ConnectRequest, ConnectionSummary};
use patchbay_core::preview::{
    DriveQuota, FileItem, FileList, Preview, PreviewOptions, ProblemKind, SectionBody,
    SectionContent, SectionProblem, SiteItem,
};
use patchbay_sandbox::{DEMO_APP_CLIENT_ID, DEMO_APP_SECRET};
use secrecy::SecretString;
use std::collections::HashSet;

const CONNECTOR: &str = "onedrive-sharepoint";
const MEGAN: &str = "megan@contoso.example";
const SAM: &str = "sam@outlook.example";
/// How many files the sandbox's `/Archive/2025` holds.
const ARCHIVE_FILES: usize = 300;

fn files_request(h: &Harness) -> ConnectRequest {
    ConnectRequest {
        connector_id: CONNECTOR.into(),
        ..h.request(AuthType::BuiltInApp)
    }
}

async fn connect(h: &Harness, user: &str) -> ConnectionSummary {
    h.connect_as(files_request(h), user).await
}

fn graph_requests(h: &Harness) -> u64 {
    h.sandbox.control().stats().graph_requests
}

fn ids(p: &Preview) -> Vec<&str> {
    p.sections.iter().map(|s| s.id.as_str()).collect()
}

fn content<'a>(p: &'a Preview, id: &str) -> &'a SectionContent {
    match &p
        .section(id)
        .unwrap_or_else(|| panic!("no section {id}"))
        .body
    {
        SectionBody::Loaded { content } => content,
        other => panic!("{id} did not load: {other:?}"),
    }
}

fn problem<'a>(p: &'a Preview, id: &str) -> &'a SectionProblem {
    match &p
        .section(id)
        .unwrap_or_else(|| panic!("no section {id}"))
        .body
    {
        SectionBody::Failed { problem } => problem,
        other => panic!("{id} did not fail: {other:?}"),
    }
}

fn files<'a>(p: &'a Preview, id: &str) -> &'a FileList {
    match content(p, id) {
        SectionContent::Files(list) => list,
        other => panic!("{id} is not files: {other:?}"),
    }
}

fn quota(p: &Preview) -> &DriveQuota {
    match content(p, "quota") {
        SectionContent::Quota { quota } => quota,
        other => panic!("quota: {other:?}"),
    }
}

fn sites(p: &Preview) -> &[SiteItem] {
    match content(p, "sites") {
        SectionContent::Sites { items, .. } => items,
        other => panic!("sites: {other:?}"),
    }
}

fn named<'a>(items: &'a [FileItem], name: &str) -> &'a FileItem {
    items.iter().find(|i| i.name == name).unwrap_or_else(|| {
        panic!(
            "no {name} among {:?}",
            items.iter().map(|i| &i.name).collect::<Vec<_>>()
        )
    })
}

#[tokio::test]
async fn the_files_preview_is_one_round_trip_of_recent_files_the_top_folder_the_quota_and_sites() {
    let h = Harness::new().await;
    let c = connect(&h, ADELE).await;
    let before = graph_requests(&h);
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert_eq!(graph_requests(&h) - before, 1, "one $batch");
    assert_eq!(ids(&p), ["drive_root", "quota", "sites", "recent_files"]);
    assert_eq!(p.section("drive_root").unwrap().title, "My files");
    // No mailbox: times in this computer's zone, and nothing wrong with that.
    assert!(!p.time_zone.from_mailbox);
    assert!(p.time_zone.problem.is_none());

    let recent = files(&p, "recent_files");
    assert!(recent.folder.is_none());
    assert!(
        !recent.items.is_empty() && recent.items.len() <= 10,
        "{}",
        recent.items.len()
    );
    for f in &recent.items {
        assert!(!f.is_folder, "{}", f.name);
        assert!(f.web_url.as_deref().unwrap().starts_with("http"));
        assert!(f.modified.is_some() && f.modified_by.is_some(), "{f:?}");
    }
    let modified: Vec<jiff::Timestamp> = recent
        .items
        .iter()
        .map(|f| f.modified.as_deref().unwrap().parse().unwrap())
        .collect();
    assert!(
        modified.windows(2).all(|w| w[0] >= w[1]),
        "most recent first"
    );

    let root = files(&p, "drive_root");
    let folder = root.folder.as_ref().expect("the root says it is the root");
    assert_eq!((folder.path.as_str(), folder.drive.as_deref()), ("/", None));
    assert!(folder.crumbs.is_empty() && folder.parent.is_none());
    let documents = named(&root.items, "Documents");
    assert!(documents.is_folder);
    assert_eq!(documents.path.as_deref(), Some("/Documents"));
    assert!(documents.child_count.unwrap() >= 7, "{documents:?}");
    assert_eq!(named(&root.items, "Empty folder").child_count, Some(0));
    assert!(named(&root.items, "Archive").size.unwrap() > 0);

    let q = quota(&p);
    assert_eq!(q.total, Some(1 << 40), "a business OneDrive's terabyte");
    assert!(q.used.unwrap() > 0 && q.used.unwrap() < q.total.unwrap());
    assert_eq!(q.remaining, Some(q.total.unwrap() - q.used.unwrap()));
    assert_eq!(q.state.as_deref(), Some("normal"));
    assert_eq!(q.drive_type.as_deref(), Some("business"));

    let followed: Vec<&str> = sites(&p).iter().filter_map(|s| s.name.as_deref()).collect();
    assert_eq!(followed, ["Contoso Team"]);

    // Kept in memory for the window to show at once.
    assert_eq!(h.core.cached_preview(&c.id), Some(p));
}

#[tokio::test]
async fn browsing_goes_into_folders_and_libraries_and_load_more_visits_every_file_once() {
    let h = Harness::new().await;
    let c = connect(&h, MEGAN).await;
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();

    let docs = h
        .core
        .browse_files(&c.id, None, "/Documents")
        .await
        .unwrap();
    let folder = docs.folder.as_ref().unwrap();
    assert_eq!(folder.path, "/Documents");
    assert_eq!(folder.parent.as_deref(), Some("/"));
    assert_eq!(folder.crumbs.len(), 1);
    for name in [
        "Welcome.md",
        "Notes.txt",
        "Budget 2026.csv",
        "Project Plan.docx",
        "Contract.pdf",
    ] {
        let f = named(&docs.items, name);
        assert!(!f.is_folder);
        assert_eq!(
            f.path.as_deref(),
            Some(format!("/Documents/{name}").as_str())
        );
        assert!(f.size.unwrap() > 0);
    }
    let invoices = named(&docs.items, "Invoices");
    let deeper = h
        .core
        .browse_files(&c.id, None, invoices.path.as_deref().unwrap())
        .await
        .unwrap();
    let crumbs: Vec<&str> = deeper
        .folder
        .as_ref()
        .unwrap()
        .crumbs
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(crumbs, ["Documents", "Invoices"]);
    assert!(deeper
        .items
        .iter()
        .any(|i| i.name == "2026" && i.child_count == Some(6)));

    // 300 files: a page, then the rest through Graph's links, each once.
    let archive = h
        .core
        .browse_files(&c.id, None, "/Archive/2025")
        .await
        .unwrap();
    assert_eq!(archive.items.len(), 50);
    let mut seen: Vec<String> = archive.items.iter().map(|i| i.id.clone()).collect();
    let link = archive.next_link.clone().expect("a second page");
    // The section's own Load more reads the same page as the browser's.
    match h
        .core
        .more_preview(&c.id, "drive_root", &link, 7)
        .await
        .unwrap()
    {
        SectionContent::Files(page) => {
            assert_eq!(page, h.core.more_files(&c.id, &link).await.unwrap())
        }
        other => panic!("{other:?}"),
    }
    let mut next = Some(link);
    let mut pages = 1;
    while let Some(link) = next {
        let page = h.core.more_files(&c.id, &link).await.unwrap();
        assert!(
            page.folder.is_none(),
            "a page of more says no folder of its own"
        );
        assert!(page.items.iter().all(|i| i
            .path
            .as_deref()
            .unwrap()
            .starts_with("/Archive/2025/")));
        seen.extend(page.items.iter().map(|i| i.id.clone()));
        next = page.next_link;
        pages += 1;
    }
    assert_eq!(pages, ARCHIVE_FILES / 50);
    assert_eq!(seen.len(), ARCHIVE_FILES);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        ARCHIVE_FILES,
        "no file twice"
    );

    // Megan follows Marketing too; Contoso Team's libraries browse like her own drive.
    let mut followed: Vec<&str> = sites(&p).iter().filter_map(|s| s.name.as_deref()).collect();
    followed.sort();
    assert_eq!(followed, ["Contoso Team", "Marketing"]);
    let team = sites(&p)
        .iter()
        .find(|s| s.name.as_deref() == Some("Contoso Team"))
        .unwrap();
    let libraries = h.core.site_libraries(&c.id, &team.id).await.unwrap();
    let names: Vec<&str> = libraries.iter().filter_map(|l| l.name.as_deref()).collect();
    assert_eq!(names, ["Documents", "Policies"]);
    let library = &libraries[0];
    let top = h
        .core
        .browse_files(&c.id, Some(&library.id), "/")
        .await
        .unwrap();
    assert_eq!(
        top.folder.as_ref().unwrap().drive.as_deref(),
        Some(library.id.as_str())
    );
    assert!(!top.items.is_empty());

    // A path that would name another item than the one written is refused before anything is sent.
    let before = graph_requests(&h);
    let e = h
        .core
        .browse_files(&c.id, None, "/Documents/../Archive")
        .await
        .unwrap_err();
    assert!(e.title.contains("cannot be opened"), "{e:?}");
    assert_eq!(graph_requests(&h), before);
    // A folder gone since: said in words.
    let e = h
        .core
        .browse_files(&c.id, None, "/Nothing here")
        .await
        .unwrap_err();
    assert!(e.title.contains("no longer there"), "{e:?}");
}

#[tokio::test]
async fn sites_refused_leave_the_files_and_name_the_permission() {
    let h = Harness::new().await;
    // Consent succeeds but leaves Sites.Read.All out of the grant, as when a person unticks it.
    h.sandbox
        .control()
        .deny_scopes(
            &h.core.builtin_app().client_id,
            vec!["Sites.Read.All".into()],
        )
        .unwrap();
    let c = connect(&h, ADELE).await;
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert!(!files(&p, "drive_root").items.is_empty());
    assert!(!files(&p, "recent_files").items.is_empty());
    assert!(quota(&p).total.is_some());
    let problem = problem(&p, "sites");
    assert_eq!(problem.kind, ProblemKind::MissingPermission);
    assert_eq!(problem.permission.as_deref(), Some("Sites.Read.All"));
    assert_eq!(
        problem.title,
        "The list of sites you follow needs permission Sites.Read.All."
    );
    assert!(
        problem
            .detail
            .as_deref()
            .unwrap()
            .starts_with("accessDenied"),
        "{problem:?}"
    );
    assert!(problem.request_id.is_some());
}

#[tokio::test]
async fn a_connection_set_up_without_sites_says_which_feature_would_show_them() {
    let h = Harness::new().await;
    let mut req = files_request(&h);
    req.auth_type = AuthType::BringYourOwnApp;
    req.client_id = Some(DEMO_APP_CLIENT_ID.into());
    req.client_secret = Some(SecretString::from(DEMO_APP_SECRET));
    req.features = Some(vec!["read_files".into()]);
    let c = h.connect_as(req, ADELE).await;
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert!(!files(&p, "drive_root").items.is_empty());
    let problem = problem(&p, "sites");
    assert_eq!(problem.kind, ProblemKind::NotRequested);
    assert!(
        problem.message.contains("\"SharePoint sites\" ticked"),
        "{}",
        problem.message
    );
}

#[tokio::test]
async fn a_personal_account_has_its_files_and_no_sites_section() {
    let h = Harness::new().await;
    let mut req = files_request(&h);
    req.authority = Some(h.sandbox.authority("consumers").to_string());
    req.tenant = Some("consumers".into());
    let c = h.connect_as(req, SAM).await;
    assert!(
        !c.scopes_requested
            .iter()
            .any(|s| s.ends_with("Sites.Read.All")),
        "{:?}",
        c.scopes_requested
    );
    let before = graph_requests(&h);
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert_eq!(graph_requests(&h) - before, 1);
    // Not a failure: a personal account has no SharePoint, so the section is not there at all.
    assert_eq!(ids(&p), ["drive_root", "quota", "recent_files"]);
    assert!(named(&files(&p, "drive_root").items, "Documents").is_folder);
    let q = quota(&p);
    assert_eq!(
        q.total,
        Some(5_368_709_120),
        "OneDrive personal's free 5 GB"
    );
    assert_eq!(q.drive_type.as_deref(), Some("personal"));
}
