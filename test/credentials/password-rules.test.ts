import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { contact, newPassword, portalProfile, portalUser, unique } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { failure } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
});
afterAll(() => server?.close());

const setPolicy = (input: Parameters<GatehouseClient["UpdateAuthenticationPolicy"]>[0]["input"]) => admin.UpdateAuthenticationPolicy({ input });
const DEFAULTS = {
  password: { minLength: 15, requireUppercase: false, requireLowercase: false, requireDigit: false, requireSymbol: false, notUsername: true, historyCount: 5, rejectCommonPasswords: true },
  username: { minLength: 3, maxLength: 64, pattern: null },
};

describe("password rules", () => {
  it("minLength at its boundary: 14 characters refused, 15 allowed (staff set, via SetPortalAccess)", async () => {
    const who = await portalUser(admin);
    const e = await failure(admin.SetPortalAccess({ input: { contactId: who.contact.id, password: "q7#Lm2vR9xTa4pZ".slice(0, 14) } }));
    expect(e.code).toBe("PASSWORD_POLICY");
    expect(e.violations).toEqual(["The password must have at least 15 characters."]);
    await admin.SetPortalAccess({ input: { contactId: who.contact.id, password: "q7#Lm2vR9xTa4pZ" } });
  });

  it("lists every violation at once", async () => {
    await setPolicy({ password: { requireUppercase: true, requireLowercase: true, requireDigit: true, requireSymbol: true } });
    try {
      const login = `ada${unique()}`;
      const person = await contact(admin);
      const profile = await portalProfile(admin);
      const e = await failure(admin.SetPortalAccess({ input: { contactId: person.id, login, password: login, profileId: profile.id } }));
      expect(e.code).toBe("PASSWORD_POLICY");
      expect(e.violations).toEqual([
        "The password must have at least 15 characters.",
        "The password must contain an uppercase letter.",
        "The password must contain a symbol.",
        "The password may not contain the login.",
      ]);
      const upperOnly = await failure(admin.SetPortalAccess({ input: { contactId: person.id, login, password: "ABCDEFGHIJKLMNOP", profileId: profile.id } }));
      expect(upperOnly.violations).toEqual([
        "The password must contain a lowercase letter.",
        "The password must contain a digit.",
        "The password must contain a symbol.",
      ]);
      // A generated password meets the policy, classes included.
      const { setPortalAccess } = await admin.SetPortalAccess({ input: { contactId: person.id, login, generatePassword: true, profileId: profile.id } });
      expect(setPortalAccess.generatedPassword).toMatch(/\p{Lu}/u);
      await server.signIn("PORTAL", login, setPortalAccess.generatedPassword!);
    } finally {
      await setPolicy({ password: DEFAULTS.password });
    }
  });

  it("refuses a well-known password, whatever its case, and allows it when the rule is off", async () => {
    const who = await portalUser(admin);
    for (const password of ["123456789987654321", "1QAZ2wsx3EDC4rfv"]) {
      const e = await failure(admin.SetPortalAccess({ input: { contactId: who.contact.id, password } }));
      expect(e.violations).toEqual(["The password is too well known."]);
    }
    await setPolicy({ password: { rejectCommonPasswords: false } });
    try {
      await admin.SetPortalAccess({ input: { contactId: who.contact.id, password: "1qaz2wsx3edc4rfv" } });
    } finally {
      await setPolicy({ password: { rejectCommonPasswords: true } });
    }
  });

  it("applies to staff users created with a password (the username rule too)", async () => {
    const e = await failure(
      admin.CreateUser({ input: { username: `u${unique()}`, firstName: "A", lastName: "B", password: "short" } }),
    );
    expect(e.code).toBe("PASSWORD_POLICY");
    const username = `staffer${unique()}`;
    const notUser = await failure(admin.CreateUser({ input: { username, firstName: "A", lastName: "B", password: `${username}-very-long-pass` } }));
    expect(notUser.violations).toEqual(["The password may not contain the login."]);
  });
});

describe("history", () => {
  it("refuses each of the last historyCount passwords (the current one included) and allows the one before them", async () => {
    await setPolicy({ password: { historyCount: 3 } });
    try {
      const who = await portalUser(admin);
      const passwords = [who.password, newPassword(), newPassword(), newPassword()];
      for (const p of passwords.slice(1)) await admin.SetPortalAccess({ input: { contactId: who.contact.id, password: p } });
      // The last 3: passwords[1..3]; passwords[0] is the 4th back.
      for (const reused of passwords.slice(1)) {
        const e = await failure(admin.SetPortalAccess({ input: { contactId: who.contact.id, password: reused } }));
        expect(e.code).toBe("PASSWORD_POLICY");
        expect(e.violations).toEqual(["The password may not be one of the last 3 passwords of this account."]);
      }
      await admin.SetPortalAccess({ input: { contactId: who.contact.id, password: passwords[0] } });
      // Self change goes through the same history (passwords[0] is now current).
      const portal = await server.signIn("PORTAL", who.login, passwords[0]);
      const e = await failure(portal.ChangePassword({ input: { currentPassword: passwords[0], newPassword: passwords[3] } }));
      expect(e.code).toBe("PASSWORD_POLICY");
    } finally {
      await setPolicy({ password: { historyCount: 5 } });
    }
  });

  it("historyCount 0 switches history off", async () => {
    await setPolicy({ password: { historyCount: 0 } });
    try {
      const who = await portalUser(admin);
      await admin.SetPortalAccess({ input: { contactId: who.contact.id, password: who.password } });
    } finally {
      await setPolicy({ password: { historyCount: 5 } });
    }
  });
});

describe("username policy", () => {
  it("applies minLength, maxLength and pattern to portal logins and staff usernames", async () => {
    await setPolicy({ username: { minLength: 6, maxLength: 12, pattern: "^[a-z0-9.]+$" } });
    try {
      const person = await contact(admin);
      const profile = await portalProfile(admin);
      const set = (login: string) => admin.SetPortalAccess({ input: { contactId: person.id, login, password: newPassword(), profileId: profile.id } });
      for (const bad of ["abcde", "abcdefghijklm", "Abcdef"]) {
        const e = await failure(set(bad));
        expect([e.code, e.field]).toEqual(["BAD_USER_INPUT", "login"]);
      }
      await set("abcdef");
      const e = await failure(admin.CreateUser({ input: { username: "UPPER.case", firstName: "A", lastName: "B" } }));
      expect([e.code, e.field]).toEqual(["BAD_USER_INPUT", "username"]);
    } finally {
      await setPolicy({ username: DEFAULTS.username });
    }
  });
});
