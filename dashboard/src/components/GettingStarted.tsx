/** A new organisation's getting-started checklist, on its home page until done or put away. Each step
 * ticks itself from what exists (GET …/getting-started); "Check installation" asks again. */
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang, useLink } from "../lib/app";
import { formatDateTime } from "../lib/format";
import type { GettingStarted, GettingStartedStep } from "../lib/types";
import { Button, Card, ErrorNotice } from "./ui";

// Where each step is done.
const WHERE: Record<GettingStartedStep, string> = {
  describe: "/ai",
  knowledge: "/ai",
  channel: "/channels",
  install: "/channels",
  first_message: "/conversations",
  invite: "/members",
};

/** The first message is sent from the preview of the website channel's real widget, when there is one. */
function where(step: GettingStartedStep, websiteChannelId: string | null | undefined): string {
  return step === "first_message" && websiteChannelId ? `/channels/${websiteChannelId}/try` : WHERE[step];
}

export function GettingStartedCard({ orgId }: { orgId: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const link = useLink();
  const { isAdmin } = useApp();
  const client = useQueryClient();
  const key = ["getting-started", orgId];
  const state = useQuery({ queryKey: key, queryFn: () => api<GettingStarted>(`/organizations/${orgId}/getting-started`) });
  const dismiss = useMutation({
    mutationFn: () => api<GettingStarted>(`/organizations/${orgId}/getting-started`, { method: "PUT", body: { dismissed: true } }),
    onSuccess: (answer) => client.setQueryData(key, answer),
  });
  const checklist = state.data;
  if (!checklist || checklist.dismissed || checklist.complete) return null;
  const done = checklist.steps.filter((s) => s.done).length;
  return (
    <Card
      className="getting-started"
      title={t("gettingStarted.title", { done, total: checklist.steps.length })}
      actions={
        isAdmin && (
          <Button variant="ghost" busy={dismiss.isPending} onClick={() => dismiss.mutate()}>
            {t("gettingStarted.dismiss")}
          </Button>
        )
      }
    >
      <ol className="checklist">
        {checklist.steps.map((step) => (
          <li key={step.key} className={step.done ? "done" : undefined}>
            <span className="check" aria-hidden="true">{step.done ? "✓" : ""}</span>
            <div>
              <Link to={link(where(step.key, checklist.websiteChannelId))}>{t(`gettingStarted.steps.${step.key}.title`)}</Link>
              <span className="sr-only">{step.done ? t("gettingStarted.done") : t("gettingStarted.pending")}</span>
              <p className="hint">{t(`gettingStarted.steps.${step.key}.hint`)}</p>
              {step.key === "install" && (
                <div className="row">
                  <Button variant="secondary" busy={state.isFetching} onClick={() => void state.refetch()}>
                    {t("gettingStarted.check")}
                  </Button>
                  <span className="hint" role="status">
                    {checklist.widgetSeenAt && checklist.widgetSeenOrigin
                      ? t("gettingStarted.seen", { origin: checklist.widgetSeenOrigin, at: formatDateTime(checklist.widgetSeenAt, lang) })
                      : step.done
                        ? t("gettingStarted.seenByMessage")
                        : t("gettingStarted.notSeen")}
                  </span>
                </div>
              )}
            </div>
          </li>
        ))}
      </ol>
      {dismiss.error && <ErrorNotice error={dismiss.error} />}
    </Card>
  );
}
