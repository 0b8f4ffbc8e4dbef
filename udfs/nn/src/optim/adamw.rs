//! AdamW with decoupled weight decay and PyTorch's defaults (β 0.9 / 0.999, ε 1e-8), stepping
//! every parameter in one fused pass (adamw.cpp, ATen's `_fused_adamw_`) and setting gradients
//! to none between steps, as the PyTorch reference's `zero_grad(set_to_none=True)`. tch's own
//! AdamW (libtorch's C++ optimiser) gives the same update in about ten passes per parameter.
use std::ffi::{c_char, c_void};

use tch::{Kind, Tensor, nn};

use crate::error::{NnError, Result};

unsafe extern "C" {
    fn cyto_fused_adamw(
        params: *const *const c_void,
        exp_avgs: *const *const c_void,
        exp_avg_sqs: *const *const c_void,
        steps: *const *const c_void,
        n: usize,
        lr: f64,
        beta1: f64,
        beta2: f64,
        weight_decay: f64,
        eps: f64,
    ) -> i32;
    fn cyto_grads_to_none(params: *const *const c_void, n: usize);
    fn cyto_adamw_error(buf: *mut c_char, cap: usize);
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

pub struct AdamW {
    params: Vec<Tensor>,
    exp_avgs: Vec<Tensor>,
    exp_avg_sqs: Vec<Tensor>,
    steps: Vec<Tensor>,
    weight_decay: f64,
}

fn ptrs(ts: &[Tensor]) -> Vec<*const c_void> {
    ts.iter().map(|t| t.as_ptr() as *const c_void).collect()
}

impl AdamW {
    /// Over the store's trainable variables as they are now (call after any layout change:
    /// the optimiser keeps handles to the same tensors).
    pub fn new(vs: &nn::VarStore, weight_decay: f64) -> AdamW {
        let params = vs.trainable_variables();
        let zeros = |p: &Tensor| tch::no_grad(|| p.zeros_like());
        AdamW {
            exp_avgs: params.iter().map(zeros).collect(),
            exp_avg_sqs: params.iter().map(zeros).collect(),
            steps: params.iter().map(|p| Tensor::zeros([], (Kind::Float, p.device()))).collect(),
            params,
            weight_decay,
        }
    }

    pub fn zero_grad(&self) {
        let p = ptrs(&self.params);
        // SAFETY: the pointers are this optimiser's live tensors, read during the call only.
        unsafe { cyto_grads_to_none(p.as_ptr(), p.len()) }
    }

    /// One update at learning rate `lr` of the parameters that have a gradient.
    pub fn step(&mut self, lr: f64) -> Result<()> {
        let (p, m, v, s) = (ptrs(&self.params), ptrs(&self.exp_avgs), ptrs(&self.exp_avg_sqs), ptrs(&self.steps));
        // SAFETY: four arrays of `p.len()` live tensors owned by self, which outlives the call;
        // the C++ side catches every exception.
        let rc = unsafe { cyto_fused_adamw(p.as_ptr(), m.as_ptr(), v.as_ptr(), s.as_ptr(), p.len(), lr, BETA1, BETA2, self.weight_decay, EPS) };
        if rc == 0 {
            return Ok(());
        }
        let mut buf = vec![0u8; 512];
        // SAFETY: writes at most buf.len() bytes, NUL-terminated.
        unsafe { cyto_adamw_error(buf.as_mut_ptr() as *mut c_char, buf.len()) };
        let msg = std::ffi::CStr::from_bytes_until_nul(&buf).map(|c| c.to_string_lossy().into_owned()).unwrap_or_default();
        Err(NnError::Other(format!("optimizer step: {msg}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;
    use tch::nn::OptimizerConfig;

    /// The fused update equals libtorch's own AdamW (tch's) over several steps, including a
    /// parameter that gets no gradient on some steps (its step count must not advance).
    #[test]
    fn fused_update_matches_libtorch_adamw() {
        // Other tests draw from libtorch's global generator at the same time: the second
        // store copies the first instead of re-seeding.
        let build = || {
            let vs = nn::VarStore::new(Device::Cpu);
            let lin = nn::linear(vs.root() / "a", 5, 3, Default::default());
            let other = nn::linear(vs.root() / "b", 5, 3, Default::default());
            (vs, lin, other)
        };
        let (vs1, lin1, other1) = build();
        let (mut vs2, lin2, other2) = build();
        vs2.copy(&vs1).unwrap();
        let mut ours = AdamW::new(&vs1, 0.01);
        let mut theirs = nn::AdamW::default().wd(0.01).build(&vs2, 0.1).unwrap();
        let x = Tensor::randn([4, 5], (Kind::Float, Device::Cpu));
        for step in 0..5 {
            let lr = 0.1 / (step + 1) as f64;
            let loss = |lin: &nn::Linear, other: &nn::Linear| {
                let y = x.apply(lin).square().mean(Kind::Float);
                if step % 2 == 0 { y + x.apply(other).mean(Kind::Float) } else { y }
            };
            ours.zero_grad();
            loss(&lin1, &other1).backward();
            ours.step(lr).unwrap();
            theirs.set_lr(lr);
            theirs.zero_grad();
            loss(&lin2, &other2).backward();
            theirs.step();
        }
        let (a, b) = (vs1.variables(), vs2.variables());
        assert_eq!(a.len(), 4);
        for (name, t) in &a {
            let d = (t - &b[name]).abs().max().double_value(&[]);
            assert!(d < 1e-6, "{name}: fused and libtorch AdamW differ by {d}");
            assert!(t.grad().defined(), "{name} kept its gradient until the next zero_grad");
        }
        ours.zero_grad();
        assert!(a.values().all(|t| !t.grad().defined()), "zero_grad sets gradients to none");
    }
}
