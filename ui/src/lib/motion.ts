/** Whether the person asked their desktop for reduced motion (read once: a spinner's turn is fixed when it starts). */
export function prefersReducedMotion(): boolean {
  return typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
}
