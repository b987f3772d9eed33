//! Cut points against R maxstat 0.7-25 `maxstat.test` and the exhaustive `survdiff` search of
//! shared/tools/survival-reference/cutpoint.R (expected/*_cutpoint_*.json; the command is in
//! each JSON's meta block).
//!
//! exactGauss: the JSON's `exactGauss_seeded` is mvtnorm's randomised Genz integration at its
//! default `abseps = 0.001`, too coarse for a check, so each test also records the same
//! probability integrated much further, produced on this machine (R 4.2.2, maxstat 0.7-25,
//! mvtnorm 1.1-3) for the cuts and statistic `M` of that JSON with
//!   cm <- maxstat:::corrmsrs(sort(score), 0.1, 0.9); set.seed(1)
//!   p <- pmvnorm(lower = rep(-M, nrow(cm)), upper = rep(M, nrow(cm)), corr = cm,
//!                algorithm = GenzBretz(maxpts = 5e6, abseps = 1e-10, releps = 0))
//!   1 - p; attr(p, "error")
//! (the score and complete rows as in cutpoint.R). This crate's deterministic value must lie
//! within 3 of Genz's error estimates of it, and within the default run's `abseps` of the
//! JSON value.

mod common;
use common::*;
use radiomics_survival::{MaxstatOptions, cutpoint_logrank, maxstat_logrank};

/// (1 - p, Genz error estimate) of the tight pmvnorm run of the module documentation.
type Genz = (f64, f64);

const REL: f64 = 1e-6;

fn check(json: &str, csv: &str, genz: Genz) {
    let e = read_json(json);
    let args = &e["meta"]["args"];
    let table = read_csv(csv);
    let complete: Vec<&str> = args["complete"].as_str().map(|s| s.split(',').collect()).unwrap_or_default();
    let (data, _, ids) = data_and_x(&table, &complete);
    let spec = args["score"].as_str().unwrap();
    let score: Vec<f64> = if let Some(col) = spec.strip_prefix("col:") {
        ids.iter().map(|id| table.col(col)[table.col("id").iter().position(|v| v == id).unwrap()]).collect()
    } else {
        let parts: Vec<&str> = spec.strip_prefix("file:").unwrap().split(':').collect();
        let f = read_csv(&format!("expected/{}", parts[0]));
        ids.iter().map(|id| f.col(parts[1])[f.col("id").iter().position(|v| v == id).unwrap()]).collect()
    };
    let x = &e["xtile_style"];
    let ex = cutpoint_logrank(&data, &score, 0.1, 0.9).unwrap();
    close(ex.quantile_low, f(&x["quantile_low"]), 1e-12, 0.0, "q low");
    close(ex.quantile_high, f(&x["quantile_high"]), 1e-12, 0.0, "q high");
    close_vec(&ex.candidates, &vec_f(&x["candidates"]), 1e-12, 0.0, "candidates");
    close_vec(&ex.chisq, &vec_f(&x["chisq"]), REL, 0.0, &format!("{json} chisq"));
    let nl: Vec<f64> = ex.n_low.iter().map(|&v| v as f64).collect();
    close_vec(&nl, &vec_f(&x["n_low"]), 0.0, 0.0, "n_low");
    close(ex.best_cut, f(&x["best_cut"]), 1e-12, 0.0, "best cut");
    close(ex.p_naive, f(&x["p_naive"]), REL, 0.0, "p naive");
    assert_eq!(ex.n_low_at_best as f64, f(&x["n_low_at_best"]));

    let m = &e["maxstat"];
    let ms =
        maxstat_logrank(&data, &score, &MaxstatOptions { permutations: 9999, seed: 1, ..Default::default() }).unwrap();
    close(ms.estimate, f(&m["estimate"]), 1e-12, 0.0, "estimate");
    close(ms.statistic, f(&m["statistic_M"]), REL, 0.0, &format!("{json} M"));
    close_vec(&ms.cuts, &vec_f(&m["cuts"]), 1e-12, 0.0, "cuts");
    close_vec(&ms.stats, &vec_f(&m["stats"]), REL, 0.0, "stats");
    close(ms.p_lau94, f(&m["p_values"]["Lau94"]), REL, 0.0, "Lau94");
    close(ms.p_lau92, f(&m["p_values"]["Lau92"]).min(1.0), REL, 0.0, "Lau92");
    // Different random streams: agree within 4 Monte Carlo standard errors of B = 9999
    // (R reports exceed/B, this crate (1 + exceed)/(B + 1), so allow 1/B more).
    let b = 9999.0;
    let r = f(&m["p_values"]["condMC_B9999_seeded"]);
    let se = (r.max(1.0 / b) * (1.0 - r) / b).sqrt();
    let ours = ms.p_permutation.unwrap();
    assert!((ours - r).abs() < 4.0 * se + 1.0 / b, "condMC {ours} vs {r}");
    assert_eq!(ms.n_low_at_estimate as f64, f(&m["n_low_at_estimate"]));
    let (p_tight, err) = genz;
    assert!(
        (ms.p_exact_gauss - p_tight).abs() <= 3.0 * err,
        "exactGauss {} vs Genz {p_tight} +- {err}",
        ms.p_exact_gauss
    );
    let p_default = f(&m["p_values"]["exactGauss_seeded"]);
    assert!((ms.p_exact_gauss - p_default).abs() <= 1e-3, "exactGauss {} vs default {p_default}", ms.p_exact_gauss);
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn lung_age_cut_points() {
    check("lung_cutpoint_age.json", "lung.csv", (0.272507759432774, 5.23e-05));
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn lung_cox_lp_cut_points() {
    check("lung_cutpoint_coxlp.json", "lung.csv", (2.85737211003223e-07, 2.99e-08));
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn veteran_karno_cut_points() {
    check("veteran_cutpoint_karno.json", "veteran.csv", (1.6700126986291e-05, 7.47e-07));
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn veteran_cox_lp_cut_points() {
    check("veteran_cutpoint_coxlp.json", "veteran.csv", (2.24150467831308e-06, 4.34e-07));
}
