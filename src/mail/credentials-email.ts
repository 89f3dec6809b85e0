import type { Deps } from "../context.js";
import type { DbOrTx } from "../db/client.js";
import { queueEmail } from "./outbox.js";

/** Queues portal-credentials to the contact in the caller's transaction; the password only when one was generated. */
export async function queueCredentialsEmail(
  tx: DbOrTx,
  deps: Pick<Deps, "config" | "clock">,
  email: {
    organisationId: string;
    contact: { email: string; firstName: string; lastName: string };
    login: string;
    locale: string | null;
    password: string | null;
  },
) {
  await queueEmail(tx, {
    organisationId: email.organisationId,
    to: email.contact.email,
    templateKey: "portal-credentials",
    locale: email.locale,
    portalUrl: deps.config.mail.portalUrl,
    now: deps.clock(),
    values: {
      "contact.firstName": email.contact.firstName,
      "contact.lastName": email.contact.lastName,
      login: email.login,
      password: email.password,
    },
  });
}
