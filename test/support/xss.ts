/// <reference lib="dom" />
import type { Page } from 'playwright-core';

/**
 * Markup a user could type anywhere Porta keeps text. Each one, if a page drew
 * it as markup rather than text, would set `window.__xss`, add an event
 * handler attribute, a script, or an htmx attribute that acts on its own.
 */
export const PAYLOADS = [
  '<script>window.__xss=1</script>',
  '"><img src=x onerror="window.__xss=1">',
  "'><svg onload=window.__xss=1>",
  'javascript:window.__xss=1',
  '</title><script>window.__xss=1</script>',
  "{{constructor.constructor('window.__xss=1')()}}",
  '" hx-get="/admin/logout" hx-trigger="load',
] as const;

/** Every payload, one per line: for long text (notes, descriptions, email bodies). */
export const ALL_PAYLOADS = PAYLOADS.join('\n');

/** What a page did while it was watched: dialogs it opened, console errors, uncaught errors. */
export type XssWatch = { dialogs: string[]; consoleErrors: string[]; pageErrors: string[] };

// Porta refuses these on purpose; Chromium logs the document's status as an error.
const DELIBERATE_STATUS = /status of (401|403|410|422|429) /;

/**
 * Starts watching a page: dialogs are recorded and dismissed, console errors
 * (a frame's too) and uncaught errors kept, and every `securitypolicyviolation`
 * event recorded by a script the browser injects before the page's own (which
 * the page's CSP does not govern).
 */
export async function watchForXss(page: Page): Promise<XssWatch> {
  const watch: XssWatch = { dialogs: [], consoleErrors: [], pageErrors: [] };
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !DELIBERATE_STATUS.test(msg.text())) watch.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => watch.pageErrors.push(err.message));
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.defineProperty(window, '__cspViolations', { value: seen });
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
  });
  return watch;
}

type Findings = { xss: unknown; csp: string[]; injected: string[]; text: string };

/** Runs in the page's top document: what markup a payload would have left, and the text a reader sees (form values included). */
function inspectDocument(): Findings {
  const injected: string[] = [];
  const describe = (el: Element) => `<${el.tagName.toLowerCase()} ${[...el.attributes].map((a) => `${a.name}="${a.value}"`).join(' ')}>`;
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) injected.push(`event handler ${describe(el)}`);
      else if (name.startsWith('hx-') && /logout/i.test(attr.value)) injected.push(`htmx request ${describe(el)}`);
      else if (name === 'hx-trigger' && /\bload\b/.test(attr.value)) injected.push(`htmx trigger ${describe(el)}`);
      else if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(name) && /^\s*javascript:/i.test(attr.value))
        injected.push(`script address ${describe(el)}`);
      else if (name === 'srcdoc') injected.push(`framed markup ${describe(el)}`);
    }
  }
  for (const script of document.querySelectorAll('script')) if (/__xss/.test(script.textContent ?? '')) injected.push(`script ${script.outerHTML}`);
  const controls = [
    ...[...document.querySelectorAll('input, textarea, select')].map((el) => (el as HTMLInputElement).value),
    ...[...document.querySelectorAll('datalist option')].map((el) => (el as HTMLOptionElement).value),
  ];
  const text = [document.documentElement.textContent ?? '', ...controls].join('\n');
  const w = window as unknown as { __xss?: unknown; __cspViolations?: string[] };
  return { xss: w.__xss, csp: [...(w.__cspViolations ?? [])], injected, text };
}

/**
 * Everything on the page that shows a payload ran or was parsed as markup, and
 * every expected text the page does not show as text. Empty: the page is safe
 * and drew the payloads as the characters they are.
 */
export async function xssProblems(page: Page, watch: XssWatch, expected: readonly string[] = []): Promise<string[]> {
  // Events the page queued (violation reports) run before this task does.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
  const found = await page.evaluate(inspectDocument);
  const problems: string[] = [];
  if (found.xss !== undefined) problems.push(`window.__xss was set to ${String(found.xss)}`);
  for (const d of watch.dialogs) problems.push(`dialog opened: ${d}`);
  for (const v of found.csp) problems.push(`CSP violation: ${v}`);
  for (const m of watch.consoleErrors) problems.push(/Content Security Policy/i.test(m) ? `CSP violation in console: ${m}` : `console error: ${m}`);
  for (const e of watch.pageErrors) problems.push(`page error: ${e}`);
  problems.push(...found.injected.map((i) => `injected ${i}`));
  const text = found.text.replace(/\s+/g, ' ');
  for (const e of expected) if (!text.includes(e.replace(/\s+/g, ' '))) problems.push(`not shown as text: ${JSON.stringify(e)}`);
  return problems;
}

/** The page's problems as they stand, prefixed by its path; the watch is emptied, so the next page answers for itself. */
export async function pageProblems(page: Page, watch: XssWatch, expected: readonly string[] = []): Promise<string[]> {
  const problems = await xssProblems(page, watch, expected);
  watch.dialogs.length = 0;
  watch.consoleErrors.length = 0;
  watch.pageErrors.length = 0;
  return problems.map((p) => `${new URL(page.url()).pathname}: ${p}`);
}

/** Opens an address and answers its problems (a refusal status is one). */
export async function visitForXss(page: Page, watch: XssWatch, url: string, expected: readonly string[] = []): Promise<string[]> {
  const response = await page.goto(url);
  const problems = await pageProblems(page, watch, expected);
  if (response && response.status() >= 400) problems.push(`${new URL(url).pathname}: answered ${response.status()}`);
  return problems;
}
