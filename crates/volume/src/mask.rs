use std::fmt;

use ndarray::{Array3, Zip};

use crate::{Result, Volume, VolumeError};

/// Inclusive voxel bounds `[x, y, z]` of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundingBox {
    /// First voxel index `[x, y, z]` inside the region.
    pub min: [usize; 3],
    /// Last voxel index `[x, y, z]` inside the region (inclusive).
    pub max: [usize; 3],
}

impl BoundingBox {
    /// Number of voxels along `[x, y, z]`.
    pub fn size(&self) -> [usize; 3] {
        [0, 1, 2].map(|a| self.max[a] - self.min[a] + 1)
    }

    /// The box grown by `padding` voxels on every side, clipped to an image of `size` (`[x, y, z]`).
    pub fn padded(&self, padding: usize, size: [usize; 3]) -> Self {
        Self {
            min: [0, 1, 2].map(|a| self.min[a].saturating_sub(padding)),
            max: [0, 1, 2].map(|a| (self.max[a] + padding).min(size[a].saturating_sub(1))),
        }
    }
}

impl fmt::Display for BoundingBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "x {}..={}, y {}..={}, z {}..={}",
            self.min[0], self.max[0], self.min[1], self.max[1], self.min[2], self.max[2]
        )
    }
}

/// Integer label image (e.g. a BraTS segmentation: 1 necrosis, 2 oedema, 4 enhancing tumour).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelMap(pub Volume<u32>);

/// Boolean region of interest on a voxel grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Mask(pub Volume<bool>);

impl LabelMap {
    /// Converts an image of label values. Each value must be a non-negative integer; as in
    /// PyRadiomics, a value with a fractional part is an error rather than being truncated
    /// silently.
    pub fn from_volume<T: Copy + Into<f64>>(volume: &Volume<T>) -> Result<Self> {
        Self::from_volume_named(volume, "label map")
    }

    /// As [`LabelMap::from_volume`], naming the label map (e.g. its file) in the error.
    pub fn from_volume_named<T: Copy + Into<f64>>(volume: &Volume<T>, what: &str) -> Result<Self> {
        let mut bad = None;
        let labels = volume.map(|v| {
            let x: f64 = (*v).into();
            if x.fract().abs() > 0.0 || !(0.0..=u32::MAX as f64).contains(&x) {
                bad.get_or_insert(x);
                0
            } else {
                x as u32
            }
        });
        match bad {
            None => Ok(Self(labels)),
            Some(value) => Err(VolumeError::InvalidLabelValue { what: what.to_string(), value }),
        }
    }

    /// The distinct non-zero labels present, sorted.
    pub fn labels(&self) -> Vec<u32> {
        let mut seen: Vec<u32> = self.0.array().iter().copied().filter(|&l| l != 0).collect();
        seen.sort_unstable();
        seen.dedup();
        seen
    }

    /// Number of voxels carrying `label`.
    pub fn count(&self, label: u32) -> usize {
        self.0.array().iter().filter(|&&l| l == label).count()
    }

    /// Mask of the voxels whose label is any of `labels` (their union: BraTS tumour core = `[1, 4]`).
    pub fn mask(&self, labels: &[u32]) -> Mask {
        Mask(self.0.map(|l| labels.contains(l)))
    }

    /// As [`LabelMap::mask`], but an empty result is an error naming the labels and `what`.
    pub fn nonempty_mask(&self, labels: &[u32], what: &str) -> Result<Mask> {
        let mask = self.mask(labels);
        if mask.count() == 0 {
            return Err(VolumeError::EmptyMask {
                what: format!("labels {labels:?} of {what} (labels present: {:?})", self.labels()),
            });
        }
        Ok(mask)
    }
}

impl Mask {
    /// Mask from voxels that are non-zero in `volume`.
    pub fn from_nonzero<T: Copy + Into<f64>>(volume: &Volume<T>) -> Self {
        Mask(volume.map(|v| (*v).into() != 0.0))
    }

    /// The underlying boolean volume.
    pub fn volume(&self) -> &Volume<bool> {
        &self.0
    }

    /// Number of voxels in the mask.
    pub fn count(&self) -> usize {
        self.0.array().iter().filter(|&&b| b).count()
    }

    /// Physical volume of the mask in mm³ (voxel count times voxel volume).
    pub fn physical_volume(&self) -> f64 {
        self.count() as f64 * self.0.geometry().voxel_volume()
    }

    /// Tight bounding box of the mask, `None` when it is empty.
    pub fn bounding_box(&self) -> Option<BoundingBox> {
        let mut min = [usize::MAX; 3];
        let mut max = [0usize; 3];
        let mut any = false;
        for ((z, y, x), &inside) in self.0.array().indexed_iter() {
            if inside {
                any = true;
                for (a, i) in [x, y, z].into_iter().enumerate() {
                    min[a] = min[a].min(i);
                    max[a] = max[a].max(i);
                }
            }
        }
        any.then_some(BoundingBox { min, max })
    }

    /// Voxel-wise union.
    pub fn union(&self, other: &Mask) -> Result<Mask> {
        self.0.same_grid(&other.0, crate::DEFAULT_GEOMETRY_TOLERANCE, "union of two masks")?;
        let data: Array3<bool> = Zip::from(self.0.array()).and(other.0.array()).map_collect(|&a, &b| a || b);
        Ok(Mask(Volume::new(data, *self.0.geometry())?))
    }

    /// Voxel-wise intersection.
    pub fn intersection(&self, other: &Mask) -> Result<Mask> {
        self.0.same_grid(&other.0, crate::DEFAULT_GEOMETRY_TOLERANCE, "intersection of two masks")?;
        let data: Array3<bool> = Zip::from(self.0.array()).and(other.0.array()).map_collect(|&a, &b| a && b);
        Ok(Mask(Volume::new(data, *self.0.geometry())?))
    }
}

#[cfg(test)]
// The expected values are exact (integers, powers of two, sign flips).
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::Geometry;

    fn labels() -> LabelMap {
        let mut data = Array3::<u32>::zeros((4, 5, 6));
        data[[1, 1, 1]] = 1;
        data[[2, 3, 4]] = 4;
        data[[2, 2, 2]] = 2;
        LabelMap(Volume::new(data, Geometry::default()).unwrap())
    }

    #[test]
    fn union_of_labels() {
        let l = labels();
        assert_eq!(l.labels(), vec![1, 2, 4]);
        let core = l.mask(&[1, 4]);
        assert_eq!(core.count(), 2);
        let bbox = core.bounding_box().unwrap();
        assert_eq!(bbox, BoundingBox { min: [1, 1, 1], max: [4, 3, 2] });
        assert_eq!(bbox.padded(2, [6, 5, 4]), BoundingBox { min: [0, 0, 0], max: [5, 4, 3] });
    }

    #[test]
    fn empty_label_is_error() {
        let err = labels().nonempty_mask(&[3], "seg.nii.gz").unwrap_err().to_string();
        assert!(err.contains("[3]") && err.contains("seg.nii.gz"), "{err}");
    }

    #[test]
    fn fractional_label_rejected() {
        let v = Volume::new(Array3::from_elem((1, 1, 2), 1.5f64), Geometry::default()).unwrap();
        assert!(LabelMap::from_volume(&v).is_err());
    }
}
