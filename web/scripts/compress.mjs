// compress: write a .gz sibling next to every hashed asset worth compressing,
// so internal/webui serves it to clients that accept gzip (no CPU per request).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dir = new URL('../dist/assets/', import.meta.url).pathname;
let before = 0;
let after = 0;
for (const name of readdirSync(dir)) {
  if (!/\.(js|css|svg|json|map)$/.test(name)) continue;
  const path = join(dir, name);
  if (statSync(path).size < 1024) continue;
  const data = readFileSync(path);
  const gz = gzipSync(data, { level: 9 });
  if (gz.length >= data.length * 0.9) continue;
  writeFileSync(path + '.gz', gz);
  before += data.length;
  after += gz.length;
}
console.log(`compress: ${(before / 1024).toFixed(0)} KiB of assets → ${(after / 1024).toFixed(0)} KiB gzipped siblings`);
