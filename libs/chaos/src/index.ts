/**
 * @food-delivery/chaos: the fault-injection control plane every service mounts.
 *
 *   imports: [ChaosModule.forRoot()]                                // delay + error
 *   imports: [ChaosModule.forRoot({ knobs: ['inventory_delay'] })]  // + POST /chaos/inventory_delay
 *   imports: [ChaosModule.forRoot({ knobs: ['payment_fail'] })]     // + POST /chaos/payment_fail
 *
 * HTTP: GET /chaos, DELETE /chaos, POST /chaos/delay, POST /chaos/error and the opted-in knobs. Delay and error
 * apply to every request except /chaos*, /health*, /metrics, /docs*, /redoc, without any service code.
 *
 * Service code uses only ChaosService:
 *   const waitedMs = await chaos.applyInventoryDelay(); // restaurant: inside the locking transaction
 *   if (chaos.shouldFailPayment()) { ...fail the payment... }  // order
 *
 * Env (BaseEnv): CHAOS_ENABLED, CHAOS_API_KEY, CHAOS_MAX_TTL_S, CHAOS_SYNC_INTERVAL_MS.
 */
export { ChaosModule, type ChaosModuleOptions } from './chaos.module';
export { ChaosService } from './chaos.service';
export { FAULT_TYPES, type FaultType, type ServiceKnob } from './faults';
export { CHAOS_DOCS_TAG } from './docs';
