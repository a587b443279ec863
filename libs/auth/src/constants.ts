/** Tokens are RS256-signed by the user service only; everybody else verifies with its public key. */
export const JWT_ALGORITHM = 'RS256';
export const JWT_ISSUER = 'food-delivery/user-service';
export const JWT_AUDIENCE = 'food-delivery';
export const IS_PUBLIC_KEY = 'auth:isPublic';
/** `sub` of tokens that services get with client credentials: "service:<client_id>". */
export const SERVICE_SUBJECT_PREFIX = 'service:';
