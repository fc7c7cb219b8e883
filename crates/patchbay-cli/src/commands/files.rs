//! `patchbay files ls|search|get|put|drives`: a OneDrive & SharePoint connection's files, through the core's
//! [`patchbay_core::files`]. Tables and one-line results for a person; with `--json`, one JSON document on
//! stdout in the fixed interface's keys. A transfer shows a progress bar on stderr at a terminal only.

use super::invalid;
use crate::cli::{
    ConflictArg, FilesCommand, FilesDrivesArgs, FilesGetArgs, FilesLsArgs, FilesPutArgs,
    FilesSearchArgs,
};
use crate::output;
use crate::progress::Bar;
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::files::{self, Conflict, DriveRef, FileEntry, Files, Sink, UploadOptions};
use patchbay_core::model::ConnectionSummary;
use patchbay_core::Patchbay;

/// The command group's name, as the catalogue's capabilities list it.
const GROUP: &str = "files";

pub async fn run(core: &Patchbay, command: &FilesCommand) -> Result<(), ErrorInfo> {
    match command {
        FilesCommand::Ls(args) => ls(core, args).await,
        FilesCommand::Search(args) => search(core, args).await,
        FilesCommand::Get(args) => get(core, args).await,
        FilesCommand::Put(args) => put(core, args).await,
        FilesCommand::Drives(args) => drives(core, args).await,
    }
}

/// The connection `conn` names, when its connector has the files commands.
fn connection(core: &Patchbay, conn: &str) -> Result<ConnectionSummary, ErrorInfo> {
    super::connection_for_group(core, conn, GROUP)
}

async fn ls(core: &Patchbay, args: &FilesLsArgs) -> Result<(), ErrorInfo> {
    let connection = connection(core, &args.conn)?;
    let graph = core.graph(&connection.info.id).await?;
    let files = Files::new(&graph, DriveRef::from_option(args.drive.as_deref()));
    let path = Files::path(&args.remote)?;
    let items = files.list(&path).await?;
    if args.json {
        return output::json(&serde_json::json!({ "items": items }));
    }
    if items.is_empty() {
        output::out(&format!("{} is empty.", path.display()));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|e| vec![shown_name(e), size_cell(e), modified_cell(e)])
        .collect();
    output::out(&output::table(&["NAME", "SIZE", "MODIFIED"], &rows));
    Ok(())
}

async fn search(core: &Patchbay, args: &FilesSearchArgs) -> Result<(), ErrorInfo> {
    let connection = connection(core, &args.conn)?;
    let graph = core.graph(&connection.info.id).await?;
    let files = Files::new(&graph, DriveRef::from_option(args.drive.as_deref()));
    let items = files.search(&args.query).await?;
    if args.json {
        return output::json(&serde_json::json!({ "items": items }));
    }
    if items.is_empty() {
        output::out(&format!("Nothing matches {:?}.", args.query));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|e| {
            let path = if e.is_folder {
                format!("{}/", e.path)
            } else {
                e.path.clone()
            };
            vec![path, size_cell(e), modified_cell(e)]
        })
        .collect();
    output::out(&output::table(&["PATH", "SIZE", "MODIFIED"], &rows));
    Ok(())
}

async fn get(core: &Patchbay, args: &FilesGetArgs) -> Result<(), ErrorInfo> {
    let to_stdout = args.local.as_deref() == Some("-");
    if to_stdout && args.json {
        return Err(invalid(
            "--json and - both want stdout: the file's bytes go there.",
            "Leave out --json, or give a local file or folder instead of -.",
        ));
    }
    let connection = connection(core, &args.conn)?;
    let graph = core.graph(&connection.info.id).await?;
    let files = Files::new(&graph, DriveRef::from_option(args.drive.as_deref()));
    let path = Files::path(&args.remote)?;
    let Some(name) = path.name().map(files::download::local_name) else {
        return Err(invalid(
            "The drive's root is a folder, not a file.",
            "Name a file, e.g. /Documents/a.pdf.",
        ));
    };
    let bar = Bar::new(&name, args.json);
    let downloaded = if to_stdout {
        let mut stdout = tokio::io::stdout();
        interruptible(
            files.download(&path, Sink::Writer(&mut stdout), &bar),
            "download",
        )
        .await?
    } else {
        let cwd = std::env::current_dir().map_err(|e| {
            invalid(
                "The current folder cannot be read.",
                "Give LOCAL, a file or folder to write to.",
            )
            .with_detail(e.to_string())
        })?;
        let local = args.local.as_deref().map(std::path::Path::new);
        let target = files::download::local_target(local, &name, &cwd);
        interruptible(files.download(&path, Sink::File(target), &bar), "download").await?
    };
    bar.finish();
    if args.json {
        return output::json(&serde_json::json!({
            "local_path": downloaded.local_path,
            "size": downloaded.size,
        }));
    }
    if let Some(local) = &downloaded.local_path {
        output::out(&format!(
            "Downloaded {} to {} ({}).",
            path.display(),
            local.display(),
            size_words(downloaded.size)
        ));
    }
    Ok(())
}

async fn put(core: &Patchbay, args: &FilesPutArgs) -> Result<(), ErrorInfo> {
    let connection = connection(core, &args.conn)?;
    let mut options = UploadOptions::resumable(&core.config().data_dir);
    if let Some(bytes) = args.chunk_size {
        options = options.with_chunk_size(bytes)?;
    }
    let conflict = match args.conflict {
        ConflictArg::Fail => Conflict::Fail,
        ConflictArg::Replace => Conflict::Replace,
        ConflictArg::Rename => Conflict::Rename,
    };
    let graph = core.graph(&connection.info.id).await?;
    let files = Files::new(&graph, DriveRef::from_option(args.drive.as_deref()));
    let label = args
        .local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bar = Bar::new(&label, args.json);
    let entry = interruptible(
        files.upload(&args.local, &args.remote, conflict, &options, &bar),
        "upload",
    )
    .await?;
    bar.finish();
    if args.json {
        return output::json(&entry);
    }
    output::out(&format!(
        "Uploaded {} to {} ({}).",
        args.local.display(),
        entry.path,
        size_words(entry.size.unwrap_or(0))
    ));
    Ok(())
}

async fn drives(core: &Patchbay, args: &FilesDrivesArgs) -> Result<(), ErrorInfo> {
    let connection = connection(core, &args.conn)?;
    let graph = core.graph(&connection.info.id).await?;
    let drives = files::drives(&graph, args.site_search.as_deref()).await?;
    if args.json {
        return output::json(&serde_json::json!({ "drives": drives }));
    }
    let rows: Vec<Vec<String>> = drives
        .iter()
        .map(|d| {
            vec![
                d.name.clone(),
                d.site.clone().unwrap_or_else(|| "(your own)".into()),
                d.id.clone(),
            ]
        })
        .collect();
    output::out(&output::table(&["NAME", "SITE", "ID"], &rows));
    Ok(())
}

/// `work`, unless Ctrl-C comes first: then it is dropped (a download's temp file removed with it; an upload's
/// session kept for the same command to resume) and the command says so.
async fn interruptible<T>(
    work: impl std::future::Future<Output = Result<T, ErrorInfo>>,
    what: &str,
) -> Result<T, ErrorInfo> {
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(ErrorInfo::new(
            ErrorCode::Cancelled,
            format!("The {what} was stopped."),
            if what == "upload" {
                "Run the same command again: it resumes where it stopped."
            } else {
                "Nothing was written under the file's name; run it again to download."
            },
        )),
    }
}

fn shown_name(e: &FileEntry) -> String {
    if e.is_folder {
        format!("{}/", e.name)
    } else {
        e.name.clone()
    }
}

fn size_cell(e: &FileEntry) -> String {
    match (e.is_folder, e.size) {
        (true, _) => String::new(),
        (false, Some(n)) => size_words(n),
        (false, None) => "?".into(),
    }
}

/// The time in this computer's zone, to the minute.
fn modified_cell(e: &FileEntry) -> String {
    e.modified
        .as_deref()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// `1.2 MiB`, `512 B`.
fn size_words(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_words() {
        assert_eq!(size_words(0), "0 B");
        assert_eq!(size_words(1023), "1023 B");
        assert_eq!(size_words(1536), "1.5 KiB");
        assert_eq!(size_words(1 << 30), "1.0 GiB");
    }
}
