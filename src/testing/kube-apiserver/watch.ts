import type { ServerResponse } from 'node:http';
import { resourceKey } from './objects.js';
import type { JsonObject } from './patch.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import type { Selector } from './selectors.js';
import type { ObjectStore, StoredEvent } from './store.js';

/** What one watch request asks for. */
export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly selects: Selector;
  readonly resourceVersion?: string;
  readonly allowBookmarks: boolean;
  readonly timeoutSeconds?: number;
}

interface OpenWatch {
  readonly request: WatchRequest;
  readonly response: ServerResponse;
  close(how: 'end' | 'reset'): void;
}

/**
 * Watch streams: 200 with headers flushed at once, one JSON event per line, resumable from a resourceVersion
 * (replaying kept history), `ERROR` with a 410 Expired Status when that history is gone, selector-aware
 * ADDED/DELETED on objects entering or leaving the selection, BOOKMARKs on request, `timeoutSeconds`.
 */
export class WatchHub {
  private readonly open = new Set<OpenWatch>();
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(private readonly store: ObjectStore) {}

  get openCount(): number {
    return this.open.size;
  }

  /** Resolves once at least `count` watches are open (clients reconnect on their own schedule). */
  untilOpen(count: number): Promise<void> {
    if (this.open.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private matches(request: WatchRequest, object: JsonObject | undefined): boolean {
    if (object === undefined) return false;
    const namespace = (object.metadata as JsonObject).namespace;
    return (request.namespace === undefined || namespace === request.namespace) && request.selects(object);
  }

  /** The event this watch sees for a stored change, if any. */
  private translate(request: WatchRequest, event: StoredEvent): { type: string; object: JsonObject } | undefined {
    if (event.resource !== resourceKey(request.type)) return undefined;
    const object = { ...event.object, apiVersion: apiVersionOf(request.type) };
    const now = this.matches(request, event.object);
    const before = this.matches(request, event.previous);
    if (event.type === 'DELETED') return before || now ? { type: 'DELETED', object } : undefined;
    if (now) return { type: before ? 'MODIFIED' : 'ADDED', object };
    return before ? { type: 'DELETED', object } : undefined;
  }

  serve(request: WatchRequest, response: ServerResponse): void {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    response.flushHeaders();
    const write = (event: { type: string; object: JsonObject }) => response.write(`${JSON.stringify(event)}\n`);
    const since =
      request.resourceVersion === undefined || request.resourceVersion === '' ? 0 : Number(request.resourceVersion);
    if (since === 0) {
      const initial = this.store
        .list(resourceKey(request.type), request.namespace)
        .filter((object) => request.selects(object));
      for (const object of initial)
        write({ type: 'ADDED', object: { ...object, apiVersion: apiVersionOf(request.type) } });
    } else {
      const changes = this.store.changesSince(since);
      if (changes === undefined) {
        write({
          type: 'ERROR',
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `too old resource version: ${since} (${this.store.oldestResumableRevision})`,
            reason: 'Expired',
            code: 410,
          },
        });
        response.end();
        return;
      }
      for (const change of changes) {
        const event = this.translate(request, change);
        if (event !== undefined) write(event);
      }
    }
    const unsubscribe = this.store.subscribe((change) => {
      const event = this.translate(request, change);
      if (event !== undefined) write(event);
    });
    const timer =
      request.timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => {
            if (request.allowBookmarks) this.bookmark(watch);
            watch.close('end');
          }, request.timeoutSeconds * 1000);
    const watch: OpenWatch = {
      request,
      response,
      close: (how) => {
        if (how === 'reset') response.socket?.destroy();
        else response.end();
      },
    };
    this.open.add(watch);
    this.waiters = this.waiters.filter((waiter) => (this.open.size >= waiter.count ? void waiter.resolve() : true));
    response.on('close', () => {
      unsubscribe();
      clearTimeout(timer);
      this.open.delete(watch);
    });
  }

  private bookmark(watch: OpenWatch): void {
    const object = {
      kind: watch.request.type.kind,
      apiVersion: apiVersionOf(watch.request.type),
      metadata: { resourceVersion: String(this.store.currentRevision) },
    };
    watch.response.write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
  }

  /** Sends a BOOKMARK at the current revision on every open watch that allowed them. */
  sendBookmarks(): void {
    for (const watch of this.open) if (watch.request.allowBookmarks) this.bookmark(watch);
  }

  /** Ends every open watch: cleanly (`end`, clients re-watch) or by destroying the socket (`reset`). */
  dropAll(how: 'end' | 'reset'): void {
    for (const watch of [...this.open]) watch.close(how);
  }
}
