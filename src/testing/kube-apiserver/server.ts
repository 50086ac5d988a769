import type { IncomingMessage, ServerResponse } from 'node:http';
import { Deleter } from './deletion.js';
import { type ObjectRef, ObjectWriter, resourceKey, type WriteOptions } from './objects.js';
import { isObject, type JsonObject } from './patch.js';
import {
  apiGroupListDocument,
  apiResourceListDocument,
  apiVersionOf,
  apiVersionsDocument,
  builtinResources,
  type CrdSpec,
  type ResourceType,
  resourcesOfCrd,
} from './resources.js';
import { ScaleSubresource } from './scale.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ApiError, badRequest, failureStatus } from './status.js';
import { ObjectStore } from './store.js';
import { toTable, wantsTable } from './table.js';
import { WatchHub } from './watch.js';

/** A request the server answered, for assertions on what a client sent. */
export interface LoggedRequest {
  readonly method: string;
  readonly url: string;
  readonly contentType?: string;
  readonly accept?: string;
}

/** Makes the next `times` matching requests fail with `code` (a Status body; 429 as plain text), or reset. */
export interface InjectedFailure {
  readonly path: string | RegExp;
  readonly method?: string;
  readonly times?: number;
  readonly code?: number;
  readonly reason?: string;
  readonly message?: string;
  /** Destroy the connection instead of answering (a network failure). */
  readonly reset?: boolean;
}

const namespaceType = builtinResources.find((type) => type.plural === 'namespaces')!;
const crdType = builtinResources.find((type) => type.plural === 'customresourcedefinitions')!;
const notServed = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});

function json(response: ServerResponse, code: number, body: unknown): void {
  response.writeHead(code, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonObject(text: string): JsonObject {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed)) return parsed;
  } catch {
    // reported below
  }
  throw badRequest('the request body could not be decoded as a JSON object');
}

/** The request handler of the stand-in API server: state, routing and fault injection. */
export class KubeApiHandler {
  readonly store: ObjectStore;
  readonly watches: WatchHub;
  readonly requests: LoggedRequest[] = [];
  private readonly failures: (InjectedFailure & { remaining: number })[] = [];
  private readonly crdTypes = new Map<string, ResourceType[]>();
  private readonly writer: ObjectWriter;
  private readonly deleter: Deleter;
  private readonly scale: ScaleSubresource;

  constructor(
    historyLimit: number,
    private readonly nowMs: () => number,
    namespaces: readonly string[],
  ) {
    this.store = new ObjectStore(historyLimit);
    this.watches = new WatchHub(this.store);
    this.writer = new ObjectWriter(
      this.store,
      {
        namespaceExists: (namespace) => this.store.get(resourceKey(namespaceType), undefined, namespace) !== undefined,
        validateCreate: (type, object) => this.validateCreate(type, object),
        afterCommit: (type, object) => this.afterCommit(type, object),
      },
      nowMs,
    );
    this.deleter = new Deleter(
      this.store,
      this.writer,
      (key) => this.types().find((t) => resourceKey(t) === key),
      nowMs,
      (type, object) => this.onRemoved(type, object),
    );
    this.scale = new ScaleSubresource(this.writer);
    for (const name of namespaces)
      this.writer.create({ type: namespaceType, name }, { metadata: { name } }, { fieldManager: 'setup' });
  }

  types(): ResourceType[] {
    return [...builtinResources, ...[...this.crdTypes.values()].flat()];
  }

  injectFailure(failure: InjectedFailure): void {
    this.failures.push({ ...failure, remaining: failure.times ?? 1 });
  }

  private validateCreate(type: ResourceType, object: JsonObject): void {
    if (type !== crdType) return;
    const name = (object.metadata as JsonObject).name as string;
    const served = resourcesOfCrd(name, object.spec as CrdSpec);
    const clash = this.types().find((t) => served.some((s) => s.group === t.group && s.plural === t.plural));
    if (clash !== undefined) throw badRequest(`${clash.plural}.${clash.group} is already served`);
  }

  private afterCommit(type: ResourceType, object: JsonObject): void {
    const metadata = object.metadata as JsonObject;
    if (type === crdType && metadata.deletionTimestamp === undefined) {
      const spec = object.spec as CrdSpec;
      this.crdTypes.set(metadata.name as string, resourcesOfCrd(metadata.name as string, spec));
      if (!isObject(object.status)) {
        const conditions = ['NamesAccepted', 'Established'].map((conditionType) => ({
          type: conditionType,
          status: 'True',
          reason: conditionType === 'Established' ? 'InitialNamesAccepted' : 'NoConflicts',
          message: '',
          lastTransitionTime: metadata.creationTimestamp,
        }));
        const storedVersions = spec.versions.filter((version) => version.storage).map((version) => version.name);
        this.store.put(resourceKey(type), {
          ...object,
          status: { conditions, acceptedNames: spec.names, storedVersions },
        });
      }
    }
    this.deleter.finishIfDone(type, object);
  }

  private onRemoved(type: ResourceType, object: JsonObject): void {
    const name = (object.metadata as JsonObject).name as string;
    if (type === crdType) {
      const served = this.crdTypes.get(name) ?? [];
      this.crdTypes.delete(name);
      // All served versions share one storage key, so the first type reaches every object of the CRD.
      for (const servedType of served.slice(0, 1)) {
        for (const item of this.store.list(resourceKey(servedType))) this.store.remove(resourceKey(servedType), item);
      }
    }
    if (type === namespaceType) {
      for (const { resource, object: item } of this.store.entries()) {
        if ((item.metadata as JsonObject).namespace === name) this.store.remove(resource, item);
      }
    }
  }

  /** Handles one HTTP request; never throws. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    this.requests.push({
      method,
      url: request.url ?? '/',
      contentType: request.headers['content-type'],
      accept: request.headers.accept,
    });
    const failure = this.failures.find(
      (f) =>
        f.remaining > 0 &&
        (f.method === undefined || f.method === method) &&
        (typeof f.path === 'string' ? url.pathname.startsWith(f.path) : f.path.test(url.pathname + url.search)),
    );
    try {
      const body = await readBody(request);
      if (failure !== undefined) {
        failure.remaining--;
        if (failure.reset) {
          request.socket.destroy();
          return;
        }
        const code = failure.code ?? 500;
        if (code === 429) {
          response.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '1' });
          response.end('Too many requests, please try again later.');
          return;
        }
        throw new ApiError(
          code,
          failure.reason ?? 'InternalError',
          failure.message ?? `Internal error occurred: injected failure`,
        );
      }
      await this.route(method, url, body, request, response);
    } catch (error) {
      const apiError =
        error instanceof ApiError
          ? error
          : new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`);
      if (!response.headersSent) json(response, apiError.code, failureStatus(apiError));
      else response.end();
    }
  }

  private async route(
    method: string,
    url: URL,
    body: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const parts = url.pathname.split('/').filter((part) => part !== '');
    if (url.pathname === '/version') {
      return json(response, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' });
    }
    if (url.pathname === '/api') return json(response, 200, apiVersionsDocument());
    if (url.pathname === '/apis') return json(response, 200, apiGroupListDocument(this.types()));
    const [group, version, rest] =
      parts[0] === 'api' && parts[1] === 'v1'
        ? ['', 'v1', parts.slice(2)]
        : parts[0] === 'apis' && parts.length >= 3
          ? [parts[1], parts[2], parts.slice(3)]
          : [];
    if (group === undefined || version === undefined || rest === undefined) throw notServed();
    const served = this.types().filter((type) => type.group === group && type.version === version);
    if (served.length === 0) throw notServed();
    if (rest.length === 0) return json(response, 200, apiResourceListDocument(group, version, served));
    const namespacedType =
      rest[0] === 'namespaces' && rest.length >= 3
        ? served.find((t) => t.namespaced && t.plural === rest[2])
        : undefined;
    const [namespace, plural, name, subresource] =
      namespacedType !== undefined ? [rest[1], rest[2], rest[3], rest[4]] : [undefined, rest[0], rest[1], rest[2]];
    const type = served.find((t) => t.plural === plural);
    if (type === undefined || (subresource !== undefined && !['status', 'scale'].includes(subresource)))
      throw notServed();
    if (subresource === 'status' && !type.statusSubresource) throw notServed();
    const options: WriteOptions = {
      fieldManager: url.searchParams.get('fieldManager') ?? undefined,
      force: url.searchParams.has('force') ? url.searchParams.get('force') === 'true' : undefined,
      userAgent: request.headers['user-agent'],
    };
    const table = wantsTable(request.headers.accept);
    if (name === undefined) return this.collection(method, url, body, type, namespace, table, options, response);
    if (type.namespaced && namespace === undefined) throw notServed();
    const ref: ObjectRef = { type, namespace, name };
    const send = (code: number, object: JsonObject) =>
      json(response, code, table && subresource === undefined ? this.table(type, [object]) : object);
    const statusOrMain = subresource === 'status' ? 'status' : '';
    switch (method) {
      case 'GET':
        return send(200, subresource === 'scale' ? this.scale.get(ref) : this.writer.get(ref));
      case 'PUT':
        return send(
          200,
          subresource === 'scale'
            ? this.scale.update(ref, parseJsonObject(body), options)
            : this.writer.update(ref, parseJsonObject(body), statusOrMain, options),
        );
      case 'PATCH': {
        const contentType = request.headers['content-type'] ?? '';
        if (subresource === 'scale') return send(200, this.scale.patch(ref, body, contentType, options));
        const { code, object } = this.writer.patch(ref, body, contentType, statusOrMain, options);
        return send(code, object);
      }
      case 'DELETE': {
        if (subresource !== undefined)
          throw new ApiError(
            405,
            'MethodNotAllowed',
            `the server does not allow this method on the requested resource`,
          );
        const deleteBody = body.trim() === '' ? {} : parseJsonObject(body);
        const { removed, object } = this.deleter.delete(ref, {
          propagationPolicy:
            url.searchParams.get('propagationPolicy') ?? (deleteBody.propagationPolicy as string | undefined),
          preconditions: deleteBody.preconditions as { uid?: string; resourceVersion?: string } | undefined,
        });
        if (removed && type.custom) {
          const uid = (object.metadata as JsonObject).uid as string;
          return json(response, 200, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: { name, group: type.group, kind: type.plural, uid },
          });
        }
        return send(200, object);
      }
      default:
        throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }

  private table(type: ResourceType, objects: JsonObject[]): JsonObject {
    return toTable(type, objects, { resourceVersion: String(this.store.currentRevision) }, this.nowMs());
  }

  private collection(
    method: string,
    url: URL,
    body: string,
    type: ResourceType,
    namespace: string | undefined,
    table: boolean,
    options: WriteOptions,
    response: ServerResponse,
  ): void {
    const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
    const fields = parseFieldSelector(url.searchParams.get('fieldSelector'));
    const selects = (object: JsonObject) => labels(object) && fields(object);
    if (method === 'POST') {
      if (type.namespaced && namespace === undefined) throw notServed();
      return void json(
        response,
        201,
        this.writer.create({ type, namespace, name: '' }, parseJsonObject(body), options),
      );
    }
    if (method === 'GET' && ['true', '1'].includes(url.searchParams.get('watch') ?? '')) {
      const timeout = url.searchParams.get('timeoutSeconds');
      return void this.watches.serve(
        {
          type,
          namespace,
          selects,
          resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
          allowBookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
          timeoutSeconds: timeout === null ? undefined : Number(timeout),
        },
        response,
      );
    }
    const items = this.store
      .list(resourceKey(type), namespace)
      .filter(selects)
      .map((item): JsonObject => ({ ...item, apiVersion: apiVersionOf(type) }));
    if (method === 'GET') {
      const metadata = { resourceVersion: String(this.store.currentRevision) };
      return void json(
        response,
        200,
        table ? this.table(type, items) : { apiVersion: apiVersionOf(type), kind: type.listKind, metadata, items },
      );
    }
    if (method === 'DELETE') {
      for (const item of items)
        this.deleter.delete(
          {
            type,
            namespace: (item.metadata as JsonObject).namespace as string | undefined,
            name: (item.metadata as JsonObject).name as string,
          },
          {},
        );
      return void json(response, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { group: type.group, kind: type.plural },
      });
    }
    throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }
}
