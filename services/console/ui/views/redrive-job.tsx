// Progress of a background redrive job, polled until it ends, with a way to cancel it.
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import { Problem } from '../components.tsx';

export interface RedriveJob {
  id: string;
  state: 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';
  total: number;
  sent: number;
  skipped: number;
  failed: number;
  detail: string | null;
}

export function RedriveJobProgress({ id, onEnd }: { id: string; onEnd: () => void }) {
  const [job, setJob] = useState<RedriveJob | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [cancelling, setCancelling] = useState(false);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const { job: now } = await api<{ job: RedriveJob }>(`/api/redrive-jobs/${enc(id)}`);
        if (stopped) return;
        setJob(now);
        setError(undefined);
        if (now.state !== 'running') {
          onEnd();
          return;
        }
      } catch (err) {
        if (stopped) return;
        setError((err as Error).message);
      }
      timer = setTimeout(() => void poll(), 500);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id]);
  const cancel = async () => {
    setCancelling(true);
    try {
      setJob((await api<{ job: RedriveJob }>(`/api/redrive-jobs/${enc(id)}/cancel`, { body: {} })).job);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setCancelling(false);
    }
  };
  const handled = job ? job.sent + job.skipped + job.failed : 0;
  return (
    <div class="redrive-job" data-job-id={id} data-state={job?.state ?? 'running'}>
      <h3>Redrive job</h3>
      <Problem error={error} />
      {job && (
        <>
          <progress max={job.total} value={handled} />
          <p class="job-progress">
            {job.state} · sent: {job.sent} of {job.total} · held back by the loop guard: {job.skipped} ·
            failed: {job.failed}
          </p>
          {job.detail && <p class="muted">{job.detail}</p>}
          {job.state === 'running' && (
            <button type="button" disabled={cancelling} onClick={() => void cancel()}>
              Cancel job
            </button>
          )}
        </>
      )}
    </div>
  );
}
