//! "Pretty" axis breakpoints, computed as R's `pretty()` does.
//!
//! rms builds nomogram axes with `pretty()`, so the tick values must follow R's algorithm
//! (`R_pretty` in R's `src/appl/pretty.c`, R 4.2) exactly for the points scale to match.

/// Returns about `n + 1` equally spaced round values covering `[lo, hi]`, as R's
/// `pretty(c(lo, hi), n)` with its defaults (`min.n = n %/% 3`, `shrink.sml = 0.75`,
/// `high.u.bias = 1.5`, `u5.bias = 0.5 + 1.5 * high.u.bias`, `f.min = 2^-20`).
///
/// The step is 1, 2, 5 or 10 times a power of ten. Values within `1e-14` of a step of zero
/// are set to zero, as R does.
pub fn pretty(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if !lo.is_finite() || !hi.is_finite() {
        return Vec::new();
    }
    let rounding_eps = 1e-10;
    let h = 1.5_f64;
    let h5 = 0.5 + 1.5 * h;
    let f_min = 2f64.powi(-20);
    let min_n = (n / 3) as i64;
    let mut ndiv = n as i64;

    let dx = hi - lo;
    let mut cell;
    let i_small;
    if dx == 0.0 && hi == 0.0 {
        cell = 1.0;
        i_small = true;
    } else {
        cell = lo.abs().max(hi.abs());
        let mut u = 1.0 + if h5 >= 1.5 * h + 0.5 { 1.0 / (1.0 + h) } else { 1.5 / (1.0 + h5) };
        u *= (ndiv.max(1) as f64) * f64::EPSILON;
        i_small = dx < cell * u * 3.0;
    }
    if i_small {
        if cell > 10.0 {
            cell = 9.0 + cell / 10.0;
        }
        cell *= 0.75;
        if min_n > 1 {
            cell /= min_n as f64;
        }
    } else {
        cell = dx;
        if ndiv > 1 {
            cell /= ndiv as f64;
        }
    }
    let subsmall = f_min * f64::MIN_POSITIVE;
    if cell < subsmall {
        cell = subsmall;
    }

    // The step is one of 1, 2, 5 or 10 times `base`, preferring larger steps.
    let base = 10f64.powf(cell.log10().floor());
    let mut unit = base;
    if 2.0 * base - cell < h * (cell - unit) {
        unit = 2.0 * base;
        if 5.0 * base - cell < h5 * (cell - unit) {
            unit = 5.0 * base;
            if 10.0 * base - cell < h * (cell - unit) {
                unit = 10.0 * base;
            }
        }
    }

    let mut ns = (lo / unit + rounding_eps).floor();
    let mut nu = (hi / unit - rounding_eps).ceil();
    while ns * unit > lo + rounding_eps * unit {
        ns -= 1.0;
    }
    while nu * unit < hi - rounding_eps * unit {
        nu += 1.0;
    }
    let k = (0.5 + nu - ns) as i64;
    if k < min_n {
        let extra = min_n - k;
        if ns >= 0.0 {
            nu += (extra / 2) as f64;
            ns -= (extra / 2 + extra % 2) as f64;
        } else {
            ns -= (extra / 2) as f64;
            nu += (extra / 2 + extra % 2) as f64;
        }
        ndiv = min_n;
    } else {
        ndiv = k;
    }

    // R returns the bounds and then calls seq.int(lo, up, length.out = ndiv + 1).
    let mut lower = lo;
    let mut upper = hi;
    if ns * unit < lower {
        lower = ns * unit;
    }
    if nu * unit > upper {
        upper = nu * unit;
    }
    if ndiv == 0 {
        return vec![lower];
    }
    let step = (upper - lower) / ndiv as f64;
    let mut values: Vec<f64> = (0..=ndiv).map(|i| lower + i as f64 * step).collect();
    if let Some(last) = values.last_mut() {
        *last = upper;
    }
    for v in &mut values {
        if v.abs() < 1e-14 * step {
            *v = 0.0;
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::pretty;

    fn assert_values(found: &[f64], expected: &[f64]) {
        assert_eq!(found.len(), expected.len(), "{found:?} vs {expected:?}");
        for (a, b) in found.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{found:?} vs {expected:?}");
        }
    }

    #[test]
    fn pretty_matches_r_examples() {
        // R 4.2: pretty(c(39, 82)) -> 35 40 ... 85; pretty(c(0, 179.5)) -> 0 20 ... 180;
        // pretty(c(10, 99)) -> 10 20 ... 100; pretty(c(0, 3)) -> 0.0 0.5 ... 3.0;
        // pretty(c(1, 2)) -> 1.0 1.1 ... 2.0.
        let by = |a: f64, b: f64, s: f64| {
            let n = ((b - a) / s).round() as usize;
            (0..=n).map(|i| a + i as f64 * s).collect::<Vec<_>>()
        };
        assert_values(&pretty(39.0, 82.0, 10), &by(35.0, 85.0, 5.0));
        assert_values(&pretty(0.0, 179.5, 10), &by(0.0, 180.0, 20.0));
        assert_values(&pretty(10.0, 99.0, 10), &by(10.0, 100.0, 10.0));
        assert_values(&pretty(0.0, 3.0, 10), &by(0.0, 3.0, 0.5));
        assert_values(&pretty(1.0, 2.0, 10), &by(1.0, 2.0, 0.1));
    }

    #[test]
    fn pretty_snaps_tiny_values_to_zero() {
        let v = pretty(-1.07, 1.41, 10);
        assert!(v.contains(&0.0), "{v:?}");
        assert!((v[0] + 1.2).abs() < 1e-12);
    }
}
