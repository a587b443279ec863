// Decorator metadata (env classes, DTOs) needs the Reflect polyfill before any decorated class loads.
import 'reflect-metadata';
export { BaseEnv, isLoopbackHost, toBoolean } from './base-env';
export { EnvModule, SERVICE_NAME } from './env.module';
export { EnvValidationError, validateEnv } from './validate-env';
