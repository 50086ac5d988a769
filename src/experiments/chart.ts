import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { PolicyName } from './policy-names.js';

/* What every chart of the report shares: the renderer, the policies' colours and HTML escaping. */

/** One colour per policy, the same in every chart. */
export const POLICY_COLORS: Record<PolicyName, string> = {
  hpa: '#d62728',
  'hpa-tuned': '#ff7f0e',
  prescale: '#1f77b4',
  oracle: '#2ca02c',
  'oracle-cost': '#9467bd',
  static: '#7f7f7f',
  rl: '#8c564b',
};

/** Renders a vega-lite spec to SVG on the server: no browser, no script in the report. */
export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Text made safe inside HTML. */
export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** The stylesheet of Prescale's HTML reports (experiment and EDA), inlined: a report opens offline. */
export const REPORT_STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px auto;max-width:980px;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:0}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:.9em}code{background:#f4f4f4;padding:1px 4px;border-radius:3px;font-size:.9em}
table{border-collapse:collapse;font-size:.85em;margin:12px 0;width:100%}th,td{border:1px solid #ddd;padding:4px 6px;text-align:right}
thead th{background:#f6f6f6;text-align:center}tbody th{text-align:left;white-space:nowrap}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
.verdict{padding:8px 12px;border-radius:4px}.holds{background:#e8f5e9}.fails{background:#fff3e0}
.bars{display:flex;gap:16px;flex-wrap:wrap}figure{margin:12px 0}figcaption{color:#555;font-size:.85em}
dl{font-size:.9em}dt{font-weight:600}dd{margin:0 0 6px 16px}
`;
