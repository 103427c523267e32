//! The report-a-problem map with JavaScript on, in a real browser (`tests/e2e/staff-map.mjs`)
//! against the seeded demo served here: the citizen clicks the map to give the place and the
//! point is routed; the staff list draws a marker for each listed report that links to it;
//! nothing is fetched from outside the instance; axe-core on each page. Needs Debian's chromium,
//! node and `npm ci --prefix tests/e2e`; outside CI, `GUILDHALL_SKIP_BROWSER=1` skips it when
//! they are missing.

use std::process::Command;
use std::sync::Arc;

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_places_a_citizens_report_and_shows_staff_their_reports_in_chromium() {
    if !common::browser_ready() {
        return;
    }
    let root = common::repository_root();
    let t = store::testing::sqlite().await;
    guildhall::startup::open_store(&t.url).await.unwrap().close().await;
    guildhall::demo::seed(&t.store).await.unwrap();
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
    let settings = guildhall::configuration::Settings {
        database_url: t.url.clone(),
        port: 0,
        dev_pages: true,
        ..Default::default()
    };
    let app = guildhall::startup::Application::build_with_store(settings, t.store.clone()).await.unwrap();
    let base = format!("http://localhost:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    let output = tokio::task::spawn_blocking(move || {
        Command::new("node").arg("tests/e2e/staff-map.mjs").env("E2E_BASE_URL", &base).current_dir(&root).output()
    })
    .await
    .unwrap()
    .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the map journeys failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    println!("{stdout}");
    t.cleanup().await;
}
