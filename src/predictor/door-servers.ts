import type { ServiceConfig } from '../config/service.js';
import { readNamedFile } from '../core/named-file.js';
import { ExternalMetricsServer, type GrpcCall, type HttpRequest, KedaScaler } from '../executor/index.js';

/** Starts the KEDA external scaler as `keda` configures it (TLS files read here; errors name their field). */
export async function startKedaDoor(
  config: ServiceConfig['keda'],
  observeCall: (call: GrpcCall) => void,
): Promise<KedaScaler> {
  const tls = config.tls;
  return KedaScaler.start({
    listen: config.listen,
    observeCall,
    tls:
      tls === null
        ? undefined
        : {
            cert: await readConfigured(tls.certFile, 'keda.tls.certFile'),
            key: await readConfigured(tls.keyFile, 'keda.tls.keyFile'),
            clientCa:
              tls.clientCaFile === null ? undefined : await readConfigured(tls.clientCaFile, 'keda.tls.clientCaFile'),
          },
  });
}

/** Starts the External Metrics API server as `externalMetrics` configures it (certificates read here). */
export async function startExternalMetricsDoor(
  config: ServiceConfig['externalMetrics'],
  observeRequest: (request: HttpRequest) => void,
): Promise<ExternalMetricsServer> {
  return ExternalMetricsServer.start({
    listen: config.listen,
    cert: await readConfigured(config.certFile, 'externalMetrics.certFile'),
    key: await readConfigured(config.keyFile, 'externalMetrics.keyFile'),
    requestheaderClientCa:
      config.requestheaderClientCaFile === null
        ? undefined
        : await readConfigured(config.requestheaderClientCaFile, 'externalMetrics.requestheaderClientCaFile'),
    requestheaderAllowedNames: config.requestheaderAllowedNames,
    observeRequest,
  });
}

/** Reads a file the config names; the error names the config field. */
export function readConfigured(path: string, field: string): Promise<Buffer> {
  return readNamedFile(path, { field, fix: 'check the path and mount' });
}
