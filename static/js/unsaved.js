// Warns before leaving a configuration step whose form has changes not saved
// yet: a form marked data-unsaved="message" is compared with what it held when
// the page loaded. Leaving by a link or another form asks first, both for a
// full page load (the browser's own prompt) and for links htmx follows
// (the message, in the page's language). Saving the form itself never asks.
// Another form of the page (such as adding a user type) counts as leaving.
const forms = () => [...document.querySelectorAll('form[data-unsaved]')];
const snapshot = (form) => {
  const data = new FormData(form);
  return JSON.stringify([...data.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : `${v.name}:${v.size}`]));
};
const initial = new WeakMap();
let leavingBy;

const track = () => {
  for (const form of forms()) {
    if (initial.has(form)) continue;
    // A form sent back with what was typed (a refused save) starts out unsaved.
    initial.set(form, form.hasAttribute('data-unsaved-changed') ? '' : snapshot(form));
    form.addEventListener('submit', () => {
      leavingBy = form;
    });
  }
};
const unsaved = () => forms().find((form) => form !== leavingBy && initial.has(form) && initial.get(form) !== snapshot(form));

addEventListener('beforeunload', (event) => {
  if (!unsaved()) return;
  event.preventDefault();
  event.returnValue = '';
});
// A link htmx follows (the site's navigation is boosted) asks before its request; declining cancels it.
document.addEventListener('htmx:before:request', (event) => {
  const source = event.detail?.ctx?.sourceElement ?? event.target;
  const form = unsaved();
  if (!form || !(source instanceof Element) || form.contains(source) || !source.closest('a[href]')) return;
  if (window.confirm(form.dataset.unsaved ?? '')) leavingBy = form;
  else event.preventDefault();
});

track();
document.addEventListener('htmx:load', track);
