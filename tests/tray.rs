//! The tray, tested over its real protocol (StatusNotifierItem + com.canonical.dbusmenu on the session bus).
//!
//! Under Xvfb nothing shows a tray, but the tray still speaks D-Bus: this test plays the
//! `org.kde.StatusNotifierWatcher` on its own session bus *before* it starts the real app binary, waits for the
//! app's tray item to register, reads the item's properties and menu, clicks "Open Patchbay" and then "Quit".
//!
//! A second test plays `org.freedesktop.Notifications` too: a sandbox connection that Microsoft revokes turns
//! the tray's status and icon, sends one notification with the reason, and clicking it opens the connection's
//! Fix; "Start at login" writes and removes the XDG autostart entry.
//!
//! It needs a session bus and an X display: run it through `scripts/test`, which starts Xvfb and
//! `dbus-run-session` for it. Only one Patchbay may run per session bus (single instance), so the tests here run
//! one at a time (`.config/nextest.toml`, and a lock for plain `cargo test`).

use std::collections::HashMap;
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use zbus::blocking::{connection, proxy, Connection, Proxy};
use zbus::message::Header;
use zbus::object_server::SignalEmitter;
use zbus::proxy::CacheProperties;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

const WATCHER_NAME: &str = "org.kde.StatusNotifierWatcher";
const WATCHER_PATH: &str = "/StatusNotifierWatcher";
const ITEM_IFACE: &str = "org.kde.StatusNotifierItem";
const MENU_IFACE: &str = "com.canonical.dbusmenu";
const REGISTER_TIMEOUT: Duration = Duration::from_secs(30);
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a registered item lives: the caller's bus name and the object path.
#[derive(Debug, Clone)]
struct ItemAddress {
    service: String,
    path: String,
}

/// A minimal StatusNotifierWatcher (freedesktop/KDE StatusNotifierItem spec).
struct Watcher {
    items: Vec<String>,
    registered: mpsc::Sender<ItemAddress>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    /// `service` is either a bus name (item at /StatusNotifierItem) or, as libayatana does, an object path on
    /// the caller's connection.
    async fn register_status_notifier_item(
        &mut self,
        service: &str,
        #[zbus(header)] header: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        let address = if service.starts_with('/') {
            ItemAddress {
                service: sender,
                path: service.to_string(),
            }
        } else {
            ItemAddress {
                service: service.to_string(),
                path: "/StatusNotifierItem".to_string(),
            }
        };
        let id = format!("{}{}", address.service, address.path);
        self.items.push(id.clone());
        let _ = Self::status_notifier_item_registered(&emitter, &id).await;
        let _ = self.registered.send(address);
    }

    async fn register_status_notifier_host(
        &mut self,
        _service: &str,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        let _ = Self::status_notifier_host_registered(&emitter).await;
    }

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.clone()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(signal)]
    async fn status_notifier_item_registered(
        emitter: &SignalEmitter<'_>,
        service: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn status_notifier_item_unregistered(
        emitter: &SignalEmitter<'_>,
        service: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn status_notifier_host_registered(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn status_notifier_host_unregistered(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

/// The app process; killed (and reaped) when dropped unless it already exited.
struct App {
    child: Child,
    exited: Option<ExitStatus>,
    log: std::path::PathBuf,
}

/// The app under test: this build's, or an installed one (`PATCHBAY_APP_BINARY=/usr/bin/patchbay-app`, as
/// scripts/test-package runs these tests against the package it just installed).
fn app_binary() -> std::path::PathBuf {
    std::env::var_os("PATCHBAY_APP_BINARY")
        .map(Into::into)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_patchbay-app").into())
}

impl App {
    /// Start the app binary with `args`; its stderr (the log) goes to `<data_dir>/<name>.log`.
    fn spawn(data_dir: &std::path::Path, name: &str, args: &[&str]) -> App {
        Self::spawn_with(data_dir, name, args, &[])
    }

    /// As [`App::spawn`], with more environment variables.
    fn spawn_with(
        data_dir: &std::path::Path,
        name: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> App {
        let log = data_dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(app_binary())
            .args(args)
            .env("PATCHBAY_DATA_DIR", data_dir)
            .env("PATCHBAY_LOG", "debug,patchbay_sandbox=info")
            .envs(env.iter().copied())
            .stderr(file)
            .spawn()
            .expect("could not start the patchbay-app binary");
        App {
            child,
            exited: None,
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Wait (bounded) until the log holds `text`.
    fn wait_log(&self, text: &str, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.log().contains(text) {
                return true;
            }
            thread::sleep(Duration::from_millis(100));
        }
        false
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `None` while the app runs.
    fn poll(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().expect("waiting for the app failed");
        }
        self.exited
    }

    fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(status) = self.poll() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if self.poll().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn require_session() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        panic!(
            "tests/tray.rs needs a D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set). \
             Run it through scripts/test, which starts Xvfb, dbus-run-session and a keyring for the tests."
        );
    }
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        panic!(
            "tests/tray.rs needs a display for the app (DISPLAY is not set). \
             Run it through scripts/test, which starts its own Xvfb."
        );
    }
}

fn item_proxy<'a>(conn: &Connection, item: &'a ItemAddress, iface: &'a str) -> Proxy<'a> {
    proxy::Builder::new(conn)
        .destination(item.service.as_str())
        .expect("bad item bus name")
        .path(item.path.as_str())
        .expect("bad item path")
        .interface(iface)
        .expect("bad interface name")
        .cache_properties(CacheProperties::No)
        .build()
        .expect("could not make a proxy for the tray item")
}

/// One dbusmenu entry: id, properties.
type MenuEntry = (i32, HashMap<String, String>);

/// The reply of `GetLayout`: revision, root node `(id, properties, children)`.
type Layout = (u32, (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>));

fn str_of(value: &Value<'_>) -> Option<String> {
    match value {
        Value::Str(s) => Some(s.to_string()),
        Value::Value(inner) => str_of(inner),
        _ => None,
    }
}

/// A dbusmenu property as text: strings as they are, booleans (e.g. "enabled") as "true"/"false", numbers
/// (e.g. "toggle-state") in decimal.
fn prop_of(value: &Value<'_>) -> Option<String> {
    match value {
        Value::Bool(b) => Some(b.to_string()),
        Value::I32(n) => Some(n.to_string()),
        Value::Value(inner) => prop_of(inner),
        other => str_of(other),
    }
}

/// Walk a dbusmenu layout node `(ia{sv}av)`, collecting every entry's id and string properties.
fn collect_entries(node: &Value<'_>, out: &mut Vec<MenuEntry>) {
    match node {
        Value::Value(inner) => collect_entries(inner, out),
        Value::Structure(s) => {
            let fields = s.fields();
            let id = match fields.first() {
                Some(Value::I32(id)) => *id,
                other => panic!("dbusmenu node without an id: {other:?}"),
            };
            let mut props = HashMap::new();
            if let Some(Value::Dict(dict)) = fields.get(1) {
                for (k, v) in dict.iter() {
                    if let (Some(k), Some(v)) = (str_of(k), prop_of(v)) {
                        props.insert(k, v);
                    }
                }
            }
            out.push((id, props));
            if let Some(Value::Array(children)) = fields.get(2) {
                for child in children.inner() {
                    collect_entries(child, out);
                }
            }
        }
        other => panic!("unexpected dbusmenu layout node: {other:?}"),
    }
}

fn menu_entries(menu: &Proxy<'_>) -> Vec<MenuEntry> {
    let (_revision, (root_id, root_props, children)): Layout = menu
        .call("GetLayout", &(0i32, -1i32, Vec::<String>::new()))
        .expect("com.canonical.dbusmenu.GetLayout failed");
    let mut out = vec![(
        root_id,
        root_props
            .iter()
            .filter_map(|(k, v)| prop_of(v).map(|v| (k.clone(), v)))
            .collect(),
    )];
    for child in &children {
        collect_entries(child, &mut out);
    }
    out
}

fn id_of(entries: &[MenuEntry], label: &str) -> Option<i32> {
    entries
        .iter()
        .find(|(_, props)| props.get("label").map(String::as_str) == Some(label))
        .map(|(id, _)| *id)
}

fn click(menu: &Proxy<'_>, id: i32) {
    let _: () = menu
        .call("Event", &(id, "clicked", Value::from(0i32), 0u32))
        .expect("com.canonical.dbusmenu.Event failed");
}

/// One app per session bus: the tests of this file take turns.
static ONE_APP: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Own the watcher name (before the app starts, so libayatana registers with us).
fn play_watcher() -> (Connection, mpsc::Receiver<ItemAddress>) {
    let (tx, rx) = mpsc::channel();
    let watcher = Watcher {
        items: Vec::new(),
        registered: tx,
    };
    let conn = connection::Builder::session()
        .expect("no session bus")
        .name(WATCHER_NAME)
        .expect("bad watcher name")
        .serve_at(WATCHER_PATH, watcher)
        .expect("could not serve the watcher")
        .build()
        .unwrap_or_else(|e| {
            panic!(
                "could not own {WATCHER_NAME} on the session bus (is another tray running?): {e}"
            )
        });
    (conn, rx)
}

/// Wait (bounded) for the tray item to register; fail early if the app dies.
fn wait_for_item(rx: &mpsc::Receiver<ItemAddress>, app: &mut App) -> ItemAddress {
    let deadline = Instant::now() + REGISTER_TIMEOUT;
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(item) => return item,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Some(status) = app.poll() {
                    panic!(
                        "the app exited ({status}) before its tray item registered:\n{}",
                        app.log()
                    );
                }
                if Instant::now() > deadline {
                    panic!(
                        "no StatusNotifierItem registered within {REGISTER_TIMEOUT:?} (app pid {}):\n{}",
                        app.pid(),
                        app.log()
                    );
                }
            }
            Err(e) => panic!("watcher channel closed: {e}"),
        }
    }
}

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

// ---- keeping connections alive: tray, notification, Fix ------------------------------------------------------

const NOTIFICATIONS_NAME: &str = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";
const ADELE: &str = "adele@contoso.example";

/// One `Notify` call, as received.
#[derive(Debug, Clone)]
struct Notified {
    id: u32,
    app_name: String,
    summary: String,
    body: String,
    actions: Vec<String>,
}

/// A minimal notification server (Desktop Notifications Specification 1.2) that records every notification.
struct Notifications {
    next: u32,
    received: mpsc::Sender<Notified>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into()]
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        app_name: &str,
        _replaces_id: u32,
        _app_icon: &str,
        summary: &str,
        body: &str,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        self.next += 1;
        let _ = self.received.send(Notified {
            id: self.next,
            app_name: app_name.into(),
            summary: summary.into(),
            body: body.into(),
            actions,
        });
        self.next
    }

    fn close_notification(&self, _id: u32) {}

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "patchbay-test".into(),
            "patchbay".into(),
            "1".into(),
            "1.2".into(),
        )
    }
}

/// Make a sandbox connection the way the app would, through the core, in `data_dir` and keychain entry
/// `service`. Returns its id.
fn connect_sandbox_connection(data_dir: &std::path::Path, service: &str) -> String {
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
fn wait_menu(
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

fn labels(entries: &[MenuEntry]) -> Vec<String> {
    entries
        .iter()
        .filter_map(|(_, p)| p.get("label").cloned())
        .collect()
}

#[test]
fn a_revoked_connection_turns_the_tray_and_notifies_once_and_the_click_opens_its_fix() {
    require_session();
    let _turn = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let home = tempfile::tempdir().expect("temp home");
    let service = format!("dev.patchbay.tray-test.{}", std::process::id());
    let id = connect_sandbox_connection(data_dir.path(), &service);

    let (conn, rx) = play_watcher();
    let (notified_tx, notified) = mpsc::channel();
    let notifications = connection::Builder::session()
        .expect("no session bus")
        .name(NOTIFICATIONS_NAME)
        .expect("bad name")
        .serve_at(
            NOTIFICATIONS_PATH,
            Notifications {
                next: 0,
                received: notified_tx,
            },
        )
        .expect("could not serve notifications")
        .build()
        .expect("could not own org.freedesktop.Notifications");

    let home_dir = home.path().to_string_lossy().to_string();
    let mut app = App::spawn_with(
        data_dir.path(),
        "keep-alive",
        &[],
        &[
            ("PATCHBAY_KEYCHAIN_SERVICE", service.as_str()),
            // Only the start-up sweep and "Check all now": the test decides when checks happen.
            ("PATCHBAY_CHECK_INTERVAL_SECS", "3600"),
            ("HOME", home_dir.as_str()),
            ("XDG_CONFIG_HOME", &format!("{home_dir}/.config")),
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
    let healthy_icon: String = sni.get_property("IconName").unwrap_or_default();

    // "Start at login" writes the XDG autostart entry, and a second click removes it.
    let autostart_dir = home.path().join(".config/autostart");
    let toggle = id_of(&entries, "Start at login").unwrap();
    click(&menu, toggle);
    let deadline = Instant::now() + Duration::from_secs(10);
    let entry = loop {
        let found = std::fs::read_dir(&autostart_dir)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path());
        if let Some(path) = found {
            break path;
        }
        assert!(
            Instant::now() < deadline,
            "no autostart entry in {}:\n{}",
            autostart_dir.display(),
            app.log()
        );
        thread::sleep(Duration::from_millis(100));
    };
    let desktop = std::fs::read_to_string(&entry).unwrap();
    assert!(
        desktop.contains("--background"),
        "it starts in the tray: {desktop}"
    );
    let entries = wait_menu(&menu, &mut app, "Start at login checked", |e| {
        e.iter().any(|(_, p)| {
            p.get("label").map(String::as_str) == Some("Start at login")
                && p.get("toggle-state").map(String::as_str) == Some("1")
        }) || !entry.exists()
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

    // Microsoft revokes the account (an administrator, in the sandbox's tenant), and the person asks for a check.
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
    let entries = menu_entries(&menu);
    let started = Instant::now();
    click(
        &menu,
        id_of(&entries, "Check all now").expect("Check all now"),
    );
    let broken = "1 connection: 1 needs reconnect";
    let entries = wait_menu(&menu, &mut app, broken, |e| id_of(e, broken).is_some());
    eprintln!(
        "revocation → tray: {} ms after Check all now",
        started.elapsed().as_millis()
    );
    let fix_label = "Work mail: needs reconnect · Fix…";
    let fix_id = id_of(&entries, fix_label)
        .unwrap_or_else(|| panic!("no {fix_label:?} in {:?}", labels(&entries)));
    let broken_icon: String = sni.get_property("IconName").unwrap_or_default();
    assert_ne!(
        broken_icon, healthy_icon,
        "the tray icon changes for attention"
    );

    // One notification, with the reason in words and a default action to click.
    let note = notified
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("no notification:\n{}", app.log()));
    eprintln!(
        "notification after {} ms: {note:?}",
        started.elapsed().as_millis()
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

    // Checking again finds it still broken: no second notification.
    click(&menu, id_of(&menu_entries(&menu), "Check all now").unwrap());
    wait_menu(&menu, &mut app, broken, |e| id_of(e, broken).is_some());
    thread::sleep(Duration::from_millis(1500));
    assert!(
        notified.try_recv().is_err(),
        "a second notification for the same transition"
    );

    // Clicking the notification opens the connection's Fix (so does the tray's Fix entry).
    notifications
        .emit_signal(
            None::<()>,
            NOTIFICATIONS_PATH,
            NOTIFICATIONS_NAME,
            "ActionInvoked",
            &(note.id, "default"),
        )
        .expect("ActionInvoked");
    let opened = format!("connection={id}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app
        .log()
        .lines()
        .any(|l| l.contains("opening its Fix") && l.contains(&opened))
    {
        assert!(
            Instant::now() < deadline,
            "the click did not open the Fix:\n{}",
            app.log()
        );
        thread::sleep(Duration::from_millis(100));
    }
    // The menu is rebuilt on every change: look the entry up again.
    let fix_now = id_of(&menu_entries(&menu), fix_label).unwrap_or(fix_id);
    click(&menu, fix_now);
    thread::sleep(Duration::from_millis(300));

    click(&menu, id_of(&menu_entries(&menu), "Quit").unwrap());
    let exit = app
        .wait_exit(EXIT_TIMEOUT)
        .unwrap_or_else(|| panic!("the app did not quit:\n{}", app.log()));
    assert!(exit.success(), "{exit}\n{}", app.log());
    assert!(
        app.log().contains("Patchbay stopped clean=true"),
        "every background task ended on Quit:\n{}",
        app.log()
    );
    runtime.block_on(admin.shutdown());
}
