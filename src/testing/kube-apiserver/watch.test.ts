import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { kubeConfigFor } from './fixtures.js';
import { type KubeApiServer, startKubeApiServer } from './index.js';

/** Things that happened, in order; `until` resolves once the log satisfies a condition (no polling, no sleeps). */
class EventLog {
  readonly entries: string[] = [];
  private waiters: { done: () => boolean; resolve: () => void }[] = [];

  push(entry: string): void {
    this.entries.push(entry);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.done()) return true;
      waiter.resolve();
      return false;
    });
  }

  until(...wanted: string[]): Promise<void> {
    return this.when(() => wanted.every((entry) => this.entries.includes(entry)));
  }

  untilLength(length: number): Promise<void> {
    return this.when(() => this.entries.length >= length);
  }

  private when(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ done, resolve }));
  }
}

const namespace = 'watched';
const path = `/api/v1/namespaces/${namespace}/configmaps`;

describe('watch streams and client-node informers against the stand-in', () => {
  let server: KubeApiServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  const countRequests = (watch: boolean) =>
    server.requests.filter((r) => r.method === 'GET' && r.url.startsWith(path) && r.url.includes('watch=') === watch)
      .length;

  before(async () => {
    server = await startKubeApiServer({ namespaces: ['default', namespace] });
    kc = kubeConfigFor(server.url);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(() => server.stop());

  it('lists with label and field selectors and the collection resourceVersion', async () => {
    const labels: Record<string, string>[] = [{ app: 'web' }, { app: 'api', tier: 'db' }, { app: 'batch' }];
    for (const [i, label] of labels.entries()) {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: `sel-${i}`, labels: label } } });
    }
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedConfigMap({ namespace, labelSelector, fieldSelector })).items.map(
        (i) => i.metadata!.name,
      );
    assert.deepEqual(await names('app in (web,api),tier!=db'), ['sel-0']);
    assert.deepEqual(await names('tier'), ['sel-1']);
    assert.deepEqual(await names('!tier,app notin (web)'), ['sel-2']);
    assert.deepEqual(await names('app==api'), ['sel-1']);
    assert.deepEqual(await names(undefined, 'metadata.name=sel-2'), ['sel-2']);
    const list = await core.listNamespacedConfigMap({ namespace });
    assert.equal(list.metadata!.resourceVersion, server.resourceVersion());
    await core.deleteCollectionNamespacedConfigMap({ namespace });
    assert.deepEqual(await names(), []);
  });

  it('streams events in order, bookmarks on request, ends at timeoutSeconds and sends ERROR 410 for expired versions', async () => {
    const start = server.resourceVersion();
    const log = new EventLog();
    const watch = new k8s.Watch(kc);
    await watch.watch(
      path,
      { resourceVersion: start, allowWatchBookmarks: true, timeoutSeconds: 1 },
      (type, object) => log.push(`${type} ${object.metadata.name ?? object.metadata.resourceVersion}`),
      () => log.push('done'),
    );
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'w' } } });
    await core.patchNamespacedConfigMap(
      { name: 'w', namespace, body: { data: { k: 'v' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'w', namespace });
    server.sendBookmarks();
    await log.until('done');
    const revision = server.resourceVersion();
    assert.deepEqual(log.entries, [
      'ADDED w',
      'MODIFIED w',
      'DELETED w',
      `BOOKMARK ${revision}`,
      `BOOKMARK ${revision}`,
      'done',
    ]);

    server.compactHistory();
    const expired = new EventLog();
    let status: { code?: number; reason?: string } = {};
    await watch.watch(
      path,
      { resourceVersion: start },
      (type, object) => {
        expired.push(type);
        status = object;
      },
      () => expired.push('done'),
    );
    await expired.until('done');
    assert.deepEqual(expired.entries, ['ERROR', 'done']);
    assert.deepEqual([status.code, status.reason], [410, 'Expired']);
  });

  it('an informer re-watches after a clean drop, relists after 410 without losing updates, and stops on other errors', async () => {
    const log = new EventLog();
    const errors: unknown[] = [];
    const informer = k8s.makeInformer(kc, path, () => core.listNamespacedConfigMap({ namespace }));
    informer.on('add', (object) => log.push(`add ${object.metadata!.name}`));
    informer.on('update', (object) => log.push(`update ${object.metadata!.name}`));
    informer.on('delete', (object) => log.push(`delete ${object.metadata!.name}`));
    informer.on('error', (error) => {
      errors.push(error);
      log.push(`error ${errors.length}`);
    });
    await informer.start();
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'a' } } });
    await log.until('add a');
    const lists = countRequests(false);

    // A clean end of the stream: client-node re-watches from its last resourceVersion, no relist.
    const watches = countRequests(true);
    await server.untilWatching();
    server.dropWatches('end');
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'b' } } });
    await log.until('add b');
    assert.equal(countRequests(false), lists);
    assert.ok(countRequests(true) > watches);

    // History compacted past the informer's resourceVersion: ERROR 410 on re-watch, then a full relist.
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'elsewhere' } } });
    server.compactHistory();
    await server.untilWatching();
    server.dropWatches('end');
    await core.deleteNamespacedConfigMap({ name: 'a', namespace });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'c' } } });
    await log.until('delete a', 'add c');
    assert.equal(countRequests(false), lists + 1);
    assert.deepEqual(
      informer
        .list(namespace)
        .map((object) => object.metadata!.name)
        .sort(),
      ['b', 'c'],
    );
    assert.deepEqual(errors, []);

    // A reset connection is an error, after which the informer does not reconnect by itself.
    await server.untilWatching();
    server.dropWatches('reset');
    await log.until('error 1');
    assert.match(String(errors[0]), /terminated/);
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'd' } } });
    assert.equal(server.openWatches(), 0);
    assert.equal(informer.get('d', namespace), undefined);

    // Restarted by hand it relists; a watch answered 500 is an error too (the status text, not the Status body).
    await informer.start();
    await log.until('add d');
    await server.untilWatching();
    server.injectFailure({ path: new RegExp(`^${path}\\?.*watch=true`), code: 500 });
    server.dropWatches('end');
    await log.until('error 2');
    const watchError = errors[1] as { statusCode?: number; message?: string };
    assert.deepEqual([watchError.statusCode, watchError.message], [500, 'Internal Server Error']);
    assert.equal(server.openWatches(), 0);
    await informer.stop();
  });
  it("turns objects entering and leaving a watch's label selection into ADDED and DELETED", async () => {
    const log = new EventLog();
    const controller = await new k8s.Watch(kc).watch(
      path,
      { resourceVersion: server.resourceVersion(), labelSelector: 'app=web' },
      (type, object) => log.push(`${type} ${object.metadata.labels.app}`),
      () => log.push('done'),
    );
    const relabel = (app: string) =>
      core.patchNamespacedConfigMap(
        { name: 'moving', namespace, body: { metadata: { labels: { app } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'moving', labels: { app: 'web' } } } });
    await relabel('api');
    await relabel('web');
    await log.untilLength(3);
    controller.abort();
    await log.until('done');
    assert.deepEqual(log.entries.slice(0, 3), ['ADDED web', 'DELETED api', 'ADDED web']);
  });

  it('an informer whose list fails emits error and opens no watch', async () => {
    const errors: { code?: number }[] = [];
    const informer = k8s.makeInformer(kc, path, () => core.listNamespacedConfigMap({ namespace }));
    const failed = new Promise<void>((resolve) =>
      informer.on('error', (error) => {
        errors.push(error);
        resolve();
      }),
    );
    server.injectFailure({ path, method: 'GET', code: 500 });
    await informer.start();
    await failed;
    assert.equal(errors[0].code, 500);
    assert.equal(server.openWatches(), 0);
  });
});
