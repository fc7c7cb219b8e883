//! What the desktop tests share: the app process, a StatusNotifierWatcher played on the test's session bus, and
//! reading and clicking the tray's dbusmenu.

use std::collections::HashMap;
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use zbus::blocking::{connection, proxy, Connection, Proxy};
use zbus::message::Header;
use zbus::object_server::SignalEmitter;
use zbus::proxy::CacheProperties;
use zbus::zvariant::{OwnedValue, Value};

pub(crate) const WATCHER_NAME: &str = "org.kde.StatusNotifierWatcher";
pub(crate) const WATCHER_PATH: &str = "/StatusNotifierWatcher";
pub(crate) const ITEM_IFACE: &str = "org.kde.StatusNotifierItem";
pub(crate) const MENU_IFACE: &str = "com.canonical.dbusmenu";
pub(crate) const REGISTER_TIMEOUT: Duration = Duration::from_secs(30);
pub(crate) const EXIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a registered item lives: the caller's bus name and the object path.
#[derive(Debug, Clone)]
pub(crate) struct ItemAddress {
    pub(crate) service: String,
    pub(crate) path: String,
}

/// A minimal StatusNotifierWatcher (freedesktop/KDE StatusNotifierItem spec).
pub(crate) struct Watcher {
    pub(crate) items: Vec<String>,
    pub(crate) registered: mpsc::Sender<ItemAddress>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    /// `service` is either a bus name (item at /StatusNotifierItem) or, as libayatana does, an object path on
    /// the caller's connection.
    pub(crate) async fn register_status_notifier_item(
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

    pub(crate) async fn register_status_notifier_host(
        &mut self,
        _service: &str,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        let _ = Self::status_notifier_host_registered(&emitter).await;
    }

    #[zbus(property)]
    pub(crate) fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.clone()
    }

    #[zbus(property)]
    pub(crate) fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    pub(crate) fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(signal)]
    pub(crate) async fn status_notifier_item_registered(
        emitter: &SignalEmitter<'_>,
        service: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    pub(crate) async fn status_notifier_item_unregistered(
        emitter: &SignalEmitter<'_>,
        service: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    pub(crate) async fn status_notifier_host_registered(
        emitter: &SignalEmitter<'_>,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    pub(crate) async fn status_notifier_host_unregistered(
        emitter: &SignalEmitter<'_>,
    ) -> zbus::Result<()>;
}

/// A Patchbay process (the service or the window); killed (and reaped) when dropped unless it already exited.
pub(crate) struct App {
    pub(crate) child: Child,
    pub(crate) exited: Option<ExitStatus>,
    pub(crate) log: std::path::PathBuf,
}

/// The window under test: this build's, or an installed one (`PATCHBAY_APP_BINARY=/usr/bin/patchbay-app`, as
/// scripts/test-package runs these tests against the package it just installed).
pub(crate) fn app_binary() -> std::path::PathBuf {
    std::env::var_os("PATCHBAY_APP_BINARY")
        .map(Into::into)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_patchbay-app").into())
}

/// The resident service under test: beside this build's window (the workspace's tests build both), or
/// `PATCHBAY_SERVICE_BINARY`.
pub(crate) fn service_binary() -> std::path::PathBuf {
    let path: std::path::PathBuf = std::env::var_os("PATCHBAY_SERVICE_BINARY")
        .map(Into::into)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_BIN_EXE_patchbay-app"))
                .with_file_name("patchbay-service")
        });
    assert!(
        path.is_file(),
        "no service binary at {} (cargo nextest run --workspace builds it, or set PATCHBAY_SERVICE_BINARY)",
        path.display()
    );
    path
}

/// The CLI under test: beside this build's window (the workspace's tests build it), or `PATCHBAY_CLI_BINARY`.
pub(crate) fn cli_binary() -> std::path::PathBuf {
    let path: std::path::PathBuf = std::env::var_os("PATCHBAY_CLI_BINARY")
        .map(Into::into)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_BIN_EXE_patchbay-app")).with_file_name("patchbay")
        });
    assert!(
        path.is_file(),
        "no CLI binary at {} (cargo nextest run --workspace builds it, or set PATCHBAY_CLI_BINARY)",
        path.display()
    );
    path
}

/// The environment every program gets in a test: a debug log, and each other's binaries (the service starts
/// the window; the window starts the service).
pub(crate) fn programs_env(command: &mut Command) {
    command
        .env("PATCHBAY_LOG", "debug,patchbay_sandbox=info")
        .env("PATCHBAY_WINDOW_BINARY", app_binary())
        .env("PATCHBAY_SERVICE_BINARY", service_binary());
}

/// [`programs_env`], and the data folder.
fn test_env(command: &mut Command, data_dir: &std::path::Path) {
    programs_env(command);
    command.env("PATCHBAY_DATA_DIR", data_dir);
}

impl App {
    /// Start the window binary with `args`; its stderr (the log) goes to `<data_dir>/<name>.log`.
    pub(crate) fn spawn(data_dir: &std::path::Path, name: &str, args: &[&str]) -> App {
        Self::spawn_with(data_dir, name, args, &[])
    }

    /// As [`App::spawn`], with more environment variables.
    pub(crate) fn spawn_with(
        data_dir: &std::path::Path,
        name: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> App {
        Self::start(&app_binary(), data_dir, name, args, env)
    }

    /// Start the resident service with `args` and `env`; its log goes to `<data_dir>/<name>.log`.
    pub(crate) fn service(
        data_dir: &std::path::Path,
        name: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> App {
        Self::start(&service_binary(), data_dir, name, args, env)
    }

    fn start(
        program: &std::path::Path,
        data_dir: &std::path::Path,
        name: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> App {
        let mut command = Command::new(program);
        command.args(args);
        test_env(&mut command, data_dir);
        command.envs(env.iter().copied());
        Self::run(command, data_dir.join(format!("{name}.log")))
    }

    /// Run `command` as it is, its log (stderr) to `log`.
    pub(crate) fn run(mut command: Command, log: std::path::PathBuf) -> App {
        let file = std::fs::File::create(&log)
            .unwrap_or_else(|e| panic!("could not create the log {}: {e}", log.display()));
        let child = command.stderr(file).spawn().unwrap_or_else(|e| {
            panic!(
                "could not start {}: {e}",
                command.get_program().to_string_lossy()
            )
        });
        App {
            child,
            exited: None,
            log,
        }
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Wait (bounded) until the log holds `text`.
    pub(crate) fn wait_log(&self, text: &str, timeout: Duration) -> bool {
        wait_file(&self.log, text, timeout)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `None` while the app runs.
    pub(crate) fn poll(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().expect("waiting for the app failed");
        }
        self.exited
    }

    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(status) = self.poll() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Ask it to end as a desktop or systemd would (SIGTERM), and wait (bounded).
    pub(crate) fn terminate(&mut self) -> Option<ExitStatus> {
        if self.poll().is_none() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.pid().to_string()])
                .status();
        }
        self.wait_exit(EXIT_TIMEOUT)
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

/// Wait (bounded) until the file at `path` holds `text`.
pub(crate) fn wait_file(path: &std::path::Path, text: &str, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if std::fs::read_to_string(path).is_ok_and(|t| t.contains(text)) {
            return true;
        }
        thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Whether process `pid` is alive (and not a zombie).
pub(crate) fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit(')')
                .next()
                .map(|rest| rest.trim_start().to_string())
        })
        .is_some_and(|rest| !rest.starts_with('Z'))
}

/// The pid a log line `… pid=N …` names after `marker`.
pub(crate) fn logged_pid(log: &str, marker: &str) -> Option<u32> {
    log.lines()
        .rev()
        .find(|l| l.contains(marker))
        .and_then(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("pid=").and_then(|p| p.parse().ok()))
        })
}

/// Kill a process we did not start ourselves (a window the service started), if it still runs.
pub(crate) fn kill(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

/// A process this test did not start itself (a window the service started, a service the window started),
/// killed when the test ends however it ends: a window left over would take the next test's window over
/// (single instance), a service left over would hold the next one's place.
pub(crate) struct KillOnDrop(pub(crate) u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if alive(self.0) {
            kill(self.0);
        }
    }
}

/// Close process `pid`'s window as a window manager would (WM_DELETE_WINDOW; Xvfb has no window manager to).
pub(crate) fn close_window(pid: u32) {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/lib/close-window.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(pid.to_string())
        .arg("Patchbay")
        .output()
        .expect("python3 runs scripts/lib/close-window.py");
    assert!(
        out.status.success(),
        "could not close the window of {pid}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// End a service this test did not start itself, and wait until its lock is free.
pub(crate) fn stop_service(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let deadline = Instant::now() + EXIT_TIMEOUT;
    while alive(pid) {
        if Instant::now() > deadline {
            kill(pid);
            panic!("the service did not end on SIGTERM");
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Whether a service runs for `data_dir` (its lock held), and its pid as it says.
pub(crate) fn service_pid(data_dir: &std::path::Path) -> Option<u32> {
    match patchbay_core::resident::probe(data_dir) {
        patchbay_core::resident::Resident::Running(Some(s)) => Some(s.pid),
        _ => None,
    }
}

/// Wait (bounded) until a service runs for `data_dir`; its pid.
pub(crate) fn wait_service(data_dir: &std::path::Path, timeout: Duration) -> Option<u32> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Some(pid) = service_pid(data_dir) {
            return Some(pid);
        }
        thread::sleep(Duration::from_millis(50));
    }
    None
}

pub(crate) fn require_session() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        panic!(
            "tests/desktop needs a D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set). \
             Run it through scripts/test, which starts Xvfb, dbus-run-session and a keyring for the tests."
        );
    }
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        panic!(
            "tests/desktop needs a display for the app (DISPLAY is not set). \
             Run it through scripts/test, which starts its own Xvfb."
        );
    }
}

pub(crate) fn item_proxy<'a>(
    conn: &Connection,
    item: &'a ItemAddress,
    iface: &'a str,
) -> Proxy<'a> {
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
pub(crate) type MenuEntry = (i32, HashMap<String, String>);

/// The reply of `GetLayout`: revision, root node `(id, properties, children)`.
pub(crate) type Layout = (u32, (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>));

pub(crate) fn str_of(value: &Value<'_>) -> Option<String> {
    match value {
        Value::Str(s) => Some(s.to_string()),
        Value::Value(inner) => str_of(inner),
        _ => None,
    }
}

/// A dbusmenu property as text: strings as they are, booleans (e.g. "enabled") as "true"/"false", numbers
/// (e.g. "toggle-state") in decimal.
pub(crate) fn prop_of(value: &Value<'_>) -> Option<String> {
    match value {
        Value::Bool(b) => Some(b.to_string()),
        Value::I32(n) => Some(n.to_string()),
        Value::Value(inner) => prop_of(inner),
        other => str_of(other),
    }
}

/// Walk a dbusmenu layout node `(ia{sv}av)`, collecting every entry's id and string properties.
pub(crate) fn collect_entries(node: &Value<'_>, out: &mut Vec<MenuEntry>) {
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

pub(crate) fn menu_entries(menu: &Proxy<'_>) -> Vec<MenuEntry> {
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

pub(crate) fn id_of(entries: &[MenuEntry], label: &str) -> Option<i32> {
    entries
        .iter()
        .find(|(_, props)| props.get("label").map(String::as_str) == Some(label))
        .map(|(id, _)| *id)
}

pub(crate) fn click(menu: &Proxy<'_>, id: i32) {
    let _: () = menu
        .call("Event", &(id, "clicked", Value::from(0i32), 0u32))
        .expect("com.canonical.dbusmenu.Event failed");
}

/// One app per session bus: the tests of this file take turns.
pub(crate) static ONE_APP: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Own the watcher name (before the app starts, so libayatana registers with us).
pub(crate) fn play_watcher() -> (Connection, mpsc::Receiver<ItemAddress>) {
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
pub(crate) fn wait_for_item(rx: &mpsc::Receiver<ItemAddress>, app: &mut App) -> ItemAddress {
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

pub(crate) const NOTIFICATIONS_NAME: &str = "org.freedesktop.Notifications";
pub(crate) const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";
pub(crate) const ADELE: &str = "adele@contoso.example";

/// One `Notify` call, as received.
#[derive(Debug, Clone)]
pub(crate) struct Notified {
    pub(crate) id: u32,
    pub(crate) app_name: String,
    pub(crate) summary: String,
    pub(crate) body: String,
    pub(crate) actions: Vec<String>,
}

/// A minimal notification server (Desktop Notifications Specification 1.2) that records every notification.
pub(crate) struct Notifications {
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

/// Own `org.freedesktop.Notifications` on the test's bus (before starting the program that notifies): the
/// connection (to emit `ActionInvoked` on) and each `Notify` as it arrives.
pub(crate) fn play_notifications() -> (Connection, mpsc::Receiver<Notified>) {
    let (tx, rx) = mpsc::channel();
    let conn = connection::Builder::session()
        .expect("no session bus")
        .name(NOTIFICATIONS_NAME)
        .expect("bad name")
        .serve_at(
            NOTIFICATIONS_PATH,
            Notifications {
                next: 0,
                received: tx,
            },
        )
        .expect("could not serve notifications")
        .build()
        .expect("could not own org.freedesktop.Notifications");
    (conn, rx)
}
