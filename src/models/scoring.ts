import type { Series } from '../core/index.js';
import type { BacktestForecasts } from './backtest.js';
import { seasonalValue, seasonStepsFor } from './naive.js';

/** Accuracy at one horizon (or averaged over several), with the shared scorer's definitions and names. */
export interface ForecastScore {
  /** Scored (origin, h) pairs: those whose target bucket was observed. */
  readonly n: number;
  readonly rmse: number;
  readonly mae: number;
  /** sum |error| / sum |actual|. */
  readonly wape: number;
  /** RMSE over RMSE of seasonal naive at the same origins and targets; below 1 beats "same time yesterday". */
  readonly rmseVsSnaive: number;
  /** Share of actuals inside [lo, hi]; null when the model gives no interval. */
  readonly coverage80: number | null;
  /** Pinball loss of `hi` taken as the 0.9 quantile; null without intervals. */
  readonly pinball90Hi: number | null;
}

/** Scores per reported horizon and the mean over 1..H, as `score-forecasts.mjs` prints them. */
export interface BacktestScores {
  readonly byH: ReadonlyMap<number, ForecastScore>;
  readonly mean1ToH: ForecastScore;
}

/**
 * Scores backtest forecasts against the actual bucket means exactly as the shared scorer does (same
 * sums in the same order, so the numbers agree to the last bit on the same data).
 */
export function scoreForecasts(
  actual: Series,
  forecasts: BacktestForecasts,
  reportH: readonly number[],
  seasonSeconds: number,
): BacktestScores {
  const H = forecasts.horizonSteps;
  const step = actual.stepSeconds;
  const seasonSteps = seasonStepsFor(seasonSeconds, step);
  const indexOf = (t: number) => Math.round((t - actual.startSeconds) / step);

  const score = (hs: readonly number[]): ForecastScore => {
    let n = 0;
    let se = 0;
    let ae = 0;
    let sumY = 0;
    let covN = 0;
    let cov = 0;
    let seS = 0;
    let pin = 0;
    forecasts.originsSeconds.forEach((origin, i) => {
      const originIndex = indexOf(origin);
      for (const h of hs) {
        const target = originIndex + h - 1;
        const y = target >= 0 && target < actual.values.length ? actual.values[target] : Number.NaN;
        if (Number.isNaN(y)) continue;
        const k = i * H + h - 1;
        const f = forecasts.point[k];
        n++;
        se += (f - y) ** 2;
        ae += Math.abs(f - y);
        sumY += Math.abs(y);
        seS += (seasonalValue(actual.values, originIndex, h, seasonSteps) - y) ** 2;
        const lo = forecasts.lower?.[k] ?? Number.NaN;
        const hi = forecasts.upper?.[k] ?? Number.NaN;
        if (Number.isFinite(lo) && Number.isFinite(hi)) {
          covN++;
          if (y >= lo && y <= hi) cov++;
          pin += Math.max(0.9 * (y - hi), 0.1 * (hi - y));
        }
      }
    });
    return {
      n,
      rmse: Math.sqrt(se / n),
      mae: ae / n,
      wape: ae / sumY,
      rmseVsSnaive: Math.sqrt(se / n) / Math.sqrt(seS / n),
      coverage80: covN ? cov / covN : null,
      pinball90Hi: covN ? pin / covN : null,
    };
  };

  const byH = new Map<number, ForecastScore>();
  for (const h of reportH) byH.set(h, score([h]));
  return { byH, mean1ToH: score(Array.from({ length: H }, (_, i) => i + 1)) };
}
