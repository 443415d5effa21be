// @vitest-environment node
/** schema.ts is what openapi-typescript makes of openapi.json today: regenerate both with
 * `.venv/bin/python functions/dashboard_api/openapi_export.py && npm --prefix dashboard run gen:api`. */
import { describe, expect, it } from "vitest";
import openapiTS, { COMMENT_HEADER, astToString } from "openapi-typescript";
import committed from "./schema.ts?raw";

describe("the API's generated types", () => {
  it("are generated from the committed OpenAPI document", async () => {
    const generated = COMMENT_HEADER + astToString(await openapiTS(new URL("../../openapi.json", import.meta.url), { silent: true }));
    // Not toBe: a diff of 5,000 lines is no help, the command is.
    expect(generated === committed, "src/api/schema.ts is stale: run `npm --prefix dashboard run gen:api`").toBe(true);
  }, 30_000);
});
