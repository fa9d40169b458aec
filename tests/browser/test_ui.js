// test_ui.js - refgw ui in a real browser against a real gateway (run by
// test_ui.sh, which starts refgwd and three pages: a school in Dutch, the
// Expertise Centre in English, which publishes an encryption certificate,
// an administrator in Dutch).
//
// The guards of SPEC §12 first, with plain HTTP: token, session cookie,
// Host, Origin and CSRF token each refused when missing or wrong, and
// accepted when right; the headers of every answer. Then in Chromium: the
// school sends a referral with the form (sealed end to end), the Expertise
// Centre sees it arrive, opens it (decrypted, its signature checked), saves
// it and confirms receipt, and the school sees its
// status turn to acknowledged; the administrator shows a report. The send
// page by keyboard alone: focus order and skip link. Each page
// gets a screenshot at 1280x800 (in $SHOTS), an axe-core pass with no
// serious or critical violation, no request outside the page's own origin
// and no console error (a CSP refusal is one). Last, what each page weighs
// and how long it takes to answer.
"use strict";
const fs = require("fs");
const path = require("path");
const { check, eq, summary, request, rawStatus, launch, close, axeSerious } = require("./lib");

const SHOTS = process.env.SHOTS;
const links = { school: process.env.SCHOOL_LINK, ecmj: process.env.ECMJ_LINK, audit: process.env.AUDIT_LINK };
const CSP = "default-src 'self'; frame-ancestors 'none'";
const BODY = "Naam: Jan <b>de V.</b> & zus\nTel: 06-1234 ‘bel na 16 uur’\n\nGezien met een oudere man.";
const ID = /^[A-Za-z0-9_-]{24}$/;

function flip(s) {
  return s.slice(0, -1) + (s.endsWith("A") ? "B" : "A");
}

function headersOk(r, what) {
  eq(r.headers["content-security-policy"], CSP, `${what}: CSP`);
  eq(r.headers["x-content-type-options"], "nosniff", `${what}: nosniff`);
  eq(r.headers["cache-control"], "no-store", `${what}: no-store`);
}

// The checks of SPEC §12 on the school's page; returns its session cookie.
async function guards(link) {
  const u = new URL(link);
  const origin = u.origin, port = u.port, token = u.searchParams.get("token");
  check(/^[A-Za-z0-9_-]{43}$/.test(token), `token of 256 bits in base64url: ${token}`);
  let r;
  for (const p of ["/", "/send", "/inbox", "/assets/ui.css"]) {
    r = await request(origin + p);
    eq(r.status, 403, `${p} with neither token nor cookie`);
    headersOk(r, `403 of ${p}`);
  }
  eq((await request(`${origin}/?token=${flip(token)}`)).status, 403, "a wrong token");
  eq((await request(`${origin}/?token=`)).status, 403, "an empty token");
  eq((await request(`${origin}/?token=${token}x`)).status, 403, "a longer token");

  r = await request(`${origin}/inbox?token=${token}&x=a+b`);
  eq(r.status, 303, "the right token");
  headersOk(r, "303");
  eq(r.headers.location, "/inbox?x=a%20b", "303 to the same page without the token");
  const setCookie = (r.headers["set-cookie"] || [""])[0];
  check(new RegExp(`^refgw_ui_${port}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$`).test(setCookie),
        `session cookie: ${setCookie}`);
  const cookie = setCookie.split(";")[0];
  const [name, value] = cookie.split("=");
  const get = (p, headers = {}) => request(origin + p, { headers: { cookie, ...headers } });

  r = await get("/send");
  eq(r.status, 200, "the cookie");
  headersOk(r, "200");
  eq((await get("/send", { cookie: `${name}=${flip(value)}` })).status, 403, "a wrong cookie");
  eq((await get("/send", { cookie: `refgw_ui_1=${value}` })).status, 403, "the cookie under another name");

  eq((await get("/send", { host: `evil.example:${port}` })).status, 400, "Host evil.example");
  eq((await get("/send", { host: `127.0.0.1.nip.io:${port}` })).status, 400, "Host rebinding name");
  eq((await get("/send", { host: "127.0.0.1" })).status, 400, "Host without the port");
  eq((await get("/send", { host: `localhost:${port}` })).status, 200, "Host localhost");
  eq(await rawStatus(port, `GET /send HTTP/1.0\r\nCookie: ${cookie}\r\n\r\n`), 400, "no Host");
  eq(await rawStatus(port, `GET /send HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: 127.0.0.1:${port}\r\n` +
                           `Cookie: ${cookie}\r\nConnection: close\r\n\r\n`), 400, "two Host headers");

  const csrf = /name="csrf" value="([^"]+)"/.exec(r.body)[1];
  const post = (p, headers, body) =>
    request(origin + p, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
      body,
    });
  eq((await post("/send", {}, `csrf=${csrf}`)).status, 403, "POST without Origin");
  eq((await post("/send", { origin: "http://evil.example" }, `csrf=${csrf}`)).status, 403, "POST from another Origin");
  eq((await post("/send", { origin: "null" }, `csrf=${csrf}`)).status, 403, "POST with Origin null");
  eq((await post("/send", { origin: `http://localhost:${port}` }, `csrf=${csrf}`)).status, 403,
     "POST whose Origin is not its Host");
  eq((await post("/send", { origin: "http://evil.example" }, "a=%zz")).status, 403,
     "a malformed body from another Origin is refused before it is read");
  eq((await post("/send", { origin }, `csrf=${csrf}&a=%zz`)).status, 400, "a malformed form");
  eq((await post("/send", { origin }, `csrf=${csrf}&csrf=${csrf}`)).status, 400, "a field twice");
  eq((await post("/send", { origin, "content-type": "text/plain" }, `csrf=${csrf}`)).status, 415,
     "a POST that is not a form");
  eq((await post("/send", { origin }, "signal=other")).status, 403, "POST without CSRF token");
  eq((await post("/send", { origin }, `csrf=${flip(csrf)}`)).status, 403, "POST with a wrong CSRF token");
  eq((await post("/inbox/AAAAAAAAAAAAAAAAAAAAAAAA/ack", { origin }, "")).status, 403, "ack without CSRF token");
  r = await post("/send", { origin }, `csrf=${csrf}`);
  eq(r.status, 400, "POST with Origin and CSRF token passes the guards (the form comes back)");
  check(r.body.includes('class="error-summary"'), "the form with its errors");
  headersOk(r, "400");
  r = await request(origin + "/send", { method: "PUT", headers: { cookie } });
  eq(r.status, 405, "PUT");
  eq(r.headers.allow, "GET, POST", "405's Allow");
  eq((await get("/inbox/..%2f..%2fetc")).status, 404, "an odd path");

  // The same form sent twice (its client_ref) is one referral.
  const form = `csrf=${csrf}&client_ref=dup-test-1&to=police-a&signal=other&urgency=normal&body=twice`;
  const ids = [];
  for (let i = 0; i < 2; i++) {
    r = await post("/send", { origin }, form);
    eq(r.status, 303, `send ${i + 1} of the same form`);
    const done = await get("/send/done");
    ids.push(/id="referral-id">([^<]+)</.exec(done.body)[1]);
    check(done.body.includes("eerder verstuurd") === (i === 1), `send ${i + 1}: a repeat is said so`);
  }
  eq(ids[1], ids[0], "the same id for the same form");
  return cookie;
}

const foreign = [];
const consoleErrors = [];

async function newPage(browser, link) {
  const origin = new URL(link).origin;
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on("request", (r) => {
    // data: URLs are Chromium's own (the month field's calendar icon), not loads.
    if (!r.url().startsWith(origin + "/") && !r.url().startsWith("data:")) foreign.push(r.url());
  });
  page.on("console", (m) => {
    // A form sent back with its errors is answered 400, which Chromium logs.
    const own = m.text().startsWith("Failed to load resource") && m.location().url === page.url();
    if (m.type() === "error" && !own) consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e}`));
  page.origin = origin;
  return page;
}

const weighed = []; // the pages measured

// The page as it is now: its language, axe-core, a screenshot.
async function look(page, name, lang) {
  eq(await page.$eval("html", (h) => h.lang), lang, `${name}: <html lang>`);
  const serious = await axeSerious(page);
  check(serious.length === 0, `${name}: axe-core finds ${serious.join("; ")}`);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  if (page.url() !== weighed[weighed.length - 1]) await measure(page, name);
  weighed.push(page.url());
}

async function go(page, action) {
  await page.bringToFront(); // a page in the background may not act at all
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), action()]);
}

async function sendReferral(page) {
  await page.goto(links.school, { waitUntil: "load" });
  eq(page.url(), `${page.origin}/send`, "the school's link leads to the send page");
  await look(page, "send", "nl");
  await go(page, () => page.click("button[type=submit]"));
  const errors = await page.$$eval(".error-summary li a", (as) => as.map((a) => a.getAttribute("href")));
  eq(errors.join(" "), "#f-to #f-signal #f-body", "an empty form: what is missing, in the page's order");
  eq(await page.evaluate(() => document.activeElement.className), "error-summary", "the summary has focus");
  await look(page, "send-errors", "nl");

  await page.select("#f-to", "ecmj");
  await page.click("input[name=signal][value=loverboy]");
  await page.click("input[name=urgency][value=urgent]");
  await page.select("#f-age_band", "16_17");
  await page.select("#f-gender", "female");
  await page.select("#f-municipality", "GM0935");
  await page.select("#f-housing", "with_parents");
  await page.type("#f-body", BODY);
  const counted = await page.$eval("#f-body-count", (p) => p.textContent);
  check(/^\d+ van 65\.536 bytes gebruikt$/.test(counted), `the byte counter: ${counted}`);
  await go(page, () => page.click("button[type=submit]"));
  eq(page.url(), `${page.origin}/send/done`, "sent: the confirmation page");
  const id = await page.$eval("#referral-id", (c) => c.textContent);
  check(ID.test(id), `the referral id: ${id}`);
  eq(await page.$eval("#e2e", (p) => p.dataset.e2e), "yes", "sealed end to end: the recipient publishes a key");
  await look(page, "send-done", "nl");
  return id;
}

// The keyboard alone: the skip link first, then the menu, then the form's
// fields in the order they are read, and the skip link leads to <main>.
async function keyboard(page) {
  await page.goto(`${page.origin}/send`, { waitUntil: "load" });
  await page.bringToFront();
  const seen = [];
  for (let i = 0; i < 17; i++) {
    await page.keyboard.press("Tab");
    seen.push(await page.evaluate(() => {
      const e = document.activeElement;
      return e.id || e.getAttribute("href") || e.tagName.toLowerCase();
    }));
  }
  eq(seen.join(" "), "#main /send /inbox /sent f-to f-signal f-urgency f-age_band f-gender " +
     "f-municipality f-origin f-socioeconomic f-education f-housing f-addiction f-body button",
     "the send page's focus order");
  await page.focus("a.skip");
  await page.keyboard.press("Enter");
  eq(await page.evaluate(() => document.activeElement.id), "main", "the skip link leads to the content");
}

async function receiveReferral(page, id) {
  await page.goto(links.ecmj, { waitUntil: "load" });
  eq(page.url(), `${page.origin}/send`, "a partner's link leads to the send page");
  await go(page, () => page.click("nav a[href='/inbox']"));
  check((await page.$(`tr[data-id="${id}"]`)) !== null, "the referral arrived in the recipient's inbox");
  await look(page, "inbox", "en");

  await go(page, () => page.click(`tr[data-id="${id}"] a`));
  eq(page.url(), `${page.origin}/inbox/${id}`, "opened");
  eq(await page.$eval("#body", (b) => b.textContent), BODY, "the description, exactly as typed");
  const subject = await page.$eval("#subject", (d) => d.textContent);
  for (const w of ["16–17 years", "Female", "Maastricht", "With parents or carers", "Unknown"])
    check(subject.includes(w), `the subject in words: ${w}`);
  const facts = await page.$eval("#facts", (d) => d.textContent);
  for (const w of ["Loverboy grooming", "Urgent", "school-a (School)", id,
                   "End to end; the signature of school-a is checked"])
    check(facts.includes(w), `the referral's facts: ${w}`);
  await look(page, "referral", "en");

  const cookie = (await page.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const text = await request(`${page.origin}/inbox/${id}/text`, { headers: { cookie } });
  eq(text.headers["content-disposition"], `attachment; filename="referral-${id}.txt"`, "saved as text");
  check(text.body.includes(BODY) && text.body.includes("16–17 years"), "the text file holds it all");
  const json = await request(`${page.origin}/inbox/${id}/json`, { headers: { cookie } });
  const saved = JSON.parse(json.body);
  eq(saved.body, BODY, "saved as JSON, decrypted");
  eq(saved.e2e && saved.e2e.signer, "school-a", "with whose signature was checked");

  await go(page, () => page.click("#ack"));
  eq(page.url(), `${page.origin}/inbox/${id}/ack`, "confirming asks first");
  check((await page.$eval(".warning", (w) => w.textContent)).includes("erases"), "and says the content will be gone");
  await look(page, "confirm", "en");
  await go(page, () => page.click("button.danger"));
  eq(page.url(), `${page.origin}/inbox`, "back to the inbox");
  check((await page.$eval("#acked", (n) => n.textContent)).includes(id), "receipt confirmed, said");
  eq(await page.$(`tr[data-id="${id}"]`), null, "and no longer waiting");
  await look(page, "inbox-acknowledged", "en");
  const gone = await request(`${page.origin}/inbox/${id}`, { headers: { cookie } });
  eq(gone.status, 404, "an acknowledged referral cannot be opened again");
}

async function followReferral(page, id) {
  await go(page, () => page.click("nav a[href='/sent']"));
  eq(await page.$eval(`tr[data-id="${id}"] [data-status]`, (s) => s.dataset.status), "acknowledged",
     "the sender sees it acknowledged");
  await look(page, "sent", "nl");
}

async function report(page) {
  await page.goto(links.audit, { waitUntil: "load" });
  eq(page.url(), `${page.origin}/report`, "an administrator's link leads to the report");
  eq(await page.$$eval("nav a", (as) => as.map((a) => a.getAttribute("href")).join(" ")), "/report",
     "an administrator's menu");
  await look(page, "report-form", "nl");
  const month = new Date().toISOString().slice(0, 7);
  await page.$eval("#r-from", (i, m) => (i.value = m), month);
  await page.$eval("#r-to", (i, m) => (i.value = m), month);
  await go(page, () => page.click("form.month-range button"));
  check((await page.$("h1[data-from]")) !== null, "the report is shown");
  await look(page, "report", "nl");
  const save = await page.$eval("#save", (a) => a.href);
  const cookie = (await page.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const file = await request(save, { headers: { cookie } });
  eq(file.headers["content-disposition"], `attachment; filename="report-${month}-${month}.html"`,
     "the report saved as a file");
  check(file.body.includes("default-src 'none'") && file.body.includes("<style>") &&
        !file.body.includes("/assets/"), "the file stands alone, as refgw report writes it");
}

// A page: what it weighs with what it loads, and how fast it answers (a GET
// as the page was got; five times, the median counts).
async function measure(page, name) {
  const cookie = (await page.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const loads = await page.$$eval("link[href], script[src]", (es) => es.map((e) => e.href || e.src));
  const times = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    const r = await request(page.url(), { headers: { cookie } });
    times.push(r.ms);
    bytes = Buffer.byteLength(r.body);
  }
  for (const url of loads) bytes += Buffer.byteLength((await request(url, { headers: { cookie } })).body);
  times.sort((a, b) => a - b);
  console.log(`page ${name}: ${(bytes / 1024).toFixed(1)} KiB with what it loads, ` +
              `median ${times[2].toFixed(1)} ms, slowest ${times[4].toFixed(1)} ms`);
  check(bytes < 100 * 1024, `${name} weighs ${bytes} bytes`);
  check(times[2] < 500, `${name} answers in ${times[2]} ms`);
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  await guards(links.school);
  const browser = await launch();
  try {
    const school = await newPage(browser, links.school);
    const id = await sendReferral(school);
    await keyboard(school);
    const ecmj = await newPage(browser, links.ecmj);
    await receiveReferral(ecmj, id);
    await followReferral(school, id);
    await report(await newPage(browser, links.audit));
  } finally {
    await close(browser);
  }
  check(foreign.length === 0, `requests outside the page: ${foreign.join(", ")}`);
  check(consoleErrors.length === 0, `console errors: ${consoleErrors.join("; ")}`);
  process.exit(summary() ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
