use super::*;

fn toy() -> (SurvivalData, Covariates) {
    let time = [5.0, 8.0, 8.0, 12.0, 15.0, 20.0, 22.0, 30.0, 31.0, 40.0];
    let event = [1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
    let x1 = vec![2.0, 1.5, 0.3, 1.0, 0.2, 0.9, -0.4, 0.1, -1.0, -0.5];
    let x2 = vec![1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0];
    (SurvivalData::new(&time, &event).unwrap(), Covariates::from_columns(&["x1", "x2"], &[x1, x2]).unwrap())
}

#[test]
fn fit_reaches_a_stationary_point_with_matching_standard_errors() {
    let (d, x) = toy();
    let fit = fit_cox(&d, &x, &CoxOptions::default()).unwrap();
    assert!(fit.convergence.converged());
    let pl = partial_likelihood(&d, &x, &fit.coefficients, None, Ties::Efron).unwrap();
    assert!(pl.gradient.iter().all(|g| g.abs() < 1e-6), "{:?}", pl.gradient);
    assert!((pl.loglik - fit.loglik).abs() < 1e-10);
    // The standard errors are the square roots of the inverse information.
    let i = &pl.information;
    let det = i[0][0] * i[1][1] - i[0][1] * i[1][0];
    assert!((fit.terms[0].std_error - (i[1][1] / det).sqrt()).abs() < 1e-8);
    assert!(fit.lr_test.statistic > 0.0);
    assert!(fit.terms[0].hr_lower95 < fit.terms[0].hazard_ratio);
}

#[test]
fn all_censored_data_is_an_error() {
    let d = SurvivalData::new(&[1.0, 2.0, 3.0], &[0.0, 0.0, 0.0]).unwrap();
    let x = Covariates::from_columns(&["x"], &[vec![1.0, 2.0, 3.0]]).unwrap();
    assert!(matches!(fit_cox(&d, &x, &CoxOptions::default()), Err(SurvivalError::NoEvents { n: 3, .. })));
}

#[test]
fn a_single_event_at_the_extreme_covariate_is_reported_as_monotone_likelihood() {
    let d = SurvivalData::new(&[1.0, 2.0, 3.0, 4.0], &[1.0, 0.0, 0.0, 0.0]).unwrap();
    let x = Covariates::from_columns(&["x"], &[vec![3.0, 1.0, 2.0, 0.0]]).unwrap();
    let err = fit_cox(&d, &x, &CoxOptions::default()).unwrap_err();
    assert!(matches!(err, SurvivalError::MonotoneLikelihood { ref columns } if columns == &["x"]));
    let fit = fit_cox(&d, &x, &CoxOptions { allow_monotone: true, ..CoxOptions::default() }).unwrap();
    assert!(matches!(fit.convergence.termination, Termination::MonotoneLikelihood { .. }));
}

#[test]
fn a_single_event_in_the_middle_of_its_risk_set_gives_a_finite_fit() {
    let d = SurvivalData::new(&[1.0, 2.0, 3.0, 4.0], &[1.0, 0.0, 0.0, 0.0]).unwrap();
    let x = Covariates::from_columns(&["x"], &[vec![1.0, 0.0, 2.0, 1.5]]).unwrap();
    let fit = fit_cox(&d, &x, &CoxOptions::default()).unwrap();
    assert!(fit.convergence.converged());
    assert!(fit.coefficients[0].is_finite());
}

#[test]
fn perfect_separation_is_detected() {
    // Everyone with x = 1 dies before everyone with x = 0.
    let d = SurvivalData::new(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], &[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0])
        .unwrap();
    let x = Covariates::from_columns(
        &["x", "z"],
        &[vec![1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0], vec![0.2, -0.3, 0.5, 0.1, 0.0, 0.4, -0.2, 0.3]],
    )
    .unwrap();
    let err = fit_cox(&d, &x, &CoxOptions::default()).unwrap_err();
    assert!(
        matches!(err, SurvivalError::MonotoneLikelihood { ref columns } if columns.contains(&"x".to_string())),
        "{err}"
    );
}

#[test]
fn constant_and_duplicated_columns_are_errors() {
    let (d, x) = toy();
    let c = x.column(0).to_vec();
    let dup = Covariates::from_columns(&["x1", "copy"], &[c.clone(), c]).unwrap();
    assert!(matches!(
        fit_cox(&d, &dup, &CoxOptions::default()),
        Err(SurvivalError::Collinear { ref column }) if column == "copy"
    ));
    let konst = Covariates::from_columns(&["k"], &[vec![2.0; 10]]).unwrap();
    assert!(matches!(fit_cox(&d, &konst, &CoxOptions::default()), Err(SurvivalError::ConstantCovariate { .. })));
}

#[test]
fn all_times_tied_gives_a_zero_coefficient_under_breslow() {
    // With one risk set the Breslow score is sum x - n * mean_w(x), zero at beta = 0.
    let d = SurvivalData::new(&[3.0; 6], &[1.0; 6]).unwrap();
    let x = Covariates::from_columns(&["x"], &[vec![1.0, 2.0, 0.5, 3.0, 1.0, 0.0]]).unwrap();
    let fit = fit_cox(&d, &x, &CoxOptions { ties: Ties::Breslow, ..CoxOptions::default() }).unwrap();
    assert!(fit.coefficients[0].abs() < 1e-12);
    assert_eq!(fit.baseline.time, vec![3.0]);
}

#[test]
fn zero_times_are_accepted_as_events_at_time_zero() {
    let (d, x) = toy();
    let mut t = d.time().to_vec();
    t[0] = 0.0;
    let d0 = SurvivalData::from_bool(&t, d.event()).unwrap();
    let fit = fit_cox(&d0, &x, &CoxOptions::default()).unwrap();
    assert_eq!(fit.baseline.time[0], 0.0);
    // Only the order of times matters: time 0 and time 5 give the same fit.
    let fit5 = fit_cox(&d, &x, &CoxOptions::default()).unwrap();
    assert!((fit.coefficients[0] - fit5.coefficients[0]).abs() < 1e-12);
}

#[test]
fn more_covariates_than_subjects_points_to_the_penalised_fit() {
    let d = SurvivalData::new(&[1.0, 2.0, 3.0], &[1.0, 1.0, 0.0]).unwrap();
    let cols: Vec<Vec<f64>> = (0..5).map(|j| vec![j as f64, 1.0, -(j as f64)]).collect();
    let x = Covariates::from_columns(&["a", "b", "c", "d", "e"], &cols).unwrap();
    let err = fit_cox(&d, &x, &CoxOptions::default()).unwrap_err();
    assert!(err.to_string().contains("fit_coxnet"), "{err}");
}

#[test]
fn iteration_limit_is_reported() {
    let (d, x) = toy();
    let fit = fit_cox(&d, &x, &CoxOptions { max_iter: 1, ..CoxOptions::default() }).unwrap();
    assert_eq!(fit.convergence.termination, Termination::MaxIterations);
    assert_eq!(fit.convergence.iterations, 1);
}

#[test]
fn offset_equal_to_a_covariate_shifts_its_coefficient_by_one() {
    let (d, x) = toy();
    let full = fit_cox(&d, &x, &CoxOptions::default()).unwrap();
    let only2 = x.subset_columns(&[1]);
    let off: Vec<f64> = x.column(0).iter().map(|v| v * full.coefficients[0]).collect();
    let fit = fit_cox(&d, &only2, &CoxOptions { offset: Some(off), ..CoxOptions::default() }).unwrap();
    assert!((fit.coefficients[0] - full.coefficients[1]).abs() < 1e-7);
}

#[test]
fn predicted_survival_uses_the_breslow_baseline() {
    let (d, x) = toy();
    let fit = fit_cox(&d, &x, &CoxOptions { ties: Ties::Breslow, ..CoxOptions::default() }).unwrap();
    // First event time 5: every subject is at risk.
    let eta = fit.linear_predictor(&x).unwrap();
    let s0: f64 = eta.iter().map(|e| e.exp()).sum();
    assert!((fit.baseline.cumhaz_breslow[0] - 1.0 / s0).abs() < 1e-12);
    let s = fit.predict_survival(&[0.0, 0.0], &[4.0, 5.0], BaselineType::Breslow).unwrap();
    assert_eq!(s[0], 1.0);
    assert!((s[1] - (-1.0 / s0).exp()).abs() < 1e-12);
}

#[test]
fn hazard_ratio_of_two_groups() {
    let (d, x) = toy();
    let g: Vec<bool> = x.column(1).iter().map(|&v| v == 1.0).collect();
    let hr = hazard_ratio(&d, &g, Ties::Efron).unwrap();
    assert!(hr.lower95 < hr.hazard_ratio && hr.hazard_ratio < hr.upper95);
    assert_eq!(hr.n, [5, 5]);
    assert!(matches!(hazard_ratio(&d, &[true; 10], Ties::Efron), Err(SurvivalError::TooFewGroups { .. })));
}

mod finite_differences {
    use super::*;
    use proptest::prelude::*;

    /// Times, events, covariate columns, coefficients and whether to use Efron ties.
    type Case = (Vec<f64>, Vec<bool>, Vec<Vec<f64>>, Vec<f64>, bool);

    fn case() -> impl Strategy<Value = Case> {
        (4usize..14, 1usize..4).prop_flat_map(|(n, p)| {
            (
                proptest::collection::vec(0u8..6, n).prop_map(|v| v.into_iter().map(f64::from).collect()),
                proptest::collection::vec(any::<bool>(), n),
                proptest::collection::vec(proptest::collection::vec(-2.0f64..2.0, n), p),
                proptest::collection::vec(-1.0f64..1.0, p),
                any::<bool>(),
            )
        })
    }

    proptest! {
        #[test]
        fn gradient_and_information_match_central_differences(
            (time, event, cols, beta, efron) in case()
        ) {
            prop_assume!(event.iter().any(|&e| e));
            let d = SurvivalData::from_bool(&time, &event).unwrap();
            let names: Vec<String> = (0..cols.len()).map(|j| format!("x{j}")).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let x = Covariates::from_columns(&refs, &cols).unwrap();
            let ties = if efron { Ties::Efron } else { Ties::Breslow };
            let at = |b: &[f64]| partial_likelihood(&d, &x, b, None, ties).unwrap();
            let pl = at(&beta);
            let h = 1e-5;
            for j in 0..beta.len() {
                let mut bp = beta.clone();
                let mut bm = beta.clone();
                bp[j] += h;
                bm[j] -= h;
                let (lp, lm) = (at(&bp), at(&bm));
                let fd = (lp.loglik - lm.loglik) / (2.0 * h);
                prop_assert!((fd - pl.gradient[j]).abs() <= 1e-6 * (1.0 + fd.abs()),
                    "gradient {j}: {fd} vs {}", pl.gradient[j]);
                for k in 0..beta.len() {
                    let fd2 = -(lp.gradient[k] - lm.gradient[k]) / (2.0 * h);
                    prop_assert!((fd2 - pl.information[j][k]).abs() <= 1e-6 * (1.0 + fd2.abs()),
                        "information {j},{k}: {fd2} vs {}", pl.information[j][k]);
                }
            }
        }
    }
}
