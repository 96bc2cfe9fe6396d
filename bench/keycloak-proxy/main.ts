// The counting proxy in a process of its own, so that forwarding Keycloak calls does not share an event loop with
// the load generator. Started by KeycloakProxyProcess; answers its count requests over the IPC channel.
import { startCountingProxy } from './counting-proxy';
import type { ProxyReply, ProxyRequest } from './proxy-process';

async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target || !process.send)
    throw new Error('usage: fork(keycloak-proxy/main.ts, [keycloakUrl, --keep-host?]) with IPC');
  const proxy = await startCountingProxy(target, { keepHost: process.argv[3] === '--keep-host' });
  const reply = (message: ProxyReply) => process.send?.(message);
  process.on('message', (message: ProxyRequest) => {
    if (message.type === 'counts') reply({ type: 'counts', id: message.id, counts: proxy.counts() });
    if (message.type === 'down') {
      proxy.setDown(message.down);
      reply({ type: 'down', id: message.id });
    }
  });
  // The parent going away (normally or not) ends the proxy too.
  process.on('disconnect', () => void proxy.stop().then(() => process.exit(0)));
  reply({ type: 'ready', url: proxy.url });
}

main().catch((error: Error) => {
  console.error(`keycloak proxy: ${error.message}`);
  process.exit(1);
});
