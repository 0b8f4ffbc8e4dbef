//! Near-duplicate search over 64-bit perceptual hashes: every pair within a Hamming distance,
//! without comparing all pairs. Multi-index hashing: a hash is cut into four 16-bit blocks; two
//! hashes within distance `d` differ in at most `d / 4` bits of at least one block
//! (pigeonhole), so each hash is compared only with the hashes whose block lies within that
//! radius of its own, found by probing one table per block. Distances of 20 and more make the
//! probes outnumber the pairs, and compare all pairs instead.

use rayon::prelude::*;

const BLOCKS: usize = 4;
const BITS: u32 = 16;
/// From this distance on, all pairs are compared.
const ALL_PAIRS_FROM: u32 = 20;

/// A hash's 16-bit block `b`.
fn block(h: u64, b: usize) -> u16 {
    (h >> (b as u32 * BITS)) as u16
}

/// The 16-bit masks of at most `radius` set bits, 0 first: a block's neighbours are `v ^ mask`.
fn masks(radius: u32) -> Vec<u16> {
    let mut m: Vec<u16> = (0u32..(1 << BITS)).filter(|m| m.count_ones() <= radius).map(|m| m as u16).collect();
    m.sort_by_key(|m| m.count_ones());
    m
}

/// The hashes of each block value, as one index per block (CSR: offsets and members).
struct BlockIndex {
    offsets: Vec<u32>,
    members: Vec<u32>,
}

impl BlockIndex {
    fn new(hashes: &[Option<u64>], b: usize) -> Self {
        let mut offsets = vec![0u32; (1 << BITS) + 1];
        for h in hashes.iter().flatten() {
            offsets[block(*h, b) as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut fill = offsets.clone();
        let mut members = vec![0u32; offsets[1 << BITS] as usize];
        for (i, h) in hashes.iter().enumerate() {
            if let Some(h) = h {
                let k = block(*h, b) as usize;
                members[fill[k] as usize] = i as u32;
                fill[k] += 1;
            }
        }
        BlockIndex { offsets, members }
    }

    fn bucket(&self, v: u16) -> &[u32] {
        &self.members[self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize]
    }
}

/// Every pair `(i, j, distance)` with `i < j` and `distance <= max_distance`, sorted. `None`
/// hashes take no part.
pub fn near_pairs(hashes: &[Option<u64>], max_distance: u32) -> Vec<(u32, u32, u32)> {
    let within = |i: usize, j: usize| -> Option<(u32, u32, u32)> {
        let d = (hashes[i]? ^ hashes[j]?).count_ones();
        (d <= max_distance).then_some((i as u32, j as u32, d))
    };
    let mut pairs: Vec<(u32, u32, u32)> = if max_distance >= ALL_PAIRS_FROM {
        (0..hashes.len()).into_par_iter().flat_map_iter(|i| (i + 1..hashes.len()).filter_map(move |j| within(i, j))).collect()
    } else {
        let masks = masks(max_distance / BLOCKS as u32);
        let index: Vec<BlockIndex> = (0..BLOCKS).map(|b| BlockIndex::new(hashes, b)).collect();
        (0..hashes.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                let mut found = Vec::new();
                if let Some(h) = hashes[i] {
                    let mut candidates = Vec::new();
                    for (b, idx) in index.iter().enumerate() {
                        let v = block(h, b);
                        for &m in &masks {
                            candidates.extend(idx.bucket(v ^ m).iter().copied().filter(|&j| j as usize > i));
                        }
                    }
                    candidates.sort_unstable();
                    candidates.dedup();
                    found.extend(candidates.into_iter().filter_map(|j| within(i, j as usize)));
                }
                found
            })
            .collect()
    };
    pairs.sort_unstable();
    pairs
}

/// Where an image stands among its near-duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Near {
    /// The connected component: the smallest index in it.
    pub root: usize,
    /// The closest other image (the smallest index among equally close ones) and its distance.
    pub nearest: usize,
    pub distance: u32,
}

/// Connected components of `pairs` over `n` images; `None` for images without a neighbour.
pub fn clusters(n: usize, pairs: &[(u32, u32, u32)]) -> Vec<Option<Near>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut best: Vec<Option<(u32, usize)>> = vec![None; n];
    for &(i, j, d) in pairs {
        let (i, j) = (i as usize, j as usize);
        let (a, b) = (find(&mut parent, i), find(&mut parent, j));
        // The smaller index becomes the root, so a component's root is its smallest member.
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        parent[hi] = lo;
        for (x, y) in [(i, j), (j, i)] {
            if best[x].is_none_or(|(bd, by)| (d, y) < (bd, by)) {
                best[x] = Some((d, y));
            }
        }
    }
    (0..n).map(|i| best[i].map(|(distance, nearest)| Near { root: find(&mut parent, i), nearest, distance })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (splitmix64).
    fn rng(seed: &mut u64) -> u64 {
        *seed = seed.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = *seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }

    fn brute(hashes: &[Option<u64>], d: u32) -> Vec<(u32, u32, u32)> {
        let mut out = Vec::new();
        for i in 0..hashes.len() {
            for j in i + 1..hashes.len() {
                if let (Some(a), Some(b)) = (hashes[i], hashes[j]) {
                    let dist = (a ^ b).count_ones();
                    if dist <= d {
                        out.push((i as u32, j as u32, dist));
                    }
                }
            }
        }
        out
    }

    /// Random hashes, a third of them copies of an earlier one with up to 14 bits flipped.
    fn sample(n: usize, seed: u64) -> Vec<Option<u64>> {
        let mut s = seed;
        let mut out: Vec<Option<u64>> = Vec::with_capacity(n);
        for i in 0..n {
            let r = rng(&mut s);
            let h = if i > 0 && r.is_multiple_of(3) {
                let mut h = out[(rng(&mut s) as usize) % i].unwrap_or(r);
                for _ in 0..rng(&mut s) % 15 {
                    h ^= 1 << (rng(&mut s) % 64);
                }
                h
            } else {
                r
            };
            out.push(if r % 50 == 1 { None } else { Some(h) });
        }
        out
    }

    #[test]
    fn equals_all_pairs_at_every_distance() {
        let hashes = sample(3000, 7);
        for d in [0, 1, 3, 4, 7, 10, 12, 19, 20, 25] {
            assert_eq!(near_pairs(&hashes, d), brute(&hashes, d), "distance {d}");
        }
    }

    #[test]
    fn clusters_are_components_with_nearest_neighbours() {
        // 0-1 at 2 bits, 1-2 at 3 bits (so 0, 1, 2 are one cluster), 3 alone, 4-5 identical.
        let h = [Some(0u64), Some(0b11), Some(0b11111), Some(u64::MAX), Some(0xF0F0), Some(0xF0F0)];
        let pairs = near_pairs(&h, 3);
        let c = clusters(h.len(), &pairs);
        assert_eq!(c[0], Some(Near { root: 0, nearest: 1, distance: 2 }));
        assert_eq!(c[1], Some(Near { root: 0, nearest: 0, distance: 2 }));
        assert_eq!(c[2], Some(Near { root: 0, nearest: 1, distance: 3 }));
        assert_eq!(c[3], None);
        assert_eq!(c[4], Some(Near { root: 4, nearest: 5, distance: 0 }));
        assert_eq!(c[5], Some(Near { root: 4, nearest: 4, distance: 0 }));
    }
}
