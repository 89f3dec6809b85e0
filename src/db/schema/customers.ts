import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { at, createdAt, id, updatedAt } from "./columns.js";
import { portalProfiles } from "./access.js";
import { organisations } from "./organisations.js";

export const AUTH_MODES = ["DATABASE", "LDAP"] as const;
export const PROFILE_ASSIGNMENTS = ["MANUAL", "AUTOMATIC"] as const;

export const customerGroups = pgTable(
  "customer_groups",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    name: text("name").notNull(),
    portalEnabled: boolean("portal_enabled").notNull().default(false),
    authMode: text("auth_mode", { enum: AUTH_MODES }).notNull().default("DATABASE"),
    profileAssignment: text("profile_assignment", { enum: PROFILE_ASSIGNMENTS }).notNull().default("MANUAL"),
    defaultProfileId: uuid("default_profile_id").references(() => portalProfiles.id),
    // The foreign key to directories arrives with them.
    directoryId: uuid("directory_id"),
    selfRegistration: boolean("self_registration").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("customer_groups_name_key").on(t.organisationId, sql`lower(${t.name})`)],
);

export const companies = pgTable(
  "companies",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    customerGroupId: uuid("customer_group_id")
      .notNull()
      .references(() => customerGroups.id),
    name: text("name").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("companies_name_idx").on(t.organisationId, t.name, t.id),
    index("companies_customer_group_idx").on(t.customerGroupId),
  ],
);

/** A contact's customerGroupId is always its effective group: its company's, or its own when it has no company. */
export const contacts = pgTable(
  "contacts",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    companyId: uuid("company_id").references(() => companies.id),
    customerGroupId: uuid("customer_group_id")
      .notNull()
      .references(() => customerGroups.id),
    firstName: text("first_name").notNull(),
    lastName: text("last_name").notNull(),
    email: text("email"),
    phone: text("phone"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("contacts_name_idx").on(t.organisationId, t.lastName, t.firstName, t.id),
    index("contacts_company_idx").on(t.companyId),
    index("contacts_customer_group_idx").on(t.customerGroupId),
  ],
);

/** A contact's one way into the portal. */
export const portalAccounts = pgTable(
  "portal_accounts",
  {
    contactId: uuid("contact_id")
      .primaryKey()
      .references(() => contacts.id, { onDelete: "cascade" }),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    login: text("login").notNull(),
    passwordHash: text("password_hash"),
    passwordChangedAt: at("password_changed_at"),
    authMode: text("auth_mode", { enum: AUTH_MODES }).notNull().default("DATABASE"),
    externalId: text("external_id"),
    enabled: boolean("enabled").notNull().default(true),
    locked: boolean("locked").notNull().default(false),
    lockedUntil: at("locked_until"),
    passwordNeverExpires: boolean("password_never_expires").notNull().default(false),
    cannotChangePassword: boolean("cannot_change_password").notNull().default(false),
    mustChangePassword: boolean("must_change_password").notNull().default(false),
    passwordResetDate: at("password_reset_date"),
    profileId: uuid("profile_id").references(() => portalProfiles.id),
    lastLoginAt: at("last_login_at"),
    failedLoginCount: integer("failed_login_count").notNull().default(0),
    /** Self-registered accounts wait here until the email link is followed. */
    pendingVerification: boolean("pending_verification").notNull().default(false),
    /** The password (by its change time) for which the expiry warning email went out, so it goes once. */
    expiryWarningSentFor: at("expiry_warning_sent_for"),
    locale: text("locale"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("portal_accounts_login_key").on(t.organisationId, sql`lower(${t.login})`),
    index("portal_accounts_profile_idx").on(t.profileId),
  ],
);
