//! The resident service's tray over its real protocol (StatusNotifierItem + com.canonical.dbusmenu, spoken by
//! the service itself): the item's properties and menu, one service per data folder, *Open Patchbay* starting a
//! real window process that ends when its window closes while the service lives on, and Quit.

use crate::support::*;
use std::thread;
use std::time::{Duration, Instant};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

#[test]
fn the_services_tray_opens_a_window_that_ends_on_close_and_quits() {
    require_session();
    let _turn = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());

    let (conn, rx) = play_watcher();
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let home = tempfile::tempdir().expect("temp home");
    let config = format!("{}/.config", home.path().display());
    let env = [("XDG_CONFIG_HOME", config.as_str())];
    let mut service = App::service(data_dir.path(), "service", &[], &env);
    let item = wait_for_item(&rx, &mut service);
    eprintln!("tray item registered: {item:?}");

    // The item's properties. Mismatches are collected and reported together at the end (after Quit was still
    // tried), so one run shows every problem.
    let sni = item_proxy(&conn, &item, ITEM_IFACE);
    let mut problems: Vec<String> = Vec::new();
    let title: String = sni.get_property("Title").expect("Title");
    if title != "Patchbay" {
        problems.push(format!(
            "StatusNotifierItem Title is {title:?}, expected \"Patchbay\""
        ));
    }
    let status: String = sni.get_property("Status").expect("Status");
    if !["Active", "Passive", "NeedsAttention"].contains(&status.as_str()) {
        problems.push(format!("unexpected Status {status:?}"));
    }
    let pixmaps: Vec<(i32, i32, Vec<u8>)> = sni.get_property("IconPixmap").unwrap_or_default();
    if !pixmaps
        .iter()
        .any(|(w, h, data)| *w > 0 && *h > 0 && data.len() == (*w * *h * 4) as usize)
    {
        problems.push("the tray item has no ARGB IconPixmap".into());
    }
    // ToolTip is (icon name, icon pixmap, title, description).
    let tooltip: OwnedValue = sni.get_property("ToolTip").expect("ToolTip");
    let tooltip_text: Vec<String> = match &*tooltip {
        Value::Structure(s) => s.fields().iter().filter_map(str_of).collect(),
        other => panic!("ToolTip is not a structure: {other:?}"),
    };
    if !tooltip_text
        .iter()
        .any(|t| t.contains("Patchbay: No connections yet"))
    {
        problems.push(format!(
            "the ToolTip does not say the status: {tooltip_text:?}"
        ));
    }
    let menu_path: OwnedObjectPath = sni.get_property("Menu").expect("Menu");
    assert_ne!(menu_path.as_str(), "/", "the tray item exports no menu");
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
    assert!(
        labels.contains(&"Start at login"),
        "no Start at login: {labels:?}"
    );
    // Linux trays show no tooltip, so the status is the menu's first line, and it cannot be clicked.
    assert_eq!(
        labels.first().copied(),
        Some("No connections yet"),
        "the tray menu does not start with the connections' status: {labels:?}"
    );
    let status_line = &entries
        .iter()
        .find(|(_, p)| p.get("label").map(String::as_str) == Some("No connections yet"))
        .expect("the status line")
        .1;
    assert_eq!(
        status_line.get("enabled").map(String::as_str),
        Some("false"),
        "the status line in the tray menu can be clicked: {status_line:?}"
    );

    // One service per data folder: a second one finds it and ends at once, cleanly.
    let mut second = App::service(data_dir.path(), "second-service", &[], &env);
    let second_exit = second
        .wait_exit(EXIT_TIMEOUT)
        .unwrap_or_else(|| panic!("a second service kept running: {}", second.log()));
    assert!(
        second_exit.success(),
        "the second service exited with {second_exit}"
    );
    assert!(second.log().contains("already running"), "{}", second.log());
    assert_eq!(service_pid(data_dir.path()), Some(service.pid()));

    // "Open Patchbay" starts a real window process (WebKit and all); its page comes up.
    let window_log = data_dir.path().join("window.log");
    let clicked = Instant::now();
    click(&menu, open_id);
    assert!(
        service.wait_log("window started", EXIT_TIMEOUT),
        "the service did not start a window:\n{}",
        service.log()
    );
    let window = logged_pid(&service.log(), "window started").expect("the window's pid");
    let _window = KillOnDrop(window);
    assert!(
        wait_file(&window_log, "page ready", Duration::from_secs(30)),
        "the window's page did not come up:\n{}",
        std::fs::read_to_string(&window_log).unwrap_or_default()
    );
    eprintln!(
        "Open Patchbay → page ready: {} ms",
        clicked.elapsed().as_millis()
    );

    // Closed as a window manager closes it, the window process ends; the service lives on.
    close_window(window);
    let deadline = Instant::now() + EXIT_TIMEOUT;
    while alive(window) {
        assert!(
            Instant::now() < deadline,
            "the window process still runs after its window closed:\n{}",
            std::fs::read_to_string(&window_log).unwrap_or_default()
        );
        thread::sleep(Duration::from_millis(100));
    }
    assert!(
        std::fs::read_to_string(&window_log)
            .unwrap_or_default()
            .contains("window closed"),
        "the window did not log its close"
    );
    assert!(
        service.poll().is_none(),
        "the service ended with the window:\n{}",
        service.log()
    );
    assert_eq!(service_pid(data_dir.path()), Some(service.pid()));

    // "Quit" ends the service with status 0, its status file gone and its lock free.
    click(&menu, quit_id);
    let exit = service.wait_exit(EXIT_TIMEOUT).unwrap_or_else(|| {
        panic!("the service was still running {EXIT_TIMEOUT:?} after Quit was clicked")
    });
    assert!(
        exit.success(),
        "the service exited with {exit} after Quit:\n{}",
        service.log()
    );
    assert!(
        service
            .log()
            .contains("Patchbay's service stopped clean=true"),
        "every background task ended on Quit:\n{}",
        service.log()
    );
    assert_eq!(service_pid(data_dir.path()), None);
    assert!(!data_dir.path().join("service.json").exists());
    assert!(
        problems.is_empty(),
        "the tray item's properties are wrong:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn without_a_tray_host_or_a_desktop_the_service_runs_on_and_says_so() {
    require_session();
    let _turn = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
    // No StatusNotifierWatcher on the bus: a desktop without tray icons.
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let mut service = App::service(data_dir.path(), "no-tray", &[], &[]);
    assert!(
        service.wait_log("running without a tray", EXIT_TIMEOUT),
        "{}",
        service.log()
    );
    let status = wait_status(data_dir.path(), |s| s.contains("\"absent\""));
    assert!(status.contains("\"mode\": \"desktop\""), "{status}");
    assert!(status.contains("StatusNotifierWatcher"), "{status}");
    assert!(
        service.terminate().is_some_and(|s| s.success()),
        "{}",
        service.log()
    );

    // Headless: asked for, or no display at all.
    for (name, args, env) in [
        ("headless", vec!["--headless"], vec![]),
        (
            "no-display",
            vec![],
            vec![("DISPLAY", ""), ("WAYLAND_DISPLAY", "")],
        ),
    ] {
        let mut service = App::service(data_dir.path(), name, &args, &env);
        let status = wait_status(data_dir.path(), |s| s.contains("\"headless\""));
        assert!(status.contains("\"state\": \"off\""), "{name}: {status}");
        assert!(
            !service.log().contains("notification shown"),
            "{name}: {}",
            service.log()
        );
        assert!(
            service.terminate().is_some_and(|s| s.success()),
            "{name}: {}",
            service.log()
        );
        assert!(!data_dir.path().join("service.json").exists(), "{name}");
    }
}

/// Wait (bounded) until the service's status file satisfies `pred`; its text.
fn wait_status(data_dir: &std::path::Path, pred: impl Fn(&str) -> bool) -> String {
    let path = data_dir.join("service.json");
    let deadline = Instant::now() + EXIT_TIMEOUT;
    loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if pred(&text) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "service.json never said so: {text}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}
