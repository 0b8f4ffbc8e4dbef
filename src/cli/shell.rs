//! `cytologia shell`: a REPL in the spirit of datafusion-cli. Statements end with ';' and may
//! span lines; Ctrl-C cancels the running statement, Ctrl-D leaves.
use std::time::Instant;

use rustyline::error::ReadlineError;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::output::Format;

const HELP: &str = "\\d            list tables and views
\\d NAME       describe a table or view
\\timing       toggle statement timing
\\format F     output format: table, csv or json
\\q            quit (or Ctrl-D)
Statements end with ';'. `cytologia functions` lists the SQL functions.";

pub async fn run(engine: Engine) -> Result<()> {
    let mut rl = rustyline::DefaultEditor::new().map_err(|e| Error::Usage(format!("cannot start the shell: {e}")))?;
    let history = std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cytologia_history"));
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    println!("cytologia shell — warehouse {}\nType \\? for help, \\q to quit.", engine.warehouse().root());
    let mut buffer = String::new();
    let mut timing = true;
    let mut format = Format::Table;
    loop {
        let prompt = if buffer.is_empty() { "cytologia> " } else { "       ..> " };
        let line = match rl.readline(prompt) {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(Error::Usage(format!("shell input: {e}"))),
        };
        let trimmed = line.trim();
        if buffer.is_empty() && trimmed.starts_with('\\') {
            let _ = rl.add_history_entry(trimmed);
            let mut parts = trimmed.splitn(2, char::is_whitespace);
            let cmd = parts.next().unwrap_or("");
            let arg = parts.next().map(str::trim).filter(|s| !s.is_empty());
            match cmd {
                "\\q" => break,
                "\\?" | "\\h" => println!("{HELP}"),
                "\\timing" => {
                    timing = !timing;
                    println!("timing {}", if timing { "on" } else { "off" });
                }
                "\\format" => match arg.map(str::to_ascii_lowercase).as_deref() {
                    Some("table") => format = Format::Table,
                    Some("csv") => format = Format::Csv,
                    Some("json") => format = Format::Json,
                    _ => println!("usage: \\format table|csv|json"),
                },
                "\\d" => {
                    let sql = match arg {
                        None => "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name".to_string(),
                        Some(name) => format!(
                            "SELECT column_name, data_type, is_nullable FROM information_schema.columns \
                             WHERE table_schema = 'public' AND table_name = '{}' ORDER BY ordinal_position",
                            name.replace('\'', "''")
                        ),
                    };
                    statement(&engine, &sql, Format::Table, false).await;
                }
                other => println!("unknown command {other}; \\? lists commands"),
            }
            continue;
        }
        if !buffer.is_empty() {
            buffer.push('\n');
        }
        buffer.push_str(&line);
        if !trimmed.ends_with(';') {
            continue;
        }
        let _ = rl.add_history_entry(buffer.as_str());
        for stmt in crate::script::split(&buffer) {
            if !statement(&engine, &stmt.sql, format, timing).await {
                break;
            }
        }
        buffer.clear();
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    Ok(())
}

/// Runs one statement, printing its result or error; false when it failed or was cancelled.
async fn statement(engine: &Engine, sql: &str, format: Format, timing: bool) -> bool {
    let started = Instant::now();
    let work = async {
        let out = engine.execute(sql).await?;
        let written = crate::output::write(out, format, &mut std::io::stdout().lock()).await;
        engine.finish_progress();
        written
    };
    tokio::select! {
        r = work => match r {
            Ok(_) => {
                if timing {
                    println!("({:.3}s)", started.elapsed().as_secs_f64());
                }
                true
            }
            Err(e) => {
                eprintln!("error: {}", super::error_text(&e.to_string(), false));
                false
            }
        },
        _ = tokio::signal::ctrl_c() => {
            eprintln!("cancelled");
            false
        }
    }
}
