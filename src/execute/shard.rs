//! Splitting a book's examples across CI machines (`--shard K/N`, #24).
//!
//! The plan is a pure function of what every shard sees alike: each
//! example's identity, the group it must stay with, and its expected
//! duration. Every shard computes it on its own and takes its part, so no
//! coordinator is needed; the plan's digest goes into each shard's bundle,
//! and `merge` refuses bundles whose plans differ (a shard that saw other
//! durations, or another state of the book, would otherwise leave an
//! example to nobody or to two shards).
//!
//! Members of a comparison group are one unit: their rounds are
//! interleaved, so they must run on one machine, in one process.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::digest::Key;

/// `K/N`: shard K (from 1) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: usize,
    pub count: usize,
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for ShardSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<ShardSpec, String> {
        let usage = "write it as K/N, shard K of N counted from 1, e.g. `--shard 2/3`";
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not a shard: {usage}"))?;
        let number = |s: &str| {
            s.trim().parse::<usize>().map_err(|_| {
                format!("`{text}` is not a shard: `{s}` is not a whole number; {usage}")
            })
        };
        let (index, count) = (number(k)?, number(n)?);
        if count == 0 {
            return Err(format!(
                "`{text}`: a book is split into at least 1 shard; {usage}"
            ));
        }
        if index == 0 || index > count {
            return Err(format!(
                "`{text}`: shards are numbered 1 to {count}; {usage}"
            ));
        }
        Ok(ShardSpec { index, count })
    }
}

/// What the plan knows of one example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    /// The example's identity (`lookup::identity`), stable across edits.
    pub identity: String,
    /// Examples with the same key stay on one shard (a comparison group).
    /// Without one, the runs of one example under several interpreters
    /// (`ID@NAME`) still stay together: `unit_key` drops the suffix.
    pub together: Option<String>,
    /// How long it took last time, from the result cache.
    pub expected: Option<Duration>,
}

/// Which shard runs each example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub count: usize,
    /// Shard (from 1) of each item, in the items' order.
    pub shard_of: Vec<usize>,
    /// Each shard's load: milliseconds, or examples when `by_duration` is false.
    pub loads: Vec<u64>,
    /// Whether durations were known (else every example weighs the same).
    pub by_duration: bool,
    /// A digest of everything the plan was made from and of its result.
    pub digest: String,
}

impl Plan {
    /// The items shard `spec.index` runs.
    pub fn members(&self, index: usize) -> Vec<usize> {
        (0..self.shard_of.len())
            .filter(|&i| self.shard_of[i] == index)
            .collect()
    }

    /// Largest shard's load over the mean load (1.0 is perfect).
    pub fn balance(&self) -> f64 {
        let total: u64 = self.loads.iter().sum();
        let largest = self.loads.iter().copied().max().unwrap_or(0);
        if total == 0 {
            return 1.0;
        }
        largest as f64 / (total as f64 / self.count as f64)
    }
}

/// Splits `items` into `count` shards: the largest unit first, each onto
/// the least loaded shard (ties to the lowest number). Examples never
/// measured weigh the median of those that were, so one new example does
/// not turn the whole plan into a count.
pub fn plan(items: &[PlanItem], count: usize) -> Plan {
    let count = count.max(1);
    let mut known: Vec<u64> = items
        .iter()
        .filter_map(|i| i.expected.map(millis))
        .collect();
    known.sort_unstable();
    let by_duration = !known.is_empty();
    let typical = known.get(known.len() / 2).copied().unwrap_or(1);
    let weight = |item: &PlanItem| match (by_duration, item.expected) {
        (false, _) => 1,
        (true, Some(d)) => millis(d),
        (true, None) => typical,
    };

    // Units: one per group, one per example outside a group; named by
    // their first member's identity so the order does not depend on maps.
    let mut units: Vec<(String, u64, Vec<usize>)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = unit_key(item);
        let joined = units
            .iter_mut()
            .find(|(_, _, members)| unit_key(&items[members[0]]) == key);
        match joined {
            Some(unit) => {
                unit.1 += weight(item);
                unit.2.push(i);
            }
            None => units.push((item.identity.clone(), weight(item), vec![i])),
        }
    }
    units.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let mut loads = vec![0u64; count];
    let mut shard_of = vec![0usize; items.len()];
    for (_, unit_weight, members) in &units {
        let lightest = (0..count).min_by_key(|&s| (loads[s], s)).unwrap_or(0);
        loads[lightest] += unit_weight;
        for &m in members {
            shard_of[m] = lightest + 1;
        }
    }
    let digest = Key::of(&(
        count,
        items
            .iter()
            .map(|i| (&i.identity, &i.together, weight(i)))
            .collect::<Vec<_>>(),
        &shard_of,
    ))
    .to_string();
    Plan {
        count,
        shard_of,
        loads,
        by_duration,
        digest,
    }
}

/// The key that keeps items on one shard: the group, else the example's
/// identity without an interpreter suffix (`ch.md#e@3.13t` is `ch.md#e`),
/// so one example's runs under several interpreters are never split.
fn unit_key(item: &PlanItem) -> (bool, &str) {
    match &item.together {
        Some(group) => (true, group.as_str()),
        // Only the part after the last `#` (the example's id) can carry the
        // suffix; a folder named `a@b` in the path is not an interpreter.
        None => {
            let id = &item.identity;
            let tail = id.rfind('#').map_or(0, |at| at + 1);
            let end = id[tail..].find('@').map_or(id.len(), |at| tail + at);
            (false, &id[..end])
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, group: Option<&str>, ms: Option<u64>) -> PlanItem {
        PlanItem {
            identity: id.into(),
            together: group.map(Into::into),
            expected: ms.map(Duration::from_millis),
        }
    }

    #[test]
    fn shard_specs_are_checked() {
        assert_eq!("2/3".parse(), Ok(ShardSpec { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "3", "a/3", "1/b", ""] {
            let err = bad.parse::<ShardSpec>().unwrap_err();
            assert!(err.contains("K/N"), "{bad}: {err}");
        }
        assert!("0/3".parse::<ShardSpec>().unwrap_err().contains("1 to 3"));
    }

    #[test]
    fn every_example_goes_to_exactly_one_shard_and_the_plan_is_deterministic() {
        let items: Vec<PlanItem> = (0..23)
            .map(|i| item(&format!("ch{i}.md#e"), None, Some(100 + 37 * i)))
            .collect();
        let a = plan(&items, 3);
        let b = plan(&items, 3);
        assert_eq!(a, b);
        let mut all: Vec<usize> = (1..=3).flat_map(|k| a.members(k)).collect();
        all.sort_unstable();
        assert_eq!(all, (0..23).collect::<Vec<_>>());
        assert!(a.shard_of.iter().all(|&s| (1..=3).contains(&s)));
        assert!(a.by_duration);
    }

    #[test]
    fn durations_balance_the_shards() {
        // One long example and many short ones: by count the long one's
        // shard would carry half the work; by duration it stands alone.
        let mut items = vec![item("long", None, Some(6_000))];
        items.extend((0..12).map(|i| item(&format!("short{i:02}"), None, Some(500))));
        let p = plan(&items, 2);
        assert_eq!(p.members(p.shard_of[0]), vec![0], "{p:?}");
        assert_eq!(p.loads, vec![6_000, 6_000]);
        assert!((p.balance() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn without_durations_the_split_is_by_count() {
        let items: Vec<PlanItem> = (0..10)
            .map(|i| item(&format!("e{i}"), None, None))
            .collect();
        let p = plan(&items, 3);
        assert!(!p.by_duration);
        let mut sizes: Vec<usize> = (1..=3).map(|k| p.members(k).len()).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, vec![3, 3, 4]);
    }

    #[test]
    fn a_group_stays_on_one_shard() {
        let mut items: Vec<PlanItem> = (0..8)
            .map(|i| item(&format!("e{i}"), None, Some(1_000)))
            .collect();
        for id in ["cpu-threads", "cpu-processes", "cpu-serial"] {
            items.push(item(id, Some("cpu"), Some(900)));
        }
        let p = plan(&items, 4);
        let shards: Vec<usize> = p.shard_of[8..].to_vec();
        assert!(shards.iter().all(|&s| s == shards[0]), "{shards:?}");
    }

    #[test]
    fn one_examples_interpreters_stay_on_one_shard() {
        let items = vec![
            item("a.md#t", None, Some(500)),
            item("a.md#t@3.13t", None, Some(500)),
            item("b.md#u", None, Some(400)),
            item("c.md#v", None, Some(400)),
        ];
        let plan = plan(&items, 2);
        assert_eq!(plan.shard_of[0], plan.shard_of[1]);
        assert_ne!(plan.shard_of[0], plan.shard_of[2]);
        assert_eq!(plan.loads.iter().sum::<u64>(), 1800);
        // An `@` in a folder name is not an interpreter suffix.
        let (b, c) = (
            item("x@y/b.md#w", None, None),
            item("x@y/c.md#w", None, None),
        );
        assert_ne!(unit_key(&b), unit_key(&c));
        assert_eq!(unit_key(&b), (false, "x@y/b.md#w"));
    }

    #[test]
    fn the_digest_changes_with_the_book_and_the_durations() {
        let items = vec![item("a", None, Some(10)), item("b", None, Some(20))];
        let base = plan(&items, 2).digest;
        let mut renamed = items.clone();
        renamed[1].identity = "c".into();
        assert_ne!(plan(&renamed, 2).digest, base);
        let mut slower = items.clone();
        slower[0].expected = Some(Duration::from_millis(30));
        assert_ne!(plan(&slower, 2).digest, base);
        assert_ne!(plan(&items, 3).digest, base);
    }

    #[test]
    fn unknown_durations_weigh_the_median() {
        let items = vec![
            item("a", None, Some(100)),
            item("b", None, Some(300)),
            item("c", None, Some(200)),
            item("new", None, None),
        ];
        let p = plan(&items, 1);
        assert_eq!(p.loads, vec![100 + 300 + 200 + 200]);
    }
}
