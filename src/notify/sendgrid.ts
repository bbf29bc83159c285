/**
 * SendGrid transport: the real `@sendgrid/mail` client, one private MailService/Client pair per
 * transport (never the module singletons, so two transports cannot change each other's key or
 * endpoint). Every failure becomes a MailSendError that says whether retrying can help.
 */
import { MailService } from "@sendgrid/mail";
import { Client } from "@sendgrid/client";
import { MailSendError, type MailTransport, type OutgoingMail } from "../core/ports.js";

export interface SendGridTransportOptions {
  apiKey: string;
  /** Sender address (a verified sender in SendGrid). */
  from: string;
  fromName?: string;
  /** Base URL override, e.g. `https://api.eu.sendgrid.com` or a loopback fake in tests. */
  endpoint?: string | null;
  /** Sandbox mode: SendGrid validates and answers 200 but delivers nothing. */
  sandbox?: boolean;
  /** Request timeout; a timeout is retryable. Default 30 s. */
  timeoutMs?: number;
  /** Clock for X-RateLimit-Reset (epoch seconds); injectable for tests. */
  now?: () => number;
}

/** Header and custom arg that carry the deterministic message id, so activity can be reconciled. */
export const MESSAGE_ID_HEADER = "X-AKS-Audit-Message-Id";
export const MESSAGE_ID_ARG = "aks_audit_message_id";

const RETRYABLE_NETWORK_CODES = new Set(["ECONNABORTED", "ETIMEDOUT", "ECONNRESET", "ECONNREFUSED", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "ERR_NETWORK", "ENETUNREACH", "EHOSTUNREACH"]);
/** Failures before any byte of the request left: SendGrid cannot have accepted it. */
const NEVER_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);

export function createSendGridTransport(options: SendGridTransportOptions): MailTransport {
  const client = new Client();
  // setApiKey resets baseUrl to the global endpoint, so it must come before the override.
  client.setApiKey(options.apiKey);
  if (options.endpoint) client.setDefaultRequest("baseUrl", options.endpoint.replace(/\/*$/, "/"));
  const service = new MailService();
  service.setClient(client);
  service.setTimeout(options.timeoutMs ?? 30_000);
  const now = options.now ?? Date.now;

  return {
    name: options.sandbox ? "sendgrid-sandbox" : "sendgrid",
    async send(mail: OutgoingMail): Promise<void> {
      if (mail.to.length === 0) throw new MailSendError(`message ${mail.messageId} has no recipient`, false, null);
      try {
        const [response] = await service.send({
          from: options.fromName ? { email: options.from, name: options.fromName } : options.from,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          // custom_args at the personalization level: the OpenAPI types the top-level one as a string.
          personalizations: [{ to: mail.to.map((email) => ({ email })), customArgs: { [MESSAGE_ID_ARG]: mail.messageId } }],
          headers: { [MESSAGE_ID_HEADER]: mail.messageId },
          ...(options.sandbox ? { mailSettings: { sandboxMode: { enable: true } } } : {}),
        });
        const status = response.statusCode;
        // 202 is "accepted for delivery"; sandbox answers 200. Anything else in 2xx is still an acceptance.
        if (status < 200 || status >= 300) throw new MailSendError(`SendGrid answered ${status}`, status >= 500, status);
      } catch (error) {
        if (error instanceof MailSendError) throw error;
        throw toMailSendError(error, mail.messageId, now());
      }
    },
  };
}

interface ResponseErrorLike {
  code?: number | string;
  message?: string;
  response?: { headers?: Record<string, unknown>; body?: unknown };
}

/** Maps a @sendgrid/client rejection (ResponseError, axios network error, or a helper's validation error). */
export function toMailSendError(error: unknown, messageId: string, nowMs: number): MailSendError {
  const e = (error ?? {}) as ResponseErrorLike;
  if (typeof e.code === "number" && e.response) {
    const status = e.code;
    const headers = lowerKeys(e.response.headers);
    const detail = sendGridErrors(e.response.body);
    const what = `SendGrid ${status}${detail ? `: ${detail}` : e.message ? ` ${e.message}` : ""} (message ${messageId})`;
    if (status === 429) return new MailSendError(what, true, status, retryAfterMs(headers, nowMs));
    if (status >= 500 || status === 408) return new MailSendError(what, true, status, retryAfterMs(headers, nowMs));
    return new MailSendError(what, false, status);
  }
  const code = typeof e.code === "string" ? e.code : "";
  const message = e.message ?? String(error);
  if (RETRYABLE_NETWORK_CODES.has(code) || /timeout/i.test(message)) {
    return new MailSendError(`SendGrid unreachable (${code || "network"}): ${message} (message ${messageId})`, true, null, null, !NEVER_SENT_CODES.has(code));
  }
  // The helper rejects malformed data before any request: retrying the same data cannot help.
  return new MailSendError(`SendGrid request not sent: ${message} (message ${messageId})`, false, null);
}

/** `errors[].message` (with the field when given), joined: what a person needs to fix the request. */
export function sendGridErrors(body: unknown): string {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return typeof body === "string" ? body.slice(0, 500) : "";
  return errors
    .map((x) => {
      const m = (x as { message?: unknown; field?: unknown }) ?? {};
      const field = typeof m.field === "string" && m.field !== "null" && m.field !== "" ? ` (${m.field})` : "";
      return `${String(m.message ?? "unknown error")}${field}`;
    })
    .join("; ");
}

/** Retry-After (seconds or an HTTP date), else X-RateLimit-Reset (epoch seconds); null when neither. */
export function retryAfterMs(headers: Record<string, string>, nowMs: number): number | null {
  const retryAfter = headers["retry-after"];
  if (retryAfter !== undefined && retryAfter !== "") {
    if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) return Math.round(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  const reset = headers["x-ratelimit-reset"];
  if (reset !== undefined && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) * 1000 - nowMs);
  return null;
}

function lowerKeys(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = Array.isArray(v) ? String(v[0]) : String(v);
  return out;
}
