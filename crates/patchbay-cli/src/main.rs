//! `patchbay`: the command-line companion of the Patchbay desktop app, over the same core.

mod cli;
mod commands;
mod output;
mod progress;

use cli::{Cli, Command};
use patchbay_core::error::{ErrorInfo, Surface};
use patchbay_core::{CoreConfig, Patchbay};
use std::process::ExitCode;

/// The exit status after Ctrl-C (128 + SIGINT), as shells report it.
const EXIT_INTERRUPTED: u8 = 130;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::parse();
    // Needs no core: the script is made from the command line's definition alone.
    if let Command::Completions(args) = &cli.command {
        cli::completions(args.shell, &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    init_logging();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let error = error.for_surface(Surface::Cli);
            output::note(&format!("patchbay: {}", error.one_line()));
            if commands::connect::was_interrupted() {
                ExitCode::from(EXIT_INTERRUPTED)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

async fn run(cli: Cli) -> Result<(), ErrorInfo> {
    let core = std::sync::Arc::new(Patchbay::new(CoreConfig::from_env()));
    let result = match cli.command {
        Command::Connectors(args) => commands::connectors::run(&core, &args),
        Command::Connect(args) => commands::connect::run(&core, &args).await,
        Command::Fix(args) => commands::connect::fix(&core, &args).await,
        Command::UpdateSecret(args) => commands::connect::update_secret(&core, &args).await,
        Command::List(args) => commands::connections::list(&core, &args),
        Command::Check(args) => commands::check::check(&core, &args).await,
        Command::Token(args) => commands::check::token(&core, &args).await,
        Command::Preview(cmd) => commands::preview::run(&core, &cmd).await,
        Command::Graph(args) => commands::graph::run(&core, &args).await,
        Command::Mcp(args) => {
            let options = patchbay_mcp::McpOptions {
                connections: args.connections,
                allow: patchbay_core::agents::Allow {
                    write: args.allow_write,
                    send: args.allow_send,
                    files_dir: args.files_dir.is_some(),
                },
                files_dir: args.files_dir,
            };
            patchbay_mcp::serve(core.clone(), options).await
        }
        Command::Automations(cmd) => commands::automations::run(&core, cmd).await,
        Command::Files(cmd) => commands::files::run(&core, &cmd).await,
        Command::Teams(cmd) => commands::teams::run(&core, &cmd).await,
        Command::Remove(args) => commands::connections::remove(&core, &args),
        Command::Rename(args) => commands::connections::rename(&core, &args),
        Command::Doctor(args) => commands::doctor::run(&core, &args).await,
        Command::ResetVault(args) => commands::doctor::reset_vault(&core, &args),
        // main() answers it before a core exists; this arm only keeps the match whole.
        Command::Completions(args) => {
            cli::completions(args.shell, &mut std::io::stdout());
            Ok(())
        }
    };
    // Stop the in-process sandbox (if a sandbox connection started it) before the runtime goes.
    core.shutdown(std::time::Duration::from_secs(3)).await;
    result
}

/// `PATCHBAY_LOG` (a tracing filter such as `debug` or `patchbay_core=trace`) to stderr; warnings by default.
/// Libraries that log mail stay at info whatever it says (see `patchbay_core::logging`).
fn init_logging() {
    patchbay_core::logging::init("warn");
}
