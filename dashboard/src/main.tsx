import { StrictMode, Suspense } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter } from "react-router-dom";
import "./i18n";
import "./styles.css";
import { App } from "./App";
import { ApiError } from "./lib/api";

// A page's chunk that is no longer there (a deploy or a rebuild since this tab loaded the app): the app is
// loaded afresh, once; a chunk still missing after that is an error to show, not a reason to loop.
window.addEventListener("vite:preloadError", (event) => {
  const last = Number(sessionStorage.getItem("cf360.reloaded") ?? 0);
  if (Date.now() - last < 10_000) return;
  sessionStorage.setItem("cf360.reloaded", String(Date.now()));
  event.preventDefault();
  window.location.reload();
});

const client = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <BrowserRouter basename="/app">
        {/* Until the page's language has come (src/i18n: one chunk per language). */}
        <Suspense fallback={null}>
          <App />
        </Suspense>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
