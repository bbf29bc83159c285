import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MailSendError, type OutgoingMail } from "../../src/core/ports.js";
import { createOutboxTransport } from "../../src/notify/outbox.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "outbox-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mail: OutgoingMail = {
  messageId: "digest-2026-11-23-0123456789abcdef01234567",
  to: ["ops@x.com", "team@x.com"],
  subject: "AKS digest 2026-11-23: 2 critical — next: aks-prod-1",
  html: "<!DOCTYPE html><p>Grüße</p>",
  text: "Grüße\n",
};

function parts(eml: string): Record<string, string> {
  const boundary = /boundary="([^"]+)"/.exec(eml)![1]!;
  const out: Record<string, string> = {};
  for (const part of eml.split(`--${boundary}`).slice(1, -1)) {
    const [head, body] = part.split("\r\n\r\n");
    const type = /Content-Type: ([^;]+)/.exec(head!)![1]!;
    out[type] = Buffer.from(body!.replace(/\r\n/g, ""), "base64").toString("utf8");
  }
  return out;
}

describe("local outbox", () => {
  it("writes the message as .html, .txt and a multipart/alternative .eml named by date and message id", async () => {
    const outbox = createOutboxTransport(dir, { from: "auditor@example.com", now: () => new Date("2026-11-30T10:00:00Z") });
    await outbox.send(mail);
    const base = `2026-11-23-${mail.messageId}`;
    expect((await readdir(dir)).sort()).toEqual([`${base}.eml`, `${base}.html`, `${base}.txt`]);
    expect(await readFile(path.join(dir, `${base}.html`), "utf8")).toBe(mail.html);
    expect(await readFile(path.join(dir, `${base}.txt`), "utf8")).toBe(mail.text);
    const eml = await readFile(path.join(dir, `${base}.eml`), "utf8");
    expect(eml).toContain("To: ops@x.com, team@x.com\r\n");
    expect(eml).toContain(`Message-ID: <${mail.messageId}@aks-audit.local>`);
    expect(eml).toContain("Content-Type: multipart/alternative;");
    expect(eml).toMatch(/Subject: =\?UTF-8\?B\?/);
    expect(parts(eml)).toEqual({ "text/plain": mail.text, "text/html": mail.html });
  });

  it("sending the same message id twice overwrites it instead of adding a copy", async () => {
    const outbox = createOutboxTransport(dir);
    await outbox.send(mail);
    await outbox.send({ ...mail, text: "second\n" });
    expect(await readdir(dir)).toHaveLength(3);
    expect(await outbox.filesFor(mail.messageId)).toHaveLength(3);
    expect(await readFile(path.join(dir, `2026-11-23-${mail.messageId}.txt`), "utf8")).toBe("second\n");
  });

  it("an id without a date keeps a single copy even when re-sent on another day", async () => {
    let day = "2026-11-23";
    const outbox = createOutboxTransport(dir, { now: () => new Date(`${day}T08:00:00Z`) });
    await outbox.send({ ...mail, messageId: "custom-id" });
    day = "2026-11-24";
    await outbox.send({ ...mail, messageId: "custom-id" });
    expect((await readdir(dir)).sort()).toEqual(["2026-11-24-custom-id.eml", "2026-11-24-custom-id.html", "2026-11-24-custom-id.txt"]);
  });

  it("refuses a message id that could escape the folder", async () => {
    const error = await createOutboxTransport(dir)
      .send({ ...mail, messageId: "../../etc/passwd" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailSendError);
    expect((error as MailSendError).retryable).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });
});
