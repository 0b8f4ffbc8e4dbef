//! The `cytologia` command line. Every command goes through the engine builder; errors are
//! one line on stderr and exit code 1.
mod demo;
mod functions;
mod run;
#[cfg(feature = "pg")]
mod serve;
mod shell;
mod synth;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::engine::{self, Engine};
use crate::error::{Error, Result};
use crate::output::Format;

#[derive(Parser, Debug)]
#[command(name = "cytologia", version, about = "SQL engine for white-blood-cell detection and classification in blood-smear images")]
pub struct Cli {
    /// Warehouse location: a folder, file:// URL or s3://bucket/prefix.
    #[arg(long, global = true, env = "CYTOLOGIA_WAREHOUSE", default_value = crate::config::DEFAULT_WAREHOUSE)]
    warehouse: String,
    /// Worker threads (default: all cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// More logging (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// No progress bars (they are drawn only when stderr is a terminal).
    #[arg(short, long, global = true, conflicts_with = "progress")]
    quiet: bool,
    /// Progress even when stderr is not a terminal: the bars as plain lines every 10 s, for
    /// the logs of scheduled scripts.
    #[arg(long, global = true)]
    progress: bool,
    /// The session's role: admin (the default) runs everything; analyst only reads the
    /// warehouse's tables and views (no writes, files, training or settings). For
    /// `cytologia role add`, the role of the login added.
    #[arg(long, global = true, value_enum)]
    role: Option<RoleArg>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run SQL statements (separated by ';') and print the last result.
    Sql {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// The statements.
        sql: String,
    },
    /// Run SQL script files in order, substituting ${name} parameters.
    Run {
        /// Script files, run in the order given.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Parameter values: --set fold=0 --set data=./smears
        #[arg(long = "set", value_parser = parse_kv)]
        params: Vec<(String, String)>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Interactive SQL shell (history, multi-line statements, \d, timing).
    Shell,
    /// List every SQL function of cytologia with its documentation.
    Functions {
        /// Show one function in full.
        name: Option<String>,
        /// Print the whole reference as Markdown (the function reference (docs/functions.md)).
        #[arg(long)]
        markdown: bool,
    },
    /// Create the catalog's tables and views in the warehouse (idempotent).
    Init,
    /// Roll a table whose log is damaged back to its last readable version (the damaged
    /// entries are kept in TABLE/_damaged/).
    Repair {
        /// The table.
        table: String,
    },
    /// Compact tables' small files and delete the files no version within the retention
    /// period uses (Delta optimize and vacuum); every table when none is named.
    Maintain {
        /// Tables to maintain (default: all).
        tables: Vec<String>,
        /// Keep files of versions up to this many hours old, so table_at() can read them.
        #[arg(long, default_value_t = crate::warehouse::maintain::DEFAULT_RETENTION_HOURS)]
        retention_hours: u64,
        /// The size compaction aims at for each file, in MB.
        #[arg(long, default_value_t = crate::warehouse::maintain::DEFAULT_TARGET_FILE_MB)]
        target_file_mb: u64,
        /// Report what would be compacted and deleted, changing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Generate a synthetic blood-smear dataset in the challenge's formats.
    Synth {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1000)]
        train: usize,
        #[arg(long, default_value_t = 300)]
        test: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Serve the warehouse over the PostgreSQL wire protocol (psql, psycopg, BI tools), one
    /// session per connection, as each login's role (docs/analysts.md).
    #[cfg(feature = "pg")]
    Serve(serve::ServeArgs),
    /// Manage the logins of `cytologia serve` (a roles file of SCRAM verifiers).
    #[cfg(feature = "pg")]
    Role {
        #[command(subcommand)]
        command: serve::RoleCommand,
        /// The roles file.
        #[arg(long, global = true, env = "CYTOLOGIA_ROLES")]
        roles: Option<PathBuf>,
    },
    /// Generate synthetic smears and run the pipeline scripts on them end to end.
    Demo {
        /// Output folder (data, warehouse, outputs).
        #[arg(long, default_value = "demo-out")]
        out: PathBuf,
        #[arg(long, default_value_t = 600)]
        train: usize,
        #[arg(long, default_value_t = 200)]
        test: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

fn parse_kv(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("expected name=value, got '{s}'"))
}

pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbose = cli.verbose;
    init_logging(verbose);
    install_panic_hook();
    match dispatch(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_text(&e.to_string(), verbose > 0));
            ExitCode::FAILURE
        }
    }
}

/// An error as the CLI prints it: one line, whatever library raised it (C++ stack frames,
/// `Help:` notes and wrapped causes are shown with -v), without DataFusion's wrapper prefixes.
pub fn error_text(message: &str, verbose: bool) -> String {
    let mut text = message.to_string();
    for prefix in ["External error: ", "Execution error: ", "Error during planning: ", "Internal error: "] {
        text = text.replace(prefix, "");
    }
    if verbose {
        return text;
    }
    let mut lines = text.lines().map(str::trim_end).filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("").to_string();
    if lines.next().is_some() { format!("{first} (-v shows the full error)") } else { first }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CYTOLOGIA_LOG").unwrap_or_else(|_| {
        // Delta logs its own failures as ERROR lines; the error we return already says what failed.
        let delta = if verbose == 0 { "off" } else { "error" };
        tracing_subscriber::EnvFilter::new(format!("{level},deltalake={delta},deltalake_core={delta},buoyant_kernel=off,datafusion=warn"))
    });
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).without_time().try_init();
}

/// A bug must still print one line, not a backtrace (RUST_BACKTRACE=1 shows it).
fn install_panic_hook() {
    if std::env::var_os("RUST_BACKTRACE").is_some() {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("error: internal error: {msg}{at} (this is a bug; RUST_BACKTRACE=1 shows details)");
    }));
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum RoleArg {
    Admin,
    Analyst,
}

impl From<RoleArg> for cytologia_udfs::access::Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => cytologia_udfs::access::Role::Admin,
            RoleArg::Analyst => cytologia_udfs::access::Role::Analyst,
        }
    }
}

fn config(cli: &Cli) -> Config {
    let mut c = Config::default().with_warehouse(cli.warehouse.clone());
    c.role = cli.role.unwrap_or(RoleArg::Admin).into();
    c.progress = !cli.quiet;
    if cli.progress {
        crate::progress::log_to_non_terminal();
    }
    if let Some(t) = cli.threads {
        c.threads = t.max(1);
    }
    c
}

/// Commands that write to the warehouse outside SQL are refused to an analyst, as its
/// statements are.
fn require_admin(cli: &Cli, command: &str) -> Result<()> {
    match cli.role.unwrap_or(RoleArg::Admin) {
        RoleArg::Admin => Ok(()),
        RoleArg::Analyst => Err(crate::engine::access::read_only(&format!("`cytologia {command}`"), cytologia_udfs::access::Role::Analyst)),
    }
}

async fn open(cli: &Cli) -> Result<Engine> {
    engine::build(&config(cli)).await
}

async fn dispatch(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Sql { format, sql } => {
            let engine = open(&cli).await?;
            let stmts = crate::script::split(sql);
            if stmts.is_empty() {
                return Err(Error::Usage("no SQL statement given".into()));
            }
            let last = stmts.len() - 1;
            let mut stdout = std::io::stdout().lock();
            for (i, s) in stmts.iter().enumerate() {
                let out = engine.execute(&s.sql).await?;
                let written = if i == last {
                    crate::output::write(out, *format, &mut stdout).await
                } else {
                    crate::output::write(out, Format::Csv, &mut std::io::sink()).await
                };
                engine.finish_progress();
                written?;
            }
            Ok(())
        }
        Command::Run { files, params, format } => {
            let engine = open(&cli).await?;
            let params: BTreeMap<String, String> = params.iter().cloned().collect();
            run::run_files(&engine, files, &params, *format, &mut std::io::stdout().lock()).await
        }
        Command::Shell => shell::run(open(&cli).await?).await,
        Command::Functions { name, markdown } => functions::show(name.as_deref(), *markdown),
        Command::Init => {
            require_admin(&cli, "init")?;
            let engine = open(&cli).await?;
            let mut lines = crate::catalog::migrate::upgrade(&engine).await?;
            lines.extend(crate::catalog::apply(&engine).await?);
            for line in lines {
                println!("{line}");
            }
            println!("catalog ready in {}", engine.warehouse().root());
            Ok(())
        }
        Command::Repair { table } => {
            require_admin(&cli, "repair")?;
            let engine = open(&cli).await?;
            match engine.warehouse().repair(table).await? {
                Some(r) => {
                    println!("table {table}: rolled back from version {} to version {}", r.from_version, r.to_version);
                    for k in &r.kept {
                        println!("  kept {k}");
                    }
                }
                None => println!("table {table}: its log is readable, nothing to repair"),
            }
            Ok(())
        }
        Command::Maintain { tables, retention_hours, target_file_mb, dry_run } => {
            require_admin(&cli, "maintain")?;
            let engine = open(&cli).await?;
            let wh = engine.warehouse();
            let names: Vec<String> = if tables.is_empty() { wh.list_tables().await?.into_iter().collect() } else { tables.clone() };
            let opts = crate::warehouse::maintain::MaintainOptions { retention_hours: *retention_hours, target_file_mb: *target_file_mb, dry_run: *dry_run };
            for name in &names {
                let m = wh.maintain(name, &opts).await?;
                let deleted = if opts.dry_run { "would delete" } else { "deleted" };
                println!(
                    "table {}: {} data files -> {} (version {}); {deleted} {} unused files",
                    m.table, m.files_before, m.files_after, m.version, m.files_deleted
                );
            }
            Ok(())
        }
        #[cfg(feature = "pg")]
        Command::Serve(args) => {
            // Each connection runs as its login's role; the server's own engine stays admin
            // to keep the catalog current.
            let mut config = config(&cli);
            config.role = cytologia_udfs::access::Role::Admin;
            config.progress = false;
            let engine = engine::build(&config).await?;
            crate::server::serve(engine, args.options()).await
        }
        #[cfg(feature = "pg")]
        Command::Role { command, roles } => serve::role(command, cli.role.map(Into::into), roles.as_deref()),
        Command::Synth { out, train, test, seed } => synth::run(out, *train, *test, *seed).map(|_| ()),
        Command::Demo { out, train, test, seed } => {
            require_admin(&cli, "demo")?;
            demo::run(&cli, out, *train, *test, *seed).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::error_text;

    #[test]
    fn errors_print_as_one_line() {
        let torch =
            "External error: training failed: shape '[2, 3]' is invalid for input of size 5\nException raised from foo at bar.cpp:12\nframe #0: c10::Error";
        assert_eq!(error_text(torch, false), "training failed: shape '[2, 3]' is invalid for input of size 5 (-v shows the full error)");
        assert!(error_text(torch, true).contains("frame #0"));
        assert_eq!(error_text("Error during planning: table 'x' not found", false), "table 'x' not found");
        assert_eq!(error_text("one line", false), "one line");
    }
}
