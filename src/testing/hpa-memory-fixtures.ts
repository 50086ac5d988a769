/** The HPA controller's memory at a fixed now, written by age: recommendations and scale events. */
import type { TimestampedRecommendation, TimestampedScaleEvent } from '../hpa/types.js';

export const NOW = 10_000;

export const rec = (ageSeconds: number, replicas: number): TimestampedRecommendation => ({
  timestampSeconds: NOW - ageSeconds,
  replicas,
});

export const event = (ageSeconds: number, replicaChange: number, outdated = false): TimestampedScaleEvent => ({
  timestampSeconds: NOW - ageSeconds,
  replicaChange,
  outdated,
});
