//! Throughput of both conversions on one core, with a baseline beside it: a haversine distance
//! over the same points (a few trig calls), so the figures read as a ratio on any machine.
//!
//! Run: `cargo bench -p geography` (prints points per second; no assertions).

use std::hint::black_box;
use std::time::Instant;

use geography::{GridPoint, LonLat, grid_to_lon_lat, lon_lat_to_grid};

/// A deterministic spread of points over GB's land-ish part of the grid (LCG, no dependency).
fn grid_points(count: usize) -> Vec<GridPoint> {
    let mut state: u64 = 27700;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..count).map(|_| GridPoint::new(100_000.0 + next() * 500_000.0, 10_000.0 + next() * 1_100_000.0)).collect()
}

/// Times `f` over `inputs`, returning points per second.
fn rate<T: Copy, U>(inputs: &[T], f: impl Fn(T) -> U) -> f64 {
    let start = Instant::now();
    for &p in inputs {
        black_box(f(black_box(p)));
    }
    inputs.len() as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let n = 2_000_000;
    let scattered = grid_points(n);
    // Polygon-like input: consecutive vertices a few metres apart, as a boundary is.
    let start = GridPoint::new(325_000.0, 673_000.0);
    let along: Vec<GridPoint> =
        (0..n).map(|i| GridPoint::new(start.easting + i as f64 * 0.05, start.northing + i as f64 * 0.03)).collect();
    let lonlats: Vec<LonLat> = scattered.iter().map(|&p| grid_to_lon_lat(p).unwrap()).collect();

    // Baseline: the cheapest honest work per point, a haversine distance (a few trig calls).
    let origin = LonLat::new(-2.0, 54.0);
    let baseline = rate(&lonlats, |p| geography::distance_m(origin, p));
    let g2l = rate(&scattered, grid_to_lon_lat);
    let g2l_along = rate(&along, grid_to_lon_lat);
    let l2g = rate(&lonlats, lon_lat_to_grid);
    println!("points: {n} (one core)");
    println!("baseline haversine distance    {:>8.2} M points/s", baseline / 1e6);
    println!("grid_to_lon_lat, scattered     {:>8.2} M points/s  ({:.1}x baseline time)", g2l / 1e6, baseline / g2l);
    println!(
        "grid_to_lon_lat, along a line  {:>8.2} M points/s  ({:.1}x baseline time)",
        g2l_along / 1e6,
        baseline / g2l_along
    );
    println!("lon_lat_to_grid, scattered     {:>8.2} M points/s  ({:.1}x baseline time)", l2g / 1e6, baseline / l2g);
}
