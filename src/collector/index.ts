/** Monitor stage: reading load series from trace files and Prometheus. */
export { readTraceFile, type TraceFile, type TraceFormat, writeTraceFile } from './trace-file.js';
