/**
 * The Functions app's registrations, captured by importing the app's entry point with `app.http`
 * and `app.storageQueue` pointed at lists, so `aks-audit serve` calls the very handlers the host
 * would: the HTTP routes behind its server, the queue triggers behind its in-process queue workers.
 * Timers are not run locally; their registrations are dropped quietly (outside the worker the
 * library would print a warning for each).
 */
import { app, type StorageQueueFunctionOptions } from "@azure/functions";
import type { HttpRegistration } from "./routes.js";

type Registrar = (name: string, options: never) => void;

export interface QueueRegistration {
  readonly name: string;
  readonly options: StorageQueueFunctionOptions;
}

let captured: Promise<{ http: HttpRegistration[]; queues: QueueRegistration[] }> | null = null;

function captureRegistrations(): Promise<{ http: HttpRegistration[]; queues: QueueRegistration[] }> {
  captured ??= (async () => {
    const http: HttpRegistration[] = [];
    const queues: QueueRegistration[] = [];
    const target = app as unknown as Record<string, Registrar>;
    const saved = { http: target.http!, timer: target.timer!, storageQueue: target.storageQueue! };
    target.http = ((name: string, options: HttpRegistration["options"]) => http.push({ name, options })) as Registrar;
    target.timer = () => {};
    target.storageQueue = ((name: string, options: QueueRegistration["options"]) => queues.push({ name, options })) as Registrar;
    try {
      await import("../../functions/index.js");
    } finally {
      Object.assign(target, saved);
    }
    if (http.length === 0) throw new Error("the Functions app registered no HTTP routes (was its entry point imported before capture?)");
    return { http, queues };
  })();
  return captured;
}

export async function captureHttpRegistrations(): Promise<HttpRegistration[]> {
  return (await captureRegistrations()).http;
}

export async function captureQueueRegistrations(): Promise<QueueRegistration[]> {
  return (await captureRegistrations()).queues;
}
