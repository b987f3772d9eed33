//! Kaplan-Meier and G-rho log-rank tests against R survival 3.5-3 `survfit` and `survdiff`
//! (expected/*_km.json and *_logrank.json, made by shared/tools/survival-reference/km.R and
//! logrank.R; the commands are in each JSON's meta block).

mod common;
use common::*;
use radiomics_survival::{ConfType, KaplanMeier, SurvivalData, logrank_test};
use serde_json::Value;

const REL: f64 = 1e-6;

fn check_curve(km: &KaplanMeier, e: &Value, what: &str) {
    let t = &e["table"];
    close_vec(&km.time, &vec_f(&t["time"]), 0.0, 0.0, &format!("{what} time"));
    let as_f = |v: &[usize]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
    close_vec(&as_f(&km.n_risk), &vec_f(&t["n_risk"]), 0.0, 0.0, "n_risk");
    close_vec(&as_f(&km.n_event), &vec_f(&t["n_event"]), 0.0, 0.0, "n_event");
    close_vec(&as_f(&km.n_censor), &vec_f(&t["n_censor"]), 0.0, 0.0, "n_censor");
    close_vec(&km.surv, &vec_f(&t["surv"]), REL, 1e-12, &format!("{what} surv"));
    close_vec(&km.std_err, &vec_f(&t["std_err"]), REL, 0.0, &format!("{what} std_err"));
    close_vec(&km.std_err_survival(), &vec_f(&t["se_surv"]), REL, 1e-12, "se_surv");
    for (ct, key) in [(ConfType::Log, "log"), (ConfType::LogLog, "log_log"), (ConfType::Plain, "plain")] {
        let band = km.confidence_band(ct, 0.95).unwrap();
        let w = format!("{what} {key}");
        close_vec(&band.lower, &vec_f(&t[format!("lower_{key}")]), REL, 1e-12, &format!("{w} lower"));
        close_vec(&band.upper, &vec_f(&t[format!("upper_{key}")]), REL, 1e-12, &format!("{w} upper"));
        let m = km.median(ct, 0.95).unwrap();
        let em = &e["median"][key];
        let opt = |v: Option<f64>| v.unwrap_or(f64::NAN);
        close(opt(m.median), f(&em["median"]), 0.0, 0.0, &format!("{w} median"));
        close(opt(m.lower), f(&em["lower95"]), 0.0, 0.0, &format!("{w} median lower"));
        close(opt(m.upper), f(&em["upper95"]), 0.0, 0.0, &format!("{w} median upper"));
        if !e["at_times"].is_null() {
            let at = &e["at_times"];
            let times = vec_f(&at["time"]);
            let s = km.at_times(&times, ct, 0.95).unwrap();
            close_vec(&as_f(&s.n_risk), &vec_f(&at["n_risk"]), 0.0, 0.0, "at n_risk");
            close_vec(&s.surv, &vec_f(&at["surv"]), REL, 0.0, "at surv");
            close_vec(&s.std_err_surv, &vec_f(&at["std_err_surv"]), REL, 0.0, "at se");
            close_vec(&s.lower, &vec_f(&at[format!("lower_{key}")]), REL, 0.0, "at lower");
            close_vec(&s.upper, &vec_f(&at[format!("upper_{key}")]), REL, 0.0, "at upper");
        }
    }
    let tau = *km.time.last().unwrap();
    close(km.restricted_mean(tau).unwrap(), f(&e["rmean"]), REL, 0.0, "rmean");
}

fn dataset(json: &Value, csv: &str) -> (SurvivalData, Vec<f64>) {
    let table = read_csv(csv);
    let complete: Vec<&str> =
        json["meta"]["args"]["complete"].as_str().map(|s| s.split(',').collect()).unwrap_or_default();
    let group = json["meta"]["args"]["group"].as_str().unwrap();
    let mut covs = complete.clone();
    if !covs.contains(&group) {
        covs.push(group);
    }
    let (data, x, _) = data_and_x(&table, &covs);
    let g = x.column(x.column_index(group).unwrap()).to_vec();
    (data, g)
}

fn check_km(json: &str, csv: &str) {
    let e = read_json(json);
    let (data, g) = dataset(&e, csv);
    check_curve(&KaplanMeier::fit(&data).unwrap(), &e["overall"], "overall");
    for (label, ge) in e["groups"].as_object().unwrap() {
        let v: f64 = label.parse().unwrap();
        let rows: Vec<usize> = (0..g.len()).filter(|&i| g[i] == v).collect();
        check_curve(&KaplanMeier::fit(&data.subset(&rows)).unwrap(), ge, label);
    }
}

fn check_logrank(json: &str, csv: &str) {
    let e = read_json(json);
    let (data, g) = dataset(&e, csv);
    let gi: Vec<usize> = g.iter().map(|&v| v as usize).collect();
    for key in ["rho0", "rho1"] {
        let er = &e[key];
        let r = logrank_test(&data, &gi, f(&er["rho"])).unwrap();
        close(r.test.statistic, f(&er["chisq"]), REL, 0.0, &format!("{json} {key} chisq"));
        close(r.test.p_value, f(&er["p"]), REL, 0.0, "p");
        assert_eq!(r.test.df, f(&er["df"]));
        for (k, label) in r.groups.iter().enumerate() {
            let l = label.to_string();
            close(r.observed[k], f(&er["observed"][&l]), REL, 0.0, "observed");
            close(r.expected[k], f(&er["expected"][&l]), REL, 0.0, "expected");
            assert_eq!(r.n[k] as f64, f(&er["n"][&l]));
            for m in 0..r.groups.len() {
                close(r.variance[k][m], f(&er["var"][k][m]), REL, 0.0, "var");
            }
        }
    }
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn lung_km_by_sex_matches_survfit() {
    check_km("lung_km.json", "lung.csv");
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn veteran_km_by_treatment_matches_survfit() {
    check_km("veteran_km.json", "veteran.csv");
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn lung_logrank_by_sex_matches_survdiff() {
    check_logrank("lung_logrank.json", "lung.csv");
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn veteran_logrank_by_treatment_matches_survdiff() {
    check_logrank("veteran_logrank.json", "veteran.csv");
}
