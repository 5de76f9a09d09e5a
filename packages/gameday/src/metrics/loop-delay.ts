import { type ELDHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;

/** Samples how late the runner's event loop runs, every 10 ms; read it with `loopDelayMs`. */
export function loopDelayMonitor(): ELDHistogram {
  return monitorEventLoopDelay({ resolution: RESOLUTION_MS });
}

/**
 * How late the event loop ran (ms, one decimal), from a value of `loopDelayMonitor()`'s
 * histogram (ns). Node records the whole interval between runs of its sampling timer, so an idle
 * loop reads the resolution itself (~10 ms): that part is not a delay.
 */
export function loopDelayMs(recordedNs: number): number {
  const delayMs = recordedNs / 1e6 - RESOLUTION_MS;
  return delayMs > 0 ? Math.round(delayMs * 10) / 10 : 0;
}
