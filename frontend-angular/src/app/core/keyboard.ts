/**
 * Keyboard helpers shared by the shortcuts, the composer's tabs and the feeds: when a key belongs
 * to the field being typed in, where arrow keys move a roving focus, how to scroll politely.
 */

/** True when a key press is typing (a field has focus) or a browser shortcut (a modifier is held). */
export function ignoredKey(event: KeyboardEvent): boolean {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return true;
  const target = event.target as HTMLElement | null;
  if (!target || typeof target.closest !== 'function') return false;
  return !!target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])');
}

/** The index an ARIA tabs pattern moves to for `key` (arrows wrap, Home, End), or null. */
export function rovingIndex(key: string, current: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return (current + 1) % count;
    case 'ArrowLeft':
    case 'ArrowUp':
      return (current - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/** The post index `j` (step 1) or `k` (step -1) moves to from `current` (-1: none focused). */
export function nextIndex(current: number, step: number, count: number): number | null {
  if (count <= 0) return null;
  if (current < 0) return step > 0 ? 0 : count - 1;
  return Math.min(Math.max(current + step, 0), count - 1);
}

/** True when the reader asked for less motion. */
export function reducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** Focus an element (made focusable if it is not) and scroll it to the top, below the sticky header. */
export function focusAndReveal(el: HTMLElement): void {
  if (!el.matches('a[href], button, input, select, textarea, summary, [tabindex]')) el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: true });
  el.scrollIntoView?.({ block: 'start', behavior: reducedMotion() ? 'auto' : 'smooth' });
}

/** Escape closes the open <details> holding focus and puts focus back on its summary. */
export function closeDisclosure(event: KeyboardEvent): boolean {
  if (event.key !== 'Escape' || event.defaultPrevented) return false;
  const active = document.activeElement as HTMLElement | null;
  const details = active?.closest?.('details[open]') as HTMLDetailsElement | null;
  if (!details || details.closest('dialog')) return false;
  details.open = false;
  details.querySelector<HTMLElement>('summary')?.focus();
  event.preventDefault();
  return true;
}
