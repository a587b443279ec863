export { HealthController } from './health.controller';
export { HealthModule } from './health.module';
export { ChaosReadinessFailDto, readinessFailKnob } from './readiness-fail.knob';
