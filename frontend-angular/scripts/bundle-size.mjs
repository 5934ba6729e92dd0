#!/usr/bin/env node
// Measures what a first visit downloads: every file dist/browser/index.html loads up front
// (module scripts, modulepreload links, stylesheets), raw and compressed (gzip -9, brotli).
// Run after `npm run build`: `npm run size`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dir = join(import.meta.dirname, '..', 'dist', 'browser');
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const files = new Set(['index.html']);
for (const m of html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+\.(?:js|css))"/g)) files.add(m[1].replace(/^\/app\//, ''));

let raw = 0, gz = 0, br = 0;
const rows = [];
for (const file of files) {
  const data = readFileSync(join(dir, file));
  const g = gzipSync(data, { level: 9 }).length;
  const b = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  raw += data.length; gz += g; br += b;
  rows.push([file, data.length, g, b]);
}
const kb = (n) => (n / 1024).toFixed(1).padStart(8) + ' KiB';
console.log('initial file'.padEnd(34) + 'raw'.padStart(12) + 'gzip'.padStart(12) + 'brotli'.padStart(12));
for (const [f, r, g, b] of rows.sort((a, b) => b[1] - a[1])) console.log(f.padEnd(34) + kb(r) + kb(g) + kb(b));
console.log('TOTAL initial'.padEnd(34) + kb(raw) + kb(gz) + kb(br));
console.log(JSON.stringify({ initial_raw_bytes: raw, initial_gzip_bytes: gz, initial_brotli_bytes: br }));
