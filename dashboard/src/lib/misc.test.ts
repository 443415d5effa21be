import { describe, expect, it } from "vitest";
import { buildQuery } from "./api";
import { backoffDelay, socketUrl } from "./live";
import { refreshDelay, sessionFromTokens } from "./session";
import { parseList } from "./text";
import { titleWithCount } from "./notify";
import { usageShare } from "../pages/Usage";
import { initialOrgId } from "./app";

describe("plumbing", () => {
  it("builds query strings with repeated keys and no empty values", () => {
    expect(buildQuery({ status: ["open", "pending"], q: "café", empty: "", none: undefined, days: 30 })).toBe("?status=open&status=pending&q=caf%C3%A9&days=30");
    expect(buildQuery({})).toBe("");
  });
  it("backs off 1, 2, 4 … 30 seconds", () => {
    expect([0, 1, 2, 3, 10].map(backoffDelay)).toEqual([1000, 2000, 4000, 8000, 30000]);
  });
  it("opens the socket on the same origin", () => {
    expect(socketUrl("http://127.0.0.1:8000", "a.b")).toBe("ws://127.0.0.1:8000/ws?token=a.b");
    expect(socketUrl("https://app.example.com", "t")).toBe("wss://app.example.com/ws?token=t");
  });
  it("refreshes a minute before expiry and keeps the refresh token", () => {
    const s = sessionFromTokens({ idToken: "i", accessToken: "a", refreshToken: null, expiresIn: 3600, tokenType: "Bearer" }, "x@y.z", { accessToken: "old", refreshToken: "r", expiresAt: 0, email: "x@y.z" }, 0);
    expect(s).toEqual({ accessToken: "a", refreshToken: "r", expiresAt: 3_600_000, email: "x@y.z" });
    expect(refreshDelay(s, 0)).toBe(3_540_000);
    expect(refreshDelay(s, 3_599_000)).toBe(0);
  });
  it("opens the organisation a link names, else the last one chosen", () => {
    expect(initialOrgId("?org=b", "a")).toBe("b");
    expect(initialOrgId("", "a")).toBe("a");
    expect(initialOrgId("?org=", null)).toBeNull();
  });
  it("parses keyword and origin lists", () => {
    expect(parseList("human, agente\n Human \n\npersona")).toEqual(["human", "agente", "persona"]);
  });
  it("shows a count in the tab title and a usage share", () => {
    expect(titleWithCount("ChatFlow360", 2)).toBe("(2) ChatFlow360");
    expect(titleWithCount("ChatFlow360", 0)).toBe("ChatFlow360");
    expect(usageShare(150, 300)).toBe(0.5);
    expect(usageShare(450, 300)).toBe(1);
  });
});

import { loadPrefs, savePrefs, shouldNotifyDesktop } from "./notify";

describe("notifications", () => {
  it("are off on the desktop and on as a sound until the user says otherwise, per user", () => {
    expect(loadPrefs("u-new")).toEqual({ desktop: false, sound: true });
    savePrefs({ desktop: true, sound: false }, "u-1");
    expect(loadPrefs("u-1")).toEqual({ desktop: true, sound: false });
    expect(loadPrefs("u-2")).toEqual({ desktop: false, sound: true });
  });
  it("show on the desktop only when switched on, permitted, and the tab hidden", () => {
    const on = { desktop: true, sound: true };
    expect(shouldNotifyDesktop(on, "hidden", "granted")).toBe(true);
    expect(shouldNotifyDesktop(on, "visible", "granted")).toBe(false);
    expect(shouldNotifyDesktop(on, "hidden", "default")).toBe(false);
    expect(shouldNotifyDesktop({ desktop: false, sound: true }, "hidden", "granted")).toBe(false);
  });
});
