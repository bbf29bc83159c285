/**
 * The only way text gets into mail HTML. Every string that came from Azure (cluster names, tags,
 * resource groups, reasons, versions) or from the catalog passes through `escapeHtml`, and every
 * link through `safeHref`, so a cluster named `<img src=x onerror=alert(1)>` is shown, never run.
 * Plain-text parts go through `plainText`, which keeps the characters but drops the ones that could
 * forge lines or reorder what a reader sees.
 */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Escapes text for HTML element content and quoted attribute values alike. */
export function escapeHtml(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  return stripUnsafe(text).replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Text for a text/plain part or a subject line: the characters stay as they are (a text part is
 * never interpreted as markup, so `<img>` is already shown as text), but control and bidi-override
 * characters go, so a name cannot start a fake line or flip the order of what follows it.
 */
export function plainText(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  return stripUnsafe(text).replace(/[\r\n\t]+/g, " ");
}

/** Removes C0/C1 controls (keeping tab and newlines for the caller to decide) and bidi controls. */
function stripUnsafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "");
}

/** The URL if it is an absolute http(s) URL, else null: no `javascript:`, `data:` or relative links. */
export function safeUrl(value: unknown): string | null {
  if (typeof value !== "string" || value.trim() === "") return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** An `<a>` when the URL is http(s); otherwise the label as plain escaped text. */
export function link(url: unknown, label: unknown, style = ""): string {
  const href = safeUrl(url);
  const text = escapeHtml(label);
  if (href === null) return text;
  const styleAttr = style ? ` style="${escapeHtml(style)}"` : "";
  return `<a href="${escapeHtml(href)}"${styleAttr}>${text}</a>`;
}

/**
 * Builds markup from a template where every interpolated value is escaped unless it was itself
 * produced by `html` (a `SafeHtml`). Keeps rendering code from concatenating raw strings.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    out += renderValue(v) + (strings[i + 1] ?? "");
  });
  return new SafeHtml(out);
}

function renderValue(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(renderValue).join("");
  if (v === null || v === undefined || v === false) return "";
  return escapeHtml(v);
}

/** Marks markup that was built by `link` or other escaping helpers as safe to splice in. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
