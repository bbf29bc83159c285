/**
 * A loopback fake of SendGrid's `POST /v3/mail/send`, for tests that drive the real
 * `@sendgrid/mail` client. Every body is checked against the rules SendGrid applies to all sends
 * (sendgridRules.ts); when SENDGRID_OPENAPI names SendGrid's OpenAPI document (twilio/sendgrid-oai
 * `tsg_mail_v3.json`) it is also checked against that request schema, so a body SendGrid would
 * refuse is refused here too. Replies can be scripted per request: 429 with Retry-After, 500,
 * 400 with an `errors` body, or a delay (to make the client time out).
 */
import http from "node:http";
import { readFileSync } from "node:fs";
import { sendGridOpenApiPath } from "./reference.js";
import { sendGridRuleErrors } from "./sendgridRules.js";

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (the client may time out first). */
  delayMs?: number;
}

export interface AcceptedMessage {
  /** Our deterministic id, from the personalization's custom_args. */
  messageId: string | null;
  to: string[];
  subject: string;
  text: string;
  html: string;
  sandbox: boolean;
  /** The request body as received. */
  body: Record<string, unknown>;
}

export interface SendGridFake {
  /** Base URL to give the client, e.g. `http://127.0.0.1:41234`. */
  endpoint: string;
  apiKey: string;
  /** Messages answered with 2xx, in order (including ones whose client had already timed out). */
  accepted: AcceptedMessage[];
  /** Requests refused by validation (schema or auth), with the errors sent back. */
  invalid: { errors: { message: string; field: string | null }[] }[];
  /** Every POST /v3/mail/send seen. */
  requests: number;
  /** Replies for the next requests, in order; when the queue is empty the default applies. */
  enqueue(...replies: FakeReply[]): void;
  /** The reply when nothing is queued; null means "accept" (202, or 200 in sandbox). */
  setDefault(reply: FakeReply | null): void;
  close(): Promise<void>;
}

type Schema = Record<string, unknown>;

/** The request-body schema of POST /v3/mail/send and the document (to resolve $refs), or null without SENDGRID_OPENAPI. */
export function loadMailSendSchema(): { root: Schema; schema: Schema } | null {
  const file = sendGridOpenApiPath();
  if (!file) return null;
  const root = JSON.parse(readFileSync(file, "utf8")) as Schema;
  const op = (root.paths as Record<string, Record<string, Schema>>)["/v3/mail/send"]?.post;
  if (!op) throw new Error(`${file} has no POST /v3/mail/send`);
  const body = resolve(root, op.requestBody as Schema);
  const schema = ((body.content as Record<string, Schema>)["application/json"] as Schema).schema as Schema;
  return { root, schema: resolve(root, schema) };
}

function resolve(root: Schema, schema: Schema): Schema {
  let s = schema;
  while (typeof s.$ref === "string") {
    const target = s.$ref
      .replace(/^#\//, "")
      .split("/")
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root) as Schema;
    const { $ref: _ref, ...siblings } = s;
    s = { ...target, ...siblings };
  }
  return s;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A JSON-Schema subset: type, required, properties, items, enum, min/maxLength, maxItems, format email. */
export function validateAgainst(root: Schema, schemaIn: Schema, value: unknown, at: string, errors: { message: string; field: string | null }[]): void {
  const schema = resolve(root, schemaIn);
  const type = schema.type as string | undefined;
  if (value === null) {
    if (schema.nullable !== true && type !== undefined) errors.push({ field: at, message: `${at} may not be null` });
    return;
  }
  const actual = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  if (type && !(type === actual || (type === "number" && actual === "integer"))) {
    errors.push({ field: at, message: `${at} must be of type ${type}, got ${actual}` });
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push({ field: at, message: `${at} must be one of ${schema.enum.join(", ")}` });
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength) errors.push({ field: at, message: `${at} must be at least ${schema.minLength} characters` });
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength) errors.push({ field: at, message: `${at} must be at most ${schema.maxLength} characters` });
    if (schema.format === "email" && !EMAIL.test(value)) errors.push({ field: at, message: `${at} does not contain a valid address` });
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) errors.push({ field: at, message: `${at} may have at most ${schema.maxItems} items` });
    if (typeof schema.minItems === "number" && value.length < schema.minItems) errors.push({ field: at, message: `${at} needs at least ${schema.minItems} items` });
    if (schema.items) value.forEach((item, i) => validateAgainst(root, schema.items as Schema, item, `${at}[${i}]`, errors));
  }
  if (actual === "object") {
    const obj = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (obj[key] === undefined) errors.push({ field: at ? `${at}.${key}` : key, message: `${at ? `${at}.` : ""}${key} is required` });
    }
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, sub] of Object.entries(props)) {
      if (obj[key] !== undefined) validateAgainst(root, sub, obj[key], at ? `${at}.${key}` : key, errors);
    }
  }
}

export async function startSendGridFake(options: { apiKey?: string } = {}): Promise<SendGridFake> {
  const document = loadMailSendSchema();
  const apiKey = options.apiKey ?? "SG.fake-key";
  const queue: FakeReply[] = [];
  let fallback: FakeReply | null = null;
  const sockets = new Set<import("node:net").Socket>();

  const fake: SendGridFake = {
    endpoint: "",
    apiKey,
    accepted: [],
    invalid: [],
    requests: 0,
    enqueue: (...replies) => void queue.push(...replies),
    setDefault: (reply) => void (fallback = reply),
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
          if (res.destroyed) return;
          res.writeHead(status, { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers });
          res.end(body === undefined ? undefined : JSON.stringify(body));
        };
        if (req.method !== "POST" || req.url !== "/v3/mail/send") return send(404, { errors: [{ message: "not found", field: null }] });
        fake.requests += 1;
        if (req.headers.authorization !== `Bearer ${apiKey}`) {
          const errors = [{ message: "The provided authorization grant is invalid, expired, or revoked", field: null }];
          fake.invalid.push({ errors });
          return send(401, { errors });
        }
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        } catch {
          const errors = [{ message: "Bad Request", field: null }];
          fake.invalid.push({ errors });
          return send(400, { errors });
        }
        const errors: { message: string; field: string | null }[] = sendGridRuleErrors(body);
        if (document) validateAgainst(document.root, document.schema, body, "", errors);
        if (errors.length > 0) {
          fake.invalid.push({ errors });
          return send(400, { errors });
        }
        const reply = queue.shift() ?? fallback;
        if (reply?.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        if (reply && (reply.status < 200 || reply.status >= 300)) return send(reply.status, reply.body, reply.headers);
        const sandbox = (body.mail_settings as { sandbox_mode?: { enable?: unknown } } | undefined)?.sandbox_mode?.enable === true;
        fake.accepted.push(toAccepted(body, sandbox));
        // Sandbox validates and answers 200 with no delivery; a real send is 202 Accepted, no body.
        return send(reply?.status ?? (sandbox ? 200 : 202), reply?.body, { "x-message-id": `fake-${fake.accepted.length}`, ...reply?.headers });
      })();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address() as import("node:net").AddressInfo;
  fake.endpoint = `http://127.0.0.1:${address.port}`;
  return fake;
}

function toAccepted(body: Record<string, unknown>, sandbox: boolean): AcceptedMessage {
  const p = ((body.personalizations as Record<string, unknown>[] | undefined) ?? [])[0] ?? {};
  const content = (body.content as { type: string; value: string }[] | undefined) ?? [];
  const args = (p.custom_args as Record<string, string> | undefined) ?? {};
  return {
    messageId: args.aks_audit_message_id ?? null,
    to: ((p.to as { email: string }[] | undefined) ?? []).map((t) => t.email),
    subject: String(p.subject ?? body.subject ?? ""),
    text: content.find((c) => c.type === "text/plain")?.value ?? "",
    html: content.find((c) => c.type === "text/html")?.value ?? "",
    sandbox,
    body,
  };
}
