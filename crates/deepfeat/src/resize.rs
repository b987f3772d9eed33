//! Bicubic image resizing with the semantics of MATLAB's `imresize(A, [h w], 'bicubic')`.
//!
//! * Kernel: Keys' cubic convolution with `a = -0.5` (the kernel of MATLAB `imresize` and of
//!   Pillow's `BICUBIC`; OpenCV uses `a = -0.75`):
//!   `k(t) = 1.5|t|^3 - 2.5|t|^2 + 1` for `|t| <= 1`,
//!   `k(t) = -0.5|t|^3 + 2.5|t|^2 - 4|t| + 2` for `1 < |t| < 2`, and 0 beyond.
//! * Sample positions: output pixel `x` (0-based) maps to input coordinate
//!   `u = (x + 0.5) / scale - 0.5`, with `scale = out / in`, so pixel centres line up.
//! * Downscaling (`scale < 1`) antialiases as MATLAB does: the kernel is stretched to
//!   `scale * k(scale * t)`, covering `4 / scale` input pixels.
//! * Weights are normalised to sum to 1, and taps beyond the border are mirrored with the
//!   edge pixel repeated (`... x1 x0 | x0 x1 ... x(n-1) | x(n-1) x(n-2) ...`), as MATLAB's
//!   `imresize` does.
//! * The two axes are resized separately (width first, then height).
//!
//! Overshoot is kept: bicubic output can leave the input range near edges, as in MATLAB.

use ndarray::{Array2, ArrayView2};

/// Keys' cubic convolution kernel with `a = -0.5`.
pub fn cubic_kernel(t: f64) -> f64 {
    let t = t.abs();
    if t <= 1.0 {
        (1.5 * t - 2.5) * t * t + 1.0
    } else if t < 2.0 {
        ((-0.5 * t + 2.5) * t - 4.0) * t + 2.0
    } else {
        0.0
    }
}

/// For each output index, the input indices and weights that produce it.
fn contributions(in_len: usize, out_len: usize) -> Vec<Vec<(usize, f64)>> {
    let scale = out_len as f64 / in_len as f64;
    let (kernel_scale, width) = if scale < 1.0 { (scale, 4.0 / scale) } else { (1.0, 4.0) };
    let taps = width.ceil() as i64 + 2;
    let period = 2 * in_len as i64;
    (0..out_len)
        .map(|x| {
            let u = (x as f64 + 0.5) / scale - 0.5;
            let left = (u - width / 2.0).floor() as i64;
            let mut weights: Vec<(usize, f64)> = Vec::with_capacity(taps as usize);
            for j in 0..taps {
                let index = left + j;
                let w = kernel_scale * cubic_kernel(kernel_scale * (u - index as f64));
                if w == 0.0 {
                    continue;
                }
                // Symmetric mirroring with the edge pixel repeated.
                let m = index.rem_euclid(period);
                let mirrored = if m >= in_len as i64 { period - 1 - m } else { m } as usize;
                match weights.iter_mut().find(|(i, _)| *i == mirrored) {
                    Some((_, acc)) => *acc += w,
                    None => weights.push((mirrored, w)),
                }
            }
            let sum: f64 = weights.iter().map(|(_, w)| w).sum();
            for (_, w) in &mut weights {
                *w /= sum;
            }
            weights
        })
        .collect()
}

/// Resizes a 2-D image `[rows, cols]` to `[out_rows, out_cols]` with MATLAB-style bicubic
/// interpolation (see the module docs). A 1 x 1 input gives a constant output.
///
/// Both output sizes must be at least 1, and the input must not be empty.
pub fn resize_bicubic(image: ArrayView2<'_, f32>, out_rows: usize, out_cols: usize) -> Array2<f32> {
    let (rows, cols) = image.dim();
    assert!(rows > 0 && cols > 0 && out_rows > 0 && out_cols > 0, "resize_bicubic needs non-empty sizes");
    // Width first.
    let col_weights = contributions(cols, out_cols);
    let mut horizontal = Array2::<f64>::zeros((rows, out_cols));
    for r in 0..rows {
        for (c, taps) in col_weights.iter().enumerate() {
            horizontal[[r, c]] = taps.iter().map(|&(i, w)| w * image[[r, i]] as f64).sum();
        }
    }
    let row_weights = contributions(rows, out_rows);
    let mut out = Array2::<f32>::zeros((out_rows, out_cols));
    for (r, taps) in row_weights.iter().enumerate() {
        for c in 0..out_cols {
            out[[r, c]] = taps.iter().map(|&(i, w)| w * horizontal[[i, c]]).sum::<f64>() as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn kernel_values() {
        // k(0) = 1, k(1) = 0, k(2) = 0, k(0.5) = 1.5/8 - 2.5/4 + 1 = 0.5625, k(1.5) = -0.0625.
        assert_eq!(cubic_kernel(0.0), 1.0);
        assert_eq!(cubic_kernel(1.0), 0.0);
        assert_eq!(cubic_kernel(2.0), 0.0);
        assert_eq!(cubic_kernel(0.5), 0.5625);
        assert_eq!(cubic_kernel(-1.5), -0.0625);
    }

    #[test]
    fn upscale_two_pixels_by_hand() {
        // [0, 1] to 4 pixels: u = -0.25, 0.25, 0.75, 1.25. At u = 0.25 the taps -1, 0, 1, 2
        // (mirrored to 0, 0, 1, 1) sit at distances 1.25, 0.25, 0.75, 1.75 with weights
        // -0.0703125, 0.8671875, 0.2265625, -0.0234375, so the value is
        // 0.2265625 - 0.0234375 = 0.203125. At u = -0.25 the taps -2, -1, 0, 1 (mirrored to
        // 1, 0, 0, 1) give -0.0234375 - 0.0703125 = -0.09375. The other two follow by symmetry.
        let out = resize_bicubic(array![[0.0f32, 1.0]].view(), 1, 4);
        let expected = [-0.09375, 0.203125, 0.796875, 1.09375];
        for (o, e) in out.iter().zip(expected) {
            assert!((o - e).abs() < 1e-6, "{out:?}");
        }
    }

    #[test]
    fn downscale_by_two_by_hand() {
        // [0, 0, 1, 1] to 2 pixels: scale 0.5, kernel 0.5 k(0.5 t) over 8 pixels. For output 0,
        // u = 0.5; taps -4..=5 sit at distances 4.5..=-4.5 and weigh 0, -0.01171875,
        // -0.03515625, 0.11328125, 0.43359375, then the same in reverse (0.5 k(2.25) = 0,
        // 0.5 k(1.75), 0.5 k(1.25), 0.5 k(0.75), 0.5 k(0.25); they sum to 1). The indices
        // mirror to 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, i.e. pixel values 1, 1, 0, 0, 0, 0, 1, 1, 1, 1,
        // so output 0 is -0.01171875 + 0.11328125 - 0.03515625 - 0.01171875 = 0.0546875, and
        // output 1 is 1 - 0.0546875 = 0.9453125 by symmetry.
        let out = resize_bicubic(array![[0.0f32, 0.0, 1.0, 1.0]].view(), 1, 2);
        assert!((out[[0, 0]] - 0.0546875).abs() < 1e-6, "{out:?}");
        assert!((out[[0, 1]] - 0.9453125).abs() < 1e-6, "{out:?}");
    }

    #[test]
    fn one_pixel_gives_constant() {
        let out = resize_bicubic(array![[42.0f32]].view(), 224, 224);
        assert!(out.iter().all(|&v| (v - 42.0).abs() < 1e-4));
    }

    #[test]
    fn constant_image_stays_constant() {
        let image = Array2::from_elem((7, 13), 3.5f32);
        let out = resize_bicubic(image.view(), 224, 224);
        assert!(out.iter().all(|&v| (v - 3.5).abs() < 1e-5));
    }

    #[test]
    fn same_size_is_identity() {
        let image = Array2::from_shape_fn((5, 6), |(r, c)| (r * 10 + c) as f32);
        let out = resize_bicubic(image.view(), 5, 6);
        for (a, b) in out.iter().zip(image.iter()) {
            assert!((a - b).abs() < 1e-5);
        }
    }

    #[test]
    fn separable_on_two_axes() {
        // A column-constant image resized along rows and columns equals the 1-D result per row.
        let image = Array2::from_shape_fn((3, 2), |(_, c)| c as f32);
        let out = resize_bicubic(image.view(), 5, 4);
        for r in 0..5 {
            assert!((out[[r, 1]] - 0.203125).abs() < 1e-6);
        }
    }
}
