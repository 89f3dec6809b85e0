import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../helpers/server.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
// CI must prove the playground works, so there a missing browser fails; elsewhere it only skips.
const runs = hasChromium || Boolean(process.env.CI);
const missing = `${CHROMIUM} is not installed (apt-get install chromium, or set CHROMIUM_PATH)`;
const title = runs ? "playground in Chromium" : `playground in Chromium (skipped: ${missing})`;
// The default reporter shows only a count of skipped tests, so say why once on stderr.
if (!runs) console.warn(`playground.test.ts skipped: ${missing}`);

const WAIT = { timeout: 10_000 };
const QUERY = "{ me { __typename ... on User { username } } }";

/** What a page did that the test must see: every request, CSP violations, script errors, workers. */
type Watch = { requests: string[]; violations: string[]; errors: string[]; workers: string[] };

async function watchedPage(context: BrowserContext): Promise<{ page: Page; watch: Watch }> {
  const watch: Watch = { requests: [], violations: [], errors: [], workers: [] };
  // Every Playwright wait is bounded well inside the test's own timeout.
  context.setDefaultTimeout(WAIT.timeout);
  context.on("request", (request) => watch.requests.push(request.url()));
  const page = await context.newPage();
  // Init scripts run before the page's own scripts and are not subject to its CSP.
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.effectiveDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on("console", (message) => {
    // Monaco falls back to the main thread with only a warning when its workers are refused.
    if (/Content Security Policy|CSP violation|web worker/i.test(message.text())) watch.violations.push(message.text());
  });
  page.on("pageerror", (error) => watch.errors.push(error.message));
  page.on("worker", (worker) => watch.workers.push(new URL(worker.url()).pathname));
  return { page, watch };
}

/** Replaces a Monaco editor's whole text, as a user pasting would (no auto-closed brackets). */
async function replaceEditorText(page: Page, editor: ReturnType<Page["locator"]>, text: string) {
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.insertText(text);
  // Monaco may auto-close the first bracket; whatever follows the cursor is not ours.
  await page.keyboard.press("Shift+ControlOrMeta+End");
  await page.keyboard.press("Delete");
}

/** Monaco renders spaces as no-break spaces and splits tokens into spans; compare plain text. */
const editorText = async (locator: ReturnType<Page["locator"]>) => (await locator.innerText()).replace(/\u00a0/g, " ");

describe.runIf(runs)(title, () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`${missing}; CI must run this test`);
    [server, browser] = await Promise.all([
      startTestServer(),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--no-first-run",
          "--disable-quic",
          "--disable-sync",
        ],
      }),
    ]);
    origin = new URL(server.baseUrl).origin;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("serves the same page at /graphql to a browser, with a per-request nonce", async () => {
    const get = (path: string, accept: string) => fetch(`${server.baseUrl}${path}`, { headers: { accept } });
    const html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    const [playground, graphql, json] = await Promise.all([get("/playground", html), get("/graphql", html), get("/graphql", "application/json")]);
    expect(playground.status).toBe(200);
    expect(graphql.status).toBe(200);
    expect(graphql.headers.get("content-type")).toMatch(/^text\/html/);
    const nonceOf = (r: Response) => r.headers.get("content-security-policy")!.match(/'nonce-([^']+)'/)![1];
    const [a, b] = [nonceOf(playground), nonceOf(graphql)];
    expect(a).not.toBe(b);
    const [pageA, pageB] = await Promise.all([playground.text(), graphql.text()]);
    expect(pageB.replaceAll(b, "NONCE")).toBe(pageA.replaceAll(a, "NONCE"));
    expect(pageA).toContain(`<script nonce="${a}" type="module">`);
    // A GraphQL client asking for JSON gets the API, not the page.
    expect(json.headers.get("content-type")).not.toMatch(/text\/html/);

    // And Chromium, with its own Accept header, gets a working IDE at /graphql.
    const context = await browser.newContext();
    try {
      const { page, watch } = await watchedPage(context);
      await page.goto(server.url);
      await page.locator('.monaco-editor[data-uri$="-operation.graphql"]').waitFor(WAIT);
      expect(await page.title()).toMatch(/Ruru/);
      expect(watch.errors).toEqual([]);
      expect(watch.violations).toEqual([]);
      expect(watch.requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("lets an administrator paste a token into the headers and run a query through the UI, with no other host", async () => {
    const { login } = await server.anonymous.Login({ input: { audience: "STAFF", login: "admin", password: ADMIN_PASSWORD } });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const { page, watch } = await watchedPage(context);
      const graphqlPosts: { authorization?: string; body: string }[] = [];
      page.on("request", (request) => {
        if (request.method() === "POST" && request.url() === server.url) {
          graphqlPosts.push({ authorization: request.headers().authorization, body: request.postData() ?? "" });
        }
      });

      await page.goto(`${server.baseUrl}/playground`);
      const operation = page.locator('.monaco-editor[data-uri$="-operation.graphql"]');
      await operation.waitFor(WAIT);

      await page.getByRole("button", { name: "Headers", exact: true }).click();
      const headers = page.locator('.monaco-editor[data-uri$="-request-headers.json"]');
      await headers.waitFor({ state: "visible", ...WAIT });
      await replaceEditorText(page, headers, JSON.stringify({ Authorization: `Bearer ${login.token}` }));
      await replaceEditorText(page, operation, QUERY);
      await page.getByRole("button", { name: /^Execute query/ }).click();

      const response = page.locator(".graphiql-response .monaco-editor");
      await expect.poll(() => editorText(response), WAIT).toMatch(/"username":\s*"admin"/);
      expect(await editorText(response)).toMatch(/"__typename":\s*"User"/);
      // The run went out with the pasted token: ruru sent the headers editor's JSON as HTTP headers.
      const run = graphqlPosts.find((p) => p.body.includes("__typename ... on User"));
      expect(run?.authorization).toBe(`Bearer ${login.token}`);
      expect(JSON.parse(run!.body)).toMatchObject({ query: QUERY });

      // With the token in place, introspection is allowed and the docs explorer shows the schema.
      await page.getByRole("button", { name: /^Re-fetch GraphQL schema/ }).click();
      await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
      await page.locator(".graphiql-doc-explorer").getByText("Mutation", { exact: true }).first().waitFor(WAIT);

      // Monaco's language workers started (a refused worker would only log a warning).
      await expect.poll(() => watch.workers, WAIT).toEqual(
        expect.arrayContaining(["/playground/static/graphqlWorker.js", "/playground/static/jsonWorker.js"]),
      );
      await page.screenshot({ path: "/tmp/playground.png" });

      expect(watch.errors).toEqual([]);
      expect(watch.violations).toEqual([]);
      expect(watch.requests.length).toBeGreaterThan(5);
      expect(watch.requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
