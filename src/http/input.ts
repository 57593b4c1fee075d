// The checks every boundary makes on what comes in, in one place: an id from
// an address or a form, an email address typed by someone.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A row id as PostgreSQL writes a uuid; anything else names no row (and would make the query fail). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** An address mail can be sent to, as far as its shape tells: something@domain.tld, at most 254 characters. */
export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}
