//! Property tests of the annotation CSV reader: any bytes give rows or an error naming the
//! file (never a panic), and rows written in any of the accepted forms read back exactly.
//! Cases come from a fixed seed (the same cases on every run).
use rand_mt::Mt64;

use super::annotations::{Kind, parse};

const CASES: usize = 400;
const CLASSES: &[&str] = &["PNN", "LY", "MO", "SS", "B", "EO"];

#[test]
fn any_bytes_give_rows_or_a_named_error() {
    let mut rng = Mt64::new(3);
    // Bytes biased toward what CSV parsing reacts to.
    let alphabet: &[u8] = b",\"\n\r0123456789.-eE abcxyzNAME";
    for case in 0..CASES {
        let mut b = if case % 2 == 0 { b"NAME,x1,y1,x2,y2,class\n".to_vec() } else { Vec::new() };
        for _ in 0..rng.next_u64() % 512 {
            let r = rng.next_u64();
            b.push(if r.is_multiple_of(4) { r as u8 >> 1 | 0x80 } else { alphabet[(r >> 8) as usize % alphabet.len()] });
        }
        if let Err(e) = parse("f.csv", &b, Kind::Train) {
            assert!(e.to_string().starts_with("f.csv"), "{e}");
        }
    }
}

#[test]
fn written_rows_read_back() {
    let mut rng = Mt64::new(4);
    let int = |rng: &mut Mt64| (rng.next_u64() % 200_001) as i64 - 100_000;
    for _ in 0..CASES {
        let rows: Vec<(String, [i64; 4], usize, bool, bool)> = (0..rng.next_u64() % 30)
            .map(|_| {
                let len = 1 + rng.next_u64() % 12;
                let name: String = (0..len).map(|_| b"abcdefghijklmnopqrstuvwxyz0123456789_"[(rng.next_u64() % 37) as usize] as char).collect();
                (
                    format!("{name}.jpg"),
                    [int(&mut rng), int(&mut rng), int(&mut rng), int(&mut rng)],
                    (rng.next_u64() % 6) as usize,
                    rng.next_u64().is_multiple_of(2),
                    rng.next_u64().is_multiple_of(2),
                )
            })
            .collect();
        let mut text = String::from("NAME,x1,y1,x2,y2,class\n");
        for (name, b, c, float, quoted) in &rows {
            // pandas writes integer columns with NaN as "12.0"; quoting is allowed anywhere.
            let n = |v: i64| if *float { format!("{v}.0") } else { v.to_string() };
            let name = if *quoted { format!("\"{name}\"") } else { name.clone() };
            text.push_str(&format!("{name},{},{},{},{},{}\n", n(b[0]), n(b[1]), n(b[2]), n(b[3]), CLASSES[*c]));
        }
        let got = parse("f.csv", text.as_bytes(), Kind::Train).unwrap();
        assert_eq!(got.len(), rows.len());
        for (i, (r, (name, b, c, _, _))) in got.iter().zip(&rows).enumerate() {
            assert_eq!(r.row_number, i as i64 + 1);
            assert_eq!(&r.name, name);
            assert_eq!(r.bbox, Some(*b));
            assert_eq!(r.class.as_deref(), Some(CLASSES[*c]));
        }
    }
    eprintln!("property: annotation CSV reader: {CASES} random byte files (half behind a valid header), {CASES} generated files of up to 30 rows read back");
}
