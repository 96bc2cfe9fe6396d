// nest-keycloak-s2s/redis: the state of the library's checks in Redis, shared by every replica of a service — the
// DPoP proofs already used (`dpop.replayStore`) and each caller's introspections this minute
// (`introspection.budgetStore`). Works with a client of @redis/client (an optional peer dependency: only this entry
// needs it, and only as the client an application creates and passes in).
export { RedisCounterStore, RedisReplayStore } from './redis/redis-stores';
export type { RedisCommandSender, RedisStoreOptions } from './redis/redis-stores';
export type { CounterStore, CounterWindow, ReplayStore } from './core/shared-state';
