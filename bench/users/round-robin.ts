/**
 * Hands out `items` in turn, starting over after the last: each request of a load run gets the next user's token,
 * so that with n tokens every token is sent once in each n requests, whatever the number of connections.
 */
export function roundRobin<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new RangeError('round robin over no items');
  let next = 0;
  return () => {
    const item = items[next];
    next = (next + 1) % items.length;
    return item;
  };
}
