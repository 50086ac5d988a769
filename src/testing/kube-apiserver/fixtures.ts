import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';

/** A CRD shaped like Prescale's PredictiveAutoscaler (k8s/crd), in wire YAML for kubectl and client-node. */
export const predictiveAutoscalerCrdYaml = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: predictiveautoscalers.autoscaler.ml.dev}
spec:
  group: autoscaler.ml.dev
  scope: Namespaced
  names: {plural: predictiveautoscalers, singular: predictiveautoscaler, kind: PredictiveAutoscaler,
          listKind: PredictiveAutoscalerList, shortNames: [pas]}
  versions:
    - name: v1alpha1
      served: true
      storage: true
      subresources: {status: {}}
      additionalPrinterColumns:
        - {name: Target, type: string, jsonPath: .spec.targetRef.name}
        - {name: Mode, type: string, jsonPath: .spec.mode}
        - {name: Desired, type: integer, jsonPath: .status.desiredReplicas}
        - {name: Model, type: string, jsonPath: .spec.model, priority: 1}
        - {name: Fallback, type: string, jsonPath: '.status.conditions[?(@.type=="FallbackActive")].status'}
        - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [targetRef]
              x-kubernetes-validations:
                - {rule: "self.minReplicas <= self.maxReplicas", message: "minReplicas must be less than or equal to maxReplicas"}
                - {rule: "!has(self.budgetCores) || self.budgetCores > 0", message: "budgetCores must be positive"}
              properties:
                targetRef:
                  type: object
                  required: [kind, name]
                  properties: {apiVersion: {type: string}, kind: {type: string}, name: {type: string}}
                minReplicas: {type: integer, format: int32, minimum: 1, default: 1}
                maxReplicas: {type: integer, format: int32, minimum: 1, default: 10}
                mode: {type: string, enum: [Auto, ForecastOnly], default: Auto}
                model: {type: string, pattern: '^[a-z-]+$'}
                predictionHorizon: {type: string, default: 10m}
                budgetCores: {type: number}
                planner: {type: object, x-kubernetes-preserve-unknown-fields: true}
            status:
              type: object
              properties:
                observedGeneration: {type: integer, format: int64}
                desiredReplicas: {type: integer}
                conditions:
                  type: array
                  items: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

/** A client-node KubeConfig for the stand-in (client-node refuses plain http unless `skipTLSVerify` is set). */
export function kubeConfigFor(url: string): k8s.KubeConfig {
  const config = new k8s.KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'stand-in', server: url, skipTLSVerify: true }],
    users: [{ name: 'stand-in' }],
    contexts: [{ name: 'stand-in', cluster: 'stand-in', user: 'stand-in', namespace: 'default' }],
    currentContext: 'stand-in',
  });
  return config;
}

/** kubectl's kubeconfig for the stand-in. */
export function kubectlConfigFor(url: string): string {
  return `apiVersion: v1
kind: Config
clusters: [{name: stand-in, cluster: {server: "${url}"}}]
users: [{name: stand-in, user: {}}]
contexts: [{name: stand-in, context: {cluster: stand-in, user: stand-in, namespace: default}}]
current-context: stand-in
`;
}

/** The Status body of a failed client-node call (ApiException.body is the raw text). */
export interface ApiStatus {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  readonly details: { causes: { field: string; reason: string; message: string }[] } & Record<string, unknown>;
}

export async function statusOf(call: Promise<unknown>): Promise<ApiStatus> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof k8s.ApiException, `expected an ApiException, got ${String(error)}`);
    return JSON.parse(error.body as string);
  }
  assert.fail('the call succeeded');
}
