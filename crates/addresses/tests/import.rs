//! The importers through the real path: real files (Iceland's whole address register, generated
//! AddressBase-shaped CSV, hand-made bad files) into real SQLite and PostgreSQL registers.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use addresses::{
    Address, AddressError, AddressFormat, Generator, ImportOptions, Street, ensure_address_register,
    ensure_street_register, import_addresses, import_streets, read_codepoint, write_addressbase_csv,
};
use registers::Registers;
use store::testing::TestStore;

const ICELAND: &str = "../../../shared/data/iceland-addresses.csv.gz";
const CODEPOINT: &str = "../../../shared/data/gb-postcodes-codepoint-open-2025-05.csv.gz";

fn quiet(max_rejects: u64) -> ImportOptions {
    ImportOptions { max_rejects, batch_size: 20_000, progress: false }
}

async fn sqlite() -> (TestStore, Registers) {
    let t = store::testing::sqlite().await;
    Registers::migrate(&t.store).await.unwrap();
    let registers = Registers::new(t.store.clone());
    (t, registers)
}

/// The address held for a key.
async fn address(registers: &Registers, uprn: &str) -> Address {
    let info = ensure_address_register(registers).await.unwrap();
    Address::from_item(&registers.record(&info, uprn).await.unwrap().items[0].value()).unwrap()
}

/// Writes `text` to a file in `dir`, gzipped when the name ends in `.gz`.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    if name.ends_with(".gz") {
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        gz.finish().unwrap();
    } else {
        let mut file = file;
        file.write_all(text.as_bytes()).unwrap();
    }
    path
}

#[tokio::test]
async fn the_whole_iceland_register_imports_on_sqlite_with_its_few_bad_rows_reported() {
    let (t, registers) = sqlite().await;
    let summary =
        import_addresses(&registers, Path::new(ICELAND), AddressFormat::Iceland, &quiet(1_000)).await.unwrap();
    assert_eq!(summary.rows_read, 139_409);
    assert_eq!(summary.imported + summary.rejected, summary.rows_read);
    assert!(summary.rejected < 100, "{} rejected: {:?}", summary.rejected, &summary.rejections[..5]);
    // The rejects are the house "letters" that are not letters (`*`), each named by line and column.
    assert!(summary.rejections.iter().all(|r| r.column.as_deref() == Some("house_letter")), "{:?}", summary.rejections);
    assert!(summary.rejections.iter().all(|r| r.line >= 2));
    let info = ensure_address_register(&registers).await.unwrap();
    assert_eq!(registers.record_count(&info).await.unwrap(), summary.imported);
    assert_eq!(info.user_size, summary.imported);

    let a = address(&registers, "10000004").await;
    assert_eq!(a.street.as_deref(), Some("Borgarbraut"));
    assert_eq!(a.pao.number_range().as_deref(), Some("52A"));
    assert_eq!(a.single_line(), "52A Borgarbraut, Borgarnes, 310");
    assert_eq!((a.latitude, a.longitude), (Some(64.54124221), Some(-21.91348558)));
    // A farm's building known by a letter alone.
    assert_eq!(address(&registers, "10055411").await.single_line(), "A, Minni-Núpur, Selfoss, 804");
    t.cleanup().await;
}

#[tokio::test]
async fn a_slice_of_iceland_imports_the_same_on_sqlite_and_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let reader = BufReader::new(flate2::read::GzDecoder::new(std::fs::File::open(ICELAND).unwrap()));
    let slice: Vec<String> = reader.lines().take(3_001).map(Result::unwrap).collect();
    let path = write(dir.path(), "slice.csv.gz", &(slice.join("\n") + "\n"));
    let mut roots = Vec::new();
    for (t, registers) in registers::testing::stores().await {
        let summary = import_addresses(&registers, &path, AddressFormat::Iceland, &quiet(100)).await.unwrap();
        assert_eq!(summary.rows_read, 3_000);
        let info = ensure_address_register(&registers).await.unwrap();
        assert_eq!(info.user_size, summary.imported);
        let a = address(&registers, "10000007").await;
        assert_eq!(a.single_line(), "1 Höfðaholt, Borgarnes, 310");
        // Entries carry their own timestamps, so compare the records, not the roots.
        let records = registers.records(&info, 0, 5_000).await.unwrap();
        roots.push(records.iter().map(|r| (r.entry.key.clone(), r.items.clone())).collect::<Vec<_>>());
        t.cleanup().await;
    }
    assert!(roots.windows(2).all(|w| w[0] == w[1]));
}

/// An AddressBase-shaped file with a good row, then five kinds of bad row.
const ADDRESSBASE_WITH_BAD_ROWS: &str = "\
UPRN,UDPRN,USRN,SAO_TEXT,PAO_TEXT,PAO_START_NUMBER,PAO_START_SUFFIX,STREET_DESCRIPTION,TOWN_NAME,POSTCODE_LOCATOR,X_COORDINATE,Y_COORDINATE
100023336956,1,47100001,Flat 2,,12,A,High Street,Exampleton,sw1a1aa,530047.00,179951.00
12x,2,47100001,,,3,,High Street,Exampleton,SW1A 1AA,530047,179951
100023336957,3,47100001,,,three,,High Street,Exampleton,SW1A 1AA,530047,179951
100023336958,4,47100001,,,4,,High Street,Exampleton,NOT A POSTCODE,530047,179951
100023336959,5,47100001,,,5,,High Street,Exampleton
100023336960,6,47100001,,,,,,Exampleton,SW1A 1AA,530047,179951
100023336961,7,47100001,,Rose Cottage,,,High Street,Exampleton,SW1A 1AA,530047,179951
";

#[tokio::test]
async fn malformed_rows_are_reported_by_line_and_column_and_a_bad_file_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "addressbase.csv", ADDRESSBASE_WITH_BAD_ROWS);
    for (t, registers) in registers::testing::stores().await {
        // Refused whole: five bad rows where none are allowed, and nothing is written.
        let err = import_addresses(&registers, &path, AddressFormat::AddressBase, &quiet(0)).await.unwrap_err();
        assert!(matches!(&err, AddressError::BadFile(m) if m.contains("5 of 7 rows are bad")), "{err}");
        assert!(err.to_string().contains("line 3, column UPRN"), "{err}");
        let info = ensure_address_register(&registers).await.unwrap();
        assert_eq!(info.user_size, 0);

        // Allowed: the good rows go in and the bad ones are listed.
        let summary = import_addresses(&registers, &path, AddressFormat::AddressBase, &quiet(5)).await.unwrap();
        assert_eq!((summary.rows_read, summary.imported, summary.rejected), (7, 2, 5));
        let where_: Vec<(u64, Option<&str>)> =
            summary.rejections.iter().map(|r| (r.line, r.column.as_deref())).collect();
        assert_eq!(
            where_,
            vec![
                (3, Some("UPRN")),
                (4, Some("PAO_START_NUMBER")),
                (5, Some("POSTCODE_LOCATOR")),
                (6, None),
                (7, Some("PAO_TEXT")),
            ]
        );
        assert!(summary.rejections[3].reason.contains("has 9 fields but the header has 12"));
        let a = address(&registers, "100023336956").await;
        assert_eq!(a.single_line(), "Flat 2, 12A High Street, Exampleton, SW1A 1AA");
        assert_eq!((a.easting, a.northing), (Some(530047.0), Some(179951.0)));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_file_without_the_columns_or_not_csv_at_all_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (t, registers) = sqlite().await;
    let headless = write(dir.path(), "headless.csv", "100023336956,47100001,,12,High Street\n");
    let err = import_addresses(&registers, &headless, AddressFormat::AddressBase, &quiet(0)).await.unwrap_err();
    assert!(err.to_string().contains("the header has no UPRN column"), "{err}");
    let iceland_as_gb = Path::new(ICELAND);
    let err = import_addresses(&registers, iceland_as_gb, AddressFormat::AddressBase, &quiet(0)).await.unwrap_err();
    assert!(err.to_string().contains("no UPRN column"), "{err}");
    // Gzip is told by its magic bytes, not the name: a gzipped file called .csv reads the same.
    let disguised = write(dir.path(), "header-only.gz", "UPRN,STREET_DESCRIPTION\n");
    std::fs::rename(&disguised, dir.path().join("header-only.csv")).unwrap();
    let summary =
        import_addresses(&registers, &dir.path().join("header-only.csv"), AddressFormat::AddressBase, &quiet(0))
            .await
            .unwrap();
    assert_eq!((summary.rows_read, summary.imported), (0, 0));
    let missing = import_addresses(&registers, &dir.path().join("nope.csv"), AddressFormat::Iceland, &quiet(0)).await;
    assert!(matches!(missing, Err(AddressError::Io { .. })));
    let info = ensure_address_register(&registers).await.unwrap();
    assert_eq!(info.user_size, 0);
    t.cleanup().await;
}

#[tokio::test]
async fn generated_addresses_import_back_as_the_same_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let postcodes = std::sync::Arc::new(read_codepoint(Path::new(CODEPOINT)).unwrap());
    let generated: Vec<Address> = Generator::new(postcodes, 5_000, 3).collect();
    let path = dir.path().join("generated.csv");
    write_addressbase_csv(std::fs::File::create(&path).unwrap(), generated.clone()).unwrap();
    let (t, registers) = sqlite().await;
    let summary = import_addresses(&registers, &path, AddressFormat::AddressBase, &quiet(0)).await.unwrap();
    assert_eq!((summary.rows_read, summary.imported, summary.rejected), (5_000, 5_000, 0));
    for a in generated.iter().step_by(97) {
        assert_eq!(&address(&registers, &a.key()).await, a);
    }
    t.cleanup().await;
}

#[tokio::test]
async fn streets_import_from_open_usrn_shaped_csv_with_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "streets.csv.gz",
        "USRN,NAME1,LOCALITY,POPULATED_PLACE,START_DATE,END_DATE\n\
         47100001,High Street,,Exampleton,1850,\n\
         47100003,Church Lane,Old Town,Exampleton,1820,\n\
         47100009,Cooper's Yard,Old Town,Exampleton,1880,2019-11-30\n\
         471000091,Too Long,,Exampleton,,\n",
    );
    for (t, registers) in registers::testing::stores().await {
        let summary = import_streets(&registers, &path, &quiet(1)).await.unwrap();
        assert_eq!((summary.rows_read, summary.imported, summary.rejected), (4, 3, 1));
        assert_eq!((summary.rejections[0].line, summary.rejections[0].column.as_deref()), (5, Some("USRN")));
        let info = ensure_street_register(&registers).await.unwrap();
        let s = Street::from_item(&registers.record(&info, "47100009").await.unwrap().items[0].value()).unwrap();
        assert_eq!(s.name, "Cooper's Yard");
        assert_eq!(s.end_date.as_deref(), Some("2019-11-30"));
        t.cleanup().await;
    }
}
