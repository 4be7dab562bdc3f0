// The stored report (GET /v1/campaigns/{id}/report.html, the page `sonde capacity report --html`
// writes) in a frame. The frame's request carries the dashboard's session cookie like any
// same-origin request (SameSite=Strict admits it; the report route accepts the cookie), and
// the report's CSP allows frame-ancestors 'self'. Same-origin, so the frame is sized to its
// page (no scrollbar inside a scrolling view); the report draws its charts after load, which
// a ResizeObserver in the frame's own window follows.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../../html.js';

export function ReportFrame({ id }: { id: string }) {
  const ref = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState<number | null>(null);

  useEffect(() => {
    const frame = ref.current;
    if (frame === null) return;
    let observer: ResizeObserver | null = null;
    const fit = (): void => {
      const body = frame.contentDocument?.body;
      // the frame's own border counts in its height (border-box)
      if (body !== null && body !== undefined) setHeight(Math.ceil(body.getBoundingClientRect().height) + frame.offsetHeight - frame.clientHeight);
    };
    const onLoad = (): void => {
      observer?.disconnect();
      const win = frame.contentWindow as (Window & typeof globalThis) | null;
      const body = frame.contentDocument?.body;
      // not readable (an error page of another origin): the frame keeps its CSS height
      if (win === null || body === null || body === undefined) return;
      observer = new win.ResizeObserver(fit);
      observer.observe(body);
      fit();
    };
    frame.addEventListener('load', onLoad);
    // loaded before this effect ran (a fast answer): fit now
    if (frame.contentDocument?.readyState === 'complete' && frame.contentDocument.URL !== 'about:blank') onLoad();
    return () => {
      frame.removeEventListener('load', onLoad);
      observer?.disconnect();
    };
  }, [id]);

  return html`<iframe ref=${ref} class="report-frame" title="Campaign report" src=${`/v1/campaigns/${encodeURIComponent(id)}/report.html`}
    style=${height === null ? undefined : { height: `${height}px` }}></iframe>`;
}
