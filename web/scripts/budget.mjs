// budget: the JavaScript the first screen ("/": the app shell and the Home
// page) loads, gzipped, must stay under BUDGET_KB (issue 5 §3). Reads the Vite
// manifest, follows static imports from the entry and the Home page, and
// prints every chunk with its size.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const BUDGET_KB = 300;
const dist = new URL('../dist/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));

const files = new Set();
function walk(key) {
  const chunk = manifest[key];
  if (!chunk || files.has(chunk.file)) return;
  files.add(chunk.file);
  for (const imp of chunk.imports ?? []) walk(imp);
}
const roots = ['index.html', 'src/pages/home/HomePage.tsx'];
for (const r of roots) {
  if (!manifest[r]) {
    console.error(`budget: ${r} is not in the Vite manifest`);
    process.exit(1);
  }
  walk(r);
}

let total = 0;
const rows = [...files]
  .filter((f) => f.endsWith('.js'))
  .map((f) => {
    const kb = gzipSync(readFileSync(join(dist, f)), { level: 9 }).length / 1024;
    total += kb;
    return [f, kb];
  })
  .sort((a, b) => b[1] - a[1]);
for (const [f, kb] of rows) console.log(`  ${kb.toFixed(1).padStart(7)} KB  ${f}`);
console.log(`budget: initial route JS ${total.toFixed(1)} KB gzipped (limit ${BUDGET_KB} KB)`);
if (total > BUDGET_KB) {
  console.error(`budget: over by ${(total - BUDGET_KB).toFixed(1)} KB — lazy-load more (React.lazy) or trim vendor chunks`);
  process.exit(1);
}
