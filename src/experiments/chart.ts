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
