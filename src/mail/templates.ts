import { and, eq } from "drizzle-orm";
import { Liquid, type Template } from "liquidjs";
import type { DbOrTx } from "../db/client.js";
import { messageTemplates } from "../db/schema/index.js";
import { badInput } from "../errors.js";

export const TEMPLATE_KEYS = [
  "track-password-reset-template",
  "portal-credentials",
  "registration-verification",
  "password-expiry-warning",
] as const;
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

export const LOCALES = ["en", "de"] as const;
export type Locale = (typeof LOCALES)[number];

const COMMON = ["contact.firstName", "contact.lastName", "login", "organisation.name", "portalUrl"];

/** The variables each key offers, as dotted paths; a template may name no other. */
export const TEMPLATE_VARIABLES: Record<TemplateKey, string[]> = {
  "track-password-reset-template": [...COMMON, "resetLink", "expiresAt"],
  "portal-credentials": [...COMMON, "password"],
  "registration-verification": [...COMMON, "verificationLink", "expiresAt"],
  // audience: PORTAL for a portal account, STAFF for a staff user (whose sign-in is not at portalUrl).
  "password-expiry-warning": [...COMMON, "expiresAt", "daysLeft", "audience"],
};

/** Example values for previews. */
const EXAMPLES: Record<string, string | number> = {
  "contact.firstName": "Ada",
  "contact.lastName": "Lovelace",
  login: "ada.lovelace",
  "organisation.name": "Example Ltd",
  portalUrl: "https://portal.example.com",
  resetLink: "https://portal.example.com/reset-password?token=EXAMPLE",
  verificationLink: "https://portal.example.com/verify-registration?token=EXAMPLE",
  expiresAt: "2030-01-01 12:00 UTC",
  password: "example-password-123",
  daysLeft: 5,
  audience: "PORTAL",
};

type Text = { subject: string; body: string };

/** Built-in wording, used unless an organisation overrides a key and locale. */
export const DEFAULT_TEMPLATES: Record<TemplateKey, Record<Locale, Text>> = {
  "track-password-reset-template": {
    en: {
      subject: "Reset your password for {{ organisation.name }}",
      body:
        "Hello {{ contact.firstName }} {{ contact.lastName }},\n\nsomeone asked to reset the password of the portal login {{ login }}.\n" +
        "To choose a new password, open this link before {{ expiresAt }}:\n\n{{ resetLink }}\n\n" +
        "If you did not ask for this, ignore this email; your password stays as it is.\n",
    },
    de: {
      subject: "Passwort für {{ organisation.name }} zurücksetzen",
      body:
        "Hallo {{ contact.firstName }} {{ contact.lastName }},\n\njemand möchte das Passwort des Portal-Logins {{ login }} zurücksetzen.\n" +
        "Öffnen Sie diesen Link vor {{ expiresAt }}, um ein neues Passwort zu wählen:\n\n{{ resetLink }}\n\n" +
        "Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail; Ihr Passwort bleibt unverändert.\n",
    },
  },
  "portal-credentials": {
    en: {
      subject: "Your portal access at {{ organisation.name }}",
      body:
        "Hello {{ contact.firstName }} {{ contact.lastName }},\n\nyou can now sign in to the portal at {{ portalUrl }}.\n\nLogin: {{ login }}\n" +
        "{% if password %}Password: {{ password }}\n\nPlease change this password after your first sign-in.\n{% else %}Your password is given to you separately.\n{% endif %}",
    },
    de: {
      subject: "Ihr Portalzugang bei {{ organisation.name }}",
      body:
        "Hallo {{ contact.firstName }} {{ contact.lastName }},\n\nSie können sich jetzt im Portal unter {{ portalUrl }} anmelden.\n\nLogin: {{ login }}\n" +
        "{% if password %}Passwort: {{ password }}\n\nBitte ändern Sie dieses Passwort nach der ersten Anmeldung.\n{% else %}Ihr Passwort erhalten Sie auf anderem Weg.\n{% endif %}",
    },
  },
  "registration-verification": {
    en: {
      subject: "Confirm your registration at {{ organisation.name }}",
      body:
        "Hello {{ contact.firstName }} {{ contact.lastName }},\n\nplease confirm your registration for the portal login {{ login }} by opening this link before {{ expiresAt }}:\n\n" +
        "{{ verificationLink }}\n\nIf you did not register, ignore this email.\n",
    },
    de: {
      subject: "Bestätigen Sie Ihre Registrierung bei {{ organisation.name }}",
      body:
        "Hallo {{ contact.firstName }} {{ contact.lastName }},\n\nbitte bestätigen Sie Ihre Registrierung für den Portal-Login {{ login }} mit diesem Link vor {{ expiresAt }}:\n\n" +
        "{{ verificationLink }}\n\nWenn Sie sich nicht registriert haben, ignorieren Sie diese E-Mail.\n",
    },
  },
  "password-expiry-warning": {
    en: {
      subject: 'Your {% if audience == "STAFF" %}back-office{% else %}portal{% endif %} password expires in {{ daysLeft }} {% if daysLeft == 1 %}day{% else %}days{% endif %}',
      body:
        "Hello {{ contact.firstName }} {{ contact.lastName }},\n\n" +
        'the password of your {% if audience == "STAFF" %}back-office{% else %}portal{% endif %} login {{ login }} expires on {{ expiresAt }}.\n' +
        '{% if audience == "STAFF" %}Please sign in{% else %}Please sign in at {{ portalUrl }}{% endif %} and change it before then.\n',
    },
    de: {
      subject: 'Ihr {% if audience == "STAFF" %}Backoffice{% else %}Portal{% endif %}-Passwort läuft in {{ daysLeft }} {% if daysLeft == 1 %}Tag{% else %}Tagen{% endif %} ab',
      body:
        "Hallo {{ contact.firstName }} {{ contact.lastName }},\n\n" +
        'das Passwort Ihres {% if audience == "STAFF" %}Backoffice{% else %}Portal{% endif %}-Logins {{ login }} läuft am {{ expiresAt }} ab.\n' +
        '{% if audience == "STAFF" %}Bitte melden Sie sich an{% else %}Bitte melden Sie sich unter {{ portalUrl }} an{% endif %} und ändern Sie es vorher.\n',
    },
  },
};

const options = { strictVariables: true, strictFilters: true, ownPropertyOnly: true } as const;
/** Subjects and text bodies are plain text; only the HTML part escapes. */
const plain = new Liquid(options);
const html = new Liquid({ ...options, outputEscape: "escape" });

export const isTemplateKey = (key: string): key is TemplateKey => (TEMPLATE_KEYS as readonly string[]).includes(key);
export const isLocale = (locale: string): locale is Locale => (LOCALES as readonly string[]).includes(locale);

/** The locale an email goes out in: the account's language if we have wording for it, else English. */
export function localeFor(preferred: string | null | undefined): Locale {
  const base = (preferred ?? "").toLowerCase().split(/[-_]/)[0];
  return isLocale(base) ? base : "en";
}

/** Parses a template and checks that it names only the key's variables; BAD_USER_INPUT on the field at fault. */
export function validateTemplate(key: TemplateKey, field: "subject" | "body", source: string): Template[] {
  let parsed: Template[];
  try {
    parsed = plain.parse(source);
  } catch (error) {
    throw badInput(field, `The ${field} is not a valid template: ${(error as Error).message}`);
  }
  const offered = TEMPLATE_VARIABLES[key];
  for (const segments of plain.globalVariableSegmentsSync(parsed)) {
    const path = segments.join(".");
    // A whole object (`contact`) may be tested in a condition; anything else must be offered.
    if (!offered.some((v) => v === path || v.startsWith(`${path}.`))) {
      throw badInput(field, `The ${field} names '${path}', which '${key}' does not offer (${offered.join(", ")}).`);
    }
  }
  return parsed;
}

/** Turns dotted variables into the nested object Liquid reads. */
function nest(values: Record<string, unknown>): Record<string, unknown> {
  const root: Record<string, any> = {};
  for (const [path, value] of Object.entries(values)) {
    const parts = path.split(".");
    let node = root;
    for (const part of parts.slice(0, -1)) node = node[part] ??= {};
    node[parts.at(-1)!] = value ?? null;
  }
  return root;
}

export type Rendered = { subject: string; textBody: string; htmlBody: string };

/** Renders subject, text body and an HTML body (values escaped) from one wording. */
export function renderTemplate(key: TemplateKey, text: Text, values: Record<string, unknown>): Rendered {
  const scope = nest(values);
  const subject = plain.renderSync(validateTemplate(key, "subject", text.subject), scope).replace(/[\r\n]+/g, " ").trim();
  const parsedBody = validateTemplate(key, "body", text.body);
  const textBody = plain.renderSync(parsedBody, scope);
  const htmlBody = `<!doctype html><html><body><div style="white-space: pre-wrap">${html.renderSync(html.parse(text.body), scope)}</div></body></html>`;
  return { subject, textBody, htmlBody };
}

/** Every variable of the key, taken from `sample` where given and from examples otherwise. */
export function withExamples(key: TemplateKey, sample: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  const lookup = (path: string) => {
    if (!sample) return undefined;
    if (Object.hasOwn(sample, path)) return sample[path];
    let node: any = sample;
    for (const part of path.split(".")) {
      if (node === null || typeof node !== "object" || !Object.hasOwn(node, part)) return undefined;
      node = node[part];
    }
    return node;
  };
  for (const variable of TEMPLATE_VARIABLES[key]) {
    const given = lookup(variable);
    flat[variable] = given === undefined || (given !== null && typeof given === "object") ? EXAMPLES[variable] : given;
  }
  return flat;
}

/** The wording in force: the organisation's override for key and locale, else the built-in one. */
export async function wordingFor(db: DbOrTx, organisationId: string, key: TemplateKey, locale: Locale): Promise<Text & { custom: boolean }> {
  const [row] = await db
    .select()
    .from(messageTemplates)
    .where(and(eq(messageTemplates.organisationId, organisationId), eq(messageTemplates.key, key), eq(messageTemplates.locale, locale)));
  return row ? { subject: row.subject, body: row.body, custom: true } : { ...DEFAULT_TEMPLATES[key][locale], custom: false };
}
