/**
 * A range selector's window (`[1m]`, `[1h30m]`): one or more duration parts. A subquery (`[5m:30s]`) has a colon
 * and does not match.
 */
const RANGE_SELECTOR = /\[((?:\d+(?:ms|[smhdwy]))+)\]/;

/** `rate(` as a function call, not the end of `irate(`. */
const RATE_CALL = /\brate\(/g;

/**
 * `query` with every `rate(` read as `irate(`: the rate between the two newest samples of each series instead of
 * the average over the range window, so a step of the load shows one scrape after it happens. `irate` needs only
 * two samples in the window (a `[1m]` window holds them at any scrape interval up to 30 s), where a short `rate`
 * window would return nothing. A query without `rate(` is returned as it is.
 */
export function withInstantRate(query: string): string {
  return query.replace(RATE_CALL, 'irate(');
}

/** The window of the first range selector of `query` in its written form (`1m`), or null when it has none. */
export function rangeWindowOf(query: string): string | null {
  return RANGE_SELECTOR.exec(query)?.[1] ?? null;
}
