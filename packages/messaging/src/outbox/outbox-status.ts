// The life of an outbox row as an explicit table of allowed transitions.
import { OutboxError } from './outbox-error.ts';

export type OutboxStatus = 'pending' | 'published';

/**
 * pending → published once the publisher acknowledged the message. A failed attempt keeps the row pending
 * (attempts + 1, last_error, next_attempt_at later); nothing leaves `published` except deletion after the
 * retention period.
 */
export const OUTBOX_STATUS_TRANSITIONS: Readonly<Record<OutboxStatus, readonly OutboxStatus[]>> = {
  pending: ['published'],
  published: [],
};

export function assertOutboxTransition(from: OutboxStatus, to: OutboxStatus): void {
  if (!OUTBOX_STATUS_TRANSITIONS[from].includes(to)) {
    throw new OutboxError('OUTBOX_INVALID_TRANSITION', `an outbox row cannot go from ${from} to ${to}`);
  }
}
