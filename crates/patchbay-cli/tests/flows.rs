//! Built-in actions of `patchbay automations add` as processes against the sandbox (issue 25): attachments saved
//! once each, names made safe, here and in a OneDrive folder; a post to Teams filled as text; forward, move,
//! mark read and categorize; changed files copied; refusals in words at add; an automation stopped when the
//! connection it writes through needs Fix, catching up after.

mod common;

use common::{connect_connector, connect_teams, connect_to, own_sandbox, text, Home, ADELE};
use patchbay_sandbox::{FileContent, NewAttachment, NewMail, Sandbox};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const MEGAN: &str = "megan@contoso.example";

async fn add(home: &Home, args: &[&str]) -> Value {
    common::add_automation(home, args).await
}

/// `automations add` refused: its one error line.
async fn refused(home: &Home, args: &[&str]) -> String {
    let mut all = vec!["automations", "add"];
    all.extend_from_slice(args);
    let out = home.run(&all).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    common::error_line(&text(&out.stderr))
}

async fn run_once(home: &Home) -> String {
    let out = home.run(&["automations", "run", "--once"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

async fn history(home: &Home, id: &str) -> Vec<Value> {
    let out = home.run(&["automations", "history", id, "--json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn mail(sb: &Sandbox, from: &str, subject: &str, attachments: Vec<NewAttachment>) -> String {
    sb.control()
        .deliver_mail_with(
            ADELE,
            NewMail {
                from: ("Sender".into(), from.into()),
                subject: subject.into(),
                body: "Hello.".into(),
                attachments,
            },
        )
        .unwrap()
        .id
}

fn names_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn attachments_are_saved_once_each_with_safe_names_here_and_in_a_drive() {
    let sb = own_sandbox().await;
    let home = Home::new();
    let outlook = connect_to(&home, &sb, ADELE).await;
    let drive = connect_connector(&home, &sb, ADELE, "onedrive-sharepoint").await;
    let here = home.data.path().join("Saved attachments");
    let local = add(
        &home,
        &[
            "--connection",
            &outlook,
            "--on",
            "new-mail",
            "--save-attachments-to",
            here.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(local["action"]["kind"], "save_attachments", "{local}");
    assert_eq!(local["action"]["to"]["place"], "local", "{local}");
    let to_drive = format!("{drive}:/Invoices/From mail");
    let remote = add(
        &home,
        &[
            "--connection",
            &outlook,
            "--on",
            "new-mail",
            "--save-attachments-to",
            &to_drive,
        ],
    )
    .await;
    assert_eq!(remote["action"]["to"]["place"], "drive", "{remote}");
    assert_eq!(remote["action"]["to"]["connection_id"], drive.as_str());
    // The drive folder was made at add.
    assert!(
        sb.control()
            .file_info(ADELE, None, "/Invoices/From mail")
            .unwrap()
            .folder
    );
    // The baseline: mail already there is never saved.
    run_once(&home).await;
    assert!(names_in(&here).is_empty(), "{:?}", names_in(&here));

    let big = 4 * 1024 * 1024 + 17;
    let first = mail(
        &sb,
        "billing@fabrikam.example",
        "Invoice <b>42</b>",
        vec![
            NewAttachment::file(
                "invoice.pdf",
                "application/pdf",
                b"%PDF-1.7 invoice".to_vec(),
            ),
            NewAttachment::file("../../.bashrc", "text/plain", b"rm -rf ~".to_vec()),
            NewAttachment::file("CON.txt", "text/plain", b"reserved".to_vec()),
            NewAttachment::inline_image("logo.png", "logo@fabrikam", vec![0x89, b'P', b'N', b'G']),
            NewAttachment::mail("Original order", ("Megan", MEGAN), "The order."),
            NewAttachment::reference("Shared budget.xlsx", "application/vnd.ms-excel"),
            NewAttachment::sized("scan.bin", big),
        ],
    );
    run_once(&home).await;
    let saved = names_in(&here);
    assert_eq!(
        saved,
        [
            "invoice.pdf",
            "bashrc",
            "_CON.txt",
            "Original order.eml",
            "scan.bin"
        ]
        .into_iter()
        .map(String::from)
        .collect::<BTreeSet<_>>(),
        "inline pictures and links are not saved; hostile names stay one plain file in the folder"
    );
    assert_eq!(
        std::fs::read(here.join("invoice.pdf")).unwrap(),
        b"%PDF-1.7 invoice"
    );
    assert_eq!(std::fs::read(here.join("bashrc")).unwrap(), b"rm -rf ~");
    assert_eq!(
        std::fs::read(here.join("scan.bin")).unwrap(),
        patchbay_sandbox::attachment_pattern(big)
    );
    let eml = std::fs::read_to_string(here.join("Original order.eml")).unwrap();
    assert!(eml.contains("Subject: Original order"), "{eml}");
    // Nothing escaped the folder.
    assert!(!home.data.path().join(".bashrc").exists());
    assert!(!here.parent().unwrap().join("bashrc").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(here.join("invoice.pdf"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "saved attachments are the person's only");
        let folder = std::fs::metadata(&here).unwrap().permissions().mode();
        assert_eq!(folder & 0o077, 0, "the folder made for them too");
    }
    // The same in the drive.
    for (name, size) in [
        ("invoice.pdf", 16u64),
        ("bashrc", 8),
        ("_CON.txt", 8),
        ("scan.bin", big as u64),
    ] {
        let info = sb
            .control()
            .file_info(ADELE, None, &format!("/Invoices/From mail/{name}"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.size, size, "{name}");
    }
    assert!(sb
        .control()
        .file_info(ADELE, None, "/Invoices/From mail/Original order.eml")
        .is_ok());
    // Each attachment's bytes read once per automation (twice here: two automations), never again.
    let reads = sb.control().attachment_reads(ADELE).unwrap();
    let delivered = sb.control().mail_message(ADELE, &first).unwrap().unwrap();
    for id in &delivered.attachment_ids {
        assert!(reads.get(id).copied().unwrap_or(0) <= 2, "{id}: {reads:?}");
    }
    // History says what each did, in words.
    let h = history(&home, local["id"].as_str().unwrap()).await;
    let details: Vec<&str> = h.iter().filter_map(|e| e["detail"].as_str()).collect();
    assert!(
        details.iter().any(|d| d.contains("saved invoice.pdf")),
        "{details:?}"
    );

    // A second mail with a name already taken: numbered, the first kept.
    mail(
        &sb,
        "billing@fabrikam.example",
        "Invoice 43",
        vec![NewAttachment::file(
            "invoice.pdf",
            "application/pdf",
            b"second".to_vec(),
        )],
    );
    run_once(&home).await;
    assert_eq!(
        std::fs::read(here.join("invoice (1).pdf")).unwrap(),
        b"second"
    );
    assert_eq!(
        std::fs::read(here.join("invoice.pdf")).unwrap(),
        b"%PDF-1.7 invoice"
    );
    assert_eq!(
        sb.control()
            .file_bytes(ADELE, None, "/Invoices/From mail/invoice (1).pdf")
            .unwrap(),
        b"second"
    );
    // Another round: nothing saved twice.
    let before = names_in(&here);
    run_once(&home).await;
    assert_eq!(names_in(&here), before);
    // `show` describes it in words.
    let out = home
        .run(&["automations", "show", remote["id"].as_str().unwrap()])
        .await;
    let shown = text(&out.stdout);
    assert!(shown.contains("/Invoices/From mail"), "{shown}");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_post_to_teams_is_the_template_filled_as_text() {
    let sb = own_sandbox().await;
    let home = Home::new();
    let outlook = connect_to(&home, &sb, ADELE).await;
    let teams = connect_teams(&home, &sb, ADELE, &[]).await;
    let chat = sb.control().teams_chat_id(ADELE, MEGAN).unwrap();
    let added = add(
        &home,
        &[
            "--connection",
            &outlook,
            "--on",
            "new-mail",
            "--post-to-teams",
            &teams,
            "--chat",
            &chat,
            "--message",
            "New mail from {from}: {subject} {{ok}}",
        ],
    )
    .await;
    assert_eq!(added["action"]["kind"], "post_to_teams", "{added}");
    assert_eq!(added["action"]["connection_id"], teams.as_str());
    run_once(&home).await;
    assert!(sb.control().teams_sent(ADELE).unwrap().is_empty());
    mail(
        &sb,
        "ada@contoso.example",
        "<b>Quarterly</b> & more",
        vec![],
    );
    run_once(&home).await;
    let sent = sb.control().teams_sent(ADELE).unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].chat_id.as_deref(), Some(chat.as_str()));
    // As text: the characters the subject had, never markup.
    let shown = if sent[0].content_type == "text" {
        sent[0].content.clone()
    } else {
        sent[0]
            .content
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    assert!(
        shown.contains("New mail from Sender <ada@contoso.example>: <b>Quarterly</b> & more {ok}"),
        "{shown}"
    );
    if sent[0].content_type == "html" {
        assert!(!sent[0].content.contains("<b>"), "{}", sent[0].content);
    }
    run_once(&home).await;
    assert_eq!(sb.control().teams_sent(ADELE).unwrap().len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn mail_is_forwarded_moved_marked_read_and_categorized_once() {
    let sb = own_sandbox().await;
    let home = Home::new();
    let outlook = connect_to(&home, &sb, ADELE).await;
    let on = |from: &'static str| {
        [
            "--connection".to_string(),
            outlook.clone(),
            "--on".into(),
            "new-mail".into(),
            "--from".into(),
            from.into(),
        ]
    };
    let with = |base: [String; 6], extra: &[&str]| {
        let mut v: Vec<String> = base.to_vec();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    for args in [
        with(
            on("fwd@fabrikam.example"),
            &["--forward-to", "ap@contoso.example,books@contoso.example"],
        ),
        with(on("move@fabrikam.example"), &["--move-to", "Archive"]),
        with(on("read@fabrikam.example"), &["--mark-read"]),
        with(on("tag@fabrikam.example"), &["--categorize", "Invoices"]),
    ] {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        add(&home, &refs).await;
    }
    run_once(&home).await;
    let fwd = mail(&sb, "fwd@fabrikam.example", "Forward me", vec![]);
    let moved = mail(&sb, "move@fabrikam.example", "Move me", vec![]);
    let read = mail(&sb, "read@fabrikam.example", "Read me", vec![]);
    let tag = mail(&sb, "tag@fabrikam.example", "Tag me", vec![]);
    run_once(&home).await;
    run_once(&home).await;

    let forwards = sb.control().mail_forwards(ADELE).unwrap();
    assert_eq!(forwards.len(), 1, "forwarded once: {forwards:?}");
    assert_eq!(forwards[0]["forward_of"], fwd.as_str(), "{forwards:?}");
    let to = forwards[0]["to"].to_string();
    assert!(
        to.contains("ap@contoso.example") && to.contains("books@contoso.example"),
        "{to}"
    );
    let m = sb
        .control()
        .mail_message_by_original(ADELE, &moved)
        .unwrap()
        .unwrap();
    assert_eq!(m.folder, "archive", "{m:?}");
    let r = sb.control().mail_message(ADELE, &read).unwrap().unwrap();
    assert!(r.is_read);
    let t = sb.control().mail_message(ADELE, &tag).unwrap().unwrap();
    assert_eq!(t.categories, ["Invoices"]);
    assert!(!t.is_read, "only what was asked");
    sb.shutdown().await;
}

#[tokio::test]
async fn changed_files_are_copied_here_and_to_another_drive() {
    let sb = own_sandbox().await;
    let home = Home::new();
    let mine = connect_connector(&home, &sb, ADELE, "onedrive-sharepoint").await;
    let megans = connect_connector(&home, &sb, MEGAN, "onedrive-sharepoint").await;
    let here = home.data.path().join("Mirror");
    let put = |path: &str, body: &str| {
        sb.control()
            .put_file(ADELE, None, path, FileContent::Text(body.into()))
            .unwrap();
    };
    put("/Reports/old.txt", "before");
    add(
        &home,
        &[
            "--connection",
            &mine,
            "--on",
            "file-changed",
            "--folder",
            "/Reports",
            "--copy-to",
            here.to_str().unwrap(),
        ],
    )
    .await;
    let dest = format!("{megans}:/From Adele");
    add(
        &home,
        &[
            "--connection",
            &mine,
            "--on",
            "file-changed",
            "--folder",
            "/Reports",
            "--copy-to",
            &dest,
        ],
    )
    .await;
    run_once(&home).await;
    assert!(names_in(&here).is_empty(), "the baseline copies nothing");
    put("/Reports/q4.txt", "fourth quarter");
    put("/Reports/Sub/deep.txt", "deeper");
    run_once(&home).await;
    assert_eq!(
        std::fs::read_to_string(here.join("q4.txt")).unwrap(),
        "fourth quarter"
    );
    assert_eq!(
        std::fs::read_to_string(here.join("Sub").join("deep.txt")).unwrap(),
        "deeper"
    );
    assert_eq!(
        sb.control()
            .file_bytes(MEGAN, None, "/From Adele/q4.txt")
            .unwrap(),
        b"fourth quarter"
    );
    // A change: the copy follows.
    put("/Reports/q4.txt", "fourth quarter, revised");
    run_once(&home).await;
    assert_eq!(
        std::fs::read_to_string(here.join("q4.txt")).unwrap(),
        "fourth quarter, revised"
    );
    assert_eq!(
        sb.control()
            .file_bytes(MEGAN, None, "/From Adele/q4.txt")
            .unwrap(),
        b"fourth quarter, revised"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn what_cannot_work_is_refused_at_add_in_words() {
    let sb = own_sandbox().await;
    let home = Home::new();
    let outlook = connect_to(&home, &sb, ADELE).await;
    let drive = connect_connector(&home, &sb, ADELE, "onedrive-sharepoint").await;
    let teams = connect_teams(&home, &sb, ADELE, &[]).await;
    let chat = sb.control().teams_chat_id(ADELE, MEGAN).unwrap();
    let base = ["--connection", outlook.as_str(), "--on", "new-mail"];
    let with = |extra: &[&str]| {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        v.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            with(&["--mark-read", "--move-to", "archive"]),
            "each an action",
        ),
        (with(&["--forward-to", "not an address"]), "not an address"),
        (with(&["--move-to", "No such folder"]), "no folder"),
        (
            with(&["--save-attachments-to", &format!("{outlook}:/Invoices")]),
            "",
        ),
        (
            with(&["--save-attachments-to", "nobody-by-that-name:/Invoices"]),
            "",
        ),
        (
            with(&[
                "--post-to-teams",
                &teams,
                "--chat",
                &chat,
                "--message",
                "Hi {body}",
            ]),
            "{body}",
        ),
        (with(&["--post-to-teams", &teams, "--message", "Hi"]), ""),
    ];
    for (args, words) in cases {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let line = refused(&home, &refs).await;
        eprintln!("{line}");
        assert!(line.contains(words), "{args:?}: {line}");
    }
    // A command and a built-in action: the usage error of any two flags that exclude each other.
    let mut both = vec!["automations", "add"];
    both.extend_from_slice(&base);
    both.extend(["--mark-read", "--run", "true"]);
    let out = home.run(&both).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot be used with"),
        "{}",
        text(&out.stderr)
    );
    // An action for another trigger.
    let line = refused(
        &home,
        &[
            "--connection",
            &drive,
            "--on",
            "file-changed",
            "--save-attachments-to",
            "/tmp/x",
        ],
    )
    .await;
    assert!(
        line.contains("Choose a Microsoft Outlook 365 connection"),
        "{line}"
    );
    // Nothing was added.
    let out = home.run(&["automations", "list", "--json"]).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        serde_json::json!([])
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_destination_that_needs_fix_stops_the_automation_which_catches_up_after() {
    let sb = own_sandbox().await;
    let home = Home::new();
    let outlook = connect_to(&home, &sb, ADELE).await;
    let megans = connect_connector(&home, &sb, MEGAN, "onedrive-sharepoint").await;
    let dest = format!("{megans}:/Inbox files");
    let added = add(
        &home,
        &[
            "--connection",
            &outlook,
            "--on",
            "new-mail",
            "--save-attachments-to",
            &dest,
        ],
    )
    .await;
    let id = added["id"].as_str().unwrap().to_string();
    run_once(&home).await;
    sb.control().revoke_user(MEGAN).unwrap();
    sb.control().expire_access_tokens(Some(MEGAN)).unwrap();
    mail(
        &sb,
        "ada@contoso.example",
        "While Megan's drive is broken",
        vec![NewAttachment::file(
            "kept.txt",
            "text/plain",
            b"kept".to_vec(),
        )],
    );
    let out = home.run(&["automations", "run", "--once"]).await;
    let stderr = text(&out.stderr);
    assert!(stderr.contains("stopped"), "{stderr}");
    let out = home.run(&["automations", "show", &id, "--json"]).await;
    let view: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["state"], "stopped", "{view}");
    assert!(
        sb.control()
            .file_info(MEGAN, None, "/Inbox files/kept.txt")
            .is_err(),
        "nothing saved while broken"
    );

    let fixing = home
        .start_sign_in(&["fix", &megans, "--no-browser"], None, false, &[])
        .await;
    fixing.sign_in(MEGAN, true).await;
    assert_eq!(fixing.finish().await.code, Some(0));
    run_once(&home).await;
    assert_eq!(
        sb.control()
            .file_bytes(MEGAN, None, "/Inbox files/kept.txt")
            .unwrap(),
        b"kept",
        "caught up after Fix"
    );
    let out = home.run(&["automations", "show", &id, "--json"]).await;
    let view: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["state"], "active", "{view}");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_forward_graph_did_not_confirm_is_never_sent_again_until_retry() {
    let sb = own_sandbox().await;
    let home = Home::new();
    let outlook = connect_to(&home, &sb, ADELE).await;
    let added = add(
        &home,
        &[
            "--connection",
            &outlook,
            "--on",
            "new-mail",
            "--forward-to",
            "ap@contoso.example",
        ],
    )
    .await;
    let id = added["id"].as_str().unwrap().to_string();
    run_once(&home).await;
    let fwd = mail(&sb, "billing@fabrikam.example", "Forward me once", vec![]);
    // Exchange forwards it, and the gateway answers 504.
    sb.control().unconfirm_next_forwards(1);
    let out = home.run(&["automations", "run", "--once"]).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "left failing: {}",
        text(&out.stderr)
    );
    assert_eq!(sb.control().mail_forwards(ADELE).unwrap().len(), 1);
    // Failed at once, in words, and not sent again by the rounds after.
    let h = history(&home, &id).await;
    let last = h.last().unwrap();
    assert_eq!(last["outcome"], "failed", "{h:?}");
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .contains("may have carried it out"),
        "{last}"
    );
    for _ in 0..2 {
        let out = home.run(&["automations", "run", "--once"]).await;
        assert_eq!(out.status.code(), Some(1));
    }
    let forwards = sb.control().mail_forwards(ADELE).unwrap();
    assert_eq!(
        forwards.len(),
        1,
        "never sent again on its own: {forwards:?}"
    );
    assert_eq!(forwards[0]["forward_of"], fwd.as_str());
    // Retry is the person's word that it did not go: it is sent again.
    let out = home.run(&["automations", "retry", &id]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    run_once(&home).await;
    assert_eq!(sb.control().mail_forwards(ADELE).unwrap().len(), 2);
    sb.shutdown().await;
}
