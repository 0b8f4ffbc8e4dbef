//! The threads that make training batches ahead of the step. They run a few nice levels below
//! the trainer: libtorch's threads already use every core during a step and its parallel regions
//! wait for their slowest thread, so a batch being made must fill the gaps a step leaves rather
//! than preempt a step thread (measured on 2 cores: YOLOX-nano's step ran 0.94x the reference
//! with the loader at the step's priority).
use std::sync::OnceLock;

/// How many nice levels below the calling process the loader threads run.
const NICER_BY: i32 = 5;

fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| rayon::ThreadPoolBuilder::new().thread_name(|i| format!("cytologia-loader-{i}")).start_handler(|_| lower_priority()).build().ok())
        .as_ref()
}

/// Runs `f` (which may use rayon inside) on the loader pool; on the global pool where the
/// loader pool could not start.
pub fn run<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(p) => p.install(f),
        None => f(),
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: getpriority/setpriority on this thread's own id (Linux threads have their own
    // nice value); lowering priority needs no privilege, and a failure leaves it unchanged.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        libc::setpriority(libc::PRIO_PROCESS, tid, (now + NICER_BY).min(19));
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    fn my_nice() -> i32 {
        // SAFETY: as above.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::syscall(libc::SYS_gettid) as libc::id_t) }
    }

    #[test]
    fn loader_threads_run_below_the_caller() {
        use rayon::prelude::*;
        let caller = my_nice();
        let nices: Vec<i32> = super::run(|| (0..64).into_par_iter().map(|_| my_nice()).collect());
        let expected = (caller + super::NICER_BY).min(19);
        assert!(nices.iter().all(|&n| n == expected), "caller nice {caller}, loader threads {nices:?}");
    }
}
