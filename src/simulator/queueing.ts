/**
 * The latency and drop model of one pod: an M/M/c/K queue (docs/simulator.md, "Queueing model").
 *
 * A pod runs `concurrency` workers (c); requests arrive as a Poisson stream (kube-proxy picks a ready
 * endpoint at random, so each pod sees a Poisson share of the total), each takes an exponential service
 * time with the given mean, and wait first-come first-served for a free worker. At most `queueLimit`
 * requests (K, in service plus waiting) fit in a pod; one arriving to a full pod is dropped (an HTTP 503).
 * The simulator treats each second as stationary at that second's arrival rate, which holds when the
 * queue settles well within a second (service times of tens of milliseconds); `des.ts` checks it.
 */

/** What one pod's request handling is made of. */
export interface PodServiceModel {
  /** Workers serving requests in parallel (c ≥ 1). */
  readonly concurrency: number;
  /** Mean time a worker spends on one request, seconds. */
  readonly serviceTimeSeconds: number;
  /** Most requests a pod holds, in service plus waiting (K ≥ c). */
  readonly queueLimit: number;
}

/** Requests per second one pod completes when all its workers are busy: c / mean service time. */
export function podMaxThroughput(model: PodServiceModel): number {
  return model.concurrency / model.serviceTimeSeconds;
}

/**
 * Stationary probabilities p[0..K] of n requests in a pod at arrival rate `lambda` (requests/s): Erlang's
 * truncated distribution, p[n] ∝ a^n / n! for n ≤ c and a^c / c! · (a/c)^(n−c) above, with a = λ · E[S].
 * Computed as ratios from the most likely state so no power overflows.
 */
export function stationaryDistribution(model: PodServiceModel, lambda: number): Float64Array {
  const { concurrency: c, queueLimit: K } = model;
  const a = lambda * model.serviceTimeSeconds;
  const logP = new Float64Array(K + 1);
  for (let n = 1; n <= K; n++) logP[n] = logP[n - 1] + Math.log(a) - Math.log(Math.min(n, c));
  let max = Number.NEGATIVE_INFINITY;
  for (let n = 0; n <= K; n++) if (logP[n] > max) max = logP[n];
  const p = new Float64Array(K + 1);
  let sum = 0;
  for (let n = 0; n <= K; n++) {
    p[n] = lambda > 0 ? Math.exp(logP[n] - max) : n === 0 ? 1 : 0;
    sum += p[n];
  }
  for (let n = 0; n <= K; n++) p[n] /= sum;
  return p;
}

/** Share of arriving requests a pod drops at rate `lambda`: the chance it is full (PASTA: arrivals see p). */
export function dropProbability(model: PodServiceModel, lambda: number): number {
  return stationaryDistribution(model, lambda)[model.queueLimit];
}

/**
 * P(T > x) for an admitted request's time in the pod T (wait + service), seconds. An arrival that finds
 * n < c requests starts at once; one that finds n ≥ c waits for n − c + 1 departures at rate cμ, an
 * Erlang(k, cμ) wait, then its own Exp(μ) service:
 * P(Erlang(k, θ) + Exp(μ) > x) = P(Erlang(k, θ) > x) + e^(−μx) (θ/β)^k P(Gamma(k, β) ≤ x), β = θ − μ.
 */
export function sojournTail(model: PodServiceModel, lambda: number, x: number): number {
  const p = stationaryDistribution(model, lambda);
  return sojournTailFrom(model, p, x);
}

/** `sojournTail` with the stationary distribution already computed (the table builds many x per rate). */
function sojournTailFrom(model: PodServiceModel, p: Float64Array, x: number): number {
  const { concurrency: c, queueLimit: K } = model;
  const mu = 1 / model.serviceTimeSeconds;
  if (!(x > 0)) return 1;
  const admitted = 1 - p[K];
  if (!(admitted > 0)) return 1;
  let noWait = 0;
  for (let n = 0; n < Math.min(c, K); n++) noWait += p[n];
  let tail = (noWait / admitted) * Math.exp(-mu * x);
  const maxK = K - c; // waits of k = 1..K−c departures
  if (maxK < 1) return tail;
  const theta = c * mu;
  const z = theta * x;
  // P(Erlang(k, θ) > x) = P(Poisson(z) < k), built up term by term.
  let poissonTerm = Math.exp(-z);
  let erlangTail = 0;
  if (c === 1) {
    // θ = μ: Erlang(k, μ) + Exp(μ) is Erlang(k + 1, μ).
    for (let k = 1; k <= maxK; k++) {
      erlangTail += poissonTerm; // now Σ_{j<k}
      poissonTerm *= z / k;
      const weight = p[c - 1 + k] / admitted;
      if (weight > 0) tail += weight * (erlangTail + poissonTerm);
    }
    return Math.min(1, tail);
  }
  const beta = theta - mu;
  const y = beta * x;
  const upper = gammaLowerRegularizedSeries(maxK, y); // P(Gamma(k, β) ≤ x) = P(Poisson(y) ≥ k), k = 1..maxK
  const logRatio = Math.log(theta / beta);
  for (let k = 1; k <= maxK; k++) {
    erlangTail += poissonTerm;
    poissonTerm *= z / k;
    const weight = p[c - 1 + k] / admitted;
    if (!(weight > 0)) continue;
    const gammaCdf = upper[k];
    const second = gammaCdf > 0 ? Math.exp(-mu * x + k * logRatio + Math.log(gammaCdf)) : 0;
    tail += weight * Math.min(1, erlangTail + second);
  }
  return Math.min(1, tail);
}

/**
 * P(Poisson(y) ≥ k) for k = 0..maxK (index k), summed from the top so small tails keep their precision:
 * the regularized lower incomplete gamma P(k, y).
 */
function gammaLowerRegularizedSeries(maxK: number, y: number): Float64Array {
  const out = new Float64Array(maxK + 1);
  out[0] = 1;
  if (!(y > 0)) return out;
  if (y > maxK + 1) {
    // Most of the mass lies above maxK: 1 − P(Poisson(y) < k) loses nothing that matters here.
    let below = 0;
    let term = Math.exp(-y);
    for (let k = 1; k <= maxK; k++) {
      below += term;
      term *= y / k;
      out[k] = Math.max(0, 1 - below);
    }
    return out;
  }
  // Terms above maxK decrease (j > y): sum them until they vanish, then step down.
  const logTermAt = (j: number) => -y + j * Math.log(y) - logFactorial(j);
  let term = Math.exp(logTermAt(maxK));
  let sum = 0;
  for (let j = maxK; term > 0 && term > sum * 1e-17; j++) {
    sum += term;
    term *= y / (j + 1);
  }
  out[maxK] = sum;
  // Stepping down in logs: a term that underflows at maxK can still matter at small k.
  let logDown = logTermAt(maxK);
  const logY = Math.log(y);
  for (let k = maxK - 1; k >= 1; k--) {
    logDown += Math.log(k + 1) - logY;
    out[k] = out[k + 1] + Math.exp(logDown);
  }
  return out;
}

const logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials.push(logFactorials[i - 1] + Math.log(i));
  return logFactorials[n];
}

/** The time below which a share `q` of admitted requests finish, seconds (bisection on `sojournTail`). */
export function sojournQuantile(model: PodServiceModel, lambda: number, q: number): number {
  const p = stationaryDistribution(model, lambda);
  return quantileFrom((x) => sojournTailFrom(model, p, x), 1 - q, model.serviceTimeSeconds);
}

/** Smallest x with tail(x) ≤ target, for a decreasing tail; `scale` is a typical value to start from. */
function quantileFrom(tail: (x: number) => number, target: number, scale: number): number {
  let lo = 0;
  let hi = scale;
  while (tail(hi) > target) {
    lo = hi;
    hi *= 2;
    if (hi > 1e6) return hi;
  }
  for (let i = 0; i < 50 && hi - lo > 1e-6 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Options for `buildQueueTable`. */
export interface QueueTableOptions {
  /** Highest offered utilization λ / (c μ) tabulated; above it the last row is used. */
  readonly maxUtilization?: number;
  /** Rows per unit of utilization (fine grid for per-second lookups). */
  readonly rowsPerUnit?: number;
  /** Rows per unit of utilization for the coarse rows whose full latency distribution is kept. */
  readonly coarseRowsPerUnit?: number;
  /** Latencies (seconds) at which the coarse rows keep P(T > x), ascending. */
  readonly latencyGridSeconds?: readonly number[];
}

/**
 * The queueing model tabulated once per scenario over the offered utilization u = λ / (c μ), so the
 * simulator's per-second step is a lookup: drop share and share of admitted requests slower than the SLO
 * on a fine grid; the whole latency tail on a coarse grid, for per-minute quantiles over seconds with
 * different loads.
 */
export interface QueueTable {
  readonly model: PodServiceModel;
  readonly sloSeconds: number;
  /** Rows per unit of utilization of the fine arrays. */
  readonly rowsPerUnit: number;
  readonly maxUtilization: number;
  /** Per fine row: share of arrivals dropped. */
  readonly drop: Float64Array;
  /** Per fine row: share of admitted requests slower than the SLO. */
  readonly slow: Float64Array;
  readonly coarseRowsPerUnit: number;
  readonly latencyGridSeconds: Float64Array;
  /** Coarse row r, grid point g at [r * grid.length + g]: P(T > grid[g]). */
  readonly coarseTail: Float64Array;
}

/** The latency grid used by default: 1 ms to ~60 s, 4% apart. */
function defaultLatencyGrid(serviceTimeSeconds: number): number[] {
  const grid: number[] = [];
  for (let x = Math.min(0.001, serviceTimeSeconds / 20); x < 60; x *= 1.04) grid.push(x);
  return grid;
}

/** Tabulates the model; see `QueueTable`. */
export function buildQueueTable(
  model: PodServiceModel,
  sloSeconds: number,
  options: QueueTableOptions = {},
): QueueTable {
  const maxUtilization = options.maxUtilization ?? 3;
  const rowsPerUnit = options.rowsPerUnit ?? 500;
  const coarseRowsPerUnit = options.coarseRowsPerUnit ?? 50;
  const grid = Float64Array.from(options.latencyGridSeconds ?? defaultLatencyGrid(model.serviceTimeSeconds));
  const maxRate = podMaxThroughput(model);
  const rows = Math.round(maxUtilization * rowsPerUnit) + 1;
  const drop = new Float64Array(rows);
  const slow = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const p = stationaryDistribution(model, (r / rowsPerUnit) * maxRate);
    drop[r] = p[model.queueLimit];
    slow[r] = sojournTailFrom(model, p, sloSeconds);
  }
  const coarseRows = Math.round(maxUtilization * coarseRowsPerUnit) + 1;
  const coarseTail = new Float64Array(coarseRows * grid.length);
  for (let r = 0; r < coarseRows; r++) {
    const p = stationaryDistribution(model, (r / coarseRowsPerUnit) * maxRate);
    for (let g = 0; g < grid.length; g++) coarseTail[r * grid.length + g] = sojournTailFrom(model, p, grid[g]);
  }
  return {
    model,
    sloSeconds,
    rowsPerUnit,
    maxUtilization,
    drop,
    slow,
    coarseRowsPerUnit,
    latencyGridSeconds: grid,
    coarseTail,
  };
}

/**
 * The share q-quantile of a mixture of coarse rows: `weights[r]` admitted requests saw row r. Returns the
 * latency (seconds) below which a share q of them finished, interpolated on the latency grid; +Infinity
 * when even the grid's last point is not reached.
 */
export function mixtureQuantile(table: QueueTable, rows: readonly number[], weights: Float64Array, q: number): number {
  const grid = table.latencyGridSeconds;
  const G = grid.length;
  let total = 0;
  for (const r of rows) total += weights[r];
  if (!(total > 0)) return Number.NaN;
  const target = (1 - q) * total;
  let previousTail = total;
  for (let g = 0; g < G; g++) {
    let tail = 0;
    for (const r of rows) tail += weights[r] * table.coarseTail[r * G + g];
    if (tail <= target) {
      if (g === 0) return grid[0];
      // Linear between the two grid points where the tail crosses the target.
      const fraction = (previousTail - target) / (previousTail - tail);
      return grid[g - 1] + fraction * (grid[g] - grid[g - 1]);
    }
    previousTail = tail;
  }
  return Number.POSITIVE_INFINITY;
}
