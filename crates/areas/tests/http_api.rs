//! The MapIt-shaped HTTP API on a real server bound to 127.0.0.1:0, over SQLite and PostgreSQL.

use areas::api::{AreaState, router};
use areas::{Crs, ImportOptions, import_geojson};
use registers::testing::stores;
use serde_json::{Value, json};

fn square(x: f64, y: f64, s: f64) -> Value {
    json!([[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]])
}

/// Spawns the API; returns its base URL.
async fn serve(state: AreaState) -> String {
    let (app, _) = router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn mapit_clients_find_areas_by_point_id_code_and_type() {
    for (t, registers) in stores().await {
        // A council around Edinburgh's Old Town (lon/lat) and a ward inside it.
        let council = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": "S12000036", "name": "City of Edinburgh"},
             "geometry": {"type": "Polygon", "coordinates": [square(-3.4, 55.85, 0.3)]}}]});
        let ward = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": "S13002928", "name": "City Centre", "parent": "S12000036"},
             "geometry": {"type": "Polygon", "coordinates": [square(-3.22, 55.94, 0.03)]}}]});
        import_geojson(&registers, council.to_string().as_bytes(), &ImportOptions::new("UTA", Crs::Wgs84))
            .await
            .unwrap();
        let state = AreaState::load(registers.clone()).await.unwrap();
        let base = serve(state).await;
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let get = |path: String| {
            let http = http.clone();
            let base = base.clone();
            async move {
                let r = http.get(format!("{base}{path}")).send().await.unwrap();
                let status = r.status().as_u16();
                let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
                let body: Value = r.json().await.unwrap_or(Value::Null);
                (status, body, location)
            }
        };

        // The ward arrives after the server started: the view follows the register.
        let mut options = ImportOptions::new("UTW", Crs::Wgs84);
        options.parent_property = Some("parent".into());
        import_geojson(&registers, ward.to_string().as_bytes(), &options).await.unwrap();

        let (status, body, _) = get("/point/4326/-3.19,55.95".into()).await;
        assert_eq!(status, 200);
        let ids: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(ids, ["1", "2"]);
        assert_eq!(
            body["2"],
            json!({"id": 2, "name": "City Centre", "type": "UTW", "type_name": "Unitary Authority ward", "country": "S",
                   "country_name": "Scotland", "codes": {"gss": "S13002928"}, "parent_area": 1,
                   "generation_low": 1, "generation_high": 1, "all_names": {}})
        );
        let (_, body, _) = get("/point/4326/-3.19,55.95?type=UTA".into()).await;
        assert_eq!(body.as_object().unwrap().len(), 1);
        let (_, body, _) = get("/point/27700/325300,673700".into()).await;
        assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
        let (status, body, _) = get("/point/4326/0,0".into()).await;
        assert_eq!((status, body), (200, json!({})));

        let (status, body, _) = get("/point/3857/1,2".into()).await;
        assert_eq!((status, body["code"].as_u64()), (400, Some(400)));
        assert!(body["error"].as_str().unwrap().contains("SRID"));
        let (status, _, _) = get("/point/4326/north,south".into()).await;
        assert_eq!(status, 400);

        let (status, body, _) = get("/area/1".into()).await;
        assert_eq!((status, body["name"].as_str()), (200, Some("City of Edinburgh")));
        let (_, body, _) = get("/area/S13002928".into()).await;
        assert_eq!(body["id"], 2);
        let (status, body, _) = get("/area/999".into()).await;
        assert_eq!((status, body), (404, json!({"code": 404, "error": "No area found with ID 999"})));
        let (status, _, location) = get("/code/gss/S12000036".into()).await;
        assert_eq!((status, location.as_deref()), (302, Some("/area/1")));

        let (_, body, _) = get("/area/1/geometry".into()).await;
        assert_eq!(body["parts"], 1);
        assert!((body["centre_lon"].as_f64().unwrap() + 3.25).abs() < 1e-6, "{body}");
        assert_eq!(body["srid_en"], 27700);
        let area = body["area"].as_f64().unwrap();
        assert!((5.0e8..7.0e8).contains(&area), "{area}");
        let (_, body, _) = get("/area/2.geojson".into()).await;
        assert_eq!(body["type"], "MultiPolygon");
        let (_, body, _) = get("/area/2/feature.geojson".into()).await;
        assert_eq!((body["type"].as_str(), body["properties"]["code"].as_str()), (Some("Feature"), Some("S13002928")));
        let (_, body, _) = get("/area/1/children".into()).await;
        assert_eq!(body.as_object().unwrap().keys().collect::<Vec<_>>(), ["2"]);
        let (_, body, _) = get("/areas/UTA,UTW".into()).await;
        assert_eq!(body.as_object().unwrap().len(), 2);
        let (_, body, _) = get("/areas/CPC".into()).await;
        assert_eq!(body, json!({}));
        t.cleanup().await;
    }
}

#[test]
fn every_route_is_in_the_openapi_document() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let paths = rt.block_on(async {
        let (t, registers) = stores().await.into_iter().next().unwrap();
        let (_, doc) = router(AreaState::load(registers).await.unwrap());
        t.cleanup().await;
        doc.paths.paths.keys().cloned().collect::<Vec<_>>()
    });
    for p in [
        "/point/{srid}/{coordinates}",
        "/area/{id}",
        "/area/{id}/geometry",
        "/area/{id}/children",
        "/areas/{types}",
        "/code/gss/{code}",
        "/area/{id}/feature.geojson",
    ] {
        assert!(paths.iter().any(|q| q == p), "{p} missing from {paths:?}");
    }
}
