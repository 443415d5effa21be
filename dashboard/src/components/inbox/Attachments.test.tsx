import { describe, expect, it } from "vitest";
import { render } from "@testing-library/react";
import { AttachmentView, formatSize } from "./Attachments";

const base = {
  id: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  contentType: "image/png",
  size: 2048,
  width: 640,
  height: 480,
  url: "http://127.0.0.1:8000/s3/b/o/file?X-Amz-Signature=abc",
  thumbnailUrl: "http://127.0.0.1:8000/s3/b/o/thumbnail.webp?X-Amz-Signature=def",
  expiresAt: "2026-12-03T16:05:00.000Z",
};

describe("an attachment in the thread", () => {
  it("shows an image as its thumbnail linking to the full file", () => {
    const { container } = render(<AttachmentView a={{ ...base, name: "photo.png" }} />);
    expect(container.querySelector("img")?.getAttribute("src")).toBe(base.thumbnailUrl);
    expect(container.querySelector("img")?.getAttribute("alt")).toBe("photo.png");
    expect(container.querySelector("a")?.getAttribute("href")).toBe(base.url);
    expect(container.querySelector("a")?.getAttribute("rel")).toContain("noopener");
  });

  it("shows another file by its name and size, and a name as text only", () => {
    const name = '<img src=x onerror="alert(1)">.pdf';
    const { container } = render(
      <AttachmentView a={{ ...base, name, contentType: "application/pdf", size: 1536, thumbnailUrl: null, width: null, height: null }} />,
    );
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("[onerror]")).toBeNull();
    expect(container.textContent).toContain(name);
    expect(container.textContent).toContain("2 KB");
  });

  it("plays a voice note with the browser's audio controls, and a video with its video controls", () => {
    const media = { ...base, thumbnailUrl: null, width: null, height: null, size: 4096 };
    const voice = render(<AttachmentView a={{ ...media, name: "whatsapp-audio.ogg", contentType: "audio/ogg" }} />).container;
    expect(voice.querySelector("audio[controls]")?.getAttribute("src")).toBe(base.url);
    expect(voice.querySelector("video")).toBeNull();
    expect(voice.textContent).toContain("whatsapp-audio.ogg");
    const film = render(<AttachmentView a={{ ...media, name: "clip.mp4", contentType: "video/mp4" }} />).container;
    expect(film.querySelector("video[controls]")?.getAttribute("src")).toBe(base.url);
    const refused = render(<AttachmentView a={{ ...media, name: "x.ogg", contentType: "audio/ogg", url: "javascript:alert(1)" }} />).container;
    expect(refused.querySelector("audio")?.hasAttribute("src")).toBe(false);
  });

  it("never links a URL that is not http(s)", () => {
    const { container } = render(<AttachmentView a={{ ...base, name: "x.png", url: "javascript:alert(1)", thumbnailUrl: "data:image/png;base64,AAAA" }} />);
    expect(container.querySelector("a")?.hasAttribute("href")).toBe(false);
    expect(container.querySelector("img")).toBeNull();
  });
});

describe("a file's size", () => {
  it("reads in KB under a megabyte and MB above, in the interface's language", () => {
    expect(formatSize(10, "en")).toBe("1 KB");
    expect(formatSize(3 * 1024 * 1024 + 200_000, "en")).toBe("3.2 MB");
    expect(formatSize(3 * 1024 * 1024 + 200_000, "es")).toBe("3,2 MB");
  });
});
