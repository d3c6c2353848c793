// Small shared pieces: error and loading lines, a confirmation dialog, JSON display, a lag chart.
import type { ComponentChildren } from 'preact';

export function Problem({ error }: { error?: string }) {
  return error ? (
    <p class="problem" role="alert">
      {error}
    </p>
  ) : null;
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p class="muted">Loading…</p> : null;
}

export function Confirm(props: {
  title: string;
  children: ComponentChildren;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
}) {
  return (
    <div class="modal" role="dialog" aria-label={props.title}>
      <div class="modal-body">
        <h3>{props.title}</h3>
        {props.children}
        <div class="actions">
          <button type="button" class="danger" disabled={props.busy} onClick={props.onConfirm}>
            Confirm
          </button>
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function LagChart({ samples }: { samples: { at: number; lag: number }[] }) {
  if (samples.length < 2) return <p class="muted">Lag over time appears after a few samples.</p>;
  const w = 600;
  const h = 120;
  const t0 = samples[0].at;
  const t1 = samples[samples.length - 1].at;
  const max = Math.max(1, ...samples.map((s) => s.lag));
  const points = samples
    .map(
      (s) => `${(((s.at - t0) / Math.max(1, t1 - t0)) * w).toFixed(1)},${(h - (s.lag / max) * h).toFixed(1)}`,
    )
    .join(' ');
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label="lag over time">
        <polyline points={points} fill="none" stroke="currentColor" stroke-width="2" />
      </svg>
      <figcaption>
        lag over the last {Math.round((t1 - t0) / 1000)} s, peak {max}, now {samples[samples.length - 1].lag}
      </figcaption>
    </figure>
  );
}

/** Bytes as B, KiB, MiB or GiB; "unknown" (with the reason as a tooltip) when the cluster did not say. */
export function Size({ bytes, reason }: { bytes: number | null; reason?: string | null }) {
  if (bytes === null) {
    return (
      <span class="muted size" title={reason ?? 'the cluster did not report it'}>
        unknown
      </span>
    );
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
  return (
    <span class="size" title={`${bytes} bytes`}>
      {text}
    </span>
  );
}
