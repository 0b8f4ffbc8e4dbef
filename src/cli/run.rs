//! `cytologia run`: scripts with parameters; stops at the first error with file and line.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::output::Format;

pub async fn run_files(engine: &Engine, files: &[PathBuf], params: &BTreeMap<String, String>, format: Format, out: &mut dyn Write) -> Result<()> {
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?;
        run_text(engine, &f.display().to_string(), &text, params, format, out).await?;
    }
    Ok(())
}

/// Runs one script's text; `file` names it in errors.
pub async fn run_text(engine: &Engine, file: &str, text: &str, params: &BTreeMap<String, String>, format: Format, out: &mut dyn Write) -> Result<()> {
    // Split before binding: a value (a path with a newline, say) cannot move a statement's line.
    let statements = crate::script::split(text);
    let mut bound = Vec::with_capacity(statements.len());
    for stmt in statements {
        let sql =
            crate::script::bind(&stmt.sql, params).map_err(|(offset, message)| Error::Script { file: file.into(), line: stmt.text_line + offset, message })?;
        bound.push(crate::script::Statement { sql, ..stmt });
    }
    for stmt in bound {
        let spinner = crate::progress::spinner(&format!("{}:{}", short(file), stmt.line));
        let started = Instant::now();
        let result = async {
            let o = engine.execute(&stmt.sql).await?;
            crate::output::write(o, format, out).await
        }
        .await;
        spinner.finish_and_clear();
        engine.finish_progress();
        result.map_err(|e| Error::Script { file: file.into(), line: stmt.line, message: e.to_string() })?;
        tracing::info!("{file}:{} done in {:.2?}", stmt.line, started.elapsed());
    }
    Ok(())
}

fn short(file: &str) -> String {
    Path::new(file).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| file.to_string())
}
