// Whether a request's Origin is another site's. Browsers send Origin on every WebSocket
// upgrade; API clients usually send none (and are then not a cross-site page).

/** True when Origin is present and is not scheme://Host of this daemon. */
export function isForeignOrigin(origin: string, host: string, tls: boolean): boolean {
  if (origin === '') return false;
  const own = `${tls ? 'https' : 'http'}://${host}`;
  return origin.toLowerCase() !== own.toLowerCase();
}
