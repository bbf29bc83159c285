/**
 * The checks SendGrid's v3 mail send applies to every request, as its API reference and error
 * catalogue describe them, so the fake refuses what SendGrid would refuse even when the OpenAPI
 * document (SENDGRID_OPENAPI) is not at hand. Field names are spelled as SendGrid's error bodies
 * spell them (`personalizations.0.to`). With the document the fake checks its schema as well.
 *
 * Assumption: SendGrid reports every failed rule in one 400 answer (observed in its examples,
 * not stated as a guarantee), so the fake collects all of them.
 */
export interface SendGridError {
  message: string;
  field: string | null;
  help?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function checkAddress(value: unknown, field: string, errors: SendGridError[]): void {
  if (!isObject(value) || typeof value.email !== "string" || !EMAIL.test(value.email)) {
    errors.push({ field, message: "Does not contain a valid address." });
  }
}

export function sendGridRuleErrors(body: unknown): SendGridError[] {
  const errors: SendGridError[] = [];
  if (!isObject(body)) return [{ field: null, message: "Bad Request" }];
  const templated = typeof body.template_id === "string" && body.template_id.length > 0;

  const personalizations = body.personalizations;
  if (!Array.isArray(personalizations) || personalizations.length === 0) {
    errors.push({ field: "personalizations", message: "The personalizations field is required and must have at least one personalization." });
  } else if (personalizations.length > 1000) {
    errors.push({ field: "personalizations", message: "You may not have more than 1000 personalizations per API request." });
  } else {
    personalizations.forEach((p, i) => {
      const to = isObject(p) ? p.to : undefined;
      if (!Array.isArray(to) || to.length === 0) {
        errors.push({ field: `personalizations.${i}.to`, message: "The to array is required for all personalization objects, and must have at least one email object with a valid email address." });
      } else {
        to.forEach((address, j) => checkAddress(address, `personalizations.${i}.to.${j}.email`, errors));
      }
    });
  }

  if (body.from === undefined) errors.push({ field: "from.email", message: "The from object must be provided for every email send." });
  else checkAddress(body.from, "from.email", errors);

  const everySubject = Array.isArray(personalizations) && personalizations.length > 0 && personalizations.every((p) => isObject(p) && typeof p.subject === "string" && p.subject !== "");
  if (!templated && !everySubject && (typeof body.subject !== "string" || body.subject === "")) {
    errors.push({ field: "subject", message: "The subject is required. You can get around this requirement if you use a template with a subject defined or if every single personalization has a subject defined." });
  }

  const content = body.content;
  if (!templated && (!Array.isArray(content) || content.length === 0)) {
    errors.push({ field: "content", message: "Unless a valid template_id is provided, the content parameter is required." });
  } else if (Array.isArray(content)) {
    const types = content.map((c) => (isObject(c) ? c.type : undefined));
    content.forEach((c, i) => {
      if (!isObject(c) || typeof c.value !== "string" || c.value.length === 0) {
        errors.push({ field: `content.${i}.value`, message: "The content value must be a string at least one character in length." });
      }
      if (!isObject(c) || typeof c.type !== "string" || c.type.length === 0) {
        errors.push({ field: `content.${i}.type`, message: "The content type must be a string at least one character in length." });
      }
    });
    const plain = types.indexOf("text/plain");
    const html = types.indexOf("text/html");
    if (plain > 0 || (html !== -1 && plain > html)) {
      errors.push({ field: "content", message: "If present, text/plain content must be first, followed by text/html, followed by any other content." });
    }
    if (types.filter((t) => t === "text/plain").length > 1 || types.filter((t) => t === "text/html").length > 1) {
      errors.push({ field: "content", message: "text/plain and text/html may only be provided once." });
    }
  }
  return errors;
}
