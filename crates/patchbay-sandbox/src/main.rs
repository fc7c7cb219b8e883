//! `patchbay-sandbox [--port N]`: serve the sandbox on 127.0.0.1 until SIGTERM or Ctrl-C. Prints one JSON line
//! with `base_url`, `authority`, `authority_template`, `graph_url`, `control` and `users` once it listens.
//! Patchbay's window runs it for the Sandbox environment rather than carry a sandbox in its own process.
//!
//! Unlike the sandbox inside the app, this binary serves the `/_sandbox/` control endpoints unless told not to:
//! someone starts it on purpose, to drive failures from tests and demos over HTTP, and that is its point. The
//! endpoints still take only JSON and refuse other web pages, so a page open in a browser cannot use them.

use patchbay_sandbox::{Sandbox, SandboxOptions};

const USAGE: &str = "usage: patchbay-sandbox [--port N] [--tenant-file PATH] [--no-control] [--until-stdin-closes]\n\nServes a local stand-in for \
Microsoft's identity platform and Microsoft Graph on 127.0.0.1 (port 0 or none: a free port). With --tenant-file, the \
tenant's grants and tokens are kept in that file and survive restarts. The JSON control endpoints under /_sandbox/ \
(revoke, fail, mfa-required, ...) are on; --no-control turns them off (they answer 404). --until-stdin-closes ends it \
when its standard input closes (the program that started it ended, however it ended).";

/// How it was asked to run.
struct Args {
    opts: SandboxOptions,
    until_stdin_closes: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut opts = SandboxOptions {
        control: true,
        ..SandboxOptions::default()
    };
    let mut until_stdin_closes = false;
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
            "--until-stdin-closes" if inline.is_none() => until_stdin_closes = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument '{other}'\n\n{USAGE}")),
        }
    }
    Ok(Args {
        opts,
        until_stdin_closes,
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let Args {
        opts,
        until_stdin_closes,
    } = match parse_args() {
        Ok(a) => a,
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
    let users: Vec<[String; 2]> = sandbox
        .control()
        .users()
        .iter()
        .map(|u| [u.given_name.clone(), u.email.clone()])
        .collect();
    let line = serde_json::json!({
        "base_url": sandbox.base_url().as_str(),
        "authority": sandbox.authority("organizations").as_str(),
        // Any tenant's authority: Patchbay's window, which runs this binary rather than a sandbox of its own.
        "authority_template": sandbox.authority("{tenant}").as_str().replace("%7Btenant%7D", "{tenant}"),
        "graph_url": sandbox.graph_url().as_str(),
        "control": control,
        "users": users,
        // Only the program that started it reads this line: with the key, it can check that the sandbox a
        // listing names is this one (GET /_sandbox/proof).
        "proof_key": sandbox.proof_key(),
    });
    // The handlers are in place before the line is printed: whoever reads it may send SIGTERM at once.
    let stop = Stop::install();
    println!("{line}");
    if until_stdin_closes {
        tokio::select! {
            _ = stop.wait() => {}
            _ = stdin_closed() => {}
        }
    } else {
        stop.wait().await;
    }
    sandbox.shutdown().await;
    std::process::ExitCode::SUCCESS
}

/// Read standard input to its end: the program that started this one (and holds the other end) ended.
async fn stdin_closed() {
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 256];
    loop {
        match tokio::io::AsyncReadExt::read(&mut stdin, &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// SIGTERM (on Unix) and Ctrl-C, listened for from the moment it is made.
struct Stop {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Stop {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Stop {
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Stop {}
        }
    }

    #[cfg(unix)]
    async fn wait(mut self) {
        match self.term.as_mut() {
            Some(term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }

    #[cfg(not(unix))]
    async fn wait(self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
