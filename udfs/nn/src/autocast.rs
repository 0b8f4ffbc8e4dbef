//! Mixed precision for training: bfloat16 autocast around the forward pass, on CUDA (no loss
//! scaling needed, unlike fp16) and on CPUs whose AMX units make bf16 faster (the winning recipe trained
//! in `16-mixed`). Weights, gradients and the optimiser stay float32. The switch is
//! thread-local in libtorch, so a guard on the training thread covers exactly its forward.
use crate::error::{NnError, Result};

unsafe extern "C" {
    fn cyto_autocast_enter(cuda: i32) -> i32;
    fn cyto_autocast_exit(cuda: i32);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precision {
    Fp32,
    Bf16,
}

impl Precision {
    /// 'fp32', 'bf16', or 'auto': bf16 on CUDA and on CPUs with AMX-BF16, else fp32.
    pub fn parse(s: &str, device: tch::Device) -> Result<Precision> {
        match s.to_ascii_lowercase().as_str() {
            "fp32" | "32" => Ok(Precision::Fp32),
            "bf16" | "bf16-mixed" => Ok(Precision::Bf16),
            "auto" => Ok(if device.is_cuda() || cpu_has_amx_bf16() { Precision::Bf16 } else { Precision::Fp32 }),
            other => Err(NnError::Other(format!("precision '{other}' is not 'auto', 'fp32' or 'bf16'"))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
        }
    }
}

pub fn cpu_has_amx_bf16() -> bool {
    std::fs::read_to_string("/proc/cpuinfo")
        .map(|s| s.lines().any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "amx_bf16")))
        .unwrap_or(false)
}

/// Autocast on while alive (a no-op for fp32).
pub struct Guard {
    cuda: Option<i32>,
}

impl Guard {
    pub fn new(p: Precision, device: tch::Device) -> Result<Guard> {
        if p == Precision::Fp32 {
            return Ok(Guard { cuda: None });
        }
        let cuda = device.is_cuda() as i32;
        // SAFETY: plain C calls into libtorch's thread-local autocast state.
        if unsafe { cyto_autocast_enter(cuda) } != 0 {
            return Err(NnError::Other("libtorch refused to enable bf16 autocast".into()));
        }
        Ok(Guard { cuda: Some(cuda) })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(c) = self.cuda {
            // SAFETY: pairs the successful enter above on the same thread.
            unsafe { cyto_autocast_exit(c) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind, Tensor};

    #[test]
    fn bf16_autocast_runs_matmuls_in_bf16_and_only_inside_the_guard() {
        let a = Tensor::ones([4, 4], (Kind::Float, Device::Cpu));
        {
            let _g = Guard::new(Precision::Bf16, Device::Cpu).unwrap();
            assert_eq!(a.matmul(&a).kind(), Kind::BFloat16);
        }
        assert_eq!(a.matmul(&a).kind(), Kind::Float);
        assert_eq!(Precision::parse("fp32", Device::Cpu).unwrap(), Precision::Fp32);
        assert!(Precision::parse("fp8", Device::Cpu).is_err());
    }
}
