//! Property tests of the annotation CSV reader: any bytes give rows or an error naming the
//! file (never a panic), and rows written in any of the accepted forms read back exactly.
use proptest::prelude::*;

use super::annotations::{Kind, parse};

const CASES: u32 = 400;
const CLASSES: &[&str] = &["PNN", "LY", "MO", "SS", "B", "EO"];

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_give_rows_or_a_named_error(bytes in proptest::collection::vec(any::<u8>(), 0..512), header in any::<bool>()) {
        let mut b = if header { b"NAME,x1,y1,x2,y2,class\n".to_vec() } else { Vec::new() };
        b.extend(bytes);
        if let Err(e) = parse("f.csv", &b, Kind::Train) {
            prop_assert!(e.to_string().starts_with("f.csv"), "{e}");
        }
    }

    #[test]
    fn written_rows_read_back(rows in proptest::collection::vec((
        "[a-z0-9_]{1,12}\\.jpg", -100_000i64..100_000, -100_000i64..100_000, -100_000i64..100_000, -100_000i64..100_000,
        0..CLASSES.len(), any::<bool>(), any::<bool>()), 0..30)) {
        let mut text = String::from("NAME,x1,y1,x2,y2,class\n");
        for (name, x1, y1, x2, y2, c, float, quoted) in &rows {
            // pandas writes integer columns with NaN as "12.0"; quoting is allowed anywhere.
            let n = |v: &i64| if *float { format!("{v}.0") } else { v.to_string() };
            let name = if *quoted { format!("\"{name}\"") } else { name.clone() };
            text.push_str(&format!("{name},{},{},{},{},{}\n", n(x1), n(y1), n(x2), n(y2), CLASSES[*c]));
        }
        let got = parse("f.csv", text.as_bytes(), Kind::Train).unwrap();
        prop_assert_eq!(got.len(), rows.len());
        for (i, (r, (name, x1, y1, x2, y2, c, _, _))) in got.iter().zip(&rows).enumerate() {
            prop_assert_eq!(r.row_number, i as i64 + 1);
            prop_assert_eq!(&r.name, name);
            prop_assert_eq!(r.bbox, Some([*x1, *y1, *x2, *y2]));
            prop_assert_eq!(r.class.as_deref(), Some(CLASSES[*c]));
        }
    }
}

#[test]
fn record_what_was_tried() {
    eprintln!("property: annotation CSV reader: {CASES} random byte files (half behind a valid header), {CASES} generated files of up to 30 rows read back");
}
