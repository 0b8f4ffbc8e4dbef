//! Allocation-free, position-hashed noise: textures are a pure function of (x, y, seed),
//! so render order and threading cannot change a pixel.

#[inline]
pub(crate) fn hash(x: i32, y: i32, seed: u32) -> u32 {
    let mut h = seed ^ (x as u32).wrapping_mul(0x27D4_EB2D) ^ (y as u32).wrapping_mul(0x1656_67B1).rotate_left(13);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    h = h.wrapping_mul(0x297A_2D39);
    h ^= h >> 15;
    h
}

/// Hash mapped to [0, 1).
#[inline]
pub(crate) fn hash01(x: i32, y: i32, seed: u32) -> f32 {
    (hash(x, y, seed) >> 8) as f32 * (1.0 / 16_777_216.0)
}

/// Smooth value noise in [0, 1] with unit lattice spacing.
#[inline]
pub(crate) fn value(x: f32, y: f32, seed: u32) -> f32 {
    let xf = x.floor();
    let yf = y.floor();
    let xi = xf as i32;
    let yi = yf as i32;
    let tx = x - xf;
    let ty = y - yf;
    let sx = tx * tx * (3.0 - 2.0 * tx);
    let sy = ty * ty * (3.0 - 2.0 * ty);
    let a = hash01(xi, yi, seed);
    let b = hash01(xi + 1, yi, seed);
    let c = hash01(xi, yi + 1, seed);
    let d = hash01(xi + 1, yi + 1, seed);
    let top = a + (b - a) * sx;
    let bot = c + (d - c) * sx;
    top + (bot - top) * sy
}

/// Fractal sum of `octaves` value-noise layers, normalised back to about [0, 1].
#[inline]
pub(crate) fn fbm(x: f32, y: f32, seed: u32, octaves: u32) -> f32 {
    let mut sum = 0.0;
    let mut amp = 1.0;
    let mut norm = 0.0;
    let mut f = 1.0;
    for o in 0..octaves {
        sum += amp * value(x * f + o as f32 * 17.3, y * f - o as f32 * 9.1, seed.wrapping_add(o * 101));
        norm += amp;
        amp *= 0.5;
        f *= 2.03;
    }
    sum / norm
}
