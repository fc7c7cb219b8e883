//! The first run, as a new user has it: a home folder that has never seen Patchbay (no `~/.local/share/patchbay`,
//! no `~/.config`), and the programs finding their data folder where a person's is, not through
//! `PATCHBAY_DATA_DIR`. The window started from the menu starts the resident service at once and its tray
//! registers on D-Bus; so it does when `patchbay connect`, run first from a terminal, made the data folder, and
//! the tray lists that connection. Every folder the first run makes is private, and `patchbay doctor` run then
//! sees the service the window started.

use crate::keep_alive::{labels, wait_menu};
use crate::support::*;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use zbus::blocking::Connection;
use zbus::zvariant::OwnedObjectPath;

/// How long a `patchbay` command of this test may take.
const CLI_LIMIT: Duration = Duration::from_secs(60);

/// A home folder that has never seen Patchbay, and a folder apart for the test's own logs: the data folder must
/// be made by Patchbay, not by the test.
struct FreshHome {
    home: tempfile::TempDir,
    logs: tempfile::TempDir,
    keychain_service: String,
}

impl FreshHome {
    fn new(name: &str) -> Self {
        let fresh = Self {
            home: tempfile::tempdir().expect("a temporary home"),
            logs: tempfile::tempdir().expect("a folder for the test's logs"),
            keychain_service: format!("dev.patchbay.first-run.{name}.{}", std::process::id()),
        };
        assert!(
            !fresh.home.path().join(".local").exists(),
            "the home is not fresh"
        );
        fresh
    }

    /// Where a person's data folder is (`$HOME/.local/share/patchbay`).
    fn data_dir(&self) -> PathBuf {
        self.home.path().join(".local/share/patchbay")
    }

    /// `program` as a person's session starts it in this home: no PATCHBAY_DATA_DIR, no XDG_* overrides.
    fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        command.args(args);
        programs_env(&mut command);
        for var in [
            "PATCHBAY_DATA_DIR",
            "XDG_DATA_HOME",
            "XDG_CONFIG_HOME",
            "XDG_CACHE_HOME",
            "XDG_STATE_HOME",
        ] {
            command.env_remove(var);
        }
        command
            .env("HOME", self.home.path())
            .env("PATCHBAY_KEYCHAIN_SERVICE", &self.keychain_service);
        command
    }

    /// The window, as the menu entry starts it (its stdout, which says nothing, and its WebKit processes' kept
    /// off the test's own).
    fn window(&self) -> App {
        let mut command = self.command(&app_binary(), &[]);
        command.stdout(Stdio::null());
        App::run(command, self.logs.path().join("window.log"))
    }

    /// What the service the window started wrote in its log, for a failure's message.
    fn service_log(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("service.log"))
            .unwrap_or_else(|e| format!("(no service.log: {e})"))
    }

    /// `patchbay ARGS` to its end (bounded): exit code, stdout, stderr.
    fn cli(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let mut command = self.command(&cli_binary(), args);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the CLI starts");
        let (stdout, stderr) = (read_all(child.stdout.take()), read_all(child.stderr.take()));
        let status = wait_child(&mut child, &format!("patchbay {}", args.join(" ")));
        let text = |rx: mpsc::Receiver<String>| rx.recv().unwrap_or_default();
        (status.code(), text(stdout), text(stderr))
    }
}

/// Read a pipe to its end on a thread of its own.
fn read_all(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        let _ = tx.send(text);
    });
    rx
}

fn wait_child(child: &mut std::process::Child, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + CLI_LIMIT;
    loop {
        if let Some(status) = child.try_wait().expect("waiting for the CLI") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`{what}` did not end within {CLI_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The file's mode bits.
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{} is not there: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every folder the first run made on the way to the data folder is 0700, and `files` in it are 0600.
fn assert_private(fresh: &FreshHome, files: &[&str]) {
    let home = fresh.home.path();
    for dir in [
        home.join(".local"),
        home.join(".local/share"),
        fresh.data_dir(),
    ] {
        let mode = mode(&dir);
        assert!(
            mode == 0o700,
            "{} was made {mode:o}, not 0700: open to other users",
            dir.display()
        );
    }
    for file in files {
        let path = fresh.data_dir().join(file);
        let mode = mode(&path);
        assert!(
            mode == 0o600,
            "{} was made {mode:o}, not 0600: open to other users",
            path.display()
        );
    }
}

/// The process that owns a bus name.
fn owner_pid(conn: &Connection, bus_name: &str) -> u32 {
    let dbus = zbus::blocking::fdo::DBusProxy::new(conn).expect("the bus's own proxy");
    dbus.get_connection_unix_process_id(
        zbus::names::BusName::try_from(bus_name).expect("a bus name"),
    )
    .unwrap_or_else(|e| panic!("who owns {bus_name}: {e}"))
}

/// The window started in `fresh` starts the service; its tray item (the service's, not the window's) registers
/// with the watcher this test plays. The service's pid, and the item.
fn window_starts_service_and_tray(
    fresh: &FreshHome,
    conn: &Connection,
    rx: &mpsc::Receiver<ItemAddress>,
    window: &mut App,
) -> (u32, ItemAddress) {
    let service = wait_service(&fresh.data_dir(), Duration::from_secs(20)).unwrap_or_else(|| {
        panic!(
            "the first window started no service.\nwindow:\n{}\nservice:\n{}",
            window.log(),
            fresh.service_log()
        )
    });
    let item = wait_for_item(rx, window);
    assert_eq!(
        owner_pid(conn, &item.service),
        service,
        "the tray item is not the service's"
    );
    let log = window.log();
    assert!(log.contains("started Patchbay's service"), "{log}");
    assert!(!log.contains("could not start"), "{log}");
    (service, item)
}

/// The tray item's menu (com.canonical.dbusmenu).
fn menu_of(conn: &Connection, item: &ItemAddress) -> zbus::blocking::Proxy<'static> {
    let menu_path: OwnedObjectPath = item_proxy(conn, item, ITEM_IFACE)
        .get_property("Menu")
        .expect("the tray item's Menu");
    zbus::blocking::proxy::Builder::new(conn)
        .destination(item.service.clone())
        .expect("bad item bus name")
        .path(menu_path)
        .expect("bad menu path")
        .interface(MENU_IFACE)
        .expect("bad interface name")
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .expect("could not make a proxy for the tray's menu")
}

/// Close the window as a person does, once its page is up; the service it started stays, then ends on SIGTERM.
fn close_and_stop(window: &mut App, service: u32) {
    assert!(
        window.wait_log("page ready", Duration::from_secs(30)),
        "the window's page never came up:\n{}",
        window.log()
    );
    close_window(window.pid());
    let exit = window
        .wait_exit(EXIT_TIMEOUT)
        .unwrap_or_else(|| panic!("the window outlived its window:\n{}", window.log()));
    assert!(exit.success(), "{exit}\n{}", window.log());
    assert!(alive(service), "the service ended with the window");
    stop_service(service);
}

#[test]
fn the_first_window_in_a_home_that_never_saw_patchbay_starts_the_service_and_its_tray() {
    require_session();
    let _turn = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
    let fresh = FreshHome::new("window");
    let (conn, rx) = play_watcher();

    let mut window = fresh.window();
    let (service, item) = window_starts_service_and_tray(&fresh, &conn, &rx, &mut window);
    let _service = KillOnDrop(service);
    let title: String = item_proxy(&conn, &item, ITEM_IFACE)
        .get_property("Title")
        .expect("the tray item's Title");
    assert_eq!(title, "Patchbay");
    assert_private(&fresh, &["service.log", "service.lock", "service.json"]);

    // Start at login, ticked on the first day: the entry is written though the home had no ~/.config, and it
    // starts the service.
    let menu = menu_of(&conn, &item);
    let entries = wait_menu(&menu, &mut window, "Start at login", |e| {
        id_of(e, "Start at login").is_some()
    });
    click(
        &menu,
        id_of(&entries, "Start at login").expect("Start at login"),
    );
    let entry = fresh.home.path().join(".config/autostart/Patchbay.desktop");
    assert!(
        wait_file(&entry, "Exec=", Duration::from_secs(10)),
        "no autostart entry at {}\nservice:\n{}",
        entry.display(),
        fresh.service_log()
    );
    let text = std::fs::read_to_string(&entry).expect("the autostart entry");
    assert!(text.contains("patchbay-service"), "{text}");

    // From a terminal now, `patchbay doctor` sees the service the window started, as This computer does.
    let (_, stdout, stderr) = fresh.cli(&["doctor", "--json"]);
    let checks: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("doctor --json said no JSON ({e}): {stdout}\n{stderr}"));
    let check = checks
        .as_array()
        .and_then(|all| all.iter().find(|c| c["id"] == "service"))
        .unwrap_or_else(|| panic!("no service check: {checks}"));
    assert_eq!(check["status"], "ok", "{check}");
    assert!(
        check["summary"]
            .as_str()
            .is_some_and(|s| s.contains(&format!("pid {service}"))),
        "{check}"
    );

    close_and_stop(&mut window, service);
}

#[test]
fn a_connection_made_first_from_a_terminal_is_in_the_tray_of_the_service_the_window_then_starts() {
    require_session();
    let _turn = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
    let fresh = FreshHome::new("cli");

    // `patchbay connect`, the first thing this person runs, against the sandbox the CLI serves itself.
    let mut command = fresh.command(
        &cli_binary(),
        &[
            "connect",
            "--connector",
            "outlook365",
            "--environment",
            "sandbox",
            "--no-browser",
            "--json",
            "--name",
            "Work mail",
        ],
    );
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut connect = command.spawn().expect("patchbay connect starts");
    let stderr = read_all(connect.stderr.take());
    let (lines_tx, lines) = mpsc::channel();
    let stdout = connect.stdout.take().expect("its stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let auth_url = lines.recv_timeout(CLI_LIMIT).unwrap_or_else(|_| {
        let _ = connect.kill();
        panic!(
            "patchbay connect printed no sign-in URL:\n{}",
            stderr.recv().unwrap_or_default()
        )
    });
    let auth_url = url::Url::parse(&auth_url)
        .unwrap_or_else(|e| panic!("not a sign-in URL ({e}): {auth_url}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let back = patchbay_sandbox::driver::sign_in(&http, &auth_url, ADELE, true)
            .await
            .expect("signing in on the sandbox's pages");
        http.get(back)
            .send()
            .await
            .expect("the CLI's loopback listener answers");
    });
    let status = wait_child(&mut connect, "patchbay connect");
    let said = stderr.recv().unwrap_or_default();
    assert!(status.success(), "patchbay connect: {status}\n{said}");
    let summary: String = lines.try_iter().collect::<Vec<_>>().join("\n");
    let summary: serde_json::Value = serde_json::from_str(&summary)
        .unwrap_or_else(|e| panic!("no JSON summary ({e}): {summary}\n{said}"));
    assert_eq!(summary["account"]["email"], ADELE, "{summary}");
    assert_private(&fresh, &["connections.json"]);
    assert_eq!(
        service_pid(&fresh.data_dir()),
        None,
        "the CLI starts no service"
    );

    // Then the window, from the menu: it starts the service, whose tray lists the connection, checked.
    let (conn, rx) = play_watcher();
    let mut window = fresh.window();
    let (service, item) = window_starts_service_and_tray(&fresh, &conn, &rx, &mut window);
    let _service = KillOnDrop(service);
    let menu = menu_of(&conn, &item);
    let healthy = "Work mail: healthy";
    let entries = wait_menu(&menu, &mut window, healthy, |e| id_of(e, healthy).is_some());
    assert_eq!(
        labels(&entries).first().map(String::as_str),
        Some("1 connection: 1 healthy"),
        "{:?}\nservice:\n{}",
        labels(&entries),
        fresh.service_log()
    );
    assert_private(&fresh, &["connections.json", "service.log", "service.lock"]);
    // (Closing the window, and the service living on, is the test above's.)
    stop_service(service);
}
