//! `cytologia functions`: the function reference, rendered from the functions' own docs.
use cytologia_udfs::docs;

use crate::error::{Error, Result};

pub fn show(name: Option<&str>, markdown: bool) -> Result<()> {
    let all = cytologia_udfs::all_functions();
    if markdown {
        print!("{}", docs::reference_markdown(&all));
        return Ok(());
    }
    match name {
        Some(n) => {
            let f = all.iter().find(|f| f.name.eq_ignore_ascii_case(n)).ok_or_else(|| {
                let names: Vec<_> = all.iter().map(|f| f.name.as_str()).collect();
                Error::Usage(format!("no function '{n}'; functions: {}", names.join(", ")))
            })?;
            print!("{}", docs::to_markdown(f));
        }
        None => {
            let width = all.iter().map(|f| f.doc.syntax_example.len()).max().unwrap_or(10).min(60);
            for f in &all {
                let first = f.doc.description.split(". ").next().unwrap_or("").trim_end_matches('.');
                println!("{:<9} {:<w$}  {}", f.kind.label(), f.doc.syntax_example, first, w = width);
            }
            println!("\n{} functions; `cytologia functions NAME` shows one in full.", all.len());
        }
    }
    Ok(())
}
