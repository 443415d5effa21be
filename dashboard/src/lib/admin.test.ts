import { describe, expect, it } from "vitest";
import { nameConfirmed, renameBody, userForm, userPatch } from "./admin";
import type { Organization, UserDetail } from "./types";

const user: UserDetail = {
  id: "u1", email: "ana@example.com", name: "Ana", isSuperAdmin: false, preferredLanguage: "en", active: true,
  createdAt: "2026-01-01T00:00:00Z", signedInAt: null, memberships: [],
};
const org: Organization = { id: "o1", name: "Panadería", plan: "starter", active: true, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z" };

describe("super admin edits", () => {
  it("sends only the user's changed fields", () => {
    expect(userPatch(user, userForm(user))).toBeNull();
    expect(userPatch(user, { ...userForm(user), name: "  Ana  " })).toBeNull();
    expect(userPatch(user, { ...userForm(user), name: "   " })).toBeNull();
    expect(userPatch(user, { name: " Ana María ", preferredLanguage: "es", isSuperAdmin: true })).toEqual({ name: "Ana María", preferredLanguage: "es", isSuperAdmin: true });
    expect(userPatch({ ...user, isSuperAdmin: true }, userForm(user))).toEqual({ isSuperAdmin: false });
  });
  it("renames an organisation only to a new, non-empty name", () => {
    expect(renameBody(org, "Panadería")).toBeNull();
    expect(renameBody(org, "  ")).toBeNull();
    expect(renameBody(org, " Pastelería ")).toEqual({ name: "Pastelería" });
  });
  it("asks for the exact name before deleting", () => {
    expect(nameConfirmed("Panadería", "Panadería")).toBe(true);
    expect(nameConfirmed(" Panadería ", "Panadería")).toBe(true);
    expect(nameConfirmed("panadería", "Panadería")).toBe(false);
    expect(nameConfirmed("Panaderia", "Panadería")).toBe(false);
    expect(nameConfirmed("", "")).toBe(false);
  });
});
