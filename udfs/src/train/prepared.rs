//! What a training function's first pass over its input found: the dataset (an index whose
//! pictures the store decodes on demand) and the rows it skipped because their image cannot be
//! decoded. A corrupt image costs its row, counted in every output row and named in one
//! warning, not the run.

/// How many skipped rows a warning names before it only counts.
const NAMED: usize = 5;

pub struct Prepared<T> {
    pub data: T,
    /// Why each skipped row was skipped, in row order.
    pub skipped: Vec<String>,
}

impl<T> Prepared<T> {
    /// The warning to print, when rows were skipped.
    pub fn warning(&self, function: &str, rows: usize) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        let named = self.skipped.iter().take(NAMED).cloned().collect::<Vec<_>>().join("; ");
        let more = if self.skipped.len() > NAMED { format!("; and {} more", self.skipped.len() - NAMED) } else { String::new() };
        Some(format!("warning: {function}(): skipped {} of {rows} rows whose image cannot be decoded: {named}{more}", self.skipped.len()))
    }
}

/// The clause an error about missing rows adds when rows were skipped.
pub fn skipped_note(skipped: &[String]) -> String {
    match skipped.len() {
        0 => String::new(),
        1 => " (1 row was skipped: its image cannot be decoded)".to_string(),
        n => format!(" ({n} rows were skipped: their image cannot be decoded)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_names_the_first_rows_and_counts_the_rest() {
        let p = Prepared { data: (), skipped: (0..7).map(|r| format!("row {r}: not a JPEG")).collect() };
        let w = p.warning("train_x", 100).unwrap();
        assert!(w.starts_with("warning: train_x(): skipped 7 of 100 rows whose image cannot be decoded: row 0: not a JPEG; row 1"), "{w}");
        assert!(w.ends_with("row 4: not a JPEG; and 2 more"), "{w}");
        assert!(Prepared { data: (), skipped: vec![] }.warning("f", 1).is_none());
        assert_eq!(skipped_note(&[]), "");
        assert_eq!(skipped_note(&["a".into()]), " (1 row was skipped: its image cannot be decoded)");
        assert_eq!(skipped_note(&["a".into(), "b".into()]), " (2 rows were skipped: their image cannot be decoded)");
    }
}
