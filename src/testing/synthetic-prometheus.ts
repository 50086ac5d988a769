import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Prometheus-like data source for Prescale's workloads: it answers `/api/v1/query_range` and `/api/v1/query`
 * (GET or form POST, as the real API) for a fixed set of PromQL strings, each a function of time, so a test gets a
 * load of the shape it needs at any moment, for any history, without a trace. A query it does not know is refused
 * as Prometheus refuses bad PromQL; the first `refuseFirst` requests are refused as by a Prometheus that is unavailable.
 */
export interface SyntheticPrometheus {
  readonly url: string;
  /** Requests answered (refused ones included). */
  requests(): number;
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown };

export async function startSyntheticPrometheus(
  seriesByQuery: Readonly<Record<string, (timeSeconds: number) => number>>,
  refuseFirst = 0,
): Promise<SyntheticPrometheus> {
  let requests = 0;
  const source: SyntheticPrometheus = {
    url: '',
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const answer = (path: string, params: URLSearchParams): Answer => {
    if (requests <= refuseFirst) {
      return { status: 503, body: { status: 'error', errorType: 'unavailable', error: 'synthetic outage' } };
    }
    const query = params.get('query') ?? '';
    const valueAt = seriesByQuery[query];
    if (valueAt === undefined) {
      return { status: 400, body: { status: 'error', errorType: 'bad_data', error: `unknown query ${query}` } };
    }
    const sample = (t: number) => [t, String(valueAt(t))];
    if (path === '/api/v1/query') {
      const time = Number(params.get('time') ?? Date.now() / 1000);
      return {
        status: 200,
        body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: sample(time) }] } },
      };
    }
    const [start, end, step] = ['start', 'end', 'step'].map((name) => Number(params.get(name)));
    const values = [];
    for (let t = start; t <= end; t += step) values.push(sample(t));
    return {
      status: 200,
      body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } },
    };
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      requests++;
      const url = new URL(req.url ?? '/', 'http://localhost');
      const params = new URLSearchParams([...url.searchParams, ...new URLSearchParams(body)]);
      const known = url.pathname === '/api/v1/query' || url.pathname === '/api/v1/query_range';
      const { status, body: json } = known ? answer(url.pathname, params) : { status: 404, body: { status: 'error' } };
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(source, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}
