//! Kernel: the winning recipe's duplicate-removal rule (docs/pipeline.md §2.3).
//!
//! Duplicates are images with exactly equal PHash. In each pass, every group of equal hashes
//! with more than one member, all of them train images, loses its LAST member; dropped images
//! leave the table before the next pass. The winning recipe ran two passes and took "last" in
//! filesystem order, which is not reproducible: here members are ordered by name.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub name: String,
    pub phash: String,
    pub is_train: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Index of the duplicate group (groups numbered by their first member's name), if the
    /// image shares its hash with another.
    pub group: Option<usize>,
    pub group_size: usize,
    /// The pass (1-based) that dropped the image, or None when kept.
    pub dropped_in_pass: Option<usize>,
}

/// `passes = 0` repeats until no pass drops anything.
pub fn dedupe(images: &[Image], passes: usize) -> Vec<Verdict> {
    let mut order: Vec<usize> = (0..images.len()).collect();
    order.sort_by(|&a, &b| images[a].name.cmp(&images[b].name).then(a.cmp(&b)));
    // Groups by hash, members in name order.
    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for &i in &order {
        groups.entry(images[i].phash.as_str()).or_default().push(i);
    }
    let mut verdicts = vec![Verdict { group: None, group_size: 1, dropped_in_pass: None }; images.len()];
    let mut numbered: Vec<&Vec<usize>> = groups.values().filter(|g| g.len() > 1).collect();
    numbered.sort_by(|a, b| images[a[0]].name.cmp(&images[b[0]].name));
    for (gi, members) in numbered.iter().enumerate() {
        for &m in members.iter() {
            verdicts[m].group = Some(gi);
            verdicts[m].group_size = members.len();
        }
    }
    let mut pass = 1;
    loop {
        if passes != 0 && pass > passes {
            break;
        }
        let mut dropped_any = false;
        for members in groups.values() {
            let alive: Vec<usize> = members.iter().copied().filter(|&m| verdicts[m].dropped_in_pass.is_none()).collect();
            if alive.len() > 1
                && alive.iter().all(|&m| images[m].is_train)
                && let Some(&last) = alive.last()
            {
                verdicts[last].dropped_in_pass = Some(pass);
                dropped_any = true;
            }
        }
        if !dropped_any {
            break;
        }
        pass += 1;
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(name: &str, phash: &str, is_train: bool) -> Image {
        Image { name: name.into(), phash: phash.into(), is_train }
    }

    #[test]
    fn seed_rule_two_passes_drop_last_by_name() {
        let images = vec![
            img("c", "aa", true), // triple: pass 1 drops c, pass 2 drops b
            img("a", "aa", true),
            img("b", "aa", true),
            img("d", "bb", true), // pair with a test image: untouched
            img("e", "bb", false),
            img("f", "cc", true), // unique
            img("h", "dd", true), // pair: pass 1 drops h
            img("g", "dd", true),
        ];
        let v = dedupe(&images, 2);
        let dropped: Vec<_> = images.iter().zip(&v).filter_map(|(i, v)| v.dropped_in_pass.map(|p| (i.name.as_str(), p))).collect();
        assert_eq!(dropped, [("c", 1), ("b", 2), ("h", 1)]);
        assert_eq!(v[1].group, Some(0));
        assert_eq!(v[3].group, Some(1));
        assert_eq!(v[6].group, Some(2));
        assert_eq!(v[5].group, None);
        assert_eq!(v[0].group_size, 3);
        // One pass leaves the triple's second duplicate; "until none remain" equals two here.
        assert_eq!(dedupe(&images, 1).iter().filter(|v| v.dropped_in_pass.is_some()).count(), 2);
        assert_eq!(dedupe(&images, 0), v);
    }

    #[test]
    fn quadruple_needs_three_passes() {
        let images: Vec<_> = ["a", "b", "c", "d"].iter().map(|n| img(n, "x", true)).collect();
        assert_eq!(dedupe(&images, 2).iter().filter(|v| v.dropped_in_pass.is_some()).count(), 2);
        assert_eq!(dedupe(&images, 0).iter().filter(|v| v.dropped_in_pass.is_some()).count(), 3);
    }
}
