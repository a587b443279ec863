import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { BaseEnv } from '@food-delivery/config';
import { ChaosAccessGuard } from './chaos-access.guard';
import { ChaosHttpHook } from './chaos-http.hook';
import { CHAOS_OPTIONS, ChaosState, type ResolvedChaosOptions } from './chaos-state';
import { ChaosTelemetry } from './chaos-telemetry';
import { ChaosController, knobController } from './chaos.controller';
import { ChaosService } from './chaos.service';
import type { AnyChaosKnob } from './knob';
import { delayKnob, errorKnob } from './knobs/request-faults.knob';

export interface ChaosModuleOptions {
  /**
   * Knobs besides delay and error, each defined by the lib or service that owns it (one file per knob), e.g.
   * the restaurant's inventory_delay or the order service's payment_fail.
   */
  knobs?: AnyChaosKnob[];
}

/** Knobs every service has: applied to every request by ChaosHttpHook. */
export const REQUEST_KNOBS: readonly AnyChaosKnob[] = [delayKnob, errorKnob];

const KNOB_NAME = /^[a-z][a-z0-9_]{0,39}$/;

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
 * The chaos control plane of a service: GET/DELETE /chaos, POST /chaos/<knob> for every registered knob, the
 * request hooks and ChaosService. Import once in the root module, after EnvModule (BaseEnv, SERVICE_NAME) and
 * RedisModule (without Redis, faults stay local to the replica).
 */
@Module({})
export class ChaosModule {
  static forRoot(options: ChaosModuleOptions = {}): DynamicModule {
    const knobs = [...REQUEST_KNOBS, ...(options.knobs ?? [])];
    const names = new Set<string>();
    for (const knob of knobs) {
      if (!KNOB_NAME.test(knob.name)) throw new Error(`Invalid chaos knob name "${knob.name}"`);
      if (names.has(knob.name)) throw new Error(`Chaos knob "${knob.name}" is registered twice`);
      names.add(knob.name);
    }
    const resolved: ResolvedChaosOptions = { knobs };
    const controllers = [ChaosController, ...knobs.map(knobController)].map(perApp);
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
