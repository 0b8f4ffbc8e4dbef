//! The tokio runtime every front end runs on.
//!
//! Planning and evaluating SQL recurses over expression and plan trees, and not all of that
//! recursion is guarded (the derived `Clone`, `Hash`, `Eq` and `Drop` of DataFusion's `Expr`
//! are not). Generated SQL with thousands of terms needs far more than a default thread's
//! 2 MiB, so the thread that plans and every worker get [`STACK`] bytes: address space that is
//! committed only as it is used. [`crate::engine::statement`] keeps depth within what this
//! holds.
use std::future::Future;

/// Stack of the planning thread and of every runtime thread.
pub const STACK: usize = 512 << 20;

/// A multi-threaded runtime whose threads have [`STACK`]-sized stacks.
pub fn build() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(STACK).thread_name("cytologia-worker").build()
}

/// Runs the future `make` returns on a runtime from [`build`], on a thread with a [`STACK`]
/// stack (the future need not be `Send`: it is created on that thread).
pub fn run<F, Fut>(make: F) -> std::io::Result<Fut::Output>
where
    F: FnOnce() -> Fut + Send,
    Fut: Future,
    Fut::Output: Send,
{
    let rt = build()?;
    std::thread::scope(|s| {
        let main = std::thread::Builder::new().name("cytologia-main".into()).stack_size(STACK).spawn_scoped(s, || rt.block_on(make()))?;
        Ok(main.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}
