import "reflect-metadata";
import { GraphQLScalarType, type GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { DateTimeResolver } from "graphql-scalars";
import { buildSchema } from "type-graphql";
import { PortalProfileResolver, QueueResolver, RoleResolver } from "./modules/access/access.resolver.js";
import { AuditEventResolver } from "./modules/audit/audit-event.resolver.js";
import { AuthResolver } from "./modules/auth/auth.resolver.js";
import { CredentialsResolver } from "./modules/auth/credentials.resolver.js";
import { CaseCommentResolver, CaseResolver } from "./modules/cases/case.resolver.js";
import { CompanyResolver } from "./modules/customers/company.resolver.js";
import { ContactResolver } from "./modules/customers/contact.resolver.js";
import { CustomerGroupResolver } from "./modules/customers/customer-group.resolver.js";
import { PortalAccountResolver } from "./modules/customers/portal-account.resolver.js";
import { PortalImportResolver } from "./modules/customers/portal-import.resolver.js";
import { EmailFlowsResolver } from "./modules/mail/email-flows.resolver.js";
import { MessageTemplateResolver } from "./modules/mail/message-template.resolver.js";
import { UserResolver } from "./modules/staff/user.resolver.js";
import { resolveUnionsByTypename } from "./graphql/executor.js";
import { requiredActionsGate } from "./permissions/required-actions.js";
import { checkNestedFieldsSynchronously, resolversOf } from "./permissions/sync-fields.js";
import { denied, permissionTree, permissions } from "./permissions/tree.js";

const resolvers = [
  AuthResolver,
  CredentialsResolver,
  UserResolver,
  CustomerGroupResolver,
  CompanyResolver,
  ContactResolver,
  PortalAccountResolver,
  PortalImportResolver,
  AuditEventResolver,
  QueueResolver,
  RoleResolver,
  PortalProfileResolver,
  CaseResolver,
  CaseCommentResolver,
  MessageTemplateResolver,
  EmailFlowsResolver,
] as const;

/**
 * graphql-scalars' DateTime answers with Date objects, and JSON.stringify then calls each one's
 * toJSON, a slow path that cost a 20-case page more CPU than the rest of its serialising: the same
 * scalar, answering the same ISO string, made here.
 */
const DateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  serialize: (value) =>
    value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : (DateTimeResolver.serialize(value) as Date).toISOString(),
});

let built: Promise<GraphQLSchema> | undefined;

/** The schema without access rules: what schema/schema.graphql shows. */
export function buildBareSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTime }],
    validate: false,
  });
  return built;
}

/** The executable schema: every field behind the permission tree. */
export async function buildExecutableSchema(): Promise<GraphQLSchema> {
  const bare = await buildBareSchema();
  const own = resolversOf(bare);
  const shielded = checkNestedFieldsSynchronously(applyMiddleware(bare, requiredActionsGate, permissions), own, permissionTree, denied);
  return resolveUnionsByTypename(shielded);
}

/** The committed SDL, sorted so that it is stable. */
export async function schemaSDL(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildBareSchema())) + "\n";
}
