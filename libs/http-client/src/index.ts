export { DependencyError, type DependencyFailure } from './dependency-error';
export {
  DownstreamClient,
  type DownstreamOptions,
  type DownstreamRequest,
  type DownstreamResponse,
  type InjectedFault,
} from './downstream-client';
