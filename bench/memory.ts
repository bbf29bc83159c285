/**
 * Peak memory of this process while a stage runs: RSS and heap sampled on a timer (the sweep
 * streams, so a peak between samples is short-lived), plus the kernel's own high-water mark.
 */
const MB = 1024 * 1024;

export interface MemoryPeak {
  peakRssMB: number;
  peakHeapMB: number;
  /** process.resourceUsage().maxRSS when sampling stopped: the process's high-water mark so far. */
  maxRssMB: number;
  samples: number;
}

export function sampleMemory(intervalMs = 50): { stop(): MemoryPeak } {
  let rss = 0;
  let heap = 0;
  let samples = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
    samples += 1;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  // Sampling must never keep the bench alive on its own.
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      // maxRSS is in kilobytes.
      const maxRss = process.resourceUsage().maxRSS * 1024;
      return { peakRssMB: round(rss / MB), peakHeapMB: round(heap / MB), maxRssMB: round(maxRss / MB), samples };
    },
  };
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
