import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { securityMatrix, type Matrix } from "../helpers/principals.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { failure, outcome } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
let matrix: Matrix;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
  matrix = await securityMatrix(server, admin);
});
afterAll(() => server?.close());

describe("AuthenticationPolicy", () => {
  it("answers the NIST defaults for the caller's organisation group", async () => {
    const { authenticationPolicy: p } = await admin.AuthenticationPolicy();
    expect(p.organisationGroup.name).toBe("Default");
    expect(p.password).toEqual({
      minLength: 15,
      requireUppercase: false,
      requireLowercase: false,
      requireDigit: false,
      requireSymbol: false,
      notUsername: true,
      historyCount: 5,
      maxAgeDays: null,
      expiryWarningDays: 7,
      rejectCommonPasswords: true,
    });
    expect(p.username).toEqual({ minLength: 3, maxLength: 64, pattern: null });
    expect(p.lockout).toEqual({ maxFailures: 5, windowMinutes: 15, lockoutMinutes: 15 });
    expect(p.session).toEqual({ idleTimeoutMinutes: 30, absoluteTimeoutMinutes: 720 });
    expect(p.resetTokenTtlMinutes).toBe(60);
  });

  it("updates partially, keeps what was left out, clears maxAgeDays with null, and audits the change", async () => {
    const { updateAuthenticationPolicy: a } = await admin.UpdateAuthenticationPolicy({
      input: { password: { maxAgeDays: 90, requireDigit: true }, resetTokenTtlMinutes: 30 },
    });
    expect(a.password).toMatchObject({ maxAgeDays: 90, requireDigit: true, minLength: 15 });
    expect(a.resetTokenTtlMinutes).toBe(30);
    const { updateAuthenticationPolicy: b } = await admin.UpdateAuthenticationPolicy({ input: { lockout: { maxFailures: 7 } } });
    expect(b.password).toMatchObject({ maxAgeDays: 90, requireDigit: true });
    expect(b.lockout).toEqual({ maxFailures: 7, windowMinutes: 15, lockoutMinutes: 15 });
    const { updateAuthenticationPolicy: c } = await admin.UpdateAuthenticationPolicy({
      input: { password: { maxAgeDays: null, requireDigit: false }, lockout: { maxFailures: 5 }, resetTokenTtlMinutes: 60 },
    });
    expect(c.password.maxAgeDays).toBeNull();
    const { auditEvents } = await admin.AuditEvents({ filter: { entityType: "AuthenticationPolicy" } });
    expect(auditEvents.edges.length).toBe(3);
    expect(auditEvents.edges[0].node.action).toBe("updateAuthenticationPolicy");
    expect(auditEvents.edges[2].node.changes).toMatchObject({ "password.maxAgeDays": { from: null, to: 90 } });
  });

  it.each([
    [{ password: { minLength: 7 } }, "password.minLength"],
    [{ password: { minLength: -1 } }, "password.minLength"],
    [{ password: { historyCount: 25 } }, "password.historyCount"],
    [{ password: { historyCount: -1 } }, "password.historyCount"],
    [{ password: { expiryWarningDays: -3 } }, "password.expiryWarningDays"],
    [{ password: { maxAgeDays: 0 } }, "password.maxAgeDays"],
    [{ username: { pattern: "([a-z" } }, "username.pattern"],
    [{ username: { minLength: 10, maxLength: 5 } }, "username.maxLength"],
    [{ lockout: { maxFailures: 0 } }, "lockout.maxFailures"],
    [{ lockout: { lockoutMinutes: -1 } }, "lockout.lockoutMinutes"],
    [{ session: { idleTimeoutMinutes: -5 } }, "session.idleTimeoutMinutes"],
    [{ resetTokenTtlMinutes: -1 }, "resetTokenTtlMinutes"],
  ])("refuses %j with BAD_USER_INPUT on %s and changes nothing", async (input, field) => {
    const before = (await admin.AuthenticationPolicy()).authenticationPolicy;
    const e = await failure(admin.UpdateAuthenticationPolicy({ input }));
    expect(e.code).toBe("BAD_USER_INPUT");
    expect(e.field).toBe(field);
    expect((await admin.AuthenticationPolicy()).authenticationPolicy).toEqual(before);
  });
});

describe("security matrix", () => {
  it("AuthenticationPolicy and UpdateAuthenticationPolicy: anonymous UNAUTHENTICATED, portal and plain staff FORBIDDEN", async () => {
    const callers: Array<[GatehouseClient, string]> = [
      [matrix.anonymous, "UNAUTHENTICATED"],
      [matrix.portal, "FORBIDDEN"],
      [matrix.staff, "FORBIDDEN"],
    ];
    for (const [client, code] of callers) {
      expect(await outcome(client.AuthenticationPolicy())).toBe(code);
      expect(await outcome(client.UpdateAuthenticationPolicy({ input: { password: { minLength: 20 } } }))).toBe(code);
    }
    expect((await admin.AuthenticationPolicy()).authenticationPolicy.password.minLength).toBe(15);
  });

  it("a super user of another organisation group sees and changes only its own group's policy", async () => {
    const { updateAuthenticationPolicy: other } = await matrix.otherOrganisation.UpdateAuthenticationPolicy({
      input: { password: { minLength: 30 } },
    });
    expect(other.organisationGroup.name).not.toBe("Default");
    expect((await admin.AuthenticationPolicy()).authenticationPolicy.password.minLength).toBe(15);
  });
});
