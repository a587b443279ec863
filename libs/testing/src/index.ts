export { request, type JsonResponse } from './http-client';
export { createTestStack, stackSecrets, type RunningService, type TestStack } from './service-harness';
export { reapWithTestProcess, type ReapOptions } from './child-reaper';
export { freePort, startServiceProcess, type ServiceProcess } from './service-process';
export { startTrafficProcess, sumOf, type TrafficProcess, type TrafficStateBase } from './traffic-process';
export { TcpProxy, viaProxy } from './tcp-proxy';
export { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './test-database';
export { createTestRedisNamespace, TEST_REDIS_URL, type TestRedisNamespace } from './test-redis';
export { timed, waitFor } from './wait-for';
export { createTestTokens, type TestTokens } from './test-tokens';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
export { listenBacklog } from './listen-backlog';
export { createRemotePeer, remotePeerUnavailable, type RemotePeer, type RemoteResponse } from './remote-peer';
export {
  hostileRequest,
  operationsOf,
  type FuzzContext,
  type FuzzOperation,
  type FuzzRequest,
  type OpenApiDocument,
} from './openapi-fuzz';
export { ownerEntryCovers, readOwnerTable, UNDOCUMENTED_OPERATIONS, type OwnerRow } from './owner-table';
