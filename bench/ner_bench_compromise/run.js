// The compromise side of newsflow_ner_bench (bench/ner_bench.cc).
//
// Usage: node run.js INPUT REPEAT
//
// INPUT holds the documents: one sentence per line (CoNLL tokens joined by
// single spaces), documents separated by an empty line. Each document is
// run through compromise once (the "cold" pass, which also warms the JIT)
// and then REPEAT more times (the "warm" passes). Prints lines:
//   version <compromise version>
//   cold_seconds <s>
//   warm_seconds <s per pass>
//   span <document> <PER|LOC|ORG> <start> <length>
// where start/length are UTF-16 offsets into the document of each person,
// place and organization compromise finds (the C++ side only feeds ASCII
// documents through, where UTF-16 and byte offsets agree). Scoring happens
// in C++, with the same code that scores newsflow, so only the spans cross
// this boundary.
'use strict';

const fs = require('fs');

let nlp;
try {
  nlp = require('compromise');
} catch (e) {
  process.stderr.write(
      'compromise is not installed: run `npm install` in ' + __dirname + '\n');
  process.exit(2);
}

const [input, repeatArg] = process.argv.slice(2);
if (!input) {
  process.stderr.write('usage: node run.js INPUT [REPEAT]\n');
  process.exit(1);
}
const repeat = Math.max(1, parseInt(repeatArg || '3', 10));
const documents = fs.readFileSync(input, 'utf8').split('\n\n').filter(
    (text) => text.length > 0);

const kinds = [
  ['PER', 'people'],
  ['LOC', 'places'],
  ['ORG', 'organizations'],
];

function extract(text) {
  const doc = nlp(text);
  const spans = [];
  for (const [type, method] of kinds) {
    for (const match of doc[method]().json({offset: true, terms: false})) {
      spans.push([type, match.offset.start, match.offset.length]);
    }
  }
  return spans;
}

// CPU time of this process in seconds (user + system), like the C++ side's
// thread CPU time: on a shared machine, wall time measures the neighbours.
function cpuSeconds() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

let start = cpuSeconds();
const results = documents.map(extract);
const coldSeconds = cpuSeconds() - start;

start = cpuSeconds();
for (let r = 0; r < repeat; ++r) {
  for (const text of documents) extract(text);
}
const warmSeconds = (cpuSeconds() - start) / repeat;

const lines = [
  'version ' + nlp.version,
  'cold_seconds ' + coldSeconds,
  'warm_seconds ' + warmSeconds,
];
results.forEach((spans, index) => {
  for (const [type, start, length] of spans) {
    lines.push(['span', index, type, start, length].join(' '));
  }
});
process.stdout.write(lines.join('\n') + '\n');
