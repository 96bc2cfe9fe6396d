const exchangedTokens = new WeakMap<object, string>();

/** Stores the exchanged token of a request; kept off the request object so no logger can print it. */
export function rememberExchangedToken(request: object, token: string): void {
  exchangedTokens.set(request, token);
}

/** The token exchanged for `request`, if any. */
export function exchangedTokenOf(request: object): string | undefined {
  return exchangedTokens.get(request);
}
