// Transactions are not implemented: FindCoordinator for a transactional id, a transactional InitProducerId
// and AddPartitionsToTxn are refused (TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which clients treat as fatal).
// Each refusal is logged, but at most once a minute, with how many were not, so a client that keeps
// trying cannot flood the log.
import type { Logger } from 'pino';

export const TRANSACTIONS_NOT_SUPPORTED = 'transactions are not supported by this broker';

const INTERVAL_MS = 60_000;
/** Per broker (each has its own logger): when a refusal was last logged, and how many were not since. */
const logged = new WeakMap<Logger, { at: number; suppressed: number }>();

export function logTransactionRefused(
  logger: Logger,
  request: string,
  transactionalId: string | null,
  clientId: string | null,
  now = Date.now(),
): void {
  const last = logged.get(logger);
  if (last && now - last.at < INTERVAL_MS) {
    last.suppressed++;
    return;
  }
  logger.warn(
    { request, transactionalId, clientId, suppressedSinceLast: last?.suppressed ?? 0 },
    `refused ${request}: ${TRANSACTIONS_NOT_SUPPORTED}`,
  );
  logged.set(logger, { at: now, suppressed: 0 });
}
