//! Local response normalisation across channels for the tract backend.
//!
//! tract 0.23 evaluates ONNX `LRN` one value at a time, through dynamic-rank indexing and one
//! `powf` per value. On CNN-S (96 x 109 x 109 values per image after conv1) that took more
//! than half of the whole network's time. [`ChannelLrn`] computes the same function plane by
//! plane over contiguous memory, and [`replace_lrn`] swaps it in for tract's operator before
//! the model is optimised.
//!
//! The function is ONNX's (and Caffe's `ACROSS_CHANNELS`):
//! `y[n, c, ...] = x[n, c, ...] / (bias + alpha / size * S)^beta`, where `S` is the sum of
//! `x[n, k, ...]^2` over channels `k` from `c - floor((size - 1) / 2)` to
//! `c + ceil((size - 1) / 2)`, clipped to the existing channels.

use std::collections::HashMap;

use tract_onnx::prelude::tract_ndarray::{ArrayD, IxDyn};
use tract_onnx::tract_hir::internal::*;

use crate::onnx::proto::NodeProto;

/// The attributes of one ONNX `LRN` node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LrnParams {
    pub size: usize,
    pub alpha: f32,
    pub beta: f32,
    pub bias: f32,
}

impl LrnParams {
    /// Reads the attributes of an `LRN` node, with ONNX's defaults for those missing. Returns
    /// `None` for a node that is not `LRN` or has no valid `size`.
    pub(crate) fn from_node(node: &NodeProto) -> Option<Self> {
        if node.op_type != "LRN" || !(node.domain.is_empty() || node.domain == "ai.onnx") {
            return None;
        }
        let mut params = Self { size: 0, alpha: 1e-4, beta: 0.75, bias: 1.0 };
        for a in &node.attribute {
            match a.name.as_str() {
                "size" => params.size = usize::try_from(a.i).ok()?,
                "alpha" => params.alpha = a.f,
                "beta" => params.beta = a.f,
                "bias" => params.bias = a.f,
                _ => {}
            }
        }
        (params.size > 0).then_some(params)
    }
}

/// Replaces tract's `Lrn` operators by [`ChannelLrn`]. `by_name` maps ONNX node names and
/// output names to their attributes. A node found under neither name keeps tract's operator
/// unless every `LRN` of the model has the same attributes. Returns how many were replaced.
pub(crate) fn replace_lrn(model: &mut TypedModel, by_name: &HashMap<String, LrnParams>) -> usize {
    let mut distinct: Vec<LrnParams> = Vec::new();
    for p in by_name.values() {
        if !distinct.contains(p) {
            distinct.push(*p);
        }
    }
    let mut replaced = 0;
    for node in model.nodes.iter_mut() {
        if node.op.name() != "Lrn" {
            continue;
        }
        let params = by_name.get(&node.name).copied().or(match distinct.as_slice() {
            [only] => Some(*only),
            _ => None,
        });
        match params {
            Some(params) => {
                node.op = Box::new(ChannelLrn(params));
                replaced += 1;
            }
            None => tracing::debug!(node = %node.name, "LRN attributes not identified; tract's own operator is kept"),
        }
    }
    replaced
}

/// Cross-channel LRN over a float32 tensor `[N, C, ...]` (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChannelLrn(pub LrnParams);

impl Eq for ChannelLrn {}

impl Op for ChannelLrn {
    fn name(&self) -> StaticName {
        "ChannelLrn".into()
    }

    op_as_typed_op!();
}

impl EvalOp for ChannelLrn {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let view = input.to_plain_array_view::<f32>()?;
        let shape = view.shape().to_vec();
        ensure!(shape.len() >= 3, "LRN needs an input [N, C, ...], got shape {shape:?}");
        let contiguous = view.as_standard_layout();
        let x = contiguous.as_slice().context("LRN input is not contiguous")?;
        let mut y = vec![0f32; x.len()];
        lrn_channels(x, &mut y, shape[0], shape[1], shape[2..].iter().product(), &self.0);
        Ok(tvec!(ArrayD::from_shape_vec(IxDyn(&shape), y)?.into_tvalue()))
    }
}

impl TypedOp for ChannelLrn {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs[0].datum_type == f32::datum_type(), "LRN runs on float32, got {:?}", inputs[0].datum_type);
        Ok(tvec!(inputs[0].datum_type.fact(inputs[0].shape.clone())))
    }
}

/// Computes the LRN of `x` (`n` images of `c` channel planes of `plane` values, C order)
/// into `y`.
pub(crate) fn lrn_channels(x: &[f32], y: &mut [f32], n: usize, c: usize, plane: usize, p: &LrnParams) {
    let before = (p.size - 1) / 2;
    let after = (p.size - 1).div_ceil(2);
    let coef = p.alpha / p.size as f32;
    let mut sum = vec![0f32; plane];
    for image in 0..n {
        let base = image * c * plane;
        let channel = |k: usize| &x[base + k * plane..base + (k + 1) * plane];
        for ch in 0..c {
            sum.iter_mut().for_each(|s| *s = 0.0);
            for k in ch.saturating_sub(before)..=(ch + after).min(c - 1) {
                for (s, &v) in sum.iter_mut().zip(channel(k)) {
                    *s += v * v;
                }
            }
            let out = &mut y[base + ch * plane..base + (ch + 1) * plane];
            let xs = channel(ch);
            // d^-beta with correctly rounded square roots for Caffe's usual beta = 0.75
            // (d^-0.75 = r * sqrt(r) with r = 1 / sqrt(d)), powf otherwise.
            if p.beta == 0.75 {
                for ((o, &v), &s) in out.iter_mut().zip(xs).zip(&sum) {
                    let r = 1.0 / (p.bias + coef * s).sqrt();
                    *o = v * (r * r.sqrt());
                }
            } else {
                for ((o, &v), &s) in out.iter_mut().zip(xs).zip(&sum) {
                    *o = v / (p.bias + coef * s).powf(p.beta);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computes LRN from its definition, one value at a time in double precision.
    fn reference(x: &[f32], n: usize, c: usize, plane: usize, p: &LrnParams) -> Vec<f64> {
        let mut y = vec![0f64; x.len()];
        let before = (p.size - 1) / 2;
        let after = (p.size - 1).div_ceil(2);
        for i in 0..n {
            for ch in 0..c {
                for j in 0..plane {
                    let lo = ch.saturating_sub(before);
                    let hi = (ch + after).min(c - 1);
                    let s: f64 = (lo..=hi).map(|k| f64::from(x[(i * c + k) * plane + j]).powi(2)).sum();
                    let d = f64::from(p.bias) + f64::from(p.alpha) / p.size as f64 * s;
                    y[(i * c + ch) * plane + j] = f64::from(x[(i * c + ch) * plane + j]) / d.powf(f64::from(p.beta));
                }
            }
        }
        y
    }

    fn check(p: LrnParams, c: usize) {
        let (n, plane) = (2, 7);
        let x: Vec<f32> = (0..n * c * plane).map(|i| ((i as f32 * 0.37).sin() * 40.0) - 3.0).collect();
        let mut y = vec![0f32; x.len()];
        lrn_channels(&x, &mut y, n, c, plane, &p);
        let expected = reference(&x, n, c, plane, &p);
        for (k, (&a, &b)) in y.iter().zip(&expected).enumerate() {
            assert!(
                (f64::from(a) - b).abs() <= 4.0 * f64::from(f32::EPSILON) * b.abs().max(1e-30),
                "{p:?} [{k}]: {a} vs {b}"
            );
        }
    }

    #[test]
    fn matches_the_definition() {
        // CNN-S's norm1, an even window, a window wider than the channels, and a general beta.
        check(LrnParams { size: 5, alpha: 5e-4, beta: 0.75, bias: 2.0 }, 9);
        check(LrnParams { size: 4, alpha: 1e-2, beta: 0.75, bias: 1.0 }, 6);
        check(LrnParams { size: 7, alpha: 1e-3, beta: 0.75, bias: 1.0 }, 3);
        check(LrnParams { size: 3, alpha: 2e-2, beta: 0.6, bias: 1.5 }, 5);
    }

    #[test]
    fn reads_onnx_attributes_and_defaults() {
        use crate::onnx::proto::AttributeProto;
        let attr = |name: &str, f: f32, i: i64| AttributeProto { name: name.into(), f, i, ..Default::default() };
        let node = NodeProto {
            op_type: "LRN".into(),
            attribute: vec![attr("size", 0.0, 5), attr("alpha", 5e-4, 0), attr("bias", 2.0, 0)],
            ..Default::default()
        };
        assert_eq!(LrnParams::from_node(&node), Some(LrnParams { size: 5, alpha: 5e-4, beta: 0.75, bias: 2.0 }));
        let no_size = NodeProto { op_type: "LRN".into(), ..Default::default() };
        assert_eq!(LrnParams::from_node(&no_size), None);
        let relu = NodeProto { op_type: "Relu".into(), ..Default::default() };
        assert_eq!(LrnParams::from_node(&relu), None);
    }
}
