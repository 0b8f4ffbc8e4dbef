//! Perceptual hash identical to imagededup 0.3.3's `PHash().encode_image(image_file=...)`.
//!
//! Pipeline (imagededup `load_image` + `PHash._hash_algo`):
//! 1. Pillow decode, `convert("RGBA").convert("RGB")` unless already RGB ([`super::pil_decode`]);
//! 2. `resize((32, 32), Image.LANCZOS)` on the RGB image ([`super::pil_resample`]);
//! 3. `convert("L")` ([`super::pil_convert`]);
//! 4. `scipy.fftpack.dct(scipy.fftpack.dct(x, axis=0), axis=1)` on float64 (DCT-II,
//!    unnormalised), reproduced *bit for bit* by porting scipy's pocketfft
//!    (`pocketfft_hdronly.h`, `T_dcst23` over `rfftp` with factors 2·4·4 for N = 32) —
//!    required because flat/symmetric images have coefficients that are exactly zero in exact
//!    arithmetic, so their bits depend on pocketfft's rounding residue;
//! 5. top-left 8×8 block, `np.median` of the 63 values after the DC term (row-major flatten,
//!    element 0 excluded), bits = `coef >= median` over all 64 values including DC;
//! 6. `np.packbits` (MSB first), each byte as `%0.2x`.

use super::{pil_convert, pil_decode, pil_resample};

/// Why an image could not be hashed (imagededup returns `None` for these).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PhashError {
    #[error("empty input")]
    Empty,
    #[error("unrecognised image format (only JPEG and PNG are supported)")]
    UnknownFormat,
    #[error("JPEG decode error: {0}")]
    Jpeg(String),
    #[error("PNG decode error: {0}")]
    Png(String),
    #[error("unsupported image: {0}")]
    Unsupported(String),
    #[error("image too large: {width}x{height}")]
    TooLarge { width: u64, height: u64 },
}

/// Side of the resized image fed to the DCT.
pub const HASH_SIZE: usize = 32;
/// Side of the retained low-frequency block.
pub const COEF_SIZE: usize = 8;

/// Decode JPEG/PNG bytes like Pillow and return imagededup's 16-hex-digit PHash.
pub fn phash_bytes(bytes: &[u8]) -> Result<String, PhashError> {
    let img = pil_decode::decode_rgb(bytes)?;
    Ok(phash_rgb(img.width, img.height, &img.rgb))
}

/// PHash of an RGB8 row-major image (3 bytes per pixel).
///
/// A zero dimension or a buffer shorter than `width * height * 3` is hashed as a black
/// 32×32 image (no panic); callers should validate beforehand.
pub fn phash_rgb(width: u32, height: u32, rgb: &[u8]) -> String {
    let small = pil_resample::resize_lanczos_rgb(width, height, rgb, HASH_SIZE as u32, HASH_SIZE as u32);
    let l = pil_convert::rgb_to_l(&small);
    phash_l32(&l)
}

/// PHash of the already resized 32×32 `L` image (1024 bytes, row-major).
pub fn phash_l32(l: &[u8]) -> String {
    let coef = dct2d_8x8(l);
    let bits = hash_bits(&coef);
    bits_to_hex(&bits)
}

/// `dct(dct(x, axis=0), axis=1)[:8, :8]` for a 32×32 `u8` image, bit-identical to scipy.
/// Returns the 64 coefficients row-major.
pub fn dct2d_8x8(l: &[u8]) -> [f64; 64] {
    const N: usize = HASH_SIZE;
    let plan = Dct2Plan::new();
    let mut m = [[0f64; N]; N]; // m[row][col]
    for (r, row) in m.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = f64::from(l.get(r * N + c).copied().unwrap_or(0));
        }
    }
    // axis 0: transform every column
    let mut buf = [0f64; N];
    for c in 0..N {
        for (b, row) in buf.iter_mut().zip(m.iter()) {
            *b = row[c];
        }
        plan.exec(&mut buf);
        for (b, row) in buf.iter().zip(m.iter_mut()) {
            row[c] = *b;
        }
    }
    // axis 1: transform every row (only the first 8 rows are needed)
    let mut out = [0f64; 64];
    for r in 0..COEF_SIZE {
        plan.exec(&mut m[r]);
        out[r * COEF_SIZE..(r + 1) * COEF_SIZE].copy_from_slice(&m[r][..COEF_SIZE]);
    }
    out
}

/// `np.median` (mean of the two middle values for even counts). Empty input gives NaN.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// imagededup's bit matrix: `coef >= median(coef.flatten()[1:])`, row-major.
pub fn hash_bits(coef: &[f64; 64]) -> [bool; 64] {
    let med = median(&coef[1..]);
    let mut bits = [false; 64];
    for (b, &c) in bits.iter_mut().zip(coef.iter()) {
        *b = c >= med;
    }
    bits
}

/// `''.join('%0.2x' % x for x in np.packbits(bits))`.
pub fn bits_to_hex(bits: &[bool]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bits.len().div_ceil(8) * 2);
    for chunk in bits.chunks(8) {
        let mut byte = 0u8;
        for (i, &b) in chunk.iter().enumerate() {
            if b {
                byte |= 0x80 >> i;
            }
        }
        s.push(HEX[(byte >> 4) as usize] as char);
        s.push(HEX[(byte & 15) as usize] as char);
    }
    s
}

/// Number of differing bits between two hex hashes (imagededup's `hamming_distance` on
/// equal-length hashes). `None` if the lengths differ or a character is not a hex digit.
pub fn hamming_distance_hex(a: &str, b: &str) -> Option<u32> {
    if a.len() != b.len() {
        return None;
    }
    let mut d = 0;
    for (x, y) in a.chars().zip(b.chars()) {
        let (x, y) = (x.to_digit(16)?, y.to_digit(16)?);
        d += (x ^ y).count_ones();
    }
    Some(d)
}

// ---------------------------------------------------------------------------------------------
// Port of scipy 1.17.1's pocketfft (scipy/_lib/pocketfft/pocketfft_hdronly.h) for the one
// transform imagededup uses: DCT-II, unnormalised (fct = 1, not ortho), length 32, float64.
// Operation order is kept literally so every intermediate rounds as in the C++ code (scipy's
// x86-64 wheels are built without FMA contraction; Rust never contracts).
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Cmplx {
    r: f64,
    i: f64,
}

/// `sincos_2pibyn<double>`: table of `exp(2*pi*i*k/n)` built from two small tables.
struct SinCos2PiByN {
    n: usize,
    mask: usize,
    shift: u32,
    v1: Vec<Cmplx>,
    v2: Vec<Cmplx>,
}

impl SinCos2PiByN {
    fn new(n: usize) -> Self {
        // `Thigh ang = Thigh(0.25L*pi/n)`: computed in x87 long double then rounded. For the
        // power-of-two n used here the division is exact, so this equals PI/4/n in f64.
        debug_assert!(n.is_power_of_two());
        let ang = std::f64::consts::PI * 0.25 / n as f64;
        let nval = (n + 2) / 2;
        let mut shift = 1u32;
        while (1usize << shift) * (1usize << shift) < nval {
            shift += 1;
        }
        let mask = (1usize << shift) - 1;
        let mut v1 = vec![Cmplx { r: 1.0, i: 0.0 }; mask + 1];
        for (i, v) in v1.iter_mut().enumerate().skip(1) {
            *v = Self::calc(i, n, ang);
        }
        let mut v2 = vec![Cmplx { r: 1.0, i: 0.0 }; (nval + mask) / (mask + 1)];
        for (i, v) in v2.iter_mut().enumerate().skip(1) {
            *v = Self::calc(i * (mask + 1), n, ang);
        }
        Self { n, mask, shift, v1, v2 }
    }

    fn calc(x: usize, n: usize, ang: f64) -> Cmplx {
        let c = |r: f64, i: f64| Cmplx { r, i };
        let mut x = x << 3;
        if x < 4 * n {
            if x < 2 * n {
                if x < n {
                    return c((x as f64 * ang).cos(), (x as f64 * ang).sin());
                }
                let y = (2 * n - x) as f64 * ang;
                c(y.sin(), y.cos())
            } else {
                x -= 2 * n;
                if x < n {
                    return c(-(x as f64 * ang).sin(), (x as f64 * ang).cos());
                }
                let y = (2 * n - x) as f64 * ang;
                c(-y.cos(), y.sin())
            }
        } else {
            x = 8 * n - x;
            if x < 2 * n {
                if x < n {
                    return c((x as f64 * ang).cos(), -(x as f64 * ang).sin());
                }
                let y = (2 * n - x) as f64 * ang;
                c(y.sin(), -y.cos())
            } else {
                x -= 2 * n;
                if x < n {
                    return c(-(x as f64 * ang).sin(), -(x as f64 * ang).cos());
                }
                let y = (2 * n - x) as f64 * ang;
                c(-y.cos(), -y.sin())
            }
        }
    }

    fn get(&self, idx: usize) -> Cmplx {
        if 2 * idx <= self.n {
            let (x1, x2) = (self.v1[idx & self.mask], self.v2[idx >> self.shift]);
            return Cmplx { r: x1.r * x2.r - x1.i * x2.i, i: x1.r * x2.i + x1.i * x2.r };
        }
        let idx = self.n - idx;
        let (x1, x2) = (self.v1[idx & self.mask], self.v2[idx >> self.shift]);
        Cmplx { r: x1.r * x2.r - x1.i * x2.i, i: -(x1.r * x2.i + x1.i * x2.r) }
    }
}

/// `rfftp<double>` restricted to factors 2 and 4 (enough for any power of two); only the
/// backward (half-complex -> real) direction, which is what `T_dcst23` type 2 uses.
struct Rfftp {
    length: usize,
    /// (factor, twiddles) in pocketfft's factor order.
    fact: Vec<(usize, Vec<f64>)>,
}

impl Rfftp {
    fn new(length: usize) -> Self {
        debug_assert!(length.is_power_of_two() && length >= 2);
        // factorize(): 4s first, then one 2 swapped to the front.
        let mut facts = Vec::new();
        let mut len = length;
        while len.is_multiple_of(4) {
            facts.push(4);
            len >>= 2;
        }
        if len.is_multiple_of(2) {
            len >>= 1;
            facts.push(2);
            let last = facts.len() - 1;
            facts.swap(0, last);
        }
        debug_assert_eq!(len, 1);
        // comp_twiddle()
        let twid = SinCos2PiByN::new(length);
        let mut l1 = 1;
        let nf = facts.len();
        let mut fact = Vec::with_capacity(nf);
        for (k, &ip) in facts.iter().enumerate() {
            let ido = length / (l1 * ip);
            let mut tw = Vec::new();
            if k < nf - 1 {
                tw = vec![0f64; (ip - 1) * (ido - 1)];
                for j in 1..ip {
                    for i in 1..=(ido - 1) / 2 {
                        let t = twid.get(j * l1 * i);
                        tw[(j - 1) * (ido - 1) + 2 * i - 2] = t.r;
                        tw[(j - 1) * (ido - 1) + 2 * i - 1] = t.i;
                    }
                }
            }
            fact.push((ip, tw));
            l1 *= ip;
        }
        Self { length, fact }
    }

    /// Backward real FFT (`exec(c, fct=1, r2hc=false)`): FFTPACK half-complex input order.
    /// (pocketfft's DCT-II runs the *backward* real transform.)
    fn backward(&self, c: &mut [f64]) {
        let n = self.length;
        let mut p1 = c.to_vec();
        let mut p2 = vec![0f64; n];
        let mut l1 = 1;
        for (ip, tw) in &self.fact {
            let ido = n / (ip * l1);
            match ip {
                4 => radb4(ido, l1, &p1, &mut p2, tw),
                2 => radb2(ido, l1, &p1, &mut p2, tw),
                _ => unreachable!("only radix 2 and 4 are needed for power-of-two lengths"),
            }
            std::mem::swap(&mut p1, &mut p2);
            l1 *= ip;
        }
        c.copy_from_slice(&p1);
    }
}

fn radb2(ido: usize, l1: usize, cc: &[f64], ch: &mut [f64], wa: &[f64]) {
    let cc_ = |a: usize, b: usize, c: usize| cc[a + ido * (b + 2 * c)];
    let chi = |a: usize, b: usize, c: usize| a + ido * (b + l1 * c);
    for k in 0..l1 {
        // PM(CH(0,k,0), CH(0,k,1), CC(0,0,k), CC(ido-1,1,k))
        let (x, y) = (cc_(0, 0, k), cc_(ido - 1, 1, k));
        ch[chi(0, k, 0)] = x + y;
        ch[chi(0, k, 1)] = x - y;
    }
    if ido.is_multiple_of(2) {
        for k in 0..l1 {
            ch[chi(ido - 1, k, 0)] = 2.0 * cc_(ido - 1, 0, k);
            ch[chi(ido - 1, k, 1)] = -2.0 * cc_(0, 1, k);
        }
    }
    if ido <= 2 {
        return;
    }
    for k in 0..l1 {
        let mut i = 2;
        while i < ido {
            let ic = ido - i;
            // PM(CH(i-1,k,0), tr2, CC(i-1,0,k), CC(ic-1,1,k))
            ch[chi(i - 1, k, 0)] = cc_(i - 1, 0, k) + cc_(ic - 1, 1, k);
            let tr2 = cc_(i - 1, 0, k) - cc_(ic - 1, 1, k);
            // PM(ti2, CH(i,k,0), CC(i,0,k), CC(ic,1,k))
            let ti2 = cc_(i, 0, k) + cc_(ic, 1, k);
            ch[chi(i, k, 0)] = cc_(i, 0, k) - cc_(ic, 1, k);
            // MULPM(CH(i,k,1), CH(i-1,k,1), WA(0,i-2), WA(0,i-1), ti2, tr2)
            let (wr, wi) = (wa[i - 2], wa[i - 1]);
            ch[chi(i, k, 1)] = wr * ti2 + wi * tr2;
            ch[chi(i - 1, k, 1)] = wr * tr2 - wi * ti2;
            i += 2;
        }
    }
}

fn radb4(ido: usize, l1: usize, cc: &[f64], ch: &mut [f64], wa: &[f64]) {
    const SQRT2: f64 = std::f64::consts::SQRT_2; // == T0(1.414213562373095048801688724209698L)
    let cc_ = |a: usize, b: usize, c: usize| cc[a + ido * (b + 4 * c)];
    let chi = |a: usize, b: usize, c: usize| a + ido * (b + l1 * c);
    let wa_ = |x: usize, i: usize| wa[i + x * (ido - 1)];
    for k in 0..l1 {
        // PM(tr2, tr1, CC(0,0,k), CC(ido-1,3,k))
        let tr2 = cc_(0, 0, k) + cc_(ido - 1, 3, k);
        let tr1 = cc_(0, 0, k) - cc_(ido - 1, 3, k);
        let tr3 = 2.0 * cc_(ido - 1, 1, k);
        let tr4 = 2.0 * cc_(0, 2, k);
        ch[chi(0, k, 0)] = tr2 + tr3;
        ch[chi(0, k, 2)] = tr2 - tr3;
        ch[chi(0, k, 3)] = tr1 + tr4;
        ch[chi(0, k, 1)] = tr1 - tr4;
    }
    if ido.is_multiple_of(2) {
        for k in 0..l1 {
            let ti1 = cc_(0, 3, k) + cc_(0, 1, k);
            let ti2 = cc_(0, 3, k) - cc_(0, 1, k);
            let tr2 = cc_(ido - 1, 0, k) + cc_(ido - 1, 2, k);
            let tr1 = cc_(ido - 1, 0, k) - cc_(ido - 1, 2, k);
            ch[chi(ido - 1, k, 0)] = tr2 + tr2;
            ch[chi(ido - 1, k, 1)] = SQRT2 * (tr1 - ti1);
            ch[chi(ido - 1, k, 2)] = ti2 + ti2;
            ch[chi(ido - 1, k, 3)] = -SQRT2 * (tr1 + ti1);
        }
    }
    if ido <= 2 {
        return;
    }
    for k in 0..l1 {
        let mut i = 2;
        while i < ido {
            let ic = ido - i;
            let (tr2, tr1) = (cc_(i - 1, 0, k) + cc_(ic - 1, 3, k), cc_(i - 1, 0, k) - cc_(ic - 1, 3, k));
            let (ti1, ti2) = (cc_(i, 0, k) + cc_(ic, 3, k), cc_(i, 0, k) - cc_(ic, 3, k));
            let (tr4, ti3) = (cc_(i, 2, k) + cc_(ic, 1, k), cc_(i, 2, k) - cc_(ic, 1, k));
            let (tr3, ti4) = (cc_(i - 1, 2, k) + cc_(ic - 1, 1, k), cc_(i - 1, 2, k) - cc_(ic - 1, 1, k));
            ch[chi(i - 1, k, 0)] = tr2 + tr3;
            let cr3 = tr2 - tr3;
            ch[chi(i, k, 0)] = ti2 + ti3;
            let ci3 = ti2 - ti3;
            let (cr4, cr2) = (tr1 + tr4, tr1 - tr4);
            let (ci2, ci4) = (ti1 + ti4, ti1 - ti4);
            // MULPM(CH(i,k,j), CH(i-1,k,j), WA(j-1,i-2), WA(j-1,i-1), ci_j, cr_j)
            for (j, ci, cr) in [(1, ci2, cr2), (2, ci3, cr3), (3, ci4, cr4)] {
                let (c, d) = (wa_(j - 1, i - 2), wa_(j - 1, i - 1));
                ch[chi(i, k, j)] = c * ci + d * cr;
                ch[chi(i - 1, k, j)] = c * cr - d * ci;
            }
            i += 2;
        }
    }
}

/// `T_dcst23<double>` type 2, cosine, fct = 1, not ortho.
struct Dct2Plan {
    fft: Rfftp,
    twiddle: Vec<f64>,
}

impl Dct2Plan {
    fn new() -> Self {
        let n = HASH_SIZE;
        let tw = SinCos2PiByN::new(4 * n);
        let twiddle = (0..n).map(|i| tw.get(i + 1).r).collect();
        Self { fft: Rfftp::new(n), twiddle }
    }

    fn exec(&self, c: &mut [f64; HASH_SIZE]) {
        let n = HASH_SIZE;
        let ns2 = n.div_ceil(2);
        let tw = &self.twiddle;
        c[0] *= 2.0;
        if n.is_multiple_of(2) {
            c[n - 1] *= 2.0;
        }
        let mut k = 1;
        while k < n - 1 {
            // MPINPLACE(c[k+1], c[k]): t = a; a -= b; b = t + b
            let t = c[k + 1];
            c[k + 1] -= c[k];
            c[k] += t;
            k += 2;
        }
        self.fft.backward(c);
        let (mut k, mut kc) = (1, n - 1);
        while k < ns2 {
            let t1 = tw[k - 1] * c[kc] + tw[kc - 1] * c[k];
            let t2 = tw[k - 1] * c[k] - tw[kc - 1] * c[kc];
            c[k] = 0.5 * (t1 + t2);
            c[kc] = 0.5 * (t1 - t2);
            k += 1;
            kc -= 1;
        }
        if n.is_multiple_of(2) {
            c[ns2] *= tw[ns2 - 1];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference DCT-II (`2 * sum x[n] cos(pi k (2n+1) / 2N)`) evaluated in f64.
    fn naive_dct(x: &[f64]) -> Vec<f64> {
        let n = x.len();
        (0..n)
            .map(|k| 2.0 * x.iter().enumerate().map(|(i, &v)| v * (std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2 * n) as f64).cos()).sum::<f64>())
            .collect()
    }

    #[test]
    fn pocketfft_port_is_a_dct2() {
        let plan = Dct2Plan::new();
        let mut x = [0f64; 32];
        for (i, v) in x.iter_mut().enumerate() {
            *v = ((i * 37 + 11) % 256) as f64;
        }
        let want = naive_dct(&x);
        plan.exec(&mut x);
        for (a, b) in x.iter().zip(want.iter()) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    #[test]
    fn median_numpy_semantics() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn hex_packing() {
        let mut bits = [false; 64];
        bits[0] = true;
        bits[63] = true;
        assert_eq!(bits_to_hex(&bits), "8000000000000001");
        assert_eq!(bits_to_hex(&[true; 64]), "ffffffffffffffff");
    }

    #[test]
    fn hamming() {
        assert_eq!(hamming_distance_hex("ffffffffffffffff", "ffffffffffffffff"), Some(0));
        assert_eq!(hamming_distance_hex("ffffffffffffffff", "0000000000000000"), Some(64));
        assert_eq!(hamming_distance_hex("8000000000000001", "0000000000000000"), Some(2));
        assert_eq!(hamming_distance_hex("a1", "A1"), Some(0));
        assert_eq!(hamming_distance_hex("abc", "ab"), None);
        assert_eq!(hamming_distance_hex("zz", "00"), None);
        assert_eq!(hamming_distance_hex("", ""), Some(0));
    }
}
