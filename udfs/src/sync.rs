//! Planning hooks in DataFusion are synchronous, but reading a Delta log is async. This runs a
//! future to completion from sync code without blocking the reactor's other tasks.
use std::future::Future;

pub fn block_on<F>(fut: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(|| handle.block_on(fut)),
        // A current-thread runtime (or none) cannot block in place: run on a helper thread.
        _ => std::thread::scope(|s| {
            s.spawn(|| tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime for planning-time I/O").block_on(fut))
                .join()
                .expect("planning-time I/O thread panicked")
        }),
    }
}
