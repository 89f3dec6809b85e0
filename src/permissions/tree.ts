import { GraphQLError } from "graphql";
import { type IRules, or, shield } from "graphql-shield";
import type { Context } from "../context.js";
import { forbidden, isContractError, unauthenticated } from "../errors.js";
import { allow, deny, isSelf, isSignedIn, isStaff } from "./rules.js";

const ownContact = isSelf("ownContact", "Contact", (contact) => contact.id);
const ownAccount = isSelf("ownPortalAccount", "Contact", (account) => account.contactId);
const ownUser = isSelf("ownUser", "User", (user) => user.id);

/**
 * Every operation and every field has a rule here; anything left out is denied
 * (a test checks that nothing is left out).
 */
export const permissionTree: IRules = {
  Query: {
    "*": deny,
    me: isSignedIn,
    customerGroups: isStaff,
    customerGroup: isStaff,
    companies: isStaff,
    company: isStaff,
    contacts: isStaff,
    contact: isStaff,
    auditEvents: isStaff,
  },
  Mutation: {
    "*": deny,
    login: allow,
    logout: allow,
    createCustomerGroup: isStaff,
    updateCustomerGroup: isStaff,
    deleteCustomerGroup: isStaff,
    createCompany: isStaff,
    updateCompany: isStaff,
    deleteCompany: isStaff,
    createContact: isStaff,
    updateContact: isStaff,
    deleteContact: isStaff,
    setPortalAccess: isStaff,
    revokePortalAccess: isStaff,
  },
  LoginResult: { "*": allow },
  User: { "*": or(isStaff, ownUser) },
  Unit: { "*": isSignedIn },
  Contact: { "*": or(isStaff, ownContact) },
  PortalAccount: {
    "*": or(isStaff, ownAccount),
    failedLoginCount: isStaff,
    externalId: isStaff,
  },
  PortalProfile: { "*": isSignedIn },
  Company: { "*": isSignedIn },
  CustomerGroup: { "*": isSignedIn },
  SetPortalAccessResult: { "*": isStaff },
  AuditEvent: { "*": isStaff },
  PageInfo: { "*": isSignedIn },
  CompanyConnection: { "*": isStaff },
  CompanyEdge: { "*": isStaff },
  ContactConnection: { "*": isStaff },
  ContactEdge: { "*": isStaff },
  AuditEventConnection: { "*": isStaff },
  AuditEventEdge: { "*": isStaff },
};

/** A denied rule answers UNAUTHENTICATED to anonymous callers and FORBIDDEN to everyone else. */
export const permissions = shield(permissionTree, {
  fallbackRule: deny,
  allowExternalErrors: true,
  fallbackError: async (thrown, _parent, _args, shieldCtx) => {
    const ctx = shieldCtx as unknown as Context;
    if (isContractError(thrown)) return thrown as GraphQLError;
    if (thrown) return thrown as Error; // masked later as INTERNAL_SERVER_ERROR with a request id
    return ctx.principal || ctx.signedIn ? forbidden() : unauthenticated();
  },
});
