// GraphQL Mesh as the benchmark's peer: both sandbox APIs from their OpenAPI documents, with
// each Fullwhere customer's Mews guest joined in one batched `customers/getAll` per page
// (`keysArg` on `CustomerIds`, rows matched back by `Id`). bench/peers/mesh.py writes the
// OpenAPI documents and sets the environment below before it runs `mesh-compose`.
// The directive is declared here because the runtime's own declaration lacks valueKeyField.
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

const sandbox = process.env.BENCH_SANDBOX_URL!;
const docs = process.env.BENCH_OPENAPI_DIR!;

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('Fullwhere', {
        source: `${docs}/fullwhere.json`,
        endpoint: `${sandbox}/fullwhere`,
        operationHeaders: {
          'X-API-KEY': process.env.BENCH_FULLWHERE_KEY!,
          'X-API-SECRET': process.env.BENCH_FULLWHERE_SECRET!,
        },
        // A POST is a mutation by default; the list is a read.
        selectQueryOrMutationField: [{ type: 'Query', fieldName: 'fullwhereCustomers' }],
      }),
    },
    {
      sourceHandler: loadOpenAPISubgraph('Mews', {
        source: `${docs}/mews.json`,
        endpoint: `${sandbox}/mews`,
        // Every Mews operation is a POST; getAll is a read.
        selectQueryOrMutationField: [{ type: 'Query', fieldName: 'mewsCustomersGetAll' }],
      }),
    },
  ],
  additionalTypeDefs: /* GraphQL */ `
    scalar ResolveToSourceArgs
    directive @resolveTo(
      requiredSelectionSet: String
      sourceName: String
      sourceTypeName: String
      sourceFieldName: String
      sourceSelectionSet: String
      sourceArgs: ResolveToSourceArgs
      keyField: String
      keysArg: String
      valueKeyField: String
      pubsubTopic: String
      filterBy: String
      additionalArgs: ResolveToSourceArgs
      result: String
      resultType: String
    ) on FIELD_DEFINITION

    extend type FullwhereCustomer {
      mews: MewsCustomer
        @resolveTo(
          sourceName: "Mews"
          sourceTypeName: "Query"
          sourceFieldName: "mewsCustomersGetAll"
          requiredSelectionSet: "{ mewsId }"
          keyField: "mewsId"
          keysArg: "input.CustomerIds"
          valueKeyField: "Id"
          result: "Customers"
        )
    }
  `,
});
