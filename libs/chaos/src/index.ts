/**
 * @food-delivery/chaos: the fault-injection control plane every service mounts.
 *
 *   imports: [ChaosModule.forRoot()]                              // delay + error
 *   imports: [ChaosModule.forRoot({ knobs: [paymentFailKnob] })]  // + POST /chaos/payment_fail
 *
 * The library keeps the mechanism (state shared by replicas through Redis, TTL, instance targeting, the HTTP
 * API with validation and Swagger, telemetry, operator protection). Each knob is one definition (defineKnob:
 * name, body DTO with bounds, how a body becomes settings, what runs while it is in force) owned by the lib or
 * service it belongs to, and passed to forRoot. Owners read their knob with ChaosService.active(name).
 *
 * HTTP: GET /chaos (faults + catalogue of knobs with their JSON schema), DELETE /chaos, POST /chaos/<knob>.
 * Delay, error and hang apply to every request except the operational paths (/chaos, /health, /metrics, /docs, /redoc).
 *
 * Env (BaseEnv): CHAOS_ENABLED, CHAOS_API_KEY, CHAOS_MAX_TTL_S, CHAOS_SYNC_INTERVAL_MS.
 */
export { ChaosModule, REQUEST_KNOBS, type ChaosModuleOptions } from './chaos.module';
export { ChaosService } from './chaos.service';
export { CHAOS_LIMITS, roll, type Fault } from './faults';
export {
  covers,
  defineKnob,
  describeMatch,
  isIntIn,
  isNumberIn,
  parseMatch,
  type AnyChaosKnob,
  type ChaosKnob,
  type FaultMatch,
  type KnobRequest,
  type KnobRuntime,
} from './knob';
export { ChaosMatchDto, DelayMs, Instance, Match, Percent, TtlS } from './dto/chaos-requests.dto';
export { isChaosExempt } from './chaos-http.hook';
export { processKnobs, type ProcessKnobLimits } from './knobs/process.knobs';
export {
  ChaosDependencyDto,
  dependencyKnob,
  type DependencyFaultOutcome,
  type DependencySettings,
} from './knobs/dependency.knob';
export { ChaosHangDto, hangKnob, type HangKnobLimits, type HangSettings } from './knobs/hang.knob';
export {
  cacheFailureKnob,
  cacheFaultFor,
  ChaosCacheFailureDto,
  type CacheFailureMode,
  type CacheFailureSettings,
} from './knobs/cache-failure.knob';
export { matchesRequest, requestTargets, tokenUserId, type RequestTargets } from './request-targets';
export { CHAOS_DOCS_TAG } from './docs';
