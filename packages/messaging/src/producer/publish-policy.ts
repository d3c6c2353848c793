// Resilience around one publish: retries with exponential backoff and jitter (capped), a timeout per
// attempt, and a circuit breaker shared by every publish of a producer, so a dead broker is met with an
// immediate CIRCUIT_OPEN instead of a pile of slow failures.
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import {
  CircuitOpenError,
  isRetriable,
  MessagingArgumentError,
  PublishFailedError,
  PublishTimeoutError,
} from '../errors.ts';

export interface PublishPolicyOptions {
  /** Attempts per publish, the first included (default 3). */
  attempts?: number;
  /** First backoff delay (default 100 ms); later ones grow exponentially with jitter. */
  initialDelayMs?: number;
  /** Cap of a single backoff delay (default 2 s). */
  maxDelayMs?: number;
  /** Each attempt fails with PUBLISH_TIMEOUT after this long (default 5 s). */
  attemptTimeoutMs?: number;
  /** Consecutive failed attempts that open the circuit (default 5). */
  breakAfter?: number;
  /** How long the circuit stays open before one probe is let through (default 5 s). */
  halfOpenAfterMs?: number;
}

export type CircuitStateName = 'closed' | 'open' | 'half-open';

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new MessagingArgumentError(`${name} must be an integer >= 1`);
  return value;
}

export class PublishPolicy {
  readonly #attempts: number;
  readonly #timeoutMs: number;
  readonly #breaker;
  readonly #policy;

  constructor(
    options: PublishPolicyOptions = {},
    onStateChange: (state: CircuitStateName) => void = () => {},
  ) {
    this.#attempts = positiveInt('attempts', options.attempts ?? 3);
    this.#timeoutMs = positiveInt('attemptTimeoutMs', options.attemptTimeoutMs ?? 5_000);
    const transient = handleWhen((err) => !(err instanceof BrokenCircuitError) && isRetriable(err));
    const retryPolicy = retry(transient, {
      maxAttempts: this.#attempts - 1,
      backoff: new ExponentialBackoff({
        initialDelay: options.initialDelayMs ?? 100,
        maxDelay: options.maxDelayMs ?? 2_000,
      }),
    });
    this.#breaker = circuitBreaker(transient, {
      halfOpenAfter: options.halfOpenAfterMs ?? 5_000,
      breaker: new ConsecutiveBreaker(positiveInt('breakAfter', options.breakAfter ?? 5)),
    });
    this.#breaker.onStateChange((state) => onStateChange(STATE_NAMES[state]));
    this.#policy = wrap(retryPolicy, this.#breaker, timeout(this.#timeoutMs, TimeoutStrategy.Aggressive));
  }

  get state(): CircuitStateName {
    return STATE_NAMES[this.#breaker.state];
  }

  /** Runs `attempt` under the policy; failures come out as CIRCUIT_OPEN, PUBLISH_TIMEOUT or PUBLISH_FAILED. */
  async execute<T>(attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let tries = 0;
    try {
      return await this.#policy.execute(({ signal }) => {
        tries++;
        return attempt(signal);
      });
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new CircuitOpenError(err);
      if (err instanceof TaskCancelledError) throw new PublishTimeoutError(this.#timeoutMs, err);
      if (!isRetriable(err)) throw err;
      throw new PublishFailedError(tries, err);
    }
  }
}
