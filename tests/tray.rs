//! The tray, tested over its real protocol (StatusNotifierItem + com.canonical.dbusmenu on the session bus).
//!
//! Under Xvfb nothing shows a tray, but the tray still speaks D-Bus: this test plays the
//! `org.kde.StatusNotifierWatcher` on its own session bus *before* it starts the real app binary, waits for the
//! app's tray item to register, reads the item's properties and menu, clicks "Open Patchbay" and then "Quit".
//!
//! It needs a session bus and an X display: run it through `scripts/test`, which starts Xvfb and
//! `dbus-run-session` for it. Only one Patchbay may run per session bus (single instance), so nothing else in
//! the same session may run the app at the same time.

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

impl App {
    /// Start the app binary with `args`; its stderr (the log) goes to `<data_dir>/<name>.log`.
    fn spawn(data_dir: &std::path::Path, name: &str, args: &[&str]) -> App {
        let log = data_dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_patchbay-app"))
            .args(args)
            .env("PATCHBAY_DATA_DIR", data_dir)
            .env("PATCHBAY_LOG", "debug")
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

/// A dbusmenu property as text: strings as they are, booleans (e.g. "enabled") as "true"/"false".
fn prop_of(value: &Value<'_>) -> Option<String> {
    match value {
        Value::Bool(b) => Some(b.to_string()),
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

#[test]
fn tray_registers_shows_its_menu_and_quits() {
    require_session();

    let (tx, rx) = mpsc::channel();
    let watcher = Watcher {
        items: Vec::new(),
        registered: tx,
    };
    // Own the watcher name before the app starts, so libayatana registers with us.
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

    let data_dir = tempfile::tempdir().expect("temp data dir");
    let mut app = App::spawn(data_dir.path(), "first", &[]);

    // Wait (bounded) for the tray item to register; fail early if the app dies.
    let deadline = Instant::now() + REGISTER_TIMEOUT;
    let item = loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(item) => break item,
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
    };
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
    // running app, which refuses one that belongs to no sign-in it started.
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
        app.wait_log("second launch: focusing the running Patchbay", EXIT_TIMEOUT),
        "the running app did not hear of the second launch:\n{}",
        app.log()
    );
    assert!(
        app.wait_log(
            "does not belong to a sign-in Patchbay started",
            EXIT_TIMEOUT
        ),
        "the running app did not refuse the forged patchbay:// link:\n{}",
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
