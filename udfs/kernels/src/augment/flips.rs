//! HorizontalFlip, VerticalFlip and np.rot90 / RandomRotate90.

use super::Rgb;

/// Mirror left-right.
pub fn hflip(img: &Rgb) -> Rgb {
    let mut out = vec![0u8; img.data.len()];
    for (p, q) in img.data.chunks_exact(3).zip(out.chunks_exact_mut(3).rev()) {
        q.copy_from_slice(p);
    }
    // Reversing all pixels also reversed the row order; put the rows back.
    vflip(&Rgb { width: img.width, height: img.height, data: out })
}

/// Mirror top-bottom.
pub fn vflip(img: &Rgb) -> Rgb {
    let mut out = vec![0u8; img.data.len()];
    let row = img.width * 3;
    for (p, q) in img.data.chunks_exact(row).zip(out.chunks_exact_mut(row).rev()) {
        q.copy_from_slice(p);
    }
    Rgb { width: img.width, height: img.height, data: out }
}

/// `k` quarter turns counterclockwise, as `np.rot90(img, k)`; odd `k` swaps width and height.
pub fn rot90(img: &Rgb, k: i64) -> Rgb {
    let (w, h) = (img.width, img.height);
    match k.rem_euclid(4) {
        0 => img.clone(),
        2 => {
            let mut data = vec![0u8; img.data.len()];
            for (p, q) in img.data.chunks_exact(3).zip(data.chunks_exact_mut(3).rev()) {
                q.copy_from_slice(p);
            }
            Rgb { width: w, height: h, data }
        }
        k => {
            // Output is h wide and w tall: input row sy becomes output column sy (k=1) or
            // h-1-sy (k=3), read top-down (k=3) or bottom-up (k=1).
            let mut data = vec![0u8; img.data.len()];
            for (sy, row) in img.data.chunks_exact(w * 3).enumerate() {
                let ox = if k == 1 { sy } else { h - 1 - sy };
                for (sx, p) in row.chunks_exact(3).enumerate() {
                    let oy = if k == 1 { w - 1 - sx } else { sx };
                    let i = (oy * h + ox) * 3;
                    data[i..i + 3].copy_from_slice(p);
                }
            }
            Rgb { width: h, height: w, data }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: usize, h: usize) -> Rgb {
        Rgb::from_data(w, h, (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect())
    }

    #[test]
    fn flips_and_turns_invert() {
        for (w, h) in [(1, 1), (2, 3), (5, 4), (7, 7)] {
            let img = ramp(w, h);
            assert_eq!(hflip(&hflip(&img)), img);
            assert_eq!(vflip(&vflip(&img)), img);
            assert_eq!(rot90(&rot90(&img, 1), 3), img);
            assert_eq!(rot90(&rot90(&img, 3), 1), img);
            assert_eq!(rot90(&img, 2), hflip(&vflip(&img)));
            assert_eq!(rot90(&rot90(&img, 1), 1), rot90(&img, 2));
            assert_eq!(rot90(&img, -1), rot90(&img, 3));
            let r = rot90(&img, 1);
            assert_eq!((r.width, r.height), (h, w));
        }
    }

    #[test]
    fn rot90_is_counterclockwise() {
        // [[a, b], [c, d]] turned counterclockwise is [[b, d], [a, c]].
        let img = Rgb::from_data(2, 2, [1, 2, 3, 4].iter().flat_map(|&v| [v; 3]).collect());
        let r = rot90(&img, 1);
        let firsts: Vec<u8> = r.data.chunks(3).map(|p| p[0]).collect();
        assert_eq!(firsts, [2, 4, 1, 3]);
    }
}
