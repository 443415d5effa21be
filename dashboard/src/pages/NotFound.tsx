import { Link, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { usePageTitle } from "../lib/title";

export function NotFoundPage() {
  const { t } = useTranslation();
  const { lang } = useParams();
  const l = lang === "es" ? "es" : "en";
  usePageTitle(t("notFound.title"));
  return (
    <div className="not-found">
      <h1>404</h1>
      <p>{t("notFound.text")}</p>
      <Link className="btn btn-primary" to={`/${l}`}>
        {t("notFound.home")}
      </Link>
    </div>
  );
}
