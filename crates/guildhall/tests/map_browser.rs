//! The report-a-problem map with JavaScript on, in a real browser (`tests/e2e/staff-map.mjs`)
//! against the seeded demo served here: the citizen clicks the map to give the place and the
//! point is routed; the staff list draws a marker for each listed report that links to it;
//! nothing is fetched from outside the instance; axe-core on each page. Needs Debian's chromium,
//! node and `npm ci --prefix tests/e2e`; outside CI, `GUILDHALL_SKIP_BROWSER=1` skips it when
//! they are missing.

use std::sync::Arc;

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_places_a_citizens_report_and_shows_staff_their_reports_in_chromium() {
    if !common::browser_ready() {
        return;
    }
    let t = store::testing::sqlite().await;
    common::seed_demo(&t).await;
    let registers = registers::Registers::new(t.store.clone());
    let slug = store::CouncilSlug::parse("exampleshire").unwrap();
    let council = store::Councils::new(t.store.clone()).by_slug(&slug).await.unwrap().id;
    let reports = reports::Reports::new(t.store.clone(), Arc::new(areas::AreaView::build(&registers).await.unwrap()));
    for (e, n, category) in [(460_000.0, 265_000.0, "Pothole"), (445_000.0, 255_000.0, "Fly-tipping")] {
        let [lon, lat] = areas::Crs::BritishNationalGrid.to_lon_lat([e, n]).unwrap();
        let report = reports::NewReport {
            location: reports::Location::new(lat, lon).unwrap(),
            category: category.into(),
            description: format!("{category} seen from the bus"),
            answers: Default::default(),
            address: None,
            reporter: reports::Reporter { email: Some("resident@example.org".into()), ..Default::default() },
            photo: None,
            source: "web".into(),
        };
        reports.submit(council, report).await.unwrap();
    }
    let base = common::serve_store(&t, true).await;
    common::run_e2e("staff-map.mjs", &base, &[]).await;
    t.cleanup().await;
}
