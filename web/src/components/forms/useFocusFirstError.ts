// After a failed submit, bring the first invalid control (or else the form's
// alert) into view and focus it, so errors are never off-screen.
import { useEffect, useRef } from 'react';

export function useFocusFirstError<T extends HTMLElement>(attempt: number) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (!attempt || !ref.current) return;
    const root = ref.current;
    const target = root.querySelector<HTMLElement>('[aria-invalid="true"]') ?? root.querySelector<HTMLElement>('[role="alert"]');
    if (!target) return;
    if (target.getAttribute('role') === 'alert' && !target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.scrollIntoView?.({ block: 'center' });
    target.focus({ preventScroll: true });
  }, [attempt]);
  return ref;
}
