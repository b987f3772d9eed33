//! Layer-by-layer description of a plain feed-forward CNN (the CNN-S family), its shape
//! inference, and the weights container.
//!
//! Layout conventions are Caffe's, which are also ONNX's: activations are `[N, C, H, W]`,
//! convolution weights `[out, in / group, kh, kw]`, inner-product weights `[out, in]` applied
//! to the input flattened in `C, H, W` order.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::{DeepFeatError, Result};

/// How a pooling layer rounds its output size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolRounding {
    /// `ceil((in + 2 pad - kernel) / stride) + 1`, Caffe's rule (and ONNX `ceil_mode = 1`).
    Ceil,
    /// `floor((in + 2 pad - kernel) / stride) + 1`, the ONNX and PyTorch default.
    Floor,
}

/// One layer's operation and hyper-parameters. Two-element arrays are `[height, width]`.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerKind {
    /// 2-D convolution (cross-correlation) with bias.
    Convolution {
        /// Number of output channels.
        out_channels: usize,
        /// Kernel size `[kh, kw]`.
        kernel: [usize; 2],
        /// Stride `[sh, sw]`.
        stride: [usize; 2],
        /// Zero padding on each side `[ph, pw]`.
        pad: [usize; 2],
        /// Number of channel groups (1 for CNN-S).
        group: usize,
        /// Whether the layer adds a bias.
        bias: bool,
    },
    /// `max(x, 0)`.
    Relu,
    /// Local response normalisation across channels, Caffe's and ONNX's formula:
    /// `y = x / (bias + alpha / size * sum over `size` neighbouring channels of x^2)^beta`.
    Lrn {
        /// Number of channels summed (odd).
        size: usize,
        /// Scale `alpha` (divided by `size` in the formula).
        alpha: f32,
        /// Exponent `beta`.
        beta: f32,
        /// Additive constant (`k` in Caffe).
        bias: f32,
    },
    /// Max pooling.
    MaxPool {
        /// Window `[kh, kw]`.
        kernel: [usize; 2],
        /// Stride `[sh, sw]`.
        stride: [usize; 2],
        /// Padding on each side `[ph, pw]`.
        pad: [usize; 2],
        /// Output size rounding.
        rounding: PoolRounding,
    },
    /// Fully connected layer `y = W x + b`; a spatial input is flattened in `C, H, W` order.
    InnerProduct {
        /// Number of output units.
        out_features: usize,
        /// Whether the layer adds a bias.
        bias: bool,
    },
    /// Softmax over the units.
    Softmax,
}

/// A named layer. The name is also the name of the layer's output tensor in the ONNX graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Layer name, e.g. `conv1`, `fc6`.
    pub name: String,
    /// Operation.
    pub kind: LayerKind,
}

/// Shape of one image's activation (the batch axis left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivationShape {
    /// `[C, H, W]` feature maps.
    Spatial([usize; 3]),
    /// A vector of units.
    Flat(usize),
}

impl ActivationShape {
    /// Number of values.
    pub fn len(&self) -> usize {
        match *self {
            Self::Spatial([c, h, w]) => c * h * w,
            Self::Flat(n) => n,
        }
    }

    /// Returns whether the shape contains no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Shapes of a layer's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterShape {
    /// Layer name.
    pub layer: String,
    /// Weight shape (`[out, in / group, kh, kw]` or `[out, in]`).
    pub weight: Vec<usize>,
    /// Bias shape `[out]`, when the layer has a bias.
    pub bias: Option<Vec<usize>>,
    /// Inputs per output unit, `in / group * kh * kw` or `in`: the He-normal fan-in.
    pub fan_in: usize,
}

/// A feed-forward network: an input of `input_channels x input_size` and a chain of layers.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Network name, written into the ONNX graph.
    pub name: String,
    /// Input channels (3 for ImageNet networks).
    pub input_channels: usize,
    /// Input `[height, width]`.
    pub input_size: [usize; 2],
    /// The layers in order.
    pub layers: Vec<Layer>,
}

/// Channel and unit counts of a CNN-S-shaped network; [`CnnSWidths::FULL`] is CNN-S itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CnnSWidths {
    /// conv1 filters (96).
    pub conv1: usize,
    /// conv2 filters (256).
    pub conv2: usize,
    /// conv3, conv4 and conv5 filters (512).
    pub conv3_5: usize,
    /// fc6 and fc7 units (4096).
    pub fc: usize,
    /// fc8 units, the ImageNet classes (1000).
    pub classes: usize,
}

impl CnnSWidths {
    /// The published CNN-S: 96, 256, 512 filters, 4096 fc units, 1000 classes.
    pub const FULL: Self = Self { conv1: 96, conv2: 256, conv3_5: 512, fc: 4096, classes: 1000 };
    /// A down-scaled CNN-S for tests and demos: the same layers and spatial sizes with 8, 16,
    /// 16 filters, 64 fc units and 10 classes (about 0.1 % of the parameters).
    pub const SMALL: Self = Self { conv1: 8, conv2: 16, conv3_5: 16, fc: 64, classes: 10 };
}

fn layer(name: &str, kind: LayerKind) -> Layer {
    Layer { name: name.to_string(), kind }
}

fn conv(name: &str, out_channels: usize, kernel: usize, stride: usize, pad: usize) -> Layer {
    layer(
        name,
        LayerKind::Convolution {
            out_channels,
            kernel: [kernel; 2],
            stride: [stride; 2],
            pad: [pad; 2],
            group: 1,
            bias: true,
        },
    )
}

fn max_pool(name: &str, kernel: usize, stride: usize) -> Layer {
    layer(
        name,
        LayerKind::MaxPool { kernel: [kernel; 2], stride: [stride; 2], pad: [0; 2], rounding: PoolRounding::Ceil },
    )
}

fn inner_product(name: &str, out_features: usize) -> Layer {
    layer(name, LayerKind::InnerProduct { out_features, bias: true })
}

impl Network {
    /// The CNN-S of Chatfield, Simonyan, Vedaldi and Zisserman (2014), as in the released
    /// Caffe definition `VGG_CNN_S_deploy.prototxt` (dropout omitted: it is the identity at
    /// inference):
    ///
    /// | layer | operation | output (C x H x W) |
    /// |---|---|---|
    /// | conv1 | 96 x 7x7, stride 2, pad 0; ReLU; LRN size 5, alpha 5e-4, beta 0.75, k 2 | 96 x 109 x 109 |
    /// | pool1 | max 3x3, stride 3, ceil | 96 x 37 x 37 |
    /// | conv2 | 256 x 5x5, stride 1, pad 0; ReLU | 256 x 33 x 33 |
    /// | pool2 | max 2x2, stride 2, ceil | 256 x 17 x 17 |
    /// | conv3-5 | 512 x 3x3, stride 1, pad 1; ReLU each | 512 x 17 x 17 |
    /// | pool5 | max 3x3, stride 3, ceil | 512 x 6 x 6 |
    /// | fc6, fc7 | 4096 units; ReLU each | 4096 |
    /// | fc8 | 1000 units | 1000 |
    ///
    /// The input is 3 x 224 x 224 in BGR order with the ImageNet mean subtracted.
    ///
    /// NOTE: the conv2 padding (0) follows the Lasagne port of the released weights; the
    /// pool5 output is 6 x 6 with pad 0 or 1, so the fc6 fan-in (18432) cannot tell them
    /// apart. [`crate::caffe`] reads the padding from the `.caffemodel` itself.
    pub fn cnn_s() -> Self {
        Self::cnn_s_with_widths(CnnSWidths::FULL)
    }

    /// CNN-S with other channel and unit counts (same layers, kernels, strides and spatial
    /// sizes); see [`CnnSWidths::SMALL`].
    pub fn cnn_s_with_widths(widths: CnnSWidths) -> Self {
        let layers = vec![
            conv("conv1", widths.conv1, 7, 2, 0),
            layer("relu1", LayerKind::Relu),
            layer("norm1", LayerKind::Lrn { size: 5, alpha: 5e-4, beta: 0.75, bias: 2.0 }),
            max_pool("pool1", 3, 3),
            conv("conv2", widths.conv2, 5, 1, 0),
            layer("relu2", LayerKind::Relu),
            max_pool("pool2", 2, 2),
            conv("conv3", widths.conv3_5, 3, 1, 1),
            layer("relu3", LayerKind::Relu),
            conv("conv4", widths.conv3_5, 3, 1, 1),
            layer("relu4", LayerKind::Relu),
            conv("conv5", widths.conv3_5, 3, 1, 1),
            layer("relu5", LayerKind::Relu),
            max_pool("pool5", 3, 3),
            inner_product("fc6", widths.fc),
            layer("relu6", LayerKind::Relu),
            inner_product("fc7", widths.fc),
            layer("relu7", LayerKind::Relu),
            inner_product("fc8", widths.classes),
        ];
        let name = if widths == CnnSWidths::FULL { "cnn_s".to_string() } else { "cnn_s_scaled".to_string() };
        Self { name, input_channels: 3, input_size: [224, 224], layers }
    }

    fn invalid(&self, layer: &str, detail: String) -> DeepFeatError {
        DeepFeatError::InvalidNetwork { network: self.name.clone(), layer: layer.to_string(), detail }
    }

    /// Infers the output shape of every layer, in order, for one input image.
    ///
    /// Convolution: `floor((in + 2 pad - kernel) / stride) + 1`. Pooling rounds as its
    /// [`PoolRounding`] sets. With `Ceil` and padding, a last window that would start in the
    /// padding is dropped, as Caffe and ONNX Runtime do.
    pub fn shapes(&self) -> Result<Vec<(String, ActivationShape)>> {
        let [h, w] = self.input_size;
        let mut shape = ActivationShape::Spatial([self.input_channels, h, w]);
        if shape.is_empty() {
            return Err(self.invalid("input", format!("input shape {shape:?} is empty")));
        }
        let mut out = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            shape = self.layer_output(layer, shape)?;
            out.push((layer.name.clone(), shape));
        }
        Ok(out)
    }

    fn layer_output(&self, layer: &Layer, input: ActivationShape) -> Result<ActivationShape> {
        let spatial = |what: &str| match input {
            ActivationShape::Spatial(s) => Ok(s),
            ActivationShape::Flat(_) => {
                Err(self.invalid(&layer.name, format!("{what} needs a spatial input, found {input:?}")))
            }
        };
        match layer.kind {
            LayerKind::Convolution { out_channels, kernel, stride, pad, group, .. } => {
                let [c, h, w] = spatial("a convolution")?;
                if group == 0 || c % group != 0 || out_channels % group != 0 || out_channels == 0 {
                    return Err(self.invalid(
                        &layer.name,
                        format!("{c} input and {out_channels} output channels do not split into {group} groups"),
                    ));
                }
                let oh = self.window_output(layer, h, kernel[0], stride[0], pad[0], PoolRounding::Floor)?;
                let ow = self.window_output(layer, w, kernel[1], stride[1], pad[1], PoolRounding::Floor)?;
                Ok(ActivationShape::Spatial([out_channels, oh, ow]))
            }
            LayerKind::MaxPool { kernel, stride, pad, rounding } => {
                let [c, h, w] = spatial("max pooling")?;
                let oh = self.window_output(layer, h, kernel[0], stride[0], pad[0], rounding)?;
                let ow = self.window_output(layer, w, kernel[1], stride[1], pad[1], rounding)?;
                Ok(ActivationShape::Spatial([c, oh, ow]))
            }
            LayerKind::Lrn { size, .. } => {
                spatial("LRN")?;
                if size % 2 == 0 {
                    return Err(self.invalid(&layer.name, format!("LRN size {size} must be odd")));
                }
                Ok(input)
            }
            LayerKind::InnerProduct { out_features, .. } => {
                if out_features == 0 {
                    return Err(self.invalid(&layer.name, "an inner product needs at least one output".into()));
                }
                Ok(ActivationShape::Flat(out_features))
            }
            LayerKind::Relu | LayerKind::Softmax => Ok(input),
        }
    }

    fn window_output(
        &self,
        layer: &Layer,
        size: usize,
        kernel: usize,
        stride: usize,
        pad: usize,
        rounding: PoolRounding,
    ) -> Result<usize> {
        let padded = size + 2 * pad;
        if kernel == 0 || stride == 0 || kernel > padded {
            return Err(self.invalid(
                &layer.name,
                format!("kernel {kernel}, stride {stride}, pad {pad} do not fit an input of size {size}"),
            ));
        }
        let span = padded - kernel;
        let mut out = match rounding {
            PoolRounding::Floor => span / stride + 1,
            PoolRounding::Ceil => span.div_ceil(stride) + 1,
        };
        if rounding == PoolRounding::Ceil && pad > 0 && (out - 1) * stride >= size + pad {
            out -= 1;
        }
        Ok(out)
    }

    /// The parameter shapes of every convolution and inner-product layer, in order.
    pub fn parameter_shapes(&self) -> Result<Vec<ParameterShape>> {
        let shapes = self.shapes()?;
        let mut input = ActivationShape::Spatial([self.input_channels, self.input_size[0], self.input_size[1]]);
        let mut out = Vec::new();
        for (layer, (_, output)) in self.layers.iter().zip(&shapes) {
            match layer.kind {
                LayerKind::Convolution { out_channels, kernel, group, bias, .. } => {
                    let ActivationShape::Spatial([c, _, _]) = input else { unreachable!("checked by shapes()") };
                    let per_group = c / group;
                    out.push(ParameterShape {
                        layer: layer.name.clone(),
                        weight: vec![out_channels, per_group, kernel[0], kernel[1]],
                        bias: bias.then(|| vec![out_channels]),
                        fan_in: per_group * kernel[0] * kernel[1],
                    });
                }
                LayerKind::InnerProduct { out_features, bias } => {
                    out.push(ParameterShape {
                        layer: layer.name.clone(),
                        weight: vec![out_features, input.len()],
                        bias: bias.then(|| vec![out_features]),
                        fan_in: input.len(),
                    });
                }
                _ => {}
            }
            input = *output;
        }
        Ok(out)
    }

    /// The layer called `name`, with its index.
    pub fn layer(&self, name: &str) -> Option<(usize, &Layer)> {
        self.layers.iter().enumerate().find(|(_, l)| l.name == name)
    }
}

/// A dense float32 tensor in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Values, `shape.iter().product()` of them.
    pub data: Vec<f32>,
}

/// The weight and optional bias of one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerWeights {
    /// Weight tensor (`[out, in / group, kh, kw]` or `[out, in]`).
    pub weight: Tensor,
    /// Bias `[out]`.
    pub bias: Option<Tensor>,
}

/// The parameters of a network, by layer name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Weights {
    layers: BTreeMap<String, LayerWeights>,
}

/// Number of values drawn from one ChaCha8 stream when generating weights.
const WEIGHT_CHUNK: usize = 1 << 20;

impl Weights {
    /// An empty container.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a layer's parameters.
    pub fn insert(&mut self, layer: &str, weights: LayerWeights) {
        self.layers.insert(layer.to_string(), weights);
    }

    /// A layer's parameters.
    pub fn get(&self, layer: &str) -> Option<&LayerWeights> {
        self.layers.get(layer)
    }

    /// Total number of parameters.
    pub fn parameter_count(&self) -> usize {
        self.layers.values().map(|l| l.weight.data.len() + l.bias.as_ref().map_or(0, |b| b.data.len())).sum()
    }

    /// Seeded He-normal weights (He et al., 2015): each weight is drawn from
    /// `N(0, 2 / fan_in)` and each bias from `N(0, 0.01^2)`, the initialisation that
    /// `make_cnn_s_onnx.py`-style reference models use.
    ///
    /// The values are a deterministic function of `seed` on every platform: the weights of
    /// the `l`-th parameterised layer are drawn in chunks of 2^20 values, chunk `c` from the
    /// ChaCha8 stream `(seed, stream = 2 (l 2^16 + c))` and the bias from stream
    /// `2 l 2^16 + 1`, with `rand_distr`'s ziggurat `StandardNormal`. Chunks are generated
    /// in parallel.
    pub fn he_normal(network: &Network, seed: u64) -> Result<Self> {
        let mut weights = Self::new();
        for (index, shape) in network.parameter_shapes()?.into_iter().enumerate() {
            let stream_base = (index as u64) << 17;
            let std = (2.0 / shape.fan_in as f64).sqrt() as f32;
            let count: usize = shape.weight.iter().product();
            let mut data = vec![0f32; count];
            data.par_chunks_mut(WEIGHT_CHUNK).enumerate().for_each(|(chunk, values)| {
                fill_normal(values, seed, stream_base + 2 * chunk as u64, std);
            });
            let bias = shape.bias.map(|bias_shape| {
                let mut data = vec![0f32; bias_shape[0]];
                fill_normal(&mut data, seed, stream_base + 1, 0.01);
                Tensor { shape: bias_shape, data }
            });
            weights.insert(&shape.layer, LayerWeights { weight: Tensor { shape: shape.weight, data }, bias });
        }
        Ok(weights)
    }

    /// Checks that every parameterised layer of `network` has weights of the right shape.
    pub fn check(&self, network: &Network) -> Result<()> {
        for shape in network.parameter_shapes()? {
            let invalid = |detail: String| DeepFeatError::InvalidNetwork {
                network: network.name.clone(),
                layer: shape.layer.clone(),
                detail,
            };
            let Some(found) = self.get(&shape.layer) else {
                return Err(invalid("no weights for this layer".into()));
            };
            check_tensor(&found.weight, &shape.weight).map_err(|d| invalid(format!("weight: {d}")))?;
            match (&shape.bias, &found.bias) {
                (Some(expected), Some(bias)) => {
                    check_tensor(bias, expected).map_err(|d| invalid(format!("bias: {d}")))?
                }
                (Some(_), None) => return Err(invalid("the layer has a bias but no bias values were given".into())),
                (None, Some(_)) => return Err(invalid("bias values were given for a layer without bias".into())),
                (None, None) => {}
            }
        }
        Ok(())
    }
}

fn check_tensor(tensor: &Tensor, expected: &[usize]) -> std::result::Result<(), String> {
    if tensor.shape != expected {
        return Err(format!("shape {:?}, expected {expected:?}", tensor.shape));
    }
    if tensor.data.len() != expected.iter().product::<usize>() {
        return Err(format!("{} values for shape {expected:?}", tensor.data.len()));
    }
    Ok(())
}

fn fill_normal(values: &mut [f32], seed: u64, stream: u64, std: f32) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    for v in values {
        let z: f32 = StandardNormal.sample(&mut rng);
        *v = z * std;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cnn_s_gives_6x6x512_before_fc6() {
        let net = Network::cnn_s();
        let shapes = net.shapes().unwrap();
        let get = |name: &str| shapes.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(get("conv1"), ActivationShape::Spatial([96, 109, 109]));
        assert_eq!(get("pool1"), ActivationShape::Spatial([96, 37, 37]));
        assert_eq!(get("conv2"), ActivationShape::Spatial([256, 33, 33]));
        assert_eq!(get("pool2"), ActivationShape::Spatial([256, 17, 17]));
        assert_eq!(get("conv5"), ActivationShape::Spatial([512, 17, 17]));
        assert_eq!(get("pool5"), ActivationShape::Spatial([512, 6, 6]));
        assert_eq!(get("fc6"), ActivationShape::Flat(4096));
        assert_eq!(get("fc7"), ActivationShape::Flat(4096));
        assert_eq!(get("fc8"), ActivationShape::Flat(1000));
    }

    #[test]
    fn cnn_s_parameter_count() {
        // 102.9 M float32 parameters; fc6 alone has 18432 x 4096 + 4096.
        let shapes = Network::cnn_s().parameter_shapes().unwrap();
        let total: usize =
            shapes.iter().map(|s| s.weight.iter().product::<usize>() + s.bias.as_ref().map_or(0, |b| b[0])).sum();
        assert_eq!(total, 102_908_520);
        let fc6 = shapes.iter().find(|s| s.layer == "fc6").unwrap();
        assert_eq!(fc6.weight, vec![4096, 18432]);
    }

    #[test]
    fn floor_pooling_gives_5x5() {
        let mut net = Network::cnn_s();
        for layer in &mut net.layers {
            if let LayerKind::MaxPool { rounding, .. } = &mut layer.kind {
                *rounding = PoolRounding::Floor;
            }
        }
        let shapes = net.shapes().unwrap();
        assert_eq!(shapes.iter().find(|(n, _)| n == "pool5").unwrap().1, ActivationShape::Spatial([512, 5, 5]));
    }

    #[test]
    fn ceil_pooling_with_padding_drops_window() {
        // Caffe: size 4, kernel 2, stride 2, pad 1 -> ceil(4/2)+1 = 3, and (3-1)*2 = 4 < 4+1 keeps 3;
        // size 5, kernel 3, stride 2, pad 1: ceil(4/2)+1 = 3, (3-1)*2 = 4 < 6 keeps 3;
        // size 3, kernel 2, stride 2, pad 1: ceil(3/2)+1 = 3, (3-1)*2 = 4 >= 3+1 drops to 2.
        let net = Network::cnn_s();
        let l = &net.layers[0];
        assert_eq!(net.window_output(l, 4, 2, 2, 1, PoolRounding::Ceil).unwrap(), 3);
        assert_eq!(net.window_output(l, 5, 3, 2, 1, PoolRounding::Ceil).unwrap(), 3);
        assert_eq!(net.window_output(l, 3, 2, 2, 1, PoolRounding::Ceil).unwrap(), 2);
    }

    #[test]
    fn too_small_input_is_error() {
        let mut net = Network::cnn_s_with_widths(CnnSWidths::SMALL);
        net.input_size = [32, 32];
        let err = net.shapes().unwrap_err().to_string();
        assert!(err.contains("do not fit"), "{err}");
    }

    #[test]
    fn he_normal_is_seeded_and_scaled() {
        let net = Network::cnn_s_with_widths(CnnSWidths::SMALL);
        let a = Weights::he_normal(&net, 7).unwrap();
        let b = Weights::he_normal(&net, 7).unwrap();
        let c = Weights::he_normal(&net, 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.get("conv1").unwrap().weight.data, c.get("conv1").unwrap().weight.data);
        a.check(&net).unwrap();
        // fc6: fan-in 16*6*6 = 576, so the sample variance of its 36864 weights is close to 2/576.
        let w = &a.get("fc6").unwrap().weight.data;
        let var = w.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / w.len() as f64;
        assert!((var / (2.0 / 576.0) - 1.0).abs() < 0.03, "variance {var}");
    }

    #[test]
    fn check_reports_wrong_shape() {
        let net = Network::cnn_s_with_widths(CnnSWidths::SMALL);
        let mut w = Weights::he_normal(&net, 1).unwrap();
        let mut fc7 = w.get("fc7").unwrap().clone();
        fc7.weight.shape = vec![64, 63];
        w.insert("fc7", fc7);
        let err = w.check(&net).unwrap_err().to_string();
        assert!(err.contains("fc7") && err.contains("[64, 63]"), "{err}");
    }
}
