//! `patchbay-sandbox [--port N]`: serve the sandbox on 127.0.0.1 until SIGTERM or Ctrl-C. Prints one JSON line
//! with `base_url`, `authority`, `graph_url` and `control` once it listens.
//!
//! Unlike the sandbox inside the app, this binary serves the `/_sandbox/` control endpoints unless told not to:
//! someone starts it on purpose, to drive failures from tests and demos over HTTP, and that is its point. The
//! endpoints still take only JSON and refuse other web pages, so a page open in a browser cannot use them.

use patchbay_sandbox::{Sandbox, SandboxOptions};

const USAGE: &str = "usage: patchbay-sandbox [--port N] [--tenant-file PATH] [--no-control]\n\nServes a local stand-in for \
Microsoft's identity platform and Microsoft Graph on 127.0.0.1 (port 0 or none: a free port). With --tenant-file, the \
tenant's grants and tokens are kept in that file and survive restarts. The JSON control endpoints under /_sandbox/ \
(revoke, fail, mfa-required, ...) are on; --no-control turns them off (they answer 404).";

fn parse_args() -> Result<SandboxOptions, String> {
    let mut opts = SandboxOptions {
        control: true,
        ..SandboxOptions::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        match name.as_str() {
            "--port" | "-p" => {
                let value = inline
                    .or_else(|| args.next())
                    .ok_or("--port needs a value")?;
                opts.port = value
                    .parse()
                    .map_err(|_| format!("--port: '{value}' is not a port number"))?;
            }
            "--tenant-file" => {
                let value = inline
                    .or_else(|| args.next())
                    .ok_or("--tenant-file needs a path")?;
                opts.tenant_file = Some(value.into());
            }
            "--no-control" if inline.is_none() => opts.control = false,
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument '{other}'\n\n{USAGE}")),
        }
    }
    Ok(opts)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("patchbay-sandbox: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let control = opts.control;
    let sandbox = match Sandbox::start(opts).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("patchbay-sandbox: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let line = serde_json::json!({
        "base_url": sandbox.base_url().as_str(),
        "authority": sandbox.authority("organizations").as_str(),
        "graph_url": sandbox.graph_url().as_str(),
        "control": control,
    });
    println!("{line}");
    wait_for_signal().await;
    sandbox.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
