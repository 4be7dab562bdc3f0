// The shell: nav bar, notices, and the view the current URL names. Without a session every
// non-public route shows the sign-in page (the URL stays, so signing in lands where the link
// pointed).
import { useEffect } from 'preact/hooks';
import { can, session, signOut, type Session } from './api.js';
import { html } from './html.js';
import { liveState } from './live.js';
import { dismiss, notices, notify } from './notices.js';
import { match, navRoutes, useLocation, BASE, type Match } from './router.js';
import { useStore } from './store.js';
import { NotFoundView } from './views/not-found.js';
import { SignInView } from './views/sign-in/sign-in-view.js';

export function App() {
  const loc = useLocation();
  const s = useStore(session);
  const found = match(loc.pathname, loc.search);

  const title = found === null ? 'Not found' : typeof found.def.title === 'string' ? found.def.title : found.def.title(found.props);
  useEffect(() => { document.title = `${title} · sonde`; }, [title]);

  if (s === undefined) return html`<main id="main" class="loading" aria-busy="true">Loading…</main>`;
  const signedIn = s !== null;
  const showSignIn = !signedIn && (found === null || found.def.public !== true);
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <${NavBar} session=${s} path=${loc.pathname} />
    <${Notices} />
    <main id="main" tabindex="-1">
      ${showSignIn ? html`<${SignInView} params=${{}} query=${new URLSearchParams(loc.search)} />` : renderView(found)}
    </main>`;
}

function renderView(found: Match | null) {
  if (found === null) return html`<${NotFoundView} params=${{}} query=${new URLSearchParams()} />`;
  const View = found.def.view;
  return html`<${View} ...${found.props} />`;
}

function NavBar({ session: s, path }: { session: Session | null; path: string }) {
  const live = useStore(liveState);
  const items = navRoutes().filter((r) => r.nav!.scope === undefined || can(r.nav!.scope));
  const out = async () => {
    try {
      await signOut();
    } catch (e) {
      notify((e as Error).message);
    }
  };
  return html`
    <header class="nav" role="banner">
      <a class="brand" href=${`${BASE}/`}>sonde</a>
      ${s !== null && html`
        <nav aria-label="Main">
          <ul>
            ${items.map((r) => {
              const current = r.path === path || (r.path !== `${BASE}/` && path.startsWith(r.path));
              return html`<li><a href=${r.path} aria-current=${current ? 'page' : undefined}>${r.nav!.label}</a></li>`;
            })}
          </ul>
        </nav>
        <span class=${`live live-${live}`} title="the live feed (/v1/live)" aria-live="polite">${live === 'open' ? 'live' : live === 'connecting' ? 'connecting…' : live === 'closed' ? 'offline, reconnecting…' : ''}</span>
        <span class="who" title=${s.scopes.join(', ')}>${s.keyName}${can('targets:write') || can('network:write') ? '' : ' (read-only)'}</span>
        <button type="button" class="sign-out" onClick=${out}>Sign out</button>`}
    </header>`;
}

function Notices() {
  const list = useStore(notices);
  if (list.length === 0) return null;
  return html`
    <div class="notices" role="alert">
      ${list.map((n) => html`
        <p class=${`notice notice-${n.kind}`} key=${n.id}>
          <span>${n.text}</span>
          <button type="button" aria-label="Dismiss" onClick=${() => dismiss(n.id)}>×</button>
        </p>`)}
    </div>`;
}
