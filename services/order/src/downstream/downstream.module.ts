import { Module } from '@nestjs/common';
import { Downstreams } from './downstreams';
import { RestaurantServiceClient } from './restaurant-service.client';
import { ServiceTokenProvider } from './service-token.provider';
import { UserServiceClient } from './user-service.client';

/** The clients of the user and restaurant services, and the service token for background calls. */
@Module({
  providers: [Downstreams, ServiceTokenProvider, UserServiceClient, RestaurantServiceClient],
  exports: [Downstreams, ServiceTokenProvider, UserServiceClient, RestaurantServiceClient],
})
export class DownstreamModule {}
