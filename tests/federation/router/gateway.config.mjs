// Hive Gateway's configuration for the test: every subgraph call carries the client's
// `Authorization` (the gateway checks it as it checks any caller) and `traceparent` (its
// spans join the client's trace).
import { defineConfig } from "@graphql-hive/gateway";

const FORWARDED = ["authorization", "traceparent", "tracestate"];

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      return Object.fromEntries(
        FORWARDED.filter((name) => request.headers.has(name)).map((name) => [
          name,
          request.headers.get(name),
        ]),
      );
    },
  },
});
