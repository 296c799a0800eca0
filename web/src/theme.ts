import { CloseButton, createTheme, type CloseButtonProps } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  // indigo-7 in light mode: white on it (filled buttons) and it on white (links) reach 5:1, indigo-6 only 4.3:1.
  primaryShade: { light: 7, dark: 8 },
  defaultRadius: 'md',
  fontFamily:
    'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  cursorType: 'pointer',
  components: {
    // Drawers, modals and toasts close with an icon-only button: give it a name (axe button-name).
    CloseButton: CloseButton.extend({ defaultProps: { 'aria-label': 'Close' } as Partial<CloseButtonProps> }),
  },
});
