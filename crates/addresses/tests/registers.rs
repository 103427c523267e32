//! The address and street registers as a store holds them: created once with their schemas, and
//! taking items that read back as the same addresses and streets (SQLite and PostgreSQL).

use addresses::{Address, Aon, Street, Uprn, Usrn, ensure_address_register, ensure_street_register};
use registers::NewEntry;

#[tokio::test]
async fn the_registers_are_created_once_and_hold_addresses_and_streets_that_read_back() {
    for (t, registers) in registers::testing::stores().await {
        let info = ensure_address_register(&registers).await.unwrap();
        let again = ensure_address_register(&registers).await.unwrap();
        assert_eq!(info.id, again.id);
        assert_eq!(info.system_size, again.system_size);
        let streets = ensure_street_register(&registers).await.unwrap();
        assert_ne!(streets.id, info.id);

        let street = Street {
            usrn: Usrn::new(47100001).unwrap(),
            name: "High Street".into(),
            locality: None,
            town: Some("Exampleton".into()),
            start_date: Some("1850".into()),
            end_date: None,
        };
        registers.append(&streets, vec![NewEntry::user(street.key(), street.to_item())]).await.unwrap();
        let address = Address {
            usrn: Some(street.usrn),
            sao: Aon::text("Flat 2"),
            pao: Aon::number_suffix(12, 'A'),
            street: Some("High Street".into()),
            town: Some("Exampleton".into()),
            postcode: Some("XM1 2AB".into()),
            easting: Some(450123.5),
            northing: Some(250456.0),
            latitude: Some(52.1234567),
            longitude: Some(-1.2654321),
            ..Address::new(Uprn::new(100023336956).unwrap())
        };
        let receipt = registers.append(&info, vec![NewEntry::user(address.key(), address.to_item())]).await.unwrap();
        let record = registers.record(&receipt.register, "100023336956").await.unwrap();
        let value = record.items[0].value();
        assert_eq!(Address::from_item(&value).unwrap(), address);
        let record = registers.record(&streets, "47100001").await.unwrap();
        let value = record.items[0].value();
        assert_eq!(Street::from_item(&value).unwrap(), street);
        t.cleanup().await;
    }
}
