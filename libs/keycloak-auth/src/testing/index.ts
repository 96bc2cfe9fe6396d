// nest-keycloak-s2s/testing: a local identity provider (JWKS, token, introspection and exchange endpoints) that
// signs tokens as Keycloak does, so guarded routes can be tested without a Keycloak.
export { LocalIdp, TestClock } from './local-idp';
export type {
  Answer,
  AnswerValue,
  Behaviour,
  Endpoint,
  IssueOptions,
  LocalIdpOptions,
  SigningKey,
} from './local-idp';
