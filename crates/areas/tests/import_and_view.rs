//! The public API end to end on SQLite and PostgreSQL: importing GeoJSON into the `area` register,
//! refusing bad files whole, and answering point look-ups from views built by replaying it.

use areas::{AreaError, AreaView, Crs, ImportOptions, import_geojson};
use registers::testing::stores;
use serde_json::{Value, json};

fn square(x: f64, y: f64, s: f64) -> Value {
    json!([[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]])
}

fn feature(code: &str, name: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry})
}

fn collection(features: Vec<Value>) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

/// Two councils sharing the edge lon = 2 (and the corners on it); the first has a hole, the
/// second an island.
fn councils_generation_one() -> String {
    collection(vec![
        feature(
            "S12000001",
            "Westshire",
            json!({"type": "Polygon", "coordinates": [square(0.0, 50.0, 2.0), square(0.5, 50.5, 0.5)]}),
        ),
        feature(
            "S12000002",
            "Eastshire",
            json!({"type": "MultiPolygon", "coordinates": [[square(2.0, 50.0, 2.0)], [square(5.0, 50.0, 1.0)]]}),
        ),
    ])
}

fn keys(view: &AreaView, lon: f64, lat: f64) -> Vec<String> {
    view.areas_containing([lon, lat]).into_iter().map(|a| a.key).collect()
}

#[tokio::test]
async fn points_find_their_areas_with_holes_islands_and_shared_edges_on_both_backends() {
    for (t, registers) in stores().await {
        let options = ImportOptions::new("UTA", Crs::Wgs84);
        let summary = import_geojson(&registers, councils_generation_one().as_bytes(), &options).await.unwrap();
        assert_eq!((summary.read, summary.imported, summary.rejected.len()), (2, 2, 0));
        let view = AreaView::build(&registers).await.unwrap();
        assert_eq!(keys(&view, 1.5, 51.5), ["S12000001"]);
        assert!(keys(&view, 0.75, 50.75).is_empty(), "a point in the hole is in no area");
        assert_eq!(keys(&view, 0.5, 50.75), ["S12000001"], "the hole's edge belongs to the area");
        assert_eq!(keys(&view, 5.5, 50.5), ["S12000002"], "the island is part of Eastshire");
        assert_eq!(keys(&view, 2.0, 51.3), ["S12000001", "S12000002"], "a shared edge is in both");
        assert_eq!(keys(&view, 2.0, 52.0), ["S12000001", "S12000002"], "a shared vertex is in both");
        assert!(keys(&view, 4.5, 50.5).is_empty());
        let west = view.area_by_key("S12000001").unwrap();
        assert_eq!((west.id, west.type_name.as_str(), west.country.as_str()), (1, "Unitary Authority", "S"));
        assert_eq!(view.areas_of_type("UTA").len(), 2);
        let stats = view.geometry_stats(2).unwrap();
        assert_eq!((stats.parts, stats.bbox), (2, [2.0, 50.0, 6.0, 52.0]));
        assert!(stats.area_m2 > 3.5e10 && stats.area_m2 < 4.3e10, "{}", stats.area_m2);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_new_generation_changes_one_boundary_keeps_ids_and_views_following_the_log_agree() {
    for (t, registers) in stores().await {
        let mut following = AreaView::build(&registers).await.unwrap();
        assert!(following.is_empty());
        let mut options = ImportOptions::new("UTA", Crs::Wgs84);
        import_geojson(&registers, councils_generation_one().as_bytes(), &options).await.unwrap();
        assert_eq!(following.catch_up(&registers).await.unwrap(), 2);

        // Generation 2: Eastshire's island moves north; Westshire is unchanged and not re-appended.
        options.generation = 2;
        let second = collection(vec![
            feature(
                "S12000001",
                "Westshire",
                json!({"type": "Polygon", "coordinates": [square(0.0, 50.0, 2.0), square(0.5, 50.5, 0.5)]}),
            ),
            feature(
                "S12000002",
                "Eastshire",
                json!({"type": "MultiPolygon", "coordinates": [[square(2.0, 50.0, 2.0)], [square(5.0, 53.0, 1.0)]]}),
            ),
        ]);
        let summary = import_geojson(&registers, second.as_bytes(), &options).await.unwrap();
        assert_eq!((summary.imported, summary.unchanged), (1, 1));
        assert_eq!(following.catch_up(&registers).await.unwrap(), 1);
        assert!(keys(&following, 5.5, 50.5).is_empty(), "the old island is gone");
        assert_eq!(keys(&following, 5.5, 53.5), ["S12000002"]);
        let east = following.area_by_key("S12000002").unwrap();
        assert_eq!((east.id, east.generation_low, east.generation_high), (2, 1, 2));

        // Westshire is abolished in generation 3: it stays known but answers no look-up.
        areas::end_areas(&registers, &["S12000001"], "2026-04-01", 3).await.unwrap();
        following.catch_up(&registers).await.unwrap();
        assert!(keys(&following, 1.5, 51.5).is_empty());
        let west = following.area_by_key("S12000001").unwrap();
        assert_eq!((west.end_date.as_deref(), west.generation_high), (Some("2026-04-01"), 2));

        // A view built from scratch answers exactly as the one that followed the log.
        let fresh = AreaView::build(&registers).await.unwrap();
        assert_eq!(fresh.position(), following.position());
        for i in 0..80 {
            for j in 0..50 {
                let (lon, lat) = (-0.5 + i as f64 * 0.1, 49.5 + j as f64 * 0.1);
                assert_eq!(
                    fresh.areas_containing([lon, lat]),
                    following.areas_containing([lon, lat]),
                    "({lon}, {lat})"
                );
            }
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_file_with_bad_features_is_refused_whole_naming_each_feature_and_reason() {
    for (t, registers) in stores().await {
        let bow_tie = json!([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]);
        let file = collection(vec![
            feature("E05000001", "Good", json!({"type": "Polygon", "coordinates": [square(0.0, 50.0, 1.0)]})),
            feature(
                "E05000002",
                "Unclosed",
                json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}),
            ),
            feature("E05000003", "A line", json!({"type": "LineString", "coordinates": [[0, 0], [1, 1]]})),
            feature(
                "E05000004",
                "Off the globe",
                json!({"type": "Polygon", "coordinates": [square(179.5, 50.0, 1.0)]}),
            ),
            feature("E05000005", "Bow tie", json!({"type": "Polygon", "coordinates": [bow_tie]})),
            json!({"type": "Feature", "properties": {"name": "No code"}, "geometry": {"type": "Polygon", "coordinates": [square(0.0, 0.0, 1.0)]}}),
        ]);
        let options = ImportOptions::new("DIW", Crs::Wgs84);
        let Err(AreaError::Rejected(rejections)) = import_geojson(&registers, file.as_bytes(), &options).await else {
            panic!("a bad file must be refused");
        };
        let reasons: Vec<(usize, &str)> = rejections.iter().map(|r| (r.index, r.reason.as_str())).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].1.contains("is not closed"), "{reasons:?}");
        assert!(reasons[1].1.contains("LineString is not an area"), "{reasons:?}");
        assert!(reasons[2].1.contains("vertex 1") && reasons[2].1.contains("not a longitude"), "{reasons:?}");
        assert!(reasons[3].1.contains("crosses itself"), "{reasons:?}");
        assert!(reasons[4].1.contains("\"code\""), "{reasons:?}");
        assert_eq!(rejections[0].to_string().split(':').next(), Some("feature 1 (E05000002)"));
        let view = AreaView::build(&registers).await.unwrap();
        assert_eq!(view.position(), 0, "nothing was imported");

        let not_json =
            import_geojson(&registers, "{\"type\": \"FeatureCollection\", \"features\": [".as_bytes(), &options).await;
        assert!(matches!(not_json, Err(AreaError::InvalidGeoJson(_))), "{not_json:?}");

        let lenient = ImportOptions { skip_invalid: true, ..options };
        let summary = import_geojson(&registers, file.as_bytes(), &lenient).await.unwrap();
        assert_eq!((summary.read, summary.imported, summary.rejected.len()), (6, 1, 5));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn british_national_grid_input_is_stored_as_lon_lat_and_found_from_either_system() {
    for (t, registers) in stores().await {
        let ring = json!([
            [325000.0, 673000.0],
            [326000.0, 673000.0],
            [326000.0, 674000.0],
            [325000.0, 674000.0],
            [325000.0, 673000.0]
        ]);
        let file =
            collection(vec![feature("S13002900", "Old Town", json!({"type": "Polygon", "coordinates": [ring]}))]);
        let options = ImportOptions { parent_property: None, ..ImportOptions::new("UTW", Crs::BritishNationalGrid) };
        import_geojson(&registers, file.as_bytes(), &options).await.unwrap();
        let view = AreaView::build(&registers).await.unwrap();
        let stored = view.geometry(1).unwrap();
        let [min_lon, min_lat, max_lon, max_lat] = stored.bbox().unwrap();
        assert!((-3.22..-3.17).contains(&min_lon) && (-3.22..-3.17).contains(&max_lon), "{min_lon} {max_lon}");
        assert!((55.93..55.96).contains(&min_lat) && (55.93..55.96).contains(&max_lat), "{min_lat} {max_lat}");
        let by_grid = view.areas_containing_in(Crs::BritishNationalGrid, [325500.0, 673500.0]).unwrap();
        assert_eq!(by_grid.len(), 1);
        let centre = view.geometry_stats(1).unwrap();
        assert!((centre.area_m2 - 1.0e6).abs() < 1.0e3, "a 1 km square measures {} m²", centre.area_m2);
        assert_eq!(view.areas_containing(centre.centre), by_grid);
        assert!(view.areas_containing_in(Crs::BritishNationalGrid, [-5.0, 10.0]).is_err());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_second_node_loading_the_register_as_rsf_builds_the_same_view_with_the_same_ids() {
    let mut nodes = stores().await;
    if nodes.len() < 2 {
        let t = store::testing::sqlite().await;
        registers::Registers::migrate(&t.store).await.unwrap();
        let r = registers::Registers::new(t.store.clone());
        nodes.push((t, r));
    }
    let (second_store, second) = nodes.pop().unwrap();
    let (first_store, first) = nodes.remove(0);
    let mut options = ImportOptions::new("UTA", Crs::Wgs84);
    import_geojson(&first, councils_generation_one().as_bytes(), &options).await.unwrap();
    options.generation = 2;
    let moved = collection(vec![feature(
        "S12000002",
        "Eastshire",
        json!({"type": "MultiPolygon", "coordinates": [[square(2.0, 50.0, 2.0)], [square(5.0, 53.0, 1.0)]]}),
    )]);
    import_geojson(&first, moved.as_bytes(), &options).await.unwrap();

    let info = areas::area_register(&first).await.unwrap();
    let mut rsf: Vec<u8> = Vec::new();
    first.export_rsf(&info, 0, &mut rsf).await.unwrap();
    second.import_rsf(registers::Owner::National, &info.name, rsf.as_slice()).await.unwrap();

    let (a, b) = (AreaView::build(&first).await.unwrap(), AreaView::build(&second).await.unwrap());
    assert_eq!((a.position(), a.len()), (b.position(), b.len()));
    assert_eq!(a.area_by_key("S12000002"), b.area_by_key("S12000002"));
    for i in 0..80 {
        for j in 0..50 {
            let p = [-0.5 + i as f64 * 0.1, 49.5 + j as f64 * 0.1];
            assert_eq!(a.areas_containing(p), b.areas_containing(p), "{p:?}");
        }
    }
    first_store.cleanup().await;
    second_store.cleanup().await;
}
