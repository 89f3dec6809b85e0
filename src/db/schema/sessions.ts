import { index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { at, createdAt, id } from "./columns.js";
import { contacts } from "./customers.js";
import { organisations } from "./organisations.js";
import { users } from "./users.js";

/** A signed-in session; the token itself is never stored, only its SHA-256. */
export const sessions = pgTable(
  "sessions",
  {
    id: id(),
    tokenHash: text("token_hash").notNull().unique("sessions_token_hash_key"),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    audience: text("audience", { enum: ["PORTAL", "STAFF"] }).notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    contactId: uuid("contact_id").references(() => contacts.id, { onDelete: "cascade" }),
    requiredActions: text("required_actions").array().notNull().default([]),
    clientAddress: text("client_address"),
    createdAt: createdAt(),
    lastSeenAt: at("last_seen_at").notNull().defaultNow(),
    expiresAt: at("expires_at").notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_contact_idx").on(t.contactId)],
);
