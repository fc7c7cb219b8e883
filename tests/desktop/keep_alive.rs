//! Keeping connections alive, seen from the desktop: a sandbox connection that Microsoft revokes, found broken by
//! another process (as `patchbay check` would), turns the resident service's tray status and icon and sends one
//! notification with the reason (to a notification server this test plays); checking again sends none; clicking
//! it opens the window at the connection's Fix. "Start at login" writes and removes the service's XDG autostart
//! entry.

use crate::support::*;
use std::thread;
use std::time::{Duration, Instant};
use zbus::blocking::Proxy;
use zbus::zvariant::OwnedObjectPath;

/// Make a sandbox connection the way the app would, through the core, in `data_dir` and keychain entry
/// `service`. Returns its id.
pub(crate) fn connect_sandbox_connection(data_dir: &std::path::Path, service: &str) -> String {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut config = patchbay_core::CoreConfig::with_data_dir(data_dir.to_path_buf());
        config.keychain_service = service.to_string();
        let core = patchbay_core::Patchbay::new(config);
        let request = patchbay_core::model::ConnectRequest {
            connector_id: "outlook365".into(),
            environment: patchbay_core::environment::EnvironmentId::Sandbox,
            authority: None,
            graph_url: None,
            auth_type: patchbay_core::catalogue::AuthType::BuiltInApp,
            client_id: None,
            client_secret: None,
            client_secret_expires_on: None,
            tenant: None,
            features: None,
            scopes: None,
            redirect_uri: None,
            name: Some("Work mail".into()),
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let send = move |e| {
            let _ = tx.send(e);
        };
        let options = patchbay_core::connect::ConnectOptions {
            open_browser: false,
            timeout: Duration::from_secs(60),
        };
        let connecting = core.connect(
            request,
            options,
            "tray-test",
            &send,
            tokio_util::sync::CancellationToken::new(),
        );
        let browser = async {
            let auth_url = match rx.recv().await {
                Some(patchbay_core::model::ConnectEvent::WaitingForBrowser {
                    auth_url, ..
                }) => url::Url::parse(&auth_url).unwrap(),
                other => panic!("expected the sign-in URL, got {other:?}"),
            };
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let back = patchbay_sandbox::driver::sign_in(&http, &auth_url, ADELE, true)
                .await
                .unwrap();
            http.get(back).send().await.unwrap();
        };
        let (connected, ()) = tokio::join!(connecting, browser);
        let id = connected.expect("the sandbox connection").id.clone();
        core.shutdown(Duration::from_secs(5)).await;
        id
    })
}

/// Wait (bounded) until the menu has an entry whose label satisfies `pred`; the entries then.
pub(crate) fn wait_menu(
    menu: &Proxy<'_>,
    app: &mut App,
    what: &str,
    pred: impl Fn(&[MenuEntry]) -> bool,
) -> Vec<MenuEntry> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let entries = menu_entries(menu);
        if pred(&entries) {
            return entries;
        }
        if let Some(status) = app.poll() {
            panic!(
                "the app exited ({status}) while waiting for {what}:\n{}",
                app.log()
            );
        }
        if Instant::now() > deadline {
            panic!(
                "the tray menu never showed {what}: {entries:?}\n{}",
                app.log()
            );
        }
        thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn labels(entries: &[MenuEntry]) -> Vec<String> {
    entries
        .iter()
        .filter_map(|(_, p)| p.get("label").cloned())
        .collect()
}

/// A check of `id` by another process than the service (as `patchbay check --refresh` makes one).
fn check_elsewhere(data_dir: &std::path::Path, service: &str, id: &str) -> String {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut config = patchbay_core::CoreConfig::with_data_dir(data_dir.to_path_buf());
        config.keychain_service = service.to_string();
        let core = patchbay_core::Patchbay::new(config);
        let outcome = core
            .check_connection(
                id,
                patchbay_core::health::CheckOptions {
                    force_refresh: true,
                    ..Default::default()
                },
            )
            .await
            .expect("a check");
        core.shutdown(Duration::from_secs(5)).await;
        outcome.status.code().to_string()
    })
}

#[test]
fn a_connection_found_broken_elsewhere_turns_the_tray_and_notifies_once_and_the_click_opens_its_fix(
) {
    require_session();
    let _turn = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let home = tempfile::tempdir().expect("temp home");
    let service = format!("dev.patchbay.tray-test.{}", std::process::id());
    let id = connect_sandbox_connection(data_dir.path(), &service);

    let (conn, rx) = play_watcher();
    let (notifications, notified) = play_notifications();

    let home_dir = home.path().to_string_lossy().to_string();
    let config_dir = format!("{home_dir}/.config");
    let mut app = App::service(
        data_dir.path(),
        "keep-alive",
        &[],
        &[
            ("PATCHBAY_KEYCHAIN_SERVICE", service.as_str()),
            // Only the start-up sweep and "Check all now": the test decides when checks happen.
            ("PATCHBAY_CHECK_INTERVAL_SECS", "3600"),
            ("HOME", home_dir.as_str()),
            ("XDG_CONFIG_HOME", config_dir.as_str()),
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

    // After the start-up check: the status line, one entry for the connection, Check all now, Start at login.
    let healthy = "1 connection: 1 healthy";
    let entries = wait_menu(&menu, &mut app, healthy, |e| id_of(e, healthy).is_some());
    let all = labels(&entries);
    assert_eq!(all.first().map(String::as_str), Some(healthy), "{all:?}");
    assert!(all.contains(&"Work mail: healthy".to_string()), "{all:?}");
    for needed in ["Check all now", "Open Patchbay", "Start at login", "Quit"] {
        assert!(all.iter().any(|l| l == needed), "no {needed:?} in {all:?}");
    }
    let healthy_icon: Vec<(i32, i32, Vec<u8>)> = sni.get_property("IconPixmap").unwrap_or_default();

    // "Start at login" writes the XDG autostart entry that starts the service, and a second click removes it.
    let entry = home.path().join(".config/autostart/Patchbay.desktop");
    click(&menu, id_of(&entries, "Start at login").unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !entry.exists() {
        assert!(
            Instant::now() < deadline,
            "no autostart entry at {}:\n{}",
            entry.display(),
            app.log()
        );
        thread::sleep(Duration::from_millis(100));
    }
    let desktop = std::fs::read_to_string(&entry).unwrap();
    let exec = desktop
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .expect("an Exec line");
    assert!(
        exec.contains("patchbay-service"),
        "it starts the service: {desktop}"
    );
    assert!(!exec.contains("patchbay-app"), "not the window: {desktop}");
    let entries = wait_menu(&menu, &mut app, "Start at login checked", |e| {
        e.iter().any(|(_, p)| {
            p.get("label").map(String::as_str) == Some("Start at login")
                && p.get("toggle-state").map(String::as_str) == Some("1")
        })
    });
    click(&menu, id_of(&entries, "Start at login").unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    while entry.exists() {
        assert!(
            Instant::now() < deadline,
            "the autostart entry stayed after unticking"
        );
        thread::sleep(Duration::from_millis(100));
    }

    // Microsoft revokes the account (an administrator, in the sandbox's tenant), and another process checks
    // it, as `patchbay check` would: the service hears it through the data folder.
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
    assert_eq!(
        check_elsewhere(data_dir.path(), &service, &id),
        "needs_reconnect"
    );
    let checked = Instant::now();
    let broken = "1 connection: 1 needs reconnect";
    let entries = wait_menu(&menu, &mut app, broken, |e| id_of(e, broken).is_some());
    eprintln!(
        "a check elsewhere → the tray's menu: {} ms",
        checked.elapsed().as_millis()
    );
    let fix_label = "Work mail: needs reconnect · Fix…";
    let fix_id = id_of(&entries, fix_label)
        .unwrap_or_else(|| panic!("no {fix_label:?} in {:?}", labels(&entries)));
    let broken_icon: Vec<(i32, i32, Vec<u8>)> = sni.get_property("IconPixmap").unwrap_or_default();
    assert_ne!(
        broken_icon, healthy_icon,
        "the tray icon changes for attention"
    );
    let status: String = sni.get_property("Status").expect("Status");
    assert_eq!(status, "NeedsAttention");

    // One notification, with the reason in words and a default action to click.
    let note = notified
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("no notification:\n{}", app.log()));
    eprintln!(
        "a check elsewhere → the notification: {} ms",
        checked.elapsed().as_millis()
    );
    assert_eq!(note.app_name, "Patchbay");
    assert_eq!(note.summary, "Work mail needs attention");
    assert!(note.body.contains("password was changed"), "{}", note.body);
    assert!(!note.body.contains("invalid_grant"), "{}", note.body);
    assert!(
        note.actions.chunks(2).any(|a| a[0] == "default"),
        "{:?}",
        note.actions
    );

    // The service checks again ("Check all now") and finds it still broken: no second notification.
    click(&menu, id_of(&menu_entries(&menu), "Check all now").unwrap());
    assert!(
        app.wait_log("check all now (tray)", EXIT_TIMEOUT),
        "{}",
        app.log()
    );
    wait_menu(&menu, &mut app, broken, |e| id_of(e, broken).is_some());
    thread::sleep(Duration::from_millis(1500));
    assert!(
        notified.try_recv().is_err(),
        "a second notification for the same transition"
    );

    // Clicking the notification opens the window at the connection's Fix (so does the tray's Fix entry).
    notifications
        .emit_signal(
            None::<()>,
            NOTIFICATIONS_PATH,
            NOTIFICATIONS_NAME,
            "ActionInvoked",
            &(note.id, "default"),
        )
        .expect("ActionInvoked");
    let window_log = data_dir.path().join("window.log");
    let opened = format!("opening its Fix connection={id}");
    assert!(
        wait_file(&window_log, &opened, Duration::from_secs(30)),
        "the click did not open the window at the Fix:\n{}\n{}",
        app.log(),
        std::fs::read_to_string(&window_log).unwrap_or_default()
    );
    let window = logged_pid(&app.log(), "window started").expect("the window's pid");
    let _window = KillOnDrop(window);
    // The tray's Fix entry, with the window open: the running window takes it over.
    let fix_now = id_of(&menu_entries(&menu), fix_label).unwrap_or(fix_id);
    click(&menu, fix_now);
    let times = |text: &str| {
        std::fs::read_to_string(&window_log)
            .unwrap_or_default()
            .matches(text)
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while times(&opened) < 2 {
        assert!(
            Instant::now() < deadline,
            "the tray's Fix did not reach the open window:\n{}",
            std::fs::read_to_string(&window_log).unwrap_or_default()
        );
        thread::sleep(Duration::from_millis(100));
    }
    close_window(window);

    click(&menu, id_of(&menu_entries(&menu), "Quit").unwrap());
    let exit = app
        .wait_exit(EXIT_TIMEOUT)
        .unwrap_or_else(|| panic!("the service did not quit:\n{}", app.log()));
    assert!(exit.success(), "{exit}\n{}", app.log());
    assert!(
        app.log().contains("Patchbay's service stopped clean=true"),
        "every background task ended on Quit:\n{}",
        app.log()
    );
    runtime.block_on(admin.shutdown());
}
