#!/usr/bin/env python3
"""Check a generated delivery against the contract (shared/spec/levering.md) and its truth files.

    python3 tools/blind-gemeente/check.py DIR [--expect-persons N]

Checks: exact column sets, value types per column, required fields, table keys, the rows listed in
truth/invalid.csv (and only those) being invalid, references to verblijfsobjecten, coordinates inside their
buurt, planted / look-alike addresses existing in the BAG, no address both planted and look-alike for one
theme, every variant of every theme present, and counts per theme.  Exit code 1 on any problem.
"""
import csv
import os
import re
import sys
from collections import Counter, defaultdict
from datetime import date

COLUMNS = {
    'bag_verblijfsobject': ['vbo_id', 'nummeraanduiding_id', 'openbare_ruimte', 'huisnummer', 'huisletter',
                            'huisnummertoevoeging', 'postcode', 'woonplaats', 'gebruiksdoelen', 'oppervlakte',
                            'pand_id', 'bouwjaar', 'buurtcode', 'wijkcode', 'rd_x', 'rd_y'],
    'cbs_buurt': ['buurtcode', 'buurtnaam', 'wijkcode', 'wijknaam', 'gemeentecode', 'geometrie_wkt'],
    'brp_persoon': ['bsn', 'voornamen', 'voorvoegsel', 'geslachtsnaam', 'geboortedatum', 'geslacht',
                    'overlijdensdatum', 'status', 'vbo_id', 'functie_adres', 'datum_aanvang_adreshouding',
                    'partner_bsn'],
    'brp_verblijf_historie': ['bsn', 'vbo_id', 'functie_adres', 'datum_aanvang', 'datum_einde'],
    'bd_inkomen': ['bsn', 'belastingjaar', 'verzamelinkomen', 'vermogen_box3', 'fiscaal_partner_bsn', 'vbo_id'],
    'bd_toeslag': ['bsn', 'jaar', 'regeling', 'toeslagpartner_bsn', 'vbo_id', 'bedrag_jaar', 'medebewoners'],
    'svb_uitkering': ['bsn', 'regeling', 'leefvorm', 'vbo_id', 'ingangsdatum', 'einddatum', 'bedrag_maand'],
    'uwv_uitkering': ['bsn', 'regeling', 'ingangsdatum', 'einddatum', 'bedrag_maand'],
    'uwv_dienstverband': ['bsn', 'loonheffingennummer', 'periode', 'loon', 'uren'],
    'gem_bijstand': ['bsn', 'norm', 'vbo_id', 'ingangsdatum', 'einddatum', 'bedrag_maand'],
    'kad_eigendom': ['vbo_id', 'eigenaar_bsn', 'eigenaar_kvk', 'aandeel', 'datum_verkrijging', 'koopsom'],
    'kvk_vestiging': ['kvk_nummer', 'vestigingsnummer', 'handelsnaam', 'rechtsvorm', 'sbi_code', 'vbo_id',
                      'datum_inschrijving', 'datum_uitschrijving', 'eigenaar_bsn'],
    'wc_huurcontract': ['corporatie', 'contract_id', 'vbo_id', 'huurder_voornamen', 'huurder_voorvoegsel',
                        'huurder_geslachtsnaam', 'huurder_geboortedatum', 'ingangsdatum', 'einddatum',
                        'kale_huur_maand', 'sociale_huur'],
    'nuts_verbruik': ['vbo_id', 'jaar', 'elektriciteit_kwh', 'gas_m3', 'water_m3'],
    'pol_registratie': ['registratie_id', 'datum', 'categorie', 'adres', 'vbo_id', 'omschrijving'],
    'pol_betrokkene': ['registratie_id', 'rol', 'voornamen', 'voorvoegsel', 'geslachtsnaam', 'geboortedatum', 'bsn'],
    'melding': ['melding_id', 'datum', 'adres', 'categorie', 'omschrijving', 'anoniem'],
}
REQUIRED = {
    'bag_verblijfsobject': ['vbo_id', 'nummeraanduiding_id', 'openbare_ruimte', 'huisnummer', 'postcode', 'woonplaats',
                            'gebruiksdoelen', 'oppervlakte', 'buurtcode', 'wijkcode'],
    'cbs_buurt': ['buurtcode', 'buurtnaam', 'wijkcode', 'wijknaam', 'gemeentecode'],
    'brp_persoon': ['bsn', 'geslachtsnaam', 'geboortedatum', 'geslacht', 'status'],
    'brp_verblijf_historie': ['bsn', 'vbo_id', 'functie_adres', 'datum_aanvang'],
    'bd_inkomen': ['bsn', 'belastingjaar', 'verzamelinkomen'],
    'bd_toeslag': ['bsn', 'jaar', 'regeling', 'bedrag_jaar'],
    'svb_uitkering': ['bsn', 'regeling', 'leefvorm', 'ingangsdatum', 'bedrag_maand'],
    'uwv_uitkering': ['bsn', 'regeling', 'ingangsdatum', 'bedrag_maand'],
    'uwv_dienstverband': ['bsn', 'loonheffingennummer', 'periode', 'loon'],
    'gem_bijstand': ['bsn', 'norm', 'ingangsdatum', 'bedrag_maand'],
    'kad_eigendom': ['vbo_id', 'datum_verkrijging'],
    'kvk_vestiging': ['kvk_nummer', 'vestigingsnummer', 'handelsnaam', 'rechtsvorm', 'vbo_id', 'datum_inschrijving'],
    'wc_huurcontract': ['corporatie', 'contract_id', 'vbo_id', 'huurder_geslachtsnaam', 'huurder_geboortedatum',
                        'ingangsdatum', 'kale_huur_maand', 'sociale_huur'],
    'nuts_verbruik': ['vbo_id', 'jaar'],
    'pol_registratie': ['registratie_id', 'datum', 'categorie', 'adres'],
    'pol_betrokkene': ['registratie_id', 'rol', 'geslachtsnaam'],
    'melding': ['melding_id', 'datum', 'adres', 'categorie', 'anoniem'],
}
KEYS = {
    'bag_verblijfsobject': ['vbo_id'], 'cbs_buurt': ['buurtcode'], 'brp_persoon': ['bsn'],
    'brp_verblijf_historie': ['bsn', 'vbo_id', 'datum_aanvang'], 'bd_inkomen': ['bsn', 'belastingjaar', 'vbo_id'],
    'bd_toeslag': ['bsn', 'jaar', 'regeling'], 'svb_uitkering': ['bsn', 'regeling', 'ingangsdatum'],
    'uwv_uitkering': ['bsn', 'regeling', 'ingangsdatum'], 'gem_bijstand': ['bsn', 'ingangsdatum'],
    'kad_eigendom': ['vbo_id', 'eigenaar_bsn', 'eigenaar_kvk'], 'kvk_vestiging': ['vestigingsnummer'],
    'wc_huurcontract': ['corporatie', 'contract_id'], 'nuts_verbruik': ['vbo_id', 'jaar'],
    'pol_registratie': ['registratie_id'], 'melding': ['melding_id'],
}
ENUMS = {
    ('brp_persoon', 'geslacht'): {'M', 'V', 'O'},
    ('brp_persoon', 'status'): {'ingezetene', 'vow', 'emigratie', 'overleden'},
    ('brp_persoon', 'functie_adres'): {'W', 'B', ''},
    ('brp_verblijf_historie', 'functie_adres'): {'W', 'B'},
    ('bd_toeslag', 'regeling'): {'huurtoeslag', 'zorgtoeslag', 'kinderopvangtoeslag', 'kindgebonden_budget'},
    ('svb_uitkering', 'regeling'): {'aow', 'anw', 'akw'},
    ('svb_uitkering', 'leefvorm'): {'alleenstaand', 'samenwonend'},
    ('uwv_uitkering', 'regeling'): {'ww', 'wia', 'wajong', 'zw', 'tw'},
    ('gem_bijstand', 'norm'): {'alleenstaande', 'alleenstaande_ouder', 'gehuwden'},
    ('kvk_vestiging', 'rechtsvorm'): {'eenmanszaak', 'vof', 'bv', 'nv', 'stichting', 'vereniging', 'overig'},
    ('wc_huurcontract', 'sociale_huur'): {'ja', 'nee'},
    ('pol_registratie', 'categorie'): {'overlast_jeugd', 'woonoverlast', 'hennepteelt', 'drugshandel',
                                       'huiselijk_geweld', 'mensenhandel', 'inbraak', 'overig'},
    ('pol_betrokkene', 'rol'): {'verdachte', 'slachtoffer', 'getuige', 'melder', 'betrokkene'},
    ('melding', 'categorie'): {'woonoverlast', 'verdachte_bewoning', 'onderverhuur', 'overbewoning', 'verloedering',
                               'jeugdoverlast', 'drugsoverlast', 'overig'},
    ('melding', 'anoniem'): {'ja', 'nee'},
}
DOELEN = {'woonfunctie', 'bijeenkomstfunctie', 'celfunctie', 'gezondheidszorgfunctie', 'industriefunctie',
          'kantoorfunctie', 'logiesfunctie', 'onderwijsfunctie', 'sportfunctie', 'winkelfunctie',
          'overige gebruiksfunctie'}
BSN_COLS = {'bsn', 'partner_bsn', 'fiscaal_partner_bsn', 'toeslagpartner_bsn', 'eigenaar_bsn'}
DATE_COLS = {'geboortedatum', 'overlijdensdatum', 'datum_aanvang_adreshouding', 'datum_aanvang', 'datum_einde',
             'ingangsdatum', 'einddatum', 'datum_verkrijging', 'datum_inschrijving', 'datum_uitschrijving',
             'huurder_geboortedatum', 'datum'}
PARTIAL_OK = {('brp_persoon', 'geboortedatum'), ('wc_huurcontract', 'huurder_geboortedatum'),
              ('pol_betrokkene', 'geboortedatum'), ('brp_persoon', 'overlijdensdatum')}
MONEY_COLS = {'verzamelinkomen', 'vermogen_box3', 'bedrag_jaar', 'bedrag_maand', 'loon', 'koopsom', 'kale_huur_maand'}
NEG_OK = {('bd_inkomen', 'verzamelinkomen')}
THEMES = {
    'overbewoning': (['veel_ingeschrevenen_per_m2', 'kleine_eenheid'],
                     ['groot_gezin_groot_huis', 'studentenhuisvesting', 'zorginstelling', 'opvang']),
    'huisjesmelkerij': (['eigenaar_persoon_overbewoond', 'eigenaar_bedrijf_overbewoond', 'veel_korte_verblijven',
                         'hoge_huur'], ['gewone_kleine_verhuurder', 'laag_inkomen_eigenaar']),
    'samenwoonfraude': (['bijstand_alleenstaande_met_partner', 'aow_alleenstaand_met_partner',
                         'aow_alleenstaand_met_broer_zus', 'anw_met_partner', 'fiscaal_partner_elders',
                         'toeslagpartner_elders'],
                        ['kostendelersnorm_al_verlaagd', 'volwassen_kind', 'kamerhuurder_met_contract',
                         'aow_beiden_paartarief', 'aow_ouder_met_volwassen_kind']),
    'adresfraude': (['ingeschreven_niemand_woont', 'doorgangsadres', 'frequente_verhuizer', 'terugkeer_vow',
                     'fiscaal_adres_afwijkend'],
                    ['leegstand_tussen_huurders', 'verhuisd_tijdens_of_na_verbruiksjaar', 'lang_verblijf_buitenland']),
    'onderverhuur': (['huurder_elders_ingeschreven', 'huurder_geemigreerd', 'huurder_vow', 'huurder_fiscaal_adres_elders'],
                     ['huurder_overleden', 'huurder_in_zorg_partner_thuis']),
    'hennepteelt': (['stroomverbruik_hoog', 'politieregistratie'],
                    ['warmtepomp_elektrische_verwarming', 'laadpaal_ev', 'bedrijfspand']),
    'briefadresmisbruik': (['veel_briefadressen', 'briefadres_met_toeslagen'], ['opvang_of_zorginstelling']),
    'ondermijning_bedrijfsadres': (['veel_bedrijven_woonadres', 'kortlevende_bedrijven', 'politieregistraties'],
                                   ['bedrijfsverzamelgebouw', 'zzp_aan_huis']),
    'vermogen_inkomen': (['koop_ver_boven_inkomen', 'bezit_ver_boven_inkomen', 'bezit_tijdens_bijstand'],
                         ['erfenis', 'oude_aankoop', 'groot_box3_vermogen', 'partner_inkomen']),
    'uitkering_en_loon': (['bijstand_volledig_met_loon', 'ww_volledig_met_loon', 'zw_volledig_met_loon'],
                          ['eindafrekening_eerste_ww_maand', 'bijstand_al_gekort', 'wia_wajong_deeltijd']),
    'uitbuiting_zorg': (['kwetsbaar_overbewoond_hoge_huur', 'verhuurder_persoon_veel_eenheden',
                         'verhuurder_bedrijf_veel_eenheden', 'loon_onder_minimumloon'],
                        ['gezin_uitkering_passende_woning']),
    'meldingen_cluster': (['meerdere_meldingen'], ['verbouwingsoverlast', 'zorginstelling', 'zelfde_melder_herhaald']),
}

RE = {
    'vbo_id': re.compile(r'^[0-9]{4}01[0-9]{10}$'), 'nummeraanduiding_id': re.compile(r'^[0-9]{4}20[0-9]{10}$'),
    'pand_id': re.compile(r'^[0-9]{4}10[0-9]{10}$'), 'postcode': re.compile(r'^[1-9][0-9]{3}[A-Z]{2}$'),
    'huisletter': re.compile(r'^[A-Za-z]$'), 'huisnummertoevoeging': re.compile(r'^[A-Za-z0-9]{1,4}$'),
    'buurtcode': re.compile(r'^BU[0-9]{8}$'), 'wijkcode': re.compile(r'^WK[0-9]{6}$'),
    'gemeentecode': re.compile(r'^[0-9]{4}$'), 'loonheffingennummer': re.compile(r'^[0-9]{9}L[0-9]{2}$'),
    'kvk_nummer': re.compile(r'^[0-9]{8}$'), 'vestigingsnummer': re.compile(r'^[0-9]{12}$'),
    'periode': re.compile(r'^[0-9]{4}-(0[1-9]|1[0-2])$'), 'money': re.compile(r'^-?[0-9]+(\.[0-9]+)?$'),
    'aandeel': re.compile(r'^[1-9][0-9]*/[1-9][0-9]*$'), 'year': re.compile(r'^(19|20)[0-9]{2}$'),
    'int': re.compile(r'^[0-9]+$'), 'num': re.compile(r'^[0-9]+(\.[0-9]+)?$'),
    'wkt': re.compile(r'^(MULTI)?POLYGON\s*\(\(.*\)\)$'),
}


def elf(s):
    if len(s) != 9 or not s.isdigit() or s == '000000000':
        return False
    return (sum(int(s[i]) * (9 - i) for i in range(8)) - int(s[8])) % 11 == 0


def valid_date(s, partial=False):
    if len(s) != 10 or s[4] != '-' or s[7] != '-':
        return False
    y, m, d = s[:4], s[5:7], s[8:]
    if not (y.isdigit() and m.isdigit() and d.isdigit()):
        return False
    y, m, d = int(y), int(m), int(d)
    if partial and (m == 0 or d == 0):
        return (m == 0 and d == 0) or (1 <= m <= 12 and d == 0) or (y == 0 and m == 0 and d == 0)
    try:
        date(y, m, d)
        return True
    except ValueError:
        return False


def check_value(t, col, v):
    """return an error text or None (empty values are checked for required-ness elsewhere)"""
    if v == '':
        return None
    if col in BSN_COLS:
        return None if elf(v) else 'bsn fails elfproef'
    if col in ('vbo_id', 'nummeraanduiding_id', 'pand_id', 'postcode', 'huisletter', 'huisnummertoevoeging',
               'buurtcode', 'wijkcode', 'gemeentecode', 'loonheffingennummer', 'kvk_nummer', 'vestigingsnummer',
               'periode', 'aandeel'):
        return None if RE[col].match(v) else 'bad ' + col
    if col in DATE_COLS:
        return None if valid_date(v, (t, col) in PARTIAL_OK) else 'bad date'
    if col in MONEY_COLS:
        if not RE['money'].match(v):
            return 'bad amount'
        if v.startswith('-') and (t, col) not in NEG_OK:
            return 'negative amount'
        return None
    if (t, col) in ENUMS:
        return None if v in ENUMS[(t, col)] else 'unknown code'
    if col == 'gebruiksdoelen':
        return None if all(x in DOELEN for x in v.split('|')) else 'unknown gebruiksdoel'
    if col == 'huisnummer':
        return None if v.isdigit() and 1 <= int(v) <= 99999 else 'bad huisnummer'
    if col == 'oppervlakte':
        return None if v.isdigit() and 1 <= int(v) <= 999999 else 'bad oppervlakte'
    if col in ('belastingjaar', 'jaar'):
        return None if RE['year'].match(v) else 'bad year'
    if col == 'bouwjaar':
        return None if v.isdigit() and 1000 <= int(v) <= 2030 else 'bad year'
    if col in ('medebewoners', 'uren', 'elektriciteit_kwh', 'gas_m3', 'water_m3'):
        return None if RE['num'].match(v) else 'bad number'
    if col in ('rd_x', 'rd_y'):
        try:
            float(v)
            return None
        except ValueError:
            return 'bad coordinate'
    if col == 'geometrie_wkt':
        return None if RE['wkt'].match(v) else 'bad wkt'
    if col == 'sbi_code':
        return None if v.isdigit() else 'bad sbi'
    return None


def row_errors(t, cols, row):
    errs = []
    d = dict(zip(cols, row))
    for c in REQUIRED[t]:
        if d.get(c, '') == '':
            errs.append((c, 'required value missing'))
    for c, v in d.items():
        e = check_value(t, c, v)
        if e:
            errs.append((c, e))
    if t == 'kad_eigendom' and (d['eigenaar_bsn'] == '') == (d['eigenaar_kvk'] == ''):
        errs.append(('eigenaar_bsn', 'exactly one of eigenaar_bsn / eigenaar_kvk'))
    if t == 'brp_persoon' and d['status'] != 'ingezetene' and d['vbo_id']:
        errs.append(('vbo_id', 'vbo_id given while status is not ingezetene'))
    if t == 'kvk_vestiging' and d['eigenaar_bsn'] and d['rechtsvorm'] != 'eenmanszaak':
        errs.append(('eigenaar_bsn', 'eigenaar_bsn only for eenmanszaak'))
    return errs


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        sys.exit(2)
    root = args[0]
    lev = os.path.join(root, 'levering')
    tru = os.path.join(root, 'truth')
    problems = []
    toml = open(os.path.join(lev, 'levering.toml'), encoding='utf-8').read()
    if 'partner = "gemeente"' not in toml or not re.search(r'peildatum = "\d{4}-\d{2}-\d{2}"', toml):
        problems.append('levering.toml lacks partner/peildatum')
    listed = defaultdict(set)
    with open(os.path.join(tru, 'invalid.csv'), encoding='utf-8') as f:
        for row in csv.DictReader(f):
            listed[row['table']].add(int(row['line']))
    data = {}
    bad_lines = {}
    print('%-24s %9s %8s %8s' % ('table', 'rows', 'invalid', 'share'))
    for t, cols in COLUMNS.items():
        path = os.path.join(lev, t + '.csv')
        if not os.path.exists(path):
            problems.append('missing file ' + t)
            continue
        with open(path, encoding='utf-8', newline='') as f:
            rd = csv.reader(f)
            header = next(rd)
            if sorted(header) != sorted(cols) or len(header) != len(cols):
                problems.append('%s: header %s differs from contract' % (t, header))
                continue
            rows = []
            bad = {}
            keys = Counter()
            for n, row in enumerate(rd, start=2):
                if len(row) != len(header):
                    bad[n] = [('*', 'wrong field count')]
                    continue
                errs = row_errors(t, header, row)
                if errs:
                    bad[n] = errs
                    continue
                rows.append(dict(zip(header, row)))
            data[t] = rows
            bad_lines[t] = bad
            if t in KEYS:
                for r in rows:
                    keys[tuple(r[k] for k in KEYS[t])] += 1
                dup = [k for k, c in keys.items() if c > 1]
                if dup:
                    problems.append('%s: %d duplicate keys, e.g. %s' % (t, len(dup), dup[:3]))
        total = len(rows) + len(bad)
        share = len(bad) / max(1, total)
        print('%-24s %9d %8d %7.3f%%' % (t, total, len(bad), 100 * share))
        if share >= 0.05:
            problems.append('%s: invalid share %.2f%% >= 5%%' % (t, 100 * share))
        if not rows:
            problems.append('%s: no valid row' % t)
        unlisted = sorted(set(bad) - listed.get(t, set()))
        missing = sorted(listed.get(t, set()) - set(bad))
        if unlisted:
            problems.append('%s: %d invalid rows not in invalid.csv, e.g. line %d: %s'
                            % (t, len(unlisted), unlisted[0], bad[unlisted[0]]))
        if missing:
            problems.append('%s: %d rows in invalid.csv are valid, e.g. line %d' % (t, len(missing), missing[0]))
    # references and geometry ----------------------------------------------------------
    vbos = {r['vbo_id']: r for r in data.get('bag_verblijfsobject', [])}
    buurt = {}
    for r in data.get('cbs_buurt', []):
        nums = [float(x) for x in re.findall(r'-?\d+(?:\.\d+)?', r['geometrie_wkt'])]
        xs, ys = nums[0::2], nums[1::2]
        buurt[r['buurtcode']] = (min(xs), min(ys), max(xs), max(ys), r['wijkcode'])
    outside = 0
    for v in vbos.values():
        b = buurt.get(v['buurtcode'])
        if b is None or v['wijkcode'] != b[4]:
            problems.append('vbo %s: unknown buurt/wijk' % v['vbo_id'])
            continue
        if not (b[0] <= float(v['rd_x']) <= b[2] and b[1] <= float(v['rd_y']) <= b[3]):
            outside += 1
        if not v['vbo_id'].startswith('0392') or not v['postcode']:
            problems.append('vbo %s: wrong gemeentecode' % v['vbo_id'])
    if outside:
        problems.append('%d objects lie outside their buurt rectangle' % outside)
    rects = sorted(buurt.values())
    for i in range(len(rects)):
        for j in range(i + 1, len(rects)):
            a, b = rects[i], rects[j]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                problems.append('buurt rectangles overlap')
    persons = {r['bsn'] for r in data.get('brp_persoon', [])}
    unknown_ref = Counter()
    for t, rows in data.items():
        if t in ('bag_verblijfsobject',):
            continue
        for r in rows:
            v = r.get('vbo_id', '')
            if v and v not in vbos:
                unknown_ref[t] += 1
    for t, n in unknown_ref.items():
        problems.append('%s: %d rows reference a vbo_id not in bag_verblijfsobject' % (t, n))
    hist_unknown = sum(1 for r in data.get('brp_verblijf_historie', []) if r['bsn'] not in persons)
    print('history rows whose bsn is not (validly) in brp_persoon: %d' % hist_unknown)
    # truth -------------------------------------------------------------------------------
    planted, looks = defaultdict(set), defaultdict(set)
    pv, lv = defaultdict(Counter), defaultdict(Counter)
    seen_p = Counter()
    for fn, store, vstore, col in (('planted.csv', planted, pv, 'variant'), ('lookalikes.csv', looks, lv, 'lookalike')):
        with open(os.path.join(tru, fn), encoding='utf-8') as f:
            for row in csv.DictReader(f):
                if row['thema'] not in THEMES:
                    problems.append('%s: unknown theme %s' % (fn, row['thema']))
                if row['vbo_id'] not in vbos:
                    problems.append('%s: vbo %s not in bag_verblijfsobject' % (fn, row['vbo_id']))
                if row['vbo_id'] in store[row['thema']]:
                    problems.append('%s: duplicate %s %s' % (fn, row['thema'], row['vbo_id']))
                store[row['thema']].add(row['vbo_id'])
                vstore[row['thema']][row[col]] += 1
    n_addr = len(vbos)
    all_planted = set().union(*planted.values()) if planted else set()
    print('\n%-28s %8s %8s   variants (planted) / look-alikes' % ('theme', 'planted', 'lookalik'))
    for th, (vars_, lks) in THEMES.items():
        both = planted[th] & looks[th]
        if both:
            problems.append('%s: %d addresses both planted and look-alike' % (th, len(both)))
        miss_v = [v for v in vars_ if pv[th][v] == 0]
        miss_l = [v for v in lks if lv[th][v] == 0]
        if miss_v:
            problems.append('%s: variants without a plant: %s' % (th, miss_v))
        if miss_l:
            problems.append('%s: look-alikes not planted: %s' % (th, miss_l))
        extra = [v for v in pv[th] if v not in vars_]
        if extra:
            problems.append('%s: unknown variant names %s' % (th, extra))
        print('%-28s %8d %8d   %s / %s' % (th, len(planted[th]), len(looks[th]),
                                            dict(pv[th]), dict(lv[th])))
    print('\naddresses with a planted case: %d of %d (%.2f%%)' % (len(all_planted), n_addr,
                                                                 100.0 * len(all_planted) / max(1, n_addr)))
    if '--expect-persons' in args:
        n = int(args[args.index('--expect-persons') + 1])
        for th in THEMES:
            want = max(1, int(15 * n / 50000))
            if len(planted[th]) < want or len(looks[th]) < want:
                problems.append('%s: fewer than %d planted or look-alike addresses' % (th, want))
    print()
    if problems:
        print('PROBLEMS (%d):' % len(problems))
        for p in problems:
            print(' -', p)
        sys.exit(1)
    print('OK')


if __name__ == '__main__':
    main()
