import type { PodSnapshot, ResourceSample } from '../hpa/types.js';
import type { SimPod } from './cluster.js';

/**
 * metrics-server as the HPA sees it (docs/simulator.md): every `resolution` seconds it scrapes
 * each running container's cumulative CPU; a pod's CPU is the rate between its last two scrapes, stamped
 * with the last scrape's time and the window between them. A pod appears only once it has two scrapes,
 * except that a container that started between 10 s and one resolution before a scrape counts its start
 * (with zero CPU) as the earlier point.
 */
export interface MetricsServerConfig {
  /** `--metric-resolution`: 15 s in the official manifests. */
  readonly resolutionSeconds: number;
  /** Scrape phase within the resolution, so scrapes and HPA syncs need not coincide. */
  readonly offsetSeconds: number;
}

/** Whether metrics-server scrapes at `t` (a whole second). */
export function isScrapeTime(config: MetricsServerConfig, t: number): boolean {
  return (
    (((t - config.offsetSeconds) % config.resolutionSeconds) + config.resolutionSeconds) % config.resolutionSeconds ===
    0
  );
}

/** The scrape at `t`: every pod whose container runs remembers (t, cumulative CPU) as its newest point. */
export function scrapePods(pods: readonly SimPod[], t: number): void {
  for (const pod of pods) {
    if (!(pod.runningSeconds <= t && pod.goneSeconds > t)) continue;
    pod.previousScrapeSeconds = pod.lastScrapeSeconds;
    pod.previousScrapeCpu = pod.lastScrapeCpu;
    pod.lastScrapeSeconds = t;
    pod.lastScrapeCpu = pod.cpuCoreSeconds;
  }
}

/**
 * The CPU sample metrics-server serves for `pod` after its scrape at `lastScrapeSeconds`, in millicores
 * (rounded up, as the HPA's `MilliValue()` does), or null when the pod has no sample (a "missing" pod).
 */
export function cpuSample(pod: SimPod, lastScrapeSeconds: number, resolutionSeconds: number): ResourceSample | null {
  if (pod.lastScrapeSeconds !== lastScrapeSeconds) return null;
  let fromSeconds = pod.previousScrapeSeconds;
  let fromCpu = pod.previousScrapeCpu;
  if (Number.isNaN(fromSeconds)) {
    const age = lastScrapeSeconds - pod.runningSeconds;
    if (!(age >= 10 && age <= resolutionSeconds)) return null;
    fromSeconds = pod.runningSeconds;
    fromCpu = 0;
  }
  const window = pod.lastScrapeSeconds - fromSeconds;
  if (!(window > 0)) return null;
  const millicores = ((pod.lastScrapeCpu - fromCpu) / window) * 1000;
  // metrics-server reports whole nanocores; the HPA reads MilliValue(), which rounds up.
  const nanocores = Math.round(millicores * 1e6);
  return { valueMilli: Math.ceil(nanocores / 1e6), timestampSeconds: pod.lastScrapeSeconds, windowSeconds: window };
}

/**
 * What the HPA controller's pod lister and the metrics API return for the Deployment's pods at `t`:
 * phase, readiness and its last transition, deletion, requests, and the latest metrics-server CPU sample.
 */
export function podSnapshots(
  pods: readonly SimPod[],
  t: number,
  requests: { readonly cpuMillicores: number; readonly memoryBytes: number },
  lastScrapeSeconds: number,
  resolutionSeconds: number,
): PodSnapshot[] {
  const snapshots: PodSnapshot[] = [];
  for (const pod of pods) {
    if (pod.goneSeconds <= t) continue;
    const scheduled = pod.scheduledSeconds <= t;
    const ready = pod.readySeconds <= t;
    const sample = Number.isNaN(lastScrapeSeconds) ? null : cpuSample(pod, lastScrapeSeconds, resolutionSeconds);
    snapshots.push({
      name: pod.name,
      phase: pod.runningSeconds <= t ? 'Running' : 'Pending',
      ready,
      deleting: pod.deletedSeconds <= t,
      startTimeSeconds: scheduled ? pod.scheduledSeconds : null,
      // The kubelet sets Ready=False when it starts the pod; it flips to True at readiness.
      readyTransitionTimeSeconds: ready ? pod.readySeconds : scheduled ? pod.scheduledSeconds : null,
      requestsMilli: { cpu: requests.cpuMillicores, memory: requests.memoryBytes * 1000 },
      metrics: sample === null ? {} : { cpu: sample },
    });
  }
  return snapshots;
}
