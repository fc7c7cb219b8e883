//! The demo content: each work user's OneDrive, the personal user's, and the tenant's team sites with their
//! libraries — the same on every start (IDs, names, bytes and hashes), dated relative to the sandbox's anchor.
//!
//! Every user's drive has (paths from its root):
//!
//! - `/Documents/Welcome.md`, `Notes.txt`, `Budget 2026.csv`, `settings.json`, `Project Plan.docx` (a valid Word
//!   document) and `Contract.pdf` (a valid PDF whose text extracts);
//! - `/Documents/Invoices/2026/INV-2026-001.pdf` … `INV-2026-006.pdf` and `/Documents/Invoices/2025/` with three;
//! - `/Pictures/logo.png` (a valid PNG) and `/Pictures/firmware.bin` (64 KiB of binary);
//! - `/Archive/2025/` with 300 text files `log-2025-001.txt` … `log-2025-300.txt`, for paging;
//! - `/Empty folder/`;
//! - work users only: `/Shared/Team notes.md`, shared with the tenant's other work users (their `sharedWithMe`).
//!
//! The tenant has two sites: "Contoso Team" (libraries "Documents" and "Policies"), which every work user
//! follows, and "Marketing" (library "Documents"), which Megan follows. The personal user has no sites.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};

use super::formats::{docx, pdf, png};
use super::model::{Drive, DriveKind, Item, Who};
use super::store::{mem_body, new_item, Files, Site};
use crate::graph::ids::{digest, guid, Rng};
use crate::state::DemoUser;

/// How many files `/Archive/2025` holds.
pub const ARCHIVE_FILES: usize = 300;
/// The SharePoint host of the demo tenant.
pub const SHAREPOINT_HOST: &str = "contoso.sharepoint.com";
/// A OneDrive for Business quota: 1 TiB.
const BUSINESS_QUOTA: u64 = 1 << 40;
/// OneDrive personal's free 5 GB.
const PERSONAL_QUOTA: u64 = 5_368_709_120;

pub fn who(user: &DemoUser) -> Who {
    Who {
        id: if user.personal {
            personal_cid(user)
        } else {
            user.id.clone()
        },
        name: user.display_name.clone(),
        email: (!user.personal).then(|| user.email.clone()),
    }
}

/// A personal account's CID: 16 hex digits, its drive's ID too.
fn personal_cid(user: &DemoUser) -> String {
    digest(&["cid", &user.id])[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A SharePoint drive ID: `b!` and 48 bytes of base64url.
fn sharepoint_drive_id(parts: &[&str]) -> String {
    let mut bytes = digest(parts).to_vec();
    let mut more: Vec<&str> = parts.to_vec();
    more.push("more");
    bytes.extend_from_slice(&digest(&more)[..16]);
    format!("b!{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn days_before(anchor: Timestamp, days: i64, minutes: i64) -> Timestamp {
    anchor - SignedDuration::from_hours(24 * days) - SignedDuration::from_mins(minutes)
}

fn new_drive(
    id: String,
    kind: DriveKind,
    owner: Who,
    name: &str,
    web_url: String,
    created: Timestamp,
) -> Drive {
    let mut drive = Drive {
        id,
        kind,
        owner: owner.clone(),
        owner_is_group: kind == DriveKind::Library,
        user_id: None,
        site_id: None,
        name: name.to_string(),
        description: String::new(),
        web_url,
        created,
        root: String::new(),
        items: Default::default(),
        seq: 0,
        log: Vec::new(),
        floor: 0,
        quota_total: if kind == DriveKind::Personal {
            PERSONAL_QUOTA
        } else {
            BUSINESS_QUOTA
        },
    };
    let root_id = drive.new_item_id();
    drive.items.insert(
        root_id.clone(),
        Item {
            id: root_id.clone(),
            parent: None,
            name: "root".into(),
            file: None,
            created,
            modified: created,
            content_modified: created,
            created_by: owner.clone(),
            modified_by: owner,
            etag: 1,
            ctag: 1,
            links: Vec::new(),
            shared_with: Vec::new(),
            order: 0,
        },
    );
    drive.root = root_id;
    drive
}

/// Make the folders of `path` (as needed) under `from`: the last one's ID, and the IDs of those made (which the
/// caller logs, if the drive is already in use).
pub fn folders(
    drive: &mut Drive,
    from: &str,
    path: &[&str],
    who: &Who,
    when: Timestamp,
) -> (String, Vec<String>) {
    let mut at = from.to_string();
    let mut made = Vec::new();
    for name in path {
        at = match drive.child_named(&at, name) {
            Some(existing) => existing.id.clone(),
            None => {
                let item = new_item(drive, &at, name, None, who, when);
                let id = item.id.clone();
                drive.items.insert(id.clone(), item);
                made.push(id.clone());
                id
            }
        };
    }
    (at, made)
}

/// Put a file at `folder/name` with `bytes`: its ID.
fn file(
    drive: &mut Drive,
    folder: &[&str],
    name: &str,
    bytes: Vec<u8>,
    who: &Who,
    when: Timestamp,
) -> String {
    let root = drive.root.clone();
    let (parent, _) = folders(drive, &root, folder, who, when);
    let item = new_item(drive, &parent, name, Some(mem_body(name, bytes)), who, when);
    let id = item.id.clone();
    drive.items.insert(id.clone(), item);
    id
}

/// The content every user's drive has.
fn personal_files(drive: &mut Drive, user: &DemoUser, me: &Who, anchor: Timestamp) {
    let t = |d: i64, m: i64| days_before(anchor, d, m);
    let first = &user.given_name;
    file(
        drive,
        &["Documents"],
        "Welcome.md",
        format!(
            "# Welcome, {first}\n\nThis is your **OneDrive** in the Patchbay sandbox.\n\n- Invoices live in `Documents/Invoices`.\n\
             - Old logs are in `Archive/2025`.\n\nThe quarterly review is on the calendar; the budget is in Budget 2026.csv.\n"
        )
        .into_bytes(),
        me,
        t(40, 0),
    );
    file(
        drive,
        &["Documents"],
        "Notes.txt",
        "Call the printer vendor about the toner contract.\nRenew the parking permit before March.\nIdeas: a shared \
         glossary for the support team.\n"
            .as_bytes()
            .to_vec(),
        me,
        t(3, 75),
    );
    file(
        drive,
        &["Documents"],
        "Budget 2026.csv",
        "Quarter,Department,Amount (EUR)\nQ1,Marketing,12500\nQ1,Retail,8400\nQ2,Marketing,13100\nQ2,Retail,9050\n\
         Q3,Marketing,11900\nQ3,Retail,8800\nQ4,Marketing,15200\nQ4,Retail,10400\n"
            .as_bytes()
            .to_vec(),
        me,
        t(12, 30),
    );
    file(
        drive,
        &["Documents"],
        "settings.json",
        format!(
            "{{\n  \"owner\": \"{}\",\n  \"theme\": \"dark\",\n  \"syncIntervalMinutes\": 15,\n  \"folders\": [\"Documents\", \"Pictures\"]\n}}\n",
            user.email
        )
        .into_bytes(),
        me,
        t(20, 0),
    );
    file(
        drive,
        &["Documents"],
        "Project Plan.docx",
        docx(&[
            "Project Plan: Store Refresh",
            "Goal: refit the three flagship stores before the spring campaign.",
            "Milestones: design sign-off in February, fit-out in March, opening in April.",
        ]),
        me,
        t(8, 120),
    );
    file(
        drive,
        &["Documents"],
        "Contract.pdf",
        pdf(&[
            "Service Contract",
            "Between Contoso Ltd and Fabrikam Inc.",
            "Term: twelve months from signature. Renewal by written notice.",
        ]),
        me,
        t(30, 0),
    );
    for n in 1..=6 {
        let name = format!("INV-2026-{n:03}.pdf");
        let amount = 1000 + n * 137;
        file(
            drive,
            &["Documents", "Invoices", "2026"],
            &name,
            pdf(&[
                &format!("Invoice INV-2026-{n:03}"),
                "Fabrikam Inc.",
                &format!("Amount due: {amount}.00 EUR"),
            ]),
            me,
            t(60 - n as i64 * 7, 0),
        );
    }
    for n in 1..=3 {
        let name = format!("INV-2025-{n:03}.pdf");
        file(
            drive,
            &["Documents", "Invoices", "2025"],
            &name,
            pdf(&[&format!("Invoice INV-2025-{n:03}"), "Northwind Traders"]),
            me,
            t(200 + n as i64 * 20, 0),
        );
    }
    file(
        drive,
        &["Pictures"],
        "logo.png",
        png(16, 16, |x, y| [(x * 16) as u8, (y * 16) as u8, 0x80]),
        me,
        t(90, 0),
    );
    let mut rng = Rng::new(&["firmware", &user.id]);
    let firmware: Vec<u8> = (0..64 * 1024 / 8)
        .flat_map(|_| rng.next_u64().to_le_bytes())
        .collect();
    file(drive, &["Pictures"], "firmware.bin", firmware, me, t(95, 0));
    for n in 1..=ARCHIVE_FILES {
        let name = format!("log-2025-{n:03}.txt");
        let day = (n % 28) + 1;
        file(
            drive,
            &["Archive", "2025"],
            &name,
            format!(
                "Log {n} of the 2025 archive\n2025-{:02}-{day:02} nightly sync completed: {} items, 0 errors.\n",
                (n % 12) + 1,
                n * 3
            )
            .into_bytes(),
            me,
            t(100 + (ARCHIVE_FILES - n) as i64 / 3, n as i64),
        );
    }
    let root = drive.root.clone();
    folders(drive, &root, &["Empty folder"], me, t(50, 0));
}

fn user_drive(user: &DemoUser, anchor: Timestamp) -> Drive {
    let me = who(user);
    let created = days_before(anchor, 400, 0);
    let mut drive = if user.personal {
        let cid = personal_cid(user);
        new_drive(
            cid.clone(),
            DriveKind::Personal,
            me.clone(),
            "OneDrive",
            format!("https://onedrive.live.com/?cid={cid}"),
            created,
        )
    } else {
        let slug = user.email.replace(['@', '.'], "_");
        new_drive(
            sharepoint_drive_id(&["drive", &user.id]),
            DriveKind::Business,
            me.clone(),
            "OneDrive",
            format!("https://contoso-my.sharepoint.com/personal/{slug}/Documents"),
            created,
        )
    };
    drive.user_id = Some(user.id.clone());
    personal_files(&mut drive, user, &me, anchor);
    drive
}

/// A library's files: (folders, name, bytes).
type LibraryFiles<'a> = Vec<(Vec<&'a str>, &'a str, Vec<u8>)>;

/// A site to lay out: its names, its libraries (name, address segment, files) and who follows it.
struct SiteSpec<'a> {
    name: &'a str,
    display_name: &'a str,
    description: &'a str,
    libraries: Vec<(&'a str, &'a str, LibraryFiles<'a>)>,
    followers: Vec<String>,
}

fn site(files: &mut Files, anchor: Timestamp, spec: SiteSpec, author: &Who) {
    let SiteSpec {
        name,
        display_name,
        description,
        libraries,
        followers,
    } = spec;
    let collection = guid(&["site-collection", name]);
    let web = guid(&["site-web", name]);
    let id = format!("{SHAREPOINT_HOST},{collection},{web}");
    let web_url = format!("https://{SHAREPOINT_HOST}/sites/{name}");
    let group = Who {
        id: guid(&["group", name]),
        name: display_name.to_string(),
        email: Some(format!("{name}@contoso.example")),
    };
    let created = days_before(anchor, 500, 0);
    let mut drives = Vec::new();
    for (library, url_name, content) in &libraries {
        let mut drive = new_drive(
            sharepoint_drive_id(&["library", name, library]),
            DriveKind::Library,
            group.clone(),
            library,
            format!("{web_url}/{}", url_name.replace(' ', "%20")),
            created,
        );
        drive.site_id = Some(id.clone());
        drive.description = format!("{library} of the {display_name} site");
        for (i, (folder, file_name, bytes)) in content.iter().enumerate() {
            file(
                &mut drive,
                folder,
                file_name,
                bytes.clone(),
                author,
                days_before(anchor, 30 - i as i64, 0),
            );
        }
        drives.push(drive.id.clone());
        files.drives.push(drive);
    }
    files.sites.push(Site {
        id,
        name: name.to_string(),
        display_name: display_name.to_string(),
        description: description.to_string(),
        web_url,
        created,
        drives,
        followers,
    });
}

/// Lay out every drive and site.
pub fn build(files: &mut Files, users: &[DemoUser], anchor: Timestamp) {
    for user in users {
        files.drives.push(user_drive(user, anchor));
    }
    // Each work user shares /Shared/Team notes.md with the other work users.
    let work: Vec<&DemoUser> = users.iter().filter(|u| !u.personal).collect();
    for user in &work {
        let me = who(user);
        let others: Vec<String> = work
            .iter()
            .filter(|o| o.id != user.id)
            .map(|o| o.id.clone())
            .collect();
        if let Some(drive) = files
            .drives
            .iter_mut()
            .find(|d| d.user_id.as_deref() == Some(user.id.as_str()))
        {
            let id = file(
                drive,
                &["Shared"],
                "Team notes.md",
                format!(
                    "# Team notes from {}\n\nStand-up moves to 9:30 on Mondays.\n",
                    user.display_name
                )
                .into_bytes(),
                &me,
                days_before(anchor, 5, 0),
            );
            if let Some(item) = drive.items.get_mut(&id) {
                item.shared_with = others;
            }
        }
    }
    let Some(author) = work.first().map(|u| who(u)) else {
        return;
    };
    let everyone: Vec<String> = work.iter().map(|u| u.id.clone()).collect();
    site(
        files,
        anchor,
        SiteSpec {
        name: "ContosoTeam",
        display_name: "Contoso Team",
        description: "Where the Contoso team keeps its shared documents.",
        libraries: vec![
            (
                "Documents",
                "Shared Documents",
                vec![
                    (
                        vec!["General"],
                        "Handbook.md",
                        b"# Employee handbook\n\nOffice hours are 8:00 to 18:00. Expenses go through the portal.\n"
                            .to_vec(),
                    ),
                    (
                        vec!["General"],
                        "Org chart.pdf",
                        pdf(&["Contoso organisation chart", "Retail, Marketing, Operations"]),
                    ),
                    (
                        vec!["Projects", "Apollo"],
                        "Apollo spec.docx",
                        docx(&["Apollo specification", "A loyalty programme for the spring."]),
                    ),
                    (
                        vec!["Projects", "Apollo"],
                        "data.csv",
                        b"week,signups\n1,120\n2,180\n3,260\n".to_vec(),
                    ),
                ],
            ),
            (
                "Policies",
                "Policies",
                vec![(
                    vec![],
                    "Travel policy.md",
                    b"# Travel policy\n\nBook economy for flights under six hours.\n".to_vec(),
                )],
            ),
        ],
        followers: everyone,
        },
        &author,
    );
    let megan: Vec<String> = work
        .iter()
        .filter(|u| u.email.starts_with("megan@"))
        .map(|u| u.id.clone())
        .collect();
    site(
        files,
        anchor,
        SiteSpec {
            name: "Marketing",
            display_name: "Marketing",
            description: "Campaigns, brand assets and the marketing calendar.",
            libraries: vec![(
                "Documents",
                "Shared Documents",
                vec![(
                    vec!["Campaigns"],
                    "Spring 2026.md",
                    b"# Spring 2026 campaign\n\nTheme: fresh starts. Budget approved.\n".to_vec(),
                )],
            )],
            followers: megan,
        },
        &author,
    );
}
