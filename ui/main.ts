// Entry of the browser bundle (scripts/build-ui.mjs): styles, views, then the shell.
import './styles/app.css';
import './styles/views.css';
import 'uplot/dist/uPlot.min.css';
import './views/index.js';
import { render } from 'preact';
import { loadSession } from './api.js';
import { App } from './app.js';
import { html } from './html.js';
import { notify } from './notices.js';

window.addEventListener('unhandledrejection', (e) => {
  notify(e.reason instanceof Error ? e.reason.message : String(e.reason));
});

render(html`<${App} />`, document.getElementById('app')!);
loadSession().catch((e: Error) => notify(e.message));
