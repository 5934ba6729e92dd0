/**
 * Accessibility checks for component tests (jsdom): axe-core's rules, and a stricter check of
 * id references, since axe accepts an `aria-describedby` as long as ONE of its ids exists.
 */
import axe from 'axe-core';

const ID_LISTS = ['aria-describedby', 'aria-labelledby', 'aria-controls', 'aria-errormessage', 'aria-owns'];

/** Every `attribute -> id` that names no element under `root` (labels' `for` included). */
export function danglingIdRefs(root: Element): string[] {
  const exists = (id: string) => root.querySelector(`[id="${id.replace(/"/g, '\\"')}"]`) !== null;
  const missing: string[] = [];
  for (const el of root.querySelectorAll('*')) {
    for (const name of ID_LISTS) {
      for (const id of (el.getAttribute(name) ?? '').split(/\s+/).filter(Boolean)) {
        if (!exists(id)) missing.push(`${el.tagName.toLowerCase()}#${el.id || '?'} ${name} -> ${id}`);
      }
    }
    if (el.tagName === 'LABEL') {
      const target = el.getAttribute('for');
      if (target && !exists(target)) missing.push(`label for -> ${target}`);
    }
  }
  return missing;
}

/**
 * axe-core's violations under `root`, as "rule: target" lines. Rules that need a layout engine
 * (colour contrast) or a whole page (landmarks, one h1, page title) are off: jsdom has neither.
 */
export async function axeViolations(root: Element): Promise<string[]> {
  const result = await axe.run(root, {
    rules: {
      'color-contrast': { enabled: false },
      region: { enabled: false },
      'landmark-one-main': { enabled: false },
      'page-has-heading-one': { enabled: false },
      'document-title': { enabled: false },
      'html-has-lang': { enabled: false },
    },
  });
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${v.help})`));
}

/** axe-core takes seconds over a big component in jsdom (more on a busy machine): tests that run it wait this long. */
export const AXE_TIMEOUT_MS = 30_000;
