/** A channel's business hours and satisfaction survey (issue #19): when people answer, what the widget
 * does outside those hours, and how a visitor rates a conversation that ended. Admins change them; agents read. */
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp } from "../lib/app";
import type { components } from "../api/schema";
import { Button, Card, ErrorNotice, Field, Notice, QueryResult, Switch } from "../components/ui";
import { ChannelPage } from "../components/ChannelPage";
import { DAYS, draftOfHours, hoursBody, type HoursDraft } from "../lib/businessHours";
import { timeZones } from "../lib/timeZones";
import "../components/inbox/satisfaction.css";

type Schemas = components["schemas"];
type Hours = Schemas["BusinessHoursOut"];
type Survey = Schemas["SatisfactionIO"];

export function ChannelSettingsPage() {
  const { t } = useTranslation();
  return (
    <ChannelPage title={t("hours.pageTitle")}>
      {(channel, orgId) => (
        <>
          <BusinessHours orgId={orgId} channelId={channel.id} />
          <SatisfactionSurvey orgId={orgId} channelId={channel.id} />
        </>
      )}
    </ChannelPage>
  );
}

function BusinessHours({ orgId, channelId }: { orgId: string; channelId: string }) {
  const { t, i18n } = useTranslation();
  const { isAdmin } = useApp();
  const client = useQueryClient();
  const key = ["business-hours", orgId, channelId];
  const url = `/organizations/${orgId}/channels/${channelId}/business-hours`;
  const hours = useQuery({ queryKey: key, queryFn: () => api<Hours>(url) });
  const [draft, setDraft] = useState<HoursDraft | null>(null);
  const [holiday, setHoliday] = useState("");
  useEffect(() => {
    if (hours.data && draft === null) setDraft(draftOfHours(hours.data));
  }, [hours.data, draft]);
  const save = useMutation({
    mutationFn: (d: HoursDraft) => api<Hours>(url, { method: "PUT", body: hoursBody(d) }),
    onSuccess: (data) => {
      client.setQueryData(key, data);
      setDraft(draftOfHours(data));
    },
  });
  const dayName = (index: number) => new Date(Date.UTC(2026, 0, 5 + index)).toLocaleDateString(i18n.language, { weekday: "long", timeZone: "UTC" });
  const when = (iso: string) => new Date(iso).toLocaleString(i18n.language, { weekday: "long", day: "numeric", month: "long", hour: "numeric", minute: "2-digit" });
  return (
    <Card title={t("hours.title")}>
      <QueryResult query={hours}>
        {(stored) =>
          draft && (
            <form
              className="stack-form hours-form"
              onSubmit={(e: FormEvent) => {
                e.preventDefault();
                save.mutate(draft);
              }}
            >
              <p className="hint">{t("hours.intro")}</p>
              {stored.configured && stored.enabled && (
                <Notice kind={stored.openNow ? "success" : "info"}>
                  {stored.openNow ? t("hours.openNow") : stored.nextOpenAt ? t("hours.closedUntil", { when: when(stored.nextOpenAt) }) : t("hours.closedNoNext")}
                </Notice>
              )}
              <div className="row-between">
                <span>{t("hours.enabled")}</span>
                <Switch checked={draft.enabled} onChange={(v) => isAdmin && setDraft({ ...draft, enabled: v })} label={t("hours.enabled")} />
              </div>
              <Field label={t("hours.timeZone")}>
                {(id) => (
                  <select id={id} value={draft.timeZone} disabled={!isAdmin} onChange={(e) => setDraft({ ...draft, timeZone: e.target.value })}>
                    {timeZones(draft.timeZone).map((z) => (
                      <option key={z} value={z}>
                        {z}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <fieldset className="week">
                <legend>{t("hours.weekly")}</legend>
                {DAYS.map((day, index) => (
                  <div className="day" key={day} role="group" aria-label={dayName(index)}>
                    <strong>{dayName(index)}</strong>
                    <div className="ranges">
                      {draft.weekly[day].length === 0 && <span className="muted">{t("hours.closed")}</span>}
                      {draft.weekly[day].map((range, i) => (
                        <span className="range" key={i}>
                          <input
                            type="time"
                            aria-label={t("hours.opens", { day: dayName(index) })}
                            value={range.start}
                            disabled={!isAdmin}
                            onChange={(e) => setDraft(setRange(draft, day, i, { ...range, start: e.target.value }))}
                          />
                          <span aria-hidden="true">–</span>
                          <input
                            type="time"
                            aria-label={t("hours.closes", { day: dayName(index) })}
                            value={range.end}
                            disabled={!isAdmin}
                            onChange={(e) => setDraft(setRange(draft, day, i, { ...range, end: e.target.value }))}
                          />
                          {isAdmin && (
                            <Button variant="ghost" onClick={() => setDraft({ ...draft, weekly: { ...draft.weekly, [day]: draft.weekly[day].filter((_, j) => j !== i) } })} aria-label={t("hours.removeRange", { day: dayName(index) })}>
                              ×
                            </Button>
                          )}
                        </span>
                      ))}
                      {isAdmin && (
                        <Button variant="secondary" onClick={() => setDraft({ ...draft, weekly: { ...draft.weekly, [day]: [...draft.weekly[day], nextRange(draft.weekly[day])] } })} aria-label={t("hours.addRangeTo", { day: dayName(index) })}>
                          {t("hours.addRange")}
                        </Button>
                      )}
                    </div>
                  </div>
                ))}
              </fieldset>
              <p className="hint">{t("hours.midnight")}</p>
              <fieldset>
                <legend>{t("hours.holidays")}</legend>
                <ul className="plain-list">
                  {draft.holidays.map((d) => (
                    <li key={d}>
                      {new Date(d + "T12:00:00Z").toLocaleDateString(i18n.language, { dateStyle: "full", timeZone: "UTC" })}
                      {isAdmin && (
                        <Button variant="ghost" onClick={() => setDraft({ ...draft, holidays: draft.holidays.filter((h) => h !== d) })}>
                          {t("common.remove")}
                        </Button>
                      )}
                    </li>
                  ))}
                  {draft.holidays.length === 0 && <li className="muted">{t("hours.noHolidays")}</li>}
                </ul>
                {isAdmin && (
                  <div className="row">
                    <input type="date" aria-label={t("hours.holidayDate")} value={holiday} onChange={(e) => setHoliday(e.target.value)} />
                    <Button
                      variant="secondary"
                      disabled={!holiday}
                      onClick={() => {
                        setDraft({ ...draft, holidays: [...new Set([...draft.holidays, holiday])].sort() });
                        setHoliday("");
                      }}
                    >
                      {t("hours.addHoliday")}
                    </Button>
                  </div>
                )}
              </fieldset>
              <fieldset>
                <legend>{t("hours.outside")}</legend>
                {(["ai", "form"] as const).map((mode) => (
                  <label className="check" key={mode}>
                    <input type="radio" name="offline-mode" value={mode} checked={draft.offlineMode === mode} disabled={!isAdmin} onChange={() => setDraft({ ...draft, offlineMode: mode })} />{" "}
                    {t(`hours.modes.${mode}`)}
                  </label>
                ))}
              </fieldset>
              <ErrorNotice error={save.error} />
              {save.isSuccess && !save.isPending && <p className="small" role="status">{t("common.saved")}</p>}
              {isAdmin && (
                <Button type="submit" busy={save.isPending}>
                  {t("common.save")}
                </Button>
              )}
            </form>
          )
        }
      </QueryResult>
    </Card>
  );
}

function setRange(draft: HoursDraft, day: (typeof DAYS)[number], index: number, range: { start: string; end: string }): HoursDraft {
  return { ...draft, weekly: { ...draft.weekly, [day]: draft.weekly[day].map((r, i) => (i === index ? range : r)) } };
}

/** A new range after the day's last one (an hour later), or 09:00–17:00 for a closed day. */
function nextRange(ranges: { start: string; end: string }[]): { start: string; end: string } {
  if (ranges.length === 0) return { start: "09:00", end: "17:00" };
  const last = ranges[ranges.length - 1].end;
  const hour = Math.min(23, Number(last.slice(0, 2)) + 1);
  return { start: `${String(hour).padStart(2, "0")}:00`, end: "00:00" };
}

function SatisfactionSurvey({ orgId, channelId }: { orgId: string; channelId: string }) {
  const { t } = useTranslation();
  const { isAdmin } = useApp();
  const client = useQueryClient();
  const key = ["satisfaction", orgId, channelId];
  const url = `/organizations/${orgId}/channels/${channelId}/satisfaction`;
  const survey = useQuery({ queryKey: key, queryFn: () => api<Survey>(url) });
  const save = useMutation({
    mutationFn: (body: Survey) => api<Survey>(url, { method: "PUT", body }),
    onSuccess: (data) => client.setQueryData(key, data),
  });
  return (
    <Card title={t("csat.settingsTitle")}>
      <QueryResult query={survey}>
        {(s) => (
          <div className="stack-form">
            <div className="row-between">
              <p className="hint">{t("csat.enabledHint")}</p>
              {isAdmin ? <Switch checked={s.enabled} onChange={(v) => save.mutate({ ...s, enabled: v })} label={t("csat.enabled")} /> : <strong>{s.enabled ? t("common.on") : t("common.off")}</strong>}
            </div>
            <fieldset>
              <legend>{t("csat.scale")}</legend>
              {(["five", "thumbs"] as const).map((scale) => (
                <label className="check" key={scale}>
                  <input type="radio" name="csat-scale" value={scale} checked={s.scale === scale} disabled={!isAdmin || save.isPending} onChange={() => save.mutate({ ...s, scale })} /> {t(`csat.scales.${scale}`)}
                </label>
              ))}
            </fieldset>
            <ErrorNotice error={save.error} />
          </div>
        )}
      </QueryResult>
    </Card>
  );
}
