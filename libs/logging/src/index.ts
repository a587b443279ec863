export { LoggingModule, REDACTED_PATHS } from './logging.module';
export { requestIdFrom } from './request-id';
export { activeTraceIds } from './trace-context';
export {
  REQUEST_TELEMETRY,
  requestTelemetry,
  setRequestTelemetry,
  type RequestTelemetry,
} from './request-telemetry';
export { installRequestLogging, skipRequestLine } from './request-logging';
export { operationalPathTest, type OperationalPathKind } from './operational-path';
