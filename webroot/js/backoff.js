// Reconnect delays: exponential growth from `baseMs`, capped at `capMs`, with "equal jitter"
// (half of the step is fixed, half random) so that many clients dropped by the same server restart
// do not all come back in the same millisecond. Pure, so it can be unit-tested outside a browser.

export const DEFAULT_BACKOFF = Object.freeze({ baseMs: 500, factor: 2, capMs: 10000 });

/** Delay before reconnect attempt number `attempt` (1 for the first retry). */
export function backoffDelay(attempt, { baseMs, factor, capMs } = DEFAULT_BACKOFF, random = Math.random) {
  const n = Math.max(1, attempt);
  const step = Math.min(capMs, baseMs * Math.pow(factor, n - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
