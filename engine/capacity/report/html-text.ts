// Text into HTML: element content and attribute values, and JSON into a <script> block.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** JSON that cannot end its <script type="application/json"> block early (no "</script>", no "<!--"). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** An inline script's text must not hold "</script" either (the bundle is minified JavaScript). */
export function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}
