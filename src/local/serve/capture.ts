/**
 * The Functions app's HTTP registrations, captured by importing the app's entry point with
 * `app.http` pointed at a list, so `aks-audit serve` calls the very handlers the host would.
 * Timers and queues are not served locally; their registrations are dropped quietly (outside the
 * worker the library would print a warning for each).
 */
import { app } from "@azure/functions";
import type { HttpRegistration } from "./routes.js";

type Registrar = (name: string, options: never) => void;

let captured: Promise<HttpRegistration[]> | null = null;

export function captureHttpRegistrations(): Promise<HttpRegistration[]> {
  captured ??= (async () => {
    const registrations: HttpRegistration[] = [];
    const target = app as unknown as Record<string, Registrar>;
    const saved = { http: target.http!, timer: target.timer!, storageQueue: target.storageQueue! };
    target.http = ((name: string, options: HttpRegistration["options"]) => registrations.push({ name, options })) as Registrar;
    target.timer = () => {};
    target.storageQueue = () => {};
    try {
      await import("../../functions/index.js");
    } finally {
      Object.assign(target, saved);
    }
    if (registrations.length === 0) throw new Error("the Functions app registered no HTTP routes (was its entry point imported before capture?)");
    return registrations;
  })();
  return captured;
}
