// Validates rendered Kubernetes objects against the API schemas (the OpenAPI definitions compiled into
// kubernetes-models, and prometheus-operator's CRD schema for ServiceMonitor). Kubernetes' own offline
// validation needs a cluster; these schemas are the same definitions the API server checks.
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Pod, Secret, Service } from 'kubernetes-models/v1';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

type Model = new (data: never) => { validate(): void };

const MODELS: Record<string, Model> = {
  'apps/v1/Deployment': Deployment as unknown as Model,
  'apps/v1/StatefulSet': StatefulSet as unknown as Model,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as Model,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as Model,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as Model,
  'v1/ConfigMap': ConfigMap as unknown as Model,
  'v1/Pod': Pod as unknown as Model,
  'v1/Secret': Secret as unknown as Model,
  'v1/Service': Service as unknown as Model,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor as unknown as Model,
};

/** Throws naming the object and the schema violation; an object of a kind without a schema here is an error too. */
export function validateKubernetesObject(object: KubernetesObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const ModelClass = MODELS[key];
  if (ModelClass === undefined) throw new Error(`${object.metadata?.name}: no schema known for ${key}`);
  try {
    new ModelClass(object as never).validate();
  } catch (err) {
    throw new Error(`${key} ${object.metadata?.name} is invalid: ${(err as Error).message}`);
  }
}
