// Exchanges an API key for a session cookie (POST /v1/session). The key is sent once and not
// kept in the page; the cookie is HttpOnly.
import { useState } from 'preact/hooks';
import { signIn } from '../../api.js';
import { html } from '../../html.js';
import { clearNotices } from '../../notices.js';
import { BASE, navigate, type RouteProps } from '../../router.js';

export function SignInView({ query }: RouteProps) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    if (key.trim() === '') {
      setError('Enter an API key (sonde keys create, or the admin key in <data dir>/admin.key).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(key.trim());
      setKey('');
      clearNotices();
      const next = query.get('next');
      const onSignInPage = window.location.pathname === `${BASE}/sign-in`;
      if (next !== null && next.startsWith(`${BASE}/`)) navigate(next, { replace: true });
      else if (onSignInPage) navigate(`${BASE}/`, { replace: true });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <section class="view sign-in">
      <h1>Sign in to sonde</h1>
      <form onSubmit=${onSubmit} novalidate>
        <label for="api-key">API key</label>
        <input id="api-key" name="key" type="password" autocomplete="current-password" spellcheck="false"
          value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} autofocus required
          aria-describedby=${error ? 'sign-in-error' : 'sign-in-help'} />
        <p id="sign-in-help" class="help">The key is exchanged for a session cookie and not stored in the browser.</p>
        ${error && html`<p id="sign-in-error" class="error" role="alert">${error}</p>`}
        <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </section>`;
}
