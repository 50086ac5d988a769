import { ApiError, type ResourceNames } from './status.js';

/** A schema node of a CRD's `openAPIV3Schema` (only the keywords the stand-in reads). */
export interface SchemaNode {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly nullable?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly exclusiveMaximum?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-validations'?: readonly ValidationRule[];
}

/** One `x-kubernetes-validations` entry. */
export interface ValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly reason?: string;
  readonly fieldPath?: string;
}

/** One `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly format?: string;
  readonly description?: string;
  readonly priority?: number;
  readonly jsonPath: string;
}

/** `subresources.scale` paths (dotted, from the object root). */
export interface ScalePaths {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/** Everything the server knows about one served resource (a built-in kind or one CRD version). */
export interface ResourceType extends ResourceNames {
  readonly version: string;
  readonly singular: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly statusSubresource: boolean;
  readonly scale?: ScalePaths;
  /** Custom resources: 415 for strategic merge, 422 for a PUT without resourceVersion, Status on delete. */
  readonly custom: boolean;
  readonly tracksGeneration: boolean;
  readonly schema?: SchemaNode;
  readonly printerColumns?: readonly PrinterColumn[];
}

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** The scale paths of the apps/v1 workloads (Deployment, StatefulSet). */
const appsScale: ScalePaths = {
  specReplicasPath: '.spec.replicas',
  statusReplicasPath: '.status.replicas',
  labelSelectorPath: '.spec.selector',
};

function builtin(
  group: string,
  version: string,
  kind: string,
  plural: string,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    listKind: `${kind}List`,
    namespaced: true,
    shortNames: [],
    categories: [],
    statusSubresource: false,
    custom: false,
    tracksGeneration: false,
    ...extra,
  };
}

/** The built-in kinds Prescale reads or writes, plus KEDA's ScaledObject as its CRD serves it. */
export const builtinResources: readonly ResourceType[] = [
  builtin('', 'v1', 'Namespace', 'namespaces', { namespaced: false, shortNames: ['ns'], statusSubresource: true }),
  builtin('', 'v1', 'Pod', 'pods', { shortNames: ['po'], categories: ['all'], statusSubresource: true }),
  builtin('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  builtin('', 'v1', 'Secret', 'secrets'),
  builtin('apps', 'v1', 'Deployment', 'deployments', {
    shortNames: ['deploy'],
    categories: ['all'],
    statusSubresource: true,
    scale: appsScale,
    tracksGeneration: true,
  }),
  builtin('apps', 'v1', 'StatefulSet', 'statefulsets', {
    shortNames: ['sts'],
    categories: ['all'],
    statusSubresource: true,
    scale: appsScale,
    tracksGeneration: true,
  }),
  builtin('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', {
    shortNames: ['hpa'],
    categories: ['all'],
    statusSubresource: true,
    tracksGeneration: true,
  }),
  builtin('batch', 'v1', 'Job', 'jobs', { categories: ['all'], statusSubresource: true, tracksGeneration: true }),
  builtin('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  builtin('events.k8s.io', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
  builtin('keda.sh', 'v1alpha1', 'ScaledObject', 'scaledobjects', {
    shortNames: ['so'],
    statusSubresource: true,
    custom: true,
    tracksGeneration: true,
    schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  }),
  builtin('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', {
    namespaced: false,
    shortNames: ['crd', 'crds'],
    statusSubresource: true,
    tracksGeneration: true,
  }),
];

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: SchemaNode };
  subresources?: { status?: object; scale?: ScalePaths };
  additionalPrinterColumns?: PrinterColumn[];
}

/** The `spec` of an apiextensions.k8s.io/v1 CustomResourceDefinition, as far as serving it needs. */
export interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: {
    plural: string;
    singular?: string;
    kind: string;
    listKind?: string;
    shortNames?: string[];
    categories?: string[];
  };
  versions: CrdVersion[];
}

/** The served resource types of a CRD (one per served version); 422 for a CRD that cannot be served. */
export function resourcesOfCrd(name: string, spec: CrdSpec | undefined): ResourceType[] {
  const crdNames = {
    group: 'apiextensions.k8s.io',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
  };
  const problem = (field: string, message: string) =>
    new ApiError(
      422,
      'Invalid',
      `CustomResourceDefinition.apiextensions.k8s.io "${name}" is invalid: ${field}: ${message}`,
      {
        name,
        group: crdNames.group,
        kind: crdNames.kind,
        causes: [{ reason: 'FieldValueInvalid', message, field }],
      },
    );
  if (spec?.names?.plural === undefined || spec.group === undefined || spec.names.kind === undefined) {
    throw problem('spec', 'Required value: group, names.plural and names.kind are required');
  }
  if (name !== `${spec.names.plural}.${spec.group}`) {
    throw problem('metadata.name', `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`);
  }
  const versions = spec.versions ?? [];
  if (versions.filter((version) => version.storage === true).length !== 1) {
    throw problem('spec.versions', 'Invalid value: must have exactly one version marked as storage version');
  }
  return versions
    .filter((version) => version.served !== false)
    .map((version) => ({
      group: spec.group,
      version: version.name,
      kind: spec.names.kind,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      namespaced: spec.scope !== 'Cluster',
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      statusSubresource: version.subresources?.status !== undefined,
      ...(version.subresources?.scale === undefined ? {} : { scale: version.subresources.scale }),
      custom: true,
      tracksGeneration: true,
      schema: version.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      printerColumns: version.additionalPrinterColumns ?? [],
    }));
}

function resourceEntries(type: ResourceType): Record<string, unknown>[] {
  const main = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: allVerbs,
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length > 0 ? { categories: type.categories } : {}),
  };
  const sub = { singularName: '', namespaced: type.namespaced, verbs: ['get', 'patch', 'update'] };
  // The main entry comes first: client-node's KubernetesObjectApi takes the first entry of a kind, and the
  // `/status` entry has the same kind.
  return [
    main,
    ...(type.statusSubresource ? [{ name: `${type.plural}/status`, ...sub, kind: type.kind }] : []),
    ...(type.scale === undefined
      ? []
      : [{ name: `${type.plural}/scale`, ...sub, group: 'autoscaling', version: 'v1', kind: 'Scale' }]),
  ];
}

/** The legacy discovery documents (`/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>`) of a set of types. */
export function apiVersionsDocument(): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
  };
}

export function apiGroupListDocument(types: readonly ResourceType[]): Record<string, unknown> {
  const versionsByGroup = new Map<string, string[]>();
  for (const type of types) {
    if (type.group === '') continue;
    const versions = versionsByGroup.get(type.group) ?? [];
    if (!versions.includes(type.version)) versions.push(type.version);
    versionsByGroup.set(type.group, versions);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...versionsByGroup].map(([name, versions]) => {
      const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions: entries, preferredVersion: entries[0] };
    }),
  };
}

export function apiResourceListDocument(
  group: string,
  version: string,
  types: readonly ResourceType[],
): Record<string, unknown> {
  const served = types.filter((type) => type.group === group && type.version === version);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: served.flatMap(resourceEntries),
  };
}
