import { GraphQLError } from "graphql";
import { type IRules, shield } from "graphql-shield";
import type { Context } from "../context.js";
import { forbidden, isContractError, unauthenticated } from "../errors.js";
import { allow, anyOf, deny, isContact, isSelf, isSignedIn, isStaff, isSuperUser, parentRule } from "./rules.js";

const ownContact = isSelf("ownContact", "Contact", (contact) => contact.id);
const ownAccount = isSelf("ownPortalAccount", "Contact", (account) => account.contactId);
const ownUser = isSelf("ownUser", "User", (user) => user.id);
/** A portal contact sees the names of colleagues whose cases its roles let it read. */
const colleague = parentRule("colleague", (contact, ctx) => {
  const who = ctx.principal;
  return who?.kind === "Contact" && contact.companyId != null && contact.companyId === who.companyId;
});

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
    users: isStaff,
    user: isStaff,
    auditEvents: isStaff,
    queues: isStaff,
    roles: isStaff,
    portalProfiles: isStaff,
    cases: isStaff,
    explainCaseAccess: isStaff,
    myCases: isContact,
    myPermissions: isContact,
    case: isSignedIn,
    // Super users until the SECURITY (templates) and AUDIT (outbox) modules arrive.
    messageTemplates: isSuperUser,
    outboundEmails: isSuperUser,
    // Super users only until security profiles (SECURITY and PORTAL_ACCESS modules) arrive.
    authenticationPolicy: isSuperUser,
    explainSignIn: isSuperUser,
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
    createUser: isStaff,
    updateUser: isStaff,
    deleteContact: isStaff,
    setPortalAccess: isStaff,
    revokePortalAccess: isStaff,
    importPortalAccounts: isStaff,
    createQueue: isStaff,
    createRole: isStaff,
    updateRole: isStaff,
    createPortalProfile: isStaff,
    updatePortalProfile: isStaff,
    createCase: isSignedIn,
    addCaseComment: isSignedIn,
    // Public by design: each answers alike whether or not an account exists.
    requestPasswordReset: allow,
    resetPassword: allow,
    registerPortalAccount: allow,
    verifyRegistration: allow,
    upsertMessageTemplate: isSuperUser,
    previewMessageTemplate: isSuperUser,
    changePassword: isSignedIn,
    changeUserPassword: isStaff,
    // Super users until security profiles bring the SECURITY module.
    unlockSignIn: isSuperUser,
    // Super users only until security profiles (the SECURITY module) arrive.
    updateAuthenticationPolicy: isSuperUser,
  },
  LoginResult: { "*": allow },
  User: { "*": anyOf(isStaff, ownUser) },
  Unit: { "*": isSignedIn },
  UnitMembership: { "*": isSignedIn },
  SecurityProfile: { "*": isSignedIn },
  Contact: {
    "*": anyOf(isStaff, ownContact),
    id: anyOf(isStaff, ownContact, colleague),
    firstName: anyOf(isStaff, ownContact, colleague),
    lastName: anyOf(isStaff, ownContact, colleague),
  },
  PortalAccount: {
    "*": anyOf(isStaff, ownAccount),
    failedLoginCount: isStaff,
    externalId: isStaff,
  },
  // A portal user sees its profile's name; what the profile grants is for staff (myPermissions tells the portal).
  PortalProfile: { "*": isSignedIn, roles: isStaff, contactCount: isStaff },
  Role: { "*": isStaff },
  QueuePermission: { "*": isStaff },
  Queue: { "*": isSignedIn },
  Case: { "*": isSignedIn },
  CaseComment: { "*": isSignedIn },
  CaseConnection: { "*": isSignedIn },
  CaseEdge: { "*": isSignedIn },
  CaseAccessExplanation: { "*": isStaff },
  MyPermissions: { "*": isContact },
  QueueAccess: { "*": isContact },
  Company: { "*": isSignedIn },
  CustomerGroup: { "*": isSignedIn },
  SetPortalAccessResult: { "*": isStaff },
  ImportPortalAccountsPayload: { "*": isStaff },
  ImportPortalAccountRowResult: { "*": isStaff },
  ImportRowError: { "*": isStaff },
  AuditEvent: { "*": isStaff },
  PageInfo: { "*": isSignedIn },
  CompanyConnection: { "*": isStaff },
  CompanyEdge: { "*": isStaff },
  ContactConnection: { "*": isStaff },
  ContactEdge: { "*": isStaff },
  UserConnection: { "*": isStaff },
  UserEdge: { "*": isStaff },
  AuditEventConnection: { "*": isStaff },
  AuditEventEdge: { "*": isStaff },
  MessageTemplate: { "*": isSuperUser },
  MessagePreview: { "*": isSuperUser },
  OutboundEmail: { "*": isSuperUser },
  OutboundEmailConnection: { "*": isSuperUser },
  OutboundEmailEdge: { "*": isSuperUser },
  AuthenticationPolicy: { "*": isSuperUser },
  OrganisationGroup: { "*": isSuperUser },
  PasswordPolicy: { "*": isSuperUser },
  UsernamePolicy: { "*": isSuperUser },
  LockoutPolicy: { "*": isSuperUser },
  SessionPolicy: { "*": isSuperUser },
  SignInExplanation: { "*": isSuperUser },
  SignInStep: { "*": isSuperUser },
};

/** A denied rule answers UNAUTHENTICATED to anonymous callers and FORBIDDEN to everyone else. */
export const denied = (ctx: Context) => (ctx.principal || ctx.signedIn ? forbidden() : unauthenticated());

export const permissions = shield(permissionTree, {
  fallbackRule: deny,
  allowExternalErrors: true,
  fallbackError: async (thrown, _parent, _args, shieldCtx) => {
    const ctx = shieldCtx as unknown as Context;
    if (isContractError(thrown)) return thrown as GraphQLError;
    if (thrown) return thrown as Error; // masked later as INTERNAL_SERVER_ERROR with a request id
    return denied(ctx);
  },
});
