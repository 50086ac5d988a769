import type { Random } from './random.js';

/**
 * A delay drawn per pod (scheduling, container start, readiness, termination), in seconds. Lognormal is
 * the usual shape of start-up times (a floor and a long tail); constant makes tests exact.
 */
export type DelayDistribution =
  | { readonly distribution: 'constant'; readonly seconds: number }
  | { readonly distribution: 'uniform'; readonly minSeconds: number; readonly maxSeconds: number }
  | { readonly distribution: 'exponential'; readonly meanSeconds: number }
  | { readonly distribution: 'lognormal'; readonly medianSeconds: number; readonly sigma: number };

/** One draw from `delay`, never negative. */
export function sampleDelay(delay: DelayDistribution, random: Random): number {
  switch (delay.distribution) {
    case 'constant':
      return delay.seconds;
    case 'uniform':
      return delay.minSeconds + (delay.maxSeconds - delay.minSeconds) * random.next();
    case 'exponential':
      return random.exponential(delay.meanSeconds);
    case 'lognormal':
      return delay.medianSeconds * Math.exp(delay.sigma * random.normal());
  }
}

/** The mean of a delay, for documentation and for the planner's lead time. */
export function meanDelay(delay: DelayDistribution): number {
  switch (delay.distribution) {
    case 'constant':
      return delay.seconds;
    case 'uniform':
      return (delay.minSeconds + delay.maxSeconds) / 2;
    case 'exponential':
      return delay.meanSeconds;
    case 'lognormal':
      return delay.medianSeconds * Math.exp((delay.sigma * delay.sigma) / 2);
  }
}
