//! The term dictionary: every distinct normalised term, sorted, stored as one byte buffer with
//! offsets. A term's id is its rank, so every prefix is a contiguous id range, and the fuzzy
//! search walks the sorted terms like a trie, sharing the edit-distance rows of common prefixes
//! and skipping every term under a prefix already too far from the query.

/// Sorted distinct terms.
#[derive(Debug, Default)]
pub(crate) struct Dictionary {
    bytes: Vec<u8>,
    offsets: Vec<u32>,
}

/// A range of term ids `[lo, hi)` that a query token matches, at a cost (0 exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TermRange {
    pub lo: u32,
    pub hi: u32,
    pub cost: u8,
}

fn lcp(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl Dictionary {
    /// Builds from terms already sorted and distinct.
    pub(crate) fn from_sorted<'a>(terms: impl IntoIterator<Item = &'a str>) -> Dictionary {
        let mut d = Dictionary { bytes: Vec::new(), offsets: vec![0] };
        for t in terms {
            d.bytes.extend_from_slice(t.as_bytes());
            d.offsets.push(d.bytes.len() as u32);
        }
        d.bytes.shrink_to_fit();
        d.offsets.shrink_to_fit();
        d
    }

    /// How many terms.
    pub(crate) fn len(&self) -> u32 {
        (self.offsets.len() - 1) as u32
    }

    /// Term `i`'s bytes.
    pub(crate) fn term(&self, i: u32) -> &[u8] {
        &self.bytes[self.offsets[i as usize] as usize..self.offsets[i as usize + 1] as usize]
    }

    /// Bytes held.
    pub(crate) fn memory(&self) -> usize {
        self.bytes.capacity() + self.offsets.capacity() * 4
    }

    fn partition(&self, lo: u32, hi: u32, pred: impl Fn(&[u8]) -> bool) -> u32 {
        let (mut lo, mut hi) = (lo, hi);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.term(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The id of exactly this term.
    pub(crate) fn find(&self, term: &str) -> Option<u32> {
        let t = term.as_bytes();
        let i = self.partition(0, self.len(), |x| x < t);
        (i < self.len() && self.term(i) == t).then_some(i)
    }

    /// The ids of every term starting with `prefix`.
    pub(crate) fn prefix_range(&self, prefix: &[u8]) -> (u32, u32) {
        let lo = self.partition(0, self.len(), |x| x < prefix);
        let hi = self.partition(lo, self.len(), |x| x.starts_with(prefix));
        (lo, hi)
    }

    /// The end of the run of terms starting with `prefix` that begins at `start`: a galloping
    /// search, since the run is usually short and the dictionary long.
    fn prefix_end(&self, start: u32, prefix: &[u8]) -> u32 {
        let n = self.len();
        let mut step = 1u32;
        let mut lo = start;
        while start.saturating_add(step) < n && self.term(start + step).starts_with(prefix) {
            lo = start + step;
            step = step.saturating_mul(2);
        }
        let hi = start.saturating_add(step).min(n);
        self.partition(lo, hi, |x| x.starts_with(prefix))
    }

    /// Terms within `max` edits of `query` (or, with `prefix`, terms having a prefix within
    /// `max` edits of it: a whole prefix range at the cost of the first close prefix). Only terms
    /// with the query's first letter are considered: people rarely mistype the first letter, and
    /// it cuts the walk by the size of the alphabet.
    pub(crate) fn fuzzy(&self, query: &[u8], max: u8, prefix: bool) -> Vec<TermRange> {
        let m = query.len();
        let Some(first) = query.first() else { return Vec::new() };
        let (start, n) = self.prefix_range(std::slice::from_ref(first));
        let mut out = Vec::new();
        // rows[d] = edit distances between the first d bytes of the current term and query[..j].
        let mut rows: Vec<Vec<u8>> = vec![(0..=m).map(|j| j.min(255) as u8).collect()];
        let mut valid = 0usize;
        let mut prev: &[u8] = &[];
        let mut i = start;
        while i < n {
            let t = self.term(i);
            let mut d = lcp(prev, t).min(valid);
            prev = t;
            let mut jump: Option<(usize, Option<u8>)> = None;
            while d < t.len() {
                d += 1;
                if rows.len() <= d {
                    rows.push(vec![0; m + 1]);
                }
                let (done, rest) = rows.split_at_mut(d);
                let (above, row) = (&done[d - 1], &mut rest[0]);
                let twice = if d >= 2 { Some(&done[d - 2]) } else { None };
                row[0] = d.min(255) as u8;
                let c = t[d - 1];
                let mut low = row[0];
                for j in 1..=m {
                    let sub = above[j - 1] + u8::from(query[j - 1] != c);
                    let mut v = sub.min(above[j] + 1).min(row[j - 1] + 1);
                    // A swap of two neighbours ("donwing") is one edit.
                    if let Some(twice) = twice
                        && j >= 2
                        && query[j - 1] == t[d - 2]
                        && query[j - 2] == c
                    {
                        v = v.min(twice[j - 2] + 1);
                    }
                    row[j] = v;
                    low = low.min(v);
                }
                if prefix && row[m] <= max {
                    jump = Some((d, Some(row[m])));
                    break;
                }
                if low > max {
                    jump = Some((d, None));
                    break;
                }
            }
            valid = d;
            match jump {
                Some((depth, found)) => {
                    // The previous term did not share this prefix, so term i is its first.
                    let hi = self.prefix_end(i, &t[..depth]);
                    if let Some(cost) = found {
                        out.push(TermRange { lo: i, hi, cost });
                    }
                    i = hi.max(i + 1);
                }
                None => {
                    let cost = rows[t.len()][m];
                    if !prefix && cost <= max {
                        out.push(TermRange { lo: i, hi: i + 1, cost });
                    }
                    i += 1;
                }
            }
        }
        out
    }
}

/// Normalises ranges into sorted, disjoint ranges, each at the lowest cost any input gave it: a
/// sweep over range ends keeping a count of the open ranges per cost.
pub(crate) fn normalise(ranges: Vec<TermRange>) -> Vec<TermRange> {
    let mut events: Vec<(u32, bool, u8)> =
        ranges.iter().flat_map(|r| [(r.lo, true, r.cost), (r.hi, false, r.cost)]).collect();
    events.sort_unstable();
    let mut open = [0u32; 256];
    let mut out: Vec<TermRange> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let at = events[i].0;
        while i < events.len() && events[i].0 == at {
            let (_, start, cost) = events[i];
            if start {
                open[cost as usize] += 1;
            } else {
                open[cost as usize] -= 1;
            }
            i += 1;
        }
        let Some(&(next, _, _)) = events.get(i) else { break };
        if let Some(cost) = open.iter().position(|&n| n > 0) {
            let cost = cost as u8;
            match out.last_mut() {
                Some(last) if last.hi == at && last.cost == cost => last.hi = next,
                _ => out.push(TermRange { lo: at, hi: next, cost }),
            }
        }
    }
    out
}

/// The cost at which normalised ranges match a term id.
pub(crate) fn cost_of(ranges: &[TermRange], term: u32) -> Option<u8> {
    let i = ranges.partition_point(|r| r.hi <= term);
    ranges.get(i).filter(|r| r.lo <= term).map(|r| r.cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(words: &[&str]) -> Dictionary {
        let mut w = words.to_vec();
        w.sort();
        w.dedup();
        Dictionary::from_sorted(w)
    }

    fn found(d: &Dictionary, ranges: &[TermRange]) -> Vec<(String, u8)> {
        ranges
            .iter()
            .flat_map(|r| (r.lo..r.hi).map(move |i| (String::from_utf8_lossy(d.term(i)).into_owned(), r.cost)))
            .collect()
    }

    #[test]
    fn fuzzy_search_finds_every_term_within_the_distance_and_no_other() {
        let d = dict(&["downing", "dowling", "downs", "drowning", "high", "laugavegur", "laugarnesvegur"]);
        let got = found(&d, &d.fuzzy(b"downing", 1, false));
        assert_eq!(got, [("dowling".to_string(), 1), ("downing".to_string(), 0), ("drowning".to_string(), 1)]);
        assert!(d.fuzzy(b"laugavegr", 1, false).iter().any(|r| d.term(r.lo) == b"laugavegur"));
    }

    #[test]
    fn fuzzy_prefixes_match_terms_that_start_close_to_the_query() {
        let d = dict(&["laugavegur", "laugarnesvegur", "lindargata", "lagmuli"]);
        let got = found(&d, &d.fuzzy(b"laugv", 1, true));
        assert!(got.iter().any(|(t, c)| t == "laugavegur" && *c == 1), "{got:?}");
        assert!(!got.iter().any(|(t, _)| t == "lindargata"));
    }

    #[test]
    fn normalised_ranges_keep_the_lowest_cost() {
        let r = normalise(vec![TermRange { lo: 0, hi: 10, cost: 2 }, TermRange { lo: 3, hi: 4, cost: 0 }]);
        assert_eq!(cost_of(&r, 3), Some(0));
        assert_eq!(cost_of(&r, 9), Some(2));
        assert_eq!(cost_of(&r, 10), None);
    }
}
