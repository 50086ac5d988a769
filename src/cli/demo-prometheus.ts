import Fastify from 'fastify';
import { type Clock, PrescaleError } from '../core/index.js';
import { freePort } from '../executor/index.js';
import type { PrometheusView } from '../simulator/prometheus.js';
import { SimPrometheusApi } from '../simulator/prometheus-api.js';
import { DEMO_QUERIES, type DemoSample } from './demo-world.js';
import { PrometheusProcess, scrapeConfigYaml } from './prometheus-process.js';

/** The Prometheus the demo's service reads: a real one, or the embedded stand-in. */
export interface DemoPrometheus {
  readonly kind: 'prometheus' | 'embedded';
  readonly url: string;
  stop(): Promise<void>;
}

/** How often both scrape the demo service, seconds (the rate windows of `DEMO_QUERIES` hold five scrapes). */
const SCRAPE_INTERVAL_SECONDS = 1;

/**
 * A real Prometheus on 127.0.0.1 scraping the demo service every second, its data in `dir`. `stop` ends it
 * (SIGTERM) and waits for it to exit.
 */
export async function startRealPrometheus(dir: string, demoPort: number, clock: Clock): Promise<DemoPrometheus> {
  const prometheus = new PrometheusProcess({
    dir,
    port: await freePort(),
    configYaml: scrapeConfigYaml('demo', demoPort, SCRAPE_INTERVAL_SECONDS),
    readyTimeoutMs: 30_000,
    clock,
  });
  try {
    await prometheus.start();
  } catch (error) {
    throw new PrescaleError(
      'io-error',
      `${(error as Error).message}; run \`prescale demo --embedded-prometheus\` to do without it`,
      { field: '--embedded-prometheus' },
    );
  }
  return { kind: 'prometheus', url: prometheus.url, stop: () => prometheus.stop() };
}

/**
 * The embedded scrape, for machines without Prometheus: every second it samples the demo's counters in-process
 * and answers `query_range` and `query` for `DEMO_QUERIES` over HTTP on 127.0.0.1, through the simulator's
 * Prometheus-API stand-in, so the service reads it as it reads a real Prometheus.
 */
export async function startEmbeddedPrometheus(
  sample: () => DemoSample,
  clock: Clock,
  signal: AbortSignal,
): Promise<DemoPrometheus> {
  const scrapes = new ScrapedSamples();
  const api = new SimPrometheusApi(DEMO_QUERIES);
  const scraping = (async () => {
    while (!signal.aborted) {
      scrapes.add(clock.nowMs() / 1000, sample());
      try {
        await clock.sleep(SCRAPE_INTERVAL_SECONDS * 1000, signal);
      } catch {
        return;
      }
    }
  })();
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const params = (request: { query: unknown; body: unknown }) =>
    new URLSearchParams({
      ...(request.query as Record<string, string>),
      ...Object.fromEntries(new URLSearchParams(typeof request.body === 'string' ? request.body : '')),
    });
  const answer = async (work: () => Promise<unknown>) => {
    api.at(scrapes, clock.nowMs() / 1000);
    try {
      return { status: 'success', data: await work() };
    } catch (error) {
      return { status: 'error', errorType: 'bad_data', error: (error as Error).message };
    }
  };
  app.get('/-/ready', async () => 'Prometheus Server is Ready.\n');
  app.route({
    method: ['GET', 'POST'],
    url: '/api/v1/query_range',
    handler: async (request, reply) => {
      const p = params(request);
      const body = await answer(async () => ({
        resultType: 'matrix',
        result: (
          await api.queryRange({
            query: p.get('query') ?? '',
            startSeconds: Number(p.get('start')),
            endSeconds: Number(p.get('end')),
            stepSeconds: Number(p.get('step')),
          })
        ).map(({ labels, series }) => ({
          metric: labels,
          values: Array.from(series.timestampsSeconds, (t, i) => [t, String(series.values[i])]),
        })),
      }));
      return reply.code(body.status === 'success' ? 200 : 400).send(body);
    },
  });
  app.route({
    method: ['GET', 'POST'],
    url: '/api/v1/query',
    handler: async (request, reply) => {
      const p = params(request);
      const time = p.get('time');
      const body = await answer(async () => ({
        resultType: 'vector',
        result: (await api.queryInstant(p.get('query') ?? '', time === null ? undefined : Number(time))).map((s) => ({
          metric: s.labels,
          value: [s.timestampSeconds, String(s.value)],
        })),
      }));
      return reply.code(body.status === 'success' ? 200 : 400).send(body);
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    kind: 'embedded',
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await app.close();
      await scraping;
    },
  };
}

/** How far back the embedded scrape keeps samples: the demo service's training history and more. */
const KEEP_SECONDS = 3 * 3600;
/** Prometheus' lookback for an instant value. */
const LOOKBACK_SECONDS = 300;

/** The embedded scrapes and PromQL's `rate` and instant value over them, as the simulated Prometheus offers. */
class ScrapedSamples implements Pick<PrometheusView, 'evaluate'> {
  private readonly times: number[] = [];
  private readonly samples: DemoSample[] = [];

  add(timeSeconds: number, sample: DemoSample): void {
    this.times.push(timeSeconds);
    this.samples.push(sample);
    const old = firstAfter(this.times, timeSeconds - KEEP_SECONDS);
    if (old > 0) {
      this.times.splice(0, old);
      this.samples.splice(0, old);
    }
  }

  evaluate(signal: 'requests' | 'cpu' | 'replicas', evalSeconds: number, windowSeconds: number): number | null {
    const first = firstAfter(this.times, evalSeconds - (signal === 'replicas' ? LOOKBACK_SECONDS : windowSeconds));
    const last = firstAfter(this.times, evalSeconds) - 1;
    if (last < first) return null;
    if (signal === 'replicas') return this.samples[last].specReplicas;
    if (first === last) return null;
    const value = (s: DemoSample) => (signal === 'requests' ? s.requests : s.cpuSeconds);
    return (value(this.samples[last]) - value(this.samples[first])) / (this.times[last] - this.times[first]);
  }
}

/** The index of the first time after `seconds` in ascending `times` (its length when none). */
function firstAfter(times: readonly number[], seconds: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (times[mid] <= seconds) low = mid + 1;
    else high = mid;
  }
  return low;
}
