//! Importing OS Code-Point Open into the postcode register and looking postcodes up in the view,
//! on the real file (a slice on SQLite and PostgreSQL; the whole country on SQLite).

use std::io::{BufRead, Cursor, Read, Write};
use std::time::Instant;

use postcodes::{
    ImportError, ImportOptions, NoProgress, Postcode, PostcodeIndex, import_code_point, open_maybe_gzip, register_name,
};
use registers::{Owner, Registers};

const CODE_POINT: &str = "../../../shared/data/gb-postcodes-codepoint-open-2025-05.csv.gz";

/// The real file's header and its first `rows` data rows, as text.
fn code_point_slice(rows: usize) -> String {
    let reader = open_maybe_gzip(CODE_POINT).expect("the shared Code-Point file");
    let mut out = String::new();
    for line in reader.lines().take(rows + 1) {
        out.push_str(&line.unwrap());
        out.push('\n');
    }
    out
}

async fn import(registers: &Registers, text: &str) -> Result<postcodes::ImportSummary, ImportError> {
    import_code_point(registers, Cursor::new(text.as_bytes()), &NoProgress, &ImportOptions::default()).await
}

#[tokio::test]
async fn a_slice_of_code_point_imports_looks_up_and_reimports_only_what_changed_on_every_backend() {
    let slice = code_point_slice(3_000);
    for (t, registers) in registers::testing::stores().await {
        let summary = import(&registers, &slice).await.unwrap();
        assert_eq!((summary.rows_read, summary.imported, summary.rejected), (3_000, 3_000, 0), "{summary:?}");

        let mut index = PostcodeIndex::build(&registers).await.unwrap();
        assert_eq!(index.len(), 3_000);
        let first = index.get(&Postcode::parse("AB10 1AB").unwrap()).expect("AB10 1AB");
        assert_eq!(first.positional_quality, 10);
        let grid = first.grid.unwrap();
        assert_eq!((grid.easting, grid.northing), (394_235.0, 806_529.0));
        let ll = first.lon_lat.unwrap();
        // Aberdeen city centre.
        assert!((ll.lat - 57.149).abs() < 0.01 && (ll.lon + 2.096).abs() < 0.01, "{ll:?}");
        assert_eq!(
            (first.country, first.county, first.district, first.ward),
            (Some("S92000003"), None, Some("S12000033"), Some("S13002842"))
        );
        for line in slice.lines().skip(1) {
            let postcode = Postcode::parse(line.split(',').next().unwrap()).unwrap();
            assert!(index.get(&postcode).is_some(), "{postcode} not in the view");
        }

        // The same file again changes nothing.
        let again = import(&registers, &slice).await.unwrap();
        assert_eq!((again.imported, again.unchanged, again.absent), (0, 3_000, 0), "{again:?}");

        // One postcode moves, one is new, one is gone: two entries, one absent.
        let mut lines: Vec<String> = slice.lines().map(str::to_string).collect();
        lines[1] = lines[1].replace("394235,806529", "394240,806530");
        lines.remove(2);
        lines.push("ZE3 9JZ,10,438000,1110000,S92000003,,S08000026,,S12000027,S13002773".into());
        let changed = import(&registers, &(lines.join("\n") + "\n")).await.unwrap();
        assert_eq!((changed.imported, changed.unchanged, changed.absent), (2, 2_998, 1), "{changed:?}");

        assert_eq!(index.catch_up(&registers).await.unwrap(), 2);
        assert_eq!(index.len(), 3_001);
        let moved = index.get(&Postcode::parse("AB101AB").unwrap()).unwrap().grid.unwrap();
        assert_eq!((moved.easting, moved.northing), (394_240.0, 806_530.0));
        let new = index.get(&Postcode::parse("ZE3 9JZ").unwrap()).unwrap();
        assert_eq!(new.district, Some("S12000027"));
        assert_eq!(index.catch_up(&registers).await.unwrap(), 0);

        // A view built afresh from the log agrees: the newer entry for a postcode wins.
        let rebuilt = PostcodeIndex::build(&registers).await.unwrap();
        assert_eq!((rebuilt.len(), rebuilt.entries_applied()), (3_001, 3_002));
        assert_eq!(rebuilt.get(&Postcode::parse("AB10 1AB").unwrap()).unwrap().grid.unwrap().easting, 394_240.0);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn bad_rows_are_rejected_with_line_and_field_and_the_good_ones_imported() {
    let text = "\
postcode,positional_quality,easting,northing,country_code,nhs_regional_ha_code,nhs_ha_code,admin_county_code,admin_district_code,admin_ward_code
AB10 1AB,10,394235,806529,S92000003,,S08000020,,S12000033,S13002842
NOT A CODE,10,394235,806529,S92000003,,S08000020,,S12000033,S13002842
AB10 1AF,70,394235,806529,S92000003,,S08000020,,S12000033,S13002842
AB10 1AG,10,-5,806529,S92000003,,S08000020,,S12000033,S13002842
AB10 1AH,10,394235,806529,S92000003,,S08000020,,S12000033,X
ab101ab,10,394235,806529,S92000003,,S08000020,,S12000033,S13002842
AB10 1AJ,90,0,0,S92000003,,,,,
AB10 1AL,10,394235
";
    for (t, registers) in registers::testing::stores().await {
        let summary = import(&registers, text).await.unwrap();
        assert_eq!((summary.rows_read, summary.imported, summary.rejected), (8, 2, 6), "{summary:?}");
        let found: Vec<(u64, &str)> = summary.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(
            found,
            [
                (3, "postcode"),
                (4, "positional_quality"),
                (5, "easting"),
                (6, "admin_ward_code"),
                (7, "postcode"),
                (9, "row")
            ]
        );
        assert!(summary.rejects[4].reason.contains("first on line 2"), "{}", summary.rejects[4]);
        assert!(summary.rejects[1].to_string().starts_with("line 4, field positional_quality: \"70\""));

        let index = PostcodeIndex::build(&registers).await.unwrap();
        let none = index.get(&Postcode::parse("AB10 1AJ").unwrap()).unwrap();
        assert_eq!((none.positional_quality, none.grid, none.lon_lat, none.district), (90, None, None, None));
        assert_eq!(none.country, Some("S92000003"));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn strict_mode_or_an_unreadable_file_writes_nothing() {
    let header_missing_ward = "postcode,positional_quality,easting,northing,country_code,admin_county_code,admin_district_code\n\
                               AB10 1AB,10,394235,806529,S92000003,,S12000033\n";
    let one_bad_row = code_point_slice(50) + "AB10 1XX,10,394235,806529,S92000003,,S08000020,,S12000033,NOPE\n";
    for (t, registers) in registers::testing::stores().await {
        let e = import(&registers, header_missing_ward).await.unwrap_err();
        assert!(e.to_string().contains("line 1: the header has no \"admin_ward_code\" column"), "{e}");

        let strict = ImportOptions { strict: true, ..ImportOptions::default() };
        let e =
            import_code_point(&registers, Cursor::new(one_bad_row.as_bytes()), &NoProgress, &strict).await.unwrap_err();
        assert!(e.to_string().contains("1 of 51 rows rejected (first: line 52, field admin_ward_code"), "{e}");

        let mut invalid_utf8 = code_point_slice(1).into_bytes();
        invalid_utf8.extend_from_slice(b"AB10 1AF,10,394235,806529,S92000003,,S08000020,,S12000033,S1300\xff\xfe\n");
        let e = import_code_point(&registers, Cursor::new(invalid_utf8), &NoProgress, &ImportOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(e, ImportError::Csv { line: 3, .. }), "{e}");

        // Nothing was written: not even the register was created.
        assert!(registers.find(Owner::National, &register_name()).await.unwrap().is_none());
        assert!(matches!(PostcodeIndex::build(&registers).await, Err(postcodes::IndexError::NoRegister)));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_file_without_a_header_row_is_read_in_code_points_own_column_order() {
    let slice = code_point_slice(20);
    let headerless: String = slice.lines().skip(1).map(|l| format!("\"{}\"{}\n", &l[..8], &l[8..])).collect();
    for (t, registers) in registers::testing::stores().await {
        let summary = import(&registers, &headerless).await.unwrap();
        assert_eq!((summary.rows_read, summary.imported, summary.rejected), (20, 20, 0), "{summary:?}");
        t.cleanup().await;
    }
}

#[test]
fn open_maybe_gzip_reads_gzip_and_plain_files_alike() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.csv");
    std::fs::write(&plain, "postcode\nAB10 1AB\n").unwrap();
    let gz = dir.path().join("named-plain-but-gzip.csv");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(b"postcode\nAB10 1AB\n").unwrap();
    enc.finish().unwrap();
    for path in [plain, gz] {
        let mut text = String::new();
        open_maybe_gzip(&path).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "postcode\nAB10 1AB\n");
    }
}

/// The whole of Code-Point Open (1,743,449 postcodes) into SQLite, then every postcode looked up
/// in the view. Prints the figures the README quotes.
#[tokio::test]
async fn the_whole_real_code_point_file_loads_into_sqlite_and_every_postcode_looks_up_in_the_view() {
    let t = store::testing::sqlite().await;
    Registers::migrate(&t.store).await.unwrap();
    let registers = Registers::new(t.store.clone());

    let started = Instant::now();
    let summary =
        import_code_point(&registers, open_maybe_gzip(CODE_POINT).unwrap(), &NoProgress, &ImportOptions::default())
            .await
            .unwrap();
    let import_time = started.elapsed();
    for r in &summary.rejects {
        println!("rejected: {r}");
    }
    assert_eq!(summary.rows_read, 1_743_449);
    assert_eq!(summary.rejected, 0, "{:?}", summary.rejects);
    assert_eq!(summary.imported, 1_743_449);

    let rss_before = rss_bytes();
    let started = Instant::now();
    let index = PostcodeIndex::build(&registers).await.unwrap();
    let build_time = started.elapsed();
    let rss_after = rss_bytes();
    assert_eq!(index.len(), 1_743_449);

    let started = Instant::now();
    let mut looked_up = 0u64;
    for line in open_maybe_gzip(CODE_POINT).unwrap().lines().skip(1) {
        let line = line.unwrap();
        let postcode = Postcode::parse(line.split(',').next().unwrap()).unwrap();
        let found = index.get(&postcode).unwrap_or_else(|| panic!("{postcode} not in the view"));
        let easting: f64 = line.split(',').nth(2).unwrap().parse().unwrap();
        assert_eq!(found.grid.map_or(0.0, |g| g.easting), easting, "{postcode}");
        looked_up += 1;
    }
    let lookup_time = started.elapsed();
    assert_eq!(looked_up, 1_743_449);
    println!(
        "code-point: import {:.1} s ({:.0} rows/s); view build {:.1} s; view tables {:.1} MB, RSS growth {:.1} MB; \
         {} look-ups (with file reading) in {:.2} s",
        import_time.as_secs_f64(),
        summary.rows_read as f64 / import_time.as_secs_f64(),
        build_time.as_secs_f64(),
        index.memory_bytes() as f64 / 1e6,
        rss_after.saturating_sub(rss_before) as f64 / 1e6,
        looked_up,
        lookup_time.as_secs_f64()
    );
    t.cleanup().await;
}

/// Resident set size of this process (Linux), 0 elsewhere.
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map_or(0, |pages| pages * 4096)
}
