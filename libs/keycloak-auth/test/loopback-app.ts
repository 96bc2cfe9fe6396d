import type { INestApplication } from '@nestjs/common';

/** Starts `app` on a free port of 127.0.0.1 and returns its base URL (as IPv4, whatever `getUrl()` reports). */
export async function listenOnLoopback(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}
