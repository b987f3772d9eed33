use super::core::{Penalty, State, solve};
use super::*;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

fn synthetic(n: usize, p: usize, seed: u64) -> (SurvivalData, Covariates) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let cols: Vec<Vec<f64>> = (0..p).map(|_| (0..n).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect()).collect();
    let mut time = Vec::new();
    let mut event = Vec::new();
    for i in 0..n {
        let lp = 1.5 * cols[0][i] - cols[1 % p][i];
        let u: f64 = rng.random::<f64>().max(1e-12);
        let t = -u.ln() / lp.exp();
        let c = rng.random::<f64>() * 2.0;
        time.push(t.min(c));
        event.push(t <= c);
    }
    let names: Vec<String> = (0..p).map(|j| format!("x{j}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    (SurvivalData::from_bool(&time, &event).unwrap(), Covariates::from_columns(&refs, &cols).unwrap())
}

#[test]
fn lambda_max_gives_zero_and_the_path_decreases_the_objective() {
    let (d, x) = synthetic(80, 6, 3);
    let path = fit_coxnet(&d, &x, &CoxnetOptions::default()).unwrap();
    assert!(path.beta[0].iter().all(|b| b.abs() < 1e-12));
    assert!(path.beta[1].iter().any(|&b| b != 0.0));
    assert!(path.dev_ratio.windows(2).all(|w| w[1] >= w[0] - 1e-9));
    assert!(path.convergence.iter().all(Convergence::converged));
}

#[test]
fn small_lambda_approaches_the_unpenalised_breslow_fit() {
    let (d, x) = synthetic(120, 3, 5);
    let cox =
        crate::cox::fit_cox(&d, &x, &crate::cox::CoxOptions { ties: Ties::Breslow, ..Default::default() }).unwrap();
    let path =
        fit_coxnet(&d, &x, &CoxnetOptions { lambda: Some(vec![0.0]), thresh: 1e-14, ..Default::default() }).unwrap();
    for j in 0..3 {
        assert!((path.beta[0][j] - cox.coefficients[j]).abs() < 1e-6);
    }
}

#[test]
fn zero_penalty_factor_keeps_a_column_in_every_model() {
    let (d, x) = synthetic(80, 5, 7);
    let path = fit_coxnet(
        &d,
        &x,
        &CoxnetOptions { penalty_factor: Some(vec![1.0, 1.0, 1.0, 1.0, 0.0]), ..Default::default() },
    )
    .unwrap();
    assert!(path.beta.iter().all(|b| b[4] != 0.0));
    assert!(path.beta[0][..4].iter().all(|&b| b == 0.0));
}

#[test]
fn constant_and_duplicated_columns_are_handled() {
    let (d, x) = synthetic(60, 3, 9);
    let c0 = x.column(0).to_vec();
    let cols = vec![c0.clone(), x.column(1).to_vec(), vec![1.0; 60], c0];
    let x2 = Covariates::from_columns(&["a", "b", "const", "a_copy"], &cols).unwrap();
    let path = fit_coxnet(&d, &x2, &CoxnetOptions::default()).unwrap();
    assert!(path.beta.iter().all(|b| b[2] == 0.0));
    // The duplicated pair shares one effect: their sum matches the fit without the copy.
    let p1 = fit_coxnet(
        &d,
        &x.subset_columns(&[0, 1]),
        &CoxnetOptions { lambda: Some(path.lambda.clone()), ..Default::default() },
    )
    .unwrap();
    let m = path.lambda.len() - 1;
    assert!((path.beta[m][0] + path.beta[m][3] - p1.beta[m][0]).abs() < 1e-4);
}

#[test]
fn p_much_larger_than_n_runs_with_ratio_one_hundredth() {
    let (d, x) = synthetic(30, 200, 11);
    let path = fit_coxnet(&d, &x, &CoxnetOptions::default()).unwrap();
    let last = *path.lambda.last().unwrap();
    assert!(last >= path.lambda[0] * 0.01 * 0.999);
    assert!(path.df.iter().all(|&k| k <= 200));
}

#[test]
fn bad_inputs_are_typed_errors() {
    let (d, x) = synthetic(40, 3, 13);
    let censored = SurvivalData::from_bool(d.time(), &[false; 40]).unwrap();
    assert!(matches!(fit_coxnet(&censored, &x, &CoxnetOptions::default()), Err(SurvivalError::NoEvents { .. })));
    let mut one = vec![false; 40];
    one[3] = true;
    let single = SurvivalData::from_bool(d.time(), &one).unwrap();
    assert!(matches!(fit_coxnet(&single, &x, &CoxnetOptions::default()), Err(SurvivalError::TooFewEvents { .. })));
    assert!(fit_coxnet(&d, &x, &CoxnetOptions { alpha: 1.5, ..Default::default() }).is_err());
    assert!(fit_coxnet(&d, &x, &CoxnetOptions { lambda: Some(vec![0.1, 0.2]), ..Default::default() }).is_err());
}

#[test]
fn all_times_tied_leaves_nothing_to_select() {
    let (_, x) = synthetic(20, 3, 23);
    let d = SurvivalData::new(&[2.0; 20], &[1.0; 20]).unwrap();
    assert!(matches!(fit_coxnet(&d, &x, &CoxnetOptions::default()), Err(SurvivalError::Numerical { .. })));
}

#[test]
fn perfect_separation_gives_a_finite_penalised_path() {
    let time: Vec<f64> = (1..=30).map(f64::from).collect();
    let event = vec![1.0; 30];
    let sep: Vec<f64> = (0..30).map(|i| if i < 15 { 1.0 } else { 0.0 }).collect();
    let noise: Vec<f64> = (0..30).map(|i| ((i * 7) % 11) as f64 / 11.0).collect();
    let d = SurvivalData::new(&time, &event).unwrap();
    let x = Covariates::from_columns(&["sep", "noise"], &[sep, noise]).unwrap();
    let path = fit_coxnet(&d, &x, &CoxnetOptions::default()).unwrap();
    assert!(path.beta.iter().flatten().all(|b| b.is_finite()));
    assert!(path.beta.last().unwrap()[0] > 1.0);
}

#[test]
fn efron_ties_at_lambda_zero_match_the_efron_cox_fit() {
    let (d, x) = synthetic(90, 3, 29);
    // Round times to create ties.
    let t: Vec<f64> = d.time().iter().map(|v| (v * 4.0).round()).collect();
    let d = SurvivalData::from_bool(&t, d.event()).unwrap();
    let cox = crate::cox::fit_cox(&d, &x, &crate::cox::CoxOptions::default()).unwrap();
    let path = fit_coxnet(
        &d,
        &x,
        &CoxnetOptions { lambda: Some(vec![0.0]), ties: Ties::Efron, thresh: 1e-14, ..Default::default() },
    )
    .unwrap();
    for j in 0..3 {
        assert!((path.beta[0][j] - cox.coefficients[j]).abs() < 1e-6);
    }
}

#[test]
fn cross_validation_runs_and_orders_lambda_min_and_1se() {
    let (d, x) = synthetic(100, 8, 17);
    for measure in [CvMeasure::Deviance, CvMeasure::C] {
        for lambda_mode in [CvLambdaMode::Shared, CvLambdaMode::PerFold] {
            let cv = cv_coxnet(&d, &x, &CvOptions { measure, lambda_mode, ..Default::default() }).unwrap();
            assert!(cv.lambda_1se >= cv.lambda_min);
            assert_eq!(cv.cvm.len(), cv.lambda.len());
        }
    }
}

#[test]
fn a_fold_without_events_is_a_typed_error() {
    let (d, x) = synthetic(30, 3, 19);
    // Put every event in folds 0 and 1; fold 2 has none.
    let ids: Vec<usize> = d.event().iter().enumerate().map(|(i, &e)| if e { i % 2 } else { 2 }).collect();
    let err = cv_coxnet(&d, &x, &CvOptions { folds: Folds::Ids(ids), ..Default::default() }).unwrap_err();
    assert!(matches!(err, SurvivalError::TooFewEvents { .. }), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn each_outer_sweep_does_not_increase_the_objective(
        seed in 0u64..1000,
        frac in 0.02f64..0.9,
        alpha in 0.2f64..1.0,
        efron in any::<bool>(),
    ) {
        let (d, x) = synthetic(50, 6, seed);
        let opts = CoxnetOptions {
            alpha,
            ties: if efron { Ties::Efron } else { Ties::Breslow },
            ..Default::default()
        };
        let prep = prepare(&d, &x, &opts).unwrap();
        let n = d.len();
        let mut st = State::new(n, vec![true; 6]);
        let mut g = vec![0.0; n];
        let mut h = vec![0.0; n];
        prep.design.expand(&st.eta, &mut g, &mut h);
        let lmax = (0..6)
            .map(|j| prep.design.column(j).iter().zip(&g).map(|(a, b)| a * b).sum::<f64>().abs())
            .fold(0.0, f64::max) / alpha;
        let pen = Penalty { lambda: frac * lmax, alpha };
        let ll0 = prep.design.loglik(&st.eta);
        let mut trace = vec![core::objective(&prep.design, &prep.vp, pen, &st.beta, ll0)];
        solve(&prep.design, &prep.vp, &prep.allowed, pen, 1e-12, 100_000, &mut st, Some(&mut trace));
        for w in trace.windows(2) {
            prop_assert!(w[1] <= w[0] + 1e-12 * w[0].abs(), "{:?}", trace);
        }
    }
}

proptest! {
    #[test]
    fn working_gradient_and_weights_match_central_differences(
        seed in 0u64..500,
        efron in any::<bool>(),
    ) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let n = 12;
        // Coarse times create ties.
        let time: Vec<f64> = (0..n).map(|_| f64::from(rng.random_range(0..5u8))).collect();
        let mut event: Vec<bool> = (0..n).map(|_| rng.random::<bool>()).collect();
        event[0] = true;
        let eta: Vec<f64> = (0..n).map(|_| rng.random::<f64>() - 0.5).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| time[a].total_cmp(&time[b]).then(event[b].cmp(&event[a])));
        let t: Vec<f64> = order.iter().map(|&i| time[i]).collect();
        let e: Vec<bool> = order.iter().map(|&i| event[i]).collect();
        let eta: Vec<f64> = order.iter().map(|&i| eta[i]).collect();
        let ties = if efron { Ties::Efron } else { Ties::Breslow };
        let design = core::Design::new(&t, e, Vec::new(), 0, ties);
        let mut g = vec![0.0; n];
        let mut h = vec![0.0; n];
        design.expand(&eta, &mut g, &mut h);
        let step = 1e-5;
        for i in 0..n {
            let mut ep = eta.clone();
            let mut em = eta.clone();
            ep[i] += step;
            em[i] -= step;
            let fd = (design.loglik(&ep) - design.loglik(&em)) / (2.0 * step) / n as f64;
            prop_assert!((fd - g[i]).abs() < 1e-7, "g[{i}] {fd} vs {}", g[i]);
            let fd2 = -(design.loglik(&ep) - 2.0 * design.loglik(&eta) + design.loglik(&em))
                / (step * step) / n as f64;
            prop_assert!((fd2 - h[i]).abs() < 1e-4, "h[{i}] {fd2} vs {}", h[i]);
        }
    }
}
