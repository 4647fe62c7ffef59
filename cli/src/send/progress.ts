/**
 * Progress display for long-running CLI work (`send`, `replay`): a redrawn bar on a terminal, a plain
 * line every few seconds otherwise (CI logs, pipes), so a log never fills with carriage returns.
 * Written to stderr: stdout stays for results that scripts read.
 */

export interface ProgressSnapshot {
  label: string;
  done: number;
  /** Unknown totals show a count and rate without bar or ETA. */
  total?: number;
  unit: string;
  elapsedMs: number;
  /** Free text after the numbers, e.g. `12,000 events`. */
  extra?: string;
}

const BAR_WIDTH = 24;

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s).padStart(2, '0')}s`
      : `${s}s`;
}

/** One progress line: `label [#####-----] 50/100 events  120/s  ETA 0s  extra`. Pure, for tests. */
export function formatProgress(p: ProgressSnapshot, withBar: boolean): string {
  const rate = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  const parts = [p.label];
  if (p.total !== undefined && p.total > 0) {
    const ratio = Math.min(1, p.done / p.total);
    if (withBar) {
      const filled = Math.round(ratio * BAR_WIDTH);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`);
    }
    parts.push(`${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} ${p.unit}`);
    parts.push(`${Math.round(ratio * 100)}%`);
  } else {
    parts.push(`${p.done.toLocaleString('en-US')} ${p.unit}`);
  }
  parts.push(`${rate >= 10 ? Math.round(rate).toLocaleString('en-US') : rate.toFixed(1)} ${p.unit}/s`);
  if (p.total !== undefined && rate > 0 && p.done < p.total) {
    parts.push(`ETA ${formatDuration(((p.total - p.done) / rate) * 1000)}`);
  }
  if (p.extra) parts.push(p.extra);
  return parts.join('  ');
}

export interface ProgressOptions {
  label: string;
  unit: string;
  total?: number;
  /** Default: process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Interval of plain lines when the stream is not a terminal. */
  plainEveryMs?: number;
  /** Extra text computed at each redraw. */
  extra?: () => string | undefined;
}

export interface Progress {
  advance(n?: number): void;
  setTotal(total: number): void;
  /** Draws the final state and stops the timer. */
  finish(): void;
}

export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const started = Date.now();
  let done = 0;
  let total = options.total;
  const line = () =>
    formatProgress(
      {
        label: options.label,
        unit: options.unit,
        done,
        total,
        elapsedMs: Date.now() - started,
        extra: options.extra?.(),
      },
      tty,
    );
  const draw = () => {
    if (tty) stream.write(`\r\x1b[2K${line()}`);
    else stream.write(`${line()}\n`);
  };
  const timer = setInterval(draw, tty ? 200 : (options.plainEveryMs ?? 5000));
  timer.unref();
  return {
    advance(n = 1) {
      done += n;
    },
    setTotal(value) {
      total = value;
    },
    finish() {
      clearInterval(timer);
      draw();
      if (tty) stream.write('\n');
    },
  };
}
