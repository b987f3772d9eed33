//! Times the texture-matrix builders of `radiomics_texture::matrices` on the synthetic
//! 256 x 256 x 160 case of the `families` bench: `time_matrices [REPEAT]`. Prints the fastest of
//! REPEAT runs (default 7) per builder, so that a loaded machine disturbs it less. Under
//! `valgrind --tool=callgrind` it gives instruction counts per builder, which do not depend on
//! the load at all.
use std::time::Instant;

#[path = "../benches/support/synthetic.rs"]
mod support;

use radiomics_texture::matrices;
use radiomics_texture::{Extractor, Settings};

fn main() {
    let (image, labels) = support::synthetic_case();
    let p = Extractor::new(Settings::default()).unwrap().prepare(&image, &labels).unwrap();
    let d = &p.levels;
    let rank = d.rank_of_level();
    let offsets = matrices::neighbourhood(&[1], false);
    let dirs = matrices::directions(&[1], false);

    let reps: usize = std::env::args().nth(1).and_then(|r| r.parse().ok()).unwrap_or(7);
    let time = |name: &str, f: &dyn Fn() -> usize| {
        let mut best = f64::INFINITY;
        let mut check = 0;
        for _ in 0..reps {
            let t = Instant::now();
            check = f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{name}: {:.1} ms (check {check})", best * 1e3);
    };
    time("zones", &|| matrices::zones(d, &rank, 0..d.dims[0], false, false).len());
    time("zones+distance", &|| matrices::zones(d, &rank, 0..d.dims[0], false, true).len());
    time("neighbour_stats", &|| matrices::neighbour_stats(d, &rank, &offsets, 0..d.dims[0], 0.0).len());
    time("glrlm_13", &|| dirs.iter().map(|&o| matrices::glrlm_counts(d, &rank, o, 0..d.dims[0]).1).sum());
}
