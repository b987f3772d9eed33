//! Cox regression against R survival 3.5-3 `coxph` (expected/*_cox.json, made by
//! shared/tools/survival-reference/cox.R with eps = 1e-11; the command is in each JSON's meta).
// R prints 17 significant digits.
#![allow(clippy::excessive_precision)]

mod common;
use common::*;
use radiomics_survival::{BaselineType, CoxOptions, Ties, fit_cox, hazard_ratio};

fn check(json: &str, csv: &str) {
    let exp = read_json(json);
    let covs: Vec<String> =
        exp["meta"]["covariates"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let cov_refs: Vec<&str> = covs.iter().map(String::as_str).collect();
    let table = read_csv(csv);
    let (data, x, ids) = data_and_x(&table, &cov_refs);
    assert_eq!(data.len() as f64, f(&exp["meta"]["n"]));
    let rel = 1e-6;
    for (key, ties) in [("breslow", Ties::Breslow), ("efron", Ties::Efron)] {
        let e = &exp[key];
        let opts = CoxOptions { ties, eps: 1e-11, max_iter: 100, ..CoxOptions::default() };
        let fit = fit_cox(&data, &x, &opts).unwrap();
        assert!(fit.convergence.converged());
        for (j, name) in covs.iter().enumerate() {
            let t = &fit.terms[j];
            let w = format!("{json} {key} {name}");
            close(t.coefficient, f(&e["coef"][name]), rel, 0.0, &format!("{w} coef"));
            close(t.std_error, f(&e["se"][name]), rel, 0.0, &format!("{w} se"));
            close(t.z, f(&e["z"][name]), rel, 0.0, &format!("{w} z"));
            close(t.p_value, f(&e["p"][name]), rel, 0.0, &format!("{w} p"));
            close(t.hazard_ratio, f(&e["hr"][name]), rel, 0.0, &format!("{w} hr"));
            close(t.hr_lower95, f(&e["hr_lower95"][name]), rel, 0.0, &format!("{w} lo"));
            close(t.hr_upper95, f(&e["hr_upper95"][name]), rel, 0.0, &format!("{w} hi"));
            close(fit.means[j], f(&e["means"][name]), 1e-12, 0.0, &format!("{w} mean"));
            for k in 0..covs.len() {
                close(
                    fit.variance[j][k],
                    f(&e["var"][j][k]),
                    rel,
                    1e-3 * f(&e["var"][j][j]).abs(),
                    &format!("{w} var[{k}]"),
                );
            }
        }
        close(fit.loglik, f(&e["loglik"]), 1e-10, 0.0, "loglik");
        close(fit.loglik_null, f(&e["loglik_null"]), 1e-10, 0.0, "loglik_null");
        close(fit.lr_test.statistic, f(&e["lr_test"]["stat"]), rel, 0.0, "lr");
        close(fit.lr_test.p_value, f(&e["lr_test"]["p"]), rel, 0.0, "lr p");
        close(fit.score_test.statistic, f(&e["score_test"]["stat"]), rel, 0.0, "score");
        close(fit.score_test.p_value, f(&e["score_test"]["p"]), rel, 0.0, "score p");
        // summary(coxph) rounds the Wald statistic to 2 decimals.
        assert!((fit.wald_test.statistic - f(&e["wald_test"]["stat"])).abs() <= 0.005 + 1e-12);
        assert_eq!(fit.convergence.iterations as f64, f(&e["iterations"]), "{key} iterations");

        let bl = &e["baseline"];
        let times = vec_f(&bl["times"]);
        for (k, &t) in times.iter().enumerate() {
            let h = fit.baseline.cumulative_hazard(t, BaselineType::Breslow);
            close(h, f(&bl["breslow_ctype1_at_zero"][k]), rel, 0.0, "H0 at zero");
            // At the means: H0(t) exp(mean' beta).
            let lp_mean: f64 = fit.means.iter().zip(&fit.coefficients).map(|(a, b)| a * b).sum();
            close(h * lp_mean.exp(), f(&bl["breslow_ctype1_at_mean"][k]), rel, 0.0, "H0 at mean");
            if ties == Ties::Efron {
                let he = fit.baseline.cumulative_hazard(t, BaselineType::Efron);
                close(he, f(&bl["efron_ctype2_at_zero"][k]), rel, 0.0, "H0 efron");
            }
        }
        close_vec(&fit.baseline.time, &vec_f(&bl["full_ctype1_at_zero"]["time"]), 0.0, 0.0, "times");
        close_vec(&fit.baseline.cumhaz_breslow, &vec_f(&bl["full_ctype1_at_zero"]["cumhaz"]), rel, 0.0, "full H0");
        let pred = &e["predicted"];
        for row in pred["rows"].as_array().unwrap() {
            let id = f(&row["id"]);
            let i = ids.iter().position(|&v| v == id).unwrap();
            let xi = x.row(i);
            let lp: f64 = xi.iter().zip(&fit.coefficients).map(|(a, b)| a * b).sum();
            close(lp, f(&row["lp"]), rel, 0.0, "lp");
            let s1 = fit.predict_survival(&xi, &times, BaselineType::Breslow).unwrap();
            close_vec(&s1, &vec_f(&row["surv_ctype1"]), rel, 0.0, "S ctype1");
            let kind = if ties == Ties::Efron { BaselineType::Efron } else { BaselineType::Breslow };
            let sd = fit.predict_survival(&xi, &times, kind).unwrap();
            close_vec(&sd, &vec_f(&row["surv_default"]), rel, 0.0, "S default");
        }
    }
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn lung_cox_matches_coxph() {
    check("lung_cox.json", "lung.csv");
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn veteran_cox_matches_coxph() {
    check("veteran_cox.json", "veteran.csv");
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn lung_linear_predictors_match_the_lp_csv() {
    let table = read_csv("lung.csv");
    let (data, x, ids) = data_and_x(&table, &["age", "sex", "ph.ecog"]);
    let lp = read_csv("expected/lung_cox_lp.csv");
    for (col, ties) in [("lp_efron", Ties::Efron), ("lp_breslow", Ties::Breslow)] {
        let opts = CoxOptions { ties, eps: 1e-11, max_iter: 100, ..CoxOptions::default() };
        let fit = fit_cox(&data, &x, &opts).unwrap();
        let ours = fit.linear_predictor(&x).unwrap();
        assert_eq!(lp.col("id"), ids.as_slice());
        close_vec(&ours, lp.col(col), 1e-6, 1e-3, col);
    }
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn lung_sex_hazard_ratio_matches_univariate_coxph() {
    // Expected values: R 4.2.2, survival 3.5-3, on the 227 lung rows complete on age, sex,
    // ph.ecog: summary(coxph(Surv(time, event) ~ I(sex == 2), data = d,
    //   control = coxph.control(eps = 1e-11, iter.max = 100)))
    let table = read_csv("lung.csv");
    let (data, x, _) = data_and_x(&table, &["age", "sex", "ph.ecog"]);
    let female: Vec<bool> = x.column(1).iter().map(|&v| v == 2.0).collect();
    let hr = hazard_ratio(&data, &female, Ties::Efron).unwrap();
    close(hr.hazard_ratio, 0.5923300586381075, 1e-6, 0.0, "hr");
    close(hr.lower95, 0.42663617756848626, 1e-6, 0.0, "lower");
    close(hr.upper95, 0.8223749339913925, 1e-6, 0.0, "upper");
    close(hr.std_error, 0.16741756824321208, 1e-6, 0.0, "se");
    close(hr.wald_p, 0.001_759_675_838_587_457, 1e-6, 0.0, "wald p");
    close(hr.lr_test.statistic, 10.299073039881478, 1e-6, 0.0, "lr");
    close(hr.score_test.statistic, 10.007036776449148, 1e-6, 0.0, "score");
    assert_eq!(hr.n, [137, 90]);
    assert_eq!(hr.events, [111, 53]);
}
