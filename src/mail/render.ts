import type { JSX } from 'hono/jsx/jsx-runtime';
import { type T, translator } from '../i18n/i18n.js';
import type { Language } from '../i18n/languages.js';

export type RenderedEmail = { subject: string; html: string; text: string; language: Language; template: string };

/** An email is a subject, an HTML body from JSX and a plain-text body, all from the same props and `t`. */
export type EmailTemplate<P> = {
  name: string;
  subject(t: T, props: P): string;
  html(t: T, props: P): JSX.Element;
  text(t: T, props: P): string;
};

export async function renderEmail<P>(template: EmailTemplate<P>, props: P, language: Language): Promise<RenderedEmail> {
  const t = translator(language);
  const body = await template.html(t, props).toString();
  return {
    subject: template.subject(t, props),
    html: `<!DOCTYPE html>${body}`,
    text: template.text(t, props),
    language,
    template: template.name,
  };
}
