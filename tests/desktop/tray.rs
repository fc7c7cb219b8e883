//! The tray over its real protocol: the item's properties and menu, Open Patchbay and Quit, and a second
//! launch, with and without a patchbay:// link, handing over to the running Patchbay.

use crate::support::*;
use std::thread;
use std::time::{Duration, Instant};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

#[test]
fn tray_registers_shows_its_menu_and_quits() {
    require_session();
    let _turn = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());

    let (conn, rx) = play_watcher();
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let mut app = App::spawn(data_dir.path(), "first", &[]);
    let item = wait_for_item(&rx, &mut app);
    eprintln!("tray item registered: {item:?}");

    // The item's properties.
    let sni = item_proxy(&conn, &item, ITEM_IFACE);
    // Property mismatches are collected and reported together at the end (after Quit was still tried), so
    // one run shows every problem.
    let mut problems: Vec<String> = Vec::new();
    let title: String = sni.get_property("Title").expect("Title");
    if title != "Patchbay" {
        problems.push(format!(
            "StatusNotifierItem Title is {title:?}, expected \"Patchbay\" \
             (libayatana falls back to g_get_application_name(), i.e. the binary name, when no title is set)"
        ));
    }
    let status: String = sni.get_property("Status").expect("Status");
    if !["Active", "Passive", "NeedsAttention"].contains(&status.as_str()) {
        problems.push(format!("unexpected Status {status:?}"));
    }
    let icon_name: String = sni.get_property("IconName").unwrap_or_default();
    let pixmaps: Vec<(i32, i32, Vec<u8>)> = sni.get_property("IconPixmap").unwrap_or_default();
    if icon_name.is_empty()
        && !pixmaps
            .iter()
            .any(|(w, h, data)| *w > 0 && *h > 0 && !data.is_empty())
    {
        problems.push("the tray item has neither an IconName nor an IconPixmap".into());
    }
    // ToolTip is (icon name, icon pixmap, title, description). libayatana-appindicator (Debian 12's tray
    // library) does not export a ToolTip property at all, and Tauri documents tray tooltips as unsupported on
    // Linux: check it where the item declares it, and say so where it does not.
    let introspection: String = item_proxy(&conn, &item, "org.freedesktop.DBus.Introspectable")
        .call("Introspect", &())
        .expect("Introspect on the tray item failed");
    if introspection.contains("name=\"ToolTip\"") {
        let tooltip: OwnedValue = sni.get_property("ToolTip").expect("ToolTip");
        let tooltip_text: Vec<String> = match &*tooltip {
            Value::Structure(s) => s.fields().iter().filter_map(str_of).collect(),
            other => panic!("ToolTip is not a structure: {other:?}"),
        };
        eprintln!("tray tooltip fields: {tooltip_text:?}");
        if !tooltip_text.iter().any(|t| t.contains("Patchbay")) {
            problems.push(format!(
                "the ToolTip does not mention Patchbay: {tooltip_text:?}"
            ));
        }
    } else {
        eprintln!(
            "note: this StatusNotifierItem exports no ToolTip property (libayatana-appindicator); \
             the tray tooltip cannot be shown on this desktop"
        );
    }
    let menu_path: OwnedObjectPath = sni.get_property("Menu").expect("Menu");
    assert_ne!(menu_path.as_str(), "/", "the tray item exports no menu");

    // The menu, over com.canonical.dbusmenu. It may be exported a moment after the item: retry (bounded).
    let menu_item = ItemAddress {
        service: item.service.clone(),
        path: menu_path.to_string(),
    };
    let menu = item_proxy(&conn, &menu_item, MENU_IFACE);
    let deadline = Instant::now() + Duration::from_secs(10);
    let entries = loop {
        let entries = menu_entries(&menu);
        if id_of(&entries, "Quit").is_some() || Instant::now() > deadline {
            break entries;
        }
        thread::sleep(Duration::from_millis(200));
    };
    eprintln!("tray menu: {entries:?}");
    let labels: Vec<&str> = entries
        .iter()
        .filter_map(|(_, p)| p.get("label").map(String::as_str))
        .collect();
    let open_id = id_of(&entries, "Open Patchbay")
        .unwrap_or_else(|| panic!("no \"Open Patchbay\" entry in the tray menu: {labels:?}"));
    let quit_id = id_of(&entries, "Quit")
        .unwrap_or_else(|| panic!("no \"Quit\" entry in the tray menu: {labels:?}"));
    // Linux trays show no tooltip, so the status is the menu's first line, and it cannot be clicked.
    assert_eq!(
        labels.first().copied(),
        Some("No connections yet"),
        "the tray menu does not start with the connections' status: {labels:?}"
    );
    let status = &entries[1..]
        .iter()
        .find(|(_, p)| p.contains_key("label"))
        .expect("a labelled entry")
        .1;
    assert_eq!(
        status.get("enabled").map(String::as_str),
        Some("false"),
        "the status line in the tray menu can be clicked: {status:?}"
    );

    // "Open Patchbay" shows the window; the app keeps running.
    click(&menu, open_id);
    thread::sleep(Duration::from_millis(500));
    assert!(
        app.poll().is_none(),
        "the app exited after \"Open Patchbay\" was clicked: {:?}",
        app.poll()
    );

    // A second launch hands over to the running one and ends; a patchbay:// link it carries reaches the
    // running app, which refuses one that belongs to no sign-in it started, and does not come forward for it
    // (any web page can open such a link).
    let mut second = App::spawn(
        data_dir.path(),
        "second",
        &["patchbay://oauth/callback?code=forged&state=forged"],
    );
    let second_exit = second
        .wait_exit(EXIT_TIMEOUT)
        .unwrap_or_else(|| panic!("a second launch kept running: {}", second.log()));
    assert!(
        second_exit.success(),
        "the second launch exited with {second_exit}"
    );
    assert!(
        app.wait_log(
            "does not belong to a sign-in Patchbay started",
            EXIT_TIMEOUT
        ),
        "the running app did not refuse the forged patchbay:// link:\n{}",
        app.log()
    );
    assert!(
        !app.log()
            .contains("second launch: focusing the running Patchbay"),
        "a forged link brought the window forward:\n{}",
        app.log()
    );
    // A plain second launch (no link) brings the running one forward.
    let mut third = App::spawn(data_dir.path(), "third", &[]);
    let third_exit = third
        .wait_exit(EXIT_TIMEOUT)
        .unwrap_or_else(|| panic!("a third launch kept running: {}", third.log()));
    assert!(
        third_exit.success(),
        "the third launch exited with {third_exit}"
    );
    assert!(
        app.wait_log("second launch: focusing the running Patchbay", EXIT_TIMEOUT),
        "the running app did not hear of the plain second launch:\n{}",
        app.log()
    );
    assert!(app.poll().is_none(), "the first app ended: {}", app.log());

    // "Quit" ends the app with status 0.
    click(&menu, quit_id);
    let exit = app.wait_exit(EXIT_TIMEOUT).unwrap_or_else(|| {
        panic!("the app was still running {EXIT_TIMEOUT:?} after Quit was clicked")
    });
    assert!(
        exit.success(),
        "the app exited with {exit} after Quit:\n{}",
        app.log()
    );
    assert!(
        problems.is_empty(),
        "the tray item's properties are wrong:\n  {}",
        problems.join("\n  ")
    );
}
