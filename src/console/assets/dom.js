// DOM helpers. Every value that came from Azure or the store enters the page through these, as text
// nodes or attribute values (createTextNode / setAttribute), never as markup: cluster names, tags and
// resource groups may hold any characters.

export const SEVERITIES = ["critical", "warning", "info", "ok"];
export const TIERS = ["aks-managed", "aks-extension", "unsupported"];

const $status = document.getElementById("status");
export const $view = document.getElementById("view");

/** An element with attributes and children; strings become text nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}
export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
const svgNs = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  append(node, children);
  return node;
}
/** Only https links from the catalog become links; anything else is shown as text. */
export function sourceLink(url) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "https:") return el("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank" }, parsed.hostname + parsed.pathname);
  } catch {}
  return el("span", {}, String(url));
}
export const sev = (s) => el("span", { class: `sev-${SEVERITIES.includes(s) ? s : "ok"}` }, s);

export function status(text) {
  $status.textContent = text;
}


/** The hash route: #/view?params */
export function route() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  return { view: path || "runs", params: new URLSearchParams(query ?? "") };
}
export function href(view, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `#/${view}${s ? `?${s}` : ""}`;
}

