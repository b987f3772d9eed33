//! Rigid Euler 3-D transform and ITK's text transform file format.

use std::fmt::Write as _;
use std::path::Path;

use nalgebra::{Matrix3, Vector3};

use crate::{PreprocError, Result};

/// Rigid transform with ITK's `Euler3DTransform` parameterisation.
///
/// A physical point `x` (mm, LPS) maps to `R (x - c) + c + t`, where `c` is the fixed centre of
/// rotation and `R = Rz Ry Rx` or, as ITK's default (`ComputeZYX` off), `R = Rz Rx Ry`, each
/// factor a right-handed rotation by the angle in radians about that axis. As in ITK's
/// registration framework the transform maps points of the *fixed* image into the *moving* image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Euler3D {
    /// Rotation angles about x, y and z, in radians.
    pub angles: [f64; 3],
    /// Translation `(x, y, z)` in mm.
    pub translation: [f64; 3],
    /// Centre of rotation in mm (LPS).
    pub center: [f64; 3],
    /// ITK's `ComputeZYX` flag: `R = Rz Ry Rx` when true, `R = Rz Rx Ry` (ITK's default) when false.
    pub compute_zyx: bool,
}

impl Default for Euler3D {
    fn default() -> Self {
        Self { angles: [0.0; 3], translation: [0.0; 3], center: [0.0; 3], compute_zyx: false }
    }
}

impl Euler3D {
    /// Identity transform about `center`.
    pub fn identity_about(center: [f64; 3]) -> Self {
        Self { center, ..Self::default() }
    }

    /// The six optimisable parameters in ITK's order: angles x, y, z (radians), then translation.
    pub fn parameters(&self) -> [f64; 6] {
        let [ax, ay, az] = self.angles;
        let [tx, ty, tz] = self.translation;
        [ax, ay, az, tx, ty, tz]
    }

    /// Sets the six parameters in ITK's order (see [`Euler3D::parameters`]).
    pub fn with_parameters(&self, p: &[f64]) -> Self {
        Self { angles: [p[0], p[1], p[2]], translation: [p[3], p[4], p[5]], ..*self }
    }

    /// The 3x3 rotation matrix `R`.
    pub fn matrix(&self) -> Matrix3<f64> {
        let [ax, ay, az] = self.angles;
        let (sx, cx) = ax.sin_cos();
        let (sy, cy) = ay.sin_cos();
        let (sz, cz) = az.sin_cos();
        let rx = Matrix3::new(1.0, 0.0, 0.0, 0.0, cx, -sx, 0.0, sx, cx);
        let ry = Matrix3::new(cy, 0.0, sy, 0.0, 1.0, 0.0, -sy, 0.0, cy);
        let rz = Matrix3::new(cz, -sz, 0.0, sz, cz, 0.0, 0.0, 0.0, 1.0);
        if self.compute_zyx { rz * ry * rx } else { rz * rx * ry }
    }

    /// The affine offset `o` such that the transform is `x -> R x + o`, i.e. `o = t + c - R c`.
    pub fn offset(&self) -> Vector3<f64> {
        let c = Vector3::from(self.center);
        Vector3::from(self.translation) + c - self.matrix() * c
    }

    /// Maps a physical point.
    pub fn transform_point(&self, point: [f64; 3]) -> [f64; 3] {
        let p = self.matrix() * Vector3::from(point) + self.offset();
        [p.x, p.y, p.z]
    }

    /// The inverse transform, with the same centre.
    ///
    /// The inverse of `x -> R(x - c) + c + t` is `y -> R^T (y - c - t) + c`, so its matrix is
    /// `R^T`; its angles are recovered from `R^T` for the same rotation order.
    pub fn inverse(&self) -> Self {
        let rt = self.matrix().transpose();
        let angles = angles_from_matrix(&rt, self.compute_zyx);
        let c = Vector3::from(self.center);
        // Inverse: y -> R^T y + (c - R^T (c + t)); as centre form: translation = -R^T t.
        let t = -(rt * Vector3::from(self.translation));
        let inv = Self { angles, translation: [t.x, t.y, t.z], center: self.center, compute_zyx: self.compute_zyx };
        debug_assert!((inv.offset() - (c - rt * (c + Vector3::from(self.translation)))).norm() < 1e-6);
        inv
    }

    /// Writes the transform in ITK's text transform format (`.tfm`, "Insight Transform File
    /// V1.0"), as `Euler3DTransform_double_3_3` with 6 parameters and 4 fixed parameters
    /// (centre, `ComputeZYX` flag). SimpleITK's `ReadTransform`, ANTs and 3D Slicer read it.
    pub fn to_tfm_string(&self) -> String {
        let p = self.parameters();
        let mut s =
            String::from("#Insight Transform File V1.0\n#Transform 0\nTransform: Euler3DTransform_double_3_3\n");
        let _ = writeln!(s, "Parameters: {}", join_numbers(&p));
        let fixed = [self.center[0], self.center[1], self.center[2], if self.compute_zyx { 1.0 } else { 0.0 }];
        let _ = writeln!(s, "FixedParameters: {}", join_numbers(&fixed));
        s
    }

    /// Writes [`Euler3D::to_tfm_string`] to `path`.
    pub fn write_tfm(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_tfm_string()).map_err(|e| PreprocError::TransformFile {
            path: path.display().to_string(),
            detail: format!("cannot write: {e}"),
        })
    }

    /// Parses a single `Euler3DTransform_double_3_3` (or `_float_`) from ITK's text format.
    /// Three fixed parameters (older ITK) are accepted, the flag then being false.
    pub fn from_tfm_str(text: &str, path: &str) -> Result<Self> {
        let bad = |detail: String| PreprocError::TransformFile { path: path.to_string(), detail };
        let mut kind = None;
        let mut params = None;
        let mut fixed = None;
        for line in text.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("Transform:") {
                kind = Some(rest.trim().to_string());
            } else if let Some(rest) = line.strip_prefix("Parameters:") {
                params = Some(parse_numbers(rest).map_err(&bad)?);
            } else if let Some(rest) = line.strip_prefix("FixedParameters:") {
                fixed = Some(parse_numbers(rest).map_err(&bad)?);
            }
        }
        let kind = kind.ok_or_else(|| bad("no `Transform:` line".into()))?;
        if !kind.starts_with("Euler3DTransform_") {
            return Err(bad(format!("transform type {kind} is not Euler3DTransform_double_3_3")));
        }
        let params = params.ok_or_else(|| bad("no `Parameters:` line".into()))?;
        let fixed = fixed.ok_or_else(|| bad("no `FixedParameters:` line".into()))?;
        if params.len() != 6 {
            return Err(bad(format!("{} parameters, expected 6 (3 angles, 3 translations)", params.len())));
        }
        if fixed.len() != 3 && fixed.len() != 4 {
            return Err(bad(format!("{} fixed parameters, expected 3 or 4 (centre, ComputeZYX)", fixed.len())));
        }
        let compute_zyx = fixed.len() == 4 && fixed[3] != 0.0;
        Ok(Self {
            angles: [params[0], params[1], params[2]],
            translation: [params[3], params[4], params[5]],
            center: [fixed[0], fixed[1], fixed[2]],
            compute_zyx,
        })
    }
}

/// Recovers Euler angles from a rotation matrix for ITK's two rotation orders (the same
/// formulas as ITK's `Euler3DTransform::SetMatrix`, away from gimbal lock).
fn angles_from_matrix(m: &Matrix3<f64>, compute_zyx: bool) -> [f64; 3] {
    if compute_zyx {
        // R = Rz Ry Rx: m[2,0] = -sin(ay).
        let ay = (-m[(2, 0)]).clamp(-1.0, 1.0).asin();
        let ax = m[(2, 1)].atan2(m[(2, 2)]);
        let az = m[(1, 0)].atan2(m[(0, 0)]);
        [ax, ay, az]
    } else {
        // R = Rz Rx Ry: m[2,1] = sin(ax).
        let ax = m[(2, 1)].clamp(-1.0, 1.0).asin();
        let ay = (-m[(2, 0)]).atan2(m[(2, 2)]);
        let az = (-m[(0, 1)]).atan2(m[(1, 1)]);
        [ax, ay, az]
    }
}

fn join_numbers(values: &[f64]) -> String {
    values.iter().map(|v| format!("{v}")).collect::<Vec<_>>().join(" ")
}

fn parse_numbers(text: &str) -> std::result::Result<Vec<f64>, String> {
    text.split_whitespace().map(|t| t.parse::<f64>().map_err(|_| format!("`{t}` is not a number"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn inverse_round_trip() {
        for zyx in [false, true] {
            let t = Euler3D {
                angles: [0.1, -0.15, 0.2],
                translation: [5.0, -3.0, 12.0],
                center: [10.0, 20.0, -30.0],
                compute_zyx: zyx,
            };
            let p = [1.0, 2.0, 3.0];
            let back = t.inverse().transform_point(t.transform_point(p));
            for a in 0..3 {
                assert_abs_diff_eq!(back[a], p[a], epsilon = 1e-9);
            }
        }
    }

    #[test]
    fn tfm_round_trip() {
        let t = Euler3D {
            angles: [0.1, 0.2, 0.3],
            translation: [1.5, -2.0, 3.25],
            center: [4.0, 5.0, 6.0],
            compute_zyx: false,
        };
        let text = t.to_tfm_string();
        assert!(text.contains("Euler3DTransform_double_3_3"));
        let back = Euler3D::from_tfm_str(&text, "t.tfm").unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn tfm_rejects_affine() {
        let text = "#Insight Transform File V1.0\nTransform: AffineTransform_double_3_3\nParameters: 1 0 0 0 1 0 0 0 1 0 0 0\nFixedParameters: 0 0 0\n";
        let err = Euler3D::from_tfm_str(text, "a.tfm").unwrap_err().to_string();
        assert!(err.contains("AffineTransform_double_3_3"), "{err}");
    }

    #[test]
    fn rotation_about_center_fixes_center() {
        let t = Euler3D { angles: [0.3, 0.2, 0.1], translation: [0.0; 3], center: [7.0, 8.0, 9.0], compute_zyx: false };
        let p = t.transform_point([7.0, 8.0, 9.0]);
        assert_abs_diff_eq!(p[0], 7.0, epsilon = 1e-12);
        assert_abs_diff_eq!(p[2], 9.0, epsilon = 1e-12);
    }
}
