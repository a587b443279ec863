import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { BaseEnv } from '@food-delivery/config';
import { ChaosAccessGuard } from './chaos-access.guard';
import { ChaosHttpHook } from './chaos-http.hook';
import { CHAOS_OPTIONS, ChaosState, type ResolvedChaosOptions } from './chaos-state';
import { ChaosTelemetry } from './chaos-telemetry';
import {
  ChaosController,
  InventoryDelayChaosController,
  PaymentFailChaosController,
} from './chaos.controller';
import { ChaosService } from './chaos.service';
import { GENERIC_KNOBS, SERVICE_KNOBS, type ServiceKnob } from './faults';

export interface ChaosModuleOptions {
  /** Service-specific knobs to offer besides delay and error: 'inventory_delay' (restaurant), 'payment_fail' (order). */
  knobs?: ServiceKnob[];
}

const KNOB_CONTROLLERS: Record<ServiceKnob, Type> = {
  inventory_delay: InventoryDelayChaosController,
  payment_fail: PaymentFailChaosController,
};

const HIDE_FROM_DOCS = Symbol('CHAOS_HIDE_FROM_DOCS');

/**
 * A subclass per forRoot() call. With CHAOS_ENABLED=false the endpoints are hidden from the app's docs by
 * marking the class; a fresh class keeps that from leaking into another app of the same process (tests run
 * several). Nest and Swagger read routes and metadata through the prototype chain.
 */
function perApp(base: Type): Type {
  const controller = class extends base {};
  Object.defineProperty(controller, 'name', { value: base.name });
  return controller;
}

/**
 * The chaos control plane of a service: GET/DELETE /chaos, POST /chaos/<knob>, the request hooks and
 * ChaosService. Import once in the root module, after EnvModule (BaseEnv, SERVICE_NAME) and RedisModule
 * (without Redis, faults stay local to the replica).
 */
@Module({})
export class ChaosModule {
  static forRoot(options: ChaosModuleOptions = {}): DynamicModule {
    for (const knob of options.knobs ?? []) {
      if (!SERVICE_KNOBS.includes(knob)) throw new Error(`Unknown chaos knob "${String(knob)}"`);
    }
    const serviceKnobs = SERVICE_KNOBS.filter((knob) => options.knobs?.includes(knob));
    const resolved: ResolvedChaosOptions = { knobs: [...GENERIC_KNOBS, ...serviceKnobs] };
    const controllers = [ChaosController, ...serviceKnobs.map((knob) => KNOB_CONTROLLERS[knob])].map(perApp);
    return {
      module: ChaosModule,
      global: true,
      controllers,
      providers: [
        { provide: CHAOS_OPTIONS, useValue: resolved },
        {
          // Instantiated with the app, before its Swagger document is built.
          provide: HIDE_FROM_DOCS,
          inject: [BaseEnv],
          useFactory: (env: BaseEnv) => {
            if (!env.CHAOS_ENABLED) for (const controller of controllers) ApiExcludeController()(controller);
            return !env.CHAOS_ENABLED;
          },
        },
        ChaosTelemetry,
        ChaosState,
        ChaosService,
        ChaosHttpHook,
        ChaosAccessGuard,
      ],
      exports: [ChaosService],
    };
  }
}
