//! Property tests of the image header checks and decoders: whatever the bytes (random, or a
//! real JPEG/PNG with bytes changed or cut), decoding returns an image or an error, never a
//! panic, and never an image beyond the pixel limit. Cases come from a fixed seed (the same
//! cases on every run); no property-testing crate, so the dependency tree stays the build's.
use rand_mt::Mt64;

use super::pil_decode::{MAX_PIXELS, decode_rgb};

const CASES: usize = 400;

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

/// A real file with up to 8 bytes changed and cut to a random length.
fn damaged(mut bytes: Vec<u8>, rng: &mut Mt64) -> Vec<u8> {
    let n = bytes.len();
    for _ in 0..rng.next_u64() % 9 {
        let at = (rng.next_u64() as usize) % n;
        bytes[at] = rng.next_u64() as u8;
    }
    bytes.truncate(1 + (rng.next_u64() as usize) % n);
    bytes
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Mt64::new(1);
    for case in 0..CASES {
        // Half the cases start with a JPEG or PNG signature, to get past the header check.
        let mut b = if case % 2 == 0 { vec![0xFF, 0xD8, 0xFF] } else { vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A] };
        b.extend((0..rng.next_u64() % 2048).map(|_| rng.next_u64() as u8));
        check(&b);
    }
}

#[test]
fn damaged_files_never_panic() {
    let mut rng = Mt64::new(2);
    let (jpeg, png) = (real_jpeg(), real_png());
    for _ in 0..CASES {
        check(&damaged(jpeg.clone(), &mut rng));
        check(&damaged(png.clone(), &mut rng));
    }
    eprintln!("property: image decoders: {CASES} random byte strings behind a JPEG/PNG signature, {CASES} damaged JPEGs, {CASES} damaged PNGs");
}
