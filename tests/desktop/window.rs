//! The window as its own program: started while no service runs, it starts one (detached, so it outlives the
//! window); a second launch, with or without a patchbay:// link, hands over to the running window; an older
//! version's *Start at login* entry (`--background`) starts the service and no window.

use crate::support::*;
use std::time::Duration;

#[test]
fn the_window_starts_the_service_and_hands_second_launches_over() {
    require_session();
    let _turn = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
    let data_dir = tempfile::tempdir().expect("temp data dir");
    assert_eq!(service_pid(data_dir.path()), None);
    // No tray host on this bus (no StatusNotifierWatcher), but a notification server.
    let (_notifications, notified) = play_notifications();

    let mut app = App::spawn(data_dir.path(), "first", &[]);
    let service = wait_service(data_dir.path(), Duration::from_secs(20))
        .unwrap_or_else(|| panic!("the window started no service:\n{}", app.log()));
    let _service = KillOnDrop(service);
    assert!(
        app.log().contains("started Patchbay's service"),
        "{}",
        app.log()
    );
    assert!(
        app.wait_log("page ready", Duration::from_secs(30)),
        "{}",
        app.log()
    );

    // A second launch hands over to the running window and ends; a patchbay:// link it carries reaches the
    // running window, which refuses one that belongs to no sign-in it started, and does not come forward for
    // it (any web page can open such a link).
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
        "the running window did not refuse the forged patchbay:// link:\n{}",
        app.log()
    );
    assert!(
        !app.log()
            .contains("second launch: focusing the running Patchbay"),
        "a forged link brought the window forward:\n{}",
        app.log()
    );
    // A plain second launch (no link) brings the running one forward; `--fix ID` opens that Fix in it.
    let mut third = App::spawn(data_dir.path(), "third", &[]);
    assert!(third.wait_exit(EXIT_TIMEOUT).is_some_and(|s| s.success()));
    assert!(
        app.wait_log("second launch: focusing the running Patchbay", EXIT_TIMEOUT),
        "{}",
        app.log()
    );
    let mut fourth = App::spawn(data_dir.path(), "fourth", &["--fix", "c-42"]);
    assert!(fourth.wait_exit(EXIT_TIMEOUT).is_some_and(|s| s.success()));
    assert!(
        app.wait_log("opening its Fix connection=c-42", EXIT_TIMEOUT),
        "{}",
        app.log()
    );
    // Only one service for all those launches.
    assert_eq!(service_pid(data_dir.path()), Some(service));

    // The window closes: its process ends, cleanly; the service it started lives on.
    close_window(app.pid());
    let exit = app
        .wait_exit(EXIT_TIMEOUT)
        .unwrap_or_else(|| panic!("the window process outlived its window:\n{}", app.log()));
    assert!(exit.success(), "{exit}\n{}", app.log());
    assert!(
        app.log().contains("Patchbay stopped clean=true"),
        "{}",
        app.log()
    );
    // Where no tray can show it, the closing window said where Patchbay went.
    let note = notified
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("no notification as the window closed:\n{}", app.log()));
    assert_eq!(note.app_name, "Patchbay");
    assert_eq!(note.summary, "Patchbay keeps running");
    assert!(note.body.contains("launch Patchbay again"), "{}", note.body);
    assert!(alive(service), "the service ended with the window");
    assert_eq!(service_pid(data_dir.path()), Some(service));
    stop_service(service);
}

#[test]
fn an_older_start_at_login_entry_starts_the_service_and_no_window() {
    require_session();
    let _turn = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let mut app = App::spawn(data_dir.path(), "login", &["--background"]);
    let exit = app
        .wait_exit(EXIT_TIMEOUT)
        .unwrap_or_else(|| panic!("`patchbay-app --background` kept running:\n{}", app.log()));
    assert!(exit.success(), "{exit}\n{}", app.log());
    assert!(!app.log().contains("window built"), "{}", app.log());
    let service = wait_service(data_dir.path(), Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no service started:\n{}", app.log()));
    let _service = KillOnDrop(service);
    stop_service(service);
}
