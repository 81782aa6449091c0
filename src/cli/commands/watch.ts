// `ephemdir watch`: sweep periodically in the foreground, one line per sweep.
import { api } from '../api';
import { report } from '../errors';
import { countedSweep, observation, publish } from '../metrics/observe';
import { INTERVAL_OPT, defineCommand } from '../spec';
import { itemLines, parseInterval, watchLine } from '../sweeping';

/**
 * Sizes of what the next sweep would remove, measured now: the engine counts
 * entries, not bytes, and a removed directory cannot be measured afterwards.
 * Nothing is measured when nothing is due.
 */
async function dueSizes(): Promise<Map<string, { bytes: number; complete: boolean } | null>> {
  const sizes = new Map<string, { bytes: number; complete: boolean } | null>();
  const planned = await api().sweep({ dryRun: true });
  if (!planned.removed.length) return sizes;
  const due = new Set(planned.removed.map((i) => i.path));
  for (const t of await api().list()) {
    if (due.has(t.entry.path)) sizes.set(t.entry.path, await api().sizeOf(t.entry).catch(() => null));
  }
  return sizes;
}

export default defineCommand(
  {
    name: 'watch',
    summary: 'sweep periodically in the foreground',
    options: {
      interval: INTERVAL_OPT,
      'metrics-file': { type: 'string', value: 'PATH', help: 'after each sweep, write Prometheus metrics to PATH' },
      'log-summary': { type: 'boolean', help: 'one key=value summary line per sweep on stderr' },
    },
    examples: [{ run: 'ephemdir watch --interval 5m', does: 'sweep every 5 minutes, one line per sweep, until Ctrl-C' }],
  },
  async (ctx, opts) => {
    const interval = parseInterval(opts.interval);
    const obs = observation(opts.metricsFile, opts.logSummary);
    let stop: () => void = () => undefined;
    let stopped = false;
    const onSignal = () => {
      stopped = true;
      stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      ctx.info(`sweeping every ${interval}s; Ctrl-C stops`);
      while (!stopped) {
        try {
          const sizes = await dueSizes();
          const { report: r, counts } = await countedSweep({});
          itemLines(ctx, r);
          ctx.note(watchLine(new Date(), r, sizes));
          await publish(ctx, obs, counts);
        } catch (err) {
          return report(ctx, err);
        }
        if (stopped) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, interval * 1000);
          stop = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
      ctx.note('stopped');
      return 0;
    } finally {
      obs.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
);
