// happy-dom has no document.fonts, which Mantine's autosize Textarea listens on.
export function stubDocumentFonts() {
  if (!('fonts' in document) || !(document as { fonts?: unknown }).fonts) {
    Object.defineProperty(document, 'fonts', {
      configurable: true,
      value: { addEventListener: () => {}, removeEventListener: () => {}, ready: Promise.resolve() },
    });
  }
}
