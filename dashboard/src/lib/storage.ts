/** The browser's multipart POST of a presigned upload (chatflow.attachments, chatflow.media): the signed
 * fields, then the file, straight to storage (XMLHttpRequest, for its progress events). */
export function postToStorage(
  grant: { url: string; fields: Record<string, string> },
  file: File,
  onProgress: (percent: number) => void = () => {},
): Promise<boolean> {
  return new Promise((done) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(grant.fields)) form.append(k, v);
    form.append("file", file);
    const x = new XMLHttpRequest();
    x.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    x.onloadend = () => done(x.status >= 200 && x.status < 300);
    x.open("POST", grant.url);
    x.send(form);
  });
}
