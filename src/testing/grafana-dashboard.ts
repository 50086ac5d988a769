/**
 * Reading a Grafana dashboard's JSON model as Grafana would run it against Prometheus: every query of every panel
 * (rows' own panels included) and of every annotation, with template variables substituted.
 */

/** One PromQL query of a dashboard. */
export interface DashboardQuery {
  /** `panel "Title" / A` or `annotation "Name"`, for messages. */
  readonly where: string;
  readonly expr: string;
  /** An instant query (a stat): evaluated at one time; otherwise over the time range. */
  readonly instant: boolean;
  readonly datasourceUid: string | undefined;
}

interface PanelLike {
  readonly title?: string;
  readonly datasource?: { uid?: string };
  readonly targets?: readonly { refId?: string; expr?: string; instant?: boolean; datasource?: { uid?: string } }[];
  readonly panels?: readonly PanelLike[];
}

interface DashboardLike {
  readonly panels?: readonly unknown[];
  readonly annotations?: { list?: readonly { name?: string; expr?: string; datasource?: { uid?: string } }[] };
}

export function dashboardQueries(dashboard: DashboardLike): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  const walk = (panels: readonly PanelLike[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr === undefined) continue;
        queries.push({
          where: `panel "${panel.title}" / ${target.refId}`,
          expr: target.expr,
          instant: target.instant === true,
          datasourceUid: target.datasource?.uid ?? panel.datasource?.uid,
        });
      }
      walk(panel.panels ?? []);
    }
  };
  walk((dashboard.panels ?? []) as PanelLike[]);
  for (const annotation of dashboard.annotations?.list ?? []) {
    if (annotation.expr === undefined) continue;
    queries.push({
      where: `annotation "${annotation.name}"`,
      expr: annotation.expr,
      instant: false,
      datasourceUid: annotation.datasource?.uid,
    });
  }
  return queries;
}

/**
 * Replaces `$name` and `${name}` as Grafana does, built-ins (`__rate_interval`, `__range`, …) included; a variable
 * without a value fails, so a misspelt one cannot pass unnoticed.
 */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`${match} in ${expr}: no value for the variable ${name}`);
    return value;
  });
}
