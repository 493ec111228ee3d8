// Runs a program linked by prelink under node with the corpus host functions (log_*),
// validating it first (V8 and binaryen), and prints what it computed.
// Usage: node scripts/run-linked.mjs OUT.wasm OUT.json
import { runLinkedOutput } from '../tests/e2e/differential.mjs';

const [out, manifest] = process.argv.slice(2);
if (!out || !manifest) {
  console.error('usage: node scripts/run-linked.mjs OUT.wasm OUT.json');
  process.exit(2);
}
try {
  for (const line of runLinkedOutput(out, manifest)) console.log(line);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
}
