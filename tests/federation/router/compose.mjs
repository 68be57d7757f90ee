// Composes a Federation v2 supergraph from running subgraphs, with The Guild's composition
// library (the one Hive uses), and prints it.
//
//   node compose.mjs customers=http://127.0.0.1:8000/graphql stays=http://127.0.0.1:4001/graphql
//
// Each subgraph's SDL is read from its `_service { sdl }`, and its URL goes into the
// supergraph for the router. SUBGRAPH_AUTHORIZATION, when set, is sent as the
// `Authorization` header of those reads (the gateway asks for its API key).
import { parse } from "graphql";
import { composeServices, compositionHasErrors } from "@theguild/federation-composition";

async function sdlOf(url) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (process.env.SUBGRAPH_AUTHORIZATION) {
    headers.authorization = process.env.SUBGRAPH_AUTHORIZATION;
  }
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ query: "{ _service { sdl } }" }),
  });
  const body = await response.json();
  if (!response.ok || body.errors) {
    throw new Error(`${url}: ${response.status} ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data._service.sdl;
}

const services = await Promise.all(
  process.argv.slice(2).map(async (argument) => {
    const [name, url] = argument.split(/=(.*)/s);
    return { name, url, typeDefs: parse(await sdlOf(url)) };
  }),
);
const result = composeServices(services);
if (compositionHasErrors(result)) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
