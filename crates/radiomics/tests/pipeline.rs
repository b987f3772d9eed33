//! End-to-end tests of the cohort pipeline through the `radiomics` binary, on small synthetic
//! cohorts written by the tests themselves.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{csv_rows, json, radiomics, s, text};

use radiomics::volume::io::{write_label_map, write_volume};
use radiomics::volume::synthetic::{PatientSpec, synthesize_patient};

/// Checks a `meta` block: version, seed, settings and stage.
fn check_meta(meta: &serde_json::Value, stage: &str) {
    assert_eq!(meta["tool"], "radiomics");
    assert_eq!(meta["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(meta["stage"], stage);
    assert_eq!(meta["seed"], 42);
    assert!(meta["settings"]["selection"]["icc_min"].is_number(), "settings recorded: {meta}");
    assert!(meta["created"].as_str().is_some_and(|c| c.ends_with('Z')));
}

#[test]
fn demo_runs_every_stage_and_records_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("demo");
    let out = radiomics(&[
        "demo",
        "--out",
        s(&d),
        "--patients",
        "40",
        "--size",
        "36,36,28",
        "--no-deep",
        "--no-progress",
        "--allow-small",
    ]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.contains("validation C-index"), "{stdout}");
    assert!(stdout.contains("planted-risk C-index"), "{stdout}");
    // The whole-table stages show what they did, not a count of 0 patients.
    let select_line = stdout.lines().find(|l| l.starts_with("select ")).expect("select row in the summary");
    assert!(select_line.contains("features in"), "{select_line}");
    assert!(select_line.contains(" - "), "{select_line}");
    let fit_line = stdout.lines().find(|l| l.starts_with("fit ")).expect("fit row in the summary");
    assert!(fit_line.contains("discovery patients"), "{fit_line}");

    let o = d.join("out");
    let run = json(&o.join("run.json"));
    assert_eq!(run["status"], "finished");
    check_meta(&run["meta"], "run");
    let stages: Vec<&str> = run["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["extract", "select", "fit", "validate", "report"]);
    assert_eq!(run["failed"], 0);

    let (header, rows) = csv_rows(&o.join("features.csv"));
    assert_eq!(rows.len(), 40);
    assert_eq!(header[0], "id");
    assert!(header.iter().any(|h| h == "T1C_ET_original_glcm_Contrast"));
    assert!(header.iter().any(|h| h == "WT_original_shape_MeshVolume"));
    assert!(!header.iter().any(|h| h == "T1C_WT_original_shape_MeshVolume"), "shape once per region");
    check_meta(&json(&o.join("features.meta.json")), "extract");
    let (_, repeats) = csv_rows(&o.join("features_repeats.csv"));
    assert_eq!(repeats.len(), 40, "20 patients x 2 repeat segmentations");

    let (sel_header, sel_rows) = csv_rows(&o.join("selection/selection.csv"));
    assert_eq!(sel_header, ["feature", "missing_share", "icc", "mad", "c_index", "kept", "dropped_at", "detail"]);
    assert_eq!(sel_rows.len(), header.len() - 1);
    let selected = std::fs::read_to_string(o.join("selection/selected.txt")).unwrap();
    let kept = sel_rows.iter().filter(|r| r[5] == "1").count();
    assert_eq!(selected.lines().count(), kept);
    assert!(sel_rows.iter().any(|r| r[6] == "icc"), "the ICC step ran on the repeats");

    let signature = json(&o.join("model/signature.json"));
    check_meta(&signature["meta"], "fit");
    assert!(signature["lambda_min"].as_f64().unwrap() > 0.0);
    assert_eq!(signature["cv"]["folds"], 10);
    let validation = json(&o.join("validation/validation.json"));
    check_meta(&validation["meta"], "validate");
    assert_eq!(validation["cohorts"].as_array().unwrap().len(), 2);
    assert_eq!(validation["cohorts"][0]["logrank"]["rho"], 1.0);
    let (score_header, scores) = csv_rows(&o.join("validation/scores.csv"));
    assert_eq!(score_header, ["id", "cohort", "score", "group", "time", "event"]);
    assert_eq!(scores.len(), 40);
    check_meta(&json(&o.join("validation/scores.meta.json")), "validate");

    let html = std::fs::read_to_string(o.join("report/report.html")).unwrap();
    assert!(html.contains("<svg"), "figures are inline");
    assert!(!html.contains("src=\"http"), "the HTML is self-contained");
    assert!(o.join("report/report.md").is_file());
    assert!(o.join("report/km_validation.png").is_file());
    // Each plot once, named after what it shows.
    assert!(o.join("report/km_validation.svg").is_file());
    assert!(o.join("report/km_discovery.svg").is_file());
    assert!(!o.join("report/km_1.svg").exists());
    assert!(!o.join("report/km_2.svg").exists());
    let md = std::fs::read_to_string(o.join("report/report.md")).unwrap();
    assert!(md.contains("(km_validation.svg)"), "{md}");
    // The heat map of the signature features.
    assert!(o.join("report/heatmap.svg").is_file());
    assert!(o.join("report/heatmap.png").is_file());
    assert!(md.contains("(heatmap.svg)"), "{md}");
    // 24 discovery patients: the small-cohort warning is in the report and the signature.
    assert!(md.contains("## Warnings"), "{md}");
    assert!(md.contains("fewer than 35"), "{md}");
    assert!(!signature["warnings"].as_array().unwrap().is_empty());
    // Units and the cohort of Table 2.
    assert!(!md.contains("-day"), "{md}");
    assert!(md.contains("Median follow-up, days"), "{md}");
    assert!(md.contains("Table 2. Univariate Cox regression, discovery cohort"), "{md}");
    // C-index intervals lie in [0, 1].
    for c in validation["cohorts"].as_array().unwrap() {
        let (lo, hi) = (c["concordance"]["lower95"].as_f64().unwrap(), c["concordance"]["upper95"].as_f64().unwrap());
        assert!((0.0..=1.0).contains(&lo), "{c}");
        assert!((0.0..=1.0).contains(&hi), "{c}");
    }
    check_meta(&json(&o.join("report/report.json"))["meta"], "report");
    let (_, failures) = csv_rows(&o.join("failures.csv"));
    assert!(failures.is_empty());
}

/// Writes a small synthetic cohort (no run) and returns its folder.
#[test]
fn demo_rejects_small_cohort() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("demo");
    let out = radiomics(&["demo", "--out", s(&d), "--patients", "40", "--no-progress"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--patients 60"), "{stderr}");
    assert!(!d.join("manifest.csv").exists(), "nothing is written");
    let out = radiomics(&["demo", "--out", s(&d), "--size", "64,64,20", "--no-progress"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--size 40,40,30"), "{stderr}");
    assert!(stderr.contains("along Z"), "{stderr}");
}

fn write_cohort(root: &Path, patients: &str) -> PathBuf {
    let d = root.join("cohort");
    let out = radiomics(&[
        "demo",
        "--out",
        s(&d),
        "--patients",
        patients,
        "--size",
        "28,28,22",
        "--no-deep",
        "--write-only",
        "--allow-small",
    ]);
    assert_eq!(out.status.code(), Some(0));
    d
}

#[test]
fn failed_patients_are_recorded_and_the_others_complete_then_resume() {
    let dir = tempfile::tempdir().unwrap();
    let d = write_cohort(dir.path(), "12");
    // SYN-003 loses its T2 image; SYN-004 gets a segmentation on another grid.
    std::fs::remove_file(d.join("images/SYN-003/t2.nii.gz")).unwrap();
    let other = synthesize_patient(&PatientSpec { size: [20, 20, 16], ..PatientSpec::default() });
    write_label_map(&other.segmentation, d.join("images/SYN-004/seg.nii.gz")).unwrap();

    let o = d.join("out");
    let manifest = d.join("manifest.csv");
    let args = ["extract", "--manifest", s(&manifest), "--out", s(&o), "--no-deep", "--no-progress"];
    let out = radiomics(&args);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(2), "exit status 2 when a patient failed");
    assert!(stdout.contains("2 failed"), "{stdout}");
    let (header, failures) = csv_rows(&o.join("failures.csv"));
    assert_eq!(header, ["id", "stage", "reason"]);
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0][0], "SYN-003");
    assert_eq!(failures[0][1], "extract");
    assert!(failures[0][2].contains("t2") && failures[0][2].contains("SYN-003/t2.nii.gz"), "{:?}", failures[0]);
    assert_eq!(failures[1][0], "SYN-004");
    assert!(failures[1][2].contains("grids differ"), "{:?}", failures[1]);
    let (_, rows) = csv_rows(&o.join("features.csv"));
    assert_eq!(rows.len(), 10, "the other patients complete");
    let (_, clinical) = csv_rows(&o.join("clinical.csv"));
    assert_eq!(clinical.len(), 10);

    // Resume: nothing is recomputed; a deleted file is recomputed alone.
    let done = o.join("features/SYN-001.csv");
    let before = std::fs::metadata(&done).unwrap().modified().unwrap();
    let out = radiomics(&args);
    let (stdout, _) = text(&out);
    assert!(stdout.contains("0 extracted, 10 skipped as complete"), "{stdout}");
    assert_eq!(std::fs::metadata(&done).unwrap().modified().unwrap(), before);
    std::fs::remove_file(o.join("features/SYN-002.csv")).unwrap();
    let out = radiomics(&args);
    let (stdout, _) = text(&out);
    assert!(stdout.contains("1 extracted, 9 skipped as complete"), "{stdout}");
    let (_, rows) = csv_rows(&o.join("features.csv"));
    assert_eq!(rows.len(), 10);

    // Fixing the patient's file lets the next run pick it up.
    let fixed = synthesize_patient(&PatientSpec { size: [28, 28, 22], ..PatientSpec::default() });
    write_volume(&fixed.t2, d.join("images/SYN-003/t2.nii.gz")).unwrap();
    let out = radiomics(&args);
    assert_eq!(out.status.code(), Some(2), "SYN-004 still fails");
    let (_, failures) = csv_rows(&o.join("failures.csv"));
    assert_eq!(failures.len(), 1);
    let (_, rows) = csv_rows(&o.join("features.csv"));
    assert_eq!(rows.len(), 11);
}

#[test]
fn an_empty_subregion_gives_missing_values_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, spec: &PatientSpec| -> Vec<PathBuf> {
        let p = synthesize_patient(spec);
        let folder = dir.path().join(name);
        std::fs::create_dir_all(&folder).unwrap();
        let files: Vec<PathBuf> =
            ["t1", "t1c", "t2", "flair", "seg"].iter().map(|m| folder.join(format!("{m}.nii.gz"))).collect();
        for (image, file) in [&p.t1, &p.t1c, &p.t2, &p.flair].into_iter().zip(&files) {
            write_volume(image, file).unwrap();
        }
        write_label_map(&p.segmentation, &files[4]).unwrap();
        files
    };
    let base = PatientSpec { size: [30, 30, 24], tumour_centre: [0.5, 0.5, 0.5], ..PatientSpec::default() };
    let extract = |files: &[PathBuf], id: &str| -> (Output, Vec<String>, Vec<String>) {
        let csv = dir.path().join(format!("{id}.csv"));
        let out = radiomics(&[
            "extract",
            "--t1",
            s(&files[0]),
            "--t1c",
            s(&files[1]),
            "--t2",
            s(&files[2]),
            "--flair",
            s(&files[3]),
            "--seg",
            s(&files[4]),
            "--id",
            id,
            "-o",
            s(&csv),
            "--no-deep",
        ]);
        let (header, mut rows) = csv_rows(&csv);
        assert_eq!(rows.len(), 1, "one wide row");
        (out, header, rows.remove(0))
    };
    let (out, full_header, _) = extract(&write("full", &base), "FULL");
    assert_eq!(out.status.code(), Some(0));
    let (out, header, row) =
        extract(&write("lgg", &PatientSpec { enhancing_thickness_mm: 0.0, ..base.clone() }), "LGG");
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "an empty region is not a failure");
    assert!(stderr.contains("region ET") && stderr.contains("missing values"), "{stderr}");
    assert_eq!(header, full_header, "the same columns as a patient with every region");
    assert_eq!(row[0], "LGG");
    let mut et = 0;
    for (name, value) in header.iter().zip(&row).skip(1) {
        if name.starts_with("ET_") || name.contains("_ET_") {
            assert!(value.is_empty(), "{name} = {value} should be missing");
            et += 1;
        } else {
            assert!(value.parse::<f64>().is_ok(), "{name} = {value:?} should be a number");
        }
    }
    assert_eq!(et, (header.len() - 1) / 5, "one region in five is missing");
    assert!(dir.path().join("LGG.meta.json").is_file());
}

#[test]
fn config_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[selection]\nicc_min = 0.9\ncindex_minimum = 0.6\n").unwrap();
    let out = radiomics(&["run", s(&config)]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("cindex_minimum") && stderr.contains("cindex_min"), "{stderr}");
    std::fs::write(&config, "[input]\nmanifest = \"missing.csv\"\n").unwrap();
    let out = radiomics(&["run", s(&config)]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("missing.csv"), "{stderr}");
}

/// Checks that with `preprocess.enabled = true` the repeat segmentations go through the same
/// nearest-neighbour resampling as the segmentation. The extract stage then writes the repeat
/// rows (`features_repeats.csv`), and the selection stage computes an ICC from them on the
/// preprocessed features. A patient whose preprocessing fails is recorded in `failures.csv`
/// and skipped, so the test checks the patients that were preprocessed.
#[test]
fn preprocessed_cohort_keeps_repeat_segmentations() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("demo");
    let out = radiomics(&[
        "demo",
        "--out",
        s(&d),
        "--patients",
        "20",
        "--size",
        "64,64,48",
        "--no-deep",
        "--write-only",
        "--allow-small",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let config = std::fs::read_to_string(d.join("config.toml")).unwrap();
    let section = config.find("[preprocess]").expect("the demo config lists [preprocess]");
    let (head, tail) = config.split_at(section);
    let tail = tail.replacen("enabled = false", "enabled = true", 1);
    std::fs::write(d.join("config.toml"), format!("{head}{tail}")).unwrap();
    radiomics(&["run", s(&d.join("config.toml")), "--no-progress"]);

    let o = d.join("out");
    let run = json(&o.join("run.json"));
    let stages: Vec<&str> = run["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages[..3], ["preprocess", "extract", "select"]);
    let (_, manifest) = csv_rows(&d.join("manifest.csv"));
    let (_, failures) = csv_rows(&o.join("failures.csv"));
    let (_, repeat_rows) = csv_rows(&o.join("features_repeats.csv"));
    let mut checked = 0;
    for row in &manifest {
        let (id, repeats) = (&row[0], row.iter().skip(12).filter(|c| !c.is_empty()).count());
        if repeats == 0 || failures.iter().any(|f| &f[0] == id) {
            continue;
        }
        let p = o.join("preprocessed").join(id);
        let seg = radiomics::volume::io::read_label_map(p.join("seg.nii.gz")).unwrap();
        for k in 1..=repeats {
            let rep = radiomics::volume::io::read_label_map(p.join(format!("seg_repeat{k}.nii.gz"))).unwrap();
            assert_eq!(rep.0.size(), seg.0.size(), "{id} repeat {k} on the preprocessed grid");
            assert_eq!(rep.0.geometry(), seg.0.geometry(), "{id} repeat {k}");
            // A repeat differs from the segmentation only at the tumour boundary.
            let tumour = seg.0.array().iter().filter(|&&l| l != 0).count();
            let differ = rep.0.array().iter().zip(seg.0.array().iter()).filter(|(a, b)| a != b).count();
            assert!(tumour > 0, "{id}: the segmentation has tumour voxels");
            assert!(differ > 0, "{id} repeat {k}: differs from the segmentation");
            assert!(differ < tumour, "{id} repeat {k}: {differ} of {tumour} voxels differ");
            assert!(repeat_rows.iter().any(|r| r[0] == format!("{id}__rep{k}")), "{id} repeat {k} has a feature row");
        }
        checked += 1;
    }
    assert!(checked > 0, "no preprocessed patient with repeat segmentations; failures: {failures:?}");

    // The ICC step ran on the preprocessed features: most features have an ICC.
    let (header, selection) = csv_rows(&o.join("selection").join("selection.csv"));
    let icc = header.iter().position(|h| h == "icc").expect("selection.csv has an icc column");
    assert!(!selection.is_empty(), "selection.csv is empty");
    let with_icc = selection.iter().filter(|r| r[icc].parse::<f64>().is_ok()).count();
    assert!(with_icc * 2 > selection.len(), "{with_icc} of {} features have an ICC", selection.len());
}

/// Writes a survival table of `n` patients (`id,time,event,age,size,split` and 6 features) to
/// `dir/table.csv`. With `signal`, feature `f0` carries the risk (time falls with it); else
/// every feature is noise. `events_every` sets which patients have an event (every k-th).
fn write_table(dir: &Path, n: usize, signal: bool, events_every: usize) -> PathBuf {
    let mut state: u64 = 12345;
    let mut uniform = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let mut out = String::from("id,time,event,age,size,split,f0,f1,f2,f3,f4,f5\n");
    for i in 0..n {
        let f: Vec<f64> = (0..6).map(|_| uniform() * 10.0).collect();
        let risk = if signal { f[0] } else { uniform() * 10.0 };
        let time = 50.0 + 2000.0 * (-(0.35 * risk)).exp() * (0.5 + uniform());
        let event = u8::from(i % events_every == 0);
        let split = if i % 3 == 0 { "validation" } else { "discovery" };
        out.push_str(&format!(
            "p{i:03},{time:.1},{event},{:.0},{:.1},{split},{}\n",
            40.0 + 30.0 * uniform(),
            1.0 + 4.0 * uniform(),
            f.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(",")
        ));
    }
    let path = dir.join("table.csv");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn table_fit_checks_split_first() {
    let dir = tempfile::tempdir().unwrap();
    let table = write_table(dir.path(), 60, true, 1);
    let o = dir.path().join("o");
    // No split: the split error, not the missing default clinical column.
    let out = radiomics(&["fit", "--out", s(&o), "--table", s(&table)]);
    let (_, stderr) = text(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr.contains("--table needs a split"), "{stderr}");
    assert!(!stderr.contains("kps"), "{stderr}");
    let out = radiomics(&["fit", "--out", s(&o), "--table", s(&table), "--split-fraction", "1.5"]);
    let (_, stderr) = text(&out);
    assert!(stderr.contains("--split-fraction 1.5 must be between 0 and 1"), "{stderr}");
    assert!(!stderr.contains("kps"), "{stderr}");
    // A valid split, no --clinical: the error names the default and how to change it.
    let out = radiomics(&["fit", "--out", s(&o), "--table", s(&table), "--split-column", "split"]);
    let (_, stderr) = text(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr.contains("has no clinical column \"kps\""), "{stderr}");
    assert!(stderr.contains("model.clinical = age,kps"), "{stderr}");
    assert!(stderr.contains("--clinical none"), "{stderr}");
    // `--clinical none` and `--clinical ""` mean no clinical covariate.
    for clinical in ["none", ""] {
        let o = dir.path().join(format!("o_{clinical}"));
        let out = radiomics(&[
            "fit",
            "--out",
            s(&o),
            "--table",
            s(&table),
            "--split-column",
            "split",
            "--exclude",
            "age,size",
            "--clinical",
            clinical,
        ]);
        assert_eq!(out.status.code(), Some(0), "--clinical {clinical:?}");
        let (header, _) = csv_rows(&o.join("clinical.csv"));
        assert_eq!(header, ["id", "cohort", "time", "event"], "--clinical {clinical:?}");
    }
}

#[test]
fn an_empty_signature_is_recorded_and_validate_and_report_name_it() {
    let dir = tempfile::tempdir().unwrap();
    let table = write_table(dir.path(), 60, false, 2);
    let o = dir.path().join("o");
    let import = ["--table", s(&table), "--split-column", "split", "--clinical", "age,size"];
    let out = radiomics(&[&["fit", "--out", s(&o)][..], &import].concat());
    let (_, stderr) = text(&out);
    let signature = json(&o.join("model").join("signature.json"));
    assert_eq!(signature["terms"].as_array().map(Vec::len), Some(0), "noise features: {signature}");
    assert_eq!(out.status.code(), Some(0), "fit of an empty signature");
    assert_eq!(stderr.matches("the LASSO kept no feature at lambda.min").count(), 1, "said once: {stderr}");
    assert!(stderr.contains("will state that the signature is empty"), "{stderr}");
    let warnings = signature["warnings"].as_array().unwrap();
    assert!(warnings[0].as_str().unwrap().contains("the LASSO kept no feature at lambda.min"), "{warnings:?}");
    // A run from a table extracts nothing, so it leaves no features/ folder.
    assert!(!o.join("features").exists(), "empty features/ folder");
    assert!(!o.join("report").exists(), "report/ before the report stage");

    let out = radiomics(&["validate", "--out", s(&o)]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "validate of an empty signature");
    assert!(stdout.contains("empty signature"), "{stdout}{stderr}");
    assert!(!stderr.contains("group(s) with subjects"), "{stdout}{stderr}");
    let validation = json(&o.join("validation").join("validation.json"));
    assert_eq!(validation["signature_empty"], true, "{validation}");
    assert!(validation["cut_point"].is_null(), "{validation}");
    assert!(validation["message"].as_str().unwrap().contains("more discovery patients"), "{validation}");
    // The combined model holds the clinical covariates alone.
    let covariates = validation["combined_model"]["covariates"].as_array().unwrap();
    assert_eq!(covariates, &[serde_json::json!("age"), serde_json::json!("size")], "{validation}");
    assert_eq!(validation["combined_model"]["terms"].as_array().map(Vec::len), Some(2), "{validation}");

    let out = radiomics(&["report", "--out", s(&o)]);
    assert_eq!(out.status.code(), Some(0), "report of an empty signature");
    assert!(text(&out).0.contains("report written to"), "report says where it wrote");
    let md = std::fs::read_to_string(o.join("report").join("report.md")).unwrap();
    assert!(md.contains("the LASSO kept no feature at lambda.min (lambda = "), "{md}");
    assert!(md.contains("## Risk groups, all cohorts\n\nNot shown: the LASSO kept no feature"), "{md}");
    assert!(!md.contains("Signature coefficients"), "{md}");

    // `select` on the imported table prints the count left after each step.
    let out = radiomics(&["select", "--out", s(&o)]);
    assert_eq!(out.status.code(), Some(0), "select on the imported table");
    let stdout = text(&out).0;
    assert!(stdout.starts_with("selection: input "), "{stdout}");
    assert!(stdout.contains("features kept"), "{stdout}");
}

#[test]
fn score_name_from_config_in_report() {
    let dir = tempfile::tempdir().unwrap();
    let table = write_table(dir.path(), 80, true, 2);
    let config = dir.path().join("genes.toml");
    std::fs::write(&config, "[validation]\nscore_name = \"Gene score\"\n").unwrap();
    let o = dir.path().join("o");
    let import = ["--table", s(&table), "--split-column", "split", "--clinical", "age,size"];
    let out = radiomics(&[&["fit", "--out", s(&o), "--config", s(&config)][..], &import].concat());
    assert_eq!(out.status.code(), Some(0), "fit: {}", text(&out).1);
    for stage in ["validate", "report"] {
        let out = radiomics(&[stage, "--out", s(&o), "--config", s(&config)]);
        assert_eq!(out.status.code(), Some(0), "{stage}: {}", text(&out).1);
    }
    let md = std::fs::read_to_string(o.join("report").join("report.md")).unwrap();
    assert!(md.contains("Combined model: gene score + age"), "{md}");
    assert!(!md.to_lowercase().contains("radiomics score"), "{md}");
    assert!(!md.contains("discovery events up to that time"), "{md}");

    // At 150 days few discovery patients have had their event: the report warns.
    std::fs::write(&config, "[validation]\ntimes = [150.0, 730.0]\n").unwrap();
    let out = radiomics(&["report", "--out", s(&o), "--config", s(&config)]);
    assert_eq!(out.status.code(), Some(0), "report at 150 days: {}", text(&out).1);
    let md = std::fs::read_to_string(o.join("report").join("report.md")).unwrap();
    assert!(md.contains("calibration at 150 days: only 3 discovery events"), "{md}");

    std::fs::write(&config, "[validation]\nscore_name = \" \"\n").unwrap();
    let out = radiomics(&["report", "--out", s(&o), "--config", s(&config)]);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out).1.contains("validation.score_name is empty"), "{}", text(&out).1);
}

#[test]
fn too_few_events_for_the_folds_names_the_option_and_the_cohort_size() {
    let dir = tempfile::tempdir().unwrap();
    // 40 discovery patients with 6 events (ids 7, 14, 28, 35, 49, 56): 10 folds leave some
    // without an event.
    let table = write_table(dir.path(), 60, true, 7);
    let o = dir.path().join("o");
    let out =
        radiomics(&["fit", "--out", s(&o), "--table", s(&table), "--split-column", "split", "--clinical", "none"]);
    let (_, stderr) = text(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr.contains("10 folds on 40 discovery patients (6 events)"), "{stderr}");
    assert!(stderr.contains("[model] folds"), "{stderr}");
}

#[test]
fn extract_help_says_output_is_required_for_one_patient() {
    let out = radiomics(&["extract", "--help"]);
    let (stdout, _) = text(&out);
    assert!(stdout.contains("required with --t1"), "{stdout}");
}
