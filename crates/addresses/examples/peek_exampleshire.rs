//! Prints Exampleshire's size and a sample of its addresses in natural order, to eyeball the demo data:
//! `cargo run -p addresses --example peek_exampleshire`.

fn main() {
    let (streets, mut addresses) = addresses::exampleshire(1);
    println!("{} streets, {} addresses", streets.len(), addresses.len());
    addresses.sort_by_key(addresses::Address::natural_key);
    for a in addresses.iter().step_by(97) {
        println!("{:>13}  {}", a.uprn, a.single_line());
    }
}
