export {
  ServiceCoreModule,
  verifyTokensIssuedByUserService,
  type ServiceCoreOptions,
} from './service-core.module';
export { PeriodicTask, type PeriodicTaskOptions } from './periodic-task';
