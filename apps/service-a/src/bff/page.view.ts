import type { Hop } from '@app/chain';
import type { ApprovalResult, ChainResult } from '../chain.service';
import type { SessionUser } from './session.store';

/** What the page shows: who is logged in, and the outcome of the last call (a result or a readable error). */
export interface PageModel {
  user?: SessionUser;
  result?: { heading: string; chain: ChainResult };
  /** service-b's approval of the demo order (a permission Keycloak decided). */
  approval?: { heading: string; answer: ApprovalResult };
  error?: { heading: string; message: string };
}

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const e = escapeHtml;

/** The page's stylesheet, served by service-a itself (the Content-Security-Policy allows no inline style). */
export const PAGE_CSS = `
:root { font-family: system-ui, sans-serif; color: #1f2933; background: #f5f7fa; }
body { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .25rem; }
.lead { color: #52606d; margin-top: 0; }
.bar { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; margin: 1.5rem 0; }
.bar form { margin: 0; }
button, .button { font: inherit; padding: .5rem 1rem; border-radius: .375rem; border: 1px solid #3e4c59;
  background: #fff; color: #1f2933; cursor: pointer; text-decoration: none; display: inline-block; }
button.primary, .button.primary { background: #2f6fde; border-color: #2f6fde; color: #fff; }
.who { margin-left: auto; color: #52606d; }
section { background: #fff; border: 1px solid #d9e2ec; border-radius: .5rem; padding: 1rem 1.25rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
tbody th { white-space: nowrap; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
td code { font-size: .8rem; word-break: break-all; }
.error { border-color: #e12d39; background: #ffe3e3; }
.error h2 { color: #ab091e; }
h2 { font-size: 1.1rem; margin-top: 0; }
`;

function hopRow(hop: Hop): string {
  const expires = new Date(hop.exp * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const cell = (claim: string, value: string, code = false) =>
    `<td data-claim="${claim}">${code ? `<code>${e(value)}</code>` : e(value)}</td>`;
  return `<tr data-hop="${e(hop.service)}">
      <th scope="row">${e(hop.service)}</th>
      ${cell('azp', hop.azp)}
      ${cell('sub', hop.sub, true)}
      ${cell('preferred_username', hop.preferred_username ?? '—')}
      ${cell('aud', hop.aud.join(', '))}
      ${cell('scope', hop.scope)}
      ${cell('exp', expires)}
    </tr>`;
}

function resultSection(result: NonNullable<PageModel['result']>): string {
  const { chain } = result;
  return `<section id="result" aria-live="polite">
    <h2>${e(result.heading)}</h2>
    <p id="service-b-answer">service-b: ${e(chain.service_b)}</p>
    <p id="service-c-answer">service-c: result <strong>${e(String(chain.service_c.result))}</strong> — ${e(chain.service_c.msg)}</p>
    <table id="hops">
      <caption>What each service saw of its caller's token (claims only, never the token)</caption>
      <thead><tr><th scope="col">Hop</th><th scope="col">Caller (azp)</th><th scope="col">Subject (sub)</th>
        <th scope="col">User</th><th scope="col">Audience</th><th scope="col">Scope</th><th scope="col">Expires</th></tr></thead>
      <tbody>${chain.hops.map(hopRow).join('')}</tbody>
    </table>
  </section>`;
}

function approvalSection(approval: NonNullable<PageModel['approval']>): string {
  return `<section id="approval" aria-live="polite">
    <h2>${e(approval.heading)}</h2>
    <p id="approval-answer">service-b: ${e(approval.answer.service_b)} (Keycloak granted <code>order#approve</code>)</p>
  </section>`;
}

function errorSection(error: NonNullable<PageModel['error']>): string {
  return `<section id="error" class="error" role="alert">
    <h2>${e(error.heading)}</h2>
    <p>${e(error.message)}</p>
  </section>`;
}

/** The whole page, server-rendered; every dynamic value is escaped. */
export function renderPage(model: PageModel): string {
  const user = model.user;
  const userControls = user
    ? `<form method="post" action="/ui/call-service-b-as-user">
        <button type="submit" class="primary" id="call-as-user">Call Service B as ${e(user.username)}</button>
      </form>
      <form method="post" action="/ui/approve-order-as-user">
        <button type="submit" id="approve-as-user">Approve order as ${e(user.username)}</button>
      </form>
      <form method="post" action="/auth/logout"><button type="submit" id="logout">Log out</button></form>
      <span class="who" id="who">Logged in as <strong>${e(user.name ?? user.username)}</strong> (${e(user.username)})</span>`
    : `<a class="button" id="login" href="/auth/login">Log in</a>
      <span class="who" id="who">Not logged in</span>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>keycloak-s2s · service-a</title>
  <link rel="stylesheet" href="/assets/page.css">
</head>
<body>
  <header>
    <h1>keycloak-s2s · service-a</h1>
    <p class="lead">service-a calls service-b, which exchanges the token (RFC 8693) and calls service-c — as
      service-a itself (client credentials) or on behalf of the logged-in user.</p>
  </header>
  <div class="bar">
    <form method="post" action="/ui/call-service-b">
      <button type="submit" id="call-service-b">Call Service B</button>
    </form>
    <form method="post" action="/ui/approve-order">
      <button type="submit" id="approve-order">Approve order as service-a</button>
    </form>
    ${userControls}
  </div>
  ${model.error ? errorSection(model.error) : ''}
  ${model.result ? resultSection(model.result) : ''}
  ${model.approval ? approvalSection(model.approval) : ''}
</body>
</html>
`;
}
