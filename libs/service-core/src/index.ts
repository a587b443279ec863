export {
  ServiceCoreModule,
  verifyTokensIssuedByUserService,
  type ServiceCoreOptions,
} from './service-core.module';
