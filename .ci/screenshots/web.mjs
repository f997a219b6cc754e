// The web application (`loep serve`) in Debian's headless Chromium, as the people of an
// interventieteam use it, on the demo project:
//   the analist logs in, filters the queue, opens an address and asks for the identities
//   behind a signal; the sleutelhouder approves; the analist sees the identities and opens a
//   case; the projectleider routes it to the handhaver and plans the visit; the handhaver
//   records the outcome. A resident reports the address on the public form and follows the
//   report by its code. And the public catalogue, and logging out.
// Every page is checked with axe-core for WCAG 2.1 A and AA and for English words and codes as
// stored (snake_case outside the contract's own names) in its running text, and screenshotted
// into OUT_DIR.
// Exits 1 when a step, an accessibility check or the language check fails.
//
//   node web.mjs BASE_URL OUT_DIR PASSWORD [DELIVERY_ZIP]
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const [base, outDir, password, deliveryZip] = process.argv.slice(2);
if (!base || !outDir || !password) {
  console.error('usage: node web.mjs BASE_URL OUT_DIR PASSWORD');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
const check = (ok, what) => {
  if (!ok) {
    console.error(`web: ${what}`);
    failed++;
  }
};
const errors = [];
const checked = new Set();

// Words that say a user reads English (whole words, in running text and in the title, labels,
// tooltips, placeholders and alternative texts); and codes written as
// they are stored (snake_case) where a reader expects words. Text in code, pre, kbd and samp,
// and placeholders in braces (a published template's {feit}), are not running text.
const ENGLISH = ['the', 'of the', 'and the', 'with', 'from', 'must', 'which', 'this', 'that', 'should',
  'cannot', 'could not', 'not found', 'refused', 'error', 'please', 'invalid', 'missing', 'failed',
  'unknown', 'allowed', 'denied', 'forbidden', 'request', 'signal', 'address', 'case'];
// The contract's own names (../shared/spec/levering.md: tables, columns and code values; the
// analysis store's renamed columns; the linkage's tables), written as the contract writes them.
// Themes are not among them: a page names a theme in words.
const CONTRACT_NAMES = new Set(["koppeling_adres", "koppeling_persoon", "alleenstaande_ouder", "bag_verblijfsobject", "bd_inkomen", "bd_toeslag", "bedrag_jaar", "bedrag_maand", "brp_persoon", "brp_verblijf_historie", "cbs_buurt", "contract_id", "datum_aanvang", "datum_aanvang_adreshouding", "datum_einde", "datum_inschrijving", "datum_uitschrijving", "datum_verkrijging", "eigenaar_bsn", "eigenaar_kvk", "eigenaar_pseudoniem", "elektriciteit_kwh", "fiscaal_partner_bsn", "fiscaal_partner_pseudoniem", "functie_adres", "gas_m3", "gem_bijstand", "geometrie_wkt", "huiselijk_geweld", "huurder_geboortedatum", "huurder_geslachtsnaam", "huurder_voornamen", "huurder_voorvoegsel", "ja_nee", "kad_eigendom", "kale_huur_maand", "kindgebonden_budget", "kvk_nummer", "kvk_vestiging", "melding_id", "nummeraanduiding_id", "nuts_verbruik", "omschrijving_onderwerpen", "openbare_ruimte", "overlast_jeugd", "pand_id", "partner_bsn", "partner_pseudoniem", "pol_betrokkene", "pol_registratie", "rd_x", "rd_y", "record_key", "registratie_id", "sbi_code", "snake_case", "sociale_huur", "svb_uitkering", "toeslagpartner_bsn", "toeslagpartner_pseudoniem", "uwv_dienstverband", "uwv_uitkering", "vbo_id", "verdachte_bewoning", "vermogen_box3", "water_m3", "wc_huurcontract"]);
async function readsDutch(page, name) {
  const text = await page.evaluate(() => {
    const skip = new Set(['CODE', 'PRE', 'KBD', 'SAMP', 'SCRIPT', 'STYLE', 'TEMPLATE']);
    const parts = [];
    const walk = (node) => {
      if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
      if (node.nodeType !== Node.ELEMENT_NODE || skip.has(node.tagName)) return;
      if (node.getAttribute('aria-hidden') === 'true' || node.hidden) return;
      for (const c of node.childNodes) walk(c);
      if (getComputedStyle(node).display !== 'inline') parts.push('\n');
    };
    walk(document.body);
    // What a reader also reads: the window's title, labels for screen readers, tooltips,
    // placeholders, alternative texts and the words on input buttons.
    parts.push('\n', document.title, '\n');
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], input[type=submit], input[type=button]')) {
      for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
        const v = el.getAttribute(a);
        if (v) parts.push('\n', v, '\n');
      }
      if (el.tagName === 'INPUT' && (el.type === 'submit' || el.type === 'button')) parts.push('\n', el.value, '\n');
    }
    return parts.join(' ');
  });
  const running = text.replace(/\{[^}]*\}/g, ' ');
  for (const w of ENGLISH) {
    const m = running.match(new RegExp(`(^|[^\\p{L}_-])${w}([^\\p{L}_-]|$)`, 'iu'));
    if (m) {
      const at = running.indexOf(m[0]);
      check(false, `${name}: English "${w}" in "${running.slice(Math.max(0, at - 40), at + 40).replace(/\s+/g, ' ')}"`);
    }
  }
  for (const code of running.matchAll(/(^|[^\p{L}\d_./-])([a-z]+_[a-z_]+)(?=[^\p{L}\d_]|$)/gu)) {
    if (CONTRACT_NAMES.has(code[2])) continue;
    const at = code.index;
    check(false, `${name}: a code as stored, "${code[2]}", in "${running.slice(Math.max(0, at - 40), at + 40).replace(/\s+/g, ' ')}"`);
    break;
  }
}

// axe-core on the page as it is now, once per kind of page; then a screenshot.
async function look(page, name) {
  if (!checked.has(name)) {
    checked.add(name);
    await readsDutch(page, name);
    const result = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    for (const v of result.violations) {
      const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ');
      check(false, `${name}: ${v.id} (${v.impact}): ${v.help} at ${where}`);
    }
  }
  await page.screenshot({ path: `${outDir}/web-${name}.png`, fullPage: true });
}

async function login(page, who) {
  await page.goto(`${base}/inloggen`);
  await page.fill('#gebruiker', who);
  await page.fill('#wachtwoord', password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  check(!page.url().endsWith('/inloggen'), `${who} could not log in`);
}

async function logout(page) {
  await Promise.all([page.waitForURL(`${base}/inloggen`), page.click('.wie button[type=submit]')]);
}

try {
  // axe-core needs a page of an explicit browser context.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto(`${base}/`);
  check(page.url() === `${base}/inloggen`, `without a session / leads to ${page.url()}`);
  await look(page, 'inloggen');

  // The analist: overview, queue, an address, a request for identities.
  await login(page, 'analist');
  check(page.url() === `${base}/`, `the analist lands on ${page.url()}`);
  check((await page.textContent('body')).includes('Per thema'), 'the overview after login');
  check(await page.locator('figure.kaart svg').count() === 1, 'the map on the overview');
  await look(page, 'overzicht');

  await page.click('nav a[href="/signalen"]');
  await page.waitForURL(`${base}/signalen`);
  check((await page.locator('table.tabel tbody tr td').first().textContent()).trim() === '1', 'the queue starts at rank 1');
  await page.selectOption('#thema', 'overbewoning');
  await Promise.all([page.waitForURL(/thema=overbewoning/), page.click('.filter button[type=submit]')]);
  const status = await page.textContent('p[role=status]');
  check(/^\d+ adressen met \d+ signalen in scan/.test(status.trim()), `the queue says ${status}`);
  await look(page, 'signalen');

  // An address without a case yet (the demo opened cases for its first addresses): from the
  // last page of the queue backwards.
  let address = null;
  let seen = 0;
  const last = Number((status.match(/van (\d+)/) || [0, 1])[1]);
  for (let p = last; p >= 1 && address === null; p--) {
    await page.goto(`${base}/signalen?thema=overbewoning&pagina=${p}`);
    const links = await page.locator('table a[href^="/adressen/"]').evaluateAll(
      (as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
    for (const href of links.reverse()) {
      seen++;
      await page.goto(`${base}${href}`);
      if ((await page.textContent('body')).includes('geen zaak op dit adres')) {
        address = page.url();
        break;
      }
    }
  }
  check(address !== null, `every one of ${seen} addresses in the queue has a case`);
  const writtenAddress = (await page.textContent('h1')).trim();
  check((await page.textContent('body')).includes('Pseudoniem'), 'the address page lists persons as pseudonyms');
  await look(page, 'adres');

  await page.fill('#reden', 'Huisbezoek voorbereiden: wie staat op dit adres ingeschreven?');
  await Promise.all([page.waitForURL(/\/onthullingen/), page.click('form[action="/onthullingen"] button')]);
  const requestId = new URL(page.url()).hash.replace('#verzoek-', '');
  check(/^O\d+$/.test(requestId), `the request's id from ${page.url()}`);
  check((await page.textContent(`#verzoek-${requestId}`)).includes('wacht op een sleutelhouder'), 'the new request waits');
  await look(page, 'onthullingen');
  await logout(page);

  // The sleutelhouder approves it.
  await login(page, 'sleutelhouder');
  await page.goto(`${base}/onthullingen`);
  const form = page.locator(`form[action="/onthullingen/${requestId}/besluit"]`);
  await form.locator('input[name=toelichting]').fill('Akkoord: voorbereiding huisbezoek.');
  await Promise.all([page.waitForNavigation(), form.locator('button[value=goedkeuren]').click()]);
  check((await page.textContent(`#verzoek-${requestId}`)).includes('goedgekeurd'), 'the request is approved');
  await look(page, 'onthullingen-sleutelhouder');
  await logout(page);

  // The analist sees the identities, then opens a case from the address's signals.
  await login(page, 'analist');
  await page.goto(`${base}/onthullingen/${requestId}`);
  check((await page.textContent('h1')).includes(requestId), 'the identities page');
  check(await page.locator('tbody tr').count() > 0, 'the identities page lists the persons');
  await look(page, 'identiteiten');
  await page.goto(address);
  await Promise.all([page.waitForURL(/\/zaken\/[^/]+$/), page.click('#zaak-maken button[type=submit]')]);
  const caseUrl = page.url();
  check((await page.textContent('.status')).includes('Nieuw'), 'the new case has status Nieuw');
  await look(page, 'zaak');
  await logout(page);

  // A doubtful link by name: the analist proposes on a ground from the list, a sleutelhouder
  // confirms (four eyes), and the project links anew.
  await login(page, 'analist');
  await page.goto(`${base}/koppelingen`);
  const proposal = page.locator('form[action="/koppelingen"]').first();
  check(await proposal.count() > 0, 'the demo has doubtful links to review');
  if (await proposal.count() > 0) {
    await proposal.locator('select[name=grond]').selectOption('schrijfwijze');
    await Promise.all([page.waitForNavigation(), proposal.locator('button[type=submit]').click()]);
    check((await page.textContent('main')).includes('Uw voorstel is vastgelegd'), 'the proposal is recorded');
    await look(page, 'koppelingen');
  }
  await logout(page);
  await login(page, 'sleutelhouder');
  await page.goto(`${base}/koppelingen`);
  const confirm = page.locator('form[action^="/koppelingen/"]').first();
  check(await confirm.count() > 0, 'the proposal waits for a sleutelhouder');
  if (await confirm.count() > 0) {
    await Promise.all([page.waitForNavigation(), confirm.locator('button[value=bevestigen]').click()]);
    check((await page.textContent('main')).includes('gekoppeld na beoordeling'), 'the confirmed pair is linked');
    await look(page, 'koppelingen-sleutelhouder');
  }
  await logout(page);

  // The projectleider routes the case to the handhaver and plans the visit.
  await login(page, 'projectleider');
  await page.goto(`${base}/meldingen`);
  check((await page.textContent('main')).includes('levering van de gemeente'), 'the register lists the delivered reports');
  await look(page, 'meldingen');
  await page.goto(caseUrl);
  const routed = page.locator('form[action$="/toewijzen"]');
  await routed.locator('#roltype').selectOption('huisbezoeker');
  await routed.locator('#medewerker').fill('handhaver');
  await Promise.all([page.waitForNavigation(), routed.locator('button').click()]);
  await page.selectOption('#naar', 'in_onderzoek');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/status"] button')]);
  const inTwoWeeks = new Date(Date.now() + 14 * 86400000).toISOString().slice(0, 10);
  await page.fill('#datum', inTwoWeeks);
  await page.fill('#team', 'handhaver');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/bezoek-plannen"] button')]);
  check((await page.textContent('.status')).includes('Huisbezoek gepland'), 'the visit is planned');
  await page.goto(`${base}/zaken`);
  await look(page, 'zaken');
  await page.goto(`${base}/trefkansen`);
  check((await page.textContent('h1')).includes('Trefkansen'), 'the hit rates page');
  await look(page, 'trefkansen');
  await page.goto(`${base}/eerlijkheid`);
  check((await page.locator('figure svg').count()) === 1, 'the fairness chart');
  await look(page, 'eerlijkheid');
  await page.goto(`${base}/algoritmeregister`);
  await look(page, 'algoritmeregister');
  await logout(page);

  // The privacy officer checks the processing log and the accounts' audit trail.
  await login(page, 'fg');
  await page.goto(`${base}/verwerkingslog`);
  check((await page.textContent('main')).includes('In orde'), 'the processing log verifies');
  await look(page, 'verwerkingslog');
  // The fg browses the log: who was looked at, when and why (requests for identities).
  await page.selectOption('#handeling', 'onthulling.');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/verwerkingslog"] button')]);
  check((await page.textContent('main')).includes('aangevraagd door'), 'the log says who asked for identities and why');
  const person = page.locator('a[href^="/verwerkingslog?persoon="]').first();
  await Promise.all([page.waitForNavigation(), person.click()]);
  check(page.url().includes('persoon='), 'the log filtered on one person');
  await look(page, 'verwerkingslog-zoeken');
  // The certificate of a scan: reached from the list of scans, every check holds.
  await page.goto(`${base}/scans`);
  await Promise.all([page.waitForNavigation(), page.click('a[href$="/certificaat"]')]);
  check((await page.textContent('h1')).includes('Certificaat van scan'), 'the run certificate page');
  check((await page.textContent('main')).includes('In orde'), 'the run certificate holds');
  await look(page, 'certificaat');
  await page.goto(`${base}/accounts`);
  check((await page.textContent('main')).includes('Audittrail'), 'the audit trail');
  await look(page, 'accounts');
  await page.goto(`${base}/inzage`);
  check((await page.textContent('h1')).includes('Inzageverzoeken'), 'the access requests page');
  check((await page.textContent('main')).includes('Tijdelijk beperken'), 'the fg may restrict an access letter');
  await look(page, 'inzage');
  await logout(page);

  // The beheerder checks a delivery in the browser: a dry run first, loaded after confirming.
  await login(page, 'beheerder');
  // The beheerder adds an account and disables it again.
  await page.goto(`${base}/accounts`);
  await page.fill('#naam', 'nieuwe-handhaver');
  await page.selectOption('#rol', 'handhaver');
  await page.fill('#wachtwoord', `${password}-nieuw`);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/accounts"] button')]);
  check((await page.textContent('main')).includes('is aangemaakt'), 'the beheerder adds an account');
  await look(page, 'accounts-beheren');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/accounts/nieuwe-handhaver/uitschakelen"] button')]);
  check((await page.textContent('main')).includes('uitgeschakeld'), 'the beheerder disables the account');
  await page.goto(`${base}/leveringen`);
  check((await page.textContent('h1')).includes('Leveringen'), 'the deliveries page');
  await look(page, 'leveringen');
  if (deliveryZip) {
    await page.setInputFiles('#bestand', deliveryZip);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/leveringen/proef"] button')]);
    check((await page.textContent('main')).includes('Dit is een proef'), 'the dry run of an uploaded delivery');
    await look(page, 'levering-proef');
    await Promise.all([page.waitForNavigation(), page.click('form[action="/leveringen/laden"] button')]);
    check((await page.textContent('h1')).includes('Levering geladen'), 'the delivery loads after confirming');
  }
  await logout(page);

  // The handhaver lands on their cases and records the visit's outcome.
  // On a phone (390 × 844): nothing scrolls sideways but a wide table inside its own box.
  await page.setViewportSize({ width: 390, height: 844 });
  await login(page, 'handhaver');
  check(page.url() === `${base}/zaken`, `the handhaver lands on ${page.url()}`);
  const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check((await sideways()) <= 0, `the handhaver's cases scroll sideways on a phone by ${await sideways()} px`);
  await page.goto(`${caseUrl}/bezoekblad`);
  check((await page.textContent('h1')).includes('Bezoekblad'), 'the visit sheet');
  check((await sideways()) <= 0, `the visit sheet scrolls sideways on a phone by ${await sideways()} px`);
  await look(page, 'bezoekblad');
  await page.goto(caseUrl);
  check((await sideways()) <= 0, `the case page scrolls sideways on a phone by ${await sideways()} px`);
  const visit = page.locator('form[action$="/huisbezoek"]');
  await visit.locator('input[value=doorverwezen_zorg]').check();
  for (const select of await visit.locator('select[name^=bevinding_]').all()) {
    await select.selectOption('bevestigd');
  }
  await visit.locator('textarea').fill('Acht personen in twee kamers; doorverwezen naar het wijkteam.');
  await Promise.all([page.waitForNavigation(), visit.locator('button').click()]);
  check((await page.textContent('.status')).includes('Huisbezoek uitgevoerd'), 'the visit is recorded');
  await look(page, 'zaak-huisbezoek');
  await logout(page);
  await page.setViewportSize({ width: 1280, height: 900 });

  // A resident reports the address (no login, no JavaScript needed) and follows it by code.
  await page.goto(address);
  await page.goto(`${base}/melden`);
  await look(page, 'melden');
  await page.fill('#adres', writtenAddress);
  await page.selectOption('#categorie', 'overbewoning');
  await page.fill('#omschrijving', 'Elke week andere mensen, matrassen bij het grofvuil.');
  await page.waitForTimeout(3500); // a person takes a moment; faster is refused
  await Promise.all([page.waitForNavigation(), page.click('form[action="/melden"] button.knop:not(.knop-secundair)')]);
  check((await page.textContent('body')).includes('Bedoelt u dit adres?'), 'the form shows the address to confirm');
  await look(page, 'melden-bevestigen');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/melden"] button.knop:not(.knop-secundair)')]);
  const code = (await page.textContent('.code-waarde')).trim();
  check(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/.test(code), `the follow-up code ${code}`);
  await look(page, 'gemeld');
  await page.goto(`${base}/melden/status`);
  await page.fill('#code', code);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/melden/status"] button')]);
  check((await page.textContent('[role=status]')).includes('ontvangen'), 'the code shows the state');
  await look(page, 'melden-status');

  await page.goto(`${base}/indicatoren`);
  check((await page.textContent('h1')).includes('indicatoren'), 'the catalogue page');
  await look(page, 'indicatoren');
  await page.goto(`${base}/signalen`);
  check(page.url() === `${base}/inloggen`, 'logged out: the queue leads to the login');
  check(errors.length === 0, `errors in the browser: ${errors.join('; ')}`);
} catch (e) {
  check(false, `a step failed: ${e}`);
} finally {
  await browser.close();
}
if (failed === 0) {
  console.log(`web: the analist, sleutelhouder, projectleider, fg (log search), beheerder (accounts), handhaver and resident flows work in Chromium; axe-core finds no WCAG 2.1 AA violation and no page shows English words or stored codes in running text (${checked.size} pages)`);
}
process.exit(failed > 0 ? 1 : 0);
