import { registerEnumType } from "type-graphql";

export enum Audience {
  PORTAL = "PORTAL",
  STAFF = "STAFF",
}
export enum RequiredAction {
  CHANGE_PASSWORD = "CHANGE_PASSWORD",
}
export enum AuthMode {
  DATABASE = "DATABASE",
  LDAP = "LDAP",
}
export enum ProfileAssignment {
  MANUAL = "MANUAL",
  AUTOMATIC = "AUTOMATIC",
}
export enum UserState {
  ACTIVE = "ACTIVE",
  INACTIVE = "INACTIVE",
}

registerEnumType(Audience, { name: "Audience", description: "Where a sign-in leads: the customer portal or the staff back office." });
registerEnumType(RequiredAction, { name: "RequiredAction" });
registerEnumType(AuthMode, { name: "AuthMode", description: "DATABASE: password kept here; LDAP: checked against a directory." });
registerEnumType(ProfileAssignment, { name: "ProfileAssignment" });
registerEnumType(UserState, { name: "UserState" });
