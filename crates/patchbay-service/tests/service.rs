//! The service as a process, headless (no session bus needed for what is checked here): its version line, one
//! service per data folder, its status file for other processes to read, and a clean end on SIGTERM.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn service(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_patchbay-service"));
    command
        .env("PATCHBAY_DATA_DIR", data_dir)
        .env("PATCHBAY_LOG", "info")
        // No sweep at start-up can need a keychain here: there are no connections.
        .env("PATCHBAY_CHECK_INTERVAL_SECS", "3600");
    command
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what} did not happen in time");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the service did not end on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn version_names_the_build_as_the_cli_does() {
    let out = Command::new(env!("CARGO_BIN_EXE_patchbay-service"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "patchbay-service {} (commit ",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
}

#[test]
fn one_headless_service_per_data_folder_says_what_it_is_and_ends_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let mut first = service(data.path())
        .arg("--headless")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = data.path().join("service.json");
    wait_for("service.json", || status_file.exists());
    let status: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&status_file).unwrap()).unwrap();
    assert_eq!(status["pid"], first.id());
    assert_eq!(status["mode"], "headless");
    assert_eq!(status["tray"]["state"], "off");
    assert!(status["version"].as_str().unwrap().contains("(commit "));

    // A second one, for the same data folder, finds the first and ends at once with success.
    let out = service(data.path()).arg("--headless").output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "already running for this data folder (pid {})",
            first.id()
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Another data folder is another service.
    let other = tempfile::tempdir().unwrap();
    let mut second = service(other.path()).arg("--headless").spawn().unwrap();
    wait_for("the other service.json", || {
        other.path().join("service.json").exists()
    });

    assert!(terminate(&mut first).success());
    assert!(
        !status_file.exists(),
        "the status file goes with the service"
    );
    assert!(terminate(&mut second).success());
    let mut log = String::new();
    std::io::Read::read_to_string(first.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(
        log.contains("Patchbay's service stopped clean=true"),
        "{log}"
    );
}

#[test]
fn the_systemd_unit_keeps_files_private_and_gains_no_privileges() {
    let unit = include_str!("../../../packaging/linux/patchbay.service");
    let service: Vec<&str> = unit
        .split("[Service]")
        .nth(1)
        .and_then(|s| s.split("\n[").next())
        .unwrap()
        .lines()
        .map(str::trim)
        .collect();
    for line in ["UMask=0077", "NoNewPrivileges=yes", "LockPersonality=yes"] {
        assert!(service.contains(&line), "{line} in [Service]:\n{unit}");
    }
    // Automations run the person's own programs, which may write wherever the person may.
    for absent in ["ProtectHome=", "ProtectSystem="] {
        assert!(!service.iter().any(|l| l.starts_with(absent)), "{absent}");
    }
}
