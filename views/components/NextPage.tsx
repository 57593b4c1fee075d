/**
 * The way to the next page of a keyset-paginated list: a link that carries the
 * cursor, in a navigation region named for the list's pages. Lists have no
 * page numbers, so it is the one control; without a next page it is absent.
 */
export function NextPage({ href, label, navLabel, button = true }: { href: string | undefined; label: string; navLabel: string; button?: boolean }) {
  if (!href) return null;
  return (
    <nav class="pagination" aria-label={navLabel}>
      <a class={button ? 'button secondary' : undefined} href={href} rel="next">
        {label}
      </a>
    </nav>
  );
}
