//! Relevance on real data: the index is built from Iceland's 139,408 real addresses and asked the
//! fixed queries of `tests/relevance/iceland-queries.tsv` (made once by
//! `tests/relevance/make-iceland-queries.py`); the address each was made from must come in the
//! top three for at least 95% of them.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::time::Instant;

use address_search::{Index, SearchAddress};

const DATA: &str = "../../../shared/data/iceland-addresses.csv.gz";

/// Postcode → town for the larger places (the register has no town names); the same table as
/// the query script's.
fn town(postcode: &str) -> &'static str {
    const TOWNS: &[(&str, &str)] = &[
        ("101 102 103 104 105 107 108 109 110 111 112 113 116 161 162", "Reykjavík"),
        ("170", "Seltjarnarnes"),
        ("200 201 203 206", "Kópavogur"),
        ("210 212 225", "Garðabær"),
        ("220 221 222", "Hafnarfjörður"),
        ("230 232 233 235 260 262", "Reykjanesbær"),
        ("240", "Grindavík"),
        ("270 271", "Mosfellsbær"),
        ("300", "Akranes"),
        ("310", "Borgarnes"),
        ("340", "Stykkishólmur"),
        ("400", "Ísafjörður"),
        ("415", "Bolungarvík"),
        ("550", "Sauðárkrókur"),
        ("600 603", "Akureyri"),
        ("640", "Húsavík"),
        ("700", "Egilsstaðir"),
        ("780", "Höfn"),
        ("800", "Selfoss"),
        ("810", "Hveragerði"),
        ("815", "Þorlákshöfn"),
        ("900", "Vestmannaeyjar"),
    ];
    TOWNS.iter().find(|(codes, _)| codes.split(' ').any(|c| c == postcode)).map_or("", |(_, t)| t)
}

fn iceland() -> Vec<SearchAddress> {
    let file = std::fs::File::open(DATA).expect("the shared data beside the repository");
    let mut reader = csv::Reader::from_reader(flate2::read::GzDecoder::new(BufReader::new(file)));
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.expect("a CSV row");
        let postcode = row[4].to_string();
        out.push(SearchAddress {
            uprn: row[0].parse().expect("a numeric address id"),
            street: row[1].to_string(),
            pao_number: row[2].parse().ok(),
            pao_suffix: row[3].to_string(),
            town: town(&postcode).to_string(),
            postcode,
            lat: row[6].parse().unwrap_or_default(),
            lon: row[7].parse().unwrap_or_default(),
            ..Default::default()
        });
    }
    out
}

#[test]
fn the_real_address_comes_in_the_top_three_for_at_least_95_percent_of_real_queries() {
    let addresses = iceland();
    assert_eq!(addresses.len(), 139_409, "the register's rows");
    let started = Instant::now();
    let index = Index::build(&addresses);
    println!(
        "built {} Icelandic addresses in {:.2}s, {} bytes ({:.0} bytes/address)",
        index.len(),
        started.elapsed().as_secs_f64(),
        index.memory_bytes(),
        index.memory_bytes() as f64 / index.len() as f64
    );
    let queries = std::fs::read_to_string("tests/relevance/iceland-queries.tsv").expect("the query file");
    let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let (mut found, mut total) = (0, 0);
    let started = Instant::now();
    for line in queries.lines().skip(1) {
        let mut cols = line.split('\t');
        let (query, expected, kind) = (cols.next().unwrap(), cols.next().unwrap(), cols.next().unwrap());
        let expected: u64 = expected.parse().unwrap();
        let hits = index.search(query, 3);
        let ok = hits.iter().any(|h| h.address.uprn == expected);
        let entry = by_kind.entry(kind).or_default();
        entry.1 += 1;
        total += 1;
        if ok {
            entry.0 += 1;
            found += 1;
        } else {
            let got: Vec<String> = hits.iter().map(|h| format!("{} ({})", h.address.single_line(), h.score)).collect();
            println!("miss: {query:?} expected {expected}, got {got:?}");
        }
    }
    let elapsed = started.elapsed();
    for (kind, (ok, n)) in &by_kind {
        println!("{kind:>20}: {ok}/{n}");
    }
    let score = found as f64 / total as f64;
    println!(
        "relevance: {found}/{total} = {:.1}% in the top 3 ({:.0} µs/query)",
        100.0 * score,
        elapsed.as_micros() as f64 / total as f64
    );
    assert!(total >= 200);
    assert!(score >= 0.95, "only {:.1}% in the top 3", 100.0 * score);
}

#[test]
fn accents_and_case_do_not_matter_on_real_icelandic_names() {
    let index = Index::build(&iceland());
    let plain = index.search("thorunnartun 2 reykjavik", 1);
    let accented = index.search("Þórunnartún 2 Reykjavík", 1);
    assert_eq!(plain.len(), 1);
    assert_eq!(plain[0].address.uprn, accented[0].address.uprn);
    assert_eq!(plain[0].address.street, "Þórunnartún");
}
