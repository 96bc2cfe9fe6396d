/** JWS algorithms the library accepts for signatures it checks: asymmetric only (never `none` or HS*). */
export const ASYMMETRIC_ALGORITHM = /^(RS|PS|ES)(256|384|512)$|^EdDSA$/;
