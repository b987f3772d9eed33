//! Concordance against R survival 3.5-3 `concordance`, Hmisc 4.8-0 `rcorr.cens` and the
//! survcomp re-implementation in shared/tools/survival-reference/cindex.R
//! (expected/*_cindex_*.json; the commands are in each JSON's meta block).

mod common;
use common::*;
use radiomics_survival::{SurvcompMethod, concordance, concordance_survcomp};
use serde_json::Value;

const REL: f64 = 1e-6;

fn check(json: &str, csv: &str) {
    let e = read_json(json);
    let args = &e["meta"]["args"];
    let table = read_csv(csv);
    let complete: Vec<&str> = args["complete"].as_str().map(|s| s.split(',').collect()).unwrap_or_default();
    let (data, _, ids) = data_and_x(&table, &complete);
    let spec = args["score"].as_str().unwrap();
    let score: Vec<f64> = if let Some(col) = spec.strip_prefix("col:") {
        let all = table.col(col);
        ids.iter().map(|id| all[table.col("id").iter().position(|v| v == id).unwrap()]).collect()
    } else {
        let parts: Vec<&str> = spec.strip_prefix("file:").unwrap().split(':').collect();
        let f = read_csv(&format!("expected/{}", parts[0]));
        ids.iter().map(|id| f.col(parts[1])[f.col("id").iter().position(|v| v == id).unwrap()]).collect()
    };
    let risk: Vec<f64> =
        if args["higher-is-better"] == Value::Bool(true) { score.iter().map(|s| -s).collect() } else { score };
    let c = concordance(&data, &risk).unwrap();
    let s = &e["survival_concordance"];
    close(c.c_index, f(&s["C"]), REL, 0.0, &format!("{json} C"));
    close(c.std_error, f(&s["std_err"]), REL, 0.0, &format!("{json} se"));
    close(c.lower95, f(&s["lower95"]), REL, 0.0, "lower");
    close(c.upper95, f(&s["upper95"]), REL, 0.0, "upper");
    assert_eq!(c.concordant as f64, f(&s["counts"]["concordant"]));
    assert_eq!(c.discordant as f64, f(&s["counts"]["discordant"]));
    assert_eq!(c.tied_risk as f64, f(&s["counts"]["tied.x"]));
    assert_eq!(c.tied_time as f64, f(&s["counts"]["tied.y"]));
    assert_eq!(c.tied_time_and_risk as f64, f(&s["counts"]["tied.xy"]));
    // Hmisc reports the same C and se(C) = S.D.(Dxy) / 2.
    close(c.std_error, f(&e["hmisc_rcorr_cens"]["se_C"]), REL, 0.0, "hmisc se");
    let sc = &e["survcomp_style"];
    for (key, outx, method) in [
        ("noether_outx_true", true, SurvcompMethod::Noether),
        ("conservative_outx_true", true, SurvcompMethod::Conservative),
        ("noether_outx_false", false, SurvcompMethod::Noether),
    ] {
        let r = concordance_survcomp(&data, &risk, outx, method).unwrap();
        let x = &sc[key];
        close(r.c_index, f(&x["C"]), REL, 0.0, &format!("{key} C"));
        close(r.std_error.unwrap_or(f64::NAN), f(&x["se"]), REL, 0.0, &format!("{key} se"));
        close(r.lower95, f(&x["lower95"]), REL, 0.0, &format!("{key} lower"));
        close(r.upper95, f(&x["upper95"]), REL, 0.0, &format!("{key} upper"));
        close(r.p_value.unwrap_or(f64::NAN), f(&x["p_value_two_sided"]), REL, 0.0, "p");
        close(r.comparable, f(&x["comparable_pairs"]), 0.0, 0.0, "comparable");
        close(r.concordant, f(&x["concordant_pairs"]), 0.0, 0.0, "concordant");
    }
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn lung_cox_lp_concordance() {
    check("lung_cindex_coxlp.json", "lung.csv");
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn lung_ph_ecog_concordance_with_many_risk_ties() {
    check("lung_cindex_phecog.json", "lung.csv");
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn veteran_cox_lp_concordance() {
    check("veteran_cindex_coxlp.json", "veteran.csv");
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn veteran_karno_concordance_higher_is_better() {
    check("veteran_cindex_karno.json", "veteran.csv");
}
