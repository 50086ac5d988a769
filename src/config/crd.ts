import { stringify } from 'yaml';
import { z } from 'zod';
import {
  PREDICTIVE_AUTOSCALER_API_VERSION,
  PREDICTIVE_AUTOSCALER_KIND,
  predictiveAutoscalerSpecSchema,
} from './predictive-autoscaler.js';
import { predictiveAutoscalerStatusSchema } from './predictive-autoscaler-status.js';

/**
 * The `PredictiveAutoscaler` CustomResourceDefinition, generated from the one zod schema of the workload (the
 * spec) and of its status, so the CRD, the service's config file and the simulator cannot drift apart.
 * `k8s/crd/predictiveautoscalers.autoscaler.ml.dev.yaml` is this output, committed; a test regenerates it.
 *
 * Kubernetes wants a structural schema: a type on every node, no `$ref`, no `additionalProperties` beside
 * `properties` (the API server prunes unknown fields instead), and durations that may be a string or a number
 * written as `x-kubernetes-int-or-string`. Defaults stay visible (`kubectl explain`, and the API server applies
 * them); the cross-field rule min ≤ max is a CEL rule.
 */

const [GROUP, VERSION] = PREDICTIVE_AUTOSCALER_API_VERSION.split('/');
const PLURAL = 'predictiveautoscalers';

/** A JSON Schema node as zod writes it and as the CRD needs it. */
type SchemaNode = { [key: string]: unknown };

/** zod's "no upper bound" on integers (Number.MAX_SAFE_INTEGER), which says nothing to a reader. */
const NO_MAXIMUM = Number.MAX_SAFE_INTEGER;

/** One node of zod's JSON Schema rewritten as a structural Kubernetes schema node (children first). */
function structural(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'maximum' && value === NO_MAXIMUM) continue;
    if (key === 'properties') {
      const properties = value as Record<string, SchemaNode>;
      out.properties = Object.fromEntries(Object.entries(properties).map(([name, child]) => [name, structural(child)]));
    } else if (key === 'items') {
      out.items = structural(value as SchemaNode);
    } else {
      out[key] = value;
    }
  }
  if (out.type === 'integer' && out.format === undefined) out.format = 'int32';
  // A duration is `30s` or a number of seconds: zod's anyOf of the two, which Kubernetes spells int-or-string.
  const anyOf = out.anyOf as SchemaNode[] | undefined;
  if (anyOf !== undefined && out.type === undefined) {
    const types = new Set(anyOf.map((branch) => branch.type));
    if (types.size === 2 && types.has('string') && (types.has('number') || types.has('integer'))) {
      delete out.anyOf;
      out['x-kubernetes-int-or-string'] = true;
    }
  }
  return out;
}

/** The spec and status as the CRD's openAPIV3Schema, with the CEL rule zod's refinement cannot express. */
function resourceSchema(): SchemaNode {
  const toSchema = (schema: z.ZodType, io: 'input' | 'output') =>
    structural(z.toJSONSchema(schema, { io, target: 'openapi-3.0', unrepresentable: 'throw' }) as SchemaNode);
  const spec = toSchema(predictiveAutoscalerSpecSchema, 'input');
  spec.description = 'What to forecast and how to scale on it; every field but targetRef has a default.';
  spec['x-kubernetes-validations'] = [
    {
      rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
      message: 'minReplicas must be at most maxReplicas',
    },
  ];
  const status = toSchema(predictiveAutoscalerStatusSchema, 'output');
  const conditions = (status.properties as Record<string, SchemaNode>).conditions;
  conditions['x-kubernetes-list-type'] = 'map';
  conditions['x-kubernetes-list-map-keys'] = ['type'];
  status.description = 'Written by Prescale: the forecast, the decision and why, the model and its accuracy.';
  return {
    type: 'object',
    description: 'Forecasts a workload’s load and scales it before the load arrives.',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec,
      status,
    },
    required: ['spec'],
  };
}

/** `kubectl get pas` columns: what is scaled, how, on which model, and what Prescale decided. */
const PRINTER_COLUMNS = [
  { name: 'Target', type: 'string', jsonPath: '.spec.targetRef.name' },
  { name: 'Mode', type: 'string', jsonPath: '.spec.mode' },
  { name: 'Model', type: 'string', jsonPath: '.status.model.name' },
  { name: 'Desired', type: 'integer', jsonPath: '.status.desiredReplicas' },
  { name: 'Current', type: 'integer', jsonPath: '.status.currentReplicas' },
  {
    name: 'Forecast',
    type: 'number',
    jsonPath: '.status.forecast.peak',
    description: 'Peak load forecast over the horizon',
  },
  { name: 'Fallback', type: 'string', jsonPath: '.status.conditions[?(@.type=="FallbackActive")].status' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

/** The CustomResourceDefinition object. */
export function predictiveAutoscalerCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}`, labels: { 'app.kubernetes.io/name': 'prescale' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        plural: PLURAL,
        singular: 'predictiveautoscaler',
        kind: PREDICTIVE_AUTOSCALER_KIND,
        listKind: `${PREDICTIVE_AUTOSCALER_KIND}List`,
        shortNames: ['pas'],
        categories: ['all', 'autoscaling'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS,
          schema: { openAPIV3Schema: resourceSchema() },
        },
      ],
    },
  };
}

/** The CRD as the committed YAML file. */
export function predictiveAutoscalerCrdYaml(): string {
  const header =
    '# Generated by `npx prescale crd` from the zod schema of the workload (src/config/crd.ts). Do not edit.\n';
  return header + stringify(predictiveAutoscalerCrd(), { lineWidth: 0 });
}
