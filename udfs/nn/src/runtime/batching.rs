//! How many images one inference call takes, and what happens when a batch does not fit.
//!
//! The batch is chosen from memory, not fixed: a call's input tensor and the activations it
//! makes grow with the batch, so the batch is capped to what a share of the host memory (and,
//! on CUDA, of the device's free memory) holds. On CPU the automatic batch stays small: there a
//! pool of single-threaded sessions runs images side by side, which measured fastest
//! (docs/benchmarks.md). A batch whose run fails for lack of memory is split in half and run
//! again, down to single images, instead of failing the query.
use std::sync::atomic::{AtomicBool, Ordering};

use super::device::Device;

/// The automatic batch on a GPU when its free memory is unknown.
pub const GPU_FALLBACK: usize = 16;
/// The largest automatic batch on a GPU.
pub const GPU_MAX: usize = 64;
/// Activation memory of a forward pass, as a multiple of its fp32 input: a rule of thumb that
/// covers YOLOX-S/M and ResNet/EfficientNet classifiers at inference (no gradients kept).
pub const ACTIVATION_FACTOR: usize = 40;

/// Bytes one image costs in a forward pass at `size` (input and activations), `views` copies
/// of it (2 with flip TTA).
pub fn per_image_bytes(size: usize, views: usize) -> usize {
    (3 * size * size * 4).saturating_mul(views.max(1)).saturating_mul(ACTIVATION_FACTOR)
}

/// The memory a batch may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Host memory for one batch in flight.
    pub host_bytes: usize,
    /// Free memory of the CUDA device, when known.
    pub device_free_bytes: Option<usize>,
}

impl Budget {
    /// An eighth of the machine's memory per batch; the device's free memory as reported now.
    pub fn of_machine(device: Device) -> Budget {
        let host = cytologia_kernels::machine::total_memory().map_or(1 << 30, |m| m / 8);
        let free = match device {
            Device::Cuda(i) => cuda_free_memory(i),
            Device::Cpu => None,
        };
        Budget { host_bytes: host, device_free_bytes: free }
    }
}

/// The batch for a call: `requested` (0 = automatic; `cpu_auto` is the automatic batch on
/// CPU), capped by what the budget holds at `per_image` bytes an image; at least 1.
pub fn choose(requested: usize, cpu_auto: usize, device: Device, per_image: usize, budget: Budget) -> usize {
    let fits = |bytes: usize| bytes / per_image.max(1);
    let wanted = match (requested, device) {
        (0, Device::Cpu) => cpu_auto,
        // Three quarters of the free memory: the runtime's workspace and fragmentation take
        // the rest.
        (0, Device::Cuda(_)) => budget.device_free_bytes.map_or(GPU_FALLBACK, |free| fits(free / 4 * 3).min(GPU_MAX)),
        (n, _) => n,
    };
    let device_cap = match (device, budget.device_free_bytes) {
        (Device::Cuda(_), Some(free)) => fits(free / 4 * 3),
        _ => usize::MAX,
    };
    wanted.min(fits(budget.host_bytes)).min(device_cap).max(1)
}

/// Whether a runtime's error message says it ran out of memory (libtorch's CUDA allocator,
/// libtorch's CPU allocator, ONNX Runtime's arena and CUDA provider, the C++ allocator).
pub fn is_out_of_memory(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "out of memory",
        "can't allocate memory",
        "cuda_error_out_of_memory",
        "cudaerrormemoryallocation",
        "failed to allocate memory",
        "bad_alloc",
        "cannot allocate memory",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// `message` with `advice` (which options lower the memory needed) when it says the runtime ran
/// out of memory; unchanged otherwise.
pub fn explain_out_of_memory(message: String, advice: &str) -> String {
    if is_out_of_memory(&message) { format!("{message} (out of memory: {advice})") } else { message }
}

static HALVING_NOTICE: AtomicBool = AtomicBool::new(false);

/// Runs `run` on `items`; when it fails for lack of memory, runs each half, and so on down to
/// single items, whose failure is the error. Results keep the items' order. `function` names
/// the caller in the one notice printed the first time a batch is split.
pub fn run_halving<T, E: std::fmt::Display>(function: &str, items: &[usize], run: &(dyn Fn(&[usize]) -> Result<Vec<T>, E> + Sync)) -> Result<Vec<T>, E> {
    match run(items) {
        Err(e) if items.len() > 1 && is_out_of_memory(&e.to_string()) => {
            let half = items.len() / 2;
            if !HALVING_NOTICE.swap(true, Ordering::Relaxed) {
                eprintln!("notice: {function}(): a batch of {} ran out of memory; running it as batches of {half} and {}", items.len(), items.len() - half);
            }
            let mut out = run_halving(function, &items[..half], run)?;
            out.extend(run_halving(function, &items[half..], run)?);
            Ok(out)
        }
        other => other,
    }
}

/// Free memory of CUDA device `index`, from the CUDA runtime the process already loaded (a
/// runtime with CUDA support loads it; nothing is loaded here). None without one.
pub fn cuda_free_memory(index: usize) -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        type GetDevice = unsafe extern "C" fn(*mut i32) -> i32;
        type SetDevice = unsafe extern "C" fn(i32) -> i32;
        type MemGetInfo = unsafe extern "C" fn(*mut usize, *mut usize) -> i32;
        for name in [c"libcudart.so.12", c"libcudart.so.13", c"libcudart.so.11.0", c"libcudart.so"] {
            // SAFETY: RTLD_NOLOAD only returns a library already loaded into the process; the
            // symbols are the CUDA runtime's documented C functions with these signatures. The
            // calling thread's current device is restored before returning.
            unsafe {
                let lib = libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD);
                if lib.is_null() {
                    continue;
                }
                let sym = |s: &std::ffi::CStr| libc::dlsym(lib, s.as_ptr());
                let (get, set, info) = (sym(c"cudaGetDevice"), sym(c"cudaSetDevice"), sym(c"cudaMemGetInfo"));
                let result = if get.is_null() || set.is_null() || info.is_null() {
                    None
                } else {
                    let get: GetDevice = std::mem::transmute(get);
                    let set: SetDevice = std::mem::transmute(set);
                    let info: MemGetInfo = std::mem::transmute(info);
                    let mut previous = 0i32;
                    let (mut free, mut total) = (0usize, 0usize);
                    let ok = get(&mut previous) == 0 && set(index as i32) == 0 && info(&mut free, &mut total) == 0;
                    set(previous);
                    ok.then_some(free)
                };
                libc::dlclose(lib);
                return result;
            }
        }
        None
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = index;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: usize = 1 << 20;

    #[test]
    fn the_batch_fits_the_memory() {
        let per = 10 * MB;
        let roomy = Budget { host_bytes: 10_000 * MB, device_free_bytes: None };
        // CPU: the automatic batch, or what was asked for, within the host budget.
        assert_eq!(choose(0, 1, Device::Cpu, per, roomy), 1);
        assert_eq!(choose(32, 1, Device::Cpu, per, roomy), 32);
        assert_eq!(choose(32, 1, Device::Cpu, per, Budget { host_bytes: 100 * MB, device_free_bytes: None }), 10);
        assert_eq!(choose(32, 1, Device::Cpu, per, Budget { host_bytes: MB, device_free_bytes: None }), 1, "never below one image");
        // CUDA: from the free device memory (three quarters of it), at most GPU_MAX; the fixed
        // fallback when the free memory is unknown.
        let gpu = |free_mb: usize| Budget { host_bytes: 10_000 * MB, device_free_bytes: Some(free_mb * MB) };
        assert_eq!(choose(0, 1, Device::Cuda(0), per, gpu(400)), 30);
        assert_eq!(choose(0, 1, Device::Cuda(0), per, gpu(80_000)), GPU_MAX);
        assert_eq!(choose(0, 1, Device::Cuda(0), per, roomy), GPU_FALLBACK);
        assert_eq!(choose(128, 1, Device::Cuda(0), per, gpu(400)), 30, "an explicit batch is capped by the device too");
        assert_eq!(choose(0, 1, Device::Cuda(0), per, gpu(0)), 1);
        assert_eq!(per_image_bytes(224, 2), 3 * 224 * 224 * 4 * 2 * ACTIVATION_FACTOR);
    }

    #[test]
    fn out_of_memory_messages_are_recognised() {
        for m in [
            "CUDA out of memory. Tried to allocate 2.00 GiB",
            "onnxruntime: Failed to allocate memory for requested buffer of size 1073741824",
            "CUDA failure 2: out of memory ; GPU=0",
            "std::bad_alloc",
            "cudaErrorMemoryAllocation",
        ] {
            assert!(is_out_of_memory(m), "{m}");
        }
        assert!(!is_out_of_memory("model 'x' returned [1, 2], expected [1, 3549, 6]"));
    }

    #[test]
    fn a_batch_out_of_memory_is_run_in_halves_and_nothing_is_lost() {
        use std::sync::Mutex;
        let calls = Mutex::new(Vec::new());
        // The injected error: batches above 3 images run out of memory.
        let run = |items: &[usize]| -> Result<Vec<usize>, String> {
            calls.lock().unwrap().push(items.len());
            if items.len() > 3 {
                Err(format!("CUDA out of memory. Tried to allocate {} MiB", items.len() * 100))
            } else {
                Ok(items.iter().map(|i| i * 10).collect())
            }
        };
        let items: Vec<usize> = (0..10).collect();
        let out = run_halving("detect", &items, &run).unwrap();
        assert_eq!(out, (0..10).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(*calls.lock().unwrap(), vec![10, 5, 2, 3, 5, 2, 3]);
        // Other errors are not retried; a single image out of memory is the error.
        let other = |_: &[usize]| -> Result<Vec<usize>, String> { Err("model returned [1]".into()) };
        assert_eq!(run_halving("detect", &items, &other).unwrap_err(), "model returned [1]");
        let always = |_: &[usize]| -> Result<Vec<usize>, String> { Err("out of memory".into()) };
        assert_eq!(run_halving("detect", &items, &always).unwrap_err(), "out of memory");
        assert_eq!(explain_out_of_memory("CUDA out of memory".into(), "lower batch_size"), "CUDA out of memory (out of memory: lower batch_size)");
        assert_eq!(explain_out_of_memory("model returned [1]".into(), "lower batch_size"), "model returned [1]");
        if crate::runtime::torch::cuda_devices() == 0 {
            assert_eq!(cuda_free_memory(0), None, "no CUDA runtime in this process");
        }
    }
}
