/** The choices that several forms offer, so that every form offers the same ones in the same order. */
import { useTranslation } from "react-i18next";
import type { Lang, Member } from "../lib/types";
import { Field } from "./ui";

type MemberRole = Member["role"];

/** The roles a member can have in an organisation; agent first, as it is the usual one. */
export function MemberRoleOptions() {
  const { t } = useTranslation();
  return (
    <>
      <option value="agent">{t("roles.agent")}</option>
      <option value="admin">{t("roles.admin")}</option>
    </>
  );
}

export function MemberRoleField({ value, onChange }: { value: MemberRole; onChange: (role: MemberRole) => void }) {
  const { t } = useTranslation();
  return (
    <Field label={t("members.role")}>
      {(id) => (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value as MemberRole)}>
          <MemberRoleOptions />
        </select>
      )}
    </Field>
  );
}

export function LanguageField({ value, onChange }: { value: Lang; onChange: (lang: Lang) => void }) {
  const { t } = useTranslation();
  return (
    <Field label={t("common.language")}>
      {(id) => (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value as Lang)}>
          <option value="en">{t("languages.en")}</option>
          <option value="es">{t("languages.es")}</option>
        </select>
      )}
    </Field>
  );
}
