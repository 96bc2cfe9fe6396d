/**
 * Injection token of the running service's {@link ServiceDefinition}, provided by the runtime's root module to the
 * whole app (readiness and the next-hop client read its `nextHop`).
 */
export const SERVICE_DEFINITION = Symbol('SERVICE_DEFINITION');
