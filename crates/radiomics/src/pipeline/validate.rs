//! The `validate` stage: signature scores for every patient, and per cohort the C-index with
//! its 95% CI, the risk groups at the cut point chosen on discovery, Kaplan-Meier medians, the
//! G-rho log-rank test, the hazard ratio of the groups, and the combined Cox model of the score
//! with the clinical covariates.

use anyhow::Context;
use radiomics_survival::missing::median_ignoring_nan;
use radiomics_survival::{
    ConfType, Covariates, CoxOptions, KaplanMeier, MaxstatOptions, SurvivalData, Ties, concordance, fit_cox,
    hazard_ratio, logrank_two_groups, maxstat_logrank,
};
use serde_json::{Value, json};

use radiomics_nomogram::report::clip_c_index_ci;

use super::config::{Config, CutRule};
use super::fit::Signature;
use super::layout::{Layout, write_atomic};
use super::manifest::Cohort;
use super::provenance::{Meta, write_csv_meta, write_json_with_meta};
use super::study::Study;
use super::table::format_cell;

/// Method of the C-index confidence intervals in `validation.json`.
const CI_METHOD: &str = "normal approximation C +/- 1.96 SE (R survival::concordance), truncated to [0, 1]";

/// The cut point and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct CutPoint {
    /// Score threshold: `score > cut` is the high-risk group.
    pub cut: f64,
    /// The rule that produced it.
    pub rule: String,
    /// Lau94 corrected p-value of the maximally selected statistic (discovery-optimal rule
    /// only).
    pub corrected_p: Option<f64>,
    /// The maximally selected standardised log-rank statistic (discovery-optimal rule only).
    pub statistic: Option<f64>,
    /// Conditional Monte Carlo p-value over 1000 seeded permutations (discovery-optimal rule
    /// only).
    pub p_permutation: Option<f64>,
}

fn choose_cut(rule: CutRule, scores: &[f64], data: &SurvivalData) -> anyhow::Result<CutPoint> {
    Ok(match rule {
        CutRule::Fixed(v) => {
            CutPoint { cut: v, rule: format!("fixed {v}"), corrected_p: None, statistic: None, p_permutation: None }
        }
        CutRule::Median => CutPoint {
            cut: median_ignoring_nan(scores).context("no discovery score")?,
            rule: "discovery median".into(),
            corrected_p: None,
            statistic: None,
            p_permutation: None,
        },
        CutRule::DiscoveryOptimal => {
            let options = MaxstatOptions { permutations: 1000, seed: 1, ..MaxstatOptions::default() };
            let m = maxstat_logrank(data, scores, &options)
                .context("maximally selected log-rank cut point on the discovery cohort")?;
            CutPoint {
                cut: m.estimate,
                rule: format!(
                    "discovery-optimal: maximally selected log-rank statistic (maxstat), low-group share {:.1}-{:.1}",
                    options.min_prop, options.max_prop
                ),
                corrected_p: Some(m.p_lau94),
                statistic: Some(m.statistic),
                p_permutation: m.p_permutation,
            }
        }
    })
}

/// Statistics of one cohort; `Value::Null` entries where a statistic is undefined (for example
/// a group without patients), with the reason in `notes`.
fn cohort_statistics(name: &str, scores: &[f64], data: &SurvivalData, cut: f64, rho: f64) -> Value {
    let mut notes: Vec<String> = Vec::new();
    let c = match concordance(data, scores) {
        Ok(c) => {
            let (lower, upper) = clip_c_index_ci(c.lower95, c.upper95);
            json!({ "c_index": c.c_index, "lower95": lower, "upper95": upper, "std_error": c.std_error,
                    "ci_method": CI_METHOD, "concordant": c.concordant, "discordant": c.discordant,
                    "tied_risk": c.tied_risk })
        }
        Err(e) => {
            notes.push(format!("C-index: {e}"));
            Value::Null
        }
    };
    let high: Vec<bool> = scores.iter().map(|s| *s > cut).collect();
    let groups: Vec<Value> = [false, true]
        .iter()
        .map(|&g| {
            let rows: Vec<usize> = (0..high.len()).filter(|&i| high[i] == g).collect();
            let label = if g { "high" } else { "low" };
            if rows.is_empty() {
                notes.push(format!("the {label}-risk group is empty"));
                return json!({ "group": label, "n": 0 });
            }
            let sub = data.subset(&rows);
            let km = KaplanMeier::fit(&sub).ok();
            let median = km.as_ref().and_then(|k| k.median(ConfType::Log, 0.95).ok());
            json!({
                "group": label,
                "n": rows.len(),
                "events": sub.n_events(),
                "median_survival": median.as_ref().and_then(|m| m.median),
                "median_lower95": median.as_ref().and_then(|m| m.lower),
                "median_upper95": median.as_ref().and_then(|m| m.upper),
            })
        })
        .collect();
    let logrank = match logrank_two_groups(data, &high, rho) {
        Ok(t) => {
            json!({ "rho": rho, "chi_square": t.test.statistic, "df": t.test.df, "p_value": t.test.p_value })
        }
        Err(e) => {
            notes.push(format!("G-rho test: {e}"));
            Value::Null
        }
    };
    let hr = match hazard_ratio(data, &high, Ties::Efron) {
        Ok(h) => {
            json!({ "hazard_ratio": h.hazard_ratio, "lower95": h.lower95, "upper95": h.upper95, "wald_p": h.wald_p })
        }
        Err(e) => {
            notes.push(format!("hazard ratio: {e}"));
            Value::Null
        }
    };
    json!({
        "cohort": name,
        "patients": data.len(),
        "events": data.n_events(),
        "concordance": c,
        "groups": groups,
        "logrank": logrank,
        "hazard_ratio_high_vs_low": hr,
        "notes": notes,
    })
}

/// Validation results needed by the caller (the full set is in `validation.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationSummary {
    /// C-index of the signature in the discovery cohort, with its 95% CI.
    pub discovery_c: Option<(f64, f64, f64)>,
    /// C-index of the signature in the validation cohort, with its 95% CI.
    pub validation_c: Option<(f64, f64, f64)>,
    /// Cut point (NaN when the signature is empty).
    pub cut: f64,
}

/// Runs the `validate` stage on the files of `layout`.
pub fn run_validate(config: &Config, layout: &Layout) -> anyhow::Result<ValidationSummary> {
    let study = Study::load(layout)?;
    let signature = Signature::read(layout)?;
    if signature.is_empty() {
        return validate_empty_signature(config, layout, &study, &signature);
    }
    let scores = signature.scores(&study)?;
    let rho = config.validation.rho;

    let outcome = |cohort: Cohort| -> anyhow::Result<Option<(Vec<usize>, SurvivalData)>> {
        let rows = study.rows_with_outcome(cohort);
        if rows.is_empty() {
            return Ok(None);
        }
        let (t, e) = study.outcome(&rows);
        Ok(Some((rows, SurvivalData::new(&t, &e).with_context(|| format!("{} outcomes", cohort.as_str()))?)))
    };
    let (disc_rows, disc_data) = outcome(Cohort::Discovery)?.context("no discovery patient has time and event")?;
    let disc_scores: Vec<f64> = disc_rows.iter().map(|&i| scores[i]).collect();
    let cut = choose_cut(config.validation.cut_rule()?, &disc_scores, &disc_data)?;

    let mut cohorts = Vec::new();
    let mut c_of = [None, None];
    for (k, cohort) in [Cohort::Discovery, Cohort::Validation].into_iter().enumerate() {
        let Some((rows, data)) = outcome(cohort)? else {
            tracing::warn!("no {} patient has time and event", cohort.as_str());
            continue;
        };
        let s: Vec<f64> = rows.iter().map(|&i| scores[i]).collect();
        let stats = cohort_statistics(cohort.as_str(), &s, &data, cut.cut, rho);
        if let Some(c) = stats["concordance"]["c_index"].as_f64() {
            c_of[k] = Some((
                c,
                stats["concordance"]["lower95"].as_f64().unwrap_or(f64::NAN),
                stats["concordance"]["upper95"].as_f64().unwrap_or(f64::NAN),
            ));
        }
        cohorts.push(stats);
    }

    // Combined Cox model: score + clinical covariates, fitted on discovery complete cases.
    let combined = combined_model(config, &study, Some(&scores), &disc_rows).unwrap_or_else(|e| {
        tracing::warn!("combined model: {e:#}");
        json!({ "error": format!("{e:#}") })
    });

    // scores.csv
    let mut out = String::from("id,cohort,score,group,time,event\n");
    for (i, row) in study.clinical.rows.iter().enumerate() {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            row.id,
            row.cohort.as_str(),
            format_cell(scores[i]),
            if scores[i] > cut.cut { "high" } else { "low" },
            row.time.map(format_cell).unwrap_or_default(),
            row.event.map(|e| u8::from(e).to_string()).unwrap_or_default()
        ));
    }
    layout.create(Some(layout.validation_dir()))?;
    write_atomic(&layout.scores_csv(), out.as_bytes())?;
    let meta = Meta::new("validate", config, config.model.seed);
    write_csv_meta(&layout.scores_csv(), &meta)?;
    let body = json!({
        "signature_features": signature.terms.len(),
        "cut_point": { "cut": cut.cut, "rule": cut.rule, "corrected_p_lau94": cut.corrected_p,
                       "statistic": cut.statistic, "p_permutation": cut.p_permutation, "high_risk": "score > cut" },
        "cohorts": cohorts,
        "combined_model": combined,
    });
    write_json_with_meta(&layout.validation_json(), &meta, body)?;
    Ok(ValidationSummary { discovery_c: c_of[0], validation_c: c_of[1], cut: cut.cut })
}

/// Writes `validation.json` of an empty signature: no score, cut point or risk group, the
/// patients and events per cohort, and the Cox model of the clinical covariates alone (if any).
fn validate_empty_signature(
    config: &Config,
    layout: &Layout,
    study: &Study,
    signature: &Signature,
) -> anyhow::Result<ValidationSummary> {
    let message =
        super::fit::empty_signature_message(&signature.lambda_choice, signature.lambda_used, config.model.lambda);
    tracing::warn!("{message}");
    let mut cohorts = Vec::new();
    let mut disc_rows = Vec::new();
    for cohort in [Cohort::Discovery, Cohort::Validation] {
        let rows = study.rows_with_outcome(cohort);
        let events = rows.iter().filter(|&&i| study.clinical.rows[i].event == Some(true)).count();
        cohorts.push(json!({ "cohort": cohort.as_str(), "patients": rows.len(), "events": events,
                             "concordance": Value::Null, "notes": [message.clone()] }));
        if cohort == Cohort::Discovery {
            disc_rows = rows;
        }
    }
    let combined = if config.model.clinical.is_empty() {
        json!({ "error": "no signature score and no clinical covariate: there is no model to fit" })
    } else {
        combined_model(config, study, None, &disc_rows).unwrap_or_else(|e| {
            tracing::warn!("combined model: {e:#}");
            json!({ "error": format!("{e:#}") })
        })
    };
    layout.create(Some(layout.validation_dir()))?;
    let meta = Meta::new("validate", config, config.model.seed);
    let body = json!({
        "signature_features": 0,
        "signature_empty": true,
        "message": message,
        "cut_point": Value::Null,
        "cohorts": cohorts,
        "combined_model": combined,
    });
    write_json_with_meta(&layout.validation_json(), &meta, body)?;
    Ok(ValidationSummary { discovery_c: None, validation_c: None, cut: f64::NAN })
}

/// Fits `score + clinical` on discovery (the clinical covariates alone when `scores` is
/// `None`) and reports its terms and C-index per cohort.
fn combined_model(
    config: &Config,
    study: &Study,
    scores: Option<&[f64]>,
    disc_rows: &[usize],
) -> anyhow::Result<Value> {
    let clinical = &config.model.clinical;
    let mut columns: Vec<Vec<Option<f64>>> = Vec::new();
    let mut names = Vec::new();
    if let Some(scores) = scores {
        columns.push(scores.iter().map(|s| Some(*s)).collect());
        names.push("score".to_string());
    }
    for c in clinical {
        columns.push(study.clinical.numeric_column(c)?);
    }
    let complete = |i: usize| columns.iter().all(|col| col[i].is_some());
    let rows: Vec<usize> = disc_rows.iter().copied().filter(|&i| complete(i)).collect();
    let left_out = disc_rows.len() - rows.len();
    let (t, e) = study.outcome(&rows);
    let data = SurvivalData::new(&t, &e)?;
    names.extend(clinical.iter().cloned());
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let x_of = |rows: &[usize]| -> Vec<Vec<f64>> {
        columns.iter().map(|col| rows.iter().map(|&i| col[i].expect("complete rows")).collect()).collect()
    };
    let x = Covariates::from_columns(&refs, &x_of(&rows))?;
    let fit = fit_cox(&data, &x, &CoxOptions::default()).context("Cox model of score + clinical covariates")?;
    let terms: Vec<Value> = fit
        .terms
        .iter()
        .map(|t| json!({ "name": t.name, "coefficient": t.coefficient, "std_error": t.std_error, "hazard_ratio": t.hazard_ratio,
                         "lower95": t.hr_lower95, "upper95": t.hr_upper95, "p_value": t.p_value }))
        .collect();
    let mut per_cohort = Vec::new();
    for cohort in [Cohort::Discovery, Cohort::Validation] {
        let rows: Vec<usize> = study.rows_with_outcome(cohort).into_iter().filter(|&i| complete(i)).collect();
        if rows.is_empty() {
            continue;
        }
        let (t, e) = study.outcome(&rows);
        let d = SurvivalData::new(&t, &e)?;
        let lp = fit.linear_predictor(&Covariates::from_columns(&refs, &x_of(&rows))?)?;
        let c = concordance(&d, &lp).ok();
        let ci = c.as_ref().map(|c| clip_c_index_ci(c.lower95, c.upper95));
        per_cohort.push(json!({
            "cohort": cohort.as_str(),
            "patients": rows.len(),
            "c_index": c.as_ref().map(|c| c.c_index),
            "lower95": ci.map(|ci| ci.0),
            "upper95": ci.map(|ci| ci.1),
            "ci_method": CI_METHOD,
        }));
    }
    Ok(json!({
        "covariates": names,
        "ties": "efron",
        "discovery_patients": rows.len(),
        "discovery_left_out_incomplete": left_out,
        "terms": terms,
        "loglik": fit.loglik,
        "lr_test_p": fit.lr_test.p_value,
        "converged": fit.convergence.converged(),
        "concordance": per_cohort,
    }))
}
