import { isCollection, LineCounter, parseDocument, stringify } from 'yaml';
import { PrescaleError } from '../core/index.js';
import { PREDICTIVE_AUTOSCALER_DEFAULTS } from './predictive-autoscaler.js';
import { SERVICE_DEFAULTS, type ServiceConfig, safeParseServiceConfig } from './service.js';

/**
 * The service configuration as a YAML file: read with every problem located by file and line, and the full
 * default written out for `prescale config --print-defaults`.
 */

/**
 * Reads a YAML service configuration: every problem on its own line as `<source>:<line>: <dotted.path>:
 * <problem>; <fix>`, in file order; throws `invalid-input` (field = the first path) when there is any.
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
  // In file order, as an editor shows them.
  const located = result.issues
    .map((issue) => ({ issue, line: lineOf(doc, lineCounter, issue.path) }))
    .sort((a, b) => (a.line ?? Number.POSITIVE_INFINITY) - (b.line ?? Number.POSITIVE_INFINITY));
  const lines = located.map(
    ({ issue, line }) => `${source}${line === null ? '' : `:${line}`}: ${issue.path}: ${issue.message}`,
  );
  throw new PrescaleError('invalid-input', lines.join('\n'), { field: located[0]?.issue.path });
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
