//! Kernel: the challenge's CSV files read strictly, with errors that name file, line and field.
use std::path::Path;

use crate::error::{KernelError, Result};

pub const CLASS_NAMES: [&str; 23] = [
    "PNN", "LY", "MO", "EO", "BA", "Er", "PM", "Thromb", "LAM3", "Lysee", "LyB", "LLC", "MBL", "LGL", "B", "M", "MM", "LF", "MoB", "LH_lyAct", "LM", "LZMG",
    "SS",
];

/// Which file layout to expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `NAME,x1,y1,x2,y2,class`
    Train,
    /// `trustii_id,NAME`
    Test,
    /// `trustii_id,NAME,x1,y1,x2,y2,class`
    TestTruth,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "train" => Some(Kind::Train),
            "test" => Some(Kind::Test),
            "test_truth" | "truth" => Some(Kind::TestTruth),
            _ => None,
        }
    }
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::Train => &["NAME", "x1", "y1", "x2", "y2", "class"],
            Kind::Test => &["trustii_id", "NAME"],
            Kind::TestTruth => &["trustii_id", "NAME", "x1", "y1", "x2", "y2", "class"],
        }
    }
}

/// One data line of any of the three layouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based order of the data line in the file (header excluded).
    pub row_number: i64,
    pub trustii_id: Option<i64>,
    pub name: String,
    pub bbox: Option<[i64; 4]>,
    pub class: Option<String>,
}

pub fn read(path: &Path, kind: Kind) -> Result<Vec<Record>> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| KernelError::Io { path: file.clone(), source })?;
    parse(&file, &bytes, kind)
}

pub fn parse(file: &str, bytes: &[u8], kind: Kind) -> Result<Vec<Record>> {
    let fail = |line: u64, msg: String| KernelError::Other(format!("{file}:{line}: {msg}"));
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes);
    let header = reader.headers().map_err(|e| fail(1, format!("cannot read the header: {e}")))?.clone();
    let expected = kind.columns();
    let mut index = Vec::with_capacity(expected.len());
    for col in expected {
        match header.iter().position(|h| h.trim().trim_start_matches('\u{feff}') == *col) {
            Some(i) => index.push(i),
            None => {
                let found: Vec<_> = header.iter().collect();
                return Err(fail(1, format!("missing column '{col}': expected {}, found {}", expected.join(","), found.join(","))));
            }
        }
    }
    let mut out = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let line = n as u64 + 2;
        let rec = rec.map_err(|e| fail(line, format!("malformed CSV: {e}")))?;
        if rec.len() != header.len() {
            return Err(fail(line, format!("{} fields, the header has {}", rec.len(), header.len())));
        }
        let field = |c: usize| rec.get(index[c]).unwrap_or("").trim();
        let int = |c: usize| -> Result<i64> {
            let v = field(c);
            // "12.0" is 12 (pandas writes integer columns with NaN as floats); a float beyond
            // 2^53 is not an exact integer and would be stored saturated or rounded: refused.
            const EXACT: f64 = (1u64 << 53) as f64;
            v.parse::<i64>()
                .or_else(|_| v.parse::<f64>().ok().filter(|f| f.fract() == 0.0 && f.abs() <= EXACT).map(|f| f as i64).ok_or(()))
                .map_err(|_| fail(line, format!("field '{}': '{v}' is not an integer (or is out of range)", expected[c])))
        };
        let text = |c: usize| -> Result<String> {
            let v = field(c);
            if v.is_empty() { Err(fail(line, format!("field '{}' is empty", expected[c]))) } else { Ok(v.to_string()) }
        };
        let class = |c: usize| -> Result<String> {
            let v = text(c)?;
            if CLASS_NAMES.contains(&v.as_str()) {
                Ok(v)
            } else {
                Err(fail(line, format!("field 'class': unknown class '{v}'; valid classes: {}", CLASS_NAMES.join(", "))))
            }
        };
        let row_number = n as i64 + 1;
        out.push(match kind {
            Kind::Train => Record { row_number, trustii_id: None, name: text(0)?, bbox: Some([int(1)?, int(2)?, int(3)?, int(4)?]), class: Some(class(5)?) },
            Kind::Test => Record { row_number, trustii_id: Some(int(0)?), name: text(1)?, bbox: None, class: None },
            Kind::TestTruth => {
                Record { row_number, trustii_id: Some(int(0)?), name: text(1)?, bbox: Some([int(2)?, int(3)?, int(4)?, int(5)?]), class: Some(class(6)?) }
            }
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str, kind: Kind) -> String {
        parse("f.csv", text.as_bytes(), kind).unwrap_err().to_string()
    }

    #[test]
    fn reads_the_three_layouts_in_file_order() {
        let t = parse("train.csv", b"NAME,x1,y1,x2,y2,class\na.jpg,1,2,30,40,LY\nb.jpg,-3,0,9,9,SS\n", Kind::Train).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1], Record { row_number: 2, trustii_id: None, name: "b.jpg".into(), bbox: Some([-3, 0, 9, 9]), class: Some("SS".into()) });
        let s = parse("test.csv", b"trustii_id,NAME\n7,a.jpg\n", Kind::Test).unwrap();
        assert_eq!(s[0].trustii_id, Some(7));
        // Column order in the file does not matter.
        let r = parse("t.csv", b"NAME,trustii_id,class,x1,y1,x2,y2\na.jpg,5,PNN,1,2,3,4\n", Kind::TestTruth).unwrap();
        assert_eq!(r[0].bbox, Some([1, 2, 3, 4]));
    }

    #[test]
    fn errors_name_file_line_and_field() {
        assert_eq!(err("NAME,x1,y1,x2,class\n", Kind::Train), "f.csv:1: missing column 'y2': expected NAME,x1,y1,x2,y2,class, found NAME,x1,y1,x2,class");
        assert_eq!(
            err("NAME,x1,y1,x2,y2,class\na.jpg,1,2,3,4,LY\na.jpg,1,abc,3,4,LY\n", Kind::Train),
            "f.csv:3: field 'y1': 'abc' is not an integer (or is out of range)"
        );
        assert_eq!(err("NAME,x1,y1,x2,y2,class\na.jpg,1,1e30,3,4,LY\n", Kind::Train), "f.csv:2: field 'y1': '1e30' is not an integer (or is out of range)");
        assert_eq!(parse("f.csv", b"NAME,x1,y1,x2,y2,class\na.jpg,1.0,2,3,4e1,LY\n", Kind::Train).unwrap()[0].bbox, Some([1, 2, 3, 40]));
        assert!(
            err("NAME,x1,y1,x2,y2,class\na.jpg,1,2,3,4,XX\n", Kind::Train).starts_with("f.csv:2: field 'class': unknown class 'XX'; valid classes: PNN, LY")
        );
        assert_eq!(err("NAME,x1,y1,x2,y2,class\na.jpg,1,2\n", Kind::Train), "f.csv:2: 3 fields, the header has 6");
        assert_eq!(err("trustii_id,NAME\n1,\n", Kind::Test), "f.csv:2: field 'NAME' is empty");
    }
}
