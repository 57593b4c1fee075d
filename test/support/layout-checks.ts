/// <reference lib="dom" />
import type { Page } from 'playwright-core';

/**
 * Checkboxes and radios of the page (within `scope`) whose label does not sit
 * on the same line, to the right of the box. Each entry names the control and
 * what is wrong; an empty list means every control reads with its label.
 */
export async function misplacedLabels(page: Page, scope = 'main'): Promise<string[]> {
  return page.evaluate((scopeSelector) => {
    const problems: string[] = [];
    const root = document.querySelector(scopeSelector) ?? document.body;
    for (const box of root.querySelectorAll<HTMLInputElement>('input[type=checkbox], input[type=radio]')) {
      const r = box.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // inside a closed details
      const label = box.id ? document.querySelector<HTMLLabelElement>(`label[for="${CSS.escape(box.id)}"]`) : box.closest('label');
      if (!label) {
        problems.push(`${box.name}: no label`);
        continue;
      }
      // The label's first line: a range over its text, so a label wrapping its box is measured by its words.
      const range = document.createRange();
      range.selectNodeContents(label);
      const rects = [...range.getClientRects()].filter((x) => x.width > 0 && x.left >= r.right - 1);
      const first = rects[0];
      if (!first) {
        problems.push(`${box.name}: label not to the right of the box`);
        continue;
      }
      const gap = Math.abs(first.top + first.height / 2 - (r.top + r.height / 2));
      if (gap > 6) problems.push(`${box.name}: label ${Math.round(gap)} px off the box's line`);
      if (first.left - r.right > 40) problems.push(`${box.name}: label ${Math.round(first.left - r.right)} px away`);
    }
    return problems;
  }, scope);
}
