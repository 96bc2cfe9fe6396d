import type { INestApplication } from '@nestjs/common';

/** Starts `app` on a free port of 127.0.0.1 and returns its base URL (as IPv4, whatever `getUrl()` reports). */
export async function listenOnLoopback(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

/** The HTTP adapters every guard spec runs its cases on. */
export const ADAPTERS = ['fastify', 'express'] as const;

/** One HTTP adapter of {@link ADAPTERS}. */
export type AdapterName = (typeof ADAPTERS)[number];

/** GETs `path` with an optional Authorization header: status, `WWW-Authenticate` challenge and JSON body. */
export async function get(base: string, path: string, authorization?: string) {
  const res = await fetch(`${base}${path}`, { headers: authorization ? { authorization } : {} });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body };
}

/**
 * The `resource_metadata` parameter (RFC 9728 §5.1) every challenge of an app at `base` carries: the URL of its
 * Protected Resource Metadata at the origin the request was sent to.
 */
export function metadataOf(base: string): string {
  return `resource_metadata="${new URL(base).origin}/.well-known/oauth-protected-resource"`;
}
