import { afterEach, describe, expect, it, vi } from "vitest";
import i18n from "../i18n";
import { ApiError, api } from "./api";
import { errorMessage } from "../components/ui";

type Call = { url: string; headers: Record<string, string> };

/** fetch answering `answer` every time, recording what was sent. */
function stubFetch(answer: () => Response): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ url, headers: (init?.headers ?? {}) as Record<string, string> });
      return answer();
    }),
  );
  return calls;
}

function refusal(status: number, code: string, message: string, language?: string): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (language) headers["content-language"] = language;
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers });
}

async function failure(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

afterEach(async () => {
  vi.unstubAllGlobals();
  await i18n.changeLanguage("en");
});

describe("the API client", () => {
  it("sends the language the interface shows as Accept-Language on every call", async () => {
    const calls = stubFetch(() => new Response("{}", { status: 200 }));

    await i18n.changeLanguage("es");
    await api("/me", { auth: false });
    await i18n.changeLanguage("en");
    await api("/auth/login", { method: "POST", body: { email: "a@b.c", password: "x" }, auth: false });

    expect(calls.map((c) => c.headers["accept-language"])).toEqual(["es", "en"]);
    expect(calls[1].headers["content-type"]).toBe("application/json");
  });

  it("shows a Spanish operator the API's Spanish words after a wrong password", async () => {
    await i18n.changeLanguage("es");
    stubFetch(() => refusal(401, "invalid_credentials", "El correo electrónico o la contraseña no son correctos.", "es"));

    const error = await failure(api("/auth/login", { method: "POST", body: { email: "a@b.c", password: "x" }, auth: false }));

    expect([error.code, error.language]).toEqual(["invalid_credentials", "es"]);
    expect(errorMessage(error, "fallback")).toBe("El correo electrónico o la contraseña no son correctos.");
  });

  it("never shows a Spanish operator English: a gateway's refusal, or an answer in another language, reads in ours", async () => {
    await i18n.changeLanguage("es");
    stubFetch(() => refusal(429, "rate_limited", "Too many requests; retry in a moment."));
    const gateway = await failure(api("/me", { auth: false }));
    stubFetch(() => new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    const proxy = await failure(api("/me", { auth: false }));
    const stale = new ApiError(409, "last_admin", "An organisation keeps at least one admin: make someone else admin first.", "en");

    expect(errorMessage(gateway, "fallback")).toBe("Demasiadas peticiones. Espera un momento y vuelve a intentarlo.");
    expect(errorMessage(proxy, "fallback")).toBe("El servidor no pudo atender la petición (error 502).");
    expect(errorMessage(stale, "fallback")).toBe("El servidor no pudo atender la petición (error 409).");
    await i18n.changeLanguage("en");
    expect(errorMessage(gateway, "fallback")).toBe("Too many requests; retry in a moment.");
  });
});
