export { DependencyError, type DependencyFailure } from './dependency-error';
export {
  DownstreamClient,
  type DownstreamOptions,
  type DownstreamRequest,
  type DownstreamResponse,
} from './downstream-client';
