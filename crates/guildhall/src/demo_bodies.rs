//! Who handles what in the demo's two-tier Exampleshire, for report-a-problem routing: the county
//! (highways, speeding on faster roads), its two districts (fly-tipping) and its two parishes
//! (speeding and verges on roads of 30 mph or less, to the parish clerk), over the demo's areas
//! (`demo_places`). Every contact is made up.

use reports::{Body, Reports};
use serde_json::{Value, json};
use store::CouncilId;

/// The county's body id: the demo prints an Open311 key for it.
pub const COUNTY_BODY: &str = "exampleshire-county";

fn speed_limit() -> Value {
    json!({"code": "speed_limit", "description": "What is the speed limit on this road?", "datatype": "singlevaluelist",
           "required": true, "order": 1,
           "values": [{"key": "20", "name": "20 mph"}, {"key": "30", "name": "30 mph"}, {"key": "40", "name": "40 mph"},
                      {"key": "60", "name": "60 mph"}]})
}

fn bodies() -> Vec<Value> {
    let mut bodies = vec![json!({
        "id": COUNTY_BODY, "name": "Exampleshire County Council", "tier": "county", "areas": ["E10999901"],
        "contact": {"name": "Highways team", "email": "highways@exampleshire.example", "phone": "01632 960000"},
        "categories": [
            {"code": "pothole", "name": "Pothole", "group": "Roads", "description": "A hole in the road surface",
             "route": {"type": "email", "to": "highways@exampleshire.example"},
             "attributes": [{"code": "depth_cm", "description": "How deep is it, in cm?", "datatype": "number", "order": 1}]},
            {"code": "streetlight", "name": "Street light not working", "group": "Roads",
             "route": {"type": "email", "to": "highways@exampleshire.example"}},
            {"code": "speeding", "name": "Speeding traffic", "group": "Roads",
             "route": {"type": "email", "to": "roadsafety@exampleshire.example"}, "attributes": [speed_limit()],
             "when": {"attribute": {"code": "speed_limit", "op": "gt", "value": 30}}},
            {"code": "verge", "name": "Overgrown verge", "group": "Roads",
             "route": {"type": "email", "to": "highways@exampleshire.example"}, "attributes": [speed_limit()],
             "when": {"attribute": {"code": "speed_limit", "op": "gt", "value": 30}}}
        ]
    })];
    for (id, name, area) in [
        ("exampleton-district", "Exampleton District Council", "E07999901"),
        ("stonebridge-vale", "Stonebridge Vale District Council", "E07999902"),
    ] {
        let email = format!("streetscene@{id}.example");
        bodies.push(json!({
            "id": id, "name": name, "tier": "district", "areas": [area],
            "contact": {"name": "Street scene team", "email": email},
            "categories": [{"code": "flytipping", "name": "Fly-tipping", "group": "Street cleaning",
                            "route": {"type": "email", "to": email}}]
        }));
    }
    for (id, name, area) in [
        ("upper-wendle-pc", "Upper Wendle Parish Council", "E04999901"),
        ("stonebridge-pc", "Stonebridge Town Council", "E04999902"),
    ] {
        let clerk = format!("clerk@{id}.example");
        bodies.push(json!({
            "id": id, "name": name, "tier": "parish", "areas": [area],
            "contact": {"name": "Parish Clerk", "email": clerk},
            "categories": [
                {"code": "speeding", "name": "Speeding traffic", "group": "Roads", "route": {"type": "email", "to": clerk},
                 "attributes": [speed_limit()], "when": {"attribute": {"code": "speed_limit", "op": "le", "value": 30}}},
                {"code": "verge", "name": "Overgrown verge", "group": "Roads", "route": {"type": "email", "to": clerk},
                 "attributes": [speed_limit()], "when": {"attribute": {"code": "speed_limit", "op": "le", "value": 30}}}
            ]
        }));
    }
    bodies
}

/// Records Exampleshire's bodies (a new version only where one changed) and issues an Open311
/// API key for the county, returned for the demo to print.
pub async fn seed(reports: &Reports, council: CouncilId) -> anyhow::Result<String> {
    for body in bodies() {
        let body: Body = serde_json::from_value(body)?;
        reports.put_body(council, &body).await?;
    }
    Ok(reports.create_api_key(council, COUNTY_BODY, "demo").await?)
}
