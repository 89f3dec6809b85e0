import { eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client.js";
import { organisations, outboundEmails } from "../db/schema/index.js";
import { localeFor, renderTemplate, type TemplateKey, wordingFor } from "./templates.js";

export type QueuedEmail = {
  organisationId: string;
  to: string;
  templateKey: TemplateKey;
  /** The recipient's preferred language; English when we have no wording for it. */
  locale?: string | null;
  /** The key's variables, as dotted paths; organisation.name and portalUrl are filled in here. */
  values: Record<string, unknown>;
  portalUrl: string;
  now: Date;
};

/**
 * Renders an email and writes it to the outbox inside the caller's transaction, so the email
 * exists exactly when the change that caused it does; the delivery worker sends it later.
 */
export async function queueEmail(tx: DbOrTx, email: QueuedEmail): Promise<string> {
  const locale = localeFor(email.locale);
  const [org] = await tx.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, email.organisationId));
  const wording = await wordingFor(tx, email.organisationId, email.templateKey, locale);
  const rendered = renderTemplate(email.templateKey, wording, {
    "organisation.name": org?.name ?? "",
    portalUrl: email.portalUrl,
    ...email.values,
  });
  const [row] = await tx
    .insert(outboundEmails)
    .values({
      organisationId: email.organisationId,
      to: email.to,
      templateKey: email.templateKey,
      locale,
      subject: rendered.subject,
      textBody: rendered.textBody,
      htmlBody: rendered.htmlBody,
      nextAttemptAt: email.now,
      createdAt: email.now,
    })
    .returning({ id: outboundEmails.id });
  return row.id;
}

/** A date as recipients read it in an email. */
export const emailDate = (date: Date) => `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
