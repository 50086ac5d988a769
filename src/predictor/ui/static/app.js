// Prescale's built-in UI: one card per workload, refreshed from the service's JSON API every few seconds
// (`?refresh=<seconds>` changes it). uPlot is the global the page's classic script defines.
/* global uPlot */

const refreshSeconds = Number(new URLSearchParams(location.search).get('refresh') ?? '') || 2;
/** Each workload's card and its two charts, by `namespace/name`, so a refresh updates them in place. */
const cards = new Map();

const colors = { load: '#1f6feb', forecast: '#e8590c', band: 'rgba(232, 89, 12, 0.15)', reactive: '#8b949e' };

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatNumber(value, digits = 1) {
  return value === null || value === undefined ? '–' : Number(value).toFixed(digits);
}

function formatTime(seconds) {
  return seconds === null ? '–' : new Date(seconds * 1000).toLocaleTimeString();
}

function chartWidth(card) {
  return Math.max(320, card.root.clientWidth - 32);
}

function loadChart(target, width) {
  return new uPlot(
    {
      width,
      height: 220,
      series: [
        {},
        { label: 'load', stroke: colors.load, width: 2, spanGaps: true },
        { label: 'forecast', stroke: colors.forecast, width: 2, dash: [6, 4], spanGaps: true },
        { label: 'lower', stroke: colors.band, spanGaps: true },
        { label: 'upper', stroke: colors.band, spanGaps: true },
      ],
      bands: [{ series: [4, 3], fill: colors.band }],
      axes: [{}, { label: 'load' }],
    },
    [[], [], [], [], []],
    target,
  );
}

function replicasChart(target, width) {
  return new uPlot(
    {
      width,
      height: 180,
      series: [
        {},
        { label: 'desired (published)', stroke: colors.forecast, width: 2, paths: uPlot.paths.stepped({ align: 1 }) },
        { label: 'current', stroke: colors.load, width: 2, spanGaps: true, paths: uPlot.paths.stepped({ align: 1 }) },
        { label: 'reactive (HPA alone)', stroke: colors.reactive, dash: [4, 4], spanGaps: true },
      ],
      axes: [{}, { label: 'replicas' }],
      scales: { y: { range: (_u, min, max) => [0, Math.max(1, max ?? min ?? 1) + 1] } },
    },
    [[], [], [], []],
    target,
  );
}

function newCard(key) {
  const root = element('section', { class: 'workload', 'data-workload': key });
  const header = element('header');
  const title = element('h2', {}, key);
  const badge = element('span', { class: 'badge' });
  header.append(title, badge);
  const facts = element('dl', { class: 'facts' });
  const reason = element('p', { class: 'reason' });
  const loadBox = element('div', { class: 'chart load' });
  loadBox.append(element('h3', {}, 'Load vs forecast (band: prediction interval)'));
  const replicasBox = element('div', { class: 'chart replicas' });
  replicasBox.append(element('h3', {}, 'Replicas: desired, current, reactive'));
  const decisionsTitle = element('h3', {}, 'Decisions (newest first)');
  const decisions = element('table', { class: 'decisions' });
  root.append(header, facts, reason, loadBox, replicasBox, decisionsTitle, decisions);
  document.getElementById('workloads').append(root);
  const card = { root, badge, facts, reason, decisions, load: null, replicas: null };
  card.load = loadChart(loadBox, chartWidth(card));
  card.replicas = replicasChart(replicasBox, chartWidth(card));
  return card;
}

function setFacts(card, status) {
  const planning = status.accuracy.byHorizon.find((a) => a.h === status.accuracy.planningHorizonSteps);
  const model = status.model.current ?? `none (${status.model.problem ?? 'not fitted yet'})`;
  const rows = [
    ['published replicas', `${status.published.replicas} (${status.published.source})`],
    ['current replicas', formatNumber(status.data.replicas, 0)],
    ['reactive replicas', formatNumber(status.plan?.decision.reactiveReplicas ?? null, 0)],
    ['load now', formatNumber(status.data.load, 2)],
    ['model', status.model.configured === 'auto' ? `auto → ${model}` : model],
    [
      'rolling error',
      status.accuracy.rollingErrorPercent === null ? '–' : `${formatNumber(status.accuracy.rollingErrorPercent)} %`,
    ],
    ['interval coverage', planning?.coverage == null ? '–' : `${formatNumber(planning.coverage * 100, 0)} %`],
    ['mode', `${status.mode} · ${status.integration}`],
    ['last sync', formatTime(status.lastSyncSeconds)],
  ];
  card.facts.replaceChildren(
    ...rows.map(([name, value]) => {
      const row = element('div');
      row.append(element('dt', {}, name), element('dd', {}, value));
      return row;
    }),
  );
  card.badge.className = `badge ${status.fallback.active ? 'fallback' : 'ok'}`;
  card.badge.textContent = status.fallback.active ? 'fallback' : 'predictive';
  card.badge.title = status.fallback.summary;
  card.reason.textContent = status.fallback.active
    ? `${status.published.reason} — ${status.fallback.summary}`
    : status.published.reason;
}

function setDecisions(card, decisions) {
  const head = element('tr');
  for (const name of ['time', 'replicas', 'source', 'reason']) head.append(element('th', {}, name));
  const rows = decisions.map((d) => {
    const row = element('tr');
    row.append(
      element('td', {}, formatTime(d.timeSeconds)),
      element('td', {}, d.from === null || d.from === d.to ? `${d.to}` : `${d.from} → ${d.to}`),
      element('td', {}, d.fallbackActive ? `${d.source} (fallback)` : d.source),
      element('td', {}, d.reason),
    );
    return row;
  });
  card.decisions.replaceChildren(head, ...rows);
}

async function refresh() {
  const { workloads } = await getJson('/v1/workloads');
  const seen = new Set();
  for (const summary of workloads) {
    const key = `${summary.namespace}/${summary.name}`;
    seen.add(key);
    const query = `?namespace=${encodeURIComponent(summary.namespace)}`;
    const base = `/v1/workloads/${encodeURIComponent(summary.name)}`;
    const [status, history] = await Promise.all([getJson(base + query), getJson(`${base}/history${query}`)]);
    let card = cards.get(key);
    if (card === undefined) {
      card = newCard(key);
      cards.set(key, card);
    }
    setFacts(card, status);
    setDecisions(card, history.decisions);
    const l = history.load;
    card.load.setData([l.timesSeconds, l.observed, l.predicted, l.lower, l.upper]);
    const r = history.replicas;
    card.replicas.setData([r.timesSeconds, r.desired, r.current, r.reactive]);
  }
  for (const [key, card] of cards) {
    if (seen.has(key)) continue;
    card.load.destroy();
    card.replicas.destroy();
    card.root.remove();
    cards.delete(key);
  }
  document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes ?? 0) + 1);
}

async function loop() {
  const error = document.getElementById('error');
  try {
    await refresh();
    error.hidden = true;
    document.getElementById('updated').textContent =
      `${cards.size} workload${cards.size === 1 ? '' : 's'} · updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    // The service may be restarting: say so and keep trying.
    error.hidden = false;
    error.textContent = `cannot reach the Prescale API: ${e.message}`;
  }
  setTimeout(loop, refreshSeconds * 1000);
}

window.addEventListener('resize', () => {
  for (const card of cards.values()) {
    card.load.setSize({ width: chartWidth(card), height: 220 });
    card.replicas.setSize({ width: chartWidth(card), height: 180 });
  }
});

loop();
