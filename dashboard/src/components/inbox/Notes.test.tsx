import { describe, expect, it } from "vitest";
import { render, waitFor } from "@testing-library/react";
import { NoteText, mentionQuery } from "./Notes";

describe("a note's text", () => {
  it("renders markdown-lite and never raw HTML", async () => {
    const { container } = render(<NoteText text={'**bold** <img src=x onerror="alert(1)"> [x](javascript:alert(1))'} />);
    // The parser is a chunk of its own (loaded with the first note); until then the text shows as text.
    await waitFor(() => expect(container.querySelector("strong")?.textContent).toBe("bold"));
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("[onerror]")).toBeNull();
    expect(container.textContent).toContain("<img src=x");
    expect(container.querySelector('a[href^="javascript"]')).toBeNull();
  });
});

describe("the @ picker", () => {
  it("opens after an @ that starts a word and closes at a space", () => {
    expect(mentionQuery("hi @an", 6)).toBe("an");
    expect(mentionQuery("hi @", 4)).toBe("");
    expect(mentionQuery("mail@host", 9)).toBeNull();
    expect(mentionQuery("hi @ana done", 12)).toBeNull();
  });
});
