/**
 * Loaded into a benchmarked broker with `node --import` (never by the broker itself): every
 * GREGOR_PROBE_INTERVAL_MS it appends one JSON line to GREGOR_PROBE_FILE with the process's memory
 * (rss, heapTotal, heapUsed, external, arrayBuffers, in bytes), its CPU time (µs) and the event-loop delay since the
 * last sample (p50/p99/max, ms; perf_hooks.monitorEventLoopDelay at 10 ms resolution). The timer is unref'd,
 * so the probe never keeps the broker alive.
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.GREGOR_PROBE_FILE;
if (file) {
  const interval = Number(process.env.GREGOR_PROBE_INTERVAL_MS ?? 60_000);
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const sample = (): void => {
    const m = process.memoryUsage();
    const cpu = process.cpuUsage();
    const line = {
      t: Date.now(),
      rss: m.rss,
      heapTotal: m.heapTotal,
      heapUsed: m.heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      cpuUs: cpu.user + cpu.system,
      elP50: h.percentile(50) / 1e6,
      elP99: h.percentile(99) / 1e6,
      elMax: h.max / 1e6,
    };
    h.reset();
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {
      // the bench removed its directory: nothing to report to
    }
  };
  setInterval(sample, interval).unref();
}
