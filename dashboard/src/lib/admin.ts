/** The super admin's edits: only what changed goes to the API, and a deletion confirmed by typing the name. */
import type { Lang, Organization, OrganizationUpdate, UserDetail, UserUpdate } from "./types";

export interface UserForm { name: string; preferredLanguage: Lang; isSuperAdmin: boolean }
export type UserPatch = UserUpdate;

export function userForm(user: UserDetail): UserForm {
  return { name: user.name, preferredLanguage: user.preferredLanguage, isSuperAdmin: user.isSuperAdmin };
}

/** The PATCH /users/{id} body: the fields that differ from the user (the name trimmed), or null when none does. */
export function userPatch(user: UserDetail, form: UserForm): UserPatch | null {
  const patch: UserPatch = {};
  const name = form.name.trim();
  if (name && name !== user.name) patch.name = name;
  if (form.preferredLanguage !== user.preferredLanguage) patch.preferredLanguage = form.preferredLanguage;
  if (form.isSuperAdmin !== user.isSuperAdmin) patch.isSuperAdmin = form.isSuperAdmin;
  return Object.keys(patch).length ? patch : null;
}

/** The PATCH /organizations/{id} body for a rename, or null when the name is empty or unchanged. */
export function renameBody(org: Organization, typed: string): OrganizationUpdate | null {
  const name = typed.trim();
  return name && name !== org.name ? { name } : null;
}

/** A destructive action waits until the exact name (spaces around it aside) has been typed. */
export function nameConfirmed(typed: string, name: string): boolean {
  return typed.trim() !== "" && typed.trim() === name.trim();
}
