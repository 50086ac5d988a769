import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { predictiveAutoscalerCrdYaml } from '../../config/crd.js';
import { kubectlConfigFor } from './fixtures.js';

/** Installs Prescale's generated PredictiveAutoscaler CRD on the stand-in. */
export async function installPredictiveAutoscalerCrd(kc: k8s.KubeConfig): Promise<void> {
  // Through loadYaml: a plain object sent to the typed API loses `default` and `x-kubernetes-validations`.
  await kc.makeApiClient(k8s.ApiextensionsV1Api).createCustomResourceDefinition({
    body: k8s.loadYaml(predictiveAutoscalerCrdYaml()) as k8s.V1CustomResourceDefinition,
  });
}

/** A one-container Deployment `name` whose pod template requests `requests` (a PredictiveAutoscaler's target). */
export async function createTargetDeployment(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  requests: Record<string, string> = { cpu: '500m' },
): Promise<void> {
  await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name, image: name, resources: { requests } }] },
        },
      },
    },
  });
}

/**
 * Writes a kubeconfig file for a `prescale` child process (KUBECONFIG); client-node reaches a plain-http server
 * only with TLS verification off (it is not used on http anyway). Returns its path.
 */
export async function writeProcessKubeconfig(dir: string, url: string): Promise<string> {
  const path = join(dir, 'kubeconfig');
  await writeFile(
    path,
    kubectlConfigFor(url).replace('cluster: {server:', 'cluster: {insecure-skip-tls-verify: true, server:'),
  );
  return path;
}
