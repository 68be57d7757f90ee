// Run every graphql-http audit against a GraphQL-over-HTTP server and print the results
// as JSON: node audit.mjs http://127.0.0.1:PORT/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}

const results = await auditServer({ url });
const out = [];
for (const result of results) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    entry.reason = result.reason;
    if (result.response) {
      entry.response = {
        status: result.response.status,
        contentType: result.response.headers.get('content-type'),
        body: await result.response.text().catch(() => '<unreadable body>'),
      };
    }
  }
  out.push(entry);
}
process.stdout.write(JSON.stringify(out));
