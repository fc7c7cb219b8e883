//! Automations, seen from the desktop: the resident service runs them, and when Microsoft revokes the connection
//! an automation uses, the tray says "1 automation stopped: Work mail needs reconnect" and one notification says
//! so, its click aimed at the connection's Fix.

use crate::keep_alive::{connect_sandbox_connection, labels, wait_menu};
use crate::support::*;
use patchbay_core::automations::store::AutomationStore;
use patchbay_core::automations::{Action, Automation, Trigger};
use std::time::Duration;
use zbus::zvariant::OwnedObjectPath;

#[test]
fn a_connection_revoked_under_an_automation_stops_it_in_the_tray_and_one_notification_says_so() {
    require_session();
    let _turn = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let home = tempfile::tempdir().expect("temp home");
    let service = format!("dev.patchbay.automations-test.{}", std::process::id());
    let id = connect_sandbox_connection(data_dir.path(), &service);
    // Written as `patchbay automations add` would, but polled every second, so the test need not wait.
    let automation = Automation {
        id: "auto-1".into(),
        name: "Save invoices".into(),
        connection_id: id.clone(),
        trigger: Trigger::NewMail {
            folder: "inbox".into(),
            from: None,
            subject_contains: None,
            has_attachments: false,
        },
        action: Action::Run {
            argv: vec!["true".into()],
        },
        paused: false,
        notify: false,
        poll_secs: 1,
        created_at: "2026-12-04T00:00:00Z".into(),
    };
    AutomationStore::new(data_dir.path())
        .add(automation)
        .expect("the automation");

    let (conn, rx) = play_watcher();
    let (_notifications, notified) = play_notifications();
    let home_dir = home.path().to_string_lossy().to_string();
    let mut app = App::service(
        data_dir.path(),
        "automations",
        &[],
        &[
            ("PATCHBAY_KEYCHAIN_SERVICE", service.as_str()),
            ("PATCHBAY_CHECK_INTERVAL_SECS", "3600"),
            ("HOME", home_dir.as_str()),
        ],
    );
    let item = wait_for_item(&rx, &mut app);
    let sni = item_proxy(&conn, &item, ITEM_IFACE);
    let menu_path: OwnedObjectPath = sni.get_property("Menu").expect("Menu");
    let menu_item = ItemAddress {
        service: item.service.clone(),
        path: menu_path.to_string(),
    };
    let menu = item_proxy(&conn, &menu_item, MENU_IFACE);
    let healthy = "1 connection: 1 healthy";
    wait_menu(&menu, &mut app, healthy, |e| id_of(e, healthy).is_some());
    assert!(
        app.wait_log("Patchbay's service is running", EXIT_TIMEOUT),
        "{}",
        app.log()
    );

    // Microsoft revokes the account; the automation's next poll finds out.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let admin = runtime.block_on(async {
        patchbay_sandbox::Sandbox::start(patchbay_sandbox::SandboxOptions {
            tenant_file: Some(data_dir.path().join("sandbox-tenant.json")),
            ..Default::default()
        })
        .await
        .unwrap()
    });
    assert!(admin.control().revoke_user(ADELE).unwrap() >= 1);
    admin.control().expire_access_tokens(Some(ADELE)).unwrap();

    let stopped = "1 automation stopped: Work mail needs reconnect";
    let entries = wait_menu(&menu, &mut app, stopped, |e| id_of(e, stopped).is_some());
    let all = labels(&entries);
    assert_eq!(all.get(1).map(String::as_str), Some(stopped), "{all:?}");

    // Two notifications: the connection's, and one for the automations it stopped (whichever comes first).
    let mut notes = Vec::new();
    while notes.len() < 2 {
        let note = notified
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("notifications so far {notes:?}:\n{}", app.log()));
        notes.push(note);
    }
    let automations = notes
        .iter()
        .find(|n| n.summary == "Automations stopped")
        .unwrap_or_else(|| panic!("no automations note in {notes:?}"));
    assert_eq!(
        automations.body,
        "1 automation stopped: Work mail needs reconnect. They catch up once it is fixed."
    );
    assert!(notes
        .iter()
        .any(|n| n.summary == "Work mail needs attention"));
    // Still stopped at the next polls: said once.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        notified.try_recv().is_err(),
        "a second note for the same stop:\n{}",
        app.log()
    );
    assert!(
        app.log().contains("Save invoices stopped:"),
        "the log says it too:\n{}",
        app.log()
    );

    click(&menu, id_of(&menu_entries(&menu), "Quit").unwrap());
    let exit = app
        .wait_exit(EXIT_TIMEOUT)
        .unwrap_or_else(|| panic!("the service did not quit:\n{}", app.log()));
    assert!(exit.success(), "{exit}\n{}", app.log());
    runtime.block_on(admin.shutdown());
}
