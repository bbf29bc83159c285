/**
 * The slice of KQL the simulator understands: a table, `where type =~ '…'` filters, `project` /
 * `extend` with paths and a few scalar functions, `order by` (accepted; rows come in a stable
 * order anyway) and `limit`/`take`. Anything else is answered the way Resource Graph answers a
 * query it cannot parse (400 InvalidQuery), so the simulator never pretends to run a query it
 * does not understand.
 */

export class KqlError extends Error {}

type Token = { kind: "ident" | "string" | "number" | "punct"; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let value = "";
      while (j < text.length && text[j] !== c) {
        if (text[j] === "\\" && j + 1 < text.length) {
          value += text[j + 1];
          j += 2;
          continue;
        }
        value += text[j];
        j++;
      }
      if (j >= text.length) throw new KqlError(`unterminated string literal at ${i}`);
      tokens.push({ kind: "string", text: value });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_\-$]/.test(text[j]!)) {
        // `project-away` is one word, but `a-b` arithmetic is not supported anyway.
        j++;
      }
      tokens.push({ kind: "ident", text: text.slice(i, j) });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[0-9]/.test(text[j]!)) j++;
      tokens.push({ kind: "number", text: text.slice(i, j) });
      i = j;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (["=~", "==", "!=", "!~"].includes(two)) {
      tokens.push({ kind: "punct", text: two });
      i += 2;
      continue;
    }
    if ("|,()[].=~".includes(c)) {
      tokens.push({ kind: "punct", text: c });
      i++;
      continue;
    }
    throw new KqlError(`unexpected character '${c}' at ${i}`);
  }
  return tokens;
}

export type Expr =
  | { kind: "path"; root: string; steps: string[] }
  | { kind: "call"; fn: string; args: Expr[] }
  | { kind: "literal"; value: string | number };

export interface Column {
  name: string;
  expr: Expr;
}

export type Step =
  | { kind: "project"; columns: Column[] }
  | { kind: "extend"; columns: Column[] }
  | { kind: "limit"; count: number };

export interface ParsedQuery {
  table: string;
  /** Lower-cased resource types the query keeps; null = no type filter. */
  types: string[] | null;
  steps: Step[];
  /** Rows can be paged only when the output keeps `id` (Resource Graph needs it for stable paging). */
  pageable: boolean;
  limit: number | null;
}

const FUNCTIONS = new Set(["tostring", "tobool", "toboolean", "toint", "tolong", "coalesce", "tolower", "toupper", "todynamic", "isnotnull", "isnull", "isnotempty", "isempty"]);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }
  done(): boolean {
    return this.pos >= this.tokens.length;
  }
  next(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw new KqlError("unexpected end of query");
    return t;
  }
  expect(text: string): void {
    const t = this.next();
    if (t.text.toLowerCase() !== text) throw new KqlError(`expected '${text}' but found '${t.text}'`);
  }
  atPipe(): boolean {
    return this.peek()?.text === "|";
  }

  expr(): Expr {
    const t = this.next();
    if (t.kind === "string") return { kind: "literal", value: t.text };
    if (t.kind === "number") return { kind: "literal", value: Number(t.text) };
    if (t.kind !== "ident") throw new KqlError(`unexpected '${t.text}' in an expression`);
    if (this.peek()?.text === "(") {
      const fn = t.text.toLowerCase();
      if (!FUNCTIONS.has(fn)) throw new KqlError(`function '${t.text}' is not supported by the fleet simulator`);
      this.next();
      const args: Expr[] = [];
      if (this.peek()?.text !== ")") {
        args.push(this.expr());
        while (this.peek()?.text === ",") {
          this.next();
          args.push(this.expr());
        }
      }
      this.expect(")");
      return { kind: "call", fn, args };
    }
    const steps: string[] = [];
    for (;;) {
      const p = this.peek();
      if (p?.text === ".") {
        this.next();
        const name = this.next();
        if (name.kind !== "ident") throw new KqlError(`expected a property name after '.'`);
        steps.push(name.text);
      } else if (p?.text === "[") {
        this.next();
        const key = this.next();
        if (key.kind !== "string") throw new KqlError("only ['name'] indexers are supported");
        this.expect("]");
        steps.push(key.text);
      } else break;
    }
    return { kind: "path", root: t.text, steps };
  }

  columns(): Column[] {
    const columns: Column[] = [];
    for (;;) {
      const first = this.peek();
      if (!first) throw new KqlError("expected a column");
      let column: Column;
      if (first.kind === "ident" && this.peek(1)?.text === "=") {
        this.next();
        this.next();
        column = { name: first.text, expr: this.expr() };
      } else {
        const expr = this.expr();
        if (expr.kind !== "path") throw new KqlError("a computed column needs a name (name = expression)");
        // Resource Graph names an unaliased nested column by joining the path with `_`.
        column = { name: [expr.root, ...expr.steps].join("_"), expr };
      }
      columns.push(column);
      if (this.peek()?.text !== ",") break;
      this.next();
    }
    return columns;
  }

  /** `type =~ 'x'`, `type == 'x'`, `type in~ ('x','y')`, joined by `and`. */
  typeFilter(): string[] {
    const out: string[] = [];
    for (;;) {
      const field = this.next();
      if (field.text.toLowerCase() !== "type") throw new KqlError(`the fleet simulator only filters on 'type' (found '${field.text}')`);
      const op = this.next();
      if (op.text === "=~" || op.text === "==") {
        const value = this.next();
        if (value.kind !== "string") throw new KqlError("expected a string after the comparison");
        out.push(value.text.toLowerCase());
      } else if (op.text.toLowerCase() === "in") {
        if (this.peek()?.text === "~") this.next();
        this.expect("(");
        for (;;) {
          const value = this.next();
          if (value.kind !== "string") throw new KqlError("expected a string in the in~ list");
          out.push(value.text.toLowerCase());
          if (this.peek()?.text !== ",") break;
          this.next();
        }
        this.expect(")");
      } else throw new KqlError(`operator '${op.text}' is not supported by the fleet simulator`);
      if (this.peek()?.text.toLowerCase() !== "and") break;
      this.next();
    }
    return out;
  }
}

export function parseQuery(text: string): ParsedQuery {
  const parser = new Parser(tokenize(text));
  const table = parser.next();
  if (table.kind !== "ident") throw new KqlError("a query starts with a table name");
  let types: string[] | null = null;
  const steps: Step[] = [];
  let limit: number | null = null;
  while (!parser.done()) {
    parser.expect("|");
    const op = parser.next().text.toLowerCase();
    switch (op) {
      case "where": {
        const t = parser.typeFilter();
        types = types === null ? t : types.filter((x) => t.includes(x));
        break;
      }
      case "project":
        steps.push({ kind: "project", columns: parser.columns() });
        break;
      case "extend":
        steps.push({ kind: "extend", columns: parser.columns() });
        break;
      case "order":
      case "sort": {
        parser.expect("by");
        while (!parser.done() && !parser.atPipe()) parser.next();
        break;
      }
      case "limit":
      case "take": {
        const n = parser.next();
        if (n.kind !== "number") throw new KqlError(`expected a number after ${op}`);
        limit = Math.min(limit ?? Infinity, Number(n.text));
        steps.push({ kind: "limit", count: Number(n.text) });
        break;
      }
      default:
        throw new KqlError(`operator '${op}' is not supported by the fleet simulator`);
    }
  }
  let keepsId = true;
  for (const step of steps) {
    if (step.kind === "project") keepsId = step.columns.some((c) => c.name === "id");
  }
  return { table: table.text.toLowerCase(), types, steps, pageable: keepsId && limit === null, limit };
}

type Value = unknown;

function isEmpty(v: Value): boolean {
  return v === null || v === undefined || v === "";
}

function evaluate(expr: Expr, row: Record<string, unknown>): Value {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "path": {
      // Column names are case-sensitive in KQL, and so are property names inside dynamic values.
      let value: Value = row[expr.root];
      for (const step of expr.steps) {
        if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
        value = (value as Record<string, unknown>)[step];
      }
      return value === undefined ? null : value;
    }
    case "call": {
      const args = expr.args.map((a) => evaluate(a, row));
      const a0 = args[0];
      switch (expr.fn) {
        case "tostring":
          if (a0 === null || a0 === undefined) return "";
          return typeof a0 === "object" ? JSON.stringify(a0) : String(a0);
        case "tobool":
        case "toboolean":
          if (a0 === true || a0 === "true" || a0 === "True" || a0 === 1) return true;
          if (a0 === false || a0 === "false" || a0 === "False" || a0 === 0) return false;
          return null;
        case "toint":
        case "tolong": {
          const n = typeof a0 === "number" ? a0 : typeof a0 === "string" && a0 !== "" ? Number(a0) : NaN;
          return Number.isFinite(n) ? Math.trunc(n) : null;
        }
        case "coalesce":
          return args.find((a) => !isEmpty(a)) ?? (args.length > 0 && typeof args[args.length - 1] === "string" ? "" : null);
        case "tolower":
          return typeof a0 === "string" ? a0.toLowerCase() : a0 === null || a0 === undefined ? "" : String(a0).toLowerCase();
        case "toupper":
          return typeof a0 === "string" ? a0.toUpperCase() : a0 === null || a0 === undefined ? "" : String(a0).toUpperCase();
        case "todynamic":
          return a0 ?? null;
        case "isnotnull":
          return a0 !== null && a0 !== undefined;
        case "isnull":
          return a0 === null || a0 === undefined;
        case "isnotempty":
          return !isEmpty(a0);
        case "isempty":
          return isEmpty(a0);
        default:
          throw new KqlError(`function '${expr.fn}' is not supported`);
      }
    }
  }
}

/** Applies project/extend steps to one full row (limit is applied by the pager). */
export function shapeRow(query: ParsedQuery, row: Record<string, unknown>): Record<string, unknown> {
  let current = row;
  for (const step of query.steps) {
    if (step.kind === "project") {
      const out: Record<string, unknown> = {};
      for (const c of step.columns) out[c.name] = evaluate(c.expr, current);
      current = out;
    } else if (step.kind === "extend") {
      const out: Record<string, unknown> = { ...current };
      for (const c of step.columns) out[c.name] = evaluate(c.expr, current);
      current = out;
    }
  }
  return current;
}
