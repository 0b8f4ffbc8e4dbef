//! Property tests of the image header checks and decoders: whatever the bytes (random, or a
//! real JPEG/PNG with bytes changed or cut), decoding returns an image or an error, never a
//! panic, and never an image beyond the pixel limit.
use proptest::prelude::*;

use super::pil_decode::{MAX_PIXELS, decode_rgb};

const CASES: u32 = 400;

fn real_jpeg() -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/goldens/phash/images");
    std::fs::read(dir.join("000_cells_q95_s0_359x357.jpg")).expect("golden JPEG")
}

fn real_png() -> Vec<u8> {
    let px = super::codec::Pixels::new(17, 9, 3, (0..17 * 9 * 3).map(|i| (i * 7 % 256) as u8).collect()).unwrap();
    super::codec::encode_png(&px).unwrap()
}

fn check(bytes: &[u8]) {
    if let Ok(img) = decode_rgb(bytes) {
        assert!(u64::from(img.width) * u64::from(img.height) <= MAX_PIXELS);
        assert_eq!(img.rgb.len(), img.width as usize * img.height as usize * 3);
    }
}

/// A real file with `edits` (position fraction, new byte) applied and cut to `keep` of its length.
fn damaged(mut bytes: Vec<u8>, edits: &[(f64, u8)], keep: f64) -> Vec<u8> {
    let n = bytes.len();
    for &(at, b) in edits {
        bytes[((at * n as f64) as usize).min(n - 1)] = b;
    }
    bytes.truncate(((keep * n as f64) as usize).max(1));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), jpeg in any::<bool>()) {
        // Half the cases start with a JPEG or PNG signature, to get past the header check.
        let mut b = if jpeg { vec![0xFF, 0xD8, 0xFF] } else { vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A] };
        b.extend(bytes);
        check(&b);
    }

    #[test]
    fn damaged_jpegs_never_panic(edits in proptest::collection::vec((0.0..1.0f64, any::<u8>()), 0..8), keep in 0.0..1.0f64) {
        check(&damaged(real_jpeg(), &edits, keep));
    }

    #[test]
    fn damaged_pngs_never_panic(edits in proptest::collection::vec((0.0..1.0f64, any::<u8>()), 0..8), keep in 0.0..1.0f64) {
        check(&damaged(real_png(), &edits, keep));
    }
}

#[test]
fn record_what_was_tried() {
    eprintln!("property: image decoders: {CASES} random byte strings behind a JPEG/PNG signature, {CASES} damaged JPEGs, {CASES} damaged PNGs");
}
