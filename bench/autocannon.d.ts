// autocannon ships no types and @types/autocannon is not a dependency: declare only what the bench uses.
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  export type AutocannonRequest = {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  };

  export type AutocannonClient = EventEmitter;

  export type AutocannonOptions = {
    url: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    timeout?: number;
    requests?: AutocannonRequest[];
    setupClient?: (client: AutocannonClient) => void;
  };

  export type AutocannonResult = {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    latency: { p50: number; p99: number; average: number };
    requests: { total: number; average: number };
  };

  function autocannon(options: AutocannonOptions): Promise<AutocannonResult> & EventEmitter;
  export default autocannon;
}
