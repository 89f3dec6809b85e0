import { sql } from "drizzle-orm";
import { boolean, date, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { at, createdAt, id, updatedAt } from "./columns.js";
import { organisations } from "./organisations.js";

/** Staff users of the back office. */
export const users = pgTable(
  "users",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    username: text("username").notNull(),
    firstName: text("first_name").notNull(),
    lastName: text("last_name").notNull(),
    email: text("email"),
    passwordHash: text("password_hash"),
    passwordChangedAt: at("password_changed_at"),
    superUser: boolean("super_user").notNull().default(false),
    developer: boolean("developer").notNull().default(false),
    state: text("state", { enum: ["ACTIVE", "INACTIVE"] }).notNull().default("ACTIVE"),
    ctiEnabled: boolean("cti_enabled").notNull().default(false),
    phoneExtension: text("phone_extension"),
    systemLanguage: text("system_language"),
    nativeLanguage: text("native_language"),
    homeScreen: text("home_screen"),
    title: text("title"),
    gender: text("gender"),
    dateOfBirth: date("date_of_birth"),
    nameDay: text("name_day"),
    countryOfResidence: text("country_of_residence"),
    // The foreign key arrives with security profiles.
    securityProfileId: uuid("security_profile_id"),
    lastLoginAt: at("last_login_at"),
    mustChangePassword: boolean("must_change_password").notNull().default(false),
    expiryWarningSentFor: at("expiry_warning_sent_for"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("users_login_key").on(t.organisationId, sql`lower(${t.username})`),
    index("users_name_idx").on(t.organisationId, t.lastName, t.firstName, t.id),
  ],
);
