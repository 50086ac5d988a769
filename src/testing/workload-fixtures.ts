/**
 * A minimal valid service `workloads:` entry: the CRD's minimal manifest plus what the service needs to derive
 * capacity. `spec` fields are laid over it; `overrides` replace top-level fields of the entry.
 */
export function minimalWorkload(spec: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) {
  return {
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      model: 'naive',
      metric: { query: 'sum(rate(http_requests_total{job="web"}[1m]))', step: '30s' },
      capacity: { perPod: 50 },
      ...spec,
    },
    ...overrides,
  };
}
