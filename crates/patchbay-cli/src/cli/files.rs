//! `patchbay files …`: a OneDrive or SharePoint drive from a terminal.
#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// A folder's files and folders, every page (the drive's root without REMOTE).
    Ls(FilesLsArgs),
    /// Files and folders whose name or content matches QUERY, anywhere in the drive.
    Search(FilesSearchArgs),
    /// Download a file: into LOCAL (a file, or a folder to put it in; the current folder without it), or to
    /// stdout with `-`. Written to a temp file beside it and renamed when whole.
    Get(FilesGetArgs),
    /// Upload a file to REMOTE (a file's path, or a folder to put it in). Up to 4 MiB in one request, larger in
    /// chunks; stopped (Ctrl-C, a lost network, a kill), the same command resumes where it was.
    Put(FilesPutArgs),
    /// The drives: the person's own, and with --site-search the document libraries of SharePoint sites.
    Drives(FilesDrivesArgs),
}

#[derive(Debug, Args)]
pub struct FilesLsArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// The folder, from the drive's root (default: the root).
    #[arg(value_name = "REMOTE", default_value = "/")]
    pub remote: String,
    /// Another drive than the person's OneDrive (its id, see `patchbay files drives`).
    #[arg(long, value_name = "ID")]
    pub drive: Option<String>,
    /// Print {"items": [file]}: id, name, path, is_folder, size, modified (RFC 3339), web_url.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FilesSearchArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// What to look for (in names and content).
    #[arg(value_name = "QUERY")]
    pub query: String,
    /// Another drive than the person's OneDrive (its id, see `patchbay files drives`).
    #[arg(long, value_name = "ID")]
    pub drive: Option<String>,
    /// Print {"items": [file]}: id, name, path, is_folder, size, modified (RFC 3339), web_url.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FilesGetArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// The file, from the drive's root (/Documents/a.pdf).
    #[arg(value_name = "REMOTE")]
    pub remote: String,
    /// Where to: a file, a folder to put it in, or - for stdout (default: the current folder).
    #[arg(value_name = "LOCAL|-")]
    pub local: Option<String>,
    /// Another drive than the person's OneDrive (its id, see `patchbay files drives`).
    #[arg(long, value_name = "ID")]
    pub drive: Option<String>,
    /// Print {"local_path", "size"} (local_path is null for -).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConflictArg {
    /// Refuse when the name is taken.
    Fail,
    /// Replace the file there (it keeps its history as versions).
    Replace,
    /// Keep both: the new file is named "name 1.ext".
    Rename,
}

#[derive(Debug, Args)]
pub struct FilesPutArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// The local file.
    #[arg(value_name = "LOCAL")]
    pub local: std::path::PathBuf,
    /// Where to, from the drive's root: the new file's path, or a folder (ending in /, or existing) to put it in.
    #[arg(value_name = "REMOTE")]
    pub remote: String,
    /// What to do when the name is taken.
    #[arg(long, value_enum, default_value = "fail")]
    pub conflict: ConflictArg,
    /// Another drive than the person's OneDrive (its id, see `patchbay files drives`).
    #[arg(long, value_name = "ID")]
    pub drive: Option<String>,
    /// Bytes per chunk of a large upload: a multiple of 327680 (320 KiB) up to 60 MiB (default 10 MiB).
    #[arg(long, value_name = "BYTES")]
    pub chunk_size: Option<u64>,
    /// Print the new file: id, name, path, is_folder, size, modified (RFC 3339), web_url.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FilesDrivesArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// Also the document libraries of the SharePoint sites whose name matches Q (work or school accounts).
    #[arg(long, value_name = "Q")]
    pub site_search: Option<String>,
    /// Print {"drives": [{"id", "name", "site"}]} (site is null for the person's own).
    #[arg(long)]
    pub json: bool,
}

use clap::{Args, Subcommand, ValueEnum};
