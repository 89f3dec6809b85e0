import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { at, createdAt, id } from "./columns.js";
import { contacts } from "./customers.js";
import { organisationGroups, organisations } from "./organisations.js";
import { users } from "./users.js";

/** One authentication policy per organisation group; the whole policy as validated JSON, defaults filled in on read. */
export const authenticationPolicies = pgTable("authentication_policies", {
  organisationGroupId: uuid("organisation_group_id")
    .primaryKey()
    .references(() => organisationGroups.id, { onDelete: "cascade" }),
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull(),
  updatedAt: at("updated_at").notNull().defaultNow(),
});

/** Earlier password hashes of an account, for the policy's history rule. */
export const passwordHistory = pgTable(
  "password_history",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    contactId: uuid("contact_id").references(() => contacts.id, { onDelete: "cascade" }),
    passwordHash: text("password_hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("password_history_user_idx").on(t.userId, t.createdAt.desc()), index("password_history_contact_idx").on(t.contactId, t.createdAt.desc())],
);

/**
 * Failed sign-ins per login name (lower-cased), whether or not an account has that name, and
 * the lock they cause; one row per name, updated atomically, so concurrent failures cannot
 * slip past the limit and every server process sees the same count.
 */
export const loginThrottles = pgTable(
  "login_throttles",
  {
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    audience: text("audience", { enum: ["PORTAL", "STAFF"] }).notNull(),
    loginKey: text("login_key").notNull(),
    failures: integer("failures").notNull().default(0),
    windowStartedAt: at("window_started_at").notNull(),
    lockedUntil: at("locked_until"),
    /** A lock that only staff can lift (lockoutMinutes 0). */
    lockedIndefinitely: boolean("locked_indefinitely").notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.audience, t.loginKey] })],
);

/** Single-use tokens sent by email (password reset, registration); stored only as a hash. */
export const emailTokens = pgTable(
  "email_tokens",
  {
    id: id(),
    tokenHash: text("token_hash").notNull().unique("email_tokens_token_hash_key"),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    purpose: text("purpose", { enum: ["PASSWORD_RESET", "REGISTRATION"] }).notNull(),
    contactId: uuid("contact_id").references(() => contacts.id, { onDelete: "cascade" }),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    expiresAt: at("expires_at").notNull(),
    usedAt: at("used_at"),
    createdAt: createdAt(),
  },
  (t) => [index("email_tokens_contact_idx").on(t.contactId), index("email_tokens_user_idx").on(t.userId)],
);
