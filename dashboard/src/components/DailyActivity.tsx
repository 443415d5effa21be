/** A card with conversations and handoffs by day (the chart library is loaded only when it shows). */
import { Suspense, lazy, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useLang } from "../lib/app";
import { formatDay } from "../lib/format";
import { Card, Loading } from "./ui";

const DailyChart = lazy(() => import("./DailyChart"));

export function DailyActivity({ title, days }: { title: ReactNode; days: { date: string; conversations: number; handoffs: number }[] }) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <Card title={title}>
      <div className="chart" role="img" aria-label={t("home.dailyAria")}>
        <Suspense fallback={<Loading />}>
          <DailyChart data={days.map((d) => ({ ...d, label: formatDay(d.date, lang) }))} conversationsLabel={t("home.seriesConversations")} handoffsLabel={t("home.seriesHandoffs")} />
        </Suspense>
      </div>
    </Card>
  );
}
