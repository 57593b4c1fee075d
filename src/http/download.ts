import type { Context } from 'hono';

/** A stored file sent as a download, never rendered in our origin (an uploaded HTML file must not run as our page). */
export function sendDownload(c: Context, file: { filename: string; content: Uint8Array }): Response {
  c.header('Content-Type', 'application/octet-stream');
  c.header('Content-Disposition', `attachment; filename="${file.filename.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${extValue(file.filename)}`);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Cache-Control', 'private, no-store');
  return c.body(new Uint8Array(file.content));
}

/** A filename* value (RFC 5987): encodeURIComponent leaves ' ( ) * as they are, which that grammar does not allow. */
function extValue(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}
