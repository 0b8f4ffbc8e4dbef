//! Device choice shared by every inference and training function:
//! `auto` (CUDA when a GPU and a CUDA-enabled runtime are present, else CPU with one notice),
//! `cpu`, or `cuda` / `cuda:N` (an error when CUDA is missing).
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{NnError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Cpu,
    Cuda(usize),
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
            Device::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

impl Device {
    /// The same device for libtorch.
    pub fn tch(self) -> tch::Device {
        match self {
            Device::Cpu => tch::Device::Cpu,
            Device::Cuda(i) => tch::Device::Cuda(i),
        }
    }
}

static AUTO_NOTICE: AtomicBool = AtomicBool::new(false);

/// Resolves a `device` option. `runtime` names the runtime for messages; `cuda_devices` is how
/// many CUDA devices that runtime can use (0 when it has no CUDA support or no GPU).
pub fn resolve(requested: &str, runtime: &'static str, cuda_devices: usize) -> Result<Device> {
    let r = requested.trim().to_ascii_lowercase();
    match r.as_str() {
        "auto" | "" => {
            if cuda_devices > 0 {
                Ok(Device::Cuda(0))
            } else {
                if !AUTO_NOTICE.swap(true, Ordering::Relaxed) {
                    eprintln!("notice: device 'auto': no CUDA GPU usable by {runtime}; running on CPU");
                }
                Ok(Device::Cpu)
            }
        }
        "cpu" => Ok(Device::Cpu),
        _ if r == "cuda" || r.starts_with("cuda:") => {
            let index = match r.strip_prefix("cuda:") {
                None => 0,
                Some(n) => n.parse::<usize>().map_err(|_| NnError::Other(format!("device '{requested}': expected cuda:N with N a GPU index")))?,
            };
            if cuda_devices == 0 {
                Err(NnError::Runtime {
                    runtime,
                    message: format!(
                        "device '{requested}' was requested but CUDA is not available (no GPU, or the \
                         CPU build of the runtime is installed: run `scripts/setup --gpu` on a GPU \
                         machine); use device => 'cpu' or 'auto'"
                    ),
                })
            } else if index >= cuda_devices {
                Err(NnError::Runtime { runtime, message: format!("device '{requested}': only {cuda_devices} CUDA device(s)") })
            } else {
                Ok(Device::Cuda(index))
            }
        }
        _ => Err(NnError::Other(format!("unknown device '{requested}'; use 'auto', 'cpu', 'cuda' or 'cuda:N'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_falls_back_to_cpu_and_cuda_without_gpu_is_an_error() {
        assert_eq!(resolve("auto", "test", 0).unwrap(), Device::Cpu);
        assert_eq!(resolve("auto", "test", 2).unwrap(), Device::Cuda(0));
        assert_eq!(resolve("CPU", "test", 2).unwrap(), Device::Cpu);
        assert_eq!(resolve("cuda:1", "test", 2).unwrap(), Device::Cuda(1));
        let e = resolve("cuda", "test", 0).unwrap_err().to_string();
        assert!(e.contains("CUDA is not available"), "{e}");
        assert!(resolve("cuda:5", "test", 2).is_err());
        assert!(resolve("tpu", "test", 2).unwrap_err().to_string().contains("unknown device"));
    }
}
