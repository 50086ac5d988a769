import { isCollection, LineCounter, parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { PrescaleError } from '../core/index.js';
import { modelNames } from '../models/registry.js';
import type { PodResources } from '../planner/vertical.js';
import { dottedPath, durationSeconds } from './issues.js';
import { safeParsePlanRequest } from './plan-request.js';
import {
  PREDICTIVE_AUTOSCALER_DEFAULTS,
  type PredictiveAutoscaler,
  safeParsePredictiveAutoscaler,
} from './predictive-autoscaler.js';

/**
 * The configuration of `prescale serve`: where Prometheus is, where each door listens, and the workloads.
 * A `workloads:` entry IS a `PredictiveAutoscaler` resource (`metadata` + `spec`, parsed by
 * `predictive-autoscaler.ts`, the one shape shared with the CRD and the simulator), plus two service-only
 * blocks: `queries` (the extra signals the service reads from Prometheus) and `pod` (what the operator would
 * read from the target: requests and cost).
 */

/** Defaults of the service sections, written as a user writes them (printed by `prescale config --print-defaults`). */
export const SERVICE_DEFAULTS = {
  prometheus: { url: 'http://prometheus.monitoring.svc:9090', timeout: '10s', retries: 1 },
  api: { listen: '0.0.0.0:8080', bodyLimitBytes: 1_048_576 },
  keda: { enabled: true, listen: '0.0.0.0:9000' },
  externalMetrics: {
    enabled: true,
    listen: '0.0.0.0:6443',
    certFile: '/var/run/serving-cert/tls.crt',
    keyFile: '/var/run/serving-cert/tls.key',
    requestheaderAllowedNames: [] as string[],
  },
  models: { dir: '/var/lib/prescale/models', serve: [] as { name: string; path: string }[] },
  loop: {
    contextWindow: '1d',
    accuracyWindow: '1h',
    retrainRetry: '5m',
    trainer: 'worker' as 'worker' | 'in-process',
    /** The fast classic models `model: auto` backtests at each retrain (those this build has). */
    autoCandidates: (['naive', 'seasonal-naive', 'ets', 'mstl'] as string[]).filter((name) =>
      (modelNames as readonly string[]).includes(name),
    ),
  },
};

const D = SERVICE_DEFAULTS;

const listen = z
  .string()
  .regex(/^(\[[^\]]+\]|[^:]*):\d{1,5}$/, 'is not host:port; write it like 0.0.0.0:8080 (port 0 picks a free one)');
const filePath = z.string().min(1, 'is empty; give a file path');
const promql = z.string().trim().min(1, 'is empty; give a PromQL expression or remove the field');

const serviceSchema = z.strictObject({
  prometheus: z
    .strictObject({
      url: z.url('is not a URL; write it like http://prometheus:9090').default(D.prometheus.url),
      timeout: durationSeconds(1, 300).prefault(D.prometheus.timeout),
      retries: z.number().int().min(0).max(10).default(D.prometheus.retries),
      bearerTokenFile: filePath.optional(),
      caFile: filePath.optional(),
    })
    .prefault({}),
  api: z
    .strictObject({
      listen: listen.default(D.api.listen),
      bodyLimitBytes: z
        .number()
        .int()
        .min(1024)
        .max(1 << 30)
        .default(D.api.bodyLimitBytes),
    })
    .prefault({}),
  keda: z
    .strictObject({
      enabled: z.boolean().default(D.keda.enabled),
      listen: listen.default(D.keda.listen),
      tls: z.strictObject({ certFile: filePath, keyFile: filePath, clientCaFile: filePath.optional() }).optional(),
    })
    .prefault({}),
  externalMetrics: z
    .strictObject({
      enabled: z.boolean().default(D.externalMetrics.enabled),
      listen: listen.default(D.externalMetrics.listen),
      certFile: filePath.default(D.externalMetrics.certFile),
      keyFile: filePath.default(D.externalMetrics.keyFile),
      requestheaderClientCaFile: filePath.optional(),
      requestheaderAllowedNames: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  models: z
    .strictObject({
      dir: filePath.default(D.models.dir),
      serve: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/, 'use lowercase letters, digits, -, _ and .'),
            path: filePath,
          }),
        )
        .default([]),
    })
    .prefault({}),
  loop: z
    .strictObject({
      contextWindow: durationSeconds(60, 30 * 86_400).prefault(D.loop.contextWindow),
      accuracyWindow: durationSeconds(60, 30 * 86_400).prefault(D.loop.accuracyWindow),
      retrainRetry: durationSeconds(1, 86_400).prefault(D.loop.retrainRetry),
      trainer: z.enum(['worker', 'in-process']).default(D.loop.trainer),
      autoCandidates: z.array(z.string()).min(1).default(D.loop.autoCandidates),
    })
    .prefault({}),
  workloads: z.array(z.unknown()).default([]),
});

/** The service-only blocks of a workload entry, beside `metadata` and `spec`. */
const workloadExtrasSchema = z.strictObject({
  apiVersion: z.unknown().optional(),
  kind: z.unknown().optional(),
  metadata: z.unknown(),
  spec: z.unknown(),
  queries: z
    .strictObject({
      cpu: promql.optional(),
      memory: promql.optional(),
      latency: promql.optional(),
      replicas: promql.optional(),
    })
    .prefault({}),
  pod: z
    .strictObject({
      cpuRequest: z.union([z.string(), z.number()]).optional(),
      memoryRequest: z.union([z.string(), z.number()]).optional(),
      costPerPodHour: z.number().optional(),
    })
    .prefault({}),
});

/** Extra PromQL the service reads for a workload, each an instant query; null = not read. */
export interface WorkloadQueries {
  /** Total CPU cores used by the workload's pods: utilization for the reactive value, and the capacity fit. */
  readonly cpu: string | null;
  /** Total working-set bytes of the pods: the memory recommendation. */
  readonly memory: string | null;
  /** A latency (e.g. p95 seconds): reported beside the plan. */
  readonly latency: string | null;
  /** Current replicas of the target (e.g. kube-state-metrics' `kube_deployment_status_replicas`). */
  readonly replicas: string | null;
}

/** One workload as the service runs it. */
export interface WorkloadConfig {
  /** The parsed `PredictiveAutoscaler` (durations in seconds, policy ready for the planner). */
  readonly resource: PredictiveAutoscaler;
  readonly queries: WorkloadQueries;
  /** Requests and limits of one pod, in millicores and bytes (null when not given). */
  readonly podResources: PodResources;
  readonly costPerPodHour: number | null;
  /** The load signal is CPU in cores (the default metric), so capacity follows from the CPU request. */
  readonly loadIsCpuCores: boolean;
}

/** The parsed service configuration: durations in seconds, defaults filled, every cross-field rule checked. */
export interface ServiceConfig {
  readonly prometheus: {
    readonly url: string;
    readonly timeoutSeconds: number;
    readonly retries: number;
    readonly bearerTokenFile: string | null;
    readonly caFile: string | null;
  };
  readonly api: { readonly listen: string; readonly bodyLimitBytes: number };
  readonly keda: {
    readonly enabled: boolean;
    readonly listen: string;
    readonly tls: { readonly certFile: string; readonly keyFile: string; readonly clientCaFile: string | null } | null;
  };
  readonly externalMetrics: {
    readonly enabled: boolean;
    readonly listen: string;
    readonly certFile: string;
    readonly keyFile: string;
    readonly requestheaderClientCaFile: string | null;
    readonly requestheaderAllowedNames: readonly string[];
  };
  readonly models: {
    readonly dir: string;
    readonly serve: readonly { readonly name: string; readonly path: string }[];
  };
  readonly loop: {
    readonly contextWindowSeconds: number;
    readonly accuracyWindowSeconds: number;
    readonly retrainRetrySeconds: number;
    readonly trainer: 'worker' | 'in-process';
    readonly autoCandidates: readonly string[];
  };
  readonly workloads: readonly WorkloadConfig[];
}

/** One problem: its dotted path in the document, and `<problem>; <fix>`. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** Parses a service configuration object without throwing, collecting every issue (the KEDA typed-config habit). */
export function safeParseServiceConfig(
  json: unknown,
): { success: true; data: ServiceConfig } | { success: false; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const top = serviceSchema.safeParse(json ?? {});
  if (!top.success) {
    for (const issue of top.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          issues.push({
            path: dottedPath([...issue.path, key]),
            message: 'unknown field; remove it or fix its spelling',
          });
        }
      } else {
        issues.push({ path: dottedPath(issue.path), message: issue.message });
      }
    }
    // Still check the workloads, so one run reports every problem of the file.
    const entries = (json as { workloads?: unknown } | null)?.workloads;
    if (Array.isArray(entries)) {
      entries.forEach((entry, i) => {
        parseWorkload(entry, `workloads[${i}]`, D.loop.autoCandidates, issues);
      });
    }
    return { success: false, issues };
  }
  const c = top.data;
  const workloads: WorkloadConfig[] = [];
  c.workloads.forEach((entry, i) => {
    const workload = parseWorkload(entry, `workloads[${i}]`, c.loop.autoCandidates, issues);
    if (workload !== null) workloads.push(workload);
  });
  checkCrossFields(c, workloads, issues);
  if (issues.length > 0) return { success: false, issues: unique(issues) };
  return {
    success: true,
    data: {
      prometheus: {
        url: c.prometheus.url,
        timeoutSeconds: c.prometheus.timeout,
        retries: c.prometheus.retries,
        bearerTokenFile: c.prometheus.bearerTokenFile ?? null,
        caFile: c.prometheus.caFile ?? null,
      },
      api: c.api,
      keda: {
        enabled: c.keda.enabled,
        listen: c.keda.listen,
        tls:
          c.keda.tls === undefined
            ? null
            : {
                certFile: c.keda.tls.certFile,
                keyFile: c.keda.tls.keyFile,
                clientCaFile: c.keda.tls.clientCaFile ?? null,
              },
      },
      externalMetrics: {
        ...c.externalMetrics,
        requestheaderClientCaFile: c.externalMetrics.requestheaderClientCaFile ?? null,
      },
      models: c.models,
      loop: {
        contextWindowSeconds: c.loop.contextWindow,
        accuracyWindowSeconds: c.loop.accuracyWindow,
        retrainRetrySeconds: c.loop.retrainRetry,
        trainer: c.loop.trainer,
        autoCandidates: c.loop.autoCandidates,
      },
      workloads,
    },
  };
}

/** One `workloads:` entry: the resource through its own parser, the service blocks through ours. */
function parseWorkload(
  entry: unknown,
  at: string,
  autoCandidates: readonly string[],
  issues: ConfigIssue[],
): WorkloadConfig | null {
  const extras = workloadExtrasSchema.safeParse(entry);
  if (!extras.success) {
    for (const issue of extras.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      for (const key of keys) {
        issues.push({
          path: `${at}.${dottedPath(key === undefined ? issue.path : [...issue.path, key])}`,
          message:
            issue.code === 'unrecognized_keys'
              ? 'unknown field; a workload has metadata, spec (the PredictiveAutoscaler) and the service blocks queries and pod'
              : issue.message,
        });
      }
    }
    return null;
  }
  const { queries, pod } = extras.data;
  // The pod's requests go through the planner's quantity parser, so `500m` means the same everywhere.
  const podParse = safeParsePlanRequest({
    nowSeconds: 0,
    current: { replicas: 0, load: 0 },
    workload: {
      resources: {
        ...(pod.cpuRequest !== undefined && { cpuRequest: pod.cpuRequest }),
        ...(pod.memoryRequest !== undefined && { memoryRequest: pod.memoryRequest }),
      },
      ...(pod.costPerPodHour !== undefined && { costPerPodHour: pod.costPerPodHour }),
    },
    policy: { capacity: { perPod: 1 } },
  });
  if (!podParse.success) {
    for (const issue of podParse.issues) {
      issues.push({
        path: `${at}.${issue.path.replace(/^workload\.resources\./, 'pod.').replace(/^workload\./, 'pod.')}`,
        message: issue.message,
      });
    }
    return null;
  }
  const resource = safeParsePredictiveAutoscaler(entry, {
    ...(typeof pod.cpuRequest === 'string' && { cpuRequest: pod.cpuRequest }),
    ...(typeof pod.cpuRequest === 'number' && { cpuRequest: String(pod.cpuRequest) }),
    ...(pod.costPerPodHour !== undefined && { costPerPodHour: pod.costPerPodHour }),
  });
  if (!resource.success) {
    for (const issue of resource.issues) issues.push({ path: `${at}.${issue.path}`, message: issue.message });
    return null;
  }
  const r = resource.data;
  const before = issues.length;
  if (r.integration === 'Direct') {
    issues.push({
      path: `${at}.spec.integration`,
      message:
        'Direct patches the scale subresource, which the PredictiveAutoscaler operator does, not the service; use HPA (External Metrics API) or KEDA (external scaler)',
    });
  }
  const available = new Set<string>(modelNames);
  if (r.model === 'auto') {
    const missing = autoCandidates.filter((name) => !available.has(name));
    if (missing.length > 0) {
      issues.push({
        path: 'loop.autoCandidates',
        message: `${missing.join(', ')} not available in this build; use some of ${[...available].join(', ')}`,
      });
    }
    if (autoCandidates.includes('auto')) {
      issues.push({ path: 'loop.autoCandidates', message: 'auto cannot be its own candidate; name concrete models' });
    }
  } else if (!available.has(r.model)) {
    issues.push({
      path: `${at}.spec.model`,
      message: `'${r.model}' is not available in this build; use auto or one of ${[...available].join(', ')}`,
    });
  }
  const podResources = podParse.data.workload.resources;
  const loadIsCpuCores = r.metric.isDefaultCpuQuery;
  const canDeriveCapacity =
    r.capacityPerPod !== null ||
    (loadIsCpuCores && podResources.cpuRequestMillicores !== null) ||
    queries.cpu !== undefined;
  if (!canDeriveCapacity) {
    issues.push({
      path: `${at}.spec.capacity.perPod`,
      message: loadIsCpuCores
        ? 'not given and cannot be derived; set it, or give pod.cpuRequest (capacity = request × targetUtilization)'
        : 'not given and cannot be derived; set it (load one pod serves at its target), or give queries.cpu so it is learned from history',
    });
  }
  if (issues.length > before) return null;
  return {
    resource: r,
    queries: {
      cpu: queries.cpu ?? null,
      memory: queries.memory ?? null,
      latency: queries.latency ?? null,
      replicas: queries.replicas ?? null,
    },
    podResources,
    costPerPodHour: podParse.data.workload.costPerPodHour,
    loadIsCpuCores,
  };
}

function checkCrossFields(
  c: z.infer<typeof serviceSchema>,
  workloads: readonly WorkloadConfig[],
  issues: ConfigIssue[],
): void {
  const seen = new Map<string, number>();
  const served = new Set(c.models.serve.map((m) => m.name));
  workloads.forEach((w, i) => {
    const key = `${w.resource.namespace}/${w.resource.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({
        path: `workloads[${i}].metadata.name`,
        message: `${key} is already workloads[${first}]; give each workload its own name or namespace`,
      });
    }
    seen.set(key, i);
    if (served.has(w.resource.name)) {
      issues.push({
        path: `workloads[${i}].metadata.name`,
        message: `"${w.resource.name}" is also a models.serve name; POST /v1/forecast could not tell them apart, rename one`,
      });
    }
    if (w.resource.integration === 'KEDA' && !c.keda.enabled) {
      issues.push({
        path: `workloads[${i}].spec.integration`,
        message: 'KEDA, but keda.enabled is false; enable the external scaler or use integration HPA',
      });
    }
    if (w.resource.integration === 'HPA' && !c.externalMetrics.enabled) {
      issues.push({
        path: `workloads[${i}].spec.integration`,
        message: 'HPA, but externalMetrics.enabled is false; enable the External Metrics API or use integration KEDA',
      });
    }
  });
  const names = new Map<string, number>();
  c.models.serve.forEach((m, i) => {
    const first = names.get(m.name);
    if (first !== undefined) {
      issues.push({
        path: `models.serve[${i}].name`,
        message: `"${m.name}" is already models.serve[${first}]; rename one`,
      });
    }
    names.set(m.name, i);
  });
  // Port 0 asks the OS for a free port each time, so it never collides.
  const samePort = (a: string, b: string) => a === b && !a.endsWith(':0');
  if (c.keda.enabled && c.externalMetrics.enabled && samePort(c.keda.listen, c.externalMetrics.listen)) {
    issues.push({
      path: 'keda.listen',
      message: `${c.keda.listen} is also externalMetrics.listen; give each its own port`,
    });
  }
  for (const door of ['keda', 'externalMetrics'] as const) {
    if (c[door].enabled && samePort(c[door].listen, c.api.listen)) {
      issues.push({ path: `${door}.listen`, message: `${c.api.listen} is also api.listen; give each its own port` });
    }
  }
}

/**
 * Reads a YAML service configuration: every problem on its own line as `<source>:<line>: <dotted.path>:
 * <problem>; <fix>`; throws `invalid-input` (field = the first path) when there is any.
 */
export function parseServiceConfigYaml(text: string, source = 'config'): ServiceConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((error) => {
      const line = lineCounter.linePos(error.pos[0]).line;
      return `${source}:${line}: ${error.message.split('\n')[0]}; fix the YAML syntax`;
    });
    throw new PrescaleError('invalid-input', lines.join('\n'), { field: source });
  }
  const result = safeParseServiceConfig(doc.toJS());
  if (result.success) return result.data;
  const lines = result.issues.map((issue) => {
    const line = lineOf(doc, lineCounter, issue.path);
    return `${source}${line === null ? '' : `:${line}`}: ${issue.path}: ${issue.message}`;
  });
  throw new PrescaleError('invalid-input', lines.join('\n'), { field: result.issues[0]?.path });
}

/** The line of the deepest node of `path` (`workloads[0].spec.model`) present in the document. */
function lineOf(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter, path: string): number | null {
  const keys: (string | number)[] = [];
  for (const part of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    keys.push(part[2] !== undefined ? Number(part[2]) : part[1]);
  for (let n = keys.length; n >= 1; n--) {
    const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range !== undefined) return lineCounter.linePos(node.range[0]).line;
  }
  return isCollection(doc.contents) && doc.contents.range ? lineCounter.linePos(doc.contents.range[0]).line : null;
}

/** Each issue once (a service-wide field can be flagged by every workload that uses it). */
function unique(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The whole default configuration as YAML, with one example workload carrying every `PredictiveAutoscaler`
 * default: what `prescale config --print-defaults` prints. It parses back into a valid configuration.
 */
export function defaultServiceConfigYaml(): string {
  const spec = PREDICTIVE_AUTOSCALER_DEFAULTS.spec;
  const { query: _computedQuery, ...metric } = spec.metric;
  const config = {
    ...SERVICE_DEFAULTS,
    workloads: [
      {
        metadata: { name: 'demo-service', namespace: PREDICTIVE_AUTOSCALER_DEFAULTS.metadata.namespace },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo-service' },
          ...spec,
          metric,
        },
        queries: {
          replicas: 'kube_deployment_status_replicas{namespace="default",deployment="demo-service"}',
          memory:
            'sum(container_memory_working_set_bytes{namespace="default",pod=~"demo-service-.*",container!="",container!="POD"})',
        },
        pod: { cpuRequest: '500m', memoryRequest: '512Mi' },
      },
    ],
  };
  const header = [
    '# Prescale service configuration: every field with its default (prescale config --print-defaults).',
    '# workloads[] entries are PredictiveAutoscaler resources (metadata + spec, as in the CRD) plus the',
    '# service-only blocks queries (extra PromQL: cpu, memory, latency, replicas) and pod (requests, cost).',
    '# Computed defaults: spec.metric.query = CPU cores of the target pods',
    `#   (${spec.metric.query}),`,
    '# spec.fallback.staleAfter = 3 × spec.metric.step, spec.fallback.recoverBelow = 0.8 × maxError,',
    '# spec.capacity.perPod = pod.cpuRequest × targetUtilization with the default CPU signal.',
  ];
  return `${header.join('\n')}\n${stringify(config, { lineWidth: 0 })}`;
}
