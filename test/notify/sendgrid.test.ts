import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MailSendError, type OutgoingMail } from "../../src/core/ports.js";
import { MESSAGE_ID_HEADER, createSendGridTransport, retryAfterMs } from "../../src/notify/sendgrid.js";
import { SENDGRID_SETTING, sendGridOpenApiPath, skipNote } from "../helpers/reference.js";
import { startSendGridFake, type SendGridFake } from "../helpers/sendgridFake.js";

let fake: SendGridFake;
beforeAll(async () => {
  fake = await startSendGridFake();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.accepted.length = 0;
  fake.invalid.length = 0;
  fake.requests = 0;
  fake.setDefault(null);
});

const mail: OutgoingMail = {
  messageId: "alerts-2026-11-23-0123456789abcdef01234567",
  to: ["ops@x.com"],
  subject: "1 cluster enters the 60-day window: aks-prod-1",
  html: "<p>hello</p>",
  text: "hello\n",
};

function transport(extra: { sandbox?: boolean; timeoutMs?: number; now?: () => number } = {}) {
  return createSendGridTransport({ apiKey: fake.apiKey, from: "auditor@example.com", endpoint: fake.endpoint, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<MailSendError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailSendError);
  return error as MailSendError;
}

describe("SendGrid transport (real @sendgrid/mail against a loopback fake)", () => {
  it("sends a body the OpenAPI schema accepts, with the message id in custom_args and a header", async () => {
    await transport().send(mail);
    expect(fake.invalid).toEqual([]);
    expect(fake.accepted).toHaveLength(1);
    const got = fake.accepted[0]!;
    expect(got.messageId).toBe(mail.messageId);
    expect(got.to).toEqual(["ops@x.com"]);
    expect(got.subject).toBe(mail.subject);
    expect(got.text).toBe(mail.text);
    expect(got.html).toBe(mail.html);
    expect((got.body.headers as Record<string, string>)[MESSAGE_ID_HEADER]).toBe(mail.messageId);
    expect((got.body.content as { type: string }[]).map((c) => c.type)).toEqual(["text/plain", "text/html"]);
    expect(got.body.mail_settings).toBeUndefined();
  });

  it("in sandbox mode sets mail_settings.sandbox_mode.enable and treats SendGrid's 200 as success", async () => {
    await transport({ sandbox: true }).send(mail);
    expect(fake.accepted[0]!.sandbox).toBe(true);
    expect(fake.accepted[0]!.body.mail_settings).toEqual({ sandbox_mode: { enable: true } });
  });

  it("maps 429 to a retryable error carrying Retry-After; the library itself does not retry", async () => {
    fake.enqueue({ status: 429, headers: { "Retry-After": "3" }, body: { errors: [{ field: null, message: "too many requests" }] } });
    const e = await rejection(transport().send(mail));
    expect(e).toMatchObject({ retryable: true, status: 429, retryAfterMs: 3000 });
    expect(e.message).toContain("too many requests");
    expect(fake.requests).toBe(1);
    expect(fake.accepted).toHaveLength(0);
  });

  it("reads X-RateLimit-Reset when there is no Retry-After", async () => {
    const now = Date.parse("2026-11-23T07:00:00Z");
    fake.enqueue({ status: 429, headers: { "X-RateLimit-Reset": String(now / 1000 + 7) } });
    const e = await rejection(transport({ now: () => now }).send(mail));
    expect(e.retryAfterMs).toBe(7000);
    expect(retryAfterMs({ "retry-after": "Mon, 23 Nov 2026 07:00:05 GMT" }, now)).toBe(5000);
    expect(retryAfterMs({}, now)).toBeNull();
  });

  it("maps 500 to a retryable error", async () => {
    fake.enqueue({ status: 500, body: { errors: [{ message: "internal error", field: null }] } });
    const e = await rejection(transport().send(mail));
    expect(e).toMatchObject({ retryable: true, status: 500 });
  });

  it("maps 400 to a final error that quotes SendGrid's errors[].message", async () => {
    fake.enqueue({ status: 400, body: { errors: [{ message: "The from address does not match a verified Sender Identity.", field: "from", help: null }] } });
    const e = await rejection(transport().send(mail));
    expect(e).toMatchObject({ retryable: false, status: 400 });
    expect(e.message).toContain("The from address does not match a verified Sender Identity. (from)");
  });

  it("maps a timeout to a retryable error without a status", async () => {
    fake.enqueue({ status: 202, delayMs: 500 });
    const e = await rejection(transport({ timeoutMs: 100 }).send(mail));
    expect(e).toMatchObject({ retryable: true, status: null });
  });

  const post = (body: unknown) =>
    fetch(`${fake.endpoint}/v3/mail/send`, {
      method: "POST",
      headers: { authorization: `Bearer ${fake.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("the fake refuses what SendGrid refuses for every send, naming fields as SendGrid does", async () => {
    const res = await post({ personalizations: [{ to: [{ name: "no address" }] }], content: [{ type: "text/plain", value: "" }] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { field: string }[] };
    expect(body.errors.map((e) => e.field)).toEqual(expect.arrayContaining(["content.0.value", "from.email", "personalizations.0.to.0.email", "subject"]));
    const misordered = await post({ personalizations: [{ to: [{ email: "a@x.com" }] }], from: { email: "b@x.com" }, subject: "s", content: [{ type: "text/html", value: "<p>x</p>" }, { type: "text/plain", value: "x" }] });
    expect(misordered.status).toBe(400);
    expect(fake.accepted).toHaveLength(0);
  });

  it.skipIf(!sendGridOpenApiPath())("with SENDGRID_OPENAPI the fake also checks the request schema of SendGrid's OpenAPI document", async () => {
    const valid = { personalizations: [{ to: [{ email: "a@x.com" }] }], from: { email: "b@x.com" }, subject: "s", content: [{ type: "text/plain", value: "x" }] };
    // asm.group_id is an integer in the document; no every-send rule covers it.
    const res = await post({ ...valid, asm: { group_id: "not-a-number" } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { field: string }[] };
    expect(body.errors.map((e) => e.field)).toEqual(["asm.group_id"]);
    expect((await post(valid)).status).toBe(202);
  });
  if (!sendGridOpenApiPath()) skipNote(SENDGRID_SETTING, "the SendGrid fake's check against SendGrid's OpenAPI document");

  it("a wrong API key is a final 401", async () => {
    const t = createSendGridTransport({ apiKey: "SG.other", from: "auditor@example.com", endpoint: fake.endpoint });
    const e = await rejection(t.send(mail));
    expect(e).toMatchObject({ retryable: false, status: 401 });
  });
});
