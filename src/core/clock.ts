/** Time source for loops (schedules, retraining, staleness); pure code takes `nowSeconds` instead. */
export interface Clock {
  nowMs(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
