// lib.js - what the browser tests share: checks that count, plain HTTP
// requests to the page (node:http, and raw bytes for what a browser never
// sends), Chromium started as this sandbox needs it, and axe-core.
"use strict";
const fs = require("fs");
const http = require("http");
const net = require("net");
const os = require("os");
const path = require("path");
const puppeteer = require("puppeteer-core");

let failures = 0;
let checks = 0;

function check(ok, what) {
  checks++;
  if (!ok) {
    failures++;
    console.error(`FAIL: ${what}`);
  }
  return ok;
}

function eq(got, want, what) {
  return check(got === want, `${what}: got ${JSON.stringify(got)}, wanted ${JSON.stringify(want)}`);
}

function summary() {
  console.log(`${checks - failures} passed, ${failures} failed`);
  return failures === 0;
}

// One request; resolves {status, headers, body, ms}. opts: method, headers, body.
function request(url, opts = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, { method: opts.method || "GET", headers: opts.headers || {} }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        })
      );
    });
    req.on("error", reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

// Raw bytes to host:port; resolves the status code of the answer.
function rawStatus(port, text) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(text));
    let got = "";
    s.on("data", (d) => {
      got += d.toString("latin1");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      if (m) {
        s.destroy();
        resolve(Number(m[1]));
      }
    });
    s.on("error", reject);
    s.on("close", () => resolve(/^HTTP\/1\.[01] (\d{3})/.test(got) ? Number(RegExp.$1) : 0));
  });
}

// Chromium from Debian, headless, as root in a sandbox with no way out.
async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "refgw-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    userDataDir: profile,
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-gpu",
      "--disable-quic",
      "--disable-dev-shm-usage",
    ],
  });
  browser.profile = profile;
  return browser;
}

async function close(browser) {
  await browser.close();
  fs.rmSync(browser.profile, { recursive: true, force: true });
}

const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// axe-core on the page as it is; the violations of impact serious or critical.
async function axeSerious(page) {
  await page.evaluate(axeSource); // DevTools evaluation: the page's CSP does not apply
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

module.exports = { check, eq, summary, request, rawStatus, launch, close, axeSerious };
