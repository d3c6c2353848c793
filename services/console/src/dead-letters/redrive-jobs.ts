// Redrives too large for one HTTP request run as background jobs: progress (sent, held back by the loop
// guard, failed, total), cancel, the audit log at start and end. Each job writes a journal (JSON lines) so a
// restart knows what happened: a job that was running is recorded as interrupted, and the one dead letter
// that may have been sent without its mark (the console stopped between the two) is looked up in the topic
// it was sent to: found, it gets its mark; not found, it stays a dead letter. Either way nothing is sent
// twice: every other redriven dead letter carries its mark, so a later redrive leaves it out.
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '@tributary/service-kit';
import type { AuditEntry, AuditLog } from '../audit/audit-log.ts';
import { readJsonLines } from '../json-lines.ts';
import type { KafkaCluster } from '../kafka/kafka-cluster.ts';
import type { TopicDirectory } from '../kafka/topic-directory.ts';
import { type ActionItem, DeadLetterActions } from './dead-letter-actions.ts';
import { type DeadLetterRef, type DeadLetterView, REDRIVE_COUNT_HEADER } from './dead-letter-store.ts';

export const JOB_STATES = ['running', 'done', 'cancelled', 'failed', 'interrupted'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface RedriveJob {
  id: string;
  state: JobState;
  who: string;
  target: string;
  total: number;
  sent: number;
  skipped: number;
  failed: number;
  startedAt: string;
  endedAt: string | null;
  /** Why it ended other than done; the first few failures of single dead letters. */
  detail: string | null;
  failures: { item: DeadLetterRef; error: string }[];
  skippedItems: (ActionItem & { reason: string })[];
}

type JournalLine =
  | { type: 'start'; job: RedriveJob }
  | {
      type: 'sending';
      id: string;
      item: DeadLetterRef;
      eventId: string | null;
      redriveCount: string;
      toTopic: string;
      from: Record<string, string>;
    }
  | { type: 'sent'; id: string; item: DeadLetterRef }
  | { type: 'failed'; id: string; item: DeadLetterRef; error: string }
  | { type: 'end'; id: string; state: JobState; at: string; detail: string | null };

const KEEP_FAILURES = 20;
const KEEP_JOBS = 100;
/** The journal is rewritten with only the kept jobs when a start finds more lines than this. */
const COMPACT_AFTER_LINES = 10_000;
/** A job stops after this many dead letters failed in a row (the cluster is likely gone). */
const MAX_FAILURES_IN_A_ROW = 5;

export interface RedriveJobsOptions {
  cluster: KafkaCluster;
  topics: TopicDirectory;
  actions: DeadLetterActions;
  audit: AuditLog;
  logger: Logger;
  /** The journal (JSON lines); jobs are not kept across restarts when unset. */
  file?: string;
}

export class RedriveJobs {
  readonly #options: RedriveJobsOptions;
  readonly #jobs = new Map<string, RedriveJob>();
  readonly #running = new Map<string, { cancel: AbortController; done: Promise<void> }>();
  readonly #cancelledBy = new Map<string, string>();
  #writes: Promise<unknown> = Promise.resolve();
  #journalDirMade = false;

  constructor(options: RedriveJobsOptions) {
    this.#options = options;
  }

  get(id: string): RedriveJob | undefined {
    return this.#jobs.get(id);
  }

  list(): RedriveJob[] {
    return [...this.#jobs.values()].reverse();
  }

  /** Starts a job over the dead letters; the loop guard's decisions are made now, with the dry run's rules. */
  async start(deadLetters: readonly DeadLetterView[], who: string, target: string): Promise<RedriveJob> {
    const { due, skipped } = this.#options.actions.plan(deadLetters);
    const job: RedriveJob = {
      id: randomUUID(),
      state: 'running',
      who,
      target,
      total: deadLetters.length,
      sent: 0,
      skipped: skipped.length,
      failed: 0,
      startedAt: new Date().toISOString(),
      endedAt: null,
      detail: null,
      failures: [],
      skippedItems: skipped.slice(0, KEEP_FAILURES),
    };
    this.#remember(job);
    await this.#journal({ type: 'start', job });
    await this.#audit(job, 'started', `job ${job.id}: ${due.length} to send, ${skipped.length} held back`);
    const cancel = new AbortController();
    const done = this.#run(job, due, cancel.signal).finally(() => {
      this.#running.delete(job.id);
      this.#cancelledBy.delete(job.id);
    });
    this.#running.set(job.id, { cancel, done });
    return job;
  }

  /** Asks a running job to stop after the dead letter in flight; resolves once it has. */
  async cancel(id: string, who: string): Promise<RedriveJob | undefined> {
    const running = this.#running.get(id);
    if (running) {
      this.#cancelledBy.set(id, who);
      running.cancel.abort('cancelled');
      await running.done;
    }
    return this.#jobs.get(id);
  }

  /** Resolves when the job has ended (tests and shutdown wait on it). */
  async settled(id: string): Promise<RedriveJob | undefined> {
    await this.#running.get(id)?.done;
    return this.#jobs.get(id);
  }

  /** Stops every running job (the console is shutting down): each is recorded as interrupted. */
  async stop(): Promise<void> {
    const running = [...this.#running.values()];
    for (const r of running) r.cancel.abort('interrupted');
    await Promise.all(running.map((r) => r.done));
    await this.#writes;
  }

  async #run(job: RedriveJob, due: readonly DeadLetterView[], signal: AbortSignal): Promise<void> {
    const { actions, cluster } = this.#options;
    let inARow = 0;
    try {
      for (const d of due) {
        if (signal.aborted) break;
        const item = { dlq: d.dlq, partition: d.partition, offset: d.offset };
        try {
          await actions.redriveOne(d, async () => {
            const count = (await this.#options.topics.layout(d.origin.topic)).leaders.length;
            const ends = await cluster.endOffsets(d.origin.topic, count);
            await this.#journal({
              type: 'sending',
              id: job.id,
              item,
              eventId: d.eventId,
              redriveCount: DeadLetterActions.redriveCountOf(d),
              toTopic: d.origin.topic,
              from: Object.fromEntries([...ends].map(([partition, end]) => [String(partition), String(end)])),
            });
          });
          job.sent++;
          inARow = 0;
          await this.#journal({ type: 'sent', id: job.id, item });
        } catch (err) {
          const error = (err as Error).message;
          job.failed++;
          inARow++;
          if (job.failures.length < KEEP_FAILURES) job.failures.push({ item, error });
          await this.#journal({ type: 'failed', id: job.id, item, error });
          if (inARow >= MAX_FAILURES_IN_A_ROW) {
            await this.#end(job, 'failed', `stopped after ${inARow} failures in a row; last: ${error}`);
            return;
          }
        }
      }
      if (signal.aborted) {
        const state = signal.reason === 'cancelled' ? 'cancelled' : 'interrupted';
        const left = due.length - job.sent - job.failed;
        await this.#end(
          job,
          state,
          state === 'cancelled'
            ? `cancelled by ${this.#cancelledBy.get(job.id) ?? 'someone'} with ${left} not sent`
            : `the console stopped with ${left} not sent; redrive again to send the rest`,
        );
      } else {
        await this.#end(job, 'done', job.failed > 0 ? `${job.failed} could not be sent` : null);
      }
    } catch (err) {
      // The journal or audit log could not be written: the job stops rather than run unrecorded.
      this.#options.logger.error({ err, job: job.id }, 'redrive job stopped');
      job.state = 'failed';
      job.detail = (err as Error).message;
      job.endedAt = new Date().toISOString();
    }
  }

  async #end(job: RedriveJob, state: JobState, detail: string | null): Promise<void> {
    job.state = state;
    job.detail = detail;
    job.endedAt = new Date().toISOString();
    await this.#journal({ type: 'end', id: job.id, state, at: job.endedAt, detail });
    const counts = `${job.sent} sent, ${job.skipped} held back by the loop guard, ${job.failed} failed of ${job.total}`;
    const outcome: AuditEntry['outcome'] =
      state === 'done' ? (job.failed === 0 ? 'ok' : 'partial') : state === 'running' ? 'started' : state;
    await this.#audit(job, outcome, `job ${job.id}: ${counts}${detail ? `; ${detail}` : ''}`);
  }

  async #audit(job: RedriveJob, outcome: AuditEntry['outcome'], detail: string): Promise<void> {
    await this.#options.audit.record({
      who: job.who,
      action: 'redrive',
      target: job.target,
      outcome,
      detail,
    });
  }

  #remember(job: RedriveJob): void {
    this.#jobs.set(job.id, job);
    for (const id of this.#jobs.keys()) {
      if (this.#jobs.size <= KEEP_JOBS) break;
      if (!this.#running.has(id)) this.#jobs.delete(id);
    }
  }

  #journal(line: JournalLine): Promise<void> {
    const file = this.#options.file;
    if (file === undefined) return Promise.resolve();
    const write = this.#writes.then(async () => {
      if (!this.#journalDirMade) {
        await mkdir(dirname(file), { recursive: true });
        this.#journalDirMade = true;
      }
      await appendFile(file, `${JSON.stringify(line)}\n`);
    });
    this.#writes = write.catch(() => {});
    return write;
  }

  /**
   * Reads the journal: jobs appear as they ended; one that was still running is shown as interrupted at
   * once, and returned (with its dead letter in doubt, if any) for `recover` to settle.
   */
  async load(): Promise<Unsettled[]> {
    const file = this.#options.file;
    if (file === undefined) return [];
    const raws = await readJsonLines(file);
    const inDoubt = new Map<string, SendingLine>();
    const ended = new Set<string>();
    for (const raw of raws) {
      let line: JournalLine;
      try {
        line = JSON.parse(raw) as JournalLine;
      } catch {
        continue; // what a power cut left in place of a line (zeros)
      }
      if (line.type === 'start') {
        this.#remember({ ...line.job });
        continue;
      }
      const job = this.#jobs.get(line.id);
      if (!job) continue;
      if (line.type === 'sending') inDoubt.set(line.id, line);
      else if (line.type === 'sent') {
        job.sent++;
        inDoubt.delete(line.id);
      } else if (line.type === 'failed') {
        job.failed++;
        inDoubt.delete(line.id);
        if (job.failures.length < KEEP_FAILURES) job.failures.push({ item: line.item, error: line.error });
      } else {
        job.state = line.state;
        job.detail = line.detail;
        job.endedAt = line.at;
        ended.add(line.id);
      }
    }
    const unsettled: Unsettled[] = [];
    for (const job of this.#jobs.values()) {
      if (ended.has(job.id) || job.state !== 'running') continue;
      unsettled.push({ job, doubt: inDoubt.get(job.id) });
    }
    if (raws.length > COMPACT_AFTER_LINES) await this.#compact(file, unsettled);
    for (const { job } of unsettled) {
      job.state = 'interrupted';
      job.detail = 'the console stopped while it ran (being settled)';
    }
    return unsettled;
  }

  /**
   * Rewrites the journal with only the jobs kept (a start line with their counts, their end or the dead
   * letter in doubt), replacing the file atomically: it would otherwise grow by two lines per redrive.
   */
  async #compact(file: string, unsettled: readonly Unsettled[]): Promise<void> {
    const doubts = new Map(unsettled.map((u) => [u.job.id, u.doubt]));
    const out: JournalLine[] = [];
    for (const job of this.#jobs.values()) {
      out.push({ type: 'start', job: { ...job } });
      if (doubts.has(job.id)) {
        const doubt = doubts.get(job.id);
        if (doubt) out.push(doubt);
      } else {
        out.push({
          type: 'end',
          id: job.id,
          state: job.state,
          at: job.endedAt ?? job.startedAt,
          detail: job.detail,
        });
      }
    }
    const temp = `${file}.compacting`;
    await writeFile(temp, out.map((line) => `${JSON.stringify(line)}\n`).join(''));
    await rename(temp, file);
  }

  /** Settles jobs of an earlier run: checks the dead letter in doubt, then records the end. */
  async settle(unsettled: readonly Unsettled[]): Promise<void> {
    await this.#settle(unsettled);
  }

  async #settle(unsettled: readonly Unsettled[]): Promise<void> {
    for (const { job, doubt } of unsettled) {
      let note = '';
      if (doubt) {
        try {
          if (await this.#wasSent(doubt)) {
            await this.#options.actions.mark(doubt.item, 'redriven');
            job.sent++;
            note = `; the dead letter in flight (${refText(doubt.item)}) had reached ${doubt.toTopic} and is now marked`;
          } else {
            note = `; the dead letter in flight (${refText(doubt.item)}) had not been sent and stays a dead letter`;
          }
        } catch (err) {
          note = `; whether the dead letter in flight (${refText(doubt.item)}) was sent could not be checked: ${(err as Error).message}`;
        }
      }
      const left = job.total - job.skipped - job.sent - job.failed;
      await this.#end(
        job,
        'interrupted',
        `the console stopped with ${left} not sent${note}; redrive again to send the rest`,
      );
    }
  }

  /** Whether a copy with the dead letter's event id and redrive count was appended after `from`. */
  async #wasSent(doubt: SendingLine): Promise<boolean> {
    const { cluster, topics } = this.#options;
    const layout = await topics.layout(doubt.toTopic);
    const ends =
      (await cluster.offsets(new Map([[doubt.toTopic, layout.leaders.length]]))).get(doubt.toTopic) ?? [];
    for (const bounds of ends) {
      let next = BigInt(doubt.from[String(bounds.partition)] ?? bounds.start);
      while (next < bounds.end) {
        const leader = layout.leaders[bounds.partition] ?? -1;
        const records = await cluster.fetch(
          doubt.toTopic,
          layout.id,
          leader,
          bounds.partition,
          next,
          1024 * 1024,
        );
        if (records.length === 0) break;
        for (const r of records) {
          next = r.offset + 1n;
          const header = (name: string) => r.headers.find(([k]) => k === name)?.[1]?.toString('utf8');
          if (
            header('ce_id') === (doubt.eventId ?? undefined) &&
            header(REDRIVE_COUNT_HEADER) === doubt.redriveCount
          )
            return true;
        }
      }
    }
    return false;
  }
}

type SendingLine = Extract<JournalLine, { type: 'sending' }>;

/** A job the last run left running, and the dead letter it may have sent without marking. */
export interface Unsettled {
  job: RedriveJob;
  doubt: SendingLine | undefined;
}

function refText(ref: DeadLetterRef): string {
  return `${ref.dlq}/${ref.partition}@${ref.offset}`;
}
