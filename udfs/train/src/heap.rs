//! Handing freed heap pages back to the system. YOLOX trains at a new input size every 10
//! steps (multiscale), and glibc's allocator keeps the previous size's freed activations as
//! holes that the new, differently sized tensors do not fill. Returning the free pages when the
//! size changes bounds that growth; the pages the next step touches are faulted in again once
//! per size, not once per tensor. Measured on the challenge-size benchmark's detector stage
//! (YOLOX-nano at 320, batch 16, 100 steps, 1 GiB picture cache): peak resident memory 7.5-8.6
//! GiB without, 7.2 GiB with; an mmap threshold of 128 KiB instead (every large tensor unmapped
//! when freed) reached 7.0 GiB at 0.66x the step throughput, and jemalloc as the process's
//! malloc 7.0 GiB.

/// Returns the free pages of every malloc arena to the system (glibc's `malloc_trim`); a no-op
/// elsewhere.
pub fn release_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only reads and updates the allocator's own state, under its locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
