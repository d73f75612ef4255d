// Validate an AsyncAPI document with the official parser: resolves every $ref and checks the
// document against the AsyncAPI schema and its rules. Prints each finding; exit 1 on any error.
import { Parser, fromFile } from '@asyncapi/parser';

const severities = ['error', 'warning', 'info', 'hint'];
const { document, diagnostics } = await fromFile(new Parser(), process.argv[2]).parse();
for (const d of diagnostics) {
  console.log(`${severities[d.severity]} ${d.code} ${d.path.join('/')}: ${d.message}`);
}
const errors = diagnostics.filter((d) => d.severity === 0).length;
process.exit(errors > 0 || !document ? 1 : 0);
