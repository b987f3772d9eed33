//! Times the texture-matrix builders of `radiomics_texture::matrices` on the synthetic
//! 256 x 256 x 160 case of the `families` bench: `time_matrices [REPEAT]`. Prints the fastest of
//! REPEAT runs (default 7) per builder, so that a loaded machine disturbs it less. Under
//! `valgrind --tool=callgrind` it gives instruction counts per builder, which do not depend on
//! the load at all.
use std::time::Instant;

use ndarray::Array3;
use radiomics_texture::matrices;
use radiomics_texture::{Extractor, Settings};
use radiomics_volume::{Geometry, LabelMap, Volume};

fn main() {
    let (nz, ny, nx) = (160, 256, 256);
    let geometry = Geometry::with_spacing([0.9, 0.9, 1.0]);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let image = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let smooth = 400.0 + 150.0 * ((x as f64 / 9.0).sin() + (y as f64 / 13.0).cos() + (z as f64 / 7.0).sin());
        smooth + (state % 200) as f64
    });
    let labels = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        let r = ((x as f64 - 128.0) / 60.0).powi(2)
            + ((y as f64 - 128.0) / 50.0).powi(2)
            + ((z as f64 - 80.0) / 40.0).powi(2);
        u32::from(r <= 1.0)
    });

    let image = Volume::new(image, geometry).unwrap();
    let labels = LabelMap(Volume::new(labels, geometry).unwrap());
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
