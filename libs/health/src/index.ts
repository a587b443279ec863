export { HealthController } from './health.controller';
export { HealthModule } from './health.module';
