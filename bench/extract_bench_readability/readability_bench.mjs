// Readability.js on the Zyte article-extraction pages, for
// bench/extract_bench: node readability_bench.mjs CORPUS_DIR OUT_JSON
//
// Pages are read and gunzipped first; only DOM parsing plus extraction is
// timed, as on the C++ side. Writes {"seconds", "pages", "bytes",
// "output": {id: {"articleBody"}}}.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { JSDOM, VirtualConsole } from 'jsdom';
import { Readability } from '@mozilla/readability';

const [corpus, outPath] = process.argv.slice(2);
const truth = JSON.parse(fs.readFileSync(path.join(corpus, 'ground-truth.json'), 'utf8'));
const pages = Object.keys(truth).sort().map((id) => ({
  id,
  url: truth[id].url || 'https://example.org/',
  html: zlib.gunzipSync(fs.readFileSync(path.join(corpus, 'html', `${id}.html.gz`))).toString('utf8'),
}));
const quiet = new VirtualConsole();  // pages' CSS/JS errors are not ours
const output = {};
let bytes = 0;
const start = process.hrtime.bigint();
for (const page of pages) {
  bytes += Buffer.byteLength(page.html, 'utf8');
  let body = '';
  try {
    const dom = new JSDOM(page.html, { url: page.url, virtualConsole: quiet });
    const article = new Readability(dom.window.document).parse();
    body = article && article.textContent ? article.textContent : '';
    dom.window.close();
  } catch (error) {
    body = '';
  }
  output[page.id] = { articleBody: body };
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
fs.writeFileSync(outPath, JSON.stringify({ seconds, pages: pages.length, bytes, output }));
