//! IBSI convention against the IBSI-1 digital phantom reference values.
//!
//! Data: `<RADIOMICS_REFERENCE_DATA>/ibsi/` (see its README). The phantom needs no
//! discretisation (bin width 1 from the minimum leaves its levels 1..6 unchanged). A value
//! matches when it equals the reference at the reference's 3 significant digits, or lies within
//! the published tolerance (non-zero for morphology only). The per-family counts are recorded in
//! docs/conformance.md; the test fails if any family matches fewer than recorded there.

mod common;

use std::collections::BTreeMap;

use radiomics_texture::{Convention, Extractor, Settings};

/// Rounds to `digits` significant digits.
fn round_sig(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let e = x.abs().log10().floor() as i32;
    let f = 10f64.powi(digits - 1 - e);
    (x * f).round() / f
}

fn matches(got: f64, want: f64, tolerance: f64) -> bool {
    if !got.is_finite() {
        return false;
    }
    round_sig(got, 3) == round_sig(want, 3) || (got - want).abs() <= tolerance
}

/// Family of a tag: its prefix plus the aggregation suffix, as in the reference CSV.
fn family(tag: &str) -> String {
    let prefix = tag.split('_').next().unwrap();
    for suffix in ["2_5D_avg", "2_5D_comb", "2D_avg", "2D_comb", "3D_avg", "3D_comb", "2_5D", "2D", "3D"] {
        if tag.ends_with(&format!("_{suffix}")) {
            return format!("{prefix} {suffix}");
        }
    }
    prefix.to_string()
}

/// Matched counts per family recorded in docs/conformance.md.
const RECORDED: &[(&str, usize)] = &[
    ("cm 2D_avg", 25),
    ("cm 2D_comb", 25),
    ("cm 2_5D_avg", 25),
    ("cm 2_5D_comb", 25),
    ("cm 3D_avg", 25),
    ("cm 3D_comb", 25),
    ("dzm 2D", 16),
    ("dzm 2_5D", 16),
    ("dzm 3D", 16),
    ("ih", 23),
    ("ivh", 6),
    ("loc", 2),
    ("morph", 25),
    ("ngl 2D", 17),
    ("ngl 2_5D", 17),
    ("ngl 3D", 17),
    ("ngt 2D", 5),
    ("ngt 2_5D", 5),
    ("ngt 3D", 5),
    ("rlm 2D_avg", 16),
    ("rlm 2D_comb", 16),
    ("rlm 2_5D_avg", 16),
    ("rlm 2_5D_comb", 16),
    ("rlm 3D_avg", 16),
    ("rlm 3D_comb", 16),
    ("stat", 18),
    ("szm 2D", 16),
    ("szm 2_5D", 16),
    ("szm 3D", 16),
];

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn digital_phantom_reference_values() {
    let dir = common::data_dir().join("ibsi");
    let image = radiomics_volume::io::read_volume(dir.join("digital_phantom/phantom.nii.gz")).unwrap();
    let labels = radiomics_volume::io::read_label_map(dir.join("digital_phantom/mask.nii.gz")).unwrap();
    let settings =
        Settings { convention: Convention::Ibsi, bin_width: 1.0, minimum_roi_dimensions: 1, ..Settings::default() };
    let got = Extractor::new(settings).unwrap().execute(&image, &labels).unwrap();

    let path = dir.join("reference_values/ibsi_1_reference_values_digital_phantom.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name}"));
    let (ci, ct, cv, ctol) = (col("tag"), col("family"), col("reference value"), col("tolerance"));
    let mut per_family: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut with_value = 0;
    for rec in reader.records() {
        let rec = rec.unwrap();
        let tag = &rec[ci];
        let Ok(want) = rec[cv].trim().parse::<f64>() else {
            continue;
        };
        with_value += 1;
        let tol = rec[ctol].trim().parse::<f64>().unwrap_or(0.0);
        let entry = per_family.entry(family(tag)).or_default();
        entry.1 += 1;
        match got.get(tag) {
            Some(v) if matches(v, want, tol) => entry.0 += 1,
            Some(v) => misses.push(format!("{tag} ({}): {v} vs {want}", &rec[ct])),
            None => misses.push(format!("{tag} ({}): not computed, reference {want}", &rec[ct])),
        }
    }
    assert_eq!(with_value, 482, "the reference CSV holds 482 values");
    let total: usize = per_family.values().map(|v| v.0).sum();
    println!("matched {total} of {with_value}");
    for (fam, (m, n)) in &per_family {
        println!("| {fam} | {m} | {n} |");
    }
    for miss in &misses {
        println!("miss: {miss}");
    }
    for (fam, recorded) in RECORDED {
        let (m, _) = per_family.get(*fam).copied().unwrap_or_default();
        assert!(m >= *recorded, "{fam}: {m} matched, {recorded} recorded in docs/conformance.md");
    }
    assert_eq!(RECORDED.iter().map(|r| r.1).sum::<usize>(), 482);
    assert!(misses.is_empty(), "{} misses:\n{}", misses.len(), misses.join("\n"));
}

/// Checks that every tag of the reference table has an entry in `TAG_CODES` whose IBSI feature name
/// is the table's, so the identifiers in the docs belong to the features computed under those tags.
#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn reference_tags_match_ibsi_names() {
    let path = common::data_dir().join("ibsi/reference_values/ibsi_1_reference_values_digital_phantom.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name}"));
    let (ct, cf) = (col("tag"), col("feature"));
    let mut rows = 0;
    let mut mismatches = Vec::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        rows += 1;
        let tag = &rec[ct];
        let suffixes = ["_2_5D_avg", "_2_5D_comb", "_2D_avg", "_2D_comb", "_3D_avg", "_3D_comb", "_2_5D", "_2D", "_3D"];
        let stem = suffixes.iter().find_map(|s| tag.strip_suffix(s)).unwrap_or(tag);
        let entry = radiomics_texture::ibsi::TAG_CODES.iter().find(|(t, _, _)| *t == stem);
        match entry {
            Some((_, name, code)) if *name == &rec[cf] => {
                assert_eq!(radiomics_texture::ibsi::tag_code(tag), Some(*code), "{tag}");
            }
            Some((_, name, _)) => {
                mismatches.push(format!("{tag}: TAG_CODES names it {name:?}, the table {:?}", &rec[cf]))
            }
            None => mismatches.push(format!("{tag}: not in TAG_CODES")),
        }
    }
    assert_eq!(rows, 487, "the reference CSV holds 487 rows");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
