import { Directive, ElementRef, OnDestroy, afterNextRender, effect, inject, input, output } from '@angular/core';

/**
 * Put on a sentinel element after a list: emits `reached` when the sentinel comes near the
 * viewport (IntersectionObserver), and again after each page while it stays visible.
 * A visible "Load more" button next to it serves keyboards and browsers without the observer.
 */
@Directive({ selector: '[appInfiniteScroll]' })
export class InfiniteScroll implements OnDestroy {
  private readonly el = inject<ElementRef<HTMLElement>>(ElementRef);
  /** Changes when the list grows (its length): re-check while the sentinel is still in view. */
  readonly appInfiniteScroll = input<unknown>();
  readonly disabled = input(false);
  readonly reached = output<void>();
  private observer: IntersectionObserver | null = null;
  private visible = false;

  constructor() {
    afterNextRender(() => {
      if (typeof IntersectionObserver === 'undefined') return;
      this.observer = new IntersectionObserver(
        (entries) => {
          this.visible = entries.some((e) => e.isIntersecting);
          if (this.visible && !this.disabled()) this.reached.emit();
        },
        { rootMargin: '600px 0px' },
      );
      this.observer.observe(this.el.nativeElement);
    });
    effect(() => {
      this.appInfiniteScroll();
      if (this.visible && !this.disabled()) queueMicrotask(() => this.reached.emit());
    });
  }

  ngOnDestroy(): void {
    this.observer?.disconnect();
  }
}
