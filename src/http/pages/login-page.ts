/** The sign-in page: paste an API token; POST /login (the auth middleware's) sets the session cookie. */
import { html } from 'hono/html';
import { alert, type FrameContext, page } from './layout.js';

/** Renders the login form. */
export function loginPage(ctx: FrameContext, next: string, problem?: string) {
  const body = html`<div class="login panel">
<h1>Sign in</h1>
<p class="sub">Paste an API token (<code>modelreg tokens create --name you --role approver</code>).</p>
${problem ? alert('error', 'Not signed in', problem) : ''}
<form method="post" action="/login">
  <input type="hidden" name="next" value="${next}">
  <label>Token<input type="password" name="token" required autocomplete="current-password" data-testid="token"></label>
  <button type="submit">Sign in</button>
</form></div>`;
  return page(ctx, 'Sign in', body);
}

/** An error page: the error's name, its message (which says the fix) and a way back. */
export function errorPage(ctx: FrameContext, name: string, message: string) {
  const body = html`<h1>Something is not right</h1><div data-testid="refusal">${alert('error', name, message)}</div><p><a href="/">← Back to models</a></p>`;
  return page(ctx, name, body);
}
