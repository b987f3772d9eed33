//! Agreement with R's rms 6.5-0 (`cph`, `nomogram`, `calibrate`) on the lung and veteran data.
//!
//! Expected values: `survival/expected/{lung,veteran}_nomogram.json`, written by
//! `Rscript nomogram.R --data lung.csv --covariates age,sex,ph.ecog --times 180,365,730
//! --calib-time 365 --B 200 --seed 1 --m 40 --rows 1,2,3` and
//! `--data veteran.csv --covariates karno,age,trt --times 90,180,365 --calib-time 90` (same other
//! options), with R 4.2.2, survival 3.5-3, rms 6.5-0.

use std::path::PathBuf;

use radiomics_nomogram::{
    BaselineMethod, BaselineSurvival, BootstrapRng, CalibrationModel, CalibrationOptions, CoxData, CoxFitOptions,
    CoxNomogramModel, Nomogram, NomogramCovariate, NomogramOptions, calibrate_cox, fit_cox_efron,
};
use serde_json::Value;

fn data_root() -> PathBuf {
    std::env::var_os("RADIOMICS_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")))
}

struct Cohort {
    ids: Vec<i64>,
    time: Vec<f64>,
    event: Vec<bool>,
    /// Row-major covariates.
    x: Vec<f64>,
    p: usize,
}

/// Reads the survival CSV and keeps the rows complete on `covariates`.
fn read_cohort(file: &str, covariates: &[&str]) -> Cohort {
    let path = data_root().join("survival").join(file);
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} missing"));
    let (ci, ct, ce) = (col("id"), col("time"), col("event"));
    let cols: Vec<usize> = covariates.iter().map(|c| col(c)).collect();
    let mut cohort = Cohort { ids: vec![], time: vec![], event: vec![], x: vec![], p: covariates.len() };
    for rec in reader.records() {
        let rec = rec.unwrap();
        if cols.iter().any(|&c| rec[c].is_empty()) {
            continue;
        }
        cohort.ids.push(rec[ci].parse().unwrap());
        cohort.time.push(rec[ct].parse().unwrap());
        cohort.event.push(&rec[ce] == "1");
        for &c in &cols {
            cohort.x.push(rec[c].parse().unwrap());
        }
    }
    cohort
}

fn expected(name: &str) -> Value {
    let path = data_root().join("survival/expected").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn opt_f64(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[track_caller]
fn assert_close(what: &str, found: f64, expected: f64, tol: f64) {
    let scale = expected.abs().max(1.0);
    assert!((found - expected).abs() <= tol * scale, "{what}: found {found}, expected {expected} (tol {tol})");
}

#[track_caller]
fn assert_all_close(what: &str, found: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(found.len(), expected.len(), "{what}: length {found:?} vs {expected:?}");
    for (i, (f, e)) in found.iter().zip(expected).enumerate() {
        assert_close(&format!("{what}[{i}]"), *f, *e, tol);
    }
}

/// Counts of compared values, printed so that the report can quote them.
struct Tally(usize);

fn check_dataset(file: &str, json: &str, covariates: &[&str]) -> usize {
    let mut tally = Tally(0);
    let exp = expected(json);
    let cohort = read_cohort(file, covariates);
    assert_eq!(cohort.time.len() as u64, exp["meta"]["n"].as_u64().unwrap());
    let data = CoxData { time: &cohort.time, event: &cohort.event, x: &cohort.x, n_covariates: cohort.p };
    let rows: Vec<usize> = (0..cohort.time.len()).collect();

    // Cox fit: tight (eps 1e-10 as the script) and rms default eps 1e-4.
    let tight = fit_cox_efron(&data, &rows, CoxFitOptions { eps: 1e-10, max_iter: 100 }).unwrap();
    let default = fit_cox_efron(&data, &rows, CoxFitOptions::default()).unwrap();
    for (k, name) in covariates.iter().enumerate() {
        assert_close(&format!("coef {name}"), tight.coefficients[k], exp["cph"]["coef"][name].as_f64().unwrap(), 1e-9);
        assert_close(
            &format!("coef_default_eps {name}"),
            default.coefficients[k],
            exp["cph"]["coef_default_eps"][name].as_f64().unwrap(),
            1e-10,
        );
        tally.0 += 2;
    }
    assert_close("center", tight.center, exp["cph"]["center"].as_f64().unwrap(), 1e-9);
    let loglik = floats(&exp["cph"]["loglik"]);
    assert_close("loglik0", tight.loglik[0], loglik[0], 1e-12);
    assert_close("loglik", tight.loglik[1], loglik[1], 1e-12);
    tally.0 += 3;

    // Baseline survival (Efron-corrected, rms fit$surv) and its distance to Breslow.
    let lp: Vec<f64> = rows
        .iter()
        .map(|&i| (0..cohort.p).map(|k| tight.coefficients[k] * cohort.x[i * cohort.p + k]).sum::<f64>() - tight.center)
        .collect();
    let baseline = BaselineSurvival::from_cox(&cohort.time, &cohort.event, &lp, BaselineMethod::Efron).unwrap();
    let exp_times = floats(&exp["cph"]["baseline_time"]);
    let exp_surv = floats(&exp["cph"]["baseline_surv_at_lp0"]);
    assert_all_close("baseline times", &baseline.times, &exp_times, 0.0);
    assert_all_close("baseline survival", &baseline.survival, &exp_surv, 1e-9);
    tally.0 += exp_times.len() + exp_surv.len();
    let breslow = BaselineSurvival::from_cox(&cohort.time, &cohort.event, &lp, BaselineMethod::Breslow).unwrap();
    let max_diff = breslow.survival.iter().zip(&exp_surv).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert_close(
        "max |Breslow - rms|",
        max_diff,
        exp["cph"]["baseline_matches_survfit"]["max_abs_diff_ctype1"].as_f64().unwrap(),
        1e-8,
    );
    tally.0 += 1;

    // Nomogram.
    let nom_exp = &exp["nomogram"];
    let mut nom_covariates = Vec::new();
    for (k, name) in covariates.iter().enumerate() {
        let column: Vec<f64> = rows.iter().map(|&i| cohort.x[i * cohort.p + k]).collect();
        nom_covariates.push(NomogramCovariate::from_data(name, name, tight.coefficients[k], &column, 10).unwrap());
    }
    let lp_range = lp.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let model = CoxNomogramModel {
        covariates: nom_covariates,
        center: tight.center,
        baseline: baseline.clone(),
        linear_predictor_range: lp_range,
    };
    let times = floats(&exp["meta"]["times"]);
    let labels: Vec<String> = times.iter().map(|t| format!("S({t})")).collect();
    let options = NomogramOptions { times: times.clone(), time_labels: labels.clone(), ..Default::default() };
    let nom = Nomogram::build(&model, &options).unwrap();
    assert_close("sc", nom.scale, nom_exp["sc"].as_f64().unwrap(), 1e-8);
    assert_close("Intercept", nom.intercept, nom_exp["Intercept"].as_f64().unwrap(), 1e-8);
    tally.0 += 2;
    for (axis, name) in nom.covariates.iter().zip(covariates) {
        let v = &nom_exp["variables"][name];
        assert_all_close(&format!("{name} values"), &axis.values, &floats(&v["values"]), 0.0);
        assert_all_close(&format!("{name} Xbeta"), &axis.xbeta, &floats(&v["Xbeta"]), 1e-8);
        assert_all_close(&format!("{name} points"), &axis.points, &floats(&v["points"]), 1e-8);
        assert_all_close(
            &format!("{name} range"),
            &[axis.xbeta_range.0, axis.xbeta_range.1],
            &floats(&v["range_Xbeta"]),
            1e-8,
        );
        tally.0 += 3 * axis.values.len() + 2;
    }
    assert_all_close("total points axis", &nom.total_points_axis, &floats(&nom_exp["total_points_axis"]), 1e-12);
    assert_all_close(
        "lp axis values",
        &nom.linear_predictor_axis.values,
        &floats(&nom_exp["lp_axis"]["lp_centered"]),
        1e-12,
    );
    assert_all_close("lp axis points", &nom.linear_predictor_axis.points, &floats(&nom_exp["lp_axis"]["points"]), 1e-8);
    tally.0 += nom.total_points_axis.len() + 2 * nom.linear_predictor_axis.values.len();
    for (axis, label) in nom.survival_axes.iter().zip(&labels) {
        let e = &nom_exp["survival_axes"][label];
        assert_all_close(&format!("{label} survival ticks"), &axis.values, &floats(&e["survival"]), 1e-12);
        assert_all_close(&format!("{label} tick points"), &axis.points, &floats(&e["points"]), 1e-7);
        tally.0 += 2 * axis.values.len();
    }
    let grid = &exp["total_points_to_survival"];
    let tp = floats(&grid["total_points"]);
    let exp_lp = floats(&grid["lp_centered"]);
    for (i, &t) in tp.iter().enumerate() {
        assert_close(&format!("lp at {t} points"), nom.linear_predictor_from_points(t), exp_lp[i], 1e-8);
        tally.0 += 1;
        for (time, label) in times.iter().zip(&labels) {
            let s = floats(&grid[label]);
            assert_close(&format!("{label} at {t} points"), nom.survival_from_points(t, *time), s[i], 1e-8);
            tally.0 += 1;
        }
    }
    for patient in exp["patients"].as_array().unwrap() {
        let id = patient["id"].as_i64().unwrap();
        let row = cohort.ids.iter().position(|&i| i == id).unwrap();
        let x: Vec<f64> = (0..cohort.p).map(|k| cohort.x[row * cohort.p + k]).collect();
        let pred = nom.predict(&x).unwrap();
        assert_close(
            &format!("patient {id} points"),
            pred.total_points,
            patient["total_points"].as_f64().unwrap(),
            1e-8,
        );
        assert_close(
            &format!("patient {id} lp"),
            pred.linear_predictor,
            patient["lp_centered"].as_f64().unwrap(),
            1e-8,
        );
        for (k, label) in labels.iter().enumerate() {
            assert_close(
                &format!("patient {id} {label}"),
                pred.survival[k],
                patient["survival"][label].as_f64().unwrap(),
                1e-8,
            );
        }
        tally.0 += 2 + labels.len();
    }

    // Calibration (cmethod = "KM", method = "boot").
    let cal_exp = &exp["calibrate_KM"];
    let options = CalibrationOptions {
        time: cal_exp["u"].as_f64().unwrap(),
        patients_per_group: cal_exp["m"].as_u64().unwrap() as usize,
        bootstrap: cal_exp["B"].as_u64().unwrap() as usize,
        seed: cal_exp["seed"].as_i64().unwrap() as i32,
        rng: BootstrapRng::R,
        ..Default::default()
    };
    let cal_model = CalibrationModel { coefficients: &tight.coefficients, center: tight.center, baseline: &baseline };
    let cal = calibrate_cox(&data, &cal_model, &options).unwrap();
    let table = cal_exp["table"].as_array().unwrap();
    assert_eq!(cal.groups.len(), table.len(), "number of calibration groups");
    for (i, (g, row)) in cal.groups.iter().zip(table).enumerate() {
        let pairs = [
            ("index.orig", g.index_apparent),
            ("mean.predicted", g.mean_predicted),
            ("KM", g.observed),
            ("std.err", g.std_err),
        ];
        for (name, found) in pairs {
            match (found, opt_f64(&row[name])) {
                (Some(f), Some(e)) => assert_close(&format!("group {i} {name}"), f, e, 1e-8),
                (f, e) => assert_eq!(f.is_some(), e.is_some(), "group {i} {name}: {f:?} vs {e:?}"),
            }
            tally.0 += 1;
        }
    }
    for (i, (g, row)) in cal.groups.iter().zip(table).enumerate() {
        assert_eq!(g.resamples as u64, row["n"].as_u64().unwrap(), "group {i} resamples n");
        let pairs = [
            ("training", g.training),
            ("test", g.test),
            ("mean.optimism", g.optimism),
            ("mean.corrected", g.index_corrected),
            ("KM.corrected", g.observed_corrected),
        ];
        for (name, found) in pairs {
            assert_close(&format!("group {i} {name}"), found.unwrap(), row[name].as_f64().unwrap(), 1e-10);
            tally.0 += 1;
        }
        tally.0 += 1;
    }
    eprintln!("{json}: {} values matched", tally.0);
    tally.0
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn lung_nomogram_and_calibration_match_rms() {
    let n = check_dataset("lung.csv", "lung_nomogram.json", &["age", "sex", "ph.ecog"]);
    assert!(n > 500);
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn veteran_nomogram_and_calibration_match_rms() {
    let n = check_dataset("veteran.csv", "veteran_nomogram.json", &["karno", "age", "trt"]);
    assert!(n > 300);
}
