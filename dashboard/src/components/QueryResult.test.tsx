import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import i18n from "../i18n";
import { ApiError } from "../lib/api";
import { QueryResult } from "./ui";

afterEach(cleanup);

const listed = (items: string[]) => <ul>{items.map((i) => <li key={i}>{i}</li>)}</ul>;

describe("a query's result", () => {
  it("shows the spinner, the API's error, the empty text, or the data", async () => {
    await i18n.changeLanguage("en");
    const { rerender } = render(<QueryResult query={{ isPending: true }}>{() => "never"}</QueryResult>);
    expect(screen.getByRole("status").textContent).toContain("Loading");
    rerender(
      <QueryResult<string[]> query={{ isPending: false, isError: true, error: new ApiError(403, "forbidden", "Not yours.") }}>{listed}</QueryResult>,
    );
    expect(screen.getByRole("alert").textContent).toContain("Not yours.");
    rerender(
      <QueryResult query={{ isPending: false, isError: false, data: [] as string[] }} isEmpty={(d) => d.length === 0} empty="Nothing yet">
        {listed}
      </QueryResult>,
    );
    expect(screen.getByText("Nothing yet")).toBeTruthy();
    rerender(
      <QueryResult query={{ isPending: false, isError: false, data: ["a", "b"] }} isEmpty={(d) => d.length === 0} empty="Nothing yet">
        {listed}
      </QueryResult>,
    );
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toEqual(["a", "b"]);
  });
});
