// The glibc settings a Python peer runs under when it is judged "tuned".

/**
 * glibc settings under which PyTorch's fresh tensors stop faulting pages in: freed memory stays in
 * the heap (no trim) and large blocks come from it (no mmap per tensor). With glibc's defaults
 * PyTorch on this VM spent a third of its CPU in the kernel in W3 (~1 million minor faults per run)
 * and trained at 40-80 img/s; tuned, 110-200. In W1, torchaudio's log-mel took 104-144 ms in some
 * runs and 13-18 ms in others with the defaults, 13 ms tuned. A PyTorch user who measured that
 * would tune it (or preload jemalloc), so the tuned peer is the one targets are judged against.
 */
export const TUNED_MALLOC: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_MMAP_THRESHOLD_: String(2 ** 30),
  MALLOC_TRIM_THRESHOLD_: String(2 ** 30),
});
