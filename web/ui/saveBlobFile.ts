// Saves text the page built as a file: a Blob behind an object URL clicked through <a download>. The CSP
// (default-src 'self') does not govern a download link, and no request leaves the page.
export function saveBlobFile(file: { name: string; type: string; content: string }): void {
  const url = URL.createObjectURL(new Blob([file.content], { type: file.type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The click has started the download; the URL is released a little later (Chromium may still be reading it).
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
