// Sets the color scheme before the app's CSS applies, so dark mode does not
// flash light on load (Mantine's ColorSchemeScript, as a file: the CSP allows
// no inline script). Keep the key in step with MantineProvider's default.
try {
  var stored = window.localStorage.getItem('mantine-color-scheme-value');
  var scheme = stored === 'light' || stored === 'dark' || stored === 'auto' ? stored : 'auto';
  if (scheme === 'auto') scheme = window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  document.documentElement.setAttribute('data-mantine-color-scheme', scheme);
} catch (e) {}
