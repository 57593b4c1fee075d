import type { Database } from '../db/database.js';

// The pages of a portal that anyone reaches without signing in: its sign-in
// page, and its sign-up page while self sign-up is on. The preview links to
// them as they are, at the address visitors use.

export type PublicPages = { portalId: string; portalName: string; signIn: string; signUp: string | undefined };

/** Every portal's public pages, by portal name. */
export async function publicPagesOfPortals(db: Database): Promise<PublicPages[]> {
  const rows = await db.selectFrom('portals').select(['id', 'name', 'slug', 'signup_user_type_id']).orderBy('name').execute();
  return rows.map((p) => ({
    portalId: p.id,
    portalName: p.name,
    signIn: `/p/${p.slug}/login`,
    signUp: p.signup_user_type_id ? `/p/${p.slug}/signup` : undefined,
  }));
}
