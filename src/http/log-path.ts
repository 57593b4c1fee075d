/**
 * A request path fit for the logs: the secret parts of invitation and
 * password-reset links are replaced, since whoever reads a log line must not
 * be able to use the link.
 */
export function loggablePath(path: string): string {
  return path.replace(/\/(invite|password\/reset)\/[^/?#]+/g, '/$1/:token');
}
