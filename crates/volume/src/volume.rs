use ndarray::{Array3, ArrayView3, ArrayViewMut3, s};

use crate::{BoundingBox, Geometry, Result, VolumeError};

/// A 3-D image: voxels indexed `[z, y, x]` plus their [`Geometry`] in LPS physical space.
///
/// `size()` reports `[x, y, z]` as ITK does, while `data().dim()` is `(z, y, x)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Volume<T> {
    data: Array3<T>,
    geometry: Geometry,
}

/// Summary statistics of an image's voxel values, ignoring NaN and infinite values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoxelStatistics {
    /// Smallest finite value (NaN when no voxel is finite).
    pub min: f64,
    /// Largest finite value (NaN when no voxel is finite).
    pub max: f64,
    /// Sum of the finite values.
    pub sum: f64,
    /// Number of NaN voxels.
    pub nan_count: usize,
    /// Number of +/- infinite voxels.
    pub infinite_count: usize,
}

impl<T> Volume<T> {
    /// Wraps voxels (`[z, y, x]`) and a geometry. Fails if the array has a zero-length axis.
    pub fn new(data: Array3<T>, geometry: Geometry) -> Result<Self> {
        let (z, y, x) = data.dim();
        if x == 0 || y == 0 || z == 0 {
            return Err(VolumeError::OutOfBounds {
                region: "an image with a zero-length axis".into(),
                size: [x, y, z],
            });
        }
        Ok(Self { data, geometry })
    }

    /// Voxel values, indexed `[z, y, x]`.
    pub fn data(&self) -> ArrayView3<'_, T> {
        self.data.view()
    }

    /// Mutable voxel values, indexed `[z, y, x]`.
    pub fn data_mut(&mut self) -> ArrayViewMut3<'_, T> {
        self.data.view_mut()
    }

    /// Owned voxel array, indexed `[z, y, x]`.
    pub fn array(&self) -> &Array3<T> {
        &self.data
    }

    /// Consumes the volume, returning the voxels and the geometry.
    pub fn into_parts(self) -> (Array3<T>, Geometry) {
        (self.data, self.geometry)
    }

    /// The grid geometry.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// Replaces the geometry, keeping the voxels.
    pub fn set_geometry(&mut self, geometry: Geometry) {
        self.geometry = geometry;
    }

    /// Number of voxels along `[x, y, z]` (ITK's `GetSize()` order).
    pub fn size(&self) -> [usize; 3] {
        let (z, y, x) = self.data.dim();
        [x, y, z]
    }

    /// Total number of voxels.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Always false: a volume has at least one voxel.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Voxel spacing `(x, y, z)` in mm.
    pub fn spacing(&self) -> [f64; 3] {
        self.geometry.spacing()
    }

    /// Applies `f` to every voxel, keeping the geometry.
    pub fn map<U, F: FnMut(&T) -> U>(&self, f: F) -> Volume<U> {
        Volume { data: self.data.map(f), geometry: self.geometry }
    }

    /// Checks that `other` lies on the same grid (size, spacing, origin, direction) within the
    /// relative tolerance `tolerance` (see [`Geometry::grid_difference`]; ITK uses 1e-6).
    ///
    /// `what` names the pair in the error message, e.g. `"image t1.nii.gz and mask seg.nii.gz"`.
    pub fn same_grid<U>(&self, other: &Volume<U>, tolerance: f64, what: &str) -> Result<()> {
        if self.size() != other.size() {
            return Err(VolumeError::GeometryMismatch {
                what: what.to_string(),
                detail: format!("size {:?} vs {:?} voxels ([x, y, z])", self.size(), other.size()),
            });
        }
        match self.geometry.grid_difference(&other.geometry, tolerance) {
            None => Ok(()),
            Some(detail) => Err(VolumeError::GeometryMismatch { what: what.to_string(), detail }),
        }
    }

    /// Whether `other` lies on the same grid within `tolerance` (see [`Volume::same_grid`]).
    pub fn is_same_grid<U>(&self, other: &Volume<U>, tolerance: f64) -> bool {
        self.same_grid(other, tolerance, "").is_ok()
    }
}

impl<T: Clone> Volume<T> {
    /// Copies the region `bbox` (inclusive `[x, y, z]` bounds), with the origin moved so that every
    /// voxel keeps its physical position.
    pub fn crop(&self, bbox: &BoundingBox) -> Result<Self> {
        let size = self.size();
        if (0..3).any(|a| bbox.min[a] > bbox.max[a] || bbox.max[a] >= size[a]) {
            return Err(VolumeError::OutOfBounds { region: format!("{bbox}"), size });
        }
        let data = self
            .data
            .slice(s![bbox.min[2]..=bbox.max[2], bbox.min[1]..=bbox.max[1], bbox.min[0]..=bbox.max[0]])
            .to_owned();
        Ok(Self { data, geometry: self.geometry.shifted_to_index(bbox.min) })
    }

    /// Crops to `bbox` grown by `padding` voxels on every side, clipped to the image.
    pub fn crop_padded(&self, bbox: &BoundingBox, padding: usize) -> Result<Self> {
        self.crop(&bbox.padded(padding, self.size()))
    }
}

impl<T: Copy + Into<f64>> Volume<T> {
    /// Converts every voxel to `f64`.
    pub fn to_f64(&self) -> Volume<f64> {
        self.map(|v| (*v).into())
    }

    /// Minimum, maximum and sum of the finite voxels, with counts of NaN and infinite voxels.
    pub fn statistics(&self) -> VoxelStatistics {
        let mut stats =
            VoxelStatistics { min: f64::INFINITY, max: f64::NEG_INFINITY, sum: 0.0, nan_count: 0, infinite_count: 0 };
        for &v in self.data.iter() {
            let v: f64 = v.into();
            if v.is_nan() {
                stats.nan_count += 1;
            } else if v.is_infinite() {
                stats.infinite_count += 1;
            } else {
                stats.min = stats.min.min(v);
                stats.max = stats.max.max(v);
                stats.sum += v;
            }
        }
        if stats.min > stats.max {
            stats.min = f64::NAN;
            stats.max = f64::NAN;
        }
        stats
    }
}

#[cfg(test)]
// The expected values are exact (integers, powers of two, sign flips).
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    fn ramp() -> Volume<f64> {
        let data = Array3::from_shape_fn((3, 4, 5), |(z, y, x)| (100 * z + 10 * y + x) as f64);
        Volume::new(data, Geometry::with_spacing([1.0, 2.0, 3.0])).unwrap()
    }

    #[test]
    fn crop_keeps_physical_positions() {
        let v = ramp();
        let bbox = BoundingBox { min: [1, 2, 1], max: [3, 3, 2] };
        let c = v.crop(&bbox).unwrap();
        assert_eq!(c.size(), [3, 2, 2]);
        assert_eq!(c.data()[[0, 0, 0]], 121.0);
        assert_eq!(c.geometry().origin(), v.geometry().index_to_point([1.0, 2.0, 1.0]));
    }

    #[test]
    fn crop_out_of_bounds_is_error() {
        let v = ramp();
        let bbox = BoundingBox { min: [0, 0, 0], max: [5, 0, 0] };
        assert!(matches!(v.crop(&bbox), Err(VolumeError::OutOfBounds { .. })));
    }

    #[test]
    fn statistics_skip_nan() {
        let mut v = ramp();
        v.data_mut()[[0, 0, 0]] = f64::NAN;
        v.data_mut()[[0, 0, 1]] = f64::INFINITY;
        let s = v.statistics();
        assert_eq!(s.nan_count, 1);
        assert_eq!(s.infinite_count, 1);
        assert_eq!(s.min, 2.0);
        assert_eq!(s.max, 234.0);
    }

    #[test]
    fn same_grid_reports_size() {
        let a = ramp();
        let b = Volume::new(Array3::<u8>::zeros((3, 4, 4)), *a.geometry()).unwrap();
        let err = a.same_grid(&b, 1e-6, "image and mask").unwrap_err().to_string();
        assert!(err.contains("size"), "{err}");
    }
}
