//! The address index: compact in-memory arrays built once from a set of addresses, answering
//! postcode, UPRN and autocomplete queries.
//!
//! Layout. Addresses ("docs") are sorted by postcode then natural order, so a postcode is one
//! contiguous doc range and a street's docs are runs. Strings are interned once. Every distinct
//! normalised term (words, house numbers such as `12a`, postcode parts) is in a sorted
//! [`Dictionary`]; each term's postings are runs `[start, end)` of doc ids, so the words of a
//! street, locality or town cost one run per postcode, not one entry per address. Street,
//! locality and town terms are stored once per "group" (street, locality, town) and postcode
//! terms once per postcode, so checking a candidate doc against a query needs no string work.
//!
//! Search. Each query token becomes ranges of term ids with costs (exact 0, prefix 1, two per
//! edit; numbers only match numbers). The most selective tokens' postings are intersected as
//! runs, and the candidates are checked against every token through the group, postcode and
//! doc terms. Docs matching every token rank first, then (only when too few) docs matching all
//! but one. Ties fall back to doc order, which is itself deterministic (postcode, natural order),
//! so two nodes replaying the same register answer identically.

use std::collections::HashMap;

use crate::address::SearchAddress;
use crate::dict::{Dictionary, TermRange, cost_of, normalise};
use crate::normalise::{Postcode, expansions, is_numeric, number_term, tokens};

/// Tokens whose postings have at most this many runs are intersected; others only filter.
const DRIVER_MAX_RUNS: u64 = 200_000;
/// Most candidate docs checked per pass, so a hopelessly broad query still answers quickly.
const SCAN_CAP: usize = 20_000;
/// Most candidate docs checked over all the "all but one token" passes: those only fill up a
/// short list.
const PARTIAL_SCAN_CAP: usize = 1_000;
/// An "all but one token" pass runs only when its most selective token has at most this many runs.
const PARTIAL_DRIVER_MAX_RUNS: u64 = 20_000;
/// Most query tokens considered.
const MAX_TOKENS: usize = 10;

/// One ranked search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The address.
    pub address: SearchAddress,
    /// Higher is better: 1000 per query token matched, minus 10 per unit of match cost (prefix 1,
    /// 2 per edit), minus 1 per word of the address the query did not mention.
    pub score: i64,
}

/// Interned strings: one buffer and offsets; id 0 is the empty string.
#[derive(Debug, Default)]
struct Strings {
    bytes: Vec<u8>,
    offsets: Vec<u32>,
}

impl Strings {
    fn get(&self, id: u32) -> &str {
        let b = &self.bytes[self.offsets[id as usize] as usize..self.offsets[id as usize + 1] as usize];
        std::str::from_utf8(b).unwrap_or_default()
    }
}

/// A doc's own fields; text fields are string ids; numbers are n + 1 (0 absent).
#[derive(Debug, Clone, Copy)]
struct Doc {
    uprn: u64,
    group: u32,
    postcode: u32,
    sao_text: u32,
    sao_suffix: u32,
    pao_text: u32,
    pao_suffix: u32,
    sao_number: u32,
    pao_number: u32,
    easting: f32,
    northing: f32,
    lat: f32,
    lon: f32,
}

/// A street in a locality and town: what many docs share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Group {
    street: u32,
    locality: u32,
    town: u32,
}

/// A flattened list of lists of u32.
#[derive(Debug, Default)]
struct Lists {
    offsets: Vec<u32>,
    values: Vec<u32>,
}

impl Lists {
    fn new() -> Lists {
        Lists { offsets: vec![0], values: Vec::new() }
    }
    fn push(&mut self, items: impl IntoIterator<Item = u32>) {
        self.values.extend(items);
        self.offsets.push(self.values.len() as u32);
    }
    fn get(&self, i: u32) -> &[u32] {
        &self.values[self.offsets[i as usize] as usize..self.offsets[i as usize + 1] as usize]
    }
    fn memory(&self) -> usize {
        (self.offsets.capacity() + self.values.capacity()) * 4
    }
}

/// Collects addresses for an [`Index`]; any order, last one wins for a repeated UPRN.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    strings: HashMap<Box<str>, u32>,
    string_list: Vec<Box<str>>,
    terms: HashMap<Box<str>, u32>,
    groups: HashMap<Group, u32>,
    group_list: Vec<Group>,
    group_terms: Vec<Vec<u32>>,
    postcodes: HashMap<u32, Vec<u32>>,
    docs: Vec<Doc>,
    doc_terms: Vec<u32>,
    doc_term_offsets: Vec<u64>,
    removals: HashMap<u64, u32>,
}

impl IndexBuilder {
    /// An empty builder.
    pub fn new() -> IndexBuilder {
        let mut b = IndexBuilder { doc_term_offsets: vec![0], ..Default::default() };
        b.intern("");
        b
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.strings.get(s) {
            return id;
        }
        let id = self.string_list.len() as u32;
        self.string_list.push(s.into());
        self.strings.insert(s.into(), id);
        id
    }

    fn term(&mut self, t: &str) -> u32 {
        if let Some(&id) = self.terms.get(t) {
            return id;
        }
        let id = self.terms.len() as u32;
        self.terms.insert(t.into(), id);
        id
    }

    /// Removes a UPRN added earlier (a later `add` brings it back).
    pub fn remove(&mut self, uprn: u64) {
        self.removals.insert(uprn, self.docs.len() as u32);
    }

    /// How many addresses were added (repeats and removals included).
    pub fn added(&self) -> usize {
        self.docs.len()
    }

    /// Adds one address.
    pub fn add(&mut self, a: &SearchAddress) {
        let group = Group {
            street: self.intern(a.street.trim()),
            locality: self.intern(a.locality.trim()),
            town: self.intern(a.town.trim()),
        };
        let group = match self.groups.get(&group) {
            Some(&g) => g,
            None => {
                let id = self.group_list.len() as u32;
                let mut terms: Vec<u32> = Vec::new();
                for t in [&a.street, &a.locality, &a.town].into_iter().flat_map(|s| tokens(s)) {
                    terms.push(self.term(&t));
                }
                terms.sort_unstable();
                terms.dedup();
                self.group_terms.push(terms);
                self.group_list.push(group);
                self.groups.insert(group, id);
                id
            }
        };
        let postcode_text = Postcode::parse(&a.postcode).map(|p| p.as_str().to_string()).unwrap_or_default();
        let postcode = self.intern(&postcode_text);
        if !self.postcodes.contains_key(&postcode) {
            let terms = match Postcode::parse(&postcode_text) {
                Ok(p) => p.terms().iter().map(|t| self.term(t)).collect(),
                Err(_) => Vec::new(),
            };
            self.postcodes.insert(postcode, terms);
        }
        let mut own: Vec<u32> = Vec::new();
        for t in tokens(&a.sao_text).into_iter().chain(tokens(&a.pao_text)) {
            own.push(self.term(&t));
        }
        if let Some(n) = a.sao_number {
            own.push(self.term(&number_term(n, &a.sao_suffix)));
        }
        if let Some(n) = a.pao_number {
            own.push(self.term(&number_term(n, &a.pao_suffix)));
        }
        // Duplicates stay: "Flat 4, 4 Lake Lane" holds the number 4 twice.
        own.sort_unstable();
        self.doc_terms.extend(own);
        self.doc_term_offsets.push(self.doc_terms.len() as u64);
        let doc = Doc {
            uprn: a.uprn,
            group,
            postcode,
            sao_text: self.intern(a.sao_text.trim()),
            sao_suffix: self.intern(a.sao_suffix.trim()),
            pao_text: self.intern(a.pao_text.trim()),
            pao_suffix: self.intern(a.pao_suffix.trim()),
            sao_number: a.sao_number.map_or(0, |n| n.saturating_add(1)),
            pao_number: a.pao_number.map_or(0, |n| n.saturating_add(1)),
            easting: a.easting as f32,
            northing: a.northing as f32,
            lat: a.lat as f32,
            lon: a.lon as f32,
        };
        self.docs.push(doc);
    }

    /// Sorts, deduplicates and freezes everything into an [`Index`].
    pub fn build(self) -> Index {
        let IndexBuilder {
            string_list,
            terms,
            group_list,
            group_terms: builder_group_terms,
            postcodes: builder_postcodes,
            docs,
            doc_terms: builder_doc_terms,
            doc_term_offsets,
            removals,
            ..
        } = self;
        // Ranks of strings, so that sorting compares integers.
        let mut order: Vec<u32> = (0..string_list.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| string_list[a as usize].cmp(&string_list[b as usize]));
        let mut rank = vec![0u32; string_list.len()];
        for (r, &id) in order.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        // Strings renumbered by rank, so ids compare like the strings.
        let mut strings = Strings { bytes: Vec::new(), offsets: vec![0] };
        for &id in &order {
            strings.bytes.extend_from_slice(string_list[id as usize].as_bytes());
            strings.offsets.push(strings.bytes.len() as u32);
        }
        drop(string_list);
        // Terms renumbered by sorted order.
        let mut sorted_terms: Vec<(Box<str>, u32)> = terms.into_iter().collect();
        sorted_terms.sort_unstable();
        let mut term_map = vec![0u32; sorted_terms.len()];
        for (new, (_, old)) in sorted_terms.iter().enumerate() {
            term_map[*old as usize] = new as u32;
        }
        let dict = Dictionary::from_sorted(sorted_terms.iter().map(|(t, _)| &**t));
        drop(sorted_terms);
        let remap = |v: &[u32]| -> Vec<u32> {
            let mut out: Vec<u32> = v.iter().map(|&t| term_map[t as usize]).collect();
            out.sort_unstable();
            out
        };
        // Groups, with their strings renumbered.
        let groups: Vec<Group> = group_list
            .iter()
            .map(|g| Group {
                street: rank[g.street as usize],
                locality: rank[g.locality as usize],
                town: rank[g.town as usize],
            })
            .collect();
        let mut group_terms = Lists::new();
        for t in &builder_group_terms {
            group_terms.push(remap(t));
        }
        drop(builder_group_terms);
        // Docs renumbered, deduplicated by UPRN (last wins), sorted.
        let mut docs: Vec<(Doc, u32)> = docs
            .into_iter()
            .enumerate()
            .map(|(i, mut d)| {
                d.postcode = rank[d.postcode as usize];
                d.sao_text = rank[d.sao_text as usize];
                d.sao_suffix = rank[d.sao_suffix as usize];
                d.pao_text = rank[d.pao_text as usize];
                d.pao_suffix = rank[d.pao_suffix as usize];
                (d, i as u32)
            })
            .collect();
        docs.sort_unstable_by_key(|(d, i)| (d.uprn, std::cmp::Reverse(*i)));
        docs.dedup_by_key(|(d, _)| d.uprn);
        docs.retain(|(d, i)| removals.get(&d.uprn).is_none_or(|&removed_at| *i >= removed_at));
        docs.sort_unstable_by(|(a, _), (b, _)| {
            let (ga, gb) = (groups[a.group as usize], groups[b.group as usize]);
            (a.postcode, ga.street, ga.locality, ga.town, a.pao_number, a.pao_suffix, a.pao_text)
                .cmp(&(b.postcode, gb.street, gb.locality, gb.town, b.pao_number, b.pao_suffix, b.pao_text))
                .then_with(|| {
                    (a.sao_number, a.sao_suffix, a.sao_text, a.uprn).cmp(&(
                        b.sao_number,
                        b.sao_suffix,
                        b.sao_text,
                        b.uprn,
                    ))
                })
        });
        // Postcodes: sorted ids, first doc of each, and their terms.
        let mut postcode_ids: Vec<u32> = Vec::new();
        let mut postcode_first: Vec<u32> = Vec::new();
        let mut postcode_terms = Lists::new();
        let mut doc_terms = Lists::new();
        let mut final_docs: Vec<Doc> = Vec::with_capacity(docs.len());
        let mut runs: Vec<Vec<u32>> = vec![Vec::new(); term_map.len()];
        let mut push_run = |term: u32, doc: u32| {
            let r = &mut runs[term as usize];
            match r.last_mut() {
                Some(end) if *end == doc => *end = doc + 1,
                _ => {
                    r.push(doc);
                    r.push(doc + 1);
                }
            }
        };
        for (n, (mut d, original)) in docs.into_iter().enumerate() {
            let doc = n as u32;
            if postcode_ids.last() != Some(&d.postcode) {
                postcode_ids.push(d.postcode);
                postcode_first.push(doc);
                let original_id = order[d.postcode as usize];
                postcode_terms.push(remap(builder_postcodes.get(&original_id).map_or(&[][..], |v| &v[..])));
            }
            d.postcode = postcode_ids.len() as u32 - 1;
            let own = &builder_doc_terms
                [doc_term_offsets[original as usize] as usize..doc_term_offsets[original as usize + 1] as usize];
            let own = remap(own);
            let mut all: Vec<u32> = own.clone();
            all.extend_from_slice(group_terms.get(d.group));
            all.extend_from_slice(postcode_terms.get(d.postcode));
            all.sort_unstable();
            all.dedup();
            for t in all {
                push_run(t, doc);
            }
            doc_terms.push(own);
            final_docs.push(d);
        }
        postcode_first.push(final_docs.len() as u32);
        drop(builder_doc_terms);
        let mut postings = Lists::new();
        for r in runs {
            postings.push(r);
        }
        let mut by_uprn: Vec<u32> = (0..final_docs.len() as u32).collect();
        by_uprn.sort_unstable_by_key(|&d| final_docs[d as usize].uprn);
        let mut index = Index {
            dict,
            postings,
            docs: final_docs,
            groups,
            group_terms,
            doc_terms,
            postcode_ids,
            postcode_first,
            postcode_terms,
            strings,
            by_uprn,
        };
        index.shrink();
        index
    }
}

/// The frozen, queryable index. Build it with [`IndexBuilder`] or [`Index::build`].
#[derive(Debug, Default)]
pub struct Index {
    dict: Dictionary,
    postings: Lists,
    docs: Vec<Doc>,
    groups: Vec<Group>,
    group_terms: Lists,
    doc_terms: Lists,
    postcode_ids: Vec<u32>,
    postcode_first: Vec<u32>,
    postcode_terms: Lists,
    strings: Strings,
    by_uprn: Vec<u32>,
}

/// A query token: the term ranges it matches at what cost.
#[derive(Debug)]
struct QueryToken {
    ranges: Vec<TermRange>,
    estimate: u64,
    numeric: bool,
}

/// How well a doc matched a query.
#[derive(Debug, Clone, Copy)]
struct Rank {
    missed: usize,
    cost: u32,
    extra: u32,
    doc: u32,
}

impl Index {
    /// Builds an index from addresses in any order (a repeated UPRN: the last one wins).
    pub fn build<'a>(addresses: impl IntoIterator<Item = &'a SearchAddress>) -> Index {
        let mut b = IndexBuilder::new();
        for a in addresses {
            b.add(a);
        }
        b.build()
    }

    fn shrink(&mut self) {
        self.docs.shrink_to_fit();
        self.groups.shrink_to_fit();
        self.postcode_ids.shrink_to_fit();
        self.postcode_first.shrink_to_fit();
        self.by_uprn.shrink_to_fit();
        for l in [&mut self.postings, &mut self.group_terms, &mut self.doc_terms, &mut self.postcode_terms] {
            l.offsets.shrink_to_fit();
            l.values.shrink_to_fit();
        }
    }

    /// How many addresses.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether it holds no address.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Bytes of memory the index holds (its arrays' capacities).
    pub fn memory_bytes(&self) -> usize {
        self.dict.memory()
            + self.postings.memory()
            + self.docs.capacity() * std::mem::size_of::<Doc>()
            + self.groups.capacity() * std::mem::size_of::<Group>()
            + self.group_terms.memory()
            + self.doc_terms.memory()
            + (self.postcode_ids.capacity() + self.postcode_first.capacity() + self.by_uprn.capacity()) * 4
            + self.postcode_terms.memory()
            + self.strings.bytes.capacity()
            + self.strings.offsets.capacity() * 4
    }

    /// The address of doc `d`, rebuilt from the compact arrays.
    fn address(&self, d: u32) -> SearchAddress {
        let doc = &self.docs[d as usize];
        let g = self.groups[doc.group as usize];
        let s = |id: u32| self.strings.get(id).to_string();
        let n = |v: u32| v.checked_sub(1);
        SearchAddress {
            uprn: doc.uprn,
            sao_text: s(doc.sao_text),
            sao_number: n(doc.sao_number),
            sao_suffix: s(doc.sao_suffix),
            pao_text: s(doc.pao_text),
            pao_number: n(doc.pao_number),
            pao_suffix: s(doc.pao_suffix),
            street: s(g.street),
            locality: s(g.locality),
            town: s(g.town),
            postcode: s(self.postcode_ids[doc.postcode as usize]),
            easting: doc.easting as f64,
            northing: doc.northing as f64,
            lat: doc.lat as f64,
            lon: doc.lon as f64,
        }
    }

    /// Every address, in index order (postcode, then natural order).
    pub fn addresses(&self) -> impl Iterator<Item = SearchAddress> + '_ {
        (0..self.docs.len() as u32).map(|d| self.address(d))
    }

    /// The address with this UPRN.
    pub fn by_uprn(&self, uprn: u64) -> Option<SearchAddress> {
        let i = self.by_uprn.partition_point(|&d| self.docs[d as usize].uprn < uprn);
        let &d = self.by_uprn.get(i)?;
        (self.docs[d as usize].uprn == uprn).then(|| self.address(d))
    }

    /// Every address in a postcode, in natural order (empty when the postcode has none).
    pub fn by_postcode(&self, postcode: &Postcode) -> Vec<SearchAddress> {
        let wanted = postcode.as_str();
        let i = self.postcode_ids.partition_point(|&id| self.strings.get(id) < wanted);
        match self.postcode_ids.get(i) {
            Some(&id) if self.strings.get(id) == wanted => {
                (self.postcode_first[i]..self.postcode_first[i + 1]).map(|d| self.address(d)).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The ranges and costs a query token matches; `last` tokens also match as prefixes.
    fn query_token(&self, token: &str, last: bool, merged_letter: bool) -> QueryToken {
        let mut ranges = Vec::new();
        let exact = |ranges: &mut Vec<TermRange>, t: &str, cost: u8| {
            if let Some(i) = self.dict.find(t) {
                ranges.push(TermRange { lo: i, hi: i + 1, cost });
            }
        };
        if is_numeric(token) {
            exact(&mut ranges, token, 0);
            if token.bytes().all(|b| b.is_ascii_digit()) {
                // "12" also finds 12A, a little worse.
                let lo = self.dict.prefix_range(format!("{token}a").as_bytes()).0;
                let hi = self.dict.prefix_range(format!("{token}{{").as_bytes()).0;
                if lo < hi {
                    ranges.push(TermRange { lo, hi, cost: 1 });
                }
            }
            if merged_letter {
                // "12 a" was read as 12A; plain 12 is a worse match.
                let digits: String = token.chars().take_while(char::is_ascii_digit).collect();
                exact(&mut ranges, &digits, 2);
            }
            if last {
                let (lo, hi) = self.dict.prefix_range(token.as_bytes());
                if lo < hi {
                    ranges.push(TermRange { lo, hi, cost: 1 });
                }
            }
        } else {
            exact(&mut ranges, token, 0);
            for e in expansions(token) {
                exact(&mut ranges, e, 0);
            }
            let len = token.chars().count();
            let max = match len {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            };
            if last {
                let (lo, hi) = self.dict.prefix_range(token.as_bytes());
                if lo < hi {
                    ranges.push(TermRange { lo, hi, cost: 1 });
                }
            }
            if max > 0 {
                for r in self.dict.fuzzy(token.as_bytes(), max, last) {
                    // Words never fuzzily match numbers.
                    if is_numeric(std::str::from_utf8(self.dict.term(r.lo)).unwrap_or("0")) {
                        continue;
                    }
                    let cost = if last { 1 + 2 * r.cost } else { 2 * r.cost };
                    ranges.push(TermRange { cost: cost.max(u8::from(r.cost > 0)), ..r });
                }
            }
        }
        let ranges = normalise(ranges);
        let estimate = ranges
            .iter()
            .map(|r| (self.postings.offsets[r.hi as usize] - self.postings.offsets[r.lo as usize]) as u64 / 2)
            .sum();
        QueryToken { ranges, estimate, numeric: is_numeric(token) }
    }

    /// The docs a token matches, as sorted disjoint runs.
    fn token_runs(&self, t: &QueryToken) -> Vec<(u32, u32)> {
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for r in &t.ranges {
            let (lo, hi) =
                (self.postings.offsets[r.lo as usize] as usize, self.postings.offsets[r.hi as usize] as usize);
            runs.extend(self.postings.values[lo..hi].chunks_exact(2).map(|c| (c[0], c[1])));
        }
        if t.ranges.len() > 1 || t.ranges.first().is_some_and(|r| r.hi - r.lo > 1) {
            runs.sort_unstable();
            let mut merged: Vec<(u32, u32)> = Vec::with_capacity(runs.len());
            for (s, e) in runs {
                match merged.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            runs = merged;
        }
        runs
    }

    /// Candidate docs for the tokens not in `skip`: the intersection of the selective ones.
    fn candidates(
        &self,
        tokens: &[QueryToken],
        runs: &mut [Option<Vec<(u32, u32)>>],
        skip: Option<usize>,
    ) -> Vec<(u32, u32)> {
        let mut order: Vec<usize> = (0..tokens.len()).filter(|&i| Some(i) != skip).collect();
        order.sort_by_key(|&i| (tokens[i].estimate, i));
        let mut result: Option<Vec<(u32, u32)>> = None;
        if skip.is_some() && order.first().is_none_or(|&i| tokens[i].estimate > PARTIAL_DRIVER_MAX_RUNS) {
            return Vec::new();
        }
        for &i in &order {
            if let Some(acc) = &result {
                // Intersect only while merging runs is cheaper than checking the candidates.
                let docs: u64 = acc.iter().map(|&(s, e)| (e - s) as u64).sum();
                if docs <= 64 || tokens[i].estimate > DRIVER_MAX_RUNS || tokens[i].estimate > 4 * docs {
                    break;
                }
            }
            let r = runs[i].get_or_insert_with(|| self.token_runs(&tokens[i]));
            result = Some(match result {
                None => r.clone(),
                Some(acc) => intersect(&acc, r),
            });
            if result.as_ref().is_some_and(Vec::is_empty) {
                break;
            }
        }
        result.unwrap_or_default()
    }

    /// Ranks a doc against the tokens: how many missed, total cost, words not asked for.
    fn rank(&self, d: u32, tokens: &[QueryToken]) -> Rank {
        let doc = &self.docs[d as usize];
        let lists = [self.doc_terms.get(d), self.group_terms.get(doc.group), self.postcode_terms.get(doc.postcode)];
        let mut missed = 0;
        let mut cost = 0u32;
        // Each number in the query takes a different number of the address ("flat 4 4 lake lane").
        let mut used = 0u64;
        for t in tokens {
            let best = if t.numeric {
                let own = lists[0]
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k >= 64 || used & (1 << k) == 0)
                    .filter_map(|(k, &term)| cost_of(&t.ranges, term).map(|c| (c, k)))
                    .min();
                match own {
                    Some((c, k)) => {
                        if k < 64 {
                            used |= 1 << k;
                        }
                        Some(c)
                    }
                    None => lists[2].iter().filter_map(|&term| cost_of(&t.ranges, term)).min(),
                }
            } else {
                lists.iter().flat_map(|l| l.iter()).filter_map(|&term| cost_of(&t.ranges, term)).min()
            };
            match best {
                Some(c) => cost += c as u32,
                None => missed += 1,
            }
        }
        let words = (lists[0].len() + lists[1].len()) as u32;
        let matched = (tokens.len() - missed) as u32;
        Rank { missed, cost, extra: words.saturating_sub(matched), doc: d }
    }

    /// Autocomplete: the best `limit` addresses for free text, best first. The last word may be
    /// unfinished; words may be misspelt; numbers must match numbers.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let raw = tokens(query);
        let mut words: Vec<(String, bool)> = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            let t = &raw[i];
            let next_letter = raw.get(i + 1).filter(|n| n.len() == 1 && n.bytes().all(|b| b.is_ascii_alphabetic()));
            match next_letter {
                Some(l) if t.bytes().all(|b| b.is_ascii_digit()) => {
                    words.push((format!("{t}{l}"), true));
                    i += 2;
                }
                _ => {
                    words.push((t.clone(), false));
                    i += 1;
                }
            }
        }
        words.truncate(MAX_TOKENS);
        if words.is_empty() || limit == 0 {
            return Vec::new();
        }
        let n = words.len();
        let query_tokens: Vec<QueryToken> =
            words.iter().enumerate().map(|(i, (w, merged))| self.query_token(w, i + 1 == n, *merged)).collect();
        let mut runs: Vec<Option<Vec<(u32, u32)>>> = vec![None; n];
        let mut ranked: Vec<Rank> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let passes: Vec<Option<usize>> =
            if n > 1 { std::iter::once(None).chain((0..n).map(Some)).collect() } else { vec![None] };
        let mut partial_budget = PARTIAL_SCAN_CAP;
        for skip in passes {
            if (ranked.len() >= limit || partial_budget == 0) && skip.is_some() {
                break;
            }
            let allowed_misses = usize::from(skip.is_some());
            let cands = self.candidates(&query_tokens, &mut runs, skip);
            let mut scanned = 0;
            'runs: for &(s, e) in &cands {
                for d in s..e {
                    scanned += 1;
                    if skip.is_some() {
                        partial_budget = partial_budget.saturating_sub(1);
                    }
                    if scanned > SCAN_CAP || (skip.is_some() && partial_budget == 0) {
                        break 'runs;
                    }
                    let r = self.rank(d, &query_tokens);
                    if r.missed <= allowed_misses && seen.insert(d) {
                        ranked.push(r);
                    }
                }
            }
        }
        let score = |r: &Rank| 1000 * (n - r.missed) as i64 - 10 * r.cost as i64 - r.extra as i64;
        ranked.sort_unstable_by_key(|r| (std::cmp::Reverse(score(r)), r.doc));
        ranked.truncate(limit);
        ranked.into_iter().map(|r| Hit { address: self.address(r.doc), score: score(&r) }).collect()
    }
}

/// Intersects two sorted lists of disjoint runs.
fn intersect(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let s = a[i].0.max(b[j].0);
        let e = a[i].1.min(b[j].1);
        if s < e {
            out.push((s, e));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(
        uprn: u64,
        sao: Option<u32>,
        pao: u32,
        suffix: &str,
        street: &str,
        town: &str,
        postcode: &str,
    ) -> SearchAddress {
        SearchAddress {
            uprn,
            sao_text: if sao.is_some() { "Flat".into() } else { String::new() },
            sao_number: sao,
            pao_number: Some(pao),
            pao_suffix: suffix.into(),
            street: street.into(),
            town: town.into(),
            postcode: postcode.into(),
            ..Default::default()
        }
    }

    fn sample() -> Index {
        Index::build(&[
            addr(1, None, 10, "", "Downing Street", "London", "SW1A 2AA"),
            addr(2, None, 11, "", "Downing Street", "London", "SW1A 2AB"),
            addr(3, Some(2), 12, "", "High Street", "Exeter", "EX4 3LS"),
            addr(4, Some(1), 12, "", "High Street", "Exeter", "EX4 3LS"),
            addr(5, None, 12, "A", "High Street", "Exeter", "EX4 3LS"),
            addr(6, None, 2, "", "High Street", "Exeter", "EX4 3LS"),
            addr(7, None, 10, "", "High Street", "Exeter", "EX4 3LS"),
            addr(8, None, 12, "", "High Street", "Exmouth", "EX8 1AA"),
            addr(9, None, 10, "", "Dowling Road", "London", "SW1A 2AA"),
        ])
    }

    fn uprns(hits: &[Hit]) -> Vec<u64> {
        hits.iter().map(|h| h.address.uprn).collect()
    }

    #[test]
    fn postcode_lookup_lists_addresses_in_natural_order() {
        let idx = sample();
        let got: Vec<u64> = idx.by_postcode(&Postcode::parse("ex43ls").unwrap()).iter().map(|a| a.uprn).collect();
        assert_eq!(got, [6, 7, 4, 3, 5]);
        assert!(idx.by_postcode(&Postcode::parse("ZZ1 1ZZ").unwrap()).is_empty());
    }

    #[test]
    fn uprn_lookup_finds_the_address_and_nothing_else() {
        let idx = sample();
        assert_eq!(idx.by_uprn(5).unwrap().pao_suffix, "A");
        assert!(idx.by_uprn(99).is_none());
    }

    #[test]
    fn autocomplete_finds_abbreviated_misspelt_and_unfinished_queries() {
        let idx = sample();
        assert_eq!(uprns(&idx.search("10 downing st", 3))[0], 1);
        assert_eq!(uprns(&idx.search("10 donwing street", 3))[0], 1);
        assert_eq!(uprns(&idx.search("flat 2 12 high street exe", 3))[0], 3);
        assert_eq!(uprns(&idx.search("12 high street exm", 3))[0], 8);
    }

    #[test]
    fn house_numbers_must_match_numbers_and_suffixes_count() {
        let idx = sample();
        assert_eq!(uprns(&idx.search("12a high street", 1)), [5]);
        assert_eq!(uprns(&idx.search("12 a high street", 1)), [5]);
        // No 13: the best are the street's other numbers, each missing one token.
        let hits = idx.search("13 high street exeter", 5);
        assert!(!hits.is_empty() && hits.iter().all(|h| h.score < 3000), "{hits:?}");
    }

    #[test]
    fn a_number_given_twice_must_be_the_flat_and_the_house_number() {
        let idx = Index::build(&[
            addr(1, Some(1), 4, "", "Lake Lane", "Exeter", "EX1 1AA"),
            addr(2, Some(4), 4, "", "Lake Lane", "Exeter", "EX1 1AA"),
            addr(3, Some(10), 4, "", "Lake Lane", "Exeter", "EX1 1AA"),
        ]);
        assert_eq!(uprns(&idx.search("flat 4 4 lake lane", 3))[0], 2);
    }

    #[test]
    fn a_word_the_addresses_lack_still_finds_the_rest() {
        let idx = sample();
        assert_eq!(uprns(&idx.search("10 downing street westminster", 1)), [1]);
    }
}
