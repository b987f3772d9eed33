//! Times reading and extracting one case in-process: `time_case IMAGE MASK PARAMS [REPEAT]`.
//! Prints the median wall time of read + extract and of extract alone, in seconds, one per line.

use std::time::Instant;

use radiomics_texture::{Extractor, Settings};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: time_case IMAGE MASK PARAMS [REPEAT]");
        std::process::exit(2);
    }
    let repeat: usize = args.get(4).and_then(|r| r.parse().ok()).unwrap_or(10);
    let settings = Settings::from_yaml_file(std::path::Path::new(&args[3])).expect("params file");
    let extractor = Extractor::new(settings).expect("settings");
    let (mut total, mut compute) = (Vec::new(), Vec::new());
    for _ in 0..repeat {
        let t0 = Instant::now();
        let image = radiomics_volume::io::read_volume(&args[1]).expect("image");
        let labels = radiomics_volume::io::read_label_map(&args[2]).expect("mask");
        let t1 = Instant::now();
        let features = extractor.execute(&image, &labels).expect("features");
        let t2 = Instant::now();
        assert!(!features.is_empty());
        total.push((t2 - t0).as_secs_f64());
        compute.push((t2 - t1).as_secs_f64());
    }
    total.sort_by(f64::total_cmp);
    compute.sort_by(f64::total_cmp);
    println!("{}", total[repeat / 2]);
    println!("{}", compute[repeat / 2]);
}
