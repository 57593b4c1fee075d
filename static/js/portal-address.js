// Adds a copy button beside each portal address field. Without JavaScript the
// read-only field stays, so the address can still be selected and copied by hand.
const enhance = () => {
  for (const box of document.querySelectorAll('[data-portal-address]:not([data-copy-ready])')) {
    const field = box.querySelector('input[readonly]');
    const actions = box.querySelector('[data-copy-actions]');
    const status = box.querySelector('[role="status"]');
    if (!field || !actions || !status) continue;
    box.setAttribute('data-copy-ready', '');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button secondary small';
    button.textContent = box.dataset.copyLabel ?? '';
    button.addEventListener('click', async () => {
      field.focus();
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = box.dataset.copiedLabel ?? '';
      } catch {
        status.textContent = box.dataset.copyFailedLabel ?? '';
      }
    });
    actions.prepend(button, ' ');
  }
};

enhance();
// Fields that htmx swaps in later get theirs too; boxes already done are skipped.
document.addEventListener('htmx:load', enhance);
