import { PrescaleError } from '../core/index.js';
import type { RegisterCommand } from './run.js';

/**
 * `prescale demo`: one command, no cluster. A demo service replays the bundled trace at `--speed`× on a
 * simulated Deployment; Prometheus (the installed one, else an embedded scrape) scrapes it every second; the real
 * service (`prescale serve`'s, with its UI) forecasts and plans it, and the demo's HPA scales the Deployment to
 * the published value. Ctrl-C stops all of it.
 */
export const registerDemo: RegisterCommand = (program, run) => {
  program
    .command('demo')
    .description(
      'a live demo without a cluster: the bundled NASA trace replayed on a simulated Deployment, Prometheus, and the service with its UI',
    )
    .option('--speed <n>', 'trace minutes per real minute (60: an hour of trace a minute)', '60')
    .option('--listen <host:port>', "the service's API and UI", '127.0.0.1:8080')
    .option('--embedded-prometheus', 'scrape in-process even when Prometheus is installed')
    .option('--log-level <level>', "the service's log on stderr: debug, info, warn or error", 'warn')
    .option(
      '--app-only <prescale-url>',
      'run only the demo app, its /metrics on --listen, scaled to what the Prescale at this URL publishes (docker-compose.yml)',
    )
    .action(
      run(async (opts: DemoFlags) => {
        const speed = Number(opts.speed);
        if (!Number.isFinite(speed) || speed <= 0 || speed > 3600) {
          throw new PrescaleError('invalid-input', `--speed: "${opts.speed}" is not a number in (0, 3600]; try 60`, {
            field: '--speed',
          });
        }
        const stopRequested = new AbortController();
        const requestStop = () => stopRequested.abort();
        process.once('SIGINT', requestStop);
        process.once('SIGTERM', requestStop);
        if (opts.appOnly !== undefined) {
          const { startDemoApp } = await import('./demo-run.js'); // as below: loaded only when run
          const app = await startDemoApp({ speed, listen: opts.listen, prescaleUrl: opts.appOnly });
          process.stdout.write(`prescale demo: the demo app at ${app.metricsUrl}, following ${opts.appOnly}\n`);
          if (!stopRequested.signal.aborted) {
            await new Promise((done) => stopRequested.signal.addEventListener('abort', done, { once: true }));
          }
          await app.stop();
          return;
        }
        // Loaded here, not at CLI start: the demo brings the service, its models and the simulator.
        const [{ pino }, { startDemo }] = await Promise.all([import('pino'), import('./demo-run.js')]);
        const logger = pino({ level: opts.logLevel, base: { service: 'prescale' } }, pino.destination(2));
        // A Ctrl-C while it starts (a few seconds) is honoured once it has started: nothing is left behind.
        const demo = await startDemo({
          speed,
          listen: opts.listen,
          embeddedPrometheus: opts.embeddedPrometheus === true,
          logger,
        });
        const prometheusLine =
          demo.prometheus.kind === 'prometheus'
            ? `${demo.prometheus.url} (prometheus)`
            : `${demo.prometheus.url} (embedded scrape; install Debian's prometheus to use the real one)`;
        process.stdout.write(
          [
            `prescale demo: the NASA July 1995 trace at ${speed}x on a simulated Deployment`,
            `  UI:          ${demo.uiUrl}`,
            `  API:         ${demo.apiUrl}/v1/workloads`,
            `  Prometheus:  ${prometheusLine}`,
            `  demo app:    ${demo.demoMetricsUrl}`,
            'Ctrl-C stops everything.',
            '',
          ].join('\n'),
        );
        if (!stopRequested.signal.aborted) {
          await new Promise((done) => stopRequested.signal.addEventListener('abort', done, { once: true }));
        }
        process.stdout.write('prescale demo: stopping\n');
        await demo.stop();
        process.stdout.write('prescale demo: stopped\n');
      }),
    );
};

interface DemoFlags {
  speed: string;
  listen: string;
  embeddedPrometheus?: true;
  logLevel: string;
  appOnly?: string;
}
