export { ApiError, defaultCode, type ErrorBody } from './api-error';
export { ApiExceptionFilter } from './api-exception.filter';
export { createServiceApp, listen, type ServiceAppOptions } from './bootstrap';
export { setupDocs, type DocsOptions } from './docs';
export { createValidationPipe } from './validation';
export { isPathId, ParseIdPipe } from './parse-id.pipe';
export { ErrorResponseDto } from './error-response.dto';
export { BODY_SHAPE_LIMITS, BodyLimit, bodyShapeProblem, DEFAULT_BODY_LIMIT_BYTES } from './body-parsing';
export { sendErrorBody } from './pre-route-errors';
