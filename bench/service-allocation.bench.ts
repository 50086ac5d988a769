// What the service's thread allocates per door call and per workload sync (issue 17: the doors' p99 while training
// runs): bytes allocated and promoted to the old generation, and the collections they cost. Unlike latency, these
// figures do not depend on the machine's load. The set-up is the doors' bench's (bench/service-doors-setup.ts): Prophet
// workloads fitted in the worker thread first, then synced by hand (no schedule), so that syncs and door calls are
// measured apart. With --sites, the V8 sampling heap profiler (every allocated object, collected or not) names the
// functions that allocate most in each stretch.
// Command: npx tsx bench/service-allocation.bench.ts [workloads] [--sites]
import { Session } from 'node:inspector/promises';
import { WorkerTrainer } from '../src/predictor/index.js';
import { DOORS, TIMED_CALLS } from './service-doors-peers.js';
import { startDoorsBench } from './service-doors-setup.js';
import { type GcReport, recordGc } from './service-gc.js';

const WORKLOADS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 10);
const SITES = process.argv.includes('--sites');
/** Rounds of syncs measured (each syncs every workload once, 15 s after the previous round, as the schedule does). */
const SYNC_ROUNDS = 40;
const SYNC_PERIOD_SECONDS = 15;
/** Allocation sites listed per stretch. */
const TOP_SITES = 12;

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Where an allocating function lives: a package, Node's own code, V8's builtins, or this repository's `src/`. */
function originOf(url: string): string {
  if (url.startsWith('node:')) return 'node';
  if (url === '') return 'V8 builtins';
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage !== null) return inPackage[1];
  return /\/src\//.test(url) ? 'src' : 'bench';
}

/** Records the sampling heap profile of a stretch when --sites is given; `stop` returns its top sites and origins. */
async function sampleSites(): Promise<{ stop(): Promise<string[]> }> {
  if (!SITES) return { stop: async () => [] };
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return {
    async stop() {
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
      session.disconnect();
      const bytesBySite = new Map<string, number>();
      const bytesByOrigin = new Map<string, number>();
      let total = 0;
      // A builtin's bytes (an array's growth, a sort's copy) go to the function that called it.
      const visit = (node: ProfileNode, caller: string) => {
        const { functionName, url, lineNumber } = node.callFrame;
        const file = url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/');
        // tsx's transpiled sources report line 0: their function's name says enough.
        const own = `${functionName || '(anonymous)'} ${file}${lineNumber > 0 ? `:${lineNumber + 1}` : ''}`;
        const site = url === '' && caller !== '' ? caller : own;
        bytesBySite.set(site, (bytesBySite.get(site) ?? 0) + node.selfSize);
        const origin = originOf(url);
        bytesByOrigin.set(origin, (bytesByOrigin.get(origin) ?? 0) + node.selfSize);
        total += node.selfSize;
        for (const child of node.children) visit(child, site);
      };
      visit(profile.head, '');
      const share = ([name, bytes]: [string, number]) => `${((100 * bytes) / total).toFixed(1)} % ${name}`;
      const byOrigin = [...bytesByOrigin].sort((a, b) => b[1] - a[1]).map(share);
      const bySite = [...bytesBySite]
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP_SITES)
        .map(share);
      return [`by origin: ${byOrigin.join(', ')}`, ...bySite];
    },
  };
}

const bench = await startDoorsBench(WORKLOADS, new WorkerTrainer());
const { service } = bench;
// The first sync queues every workload's fit; once all are in, the syncs forecast with the fitted models.
let nowSeconds = Date.now() / 1000;
await service.syncAll(nowSeconds);
await service.whenIdle();
const tick = () => {
  nowSeconds += SYNC_PERIOD_SECONDS;
  return service.syncAll(nowSeconds);
};
for (let i = 0; i < 4; i++) await tick();

const rows: string[] = [];
const sites: string[] = [];
const measure = async (what: string, count: number, run: () => Promise<void>) => {
  const sampling = await sampleSites();
  const gc = recordGc();
  await run();
  const report: GcReport = gc.stop();
  const top = await sampling.stop();
  const kib = (bytes: number) => (bytes / count / 1024).toFixed(2);
  rows.push(
    `| ${what} | ${count} | ${kib(report.allocatedBytes)} | ${kib(report.promotedBytes)} | ${report.scavenges} + ${report.markCompacts} | ${report.pauseTotalMs.toFixed(1)} |`,
  );
  if (top.length > 0)
    sites.push(`\n${what}, top allocation sites (share of bytes):\n${top.map((s) => `- ${s}`).join('\n')}`);
};

await measure(`one workload sync (${WORKLOADS} workloads)`, SYNC_ROUNDS * WORKLOADS, async () => {
  for (let i = 0; i < SYNC_ROUNDS; i++) await tick();
});
for (const door of DOORS) {
  await bench.timeDoor(door); // warm-up: the door's code compiled, its connection open
  await measure(`one ${door} call`, TIMED_CALLS, async () => {
    await bench.timeDoor(door);
  });
}
const fitted = service.statuses().filter((s) => s.model.current !== null).length;
process.stdout.write(`${fitted} of ${WORKLOADS} workloads forecasting (prophet)\n\n`);
process.stdout.write(
  '| on the service thread | count | KiB allocated each | KiB promoted each | GCs (scavenges + full) | GC pause total ms |\n|---|---:|---:|---:|---:|---:|\n',
);
process.stdout.write(`${rows.join('\n')}\n${sites.join('\n')}\n`);
await bench.stop();
