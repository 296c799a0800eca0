import { useEffect } from 'react';

/** useDocumentTitle sets the tab title to "<title> · Atrium" while the page is shown. */
export function useDocumentTitle(title: string | undefined) {
  useEffect(() => {
    if (!title) return;
    const prev = document.title;
    document.title = `${title} · Atrium`;
    return () => {
      document.title = prev;
    };
  }, [title]);
}
