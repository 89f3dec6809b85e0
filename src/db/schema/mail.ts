import { index, integer, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { at, createdAt, id } from "./columns.js";
import { organisations } from "./organisations.js";

/** An organisation's own wording of a message template, per key and locale; built-in defaults live in code. */
export const messageTemplates = pgTable(
  "message_templates",
  {
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    key: text("key").notNull(),
    locale: text("locale").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.key, t.locale] })],
);

/**
 * The outbox: every email the system decided to send, written in the same transaction as the
 * change that caused it, and delivered by a worker that claims rows (claimedUntil) so that no
 * email is sent twice when several server processes run.
 */
export const outboundEmails = pgTable(
  "outbound_emails",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    to: text("to").notNull(),
    templateKey: text("template_key").notNull(),
    locale: text("locale").notNull(),
    subject: text("subject").notNull(),
    textBody: text("text_body").notNull(),
    htmlBody: text("html_body"),
    status: text("status", { enum: ["PENDING", "SENT", "FAILED"] }).notNull().default("PENDING"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    nextAttemptAt: at("next_attempt_at").notNull().defaultNow(),
    claimedUntil: at("claimed_until"),
    sentAt: at("sent_at"),
    createdAt: createdAt(),
  },
  (t) => [
    index("outbound_emails_due_idx").on(t.status, t.nextAttemptAt),
    index("outbound_emails_recent_idx").on(t.organisationId, t.createdAt.desc(), t.id.desc()),
  ],
);
