import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useLink } from "../lib/app";
import type { InvitationAccepted } from "../lib/types";
import { Button, Card, ErrorNotice, Notice } from "../components/ui";
import { usePageTitle } from "../lib/title";

/** /:lang/invitation#<token> — the emailed link: the signed-in account joins the organization only when it says so. */
export function InvitationPage() {
  const { t } = useTranslation();
  usePageTitle(t("invitation.title"));
  const link = useLink();
  const client = useQueryClient();
  // The token is in the fragment, which browsers never send to a server (nor to its logs).
  const [token] = useState(() => window.location.hash.replace(/^#/, ""));
  const accept = useMutation({
    mutationFn: () => api<InvitationAccepted>("/invitations/accept", { method: "POST", body: { token } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["me"] }),
  });
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("invitation.title")}</h1>
      </div>
      <Card>
        {accept.isSuccess ? (
          <>
            <Notice kind="success">{t("invitation.joined")}</Notice>
            <Link className="btn btn-primary" to={link("/")}>
              {t("notFound.home")}
            </Link>
          </>
        ) : (
          <>
            <p>{t("invitation.intro")}</p>
            <ErrorNotice error={accept.error} />
            <Button disabled={!token} busy={accept.isPending} onClick={() => accept.mutate()}>
              {t("invitation.accept")}
            </Button>
          </>
        )}
      </Card>
    </div>
  );
}
