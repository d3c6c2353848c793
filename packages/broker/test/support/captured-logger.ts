// A logger whose JSON lines are kept in memory, to check what the broker says (and that no secret is in it).
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}
