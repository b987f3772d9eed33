use nalgebra::{Matrix3, Vector3};

use crate::{Result, VolumeError};

/// Default relative tolerance of [`crate::Volume::same_grid`] and [`Geometry::grid_difference`],
/// as ITK's `GlobalDefaultCoordinateTolerance` and `GlobalDefaultDirectionTolerance` (1e-6).
pub const DEFAULT_GEOMETRY_TOLERANCE: f64 = 1e-6;

/// Orthonormality tolerance for direction matrices read from files (max |D^T D - I|).
const ORTHONORMAL_TOLERANCE: f64 = 1e-4;

/// Voxel grid geometry in ITK's LPS physical space.
///
/// * `spacing`: voxel size in mm along the `x`, `y` and `z` index axes;
/// * `origin`: physical position in mm of the centre of voxel `[0, 0, 0]`;
/// * `direction`: 3x3 direction cosines; column `c` is the unit physical direction of index
///   axis `c` (0 = `x`, 1 = `y`, 2 = `z`), so the matrix prints row-major exactly as SimpleITK's
///   `GetDirection()`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    spacing: [f64; 3],
    origin: [f64; 3],
    direction: Matrix3<f64>,
}

impl Default for Geometry {
    fn default() -> Self {
        Self::with_spacing([1.0, 1.0, 1.0])
    }
}

impl Geometry {
    /// Builds a geometry, checking that the spacing is positive and finite, the origin finite
    /// and the direction orthonormal (within 1e-4).
    ///
    /// `direction` is given row-major (nine values as SimpleITK's `GetDirection()`).
    pub fn new(spacing: [f64; 3], origin: [f64; 3], direction: [f64; 9]) -> Result<Self> {
        if spacing.iter().any(|s| !s.is_finite() || *s <= 0.0) {
            return Err(VolumeError::InvalidSpacing { spacing });
        }
        if origin.iter().any(|o| !o.is_finite()) {
            return Err(VolumeError::InvalidOrigin { origin });
        }
        let matrix = Matrix3::from_row_slice(&direction);
        let deviation = orthonormality_deviation(&matrix);
        if !deviation.is_finite() || deviation > ORTHONORMAL_TOLERANCE {
            return Err(VolumeError::NonOrthonormalDirection { direction, deviation });
        }
        Ok(Self { spacing, origin, direction: matrix })
    }

    /// Identity direction, zero origin and the given spacing in mm.
    ///
    /// # Panics
    /// Panics if a spacing is not finite and > 0; use [`Geometry::new`] for user input.
    pub fn with_spacing(spacing: [f64; 3]) -> Self {
        assert!(spacing.iter().all(|s| s.is_finite() && *s > 0.0), "spacing must be finite and > 0, got {spacing:?}");
        Self { spacing, origin: [0.0; 3], direction: Matrix3::identity() }
    }

    /// Voxel spacing `(x, y, z)` in mm.
    pub fn spacing(&self) -> [f64; 3] {
        self.spacing
    }

    /// Physical position of the centre of voxel `[0, 0, 0]`, in mm (LPS).
    pub fn origin(&self) -> [f64; 3] {
        self.origin
    }

    /// Direction cosines, row-major (as SimpleITK's `GetDirection()`).
    pub fn direction(&self) -> [f64; 9] {
        let d = &self.direction;
        [d[(0, 0)], d[(0, 1)], d[(0, 2)], d[(1, 0)], d[(1, 1)], d[(1, 2)], d[(2, 0)], d[(2, 1)], d[(2, 2)]]
    }

    /// Direction cosines as a matrix (columns are the index axes).
    pub fn direction_matrix(&self) -> Matrix3<f64> {
        self.direction
    }

    /// Returns a copy with another spacing (checked as in [`Geometry::new`]).
    pub fn with_new_spacing(&self, spacing: [f64; 3]) -> Result<Self> {
        Self::new(spacing, self.origin, self.direction())
    }

    /// Returns a copy with another origin.
    pub fn with_origin(&self, origin: [f64; 3]) -> Result<Self> {
        Self::new(self.spacing, origin, self.direction())
    }

    /// Returns a copy with another direction (row-major).
    pub fn with_direction(&self, direction: [f64; 9]) -> Result<Self> {
        Self::new(self.spacing, self.origin, direction)
    }

    /// Volume of one voxel in mm³.
    pub fn voxel_volume(&self) -> f64 {
        self.spacing.iter().product()
    }

    /// Matrix `direction * diag(spacing)` mapping index offsets `(i, j, k)` to physical offsets.
    pub fn index_to_physical_matrix(&self) -> Matrix3<f64> {
        self.direction * Matrix3::from_diagonal(&Vector3::from(self.spacing))
    }

    /// Physical point (mm, LPS) of the continuous index `(i, j, k)` = `(x, y, z)`:
    /// `origin + direction * diag(spacing) * index`.
    pub fn index_to_point(&self, index: [f64; 3]) -> [f64; 3] {
        let p = Vector3::from(self.origin) + self.index_to_physical_matrix() * Vector3::from(index);
        [p.x, p.y, p.z]
    }

    /// Continuous index `(x, y, z)` of a physical point (mm, LPS); the inverse of
    /// [`Geometry::index_to_point`].
    pub fn point_to_index(&self, point: [f64; 3]) -> [f64; 3] {
        // direction is orthonormal, so its inverse is its transpose.
        let offset = self.direction.transpose() * (Vector3::from(point) - Vector3::from(self.origin));
        [offset.x / self.spacing[0], offset.y / self.spacing[1], offset.z / self.spacing[2]]
    }

    /// Geometry of the sub-grid whose first voxel is `start` (`[x, y, z]` index) of this grid.
    pub fn shifted_to_index(&self, start: [usize; 3]) -> Self {
        let origin = self.index_to_point([start[0] as f64, start[1] as f64, start[2] as f64]);
        Self { origin, ..*self }
    }

    /// Compares two grids as ITK does before combining an image with a mask: origins within
    /// `tolerance * spacing[0]` mm, spacings within `tolerance * spacing[0]` mm, and direction
    /// entries within `tolerance` (ITK's coordinate and direction tolerances, both 1e-6 by default).
    /// Sizes are compared separately by [`crate::Volume::same_grid`].
    ///
    /// Returns `None` when they match, or a description of the first difference.
    pub fn grid_difference(&self, other: &Geometry, tolerance: f64) -> Option<String> {
        let coordinate_tolerance = tolerance * self.spacing[0];
        for axis in 0..3 {
            let d = (self.spacing[axis] - other.spacing[axis]).abs();
            if d > coordinate_tolerance {
                return Some(format!("spacing {:?} mm vs {:?} mm", self.spacing, other.spacing));
            }
        }
        for axis in 0..3 {
            let d = (self.origin[axis] - other.origin[axis]).abs();
            if d > coordinate_tolerance {
                return Some(format!("origin {:?} mm vs {:?} mm", self.origin, other.origin));
            }
        }
        let deviation = (self.direction - other.direction).abs().max();
        if deviation > tolerance {
            return Some(format!("direction {:?} vs {:?}", self.direction(), other.direction()));
        }
        None
    }
}

/// Largest absolute entry of `D^T D - I`.
fn orthonormality_deviation(direction: &Matrix3<f64>) -> f64 {
    (direction.transpose() * direction - Matrix3::identity()).abs().max()
}

#[cfg(test)]
// The expected values are exact (integers, powers of two, sign flips).
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn index_point_round_trip_oblique() {
        let c = 30f64.to_radians().cos();
        let s = 30f64.to_radians().sin();
        let g = Geometry::new([0.9, 1.1, 5.5], [-10.0, 20.0, 3.0], [c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0]).unwrap();
        let p = g.index_to_point([3.0, 4.5, 2.0]);
        let back = g.point_to_index(p);
        for axis in 0..3 {
            assert_abs_diff_eq!(back[axis], [3.0, 4.5, 2.0][axis], epsilon = 1e-12);
        }
    }

    #[test]
    fn rejects_bad_geometry() {
        let id = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        assert!(matches!(Geometry::new([0.0, 1.0, 1.0], [0.0; 3], id), Err(VolumeError::InvalidSpacing { .. })));
        assert!(matches!(Geometry::new([1.0; 3], [f64::NAN, 0.0, 0.0], id), Err(VolumeError::InvalidOrigin { .. })));
        let sheared = [1.0, 0.5, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        assert!(matches!(Geometry::new([1.0; 3], [0.0; 3], sheared), Err(VolumeError::NonOrthonormalDirection { .. })));
    }

    #[test]
    fn grid_difference_uses_tolerance() {
        let a = Geometry::with_spacing([1.0, 1.0, 1.0]);
        let b = a.with_origin([1e-8, 0.0, 0.0]).unwrap();
        assert!(a.grid_difference(&b, DEFAULT_GEOMETRY_TOLERANCE).is_none());
        let c = a.with_origin([1e-3, 0.0, 0.0]).unwrap();
        assert!(a.grid_difference(&c, DEFAULT_GEOMETRY_TOLERANCE).unwrap().contains("origin"));
    }
}
