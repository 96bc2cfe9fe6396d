// nest-keycloak-s2s/dpop: DPoP (RFC 9449) for a route and for this service's own calls.
export { Dpop } from './nest/dpop.decorator';
export type { DpopKeyAlgorithm, DpopOptions, DpopPolicy } from './config/dpop.options';
export { DpopProofMaker } from './client/dpop-proof.maker';
export type { DpopKeyPair, DpopRequestHeaders } from './client/dpop-proof.maker';
export { InvalidDpopProofError } from './core/errors';
export { DPOP_KEY } from './core/constants';
