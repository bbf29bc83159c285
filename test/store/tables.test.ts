import { TableClient, type TransactionAction } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { collectRange, submitBatches } from "../../src/store/tables.js";
import { useAzurite } from "../helpers/azurite.js";

const azurite = useAzurite();

async function freshTable(): Promise<{ client: TableClient; verbs: string[][] }> {
  const client = TableClient.fromConnectionString(azurite.connectionString, `${azurite.freshPrefix()}rows`, { allowInsecureConnection: true });
  await client.createTable();
  // The verbs of every transaction sent, so a test can tell a create-first batch from its resend.
  const verbs: string[][] = [];
  const submit = client.submitTransaction.bind(client);
  client.submitTransaction = (actions, options) => {
    verbs.push(actions.map(([verb]) => verb));
    return submit(actions, options);
  };
  return { client, verbs };
}

const row = (rowKey: string, value: string): TransactionAction => ["upsert", { partitionKey: "p", rowKey, value }, "Replace"];

describe("submitBatches with mostlyNew", () => {
  it("new rows go out as creates, one transaction per 100", async () => {
    const { client, verbs } = await freshTable();
    const actions = Array.from({ length: 150 }, (_, i) => row(String(i).padStart(3, "0"), `v${i}`));
    await submitBatches(client, actions, 4, { distinctRows: true, mostlyNew: true });
    expect(verbs.map((batch) => [batch.length, new Set(batch)])).toEqual([
      [100, new Set(["create"])],
      [50, new Set(["create"])],
    ]);
    expect((await collectRange(client, { partitionKey: "p" })).map((e) => e["value"])).toEqual(actions.map(([, entity]) => entity["value"]));
  });

  it("a batch with a row that exists (a retried page) is resent as upserts and replaces that row whole", async () => {
    const { client, verbs } = await freshTable();
    await client.createEntity({ partitionKey: "p", rowKey: "b", value: "first attempt", stale: "gone after the retry" });
    await submitBatches(client, [row("a", "new"), row("b", "second attempt"), row("c", "new")], 1, { distinctRows: true, mostlyNew: true });
    // The create-first transaction was refused whole (409), then the upserts went out.
    expect(verbs).toEqual([
      ["create", "create", "create"],
      ["upsert", "upsert", "upsert"],
    ]);
    const stored = await collectRange(client, { partitionKey: "p" });
    expect(stored.map((e) => [e.rowKey, e["value"], e["stale"]])).toEqual([
      ["a", "new", undefined],
      ["b", "second attempt", undefined],
      ["c", "new", undefined],
    ]);
  });

  it("a refusal other than an existing row is not resent", async () => {
    const { client, verbs } = await freshTable();
    // An update of a row that is not there: the transaction is refused with 404, not 409.
    const missing: TransactionAction = ["update", { partitionKey: "p", rowKey: "missing", value: "x" }, "Replace"];
    await expect(submitBatches(client, [row("a", "new"), missing], 1, { mostlyNew: true })).rejects.toMatchObject({ statusCode: 404 });
    expect(verbs).toEqual([["create", "update"]]);
    expect(await collectRange(client, { partitionKey: "p" })).toEqual([]);
  });
});
