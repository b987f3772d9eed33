//! Input preparation: the largest tumour slice, [0, 255] normalisation, sub-region crops,
//! bicubic resizing, mean subtraction and channel layout.

use ndarray::{Array2, Array4, ArrayView2, Axis, s};
use radiomics_volume::{LabelMap, Volume};

use crate::resize::resize_bicubic;
use crate::{DeepFeatError, Result};

/// An MRI sequence of the method, with the code used in feature names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Modality {
    /// T1-weighted, code `T1`.
    T1,
    /// Contrast-enhanced T1-weighted, code `T1C`.
    T1c,
    /// T2-weighted, code `T2`.
    T2,
    /// FLAIR, code `FLAIR`.
    Flair,
}

impl Modality {
    /// The four modalities in feature order.
    pub const ALL: [Modality; 4] = [Modality::T1, Modality::T1c, Modality::T2, Modality::Flair];

    /// Code used in feature names.
    pub fn code(self) -> &'static str {
        match self {
            Self::T1 => "T1",
            Self::T1c => "T1C",
            Self::T2 => "T2",
            Self::Flair => "FLAIR",
        }
    }
}

/// A tumour sub-region, with the code used in feature names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    /// Necrosis, code `SNE` (BraTS label 1 by default).
    Necrosis,
    /// Tumour core: necrosis and enhancing tumour, code `STC` (labels 1 and 4).
    Core,
    /// Whole tumour: core and oedema, code `SWT` (labels 1, 2 and 4).
    Whole,
}

impl Region {
    /// The three regions in feature order.
    pub const ALL: [Region; 3] = [Region::Necrosis, Region::Core, Region::Whole];

    /// Code used in feature names.
    pub fn code(self) -> &'static str {
        match self {
            Self::Necrosis => "SNE",
            Self::Core => "STC",
            Self::Whole => "SWT",
        }
    }

    /// Returns the name used in `--labels` (`necrosis`, `core`, `whole`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Necrosis => "necrosis",
            Self::Core => "core",
            Self::Whole => "whole",
        }
    }
}

/// Segmentation labels of each sub-region (BraTS convention by default: 1 necrosis and
/// non-enhancing core, 2 oedema, 4 enhancing tumour).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionLabels {
    /// Necrosis labels (default `[1]`).
    pub necrosis: Vec<u32>,
    /// Tumour-core labels (default `[1, 4]`).
    pub core: Vec<u32>,
    /// Whole-tumour labels (default `[1, 2, 4]`); the largest slice is chosen on this region.
    pub whole: Vec<u32>,
}

impl Default for RegionLabels {
    fn default() -> Self {
        Self { necrosis: vec![1], core: vec![1, 4], whole: vec![1, 2, 4] }
    }
}

impl RegionLabels {
    /// Returns the labels of `region`.
    pub fn of(&self, region: Region) -> &[u32] {
        match region {
            Region::Necrosis => &self.necrosis,
            Region::Core => &self.core,
            Region::Whole => &self.whole,
        }
    }

    /// Parses `necrosis=1,core=1,4,whole=1,2,4` (any subset; the others keep their default).
    /// A number after a comma belongs to the region named last.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid =
            |reason: String| DeepFeatError::InvalidSetting { name: "labels", value: text.to_string(), reason };
        let mut labels = Self::default();
        let mut current: Option<Region> = None;
        let mut seen = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let value = match part.split_once('=') {
                Some((key, value)) => {
                    let region = Region::ALL
                        .into_iter()
                        .find(|r| r.key() == key.trim())
                        .ok_or_else(|| invalid(format!("unknown region `{key}`; use necrosis, core or whole")))?;
                    if seen.contains(&region) {
                        return Err(invalid(format!("region {key} is given twice")));
                    }
                    seen.push(region);
                    current = Some(region);
                    let list = match region {
                        Region::Necrosis => &mut labels.necrosis,
                        Region::Core => &mut labels.core,
                        Region::Whole => &mut labels.whole,
                    };
                    list.clear();
                    value
                }
                None => part,
            };
            let region = current.ok_or_else(|| invalid("start with a region name, e.g. necrosis=1".into()))?;
            let label: u32 =
                value.trim().parse().map_err(|_| invalid(format!("`{value}` is not a non-negative integer label")))?;
            if label == 0 {
                return Err(invalid("label 0 is the background".into()));
            }
            match region {
                Region::Necrosis => labels.necrosis.push(label),
                Region::Core => labels.core.push(label),
                Region::Whole => labels.whole.push(label),
            }
        }
        if seen.is_empty() {
            return Err(invalid("no region given".into()));
        }
        Ok(labels)
    }
}

/// Order of the colour channels the network expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColourOrder {
    /// Red, green, blue (most ONNX ImageNet models, MatConvNet).
    #[default]
    Rgb,
    /// Blue, green, red (Caffe models, including the released CNN-S).
    Bgr,
}

impl ColourOrder {
    /// Index of the red channel.
    pub fn red(self) -> usize {
        match self {
            Self::Rgb => 0,
            Self::Bgr => 2,
        }
    }
}

/// Layout of a greyscale crop in the three input channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GreyscaleInput {
    /// The image in the red channel; green and blue are zero after mean subtraction (the
    /// method's "G and B channels turned off").
    #[default]
    RedOnly,
    /// The image in all three channels, each minus its own channel mean.
    Replicated,
}

/// Pixels whose minimum and maximum set the [0, 255] normalisation range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NormalisationScope {
    /// Minimum and maximum of the modality's whole chosen axial slice.
    #[default]
    Slice,
    /// Minimum and maximum inside each crop's bounding box.
    Crop,
}

/// Handling of a sub-region with no pixel on the chosen slice (for example a tumour without
/// necrosis).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmptyRegionPolicy {
    /// Return [`DeepFeatError::EmptyRegion`].
    #[default]
    Error,
    /// Return NaN for that region's features and go on.
    NanFeatures,
}

/// Settings of the input preparation.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepareSettings {
    /// Output height and width of each crop (224 for CNN-S).
    pub input_size: usize,
    /// Labels of each sub-region.
    pub labels: RegionLabels,
    /// Channel order of the network.
    pub colour_order: ColourOrder,
    /// Layout of the greyscale crop in the channels.
    pub greyscale: GreyscaleInput,
    /// Mean subtracted from each channel, in the network's channel order, on the 0-255
    /// scale. The default is the ImageNet training-set mean in BGR order
    /// (103.939, 116.779, 123.68), as published with the VGG Caffe models.
    /// [`PrepareSettings::for_model`] replaces it with a model's own `radiomics.mean`.
    pub mean: [f32; 3],
    /// Pixels that set the normalisation range.
    pub normalisation: NormalisationScope,
    /// Handling of an empty sub-region.
    pub empty_region: EmptyRegionPolicy,
}

/// The ImageNet mean in BGR order on the 0-255 scale (VGG Caffe models).
pub const IMAGENET_MEAN_BGR: [f32; 3] = [103.939, 116.779, 123.68];

impl Default for PrepareSettings {
    fn default() -> Self {
        Self {
            input_size: 224,
            labels: RegionLabels::default(),
            colour_order: ColourOrder::Bgr,
            greyscale: GreyscaleInput::RedOnly,
            mean: IMAGENET_MEAN_BGR,
            normalisation: NormalisationScope::Slice,
            empty_region: EmptyRegionPolicy::Error,
        }
    }
}

/// Inclusive 2-D bounding box `[row, column]` on an axial slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliceBox {
    /// First row (`y`) and column (`x`).
    pub min: [usize; 2],
    /// Last row and column (inclusive).
    pub max: [usize; 2],
}

/// One patient's crops, ready for the network.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedBatch {
    /// The crops `[k, 3, s, s]`, one per entry of `crops`.
    pub batch: Array4<f32>,
    /// `(modality, region, box)` of each crop, in batch order.
    pub crops: Vec<(Modality, Region, SliceBox)>,
    /// Regions left out because they are empty on the slice ([`EmptyRegionPolicy::NanFeatures`]).
    pub empty: Vec<Region>,
    /// The chosen axial slice (`z` index, 0-based).
    pub slice: usize,
    /// Tumour pixels on that slice.
    pub tumour_area: usize,
}

/// Picks the axial slice (index `z`) with the most voxels in `labels`; ties go to the lowest
/// `z`. Returns the slice and its voxel count.
pub fn largest_slice(segmentation: &LabelMap, labels: &[u32], what: &str) -> Result<(usize, usize)> {
    let data = segmentation.0.data();
    let mut best = (0, 0);
    for (z, plane) in data.axis_iter(Axis(0)).enumerate() {
        let count = plane.iter().filter(|l| labels.contains(l)).count();
        if count > best.1 {
            best = (z, count);
        }
    }
    if best.1 == 0 {
        return Err(DeepFeatError::EmptySegmentation {
            what: what.to_string(),
            labels: labels.to_vec(),
            present: segmentation.labels(),
        });
    }
    Ok(best)
}

/// Bounding box of the pixels of `plane` whose label is in `labels`, `None` when there are none.
pub fn region_box(plane: ArrayView2<'_, u32>, labels: &[u32]) -> Option<SliceBox> {
    let mut min = [usize::MAX; 2];
    let mut max = [0usize; 2];
    let mut any = false;
    for ((y, x), l) in plane.indexed_iter() {
        if labels.contains(l) {
            any = true;
            min = [min[0].min(y), min[1].min(x)];
            max = [max[0].max(y), max[1].max(x)];
        }
    }
    any.then_some(SliceBox { min, max })
}

/// Maps `image` linearly so that its finite minimum becomes 0 and its maximum 255:
/// `v' = 255 (v - min) / (max - min)`. A constant image maps to 0; NaN stays NaN.
pub fn normalise_0_255(image: ArrayView2<'_, f32>) -> Array2<f32> {
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in image.iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let range = hi - lo;
    if range.is_finite() && range > 0.0 {
        image.mapv(|v| 255.0 * (v - lo) / range)
    } else {
        image.mapv(|v| if v.is_nan() { v } else { 0.0 })
    }
}

/// Writes one greyscale crop (already resized, on the 0-255 scale) into `out` `[3, s, s]`,
/// subtracting the mean and laying out the channels as `settings` specify.
fn fill_channels(crop: &Array2<f32>, settings: &PrepareSettings, mut out: ndarray::ArrayViewMut3<'_, f32>) {
    match settings.greyscale {
        GreyscaleInput::Replicated => {
            for c in 0..3 {
                let mean = settings.mean[c];
                out.index_axis_mut(Axis(0), c).zip_mut_with(crop, |o, &v| *o = v - mean);
            }
        }
        GreyscaleInput::RedOnly => {
            let red = settings.colour_order.red();
            out.fill(0.0);
            let mean = settings.mean[red];
            out.index_axis_mut(Axis(0), red).zip_mut_with(crop, |o, &v| *o = v - mean);
        }
    }
}

/// Prepares the crops of one patient.
///
/// Steps, for the axial slice with the largest whole-tumour area ([`largest_slice`]):
/// 1. each modality's slice is normalised to [0, 255] ([`normalise_0_255`], over the slice or
///    over each crop, see [`NormalisationScope`]);
/// 2. each sub-region's 2-D bounding box on that slice is cropped from each modality (the
///    box contains every pixel inside it, not only the region's);
/// 3. each crop is resized to `input_size` x `input_size` with MATLAB-style bicubic
///    interpolation ([`crate::resize`]), whatever its aspect ratio;
/// 4. the mean is subtracted and the channels are filled ([`GreyscaleInput`]).
///
/// The batch is ordered modality-major: `images` order, then [`Region::ALL`]. All images and
/// the segmentation must share one voxel grid. `what` names the patient in messages.
pub fn prepare_patient<T: Copy + Into<f64>>(
    images: &[(Modality, &Volume<T>)],
    segmentation: &LabelMap,
    settings: &PrepareSettings,
    what: &str,
) -> Result<PreparedBatch> {
    if settings.input_size == 0 {
        return Err(DeepFeatError::InvalidSetting {
            name: "input_size",
            value: "0".into(),
            reason: "the crop size must be at least 1".into(),
        });
    }
    for (modality, image) in images {
        image
            .same_grid(
                &segmentation.0,
                radiomics_volume::DEFAULT_GEOMETRY_TOLERANCE,
                &format!("{} image and segmentation", modality.code()),
            )
            .map_err(|e| DeepFeatError::Volume { what: what.to_string(), detail: e.to_string() })?;
    }
    let (slice, tumour_area) = largest_slice(segmentation, &settings.labels.whole, what)?;
    let plane = segmentation.0.data().index_axis_move(Axis(0), slice);

    let mut boxes = Vec::new();
    let mut empty = Vec::new();
    for region in Region::ALL {
        let labels = settings.labels.of(region);
        match region_box(plane, labels) {
            Some(b) => boxes.push((region, b)),
            None if settings.empty_region == EmptyRegionPolicy::NanFeatures => {
                tracing::warn!(patient = what, region = region.code(), slice, "empty sub-region; its features are NaN");
                empty.push(region);
            }
            None => {
                return Err(DeepFeatError::EmptyRegion {
                    what: what.to_string(),
                    region: region.code().to_string(),
                    labels: labels.to_vec(),
                    slice,
                });
            }
        }
    }

    let size = settings.input_size;
    let mut batch = Array4::<f32>::zeros((images.len() * boxes.len(), 3, size, size));
    let mut crops = Vec::with_capacity(batch.dim().0);
    for (modality, image) in images {
        let grey: Array2<f32> = image.data().index_axis_move(Axis(0), slice).mapv(|v| Into::<f64>::into(v) as f32);
        let slice_normalised =
            (settings.normalisation == NormalisationScope::Slice).then(|| normalise_0_255(grey.view()));
        for &(region, b) in &boxes {
            let window = s![b.min[0]..=b.max[0], b.min[1]..=b.max[1]];
            let crop = match &slice_normalised {
                Some(normalised) => normalised.slice(window).to_owned(),
                None => normalise_0_255(grey.slice(window)),
            };
            let resized = resize_bicubic(crop.view(), size, size);
            let k = crops.len();
            fill_channels(&resized, settings, batch.index_axis_mut(Axis(0), k));
            crops.push((*modality, region, b));
        }
    }
    Ok(PreparedBatch { batch, crops, empty, slice, tumour_area })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array3, array};
    use radiomics_volume::Geometry;

    fn seg() -> LabelMap {
        // z = 1 has 6 tumour voxels, z = 2 has 4.
        let mut data = Array3::<u32>::zeros((3, 6, 7));
        data[[1, 1, 1]] = 1;
        data[[1, 1, 2]] = 4;
        data[[1, 2, 2]] = 2;
        data[[1, 3, 4]] = 2;
        data[[1, 2, 1]] = 4;
        data[[1, 4, 5]] = 2;
        for x in 0..4 {
            data[[2, 0, x]] = 2;
        }
        LabelMap(Volume::new(data, Geometry::default()).unwrap())
    }

    #[test]
    fn largest_slice_by_whole_tumour() {
        assert_eq!(largest_slice(&seg(), &[1, 2, 4], "p").unwrap(), (1, 6));
        // By oedema alone, z = 2 wins (4 voxels against 3).
        assert_eq!(largest_slice(&seg(), &[2], "p").unwrap(), (2, 4));
    }

    #[test]
    fn empty_segmentation_is_error() {
        let err = largest_slice(&seg(), &[7], "patient-3").unwrap_err().to_string();
        assert!(err.contains("patient-3") && err.contains("[7]") && err.contains("[1, 2, 4]"), "{err}");
    }

    #[test]
    fn boxes_of_regions() {
        let s = seg();
        let plane = s.0.data().index_axis_move(Axis(0), 1);
        assert_eq!(region_box(plane, &[1]), Some(SliceBox { min: [1, 1], max: [1, 1] }));
        assert_eq!(region_box(plane, &[1, 4]), Some(SliceBox { min: [1, 1], max: [2, 2] }));
        assert_eq!(region_box(plane, &[1, 2, 4]), Some(SliceBox { min: [1, 1], max: [4, 5] }));
        assert_eq!(region_box(plane, &[3]), None);
    }

    #[test]
    fn normalise_maps_min_max() {
        let out = normalise_0_255(array![[10.0f32, 20.0], [15.0, 30.0]].view());
        assert_eq!(out, array![[0.0, 127.5], [63.75, 255.0]]);
        let flat = normalise_0_255(array![[3.0f32, 3.0]].view());
        assert_eq!(flat, array![[0.0, 0.0]]);
    }

    #[test]
    fn labels_parse() {
        let l = RegionLabels::parse("necrosis=1,core=1,4,whole=1,2,4").unwrap();
        assert_eq!(l, RegionLabels::default());
        let l = RegionLabels::parse("necrosis=3").unwrap();
        assert_eq!(l.necrosis, vec![3]);
        assert_eq!(l.core, vec![1, 4]);
        for bad in ["1,2", "tumour=1", "necrosis=x", "necrosis=0", "core=1,core=4", ""] {
            assert!(RegionLabels::parse(bad).is_err(), "{bad}");
        }
    }

    fn image(value: impl Fn(usize, usize, usize) -> f32) -> Volume<f32> {
        Volume::new(Array3::from_shape_fn((3, 6, 7), |(z, y, x)| value(z, y, x)), Geometry::default()).unwrap()
    }

    #[test]
    fn one_pixel_necrosis_crop_is_constant() {
        // The necrosis box is the single pixel (1, 1); its normalised value fills the crop.
        let img = image(|_, y, x| (y * 7 + x) as f32);
        let settings = PrepareSettings { input_size: 8, ..Default::default() };
        let prepared = prepare_patient(&[(Modality::T1, &img)], &seg(), &settings, "p").unwrap();
        assert_eq!(prepared.slice, 1);
        assert_eq!(prepared.crops.len(), 3);
        // Slice values 0..=41, pixel (1, 1) = 8 -> 255 * 8 / 41; BGR red channel is index 2.
        let expected = 255.0 * 8.0 / 41.0 - IMAGENET_MEAN_BGR[2];
        let necrosis = prepared.batch.index_axis(Axis(0), 0);
        assert!(necrosis.index_axis(Axis(0), 2).iter().all(|&v| (v - expected).abs() < 1e-3));
        assert!(necrosis.index_axis(Axis(0), 0).iter().all(|&v| v == 0.0));
        assert!(necrosis.index_axis(Axis(0), 1).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn replicated_channels_subtract_each_mean() {
        let img = image(|_, _, _| 5.0);
        let settings = PrepareSettings {
            input_size: 4,
            greyscale: GreyscaleInput::Replicated,
            mean: [1.0, 2.0, 3.0],
            ..Default::default()
        };
        let prepared = prepare_patient(&[(Modality::T2, &img)], &seg(), &settings, "p").unwrap();
        // A constant slice normalises to 0, so each channel is -mean.
        for c in 0..3 {
            let channel = prepared.batch.slice(s![0, c, .., ..]);
            assert!(channel.iter().all(|&v| v == -settings.mean[c]));
        }
    }

    #[test]
    fn crop_scope_normalises_inside_box() {
        let img = image(|_, y, x| (y * 7 + x) as f32);
        let settings = PrepareSettings {
            input_size: 2,
            normalisation: NormalisationScope::Crop,
            greyscale: GreyscaleInput::Replicated,
            mean: [0.0; 3],
            ..Default::default()
        };
        let prepared = prepare_patient(&[(Modality::T1, &img)], &seg(), &settings, "p").unwrap();
        // The core box rows 1..=2, columns 1..=2 holds 8, 9, 15, 16: a 2 x 2 crop resized to
        // 2 x 2 is itself, normalised to 0, 255/8, 255*7/8, 255.
        let core = prepared.batch.slice(s![1, 0, .., ..]);
        let expected = array![[0.0f32, 31.875], [223.125, 255.0]];
        for (a, b) in core.iter().zip(expected.iter()) {
            assert!((a - b).abs() < 1e-3, "{core:?}");
        }
    }

    #[test]
    fn empty_region_error_or_nan() {
        let img = image(|_, _, _| 1.0);
        let labels = RegionLabels { necrosis: vec![3], ..Default::default() };
        let settings = PrepareSettings { input_size: 4, labels, ..Default::default() };
        let err = prepare_patient(&[(Modality::T1, &img)], &seg(), &settings, "p7").unwrap_err();
        assert!(matches!(&err, DeepFeatError::EmptyRegion { region, slice: 1, .. } if region == "SNE"), "{err}");
        let settings = PrepareSettings { empty_region: EmptyRegionPolicy::NanFeatures, ..settings };
        let prepared = prepare_patient(&[(Modality::T1, &img)], &seg(), &settings, "p7").unwrap();
        assert_eq!(prepared.empty, vec![Region::Necrosis]);
        assert_eq!(prepared.crops.len(), 2);
    }

    #[test]
    fn grid_mismatch_is_error() {
        let img = Volume::new(Array3::<f32>::zeros((3, 6, 8)), Geometry::default()).unwrap();
        let err = prepare_patient(&[(Modality::Flair, &img)], &seg(), &PrepareSettings::default(), "p").unwrap_err();
        assert!(matches!(err, DeepFeatError::Volume { .. }), "{err}");
    }
}
