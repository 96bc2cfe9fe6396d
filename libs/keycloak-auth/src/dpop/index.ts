// nest-keycloak-s2s/dpop: DPoP (RFC 9449) for a route and for this service's own calls.
export { Dpop } from './dpop.decorator';
export type { DpopOptions, DpopPolicy } from './dpop.options';
export { DpopProofMaker } from './dpop-proof.maker';
export type { DpopKeyPair, DpopRequestHeaders } from './dpop-proof.maker';
export { InvalidDpopProofError } from '../core/errors';
export { DPOP_KEY } from '../keycloak-auth.constants';
