import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLink } from "../lib/app";
import { formatList, parseList } from "../lib/text";
import type { AISettings, AISettingsUpdate } from "../lib/types";
import { Button, Card, ErrorNotice, ErrorState, Field, Loading, Tabs } from "../components/ui";
import { NeedOrganization } from "./Members";
import { Link } from "react-router-dom";
import { KnowledgeTab } from "./Knowledge";
import { AIPreview } from "./AIPreview";

export function AISettingsPage() {
  return (
    <NeedOrganization>
      <AISettingsView />
    </NeedOrganization>
  );
}

function AISettingsView() {
  const { t } = useTranslation();
  const { orgId, org, me, isAdmin } = useApp();
  const superAdmin = me.user.isSuperAdmin;
  const [tab, setTab] = useState<"instructions" | "knowledge" | "quick">("instructions");
  const key = ["ai-settings", orgId];
  // Read again every 30 s (and on focus): which key answers follows keys saved elsewhere (API keys page).
  const settings = useQuery({
    queryKey: key,
    queryFn: () => api<AISettings>(`/organizations/${orgId}/ai-settings`),
    refetchInterval: 30_000,
  });
  // Held here, not in the forms: a save gives the settings a new updatedAt, which re-mounts the form
  // (see the keys below), and the "Saved" must outlive that.
  const saveInstructions = useSave();
  const saveQuick = useSave();
  const tabs = [
    { id: "instructions" as const, label: t("ai.instructions") },
    { id: "knowledge" as const, label: t("ai.knowledge") },
    ...(superAdmin ? [{ id: "quick" as const, label: t("ai.quick") }] : [])];
  return (
    <div className="page page-wide">
      <div className="page-head">
        <h1>
          {t("ai.title")} <small className="muted">{org?.name}</small>
        </h1>
        {settings.data && (
          <p className={`badge ${settings.data.apiKeySource === "none" ? "badge-red" : "badge-green"} ai-key-source`} role="status">
            {t(`keys.source.${settings.data.apiKeySource}`)}
          </p>
        )}
      </div>
      <Tabs tabs={tabs} value={tab} onChange={setTab} />
      <div className={tab === "quick" ? "ai-layout" : `ai-layout with-preview on-${tab}`}>
        <div className="ai-main">
          {tab === "knowledge" ? (
            <KnowledgeTab key={orgId} />
          ) : settings.isPending ? (
            <Loading />
          ) : settings.isError ? (
            <ErrorState error={settings.error} />
          ) : tab === "instructions" ? (
            <Instructions s={settings.data} readOnly={!isAdmin} save={saveInstructions} key={`${orgId}-${settings.data.updatedAt}`} />
          ) : (
            <Quick s={settings.data} save={saveQuick} key={`${orgId}-q-${settings.data.updatedAt}`} />
          )}
        </div>
        {/* Kept mounted on every tab, so that the test conversation survives a look at Quick settings. */}
        <aside className="ai-side" hidden={tab === "quick"}>
          {/* Each preview answer is paid for: admins only (the API refuses agents). */}
          {isAdmin && <AIPreview key={orgId} />}
        </aside>
      </div>
    </div>
  );
}

function useSave() {
  const { orgId } = useApp();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: AISettingsUpdate) => api<AISettings>(`/organizations/${orgId}/ai-settings`, { method: "PATCH", body }),
    onSuccess: (s) => client.setQueryData(["ai-settings", orgId], s),
  });
}

/** A change after a save hides its "Saved" (not the form's first render, which follows the save itself). */
function useHideSavedOnEdit(save: ReturnType<typeof useSave>, values: unknown[]) {
  const mounted = useRef(false);
  useEffect(() => {
    if (mounted.current) save.reset();
    mounted.current = true;
  }, values);
}

/** "Saved" once the last change went through, then the Save button itself. */
function SaveButton({ save }: { save: ReturnType<typeof useSave> }) {
  const { t } = useTranslation();
  return (
    <>
      {save.isSuccess && <span className="ok-text">{t("common.saved")}</span>}
      <Button type="submit" busy={save.isPending}>
        {t("common.save")}
      </Button>
    </>
  );
}

function Instructions({ s, readOnly, save }: { s: AISettings; readOnly: boolean; save: ReturnType<typeof useSave> }) {
  const { t } = useTranslation();
  const link = useLink();
  const [prompt, setPrompt] = useState(s.systemPrompt);
  const [keywords, setKeywords] = useState(formatList(s.handoffKeywords.length ? s.handoffKeywords : s.defaultHandoffKeywords));
  const [images, setImages] = useState(s.imageInput ?? false);
  useHideSavedOnEdit(save, [prompt, keywords, images]);
  return (
    <Card>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ systemPrompt: prompt, handoffKeywords: parseList(keywords), imageInput: images });
        }}
      >
        <Field label={t("ai.systemPrompt")} hint={t("ai.systemPromptHint")}>
          {(id) => <textarea id={id} rows={8} maxLength={8000} value={prompt} onChange={(e) => setPrompt(e.target.value)} readOnly={readOnly} />}
        </Field>
        <Field
          label={t("ai.keywords")}
          hint={
            <>
              {t("ai.keywordsHint")} <Link to={link("/channels")}>{t("ai.handoffSwitchOnChannels")}</Link>
            </>
          }
        >
          {(id) => <textarea id={id} rows={8} value={keywords} onChange={(e) => setKeywords(e.target.value)} readOnly={readOnly} />}
        </Field>
        {/* Visitors' images to the model: a privacy choice of the business, off unless turned on. */}
        <label className="check">
          <input type="checkbox" checked={images} disabled={readOnly} onChange={(e) => setImages(e.target.checked)} /> {t("ai.imageInput")}
        </label>
        <p className="muted small">{s.imageInputSupported ? t("ai.imageInputHint") : t("ai.imageInputUnsupported", { model: s.model })}</p>
        {!readOnly && (
          <div className="row">
            <Button variant="ghost" onClick={() => setKeywords(formatList(s.defaultHandoffKeywords))}>
              {t("ai.restoreDefaults")}
            </Button>
            <span className="spacer" />
            <SaveButton save={save} />
          </div>
        )}
        <ErrorNotice error={save.error} />
      </form>
    </Card>
  );
}

const MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1"];

function Quick({ s, save }: { s: AISettings; save: ReturnType<typeof useSave> }) {
  const { t } = useTranslation();
  const [model, setModel] = useState(s.model);
  const [temperature, setTemperature] = useState(s.temperature);
  const [maxTokens, setMaxTokens] = useState(s.maxTokens);
  useHideSavedOnEdit(save, [model, temperature, maxTokens]);
  return (
    <Card>
      <form
        className="stack narrow"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ model, temperature, maxTokens });
        }}
      >
        <Field label={t("ai.model")}>
          {(id) => (
            <>
              <input id={id} list={`${id}-models`} required value={model} onChange={(e) => setModel(e.target.value)} />
              <datalist id={`${id}-models`}>
                {MODELS.map((m) => (
                  <option key={m} value={m} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field label={t("ai.temperature", { value: temperature.toFixed(1) })} hint={t("ai.temperatureHint")}>
          {(id) => <input id={id} type="range" min={0} max={2} step={0.1} value={temperature} onChange={(e) => setTemperature(Number(e.target.value))} />}
        </Field>
        <Field label={t("ai.maxTokens")}>{(id) => <input id={id} type="number" min={1} max={16384} required value={maxTokens} onChange={(e) => setMaxTokens(Number(e.target.value))} />}</Field>
        <p className="muted small">{t(`keys.source.${s.apiKeySource}`)}{s.apiKeyHint ? ` (${s.apiKeyHint})` : ""}</p>
        <div className="row end">
          <SaveButton save={save} />
        </div>
        <ErrorNotice error={save.error} />
      </form>
    </Card>
  );
}
