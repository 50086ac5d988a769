import type { SimulationRecord } from '../simulate.js';
import { type ServiceLevel, violatesSlo } from '../summary.js';

/** What one decision's interval cost, in the experiment's units. */
export interface IntervalOutcome {
  /** Billed pods over the interval × price per pod-hour, dollars. */
  readonly cost: number;
  /** SLO-violation minutes attributed to the interval (a violating minute split over the seconds it spans). */
  readonly violationMinutes: number;
  /** −(cost + violationMinutePrice × violationMinutes), dollars. */
  readonly reward: number;
}

/**
 * The reward of each decision (docs/rl.md): the interval [t, next decision) — the last one to the end of the
 * run — is charged its share of every minute it overlaps (the record is per minute, and the SLO is judged per
 * minute): that share of the minute's billed pod-seconds at the pod price, and that share of the minute if it
 * violated the SLO, at `violationMinutePrice` dollars. Summed over a run the rewards are exactly
 * −(cost + price × violation minutes) of the time after the first decision.
 */
export function decisionOutcomes(
  record: SimulationRecord,
  decisionSeconds: readonly number[],
  slo: ServiceLevel,
  violationMinutePrice: number,
): IntervalOutcome[] {
  const endSeconds = record.startSeconds + record.minutes * 60;
  return decisionSeconds.map((from, i) => {
    const to = i + 1 < decisionSeconds.length ? decisionSeconds[i + 1] : endSeconds;
    let podSeconds = 0;
    let violationMinutes = 0;
    for (let m = Math.floor((from - record.startSeconds) / 60); m < record.minutes; m++) {
      const minuteStart = record.startSeconds + 60 * m;
      if (minuteStart >= to) break;
      const share = (Math.min(to, minuteStart + 60) - Math.max(from, minuteStart)) / 60;
      podSeconds += share * record.billedPodSeconds[m];
      if (violatesSlo(record, m, slo)) violationMinutes += share;
    }
    const cost = (podSeconds / 3600) * record.costPerPodHour;
    return { cost, violationMinutes, reward: -(cost + violationMinutePrice * violationMinutes) };
  });
}
