//! The zone look-up view (SQLite and PostgreSQL): an address finds its zone by street or by the
//! ward holding its point, follows new and withdrawn zones, and sees only its own council's.

mod common;

use addresses::Usrn;
use parking_registers::{
    ParkingError, PriceRules, Zone, ZoneCode, ZoneMatch, ZoneView, ensure_zone_register, seed_exampleshire,
};
use registers::NewEntry;

fn first_on(w: &common::World, usrn: u64) -> addresses::Uprn {
    w.addresses.iter().filter(|a| a.usrn.map(Usrn::get) == Some(usrn)).map(|a| a.uprn).min().unwrap()
}

#[tokio::test]
async fn an_address_finds_its_zone_by_street_or_ward_and_the_view_follows_the_register() {
    for w in common::worlds().await {
        seed_exampleshire(&w.registers, w.exampleshire.id, common::TODAY).await.unwrap();
        let areas = areas::AreaView::build(&w.registers).await.unwrap();
        let mut view = ZoneView::build(&w.registers, w.exampleshire.id).await.unwrap();
        assert_eq!(view.zones().count(), 3);

        let high_street = first_on(&w, 47100001);
        let (zone, how) = view.zone_for_address(&w.registers, &areas, high_street).await.unwrap();
        assert_eq!((zone.code.as_str(), how), ("A", ZoneMatch::Street(Usrn::new(47100001).unwrap())));

        let bridge_street = first_on(&w, 47100011);
        let (zone, how) = view.zone_for_address(&w.registers, &areas, bridge_street).await.unwrap();
        assert_eq!((zone.code.as_str(), how), ("S", ZoneMatch::Area("E05999904".into())));

        let the_green = first_on(&w, 47100016);
        let e = view.zone_for_address(&w.registers, &areas, the_green).await.unwrap_err();
        assert!(matches!(e, ParkingError::NoZone(_)), "{e}");
        let nowhere = addresses::Uprn::new(999_999_999_999).unwrap();
        let e = view.zone_for_address(&w.registers, &areas, nowhere).await.unwrap_err();
        assert!(matches!(e, ParkingError::UnknownAddress(_)), "{e}");

        // A new zone over The Green, and zone A withdrawn: the view follows both.
        let register = ensure_zone_register(&w.registers, w.exampleshire.id).await.unwrap();
        let green = Zone {
            code: ZoneCode::parse("W").unwrap(),
            name: "Upper Wendle Green".into(),
            streets: vec![Usrn::new(47100016).unwrap()],
            areas: vec![],
            prices: PriceRules { first_permit: 2500, further_permit: 2500, zero_emission: None, per_address: 1 },
            start_date: None,
            end_date: None,
        };
        let mut withdrawn = view.zone("A").unwrap().clone();
        withdrawn.end_date = Some(common::TODAY);
        w.registers
            .append(
                &register,
                vec![NewEntry::user(green.key(), green.to_item()), NewEntry::user("A", withdrawn.to_item())],
            )
            .await
            .unwrap();
        assert_eq!(view.catch_up(&w.registers).await.unwrap(), 2);
        let (zone, _) = view.zone_for_address(&w.registers, &areas, the_green).await.unwrap();
        assert_eq!(zone, green);
        let e = view.zone_for_address(&w.registers, &areas, high_street).await.unwrap_err();
        assert!(matches!(e, ParkingError::NoZone(_)), "{e}");

        // A rebuilt view answers the same; another council's view has none of these zones.
        let rebuilt = ZoneView::build(&w.registers, w.exampleshire.id).await.unwrap();
        assert_eq!(rebuilt.zones().collect::<Vec<_>>(), view.zones().collect::<Vec<_>>());
        assert_eq!(rebuilt.position(), view.position());
        let other = ZoneView::build(&w.registers, w.northtown.id).await.unwrap();
        assert_eq!(other.zones().count(), 0);
        let e = other.zone_for_address(&w.registers, &areas, bridge_street).await.unwrap_err();
        assert!(matches!(e, ParkingError::NoZone(_)), "{e}");
        w.test.cleanup().await;
    }
}
