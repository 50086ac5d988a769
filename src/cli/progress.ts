import cliProgress from 'cli-progress';

/** One progress bar per named task on stderr (silent when stderr is not a terminal, e.g. in CI). */
export interface ProgressBars {
  update(task: string, done: number, total: number): void;
  stop(): void;
}

/**
 * Creates bars for the given tasks, in order; a task's bar appears on its first update. On a stream that
 * is not a terminal it writes nothing: cli-progress would print each bar once at `stop()` without its
 * payload (a literal `{task}`), or with `noTTYOutput` every bar every 2 s, which floods a log.
 */
export function createProgressBars(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressBars {
  if (stream.isTTY !== true) return { update: () => {}, stop: () => {} };
  const multibar = new cliProgress.MultiBar(
    {
      stream,
      format: `${label} {task} [{bar}] {percentage}% {value}/{total} | {eta_formatted} left`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const width = 16;
  return {
    update(task, done, total) {
      let bar = bars.get(task);
      if (!bar) {
        bar = multibar.create(total, 0, { task: task.padEnd(width) });
        bars.set(task, bar);
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop: () => multibar.stop(),
  };
}
