/**
 * The local outbox: with no SendGrid key, each message is written to a folder as
 * `<date>-<messageId>.html`, `.txt` and `.eml` (multipart/alternative), so a demo or a preview
 * shows exactly what would be sent. The file names depend only on the message id, so sending the
 * same message twice overwrites it instead of adding a duplicate.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { MailSendError, type MailTransport, type OutgoingMail } from "../core/ports.js";

export interface OutboxOptions {
  /** From header of the .eml. */
  from?: string;
  /** Clock for the Date header and for ids that carry no date; injectable for tests. */
  now?: () => Date;
}

export interface OutboxTransport extends MailTransport {
  readonly dir: string;
  /** Paths written for a message id by the last send. */
  filesFor(messageId: string): Promise<string[]>;
}

const SAFE_ID = /^[A-Za-z0-9._-]{1,200}$/;

export function createOutboxTransport(dir: string, options: OutboxOptions = {}): OutboxTransport {
  const now = options.now ?? (() => new Date());
  const from = options.from ?? "aks-auditor@example.com";

  const filesFor = async (messageId: string): Promise<string[]> => {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const suffixes = [".html", ".txt", ".eml"].map((ext) => `-${messageId}${ext}`);
    return names.filter((n) => /^\d{4}-\d{2}-\d{2}-/.test(n) && suffixes.some((s) => n.endsWith(s))).sort().map((n) => path.join(dir, n));
  };

  return {
    name: "outbox",
    dir,
    filesFor,
    async send(mail: OutgoingMail): Promise<void> {
      // The id becomes a file name: refuse anything that could leave the folder.
      if (!SAFE_ID.test(mail.messageId)) throw new MailSendError(`message id not usable as a file name: ${JSON.stringify(mail.messageId)}`, false, null);
      const date = dateOf(mail.messageId) ?? now().toISOString().slice(0, 10);
      const base = path.join(dir, `${date}-${mail.messageId}`);
      try {
        await fs.mkdir(dir, { recursive: true });
        // A copy under another date (an id without a date, re-sent on a later day) is replaced, not kept.
        for (const old of await filesFor(mail.messageId)) if (!old.startsWith(base + ".")) await fs.rm(old, { force: true });
        await writeAtomic(`${base}.html`, mail.html);
        await writeAtomic(`${base}.txt`, mail.text);
        await writeAtomic(`${base}.eml`, toEml(mail, from, now()));
      } catch (error) {
        // A full disk or a permission problem may clear up; let the ledger keep the message pending.
        throw new MailSendError(`outbox write failed for ${mail.messageId}: ${(error as Error).message}`, true, null);
      }
    },
  };
}

/** The date in ids like `digest-2026-11-23-…`, so a message keeps its name whenever it is re-sent. */
function dateOf(messageId: string): string | null {
  return /^[a-z]+-(\d{4}-\d{2}-\d{2})-/.exec(messageId)?.[1] ?? null;
}

async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, content, "utf8");
  await fs.rename(tmp, file);
}

/** A small RFC 5322 message: headers, then text and HTML as base64 parts of multipart/alternative. */
export function toEml(mail: OutgoingMail, from: string, date: Date): string {
  const boundary = `=_aks_${createHash("sha256").update(mail.messageId).digest("hex").slice(0, 24)}`;
  const lines = [
    `From: ${headerValue(from)}`,
    `To: ${mail.to.map(headerValue).join(", ")}`,
    `Subject: ${encodeHeader(mail.subject)}`,
    `Date: ${date.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${mail.messageId}@aks-audit.local>`,
    `X-AKS-Audit-Message-Id: ${mail.messageId}`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    "",
    "This is a multi-part message in MIME format.",
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    base64Lines(mail.text),
    `--${boundary}`,
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    base64Lines(mail.html),
    `--${boundary}--`,
    "",
  ];
  return lines.join("\r\n");
}

/** Header values never carry a line break (that would inject headers). */
function headerValue(value: string): string {
  return value.replace(/[\r\n]+/g, " ");
}

/** RFC 2047 encoded-word when the subject is not plain ASCII. */
function encodeHeader(value: string): string {
  const clean = headerValue(value);
  if (/^[\x20-\x7e]*$/.test(clean)) return clean;
  // Encoded words stay under 75 characters: split on code points into ≤45-byte chunks.
  const words: string[] = [];
  let chunk = "";
  for (const ch of clean) {
    if (Buffer.byteLength(chunk + ch, "utf8") > 45) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, "utf8").toString("base64")}?=`).join("\r\n ");
}

function base64Lines(text: string): string {
  const b64 = Buffer.from(text, "utf8").toString("base64");
  return b64.match(/.{1,76}/g)?.join("\r\n") ?? "";
}
