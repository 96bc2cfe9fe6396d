// nest-keycloak-s2s/testing: a local identity provider (JWKS, token, introspection and exchange endpoints) that
// signs tokens as Keycloak does, so guarded routes can be tested without a Keycloak, and the clock the library
// reads (override KEYCLOAK_CLOCK with a TestClock to drive expiry).
export { LOCAL_IDP_DEFAULT_CLAIMS, LOCAL_IDP_DEFAULT_MODULE_OPTIONS, LocalIdp, TestClock } from './local-idp';
export type {
  Answer,
  AnswerValue,
  Behaviour,
  Endpoint,
  IssueOptions,
  LocalIdpOptions,
  SigningKey,
} from './local-idp';
export { KEYCLOAK_CLOCK } from '../core/constants';
export type { Clock } from '../core/clock';
