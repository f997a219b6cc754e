#!/usr/bin/env python3
"""Blind synthetic delivery generator for an interventieteam project (gemeente 0392).

Written only from shared/domain.md and shared/spec/levering.md.  Standard library only.

    python3 tools/blind-gemeente/generate.py --persons 50000 --seed 7 --out DIR

Writes DIR/levering/ (one CSV per contract table + levering.toml) and DIR/truth/
(planted.csv, lookalikes.csv, invalid.csv, README.md).  Deterministic per seed.
"""
import argparse
import csv
import gc
import math
import os
import random
import sys
from datetime import date
from functools import lru_cache

# ----------------------------------------------------------------------------------------
# time frame
# ----------------------------------------------------------------------------------------
GM = '0392'
WOONPLAATS = 'Haarlem'
PEIL_DATE = date(2026, 6, 30)
PE = PEIL_DATE.toordinal()
HS = date(2020, 1, 1).toordinal()          # start of the ~6.5 year history window
YEARS = list(range(2020, 2026))            # income / consumption years
TYEARS = list(range(2020, 2027))           # allowance years (2026 = advance)
YS = {y: date(y, 1, 1).toordinal() for y in range(1900, 2031)}
YE = {y: date(y, 12, 31).toordinal() for y in range(1900, 2031)}
# months 2020-01 .. 2026-05 are delivered by the polisadministratie
NMON = 77
MON = []
for _i in range(NMON + 12):
    _y, _m = 2020 + _i // 12, _i % 12 + 1
    _s = date(_y, _m, 1).toordinal()
    _e = (date(_y + (_m == 12), _m % 12 + 1, 1).toordinal()) - 1
    MON.append((_y, _m, _s, _e, '%04d-%02d' % (_y, _m)))


def month_of(o):
    d = date.fromordinal(o)
    return (d.year - 2020) * 12 + d.month - 1


_DS = {}


def ds(o):
    if o is None:
        return ''
    s = _DS.get(o)
    if s is None:
        s = date.fromordinal(o).isoformat()
        _DS[o] = s
    return s


def O(y, m, d):
    return date(y, m, d).toordinal()


def year_of(o):
    return date.fromordinal(o).year


@lru_cache(maxsize=None)
def age_at(birth, o):
    b = date.fromordinal(birth)
    d = date.fromordinal(o)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


@lru_cache(maxsize=None)
def add_years(o, n):
    d = date.fromordinal(o)
    try:
        return date(d.year + n, d.month, d.day).toordinal()
    except ValueError:
        return date(d.year + n, d.month, 28).toordinal()


def first_of_month(o):
    d = date.fromordinal(o)
    return date(d.year, d.month, 1).toordinal()


def end_of_month(o):
    d = date.fromordinal(o)
    return (date(d.year + (d.month == 12), d.month % 12 + 1, 1).toordinal()) - 1


# AOW age (approximate, per birth year) and money parameters -----------------------------
def aow_date(birth):
    b = date.fromordinal(birth)
    if b.year <= 1953:
        months = 66 * 12 + 4
    elif b.year <= 1955:
        months = 66 * 12 + 7 + (b.year - 1954) * 3
    else:
        months = 67 * 12
    y = b.year + months // 12
    m = b.month + months % 12
    if m > 12:
        y, m = y + 1, m - 12
    return date(y, m, 1).toordinal()


# bijstand norms per month (net), gehuwdennorm per year; single norm = 70 %
GEHUWD = {2018: 1400.0, 2019: 1450.0, 2020: 1500.91, 2021: 1531.34, 2022: 1566.88, 2023: 1804.99,
          2024: 1837.63, 2025: 1884.61, 2026: 1928.40}


def norm_single(y):
    return round(GEHUWD[max(2018, min(2026, y))] * 0.70, 2)


def norm_couple(y):
    return round(GEHUWD[max(2018, min(2026, y))], 2)


def kostendeler(y, a):
    """per-person kostendelersnorm with a persons of 21+ sharing the home"""
    return round(GEHUWD[max(2018, min(2026, y))] * (40 + 30 * a) / a / 100.0, 2)


# legal minimum hourly wage (adult, conservative 36-hour basis) and youth percentages
MINW = {2018: 10.0, 2019: 10.3, 2020: 10.60, 2021: 10.80, 2022: 11.64, 2023: 12.40, 2024: 13.27,
        2025: 14.06, 2026: 14.40}
YOUTH = {15: 0.30, 16: 0.35, 17: 0.40, 18: 0.50, 19: 0.60, 20: 0.80}
WAGE_IDX = {2018: 0.95, 2019: 0.97, 2020: 1.0, 2021: 1.02, 2022: 1.05, 2023: 1.12, 2024: 1.19,
            2025: 1.24, 2026: 1.28}
AOW_SINGLE = 1550.0
AOW_COUPLE = 1065.0
PRICE_M2 = {1975: 300, 1980: 450, 1985: 420, 1990: 600, 1995: 800, 2000: 1450, 2005: 1950,
            2010: 2400, 2013: 2150, 2015: 2350, 2018: 3300, 2019: 3600, 2020: 3950, 2021: 4600,
            2022: 5150, 2023: 5000, 2024: 5350, 2025: 5700, 2026: 5850}


_PM2 = {}


def price_m2(y):
    v = _PM2.get(y)
    if v is None:
        v = _PM2[y] = _price_m2(y)
    return v


def _price_m2(y):
    ks = sorted(PRICE_M2)
    if y <= ks[0]:
        return PRICE_M2[ks[0]]
    for a, b in zip(ks, ks[1:]):
        if a <= y <= b:
            return PRICE_M2[a] + (PRICE_M2[b] - PRICE_M2[a]) * (y - a) / (b - a)
    return PRICE_M2[ks[-1]]


# ----------------------------------------------------------------------------------------
# names (drawn independently of anything planted)
# ----------------------------------------------------------------------------------------
MALE = ('Jan Johannes Pieter Petrus Kees Cornelis Hendrik Willem Dirk Gerrit Jacobus Thomas Daan Sem '
        'Lucas Milan Levi Finn Noah Bram Ruben Thijs Jesse Mohamed Ahmed Youssef Mehmet Mustafa Ali '
        'Omar Hamza Ibrahim Emre Burak Kevin Dennis Mark Rob Erik Sander Tim Jeroen Bas Stefan Marcel '
        'Rajesh Dylan Piotr Tomasz Marek Andrzej Krzysztof Ivan Luca Marco José Carlos Samuel Emmanuel '
        'Kofi Wei Jun Minh Ricardo Arjen Wouter Joost Martijn Niels Vincent Hugo Guus Otto Ferdinand '
        'Hans Frank Peter Richard Karim Said Bilal Anwar Ravi Sunil Mateusz Florin Bogdan Ayoub Adam '
        'Teun Luuk Stijn Max Gijs Mees Jurre Olivier Tobias').split()
FEMALE = ('Maria Johanna Anna Cornelia Elisabeth Wilhelmina Hendrika Emma Julia Sophie Tess Sara Lotte '
          'Eva Lisa Fleur Noor Fatima Khadija Aicha Samira Zeynep Elif Ayşe Emine Sandra Monique Ingrid '
          'Linda Marieke Anouk Sanne Iris Priya Shanti Kasia Agnieszka Magdalena Olga Natalia Giulia Ana '
          'Lucia Grace Abena Mei Lin Thi Mirjam Petra Esther Yvonne Chantal Naima Nora Yasmina Femke '
          'Ilse Karin Wendy Marloes Saskia Hanneke Gerda Truus Riet Nel Bep Joke Annemieke Loes Roos '
          'Sofia Mila Yara Zoë Nina Amira Hiba Salma Ilona Dorota Renée Céline Mette Liv Jasmijn').split()
ALIAS = {'Johannes': ['Jan', 'Hans', 'Joh.'], 'Cornelis': ['Kees', 'Cor'], 'Hendrik': ['Henk', 'Hendrick'],
         'Jacobus': ['Jaap', 'Koos'], 'Petrus': ['Piet', 'Peter'], 'Wilhelmina': ['Willemien', 'Mien'],
         'Elisabeth': ['Liesbeth', 'Els', 'Elizabeth'], 'Maria': ['Marie', 'Mia', 'Ria'],
         'Johanna': ['Jo', 'Anneke', 'Joanna'], 'Mohamed': ['Mohammed', 'Mohammad', 'Mohamad'],
         'Youssef': ['Yousef', 'Yusuf', 'Youssouf'], 'Fatima': ['Fatma', 'Fatimah'],
         'Ayşe': ['Ayse', 'Aysel'], 'José': ['Jose'], 'Zoë': ['Zoe'], 'Khadija': ['Khadidja', 'Kadija'],
         'Aicha': ['Aisha', 'Aïcha'], 'Mustafa': ['Mustapha'], 'Ahmed': ['Ahmet', 'Achmed']}
SURN = [('', 'Jansen'), ('de', 'Vries'), ('van', 'Dijk'), ('van den', 'Berg'), ('van der', 'Meer'),
        ('', 'Bakker'), ('', 'Visser'), ('', 'Smit'), ('', 'Meijer'), ('de', 'Boer'), ('', 'Mulder'),
        ('de', 'Groot'), ('', 'Bos'), ('', 'Vos'), ('', 'Peters'), ('', 'Hendriks'), ('van', 'Leeuwen'),
        ('', 'Dekker'), ('', 'Brouwer'), ('de', 'Wit'), ('', 'Dijkstra'), ('', 'Smits'), ('de', 'Graaf'),
        ('van der', 'Linden'), ('', 'Kok'), ('', 'Jacobs'), ('de', 'Haan'), ('', 'Vermeulen'),
        ('van den', 'Heuvel'), ('van der', 'Veen'), ('van den', 'Broek'), ('de', 'Bruijn'), ('de', 'Jong'),
        ('', 'Schouten'), ('van', 'Beek'), ('', 'Willems'), ('van', 'Vliet'), ('', 'Hoekstra'), ('', 'Maas'),
        ('', 'Verhoeven'), ('', 'Koster'), ('van', 'Dam'), ('van der', 'Wal'), ('', 'Prins'), ('', 'Blom'),
        ('', 'Huisman'), ('', 'Peeters'), ("'t", 'Hart'), ('in', "'t Veld"), ('van', 'Wijk'),
        ('', 'Kuijpers'), ('', 'Post'), ('', 'Kramer'), ('', 'Scholten'), ('van', 'Rijn'), ('', 'Timmermans'),
        ('', 'Groen'), ('', 'Sanders'), ('', 'Hermans'), ('van der', 'Heijden'), ('ter', 'Horst'),
        ('', 'Yilmaz'), ('', 'Kaya'), ('', 'Demir'), ('', 'Şahin'), ('', 'Çelik'), ('', 'Öztürk'), ('', 'Aydın'),
        ('', 'El Amrani'), ('', 'Bouzid'), ('', 'Benali'), ('', 'Ait Taleb'), ('', 'El Idrissi'),
        ('', 'Ramdin'), ('', 'Sewnarain'), ('', 'Kartosen'), ('', 'Kowalski'), ('', 'Nowak'),
        ('', 'Wiśniewski'), ('', 'Rossi'), ('', 'García'), ('', 'Nguyen'), ('', 'Chen'), ('', 'Wang'),
        ('', 'Mensah'), ('', 'Osei'), ('da', 'Silva'), ('', 'Pereira'), ('dos', 'Santos'), ('', 'Popescu'),
        ('', 'Ivanova'), ('', 'Müller'), ('', 'Schmidt'), ('', 'Haddou'), ('', 'Tahiri'), ('', 'Boukhari')]

STREETS = [
    'Kerkstraat', 'Molenstraat', 'Zijlweg', 'Kleverlaan', 'Rijksstraatweg', 'Schoterweg', 'Kruisweg',
    'Gedempte Oude Gracht', 'Kennemerstraat', 'Leidsevaart', 'Wagenweg', 'Dreef', 'Kamperstraat',
    'Spaarnwouderstraat', 'Amsterdamstraat', 'Prinsen Bolwerk', 'Jansstraat', 'Lange Herenstraat',
    'Korte Houtstraat', 'Botermarkt', 'Nieuwe Groenmarkt', 'Zuiderstraat', 'Oranjeboomstraat',
    'Tempeliersstraat', 'Bakenessergracht', 'Pijlslaan', 'Garenkokerskade', 'Rozenstraat', 'Tulpenstraat',
    'Narcissenstraat', 'Lelieplein', 'Hyacintenlaan', 'Irisstraat', 'Asterstraat', 'Schalkwijkerstraat',
    'Europaweg', 'Floris van Adrichemlaan', 'Aziëweg', 'Afrikaweg', 'Amerikaweg', 'Noorder Emmakade',
    'Zomerkade', 'Vondelweg', 'Bilderdijkstraat', 'Potgieterstraat', 'Tollensstraat', 'Da Costastraat',
    'Burgemeester Sandbergstraat', 'Van Oosten de Bruynstraat', 'Rustenburgerlaan', 'Zuidersingel',
    'Westergracht', 'Brouwersvaart', 'Eindenhoutstraat', 'Vijfhoek', 'Kinderhuissingel', 'Merelstraat',
    'Lijsterstraat', 'Spreeuwenstraat', 'Zwaluwstraat', 'Kievitstraat', 'Reigerstraat', 'Duinvlietstraat',
    'Marnixstraat', 'Leeghwaterstraat', 'Figeestraat', 'Kloosterstraat', 'Ridderstraat', 'Boerhaavelaan',
    'Planetenlaan', 'Zonnelaan', 'Maanstraat', 'Sterrelaan', 'Kometenstraat', 'Nagtzaamplein',
    'Prins Bernhardlaan', 'Julianastraat', 'Wilhelminastraat', 'Emmastraat', 'Beatrixlaan',
    'Spaarndamseweg', 'Vergierdeweg', 'Amsterdamsevaart', 'Orionweg', 'Jupiterstraat', 'Saturnusstraat',
    'Industrieweg', 'Waarderweg', 'Oudeweg', 'Conradweg', 'Harmenjansweg', 'Fustweg', 'Figeeweg',
    'Stephensonstraat', 'Pladellastraat', 'Smedestraat', 'Lange Veerstraat', 'Kleine Houtstraat',
    'Schagchelstraat', 'Barteljorisstraat', 'Kamperlaan', 'Verspronckweg', 'Ramplaan', 'Delftlaan',
    'Rijnstraat', 'Maasstraat', 'IJsselstraat', 'Amstelstraat', 'Vechtstraat', 'Lekstraat', 'Waalstraat',
    'Generaal Cronjéstraat', 'Paul Krugerstraat', 'Transvaalstraat', 'Kleverparkweg', 'Frans Halsstraat',
    'Jan Steenstraat', 'Ostadestraat', 'Ruysdaelstraat', 'Hobbemastraat', 'Van Dortstraat',
    'Cruquiusstraat', 'Lorentzkade', 'Kenaupark', 'Dijkstraat', 'Kampervest', 'Raamsingel',
    'Bloemendaalseweg', 'Zaanenlaan', 'Rollandslaan', 'Berkenrodestraat', 'Meeuwenlaan', 'Ganzenstraat',
    'Eendrachtstraat', 'Vredestraat', 'Vrijheidsweg', 'Prinsenhof', 'Koudenhorn', 'Spaarne',
    'Donkere Spaarne', 'Turfmarkt', 'Nassaulaan', 'Zijlsingel', 'Parklaan', 'Kruisstraat', 'Smedestraat',
]
STREETS = list(dict.fromkeys(STREETS))

CORPS = ['Spaarnewoon', 'Woonstichting Kennemerhof', 'Elan Wonen Haarlem']
SBI_HOME = ['7410', '4322', '8559', '9602', '6201', '7022', '4120', '9329', '7311', '8690', '9013', '4791']
SBI_SHOP = ['4711', '4719', '5610', '4771', '4776', '5630', '9602', '4724', '4752']
SBI_OFFICE = ['6201', '6920', '7022', '6619', '7112', '6831', '7810', '8211', '6420']
SBI_IND = ['2511', '4120', '4941', '3312', '4669', '1071', '4520', '3811']
SBI_SHADY = ['6420', '4690', '8121', '7810', '4941', '4619', '6831', '4711', '5610', '9609']
ROMAN = {1: 'I', 2: 'II', 3: 'III', 4: 'IV', 5: 'V'}


def elf_ok(s):
    if len(s) != 9 or not s.isdigit() or s == '000000000':
        return False
    t = sum(int(s[i]) * (9 - i) for i in range(8)) - int(s[8])
    return t % 11 == 0


# ----------------------------------------------------------------------------------------
# model objects
# ----------------------------------------------------------------------------------------
class Person:
    __slots__ = ('bsn', 'vn', 'vv', 'gn', 'sex', 'birth', 'bstr', 'death', 'exit', 'hist', 'partner',
                 'married', 'fisc_ok', 'parents', 'role', 'wl', 'hours', 'jobs', 'bens', 'custom',
                 'inc_over', 'box3', 'tax_over', 'toe_extra', 'toe_block', 'lodger', 'plant', 'pol',
                 'inc', 'sibling_hh', 'profit', 'pension', 'idx', 'no_fiscal', 'fisc_force', 'opt')

    def __init__(self):
        self.vv = ''
        self.bstr = None
        self.death = None
        self.exit = None
        self.hist = []
        self.partner = None
        self.married = False
        self.fisc_ok = True
        self.parents = ()
        self.role = None
        self.wl = 0.0
        self.hours = 0
        self.jobs = []
        self.bens = []
        self.custom = False
        self.inc_over = None
        self.box3 = None
        self.tax_over = None
        self.toe_extra = None
        self.toe_block = False
        self.lodger = False
        self.plant = False
        self.pol = None
        self.inc = None
        self.sibling_hh = False
        self.profit = None
        self.pension = 0.0
        self.no_fiscal = False
        self.fisc_force = None
        self.opt = None


class Dw:
    __slots__ = ('i', 'vid', 'nad', 'street', 'hn', 'hl', 'ht', 'pc', 'doel', 'm2', 'pand', 'bj', 'bu',
                 'x', 'y', 'kind', 'heat', 'ev', 'solar', 'res', 'inst', 'claimed', 'own', 'ten', 'umod',
                 'hidden', 'wc_landlord', 'nofill', 'fill_end', 'occ', 'cur', 'nonres_factor', 'same_hn',
                 'coll_water', 'corp_free', 'tag', 'tenure', 'own_date', 'own_price', 'owners')

    def __init__(self):
        self.hl = ''
        self.ht = ''
        self.heat = 'gas'
        self.ev = None
        self.solar = 0.0
        self.inst = None
        self.claimed = False
        self.own = None
        self.ten = []
        self.umod = None
        self.hidden = None
        self.wc_landlord = None
        self.nofill = False
        self.fill_end = None
        self.occ = None
        self.cur = None
        self.nonres_factor = 1.0
        self.same_hn = 1
        self.coll_water = False
        self.corp_free = False
        self.tag = None
        self.tenure = None
        self.own_date = None
        self.own_price = None
        self.owners = None


class Company:
    __slots__ = ('kvk', 'name', 'rv', 'sbi', 'vest', 'corp')

    def __init__(self, kvk, name, rv, sbi):
        self.kvk = kvk
        self.name = name
        self.rv = rv
        self.sbi = sbi
        self.vest = []      # [vestigingsnummer, dw, start, end, eigenaar_bsn]
        self.corp = False


class World:
    pass


W = World()



# ----------------------------------------------------------------------------------------
# basic factories
# ----------------------------------------------------------------------------------------
def new_bsn():
    r = W.rng
    while True:
        n = str(r.randrange(10 ** 7, 7 * 10 ** 7))
        s = 0
        for i in range(8):
            s += (ord(n[i]) - 48) * (9 - i)
        c = s % 11
        if c == 10:
            continue
        b = n + str(c)
        if b in W.bsns:
            continue
        W.bsns.add(b)
        return b


def new_person(birth, sex=None, sur=None, plant=False, first=None):
    r = W.rng
    p = Person()
    p.bsn = new_bsn()
    if sex is None:
        x = r.random()
        sex = 'M' if x < 0.4995 else ('V' if x < 0.999 else 'O')
    p.sex = sex
    pool = MALE if sex == 'M' else (FEMALE if sex == 'V' else MALE + FEMALE)
    if first is None:
        first = r.choice(pool)
        if r.random() < 0.33:
            first += ' ' + r.choice(pool)
        if r.random() < 0.001:
            first = ''
    p.vn = first
    if sur is None:
        sur = r.choice(SURN)
    p.vv, p.gn = sur
    p.birth = birth
    x = r.random()
    if x < 0.006:
        p.bstr = '%04d-00-00' % date.fromordinal(birth).year
    elif x < 0.010:
        d = date.fromordinal(birth)
        p.bstr = '%04d-%02d-00' % (d.year, d.month)
    p.plant = plant
    p.idx = len(W.persons)
    W.persons.append(p)
    return p


def birth_for_age(age, at=None):
    """random birth date such that the age at `at` (default peildatum) is `age`"""
    at = PE if at is None else at
    return at - int(age * 365.25) - W.rng.randint(0, 364)


def new_kvk():
    while True:
        k = str(W.rng.randrange(10 ** 7, 10 ** 8))
        if k not in W.kvks:
            W.kvks.add(k)
            return k


def new_vestnr():
    while True:
        k = '%012d' % W.rng.randrange(10 ** 10, 10 ** 12)
        if k not in W.vestnrs:
            W.vestnrs.add(k)
            return k


def new_company(name, rv, sbi):
    c = Company(new_kvk(), name, rv, sbi)
    W.companies.append(c)
    return c


def add_row(p, dw, start, end=None, f='W', w=1.0):
    h = [dw, f, start, end, w]
    p.hist.append(h)
    if dw.occ is None:
        dw.occ = []
    dw.occ.append((p, h))
    return h


def cur_row(p):
    for h in p.hist:
        if h[3] is None:
            return h
    return None


def plant(theme, dw, variant):
    key = (theme, dw.i)
    if key not in W.planted:
        W.planted[key] = variant


def look(theme, dw, name):
    key = (theme, dw.i)
    if key not in W.look:
        W.look[key] = name


def protect_p(*ps):
    for p in ps:
        if p is not None:
            p.plant = True


def n_case(base):
    """number of cases for a variant at this population size (at least one)"""
    return max(1, int(round(base * W.s)))


# ----------------------------------------------------------------------------------------
# geography and BAG
# ----------------------------------------------------------------------------------------
WIJKEN = [
    ('01', 'Centrum', ['centrum', 'centrum', 'centrum', 'oud', 'oud'],
     ['Binnenstad-Noord', 'Binnenstad-Zuid', 'Vijfhoek', 'Kinderhuisbuurt', 'Kamperbuurt']),
    ('02', 'Noord', ['oud', 'oud', 'naoorlogs', 'naoorlogs', 'nieuwbouw'],
     ['Transvaalbuurt', 'Frans Halsbuurt', 'Sinnevelt', 'Delftwijk', 'Vondelkwartier']),
    ('03', 'Oost', ['naoorlogs', 'naoorlogs', 'bedrijf', 'oud', 'nieuwbouw'],
     ['Parkwijk', 'Van Zeggelenbuurt', 'Waarderpolder', 'Amsterdamse Buurt', 'Slachthuisbuurt']),
    ('04', 'Schalkwijk', ['naoorlogs', 'naoorlogs', 'naoorlogs', 'nieuwbouw', 'bedrijf'],
     ['Boerhaavewijk', 'Meerwijk', 'Europawijk', 'Molenwijk', 'Schalkwijk-Bedrijven']),
    ('05', 'Zuid-West', ['oud', 'villa', 'oud', 'nieuwbouw', 'naoorlogs'],
     ['Leidsebuurt', 'Koninginnebuurt', 'Rozenprieel', 'Ramplaankwartier', 'Garenkokerskwartier']),
    ('06', 'Haarlemmerhout', ['villa', 'villa', 'oud', 'nieuwbouw', 'centrum'],
     ['Den Hout', 'Bosch en Vaart', 'Kleverpark', 'Zuiderpolder', 'Spaarnekwartier']),
]
KINDS = {'studio': (16, 34), 'app_s': (35, 55), 'app_m': (55, 82), 'portiek': (50, 85), 'bb': (45, 95),
         'rij': (80, 135), 'groot': (130, 260)}
MIX = {
    'centrum': {'studio': .16, 'app_s': .20, 'app_m': .14, 'bb': .35, 'rij': .10, 'groot': .05},
    'oud': {'studio': .05, 'app_s': .10, 'app_m': .10, 'bb': .35, 'rij': .35, 'groot': .05},
    'naoorlogs': {'studio': .05, 'app_s': .15, 'app_m': .20, 'portiek': .45, 'rij': .15},
    'nieuwbouw': {'studio': .05, 'app_s': .15, 'app_m': .35, 'rij': .40, 'groot': .05},
    'villa': {'app_m': .10, 'rij': .30, 'groot': .60},
    'bedrijf': {'app_s': .30, 'app_m': .40, 'rij': .30},
}
PWEIGHT = {'centrum': 1.0, 'oud': 1.1, 'naoorlogs': 1.2, 'nieuwbouw': 1.0, 'villa': 0.55, 'bedrijf': 0.12}
BOUWJAAR = {'centrum': (1680, 1935), 'oud': (1895, 1939), 'naoorlogs': (1950, 1978),
            'nieuwbouw': (1995, 2023), 'villa': (1905, 1995), 'bedrijf': (1965, 2018)}
CORP_SHARE = {'centrum': .20, 'oud': .25, 'naoorlogs': .62, 'nieuwbouw': .30, 'villa': .03, 'bedrijf': .35}
PRICE_FACTOR = {'centrum': 1.25, 'oud': 1.1, 'naoorlogs': 0.8, 'nieuwbouw': 1.0, 'villa': 1.45, 'bedrijf': 0.8}
LETTERPAIRS = [a + b for a in 'ABCDEFGHJKLMNPRSTVWXZ' for b in 'ABCDEGHJKLMNPRSTVWXZ'
               if a + b not in ('SA', 'SD', 'SS')]


class Buurt:
    pass


def build_geography():
    r = W.rng
    W.buurten = []
    streets = STREETS[:]
    r.shuffle(streets)
    bi = 0
    for wi, (wk2, wknaam, profs, names) in enumerate(WIJKEN):
        col, row = wi % 3, wi // 3
        x0, y0 = 100000 + col * 2000, 485000 + row * 2500
        for j in range(5):
            b = Buurt()
            b.i = bi
            b.code = 'BU' + GM + wk2 + '%02d' % (j + 1)
            b.wk = 'WK' + GM + wk2
            b.wknaam = wknaam
            b.naam = names[j]
            b.prof = profs[j]
            b.rect = (x0 + j * 400, y0, x0 + j * 400 + 400, y0 + 2500)
            b.pc4 = 2011 + bi
            b.lp = 0
            b.streets = []
            W.buurten.append(b)
            bi += 1
    # hand out streets: about proportionally to weight
    order = sorted(W.buurten, key=lambda b: -PWEIGHT[b.prof])
    k = 0
    for b in order:
        b.streets.append([streets[k], 1, None, 0])   # name, next number, letterpair, count
        k += 1
    while k < len(streets):
        for b in order:
            if k >= len(streets):
                break
            if PWEIGHT[b.prof] >= 0.5 or len(b.streets) < 2:
                b.streets.append([streets[k], 1, None, 0])
                k += 1


def _postcode(b, st):
    if st[2] is None or st[3] >= 14:
        st[2] = LETTERPAIRS[b.lp % len(LETTERPAIRS)]
        b.lp += 1
        st[3] = 0
    st[3] += 1
    return '%d%s' % (b.pc4 + (b.lp // len(LETTERPAIRS)) * 0, st[2])


def new_pand(b, bj=None):
    W.pandseq += W.rng.randint(1, 40)
    pid = GM + '10' + '%010d' % W.pandseq
    x0, y0, x1, y1 = b.rect
    x = round(W.rng.uniform(x0 + 15, x1 - 15), 2)
    y = round(W.rng.uniform(y0 + 15, y1 - 15), 2)
    if bj is None:
        lo, hi = BOUWJAAR[b.prof]
        bj = W.rng.randint(lo, hi)
    return pid, x, y, bj


def new_dw(b, pand, street, hn, hl, ht, doel, m2, kind):
    r = W.rng
    d = Dw()
    d.i = len(W.dws)
    W.vboseq += r.randint(1, 25)
    d.vid = GM + '01' + '%010d' % W.vboseq
    W.nadseq += r.randint(1, 25)
    d.nad = GM + '20' + '%010d' % W.nadseq
    d.street = street[0]
    d.hn, d.hl, d.ht = hn, hl, ht
    d.pc = _postcode(b, street)
    d.doel = doel
    d.m2 = int(m2)
    d.pand, d.x, d.y, d.bj = pand
    d.bu = b
    d.kind = kind
    d.res = 'woonfunctie' in doel
    if d.res:
        if d.bj >= 2012 and r.random() < 0.65:
            d.heat = 'hp'
        elif b.prof == 'naoorlogs' and kind == 'portiek' and r.random() < 0.25:
            d.heat = 'dh'
        elif d.bj >= 1995 and kind in ('app_s', 'app_m', 'studio') and r.random() < 0.2:
            d.heat = 'dh'
        if kind in ('app_s', 'app_m', 'portiek', 'studio') and r.random() < 0.08:
            d.coll_water = True
    else:
        d.heat = 'gas' if r.random() < 0.7 else 'hp'
    W.dws.append(d)
    return d


def _street(b):
    return W.rng.choice(b.streets)


def _next_hn(st, step=None):
    hn = st[1]
    st[1] += step if step else W.rng.choice((1, 2, 2))
    return hn


def build_bag():
    r = W.rng
    s = W.s
    W.pandseq = r.randint(10 ** 6, 3 * 10 ** 6)
    W.vboseq = r.randint(10 ** 6, 3 * 10 ** 6)
    W.nadseq = r.randint(10 ** 6, 3 * 10 ** 6)
    target = int(W.N / 2.2) + int(900 * s) + 60
    tw = sum(PWEIGHT[b.prof] for b in W.buurten)
    for b in W.buurten:
        n = int(target * PWEIGHT[b.prof] / tw)
        mix = MIX[b.prof]
        kinds = list(mix)
        weights = [mix[k] for k in kinds]
        made = 0
        while made < n:
            k = r.choices(kinds, weights)[0]
            lo, hi = KINDS[k]
            st = _street(b)
            if k in ('rij', 'groot'):
                cnt = r.randint(3, 8) if k == 'rij' else 1
                bj = None
                for _ in range(cnt):
                    pand = new_pand(b, bj)
                    bj = pand[3]
                    new_dw(b, pand, st, _next_hn(st), '', '', 'woonfunctie', r.randint(lo, hi), k)
                    made += 1
            elif k == 'bb':
                pand = new_pand(b)
                fl = r.choice((2, 2, 3, 3, 4))
                hn = _next_hn(st)
                shop = (b.prof in ('centrum', 'oud') and r.random() < (0.30 if b.prof == 'centrum' else 0.10))
                use_letter = r.random() < 0.35
                for f in range(fl):
                    if use_letter:
                        hl, ht = ('' if f == 0 else 'ABCD'[f - 1]), ''
                    else:
                        hl, ht = '', ('H' if f == 0 else str(f))
                    if f == 0 and shop:
                        d = new_dw(b, pand, st, hn, hl, ht, 'winkelfunctie', r.randint(40, 160), 'shop')
                        d.tag = 'shop'
                        continue
                    d = new_dw(b, pand, st, hn, hl, ht, 'woonfunctie', r.randint(lo, hi), k)
                    d.same_hn = fl
                    made += 1
            elif k == 'portiek':
                pand = new_pand(b)
                for _stair in range(r.randint(3, 6)):
                    hn = _next_hn(st)
                    fl = r.choice((3, 4, 4))
                    letter = r.random() < 0.3
                    for f in range(fl):
                        if letter:
                            hl, ht = ('' if f == 0 else 'ABCDE'[f - 1]), ''
                        else:
                            hl, ht = '', ('H' if f == 0 else str(f))
                        d = new_dw(b, pand, st, hn, hl, ht, 'woonfunctie', r.randint(lo, hi), k)
                        d.same_hn = fl
                        made += 1
            else:   # studio, app_s, app_m: complexes with own numbers or letters
                pand = new_pand(b)
                cnt = r.randint(6, 30)
                if k == 'studio' and r.random() < 0.6:
                    per = r.randint(3, 5)
                    hn = None
                    for u in range(cnt):
                        if u % per == 0:
                            hn = _next_hn(st)
                        d = new_dw(b, pand, st, hn, '', '', 'woonfunctie', r.randint(lo, hi), k)
                        d.hl = 'ABCDEFG'[u % per]
                        d.same_hn = per
                        made += 1
                else:
                    for u in range(cnt):
                        new_dw(b, pand, st, _next_hn(st, 1), '', '', 'woonfunctie', r.randint(lo, hi), k)
                        made += 1
        # non-residential objects
        def nonres(tag, doel, m2lo, m2hi, count):
            for _ in range(count):
                st2 = _street(b)
                pand = new_pand(b)
                d = new_dw(b, pand, st2, _next_hn(st2), '', '', doel, r.randint(m2lo, m2hi), tag)
                d.tag = tag
        f = max(0.3, n / 900.0)
        if b.prof == 'bedrijf':
            nonres('industry', 'industriefunctie', 300, 6000, int(60 * f) + 3)
            nonres('office', 'kantoorfunctie', 120, 3000, int(35 * f) + 2)
            nonres('shop', 'winkelfunctie', 200, 2500, int(10 * f) + 1)
        else:
            nonres('shop', 'winkelfunctie', 40, 900, int((12 if b.prof == 'centrum' else 5) * f) + 1)
            nonres('office', 'kantoorfunctie', 60, 1500, int((8 if b.prof == 'centrum' else 2) * f) + 1)
            nonres('school', 'onderwijsfunctie', 800, 4000, 1 if r.random() < 0.7 else 0)
            nonres('sport', 'sportfunctie', 300, 2500, 1 if r.random() < 0.3 else 0)
            nonres('church', 'bijeenkomstfunctie', 200, 1200, 1 if r.random() < 0.5 else 0)
            if r.random() < 0.15:
                nonres('mixed', 'woonfunctie|kantoorfunctie', 90, 200, 1)
        if r.random() < 0.5:
            st2 = _street(b)
            pand = new_pand(b)
            hn = _next_hn(st2)
            for u in range(r.randint(8, 24)):
                d = new_dw(b, pand, st2, hn, '', str(u + 1), 'overige gebruiksfunctie', r.randint(12, 22), 'garage')
                d.tag = 'garage'
    # a police station with cells
    b = W.rng.choice([b for b in W.buurten if b.prof == 'centrum'])
    st = _street(b)
    d = new_dw(b, new_pand(b), st, _next_hn(st), '', '', 'kantoorfunctie|celfunctie', 2400, 'police')
    d.tag = 'police'


def special(tag, doel, m2lo, m2hi, profs, inst=None):
    b = W.rng.choice([b for b in W.buurten if b.prof in profs])
    st = _street(b)
    d = new_dw(b, new_pand(b), st, _next_hn(st), '', '', doel, W.rng.randint(m2lo, m2hi), tag)
    d.tag = tag
    d.inst = inst
    d.claimed = True
    return d


# ----------------------------------------------------------------------------------------
# households
# ----------------------------------------------------------------------------------------
HTYPES = [
    (35, [('single', .86), ('couple', .12), ('sparent', .02)]),
    (60, [('single', .52), ('couple', .30), ('sparent', .07), ('family', .05), ('shared', .03),
          ('parent_adult', .02), ('elderly_couple', .01)]),
    (90, [('single', .25), ('couple', .27), ('family', .24), ('sparent', .10), ('shared', .035),
          ('students', .03), ('parent_adult', .04), ('elderly_couple', .03), ('lodger', .005)]),
    (130, [('single', .08), ('couple', .22), ('family', .46), ('sparent', .08), ('students', .07),
           ('shared', .03), ('parent_adult', .03), ('elderly_couple', .03), ('siblings', .004),
           ('lodger', .006)]),
    (99999, [('couple', .28), ('family', .56), ('single', .05), ('sparent', .04), ('students', .03),
             ('parent_adult', .03), ('elderly_couple', .02)]),
]
TENURE = {'single': 4.5, 'couple': 6.5, 'family': 8.0, 'sparent': 6.0, 'students': 2.0, 'shared': 2.5,
          'parent_adult': 14.0, 'elderly_couple': 18.0, 'siblings': 10.0, 'lodger': 5.0}


def sample_htype(dw):
    for lim, tab in HTYPES:
        if dw.m2 < lim:
            return W.rng.choices([t for t, _ in tab], [w for _, w in tab])[0]


def _age_single(r):
    x = r.random()
    if x < 0.36:
        return r.randint(20, 34)
    if x < 0.76:
        return r.randint(35, 66)
    return r.randint(67, 94)


def _opp(sex):
    if sex == 'M':
        return 'V'
    if sex == 'V':
        return 'M'
    return None


def couple(p1, p2, married=None):
    r = W.rng
    p1.partner, p2.partner = p2, p1
    if married is None:
        married = r.random() < 0.6
    p1.married = p2.married = married
    ok = married or r.random() < 0.7
    p1.fisc_ok = p2.fisc_ok = ok


def make_members(ht, dw, at, cap=None):
    """create the persons of a household of type ht; ages are taken at date `at`."""
    r = W.rng
    if cap is None:
        cap = max(1, int(dw.m2 // 15))
    adults, kids = [], []
    if ht in ('family', 'sparent') and cap < 2:
        ht = 'single'
    if ht in ('couple', 'elderly_couple', 'parent_adult', 'siblings', 'lodger', 'shared', 'students') and cap < 2:
        ht = 'single'
    if ht == 'family' and cap < 3:
        ht = 'couple'
    if ht == 'single':
        adults.append(new_person(birth_for_age(_age_single(r), at)))
    elif ht in ('couple', 'elderly_couple'):
        a = r.randint(67, 90) if ht == 'elderly_couple' else r.choice(
            (r.randint(22, 35), r.randint(30, 66), r.randint(45, 85)))
        p1 = new_person(birth_for_age(a, at))
        sex2 = _opp(p1.sex) if r.random() < 0.94 else p1.sex
        p2 = new_person(birth_for_age(max(19, a + r.randint(-6, 6)), at), sex2,
                        sur=r.choice(SURN) if r.random() < 0.85 else (p1.vv, p1.gn))
        couple(p1, p2)
        adults += [p1, p2]
    elif ht in ('family', 'sparent'):
        a = r.randint(27, 55)
        p1 = new_person(birth_for_age(a, at), 'V' if (ht == 'sparent' and r.random() < 0.82) else None)
        adults.append(p1)
        sur = (p1.vv, p1.gn)
        if ht == 'family':
            p2 = new_person(birth_for_age(max(22, a + r.randint(-5, 6)), at), _opp(p1.sex) or 'M')
            couple(p2, p1)
            adults.append(p2)
            sur = (p2.vv, p2.gn) if p2.sex == 'M' else sur
            room = cap - 2
        else:
            room = cap - 1
        nk = min(room, r.choice((1, 1, 2, 2, 2, 3, 3, 4, 5, 6)) if ht == 'family' else r.choice((1, 1, 2, 2, 3)))
        maxage = max(0, min(a - 20, 21))
        for _ in range(max(1, nk)):
            k = new_person(birth_for_age(r.randint(0, maxage), at), sur=sur)
            k.parents = tuple(adults)
            kids.append(k)
    elif ht in ('students', 'shared'):
        n = min(cap, r.randint(2, 6) if ht == 'students' else r.randint(2, 4))
        for _ in range(max(2, n)):
            adults.append(new_person(birth_for_age(r.randint(18, 26) if ht == 'students' else r.randint(23, 45), at)))
    elif ht == 'parent_adult':
        a = r.randint(55, 88)
        p1 = new_person(birth_for_age(a, at))
        c = new_person(birth_for_age(max(18, a - r.randint(22, 40)), at), sur=(p1.vv, p1.gn))
        c.parents = (p1,)
        adults += [p1, c]
    elif ht == 'siblings':
        a = r.randint(62, 86)
        p1 = new_person(birth_for_age(a, at))
        p2 = new_person(birth_for_age(a + r.randint(-6, 6), at), sur=(p1.vv, p1.gn))
        p1.sibling_hh = p2.sibling_hh = True
        adults += [p1, p2]
    elif ht == 'lodger':
        p1 = new_person(birth_for_age(r.randint(38, 72), at))
        l2 = new_person(birth_for_age(r.randint(20, 34), at))
        l2.lodger = True
        adults += [p1, l2]
    return ht, adults, kids


def hh_place(dw, ht, adults, kids, at, end=None, start=None, tenure=None):
    """register a household at dw; returns household start date."""
    r = W.rng
    if start is None:
        mean = TENURE.get(ht, 5.0) if tenure is None else tenure
        t = int(r.expovariate(1.0 / mean) * 365.25) + r.randint(20, 200)
        start = at - t
        # adults must have been 18 (students 17) at the start
        latest18 = max(add_years(p.birth, 18) for p in adults)
        if start < latest18:
            start = latest18 + r.randint(0, 200)
        if start >= at - 10:
            start = at - r.randint(10, 120)
    mem_start = {}
    if ht in ('students', 'shared'):
        for p in adults:
            s = at - r.randint(20, int(365 * (3.5 if ht == 'students' else 5)))
            s = max(s, add_years(p.birth, 17) + 30, start)
            mem_start[p] = min(s, at - 5)
    else:
        for p in adults:
            mem_start[p] = start
        if len(adults) == 2 and adults[0].partner is adults[1] and at - start > 500 and r.random() < 0.12:
            mem_start[adults[1]] = start + r.randint(120, at - start - 60)
        if ht == 'lodger' and at - start > 200:
            mem_start[adults[1]] = start + r.randint(60, at - start - 30)
    for k in kids:
        mem_start[k] = max(start, k.birth)
    for p in adults + kids:
        add_row(p, dw, mem_start[p], end)
    head = adults[0]
    dw.ten.append([head, start, end])
    return start


def assign_roles(ht, adults, kids, at):
    """background economic roles (honest)."""
    r = W.rng
    p_bij = {'single': 0.085, 'sparent': 0.22, 'couple': 0.03, 'family': 0.04, 'shared': 0.03,
             'parent_adult': 0.05}.get(ht, 0.0)
    bij = r.random() < p_bij
    for n, p in enumerate(adults):
        age = age_at(p.birth, at)
        p.wl = math.exp(r.gauss(math.log(3300), 0.33)) * (0.8 if age < 25 else 1.0)
        p.hours = r.randint(150, 173)
        if ht == 'students' or (p.parents and age < 25 and r.random() < 0.55):
            p.role = 'student'
            p.hours = r.randint(20, 70)
            continue
        if bij and age < 66:
            if n == 0:
                p.role = 'bij'
                continue
            if p.partner is adults[0]:
                p.role = 'bijp'
                continue
        x = r.random()
        if x < 0.52:
            p.role = 'ft'
        elif x < 0.71:
            p.role = 'pt'
            p.hours = r.randint(60, 130)
        elif x < 0.79:
            p.role = 'zzp'
        elif x < 0.82 and age >= 30:
            p.role = 'wia'
        elif x < 0.835 and age < 45:
            p.role = 'wajong'
        elif x < 0.90 and p.partner is not None:
            p.role = 'none'
        else:
            p.role = 'ft'
    for k in kids:
        k.role = 'child'


def new_household(dw, at=PE, end=None, ht=None, start=None, tenure=None, cap=None):
    if ht is None:
        ht = sample_htype(dw)
    ht, adults, kids = make_members(ht, dw, at, cap)
    s = hh_place(dw, ht, adults, kids, at, end, start, tenure)
    assign_roles(ht, adults, kids, at)
    return {'type': ht, 'adults': adults, 'kids': kids, 'start': s, 'dw': dw}


# ----------------------------------------------------------------------------------------
# institutions
# ----------------------------------------------------------------------------------------
def make_institutions():
    s = W.s
    I = W.inst = {'care': [], 'bw': [], 'shelter': [], 'post': [], 'student': [], 'bc': []}
    res_profs = ['oud', 'naoorlogs', 'nieuwbouw', 'villa', 'centrum']
    for _ in range(max(1, round(5 * s))):
        I['care'].append(special('care', 'gezondheidszorgfunctie', 2500, 6000, res_profs, 'care'))
    for _ in range(max(1, round(3 * s))):
        I['bw'].append(special('bw', 'gezondheidszorgfunctie', 220, 420, res_profs, 'bw'))
    for _ in range(max(1, round(3 * s))):
        I['shelter'].append(special('shelter', 'logiesfunctie|gezondheidszorgfunctie', 500, 1300, res_profs, 'shelter'))
    for _ in range(max(1, round(2 * s))):
        I['post'].append(special('post', 'kantoorfunctie', 150, 400, ['centrum', 'oud', 'naoorlogs'], 'post'))
    for _ in range(max(1, round(6 * s))):
        I['student'].append(special('student', 'logiesfunctie', 350, 1400, ['centrum', 'oud', 'nieuwbouw', 'bedrijf'], 'student'))
    for _ in range(max(1, round(6 * s))):
        I['bc'].append(special('bc', 'kantoorfunctie', 1500, 6000, ['bedrijf', 'centrum', 'nieuwbouw'], None))
    names = {'care': ['Zorgcentrum De Hofstede', 'Verpleeghuis Spaarnezicht', 'Woonzorgcentrum Schoterhof',
                      'Zorgvilla Kleverhof', 'Huize Sint Jacob', 'Zorgcentrum Meerwende', 'De Blinkert'],
             'bw': ['Stichting Beschermd Wonen Kennemerland', 'GGZ Woonvoorziening De Brug', 'RIBW Haarlem'],
             'shelter': ['Stichting Opvang Haarlem', 'Nachtopvang De Kaars', 'Leger des Heils Haarlem',
                         'Vrouwenopvang Kennemerland'],
             'post': ['Stichting Straatpastoraat Haarlem', 'Postadres Dak- en Thuislozen Haarlem'],
             'student': ['Studentenhuisvesting Spaarne', 'Campus Waarderpolder', 'Hogeschool Logies Zuid']}
    sbi = {'care': '8710', 'bw': '8720', 'shelter': '8790', 'post': '8899', 'student': '5590'}
    for kind, lst in I.items():
        for n, d in enumerate(lst):
            if kind == 'bc':
                continue
            nm = names[kind][n % len(names[kind])] + ('' if n < len(names[kind]) else ' %d' % (n + 1))
            c = new_company(nm, 'stichting', sbi[kind])
            c.vest.append([new_vestnr(), d, O(1995, 1, 1) + W.rng.randint(0, 7000), None, None])
            d.nofill = True


def _chain(d, make, stay, f='W', p_occ=0.92, exit_fn=None, slots=1):
    r = W.rng
    for _ in range(slots):
        if r.random() < p_occ:
            end = None
            t = PE
        else:
            end = PE - r.randint(3, 120)
            t = end
        while True:
            st = stay()
            start = t - (r.randint(1, st) if end is None else st)
            p = make(t)
            add_row(p, d, start, end, f)
            if end is not None and exit_fn:
                exit_fn(p, end)
            elif end is not None:
                p.exit = 'out'
            end = start - r.randint(0, 40)
            t = end
            if end <= HS:
                break


def populate_institutions():
    r = W.rng

    def mk(agelo, agehi, role):
        def f(t):
            p = new_person(birth_for_age(r.randint(agelo, agehi), t))
            p.role = role() if callable(role) else role
            p.wl = math.exp(r.gauss(math.log(2600), 0.25))
            p.hours = r.randint(40, 120)
            return p
        return f

    def die_or_out(p, end):
        if r.random() < 0.85:
            p.death = end
            p.exit = 'dead'
        else:
            p.exit = 'out'

    def out_or_vow(p, end):
        p.exit = 'vow' if r.random() < 0.08 else 'out'

    for d in W.inst['care']:
        _chain(d, mk(78, 99, 'ret'), lambda: r.randint(120, 1800), exit_fn=die_or_out, slots=d.m2 // 45)
    for d in W.inst['bw']:
        _chain(d, mk(20, 60, lambda: r.choice(('wajong', 'wia', 'bij', 'bij'))), lambda: r.randint(300, 1500),
               slots=r.randint(8, 14))
    for d in W.inst['shelter']:
        _chain(d, mk(20, 64, lambda: r.choice(('bij', 'bij', 'bij', 'none'))), lambda: r.randint(30, 365),
               exit_fn=out_or_vow, slots=r.randint(10, 25), p_occ=0.8)
        _chain(d, mk(20, 64, lambda: r.choice(('bij', 'bij', 'pt', 'none'))), lambda: r.randint(60, 540),
               f='B', exit_fn=out_or_vow, slots=r.randint(20, 45), p_occ=0.85)
    for d in W.inst['post']:
        _chain(d, mk(20, 64, lambda: r.choice(('bij', 'bij', 'pt', 'none'))), lambda: r.randint(90, 720),
               f='B', exit_fn=out_or_vow, slots=r.randint(20, 55), p_occ=0.85)
    for d in W.inst['student']:
        _chain(d, mk(18, 26, 'student'), lambda: r.randint(250, 1400), slots=int(d.m2 // r.uniform(9.5, 13)), p_occ=0.95)


# ----------------------------------------------------------------------------------------
# background population and history
# ----------------------------------------------------------------------------------------
def populate_background():
    r = W.rng
    W.cur_hh = []
    for dw in W.dws:
        if not dw.res or dw.claimed or dw.inst:
            continue
        dw.claimed = True
        if r.random() < 0.025:
            dw.fill_end = PE - r.randint(10, 330)
            continue
        hh = new_household(dw)
        hh['linked'] = False
        dw.cur = hh
        W.cur_hh.append(hh)


def _gap():
    x = W.rng.random()
    if x < 0.3:
        return 0
    if x < 0.85:
        return W.rng.randint(1, 60)
    return W.rng.randint(61, 300)


def build_link_index():
    idx = {}
    for hh in W.cur_hh:
        if hh['start'] > HS and hh['type'] not in ('students', 'shared', 'lodger'):
            idx.setdefault(hh['start'], []).append(hh)
    W.link_idx = idx


def find_link(e, dw):
    r = W.rng
    if r.random() > 0.32:
        return None
    for day in range(e, e - 61, -1):
        lst = W.link_idx.get(day)
        if not lst:
            continue
        for n, hh in enumerate(lst):
            if hh['dw'] is dw or hh['linked']:
                continue
            size = len(hh['adults']) + len(hh['kids'])
            if size > max(1, dw.m2 // 15):
                continue
            lst.pop(n)
            return hh
    return None


def destiny(members, end):
    r = W.rng
    adults = [p for p in members if not p.parents or age_at(p.birth, end) >= 18]
    oldest = max(age_at(p.birth, end) for p in members)
    care = W.inst['care']
    if len(adults) == 1 and oldest >= 78:
        x = r.random()
        p = adults[0]
        if x < 0.5:
            p.death, p.exit = end, 'dead'
            for q in members:
                if q is not p:
                    q.exit = 'out'
            return
        if x < 0.8 and care:
            d = r.choice(care)
            if r.random() < 0.6 and PE - end > 60:
                dd = end + r.randint(30, PE - end - 1)
                add_row(p, d, end, dd)
                p.death, p.exit = dd, 'dead'
            else:
                add_row(p, d, end, None)
            return
    x = r.random()
    ex = 'out' if x < 0.79 else ('emig' if x < 0.94 else ('vow' if x < 0.975 else 'dead'))
    if ex == 'dead' and oldest < 60:
        ex = 'out'
    for p in members:
        p.exit = ex
        if ex == 'dead':
            if p is adults[0]:
                p.death = end
            else:
                p.exit = 'out'


def fill_former(dw):
    r = W.rng
    if dw.nofill:
        return
    occ = dw.occ or []
    starts = [h[2] for p, h in occ if h[1] == 'W']
    if dw.fill_end is not None:
        end = dw.fill_end
    elif starts:
        end = None
        e = min(starts)
    else:
        end = PE - r.randint(10, 330)
    while True:
        if end is None:
            hh = find_link(e, dw)
            if hh is not None:
                end = hh['start']
            else:
                end = e - _gap()
        else:
            hh = None
        if end <= HS:
            break
        if hh is not None:
            hh['linked'] = True
            s_h = hh['start']
            movers = [p for p in hh['adults'] + hh['kids'] if cur_row(p) and cur_row(p)[2] == s_h and p.birth < s_h]
            if not movers:
                movers = hh['adults'][:1]
            lat18 = max(add_years(p.birth, 18) for p in movers if p in hh['adults'])
            start = s_h - int(r.expovariate(1 / 4.0) * 365) - r.randint(30, 300)
            if start < lat18:
                start = lat18 + r.randint(0, 100)
            if start >= s_h - 30:
                start = s_h - r.randint(30, 200)
            for p in movers:
                add_row(p, dw, max(start, p.birth), s_h)
            dw.ten.append([movers[0], start, s_h])
            e = start
        else:
            h2 = new_household(dw, at=end, end=end)
            destiny(h2['adults'] + h2['kids'], end)
            e = h2['start']
        end = None


def link_children_and_widows():
    r = W.rng
    fams = [hh for hh in W.cur_hh if hh['type'] in ('family', 'sparent') and hh['start'] < PE - 6 * 365]
    for hh in W.cur_hh:
        if hh['type'] != 'single':
            continue
        p = hh['adults'][0]
        age = age_at(p.birth, PE)
        s = hh['start']
        if 19 <= age <= 29 and s > HS + 200 and not hh['linked'] and fams and r.random() < 0.3:
            for _ in range(6):
                f = r.choice(fams)
                par = f['adults'][0]
                if f['start'] < s - 400 and par.birth < p.birth - 20 * 365 and p.role != 'bij':
                    p.vv, p.gn = (f['adults'][-1].vv, f['adults'][-1].gn) if f['type'] == 'family' else (par.vv, par.gn)
                    p.parents = tuple(f['adults'])
                    add_row(p, f['dw'], max(f['start'], p.birth), s)
                    hh['linked'] = True
                    break
        elif age >= 68 and s < HS + 400 and r.random() < 0.22 and not hh['linked']:
            dd = r.randint(max(HS, s) + 30, PE - 20)
            q = new_person(birth_for_age(age + r.randint(-3, 5), PE), _opp(p.sex) or 'M')
            couple(p, q, True)
            q.role = 'ret'
            add_row(q, hh['dw'], s, dd)
            q.death, q.exit = dd, 'dead'
        elif 45 <= age <= 63 and s < HS + 400 and r.random() < 0.05 and not hh['linked'] and p.role in ('ft', 'pt', 'none', 'bij'):
            dd = r.randint(max(HS, s) + 30, PE - 60)
            q = new_person(birth_for_age(age + r.randint(-3, 5), PE), _opp(p.sex) or 'M')
            couple(p, q, True)
            q.role = 'ft'
            q.wl = 3500
            q.hours = 165
            add_row(q, hh['dw'], s, dd)
            q.death, q.exit = dd, 'dead'
            p.role = 'anw' if p.role in ('none', 'pt') else p.role


# ----------------------------------------------------------------------------------------
# economy: spells (jobs and benefits) per person
# ----------------------------------------------------------------------------------------
def employer():
    return W.rng.choice(W.employers)


def job(p, s, e, w, h, low=None, final=0.0, lhn=None, vg=True):
    j = {'l': lhn or employer(), 's': s, 'e': e, 'w': w, 'h': h, 'low': low, 'final': final, 'vg': vg}
    p.jobs.append(j)
    return j


def ben(p, k, s, e=None, **kw):
    b = {'k': k, 's': s, 'e': e}
    b.update(kw)
    p.bens.append(b)
    return b


def presence(p):
    if not p.hist:
        return None, None
    return min(h[2] for h in p.hist), max((h[3] if h[3] is not None else PE) for h in p.hist)


def std_aow(p):
    a = aow_date(p.birth)
    if a < PE and (p.death is None or a < p.death):
        ben(p, 'aow', a, p.death, mode='honest')


def gen_spells(p):
    """generic (honest) spells for a background person."""
    r = W.rng
    first, last = presence(p)
    if first is None:
        return
    aowd = aow_date(p.birth)
    endlife = p.death if p.death else PE
    ws = min(first, HS) - 365
    role = p.role
    a18 = add_years(p.birth, 18)
    if role in (None, 'child'):
        a16 = add_years(p.birth, 16)
        if a16 < PE and r.random() < 0.3:
            s = max(a16, ws) + r.randint(0, 700)
            if s < endlife - 60:
                job(p, s, None if r.random() < 0.6 else min(endlife, s + r.randint(90, 900)),
                    r.randint(250, 700), r.randint(16, 60), vg=False)
    elif role in ('ft', 'pt'):
        t = max(ws, a18)
        stop = min(endlife, aowd)
        base = p.wl * (p.hours / 165.0)
        ww_at = None
        if r.random() < 0.09:
            ww_at = r.randint(HS + 180, PE - 150)
        zw_at = None
        if ww_at is None and r.random() < 0.02:
            zw_at = r.randint(HS + 180, PE - 150)
        while t < stop:
            dur = int(r.expovariate(1 / 5.0) * 365) + 90
            e = t + dur
            if ww_at is not None and t < ww_at <= e:
                e = first_of_month(ww_at) + r.randint(4, 24)
                if e >= stop:
                    break
                job(p, t, e, base, p.hours, final=base * r.uniform(0.2, 1.0))
                wd = r.randint(60, 420)
                we = e + wd
                amt = round(min(0.7 * base * WAGE_IDX[year_of(e)], 4300), 2)
                ben(p, 'ww', e + 1, min(we, PE) if we < PE else None, amt=amt, mode='honest')
                if r.random() < 0.12:
                    ben(p, 'tw', e + 1, min(we, PE) if we < PE else None, amt=round(r.uniform(60, 240), 2))
                if r.random() < 0.15 and wd > 120:
                    js = e + r.randint(40, 70)
                    job(p, js, js + r.randint(30, 80), base * 0.3, int(p.hours * 0.3))
                ww_at = None
                t = we + 1 if r.random() < 0.75 else we + r.randint(100, 600)
                continue
            if zw_at is not None and t < zw_at <= e:
                e = zw_at
                job(p, t, e, base, p.hours)
                zd = r.randint(30, 180)
                ben(p, 'zw', e + 1, min(e + zd, PE) if e + zd < PE else None,
                    amt=round(0.7 * base * WAGE_IDX[year_of(e)], 2), mode='honest')
                zw_at = None
                t = e + zd + 1
                continue
            job(p, t, None if e >= stop and stop >= PE else min(e, stop), base, p.hours)
            t = e + r.choice((1, 1, 1, 15, 30, 45))
    elif role == 'zzp':
        p.profit = {}
        lvl = (p.opt or {}).get('profit') or math.exp(r.gauss(math.log(38000), 0.55))
        for y in YEARS:
            p.profit[y] = round(-r.uniform(1500, 25000)) if r.random() < 0.07 else round(lvl * r.uniform(0.7, 1.3))
    elif role == 'bij':
        lo = max(first, HS)
        s = min(first, HS) - int(r.expovariate(1 / 4.0) * 365) if (r.random() < 0.7 or lo >= PE - 61) else r.randint(lo, PE - 60)
        s = max(s, a18 + 30)
        e = None
        if r.random() < 0.15 and PE - s > 400:
            e = r.randint(s + 200, PE - 30)
        norm = 'couple' if (p.partner is not None and p.partner.role == 'bijp') else 'auto'
        ben(p, 'bij', s, e, norm=norm, mode='honest')
        if r.random() < 0.18:
            js = max(s, HS) + r.randint(30, 900)
            if js < PE - 60:
                job(p, js, min(PE - 1, js + r.randint(60, 800)), r.randint(450, 1100), r.randint(40, 90))
    elif role == 'wia':
        s = (min(first, HS) - r.randint(0, 8 * 365)) if r.random() < 0.75 else r.randint(HS, PE - 200)
        ben(p, 'wia', s, min(aowd, endlife) if aowd < PE else None, amt=round(r.uniform(1100, 2400), 2))
        if r.random() < 0.4:
            js = max(s, ws) + r.randint(0, 400)
            job(p, js, None if r.random() < 0.7 else js + r.randint(200, 900), r.randint(800, 1800), r.randint(50, 100))
    elif role == 'wajong':
        s = max(a18, min(first, HS) - r.randint(0, 10 * 365))
        ben(p, 'wajong', s, None, amt=round(r.uniform(1050, 1320), 2))
        if r.random() < 0.35:
            js = max(s, ws) + r.randint(0, 500)
            job(p, js, None, r.randint(600, 1400), r.randint(40, 100))
    elif role == 'student':
        if r.random() < 0.65:
            s = max(ws, add_years(p.birth, 16)) + r.randint(0, 300)
            job(p, s, None if r.random() < 0.6 else s + r.randint(120, 1200), r.randint(250, 900), r.randint(20, 70), vg=False)
    elif role == 'ret':
        p.pension = r.choice((0, 2000, 5000, 8000, 12000, 18000, 30000)) * r.uniform(0.8, 1.2)
    elif role == 'anw':
        dd = p.partner.death if p.partner and p.partner.death else None
        if dd:
            ben(p, 'anw', end_of_month(dd) + 1,
                aowd if aowd < PE else None, amt=round(r.uniform(1250, 1450), 2), mode='honest')
    elif role == 'wwlong':
        s = PE - r.randint(200, 700)
        e = s + r.randint(360, 720)
        ben(p, 'ww', s, e if e < PE else None, amt=round(r.uniform(1100, 1900), 2), mode='honest')
    elif role == 'lowpay':
        s = max(first - r.randint(0, 300), a18)
        job(p, s, None, 0, r.randint(150, 210), low=p.wl if p.wl and p.wl < 1 else r.uniform(0.55, 0.8), vg=False)
    if role not in ('ret',) and aowd < min(PE, endlife) and not (p.opt or {}).get('pension_fixed'):
        p.pension = max(p.pension, W.rng.choice((0, 3000, 8000, 15000)))
    if aowd < min(PE, endlife):
        std_aow(p)
    # wealth (box 3)
    x = r.random()
    age = age_at(p.birth, PE)
    if p.box3 is None and age >= 18 and not (p.opt or {}).get('no_box3') and x < (0.25 + (0.25 if age > 60 else 0)):
        p.box3 = round(math.exp(r.gauss(math.log(45000 if age < 60 else 90000), 0.9)), -2)


def gen_all_spells():
    for p in W.persons:
        if p.custom or not p.hist:
            continue
        gen_spells(p)


# ----------------------------------------------------------------------------------------
# helpers for planting
# ----------------------------------------------------------------------------------------
def init_free():
    W.free = [d for d in W.dws if d.res and not d.claimed and not d.inst and d.tag is None]
    W.rng.shuffle(W.free)


def take(kinds=None, m2=(0, 99999), profs=None, cond=None):
    r = W.rng
    n = len(W.free)
    st = r.randrange(n)
    for relax in (0, 1):
        for k in range(n):
            d = W.free[(st + k) % n]
            if d.claimed:
                continue
            if kinds and d.kind not in kinds and not relax:
                continue
            if profs and d.bu.prof not in profs and not relax:
                continue
            if not relax and not (m2[0] <= d.m2 <= m2[1]):
                continue
            if cond and not cond(d):
                continue
            d.claimed = True
            if relax:
                d.m2 = r.randint(m2[0], min(m2[1], 400))
            return d
    raise RuntimeError('no free dwelling')


def take_nonres(tags):
    lst = [d for d in W.dws if d.tag in tags and not d.inst]
    return W.rng.choice(lst)


def own_occ(dw, owners, d=None, price='auto'):
    dw.tenure = 'occ'
    n = len(owners)
    dw.owners = [(p, '1/%d' % n) for p in owners]
    dw.own_date = d
    dw.own_price = price


def own_corp(dw):
    dw.tenure = 'corp'
    c = W.rng.choice(W.corps)
    dw.owners = [(c, '1/1')]
    dw.own_date = O(W.rng.randint(1965, 2005), W.rng.randint(1, 12), 1)
    dw.own_price = None


def own_ll(dw, owner, d=None, price='auto'):
    dw.tenure = 'priv'
    dw.owners = [(owner, '1/1')]
    dw.own_date = d if d else PE - W.rng.randint(3 * 365, 25 * 365)
    dw.own_price = price


def market_price(dw, o):
    y = year_of(o)
    return round(dw.m2 * price_m2(y) * PRICE_FACTOR[dw.bu.prof] * W.rng.uniform(0.88, 1.12), -3)


def worker(p, wl=None, hours=None, role='ft'):
    p.role = role
    p.wl = wl if wl else math.exp(W.rng.gauss(math.log(3200), 0.25))
    p.hours = hours if hours else W.rng.randint(150, 172)


def opt(p, **kw):
    if p.opt is None:
        p.opt = {}
    p.opt.update(kw)


def hidden(dw, s, e, w):
    if dw.hidden is None:
        dw.hidden = []
    dw.hidden.append((s, e, w))


def umod(dw, y, key, val):
    if dw.umod is None:
        dw.umod = {}
    dw.umod.setdefault(y, {})[key] = val


def wc_extra(corp, dw, p, s, e, rent, social, kamer=False):
    W.wc_extra.append({'corp': corp, 'dw': dw, 'p': p, 's': s, 'e': e, 'rent': rent, 'soc': social,
                       'kamer': kamer})


def adult(age, sex=None, sur=None, at=PE):
    return new_person(birth_for_age(age, at), sex, sur)


def single_hh(dw, age_lo=25, age_hi=60, start=None, role='ft'):
    p = adult(W.rng.randint(age_lo, age_hi))
    s = start if start else PE - W.rng.randint(400, 4000)
    s = max(s, add_years(p.birth, 18) + 30)
    add_row(p, dw, s)
    dw.ten.append([p, s, None])
    worker(p, role=role)
    return p, s


def set_vuln(p, kind):
    r = W.rng
    if kind == 'work':
        worker(p, wl=r.uniform(2400, 3100))
    elif kind == 'lowpay':
        p.role = 'lowpay'
        p.wl = r.choice((0.55, 0.62, 0.7, 0.78, 0.9))
    else:
        p.role = r.choice(('bij', 'bij', 'wwlong', 'wajong', 'lowpay'))
        if p.role == 'lowpay':
            p.wl = r.choice((0.6, 0.7, 0.8))


def crowd_unit(dw, k, kind='work', t_c=None):
    r = W.rng
    if t_c is None:
        t_c = PE - r.randint(300, 1500)
    ps = []
    for i in range(k):
        p = adult(r.randint(19, 52))
        s = t_c if i == 0 else min(PE - 10, t_c + r.randint(0, 240))
        add_row(p, dw, s)
        set_vuln(p, kind)
        ps.append(p)
    for i in range(r.randint(0, 3)):
        p = adult(r.randint(19, 50))
        s = t_c + r.randint(0, 200)
        e = s + r.randint(60, 400)
        if e < PE - 10:
            add_row(p, dw, s, e)
            p.exit = 'out'
            set_vuln(p, kind)
    dw.ten.append([ps[0], t_c, None])
    dw.fill_end = t_c - r.randint(0, 90)
    return ps


def short_stays(dw, lanes=None, t0=None, stay=(30, 150)):
    r = W.rng
    t0 = t0 or PE - r.randint(900, 1800)
    ps = []
    for lane in range(lanes or r.randint(1, 3)):
        t = t0 + r.randint(0, 60)
        while t < PE - 20:
            d = r.randint(*stay)
            p = adult(r.randint(19, 45))
            e = t + d
            if e >= PE - 5:
                add_row(p, dw, t, None)
            else:
                add_row(p, dw, t, e)
                p.exit = r.choice(('out', 'out', 'out', 'emig', 'vow'))
            worker(p, wl=r.uniform(2300, 2900))
            ps.append(p)
            t = e + r.randint(0, 20)
    dw.ten.append([ps[0], t0, None])
    dw.fill_end = t0 - r.randint(0, 120)
    return ps


def landlord_person(in_area=True, low_income=False):
    r = W.rng
    if not in_area:
        p = adult(r.randint(40, 75))
        p.custom = True
        return p, None
    dw = take(kinds=('rij', 'groot'), m2=(95, 260))
    hh = new_household(dw, ht=r.choice(('couple', 'family', 'couple')))
    o = hh['adults'][0]
    co = [o]
    if len(hh['adults']) > 1 and hh['adults'][1].partner is o and r.random() < 0.5:
        co.append(hh['adults'][1])
    own_occ(dw, co, hh['start'] - r.randint(0, 40))
    if low_income:
        o.role = 'pt'
        o.wl = r.uniform(1800, 2400)
        o.hours = r.randint(40, 70)
        o.box3 = None
        o.opt = {'no_box3': True}
        for a in hh['adults'][1:]:
            if a.partner is o:
                a.role = 'none'
                a.opt = {'no_box3': True}
    else:
        o.role = 'zzp' if r.random() < 0.4 else 'ft'
        o.wl = r.uniform(6000, 10000)
        o.box3 = round(r.uniform(3e5, 2.5e6), -3)
        opt(o, profit=r.uniform(80000, 200000))
    return o, dw


LL_NAMES = ['Vastgoed', 'Beheer', 'Woningbeheer', 'Real Estate', 'Property Group', 'Kamerverhuur',
            'Housing', 'Onroerend Goed', 'Investments', 'Verhuur']
LL_PREF = ['Spaarne', 'Kennemer', 'Haarlem', 'Noordzee', 'Zuidpolder', 'Duin', 'Delta', 'Orion', 'Atlas',
           'Eagle', 'Rivierstad', 'Hollandia', 'Mercurius', 'Poort', 'Zilver']


def landlord_company():
    r = W.rng
    name = '%s %s B.V.' % (r.choice(LL_PREF), r.choice(LL_NAMES))
    c = new_company(name, 'bv', '6820')
    if r.random() < 0.6:
        off = take_nonres(('office', 'bc'))
        c.vest.append([new_vestnr(), off, PE - r.randint(800, 6000), None, None])
    return c


# ----------------------------------------------------------------------------------------
# plants per theme
# ----------------------------------------------------------------------------------------
def ob_label(dw, ps_max):
    plant('overbewoning', dw, 'kleine_eenheid' if dw.m2 < 30 else 'veel_ingeschrevenen_per_m2')


def plant_overbewoning():
    r = W.rng
    for i in range(n_case(9)):
        dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek', 'rij'), m2=(40, 90))
        tgt = (5.5, 7, 8, 9, 10, 10.5, 11, 11.5, 11.8)[i % 9]
        k = max(4, min(12, math.ceil(dw.m2 / tgt)))
        while dw.m2 / k >= 12:
            k += 1
        ps = crowd_unit(dw, k, 'work')
        if r.random() < 0.35:
            own_occ(dw, [ps[0]], cur_row(ps[0])[2] - r.randint(0, 30))
        else:
            o, _ = landlord_person(in_area=False)
            own_ll(dw, o)
        plant('overbewoning', dw, 'veel_ingeschrevenen_per_m2')
    for i in range(n_case(8)):
        dw = take(kinds=('studio', 'app_s'), m2=(16, 33))
        k = max(2, int(dw.m2 // 11.5) + 1)
        k = min(k + (1 if i % 3 == 0 else 0), 5)
        crowd_unit(dw, k, 'work')
        o, _ = landlord_person(in_area=False)
        own_ll(dw, o)
        plant('overbewoning', dw, 'kleine_eenheid')
    # look-alikes: large families in large homes
    for i in range(n_case(8)):
        dw = take(kinds=('groot', 'rij'), m2=(135, 260))
        a = r.randint(34, 50)
        p1 = adult(a, 'V')
        p2 = adult(a + r.randint(-3, 5), 'M')
        couple(p2, p1, True)
        kids = []
        nk = min(r.randint(4, 7), int(dw.m2 // 14) - 2)
        for _ in range(max(4, nk)):
            k = adult(r.randint(0, min(20, a - 21)), sur=(p2.vv, p2.gn))
            k.parents = (p2, p1)
            kids.append(k)
        s = PE - r.randint(6 * 365, 14 * 365)
        hh_place(dw, 'family', [p2, p1], kids, PE, start=s)
        assign_roles('family', [p2, p1], kids, PE)
        while dw.m2 / (2 + len(kids)) < 14:
            dw.m2 += 10
        own_occ(dw, [p2, p1], s - r.randint(0, 60)) if r.random() < 0.6 else own_corp(dw)
        look('overbewoning', dw, 'groot_gezin_groot_huis')
    for d in W.inst['student']:
        look('overbewoning', d, 'studentenhuisvesting')
    for d in W.inst['care'] + W.inst['bw']:
        look('overbewoning', d, 'zorginstelling')
    for d in W.inst['shelter']:
        look('overbewoning', d, 'opvang')


def landlord_case(owner_kind, n_units, mode, vuln=None, high_rent=False, hm=None, ub=None, in_area=True,
                  low_income=False):
    r = W.rng
    if owner_kind == 'person':
        owner, home = landlord_person(in_area, low_income)
    else:
        owner, home = landlord_company(), None
    units = []
    for i in range(n_units):
        if mode == 'short':
            dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek'), m2=(40, 80))
        elif mode == 'normal':
            dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek', 'rij'), m2=(40, 110))
        else:
            dw = take(kinds=('studio', 'app_s', 'bb', 'app_m', 'portiek'), m2=(22, 75))
        own_ll(dw, owner, PE - r.randint(2 * 365, 20 * 365), 'auto')
        if mode == 'crowded':
            tgt = r.choice((5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.3)) if i > 0 else r.choice((7, 9, 11.5))
            k = max(2, math.ceil(dw.m2 / tgt))
            while dw.m2 / k >= 12:
                k += 1
            ps = crowd_unit(dw, k, vuln or 'work')
            ob_label(dw, k)
        elif mode == 'short':
            ps = short_stays(dw)
            plant('adresfraude', dw, 'doorgangsadres')
        else:
            hh = new_household(dw, ht=r.choice(('single', 'couple', 'single', 'sparent')),
                               cap=max(1, int(dw.m2 // 22)))
            ps = hh['adults']
        if high_rent:
            corpname = owner.name if isinstance(owner, Company) else 'Verhuurbemiddeling %s' % r.choice(LL_PREF)
            if mode == 'crowded' and ub:
                for p in ps:
                    h = cur_row(p)
                    if h:
                        wc_extra(corpname, dw, p, first_of_month(h[2]), None, round(r.uniform(450, 900), 2), 'nee',
                                 kamer=True)
            else:
                p = ps[0]
                h = cur_row(p) or p.hist[0]
                wc_extra(corpname, dw, p, first_of_month(h[2]), None, round(dw.m2 * r.uniform(38, 70), 2), 'nee')
        units.append((dw, ps))
    for dw, ps in units:
        if hm:
            plant('huisjesmelkerij', dw, hm)
        if ub:
            plant('uitbuiting_zorg', dw, ub)
    if home is not None and hm:
        plant('huisjesmelkerij', home, hm)
    return owner, home, units


def plant_landlords():
    r = W.rng
    for i in range(n_case(2)):
        landlord_case('person', r.randint(3, 5), 'crowded', hm='eigenaar_persoon_overbewoond',
                      in_area=(i % 3 != 2))
    for i in range(n_case(2)):
        landlord_case('company', r.randint(3, 5), 'crowded', hm='eigenaar_bedrijf_overbewoond')
    for i in range(n_case(2)):
        landlord_case('person' if i % 2 == 0 else 'company', r.randint(3, 4), 'short', hm='veel_korte_verblijven')
    for i in range(n_case(2)):
        landlord_case('company', r.randint(2, 4), 'crowded', high_rent=True, hm='hoge_huur')
    # uitbuiting_zorg (care signal); crowded units of vulnerable people
    for i in range(n_case(4)):
        o, home, units = landlord_case('company', 1, 'crowded', vuln='vuln', high_rent=True,
                                       hm='hoge_huur', ub='kwetsbaar_overbewoond_hoge_huur')
    for i in range(n_case(1)):
        landlord_case('person', r.randint(3, 5), 'crowded', vuln='vuln', hm='eigenaar_persoon_overbewoond',
                      ub='verhuurder_persoon_veel_eenheden')
    for i in range(n_case(1)):
        landlord_case('company', r.randint(3, 5), 'crowded', vuln='vuln', hm='eigenaar_bedrijf_overbewoond',
                      ub='verhuurder_bedrijf_veel_eenheden')
    for i in range(n_case(1.5)):
        landlord_case('company', r.randint(2, 4), 'crowded', vuln='lowpay', hm='eigenaar_bedrijf_overbewoond',
                      ub='loon_onder_minimumloon')
    # look-alikes: ordinary small landlords; low-income owner (a vermogen_inkomen matter)
    for i in range(n_case(5)):
        o, home, units = landlord_case('person', r.randint(2, 3), 'normal')
        for dw, _ in units:
            look('huisjesmelkerij', dw, 'gewone_kleine_verhuurder')
        if home:
            look('huisjesmelkerij', home, 'gewone_kleine_verhuurder')
    for i in range(n_case(2.5)):
        o, home, units = landlord_case('person', r.randint(2, 4), 'normal', low_income=True)
        for dw, _ in units:
            look('huisjesmelkerij', dw, 'laag_inkomen_eigenaar')
            plant('vermogen_inkomen', dw, 'bezit_ver_boven_inkomen')
            dw.own_date = PE - r.randint(3 * 365, 12 * 365)
            dw.own_price = market_price(dw, dw.own_date)
        if home:
            look('huisjesmelkerij', home, 'laag_inkomen_eigenaar')
            plant('vermogen_inkomen', home, 'bezit_ver_boven_inkomen')
    # uitbuiting look-alike: families on benefits in suitable homes
    for i in range(n_case(18)):
        dw = take(kinds=('portiek', 'app_m', 'rij'), m2=(75, 130))
        own_corp(dw)
        ht = 'family' if i % 2 == 0 else 'sparent'
        hh = new_household(dw, ht=ht, cap=max(2, int(dw.m2 // 20)), tenure=6)
        a0 = hh['adults'][0]
        if i % 5 == 4:
            a0.role = 'wia'
        else:
            a0.role = 'bij'
            if ht == 'family':
                hh['adults'][1].role = 'bijp'
        look('uitbuiting_zorg', dw, 'gezin_uitkering_passende_woning')


def plant_samenwoon():
    r = W.rng

    def recipient_home(kinds=('app_m', 'portiek', 'bb', 'app_s'), m2=(50, 90)):
        dw = take(kinds=kinds, m2=m2)
        own_corp(dw) if r.random() < 0.7 else own_ll(dw, landlord_person(False)[0])
        return dw

    # (a) bijstand at the single rate while a partner lives there
    for i in range(n_case(5)):
        dw = recipient_home()
        R = adult(r.randint(26, 54))
        s0 = PE - r.randint(3 * 365, 9 * 365)
        add_row(R, dw, s0)
        dw.ten.append([R, s0, None])
        kids = []
        if i % 3 == 1:
            for _ in range(r.randint(1, 2)):
                k = new_person(max(R.birth + 21 * 365, s0 - r.randint(0, 8 * 365)), sur=(R.vv, R.gn))
                k.parents = (R,)
                k.role = 'child'
                add_row(k, dw, max(s0, k.birth))
                kids.append(k)
        R.custom = True
        ben(R, 'bij', min(s0, HS) - r.randint(0, 900), None, norm='parent' if kids else 'single', mode='single_full')
        Q = adult(age_at(R.birth, PE) + r.randint(-5, 5), _opp(R.sex) or 'M')
        t1 = max(s0, HS) + r.randint(200, 1300)
        t1 = min(t1, PE - 150)
        add_row(Q, dw, t1)
        worker(Q, wl=r.uniform(2800, 4200))
        fl = i % 4
        if fl == 0:
            opt(Q, fisc_partner=(R, year_of(t1)))
        elif fl == 1:
            c = new_person(t1 + r.randint(300, max(301, PE - t1 - 30)), sur=(Q.vv, Q.gn))
            if c.birth < PE:
                c.parents = (R, Q)
                c.role = 'child'
                add_row(c, dw, c.birth)
        elif fl == 2:
            opt(Q, toe_partner=(R, year_of(t1) + 1))
        plant('samenwoonfraude', dw, 'bijstand_alleenstaande_met_partner')
    # (b) AOW single rate with a partner at home
    for i in range(n_case(3)):
        dw = recipient_home(kinds=('app_m', 'portiek', 'rij', 'bb'), m2=(55, 110))
        R = adult(r.randint(69, 84))
        s0 = PE - r.randint(8 * 365, 25 * 365)
        add_row(R, dw, s0)
        dw.ten.append([R, s0, None])
        R.custom = True
        R.pension = r.uniform(3000, 15000)
        a = aow_date(R.birth)
        ben(R, 'aow', a, None, mode='single')
        Q = adult(age_at(R.birth, PE) + r.randint(-5, 3), _opp(R.sex) or 'M')
        t1 = min(PE - 150, max(s0, HS) + r.randint(100, 1600))
        add_row(Q, dw, t1)
        Q.custom = True
        Q.pension = r.uniform(2000, 12000)
        qa = aow_date(Q.birth)
        if qa < PE:
            ben(Q, 'aow', qa, None, mode='single')
        if i % 2 == 0:
            opt(Q, fisc_partner=(R, year_of(t1)))
        plant('samenwoonfraude', dw, 'aow_alleenstaand_met_partner')
    # (c) AOW single rate with a sibling at home
    for i in range(n_case(2)):
        dw = recipient_home(kinds=('app_m', 'portiek', 'rij', 'bb'), m2=(55, 110))
        R = adult(r.randint(70, 86))
        S = adult(age_at(R.birth, PE) + r.randint(-6, 6), sur=(R.vv, R.gn))
        s0 = PE - r.randint(8 * 365, 25 * 365)
        add_row(R, dw, s0)
        dw.ten.append([R, s0, None])
        t1 = s0 + r.randint(100, 2000) if i % 2 == 0 else min(PE - 200, HS + r.randint(100, 1500))
        add_row(S, dw, t1)
        for p in (R, S):
            p.custom = True
            p.pension = r.uniform(2000, 14000)
            a = aow_date(p.birth)
            if a < PE:
                ben(p, 'aow', a, None, mode='single')
        plant('samenwoonfraude', dw, 'aow_alleenstaand_met_broer_zus')
    # (d) ANW continued while a new partner lives there
    for i in range(n_case(2)):
        dw = recipient_home(kinds=('app_m', 'portiek', 'rij', 'bb'), m2=(55, 110))
        R = adult(r.randint(47, 62))
        D = adult(age_at(R.birth, PE) + r.randint(-2, 5), _opp(R.sex) or 'M')
        couple(R, D, True)
        s0 = PE - r.randint(9 * 365, 20 * 365)
        dd = r.randint(HS - 3 * 365, HS + 500)
        add_row(R, dw, s0)
        add_row(D, dw, s0, dd)
        D.death, D.exit = dd, 'dead'
        D.role = 'ft'
        D.wl = 3500
        D.hours = 160
        dw.ten.append([D, s0, None])
        R.custom = True
        ben(R, 'anw', end_of_month(dd) + 1, None, amt=round(r.uniform(1250, 1450), 2), mode='keep')
        if i % 2 == 1:
            job(R, HS + 100, None, 900, 60)
        Q = adult(age_at(R.birth, PE) + r.randint(-4, 4), _opp(R.sex) or 'M')
        t1 = min(PE - 150, max(dd + 400, HS + 200) + r.randint(0, 600))
        add_row(Q, dw, t1)
        worker(Q)
        plant('samenwoonfraude', dw, 'anw_met_partner')
    # (e)/(f) fiscal or allowance partner registered elsewhere
    nf, nt = n_case(4), n_case(3)
    for i in range(nf + nt):
        variant = 'fiscaal_partner_elders' if i < nf else 'toeslagpartner_elders'
        A = recipient_home(m2=(40, 80))
        old = (i % 3 == 2)
        R = adult(r.randint(68, 80) if old else r.randint(28, 55))
        s0 = PE - r.randint(3 * 365, 10 * 365)
        add_row(R, A, s0)
        A.ten.append([R, s0, None])
        R.custom = True
        if old:
            R.pension = r.uniform(2000, 9000)
            ben(R, 'aow', aow_date(R.birth), None, mode='honest')
        else:
            ben(R, 'bij', min(s0, HS) - r.randint(0, 900), None, norm='single', mode='honest')
        # partner Q: registered at his/her parents' home (B)
        B = take(kinds=('rij', 'bb', 'portiek', 'app_m', 'groot'), m2=(70, 160))
        qa = r.randint(max(30, age_at(R.birth, PE) - 6), age_at(R.birth, PE) + 4) if not old else r.randint(64, 75)
        Q = adult(qa, _opp(R.sex) or 'M')
        if not old:
            par = adult(qa + r.randint(22, 32), sur=(Q.vv, Q.gn))
            par2 = adult(age_at(par.birth, PE) + r.randint(-4, 4), _opp(par.sex) or 'V')
            couple(par, par2, True)
            sb = PE - r.randint(15 * 365, 35 * 365)
            hh_place(B, 'couple', [par, par2], [], PE, start=sb)
            assign_roles('couple', [par, par2], [], PE)
            Q.parents = (par, par2)
            add_row(Q, B, max(sb, Q.birth))
            worker(Q, wl=r.uniform(2900, 4800))
        else:
            sb = PE - r.randint(5 * 365, 20 * 365)
            add_row(Q, B, sb)
            B.ten.append([Q, sb, None])
            lod = adult(r.randint(35, 60))
            add_row(lod, B, sb + r.randint(100, 900))
            worker(lod)
            Q.role = 'ret'
        own_occ(B, [B.occ[0][0]], B.occ[0][1][2] - 30)
        t_rel = min(PE - 200, max(s0, HS) + r.randint(0, 1200))
        hidden(A, t_rel, None, 1)
        hidden(B, t_rel, None, -1)
        if variant == 'fiscaal_partner_elders':
            side = i % 3
            if side in (0, 2):
                opt(Q, fisc_partner=(R, year_of(t_rel)))
            if side in (1, 2):
                opt(R, fisc_partner=(Q, year_of(t_rel)))
        else:
            if i % 2 == 0:
                opt(R, toe_partner=(Q, year_of(t_rel) + 1))
            else:
                opt(Q, toe_partner=(R, year_of(t_rel) + 1))
        plant('samenwoonfraude', A, variant)
        plant('samenwoonfraude', B, variant)
    # look-alikes -----------------------------------------------------------------------
    for i in range(n_case(5)):    # already on the kostendelersnorm
        dw = take(kinds=('app_m', 'portiek', 'bb', 'rij'), m2=(60, 110))
        own_corp(dw) if i % 2 else own_ll(dw, landlord_person(False)[0])
        R, s0 = single_hh(dw, 28, 60)
        R.custom = True
        ben(R, 'bij', min(s0, HS) - r.randint(0, 600), None, norm='single', mode='honest')
        for _ in range(r.randint(1, 2)):
            hm = adult(r.randint(23, 60))
            add_row(hm, dw, max(s0, HS - 400) + r.randint(0, 900))
            worker(hm, role=r.choice(('ft', 'pt')))
        look('samenwoonfraude', dw, 'kostendelersnorm_al_verlaagd')
    for i in range(n_case(4)):    # adult child at home
        dw = take(kinds=('app_m', 'portiek', 'bb', 'rij'), m2=(60, 110))
        own_corp(dw)
        R = adult(r.randint(45, 62), 'V')
        C = new_person(birth_for_age(r.randint(18, 29)), sur=(R.vv, R.gn))
        C.parents = (R,)
        s0 = PE - r.randint(10 * 365, 20 * 365)
        add_row(R, dw, s0)
        add_row(C, dw, max(s0, C.birth))
        dw.ten.append([R, s0, None])
        R.custom = True
        ben(R, 'bij', min(s0, HS) - r.randint(0, 900), None, norm='auto', mode='honest')
        C.role = r.choice(('student', 'pt'))
        C.wl, C.hours = 2600, 80
        look('samenwoonfraude', dw, 'volwassen_kind')
    for i in range(n_case(3)):    # lodger with a contract
        dw = take(kinds=('app_m', 'portiek', 'bb', 'rij'), m2=(60, 110))
        own_corp(dw)
        R, s0 = single_hh(dw, 35, 60)
        R.custom = True
        ben(R, 'bij', min(s0, HS) - r.randint(0, 600), None, norm='single', mode='honest')
        L = adult(r.randint(20, 32))
        L.lodger = True
        t1 = min(PE - 60, max(s0, HS) + r.randint(0, 1200))
        add_row(L, dw, t1)
        worker(L, role='pt')
        wc_extra(dw.owners[0][0].name, dw, L, first_of_month(t1), None, round(r.uniform(300, 420), 2), 'ja',
                 kamer=True)
        look('samenwoonfraude', dw, 'kamerhuurder_met_contract')
    for i in range(n_case(4)):    # both on AOW at the couple rate
        dw = take(kinds=('app_m', 'portiek', 'rij', 'bb'), m2=(55, 110))
        hh = new_household(dw, ht='elderly_couple')
        for p in hh['adults']:
            p.role = 'ret'
        a, b = hh['adults']
        if aow_date(a.birth) > PE - 400:
            a.birth -= 3 * 365
        if aow_date(b.birth) > PE - 400:
            b.birth -= 3 * 365
        own_occ(dw, hh['adults'], hh['start']) if i % 2 else own_corp(dw)
        look('samenwoonfraude', dw, 'aow_beiden_paartarief')
    for i in range(n_case(4)):    # AOW parent with adult child
        dw = take(kinds=('app_m', 'portiek', 'rij', 'bb'), m2=(55, 110))
        P = adult(r.randint(70, 88))
        C = adult(age_at(P.birth, PE) - r.randint(24, 38), sur=(P.vv, P.gn))
        C.parents = (P,)
        s0 = PE - r.randint(15 * 365, 30 * 365)
        add_row(P, dw, s0)
        add_row(C, dw, max(s0, C.birth) if i % 2 else PE - r.randint(300, 2000))
        dw.ten.append([P, s0, None])
        P.role = 'ret'
        worker(C, role=r.choice(('ft', 'pt')))
        own_occ(dw, [P], s0) if i % 2 else own_corp(dw)
        look('samenwoonfraude', dw, 'aow_ouder_met_volwassen_kind')


def plant_adresfraude():
    r = W.rng
    # (a) registered where nobody lives
    for i in range(n_case(6)):
        dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek', 'rij'), m2=(40, 100))
        own_ll(dw, landlord_person(False)[0]) if i % 3 else own_corp(dw)
        t0 = PE - r.randint(500, 2000)
        k = r.choice((1, 2, 2, 3, 4))
        ps = []
        for j in range(k):
            p = adult(r.randint(22, 60))
            w = 0.0 if i % 6 != 5 else 0.35      # one case near the threshold
            add_row(p, dw, t0 + (0 if j == 0 else r.randint(0, 200)), None, 'W', w)
            if j == 0 and i % 2 == 0:
                p.custom = True
                ben(p, 'bij', t0 + r.randint(30, 200), None, norm='single', mode='honest')
            else:
                worker(p)
            ps.append(p)
        dw.ten.append([ps[0], t0, None])
        dw.fill_end = t0 - r.randint(0, 60)
        plant('adresfraude', dw, 'ingeschreven_niemand_woont')
    # (b) doorgangsadres (single unit, not part of a portfolio)
    for i in range(n_case(5)):
        dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek'), m2=(40, 85))
        own_ll(dw, landlord_person(False)[0])
        if i % 5 == 4:
            short_stays(dw, lanes=1, stay=(90, 240))     # fewer, longer stays: near a threshold
        else:
            short_stays(dw)
        plant('adresfraude', dw, 'doorgangsadres')
    # (c) frequent movers: every address involved
    for i in range(n_case(3)):
        p = adult(r.randint(22, 45))
        worker(p, wl=r.uniform(2400, 3200))
        nmov = (4, 6, 7)[i % 3]
        t = PE - r.randint(nmov * 150 + 100, min(2300, nmov * 300 + 200))
        for j in range(nmov):
            dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek', 'rij', 'studio'), m2=(30, 110))
            host, hs = single_hh(dw, 25, 70, start=t - r.randint(200, 3000))
            own_ll(dw, landlord_person(False)[0]) if j % 2 else own_corp(dw)
            stay = r.randint(60, 260)
            e = t + stay
            last = (j == nmov - 1)
            add_row(p, dw, t, None if last else e)
            plant('adresfraude', dw, 'frequente_verhuizer')
            t = e + r.randint(0, 20)
    # (d) returns from "vertrokken onbekend waarheen": a gap while the person's traces stay at the address
    for i in range(n_case(4)):
        A = take(kinds=('app_s', 'app_m', 'portiek', 'bb'), m2=(35, 80))
        own_corp(A)
        p = adult(r.randint(24, 55))
        t0 = PE - r.randint(5 * 365, 9 * 365)
        t1 = r.randint(HS + 100, PE - 4 * 365 // 2 - 400)
        add_row(p, A, t0, t1)
        A.ten.append([p, t0, t1 + 60])
        gap = r.randint(300, 700)
        t2 = t1 + gap
        nxt = new_household(A, start=t1 + r.randint(30, 120), ht='single')
        B = take(kinds=('studio', 'app_s', 'app_m'), m2=(25, 70))
        own_ll(B, landlord_person(False)[0])
        add_row(p, B, t2, None)
        B.fill_end = t2 - r.randint(0, 40)
        worker(p, wl=r.uniform(2300, 3000))
        gy = {}
        for y in range(year_of(t1), year_of(t2) + 1):
            if YS[y] > t1 or YE[y] < t2:
                gy[y] = [A]
        p.tax_over = gy
        opt(p, toe_dw={y: A for y in gy}, extra_years=set(gy))
        plant('adresfraude', A, 'terugkeer_vow')
        plant('adresfraude', B, 'terugkeer_vow')
    # (e) tax / allowance address differs from the BRP
    for i in range(n_case(5)):
        Y = take(kinds=('rij', 'bb', 'portiek', 'app_m', 'groot'), m2=(70, 160))
        par = adult(r.randint(50, 75))
        sb = PE - r.randint(15 * 365, 30 * 365)
        hh_place(Y, 'single', [par], [], PE, start=sb)
        assign_roles('single', [par], [], PE)
        own_occ(Y, [par], sb)
        p = adult(r.randint(23, 40), sur=(par.vv, par.gn))
        p.parents = (par,)
        add_row(p, Y, max(sb, p.birth))
        worker(p)
        X = take(kinds=('studio', 'app_s', 'app_m', 'bb'), m2=(25, 75))
        own_ll(X, landlord_person(False)[0])
        t = PE - r.randint(500, 1800)
        X.fill_end = t - r.randint(0, 60)
        X.nofill = False
        hidden(X, t, None, 1)
        hidden(Y, t, None, -1)
        ys = [y for y in YEARS if YE[y] > t]
        if i % 2 == 0:
            ys = ys[:max(1, len(ys) - 1)]
        p.tax_over = {y: [X] for y in ys}
        opt(p, toe_dw={y: X for y in range(year_of(t), 2027)})
        plant('adresfraude', X, 'fiscaal_adres_afwijkend')
        plant('adresfraude', Y, 'fiscaal_adres_afwijkend')
    # look-alikes -----------------------------------------------------------------------
    for i in range(n_case(7)):     # vacant between tenants
        dw = take(kinds=('app_s', 'app_m', 'portiek', 'bb', 'rij'), m2=(40, 110))
        own_corp(dw) if i % 2 else own_ll(dw, landlord_person(False)[0])
        y = r.choice((2021, 2022, 2023, 2024))
        ve = YS[y] + r.randint(30, 120)
        vacancy = r.randint(180, 330)
        s_new = ve + vacancy
        new_household(dw, start=s_new, ht=r.choice(('single', 'couple')))
        dw.fill_end = ve
        look('adresfraude', dw, 'leegstand_tussen_huurders')
    for i in range(n_case(7)):     # moved in during or after the consumption year
        dw = take(kinds=('app_m', 'portiek', 'rij', 'bb'), m2=(70, 130))
        own_corp(dw) if i % 2 else own_occ(dw, [], None)
        y = r.choice((2022, 2023, 2024))
        s_new = YE[y] - r.randint(0, 60) if i % 2 == 0 else YS[y + 1] + r.randint(0, 80)
        hh = new_household(dw, start=s_new, ht='family', cap=max(3, int(dw.m2 // 15)))
        if dw.tenure == 'occ':
            own_occ(dw, hh['adults'][:2], s_new - r.randint(10, 60))
        dw.fill_end = s_new - r.randint(150, 330)
        look('adresfraude', dw, 'verhuisd_tijdens_of_na_verbruiksjaar')
    for i in range(n_case(6)):     # long stays abroad with the home kept
        dw = take(kinds=('app_m', 'rij', 'bb', 'groot'), m2=(60, 150))
        hh = new_household(dw, ht=r.choice(('elderly_couple', 'single')), start=PE - r.randint(16 * 365, 35 * 365))
        for p in hh['adults']:
            if age_at(p.birth, PE) < 68:
                p.birth -= (70 - age_at(p.birth, PE)) * 365
            p.role = 'ret'
        own_occ(dw, hh['adults'], hh['start'])
        ys = sorted(r.sample(YEARS, r.randint(2, 4)))
        for y in ys:
            umod(dw, y, 'presence', r.uniform(0.35, 0.55))
        look('adresfraude', dw, 'lang_verblijf_buitenland')
    for i in range(n_case(5)):     # tax address of year Y at the old address, moved early in Y+1
        A = take(kinds=('app_s', 'app_m', 'portiek', 'bb'), m2=(35, 80))
        B = take(kinds=('app_m', 'portiek', 'rij', 'bb'), m2=(50, 110))
        own_corp(A)
        own_ll(B, landlord_person(False)[0])
        p = adult(r.randint(24, 50))
        y = r.choice((2021, 2022, 2023, 2024))
        t = YS[y + 1] + r.randint(20, 100)
        s0 = t - r.randint(700, 3000)
        add_row(p, A, s0, t)
        A.ten.append([p, s0, t])
        add_row(p, B, t, None)
        B.ten.append([p, t, None])
        B.fill_end = t - r.randint(0, 40)
        new_household(A, start=t + r.randint(20, 90), ht='single')
        worker(p)
        look('adresfraude', A, 'fiscaal_adres_voor_verhuizing')
        look('adresfraude', B, 'fiscaal_adres_voor_verhuizing')


def plant_onderverhuur():
    r = W.rng

    def tenant_home():
        dw = take(kinds=('app_m', 'portiek', 'bb', 'app_s'), m2=(45, 90))
        own_corp(dw)
        return dw

    def subtenants(dw, t, n):
        for _ in range(n):
            q = adult(r.randint(20, 45))
            add_row(q, dw, t + r.randint(0, 120))
            worker(q, wl=r.uniform(2300, 3200))

    for i in range(n_case(5)):       # tenant registered elsewhere
        v = tenant_home()
        T = adult(r.randint(30, 60))
        s0 = PE - r.randint(6 * 365, 15 * 365)
        t1 = r.randint(HS + 200, PE - 400)
        add_row(T, v, s0, t1)
        v.ten.append([T, s0, None])
        B = take(kinds=('rij', 'app_m', 'groot', 'bb'), m2=(70, 160))
        add_row(T, B, t1)
        worker(T, wl=r.uniform(3000, 5000))
        if i % 2 == 0:
            P = adult(age_at(T.birth, PE) + r.randint(-5, 5), _opp(T.sex) or 'V')
            couple(T, P)
            add_row(P, B, t1)
            worker(P)
            own_occ(B, [T, P], t1 - r.randint(0, 30))
        else:
            own_occ(B, [T], t1 - r.randint(0, 30))
        B.fill_end = t1 - r.randint(0, 60)
        subtenants(v, t1 + r.randint(5, 60), r.randint(1, 3))
        plant('onderverhuur', v, 'huurder_elders_ingeschreven')
        plant('onderverhuur', B, 'huurder_elders_ingeschreven')
    ne, nv = n_case(3), n_case(3)
    for i in range(ne + nv):       # emigrated / vertrokken onbekend waarheen
        v = tenant_home()
        T = adult(r.randint(25, 60))
        s0 = PE - r.randint(5 * 365, 15 * 365)
        t1 = r.randint(HS + 100, PE - 300)
        add_row(T, v, s0, t1)
        T.exit = 'emig' if i < ne else 'vow'
        v.ten.append([T, s0, None])
        worker(T)
        subtenants(v, t1 + r.randint(0, 60), r.randint(1, 3))
        plant('onderverhuur', v, 'huurder_geemigreerd' if i < ne else 'huurder_vow')
    for i in range(n_case(4)):       # tenant's tax address elsewhere
        v = tenant_home()
        T = adult(r.randint(28, 55))
        s0 = PE - r.randint(5 * 365, 12 * 365)
        add_row(T, v, s0)
        v.ten.append([T, s0, None])
        worker(T, wl=r.uniform(2800, 4500))
        X = take(kinds=('rij', 'app_m', 'bb'), m2=(60, 130))
        P = adult(age_at(T.birth, PE) + r.randint(-5, 5), _opp(T.sex) or 'V')
        sx = PE - r.randint(4 * 365, 12 * 365)
        add_row(P, X, sx)
        X.ten.append([P, sx, None])
        worker(P)
        own_occ(X, [P], sx - 20)
        t1 = max(HS, s0) + r.randint(100, 1200)
        subtenants(v, t1, r.randint(1, 2))
        hidden(v, t1, None, -1)
        hidden(X, t1, None, 1)
        T.tax_over = {y: [X] for y in YEARS if YE[y] > t1}
        opt(T, toe_dw={y: X for y in range(year_of(t1) + 1, 2027)})
        plant('onderverhuur', v, 'huurder_fiscaal_adres_elders')
        plant('onderverhuur', X, 'huurder_fiscaal_adres_elders')
    # look-alikes: tenant died (contract ends); tenant in care with partner at home
    for i in range(n_case(8)):
        v = tenant_home()
        T = adult(r.randint(72, 92))
        s0 = PE - r.randint(15 * 365, 35 * 365)
        td = r.randint(HS + 100, PE - 90)
        add_row(T, v, s0, td)
        T.death, T.exit = td, 'dead'
        T.role = 'ret'
        cend = end_of_month(td + r.randint(0, 45))
        v.ten.append([T, s0, cend])
        if i % 2 == 0:
            P = adult(age_at(T.birth, PE) + r.randint(-6, 2), _opp(T.sex) or 'V')
            couple(T, P, True)
            add_row(P, v, s0)
            P.role = 'ret'
            v.ten.append([P, cend + 1, None])
        else:
            ns = cend + r.randint(20, 120)
            if ns < PE - 10:
                new_household(v, start=ns, ht='single')
        look('onderverhuur', v, 'huurder_overleden')
    for i in range(n_case(8)):
        v = tenant_home()
        T = adult(r.randint(76, 92))
        P = adult(age_at(T.birth, PE) + r.randint(-8, 2), _opp(T.sex) or 'V')
        couple(T, P, True)
        s0 = PE - r.randint(15 * 365, 35 * 365)
        t1 = r.randint(HS + 100, PE - 60)
        add_row(T, v, s0, t1)
        add_row(P, v, s0)
        care = r.choice(W.inst['care'])
        add_row(T, care, t1)
        T.role = P.role = 'ret'
        v.ten.append([T, s0, None])
        look('onderverhuur', v, 'huurder_in_zorg_partner_thuis')
        look('samenwoonfraude', v, 'partner_in_zorginstelling')


def plant_hennep():
    r = W.rng
    for i in range(n_case(12)):
        dw = take(kinds=('rij', 'bb', 'app_m', 'groot', 'portiek'), m2=(55, 150))
        own_ll(dw, landlord_person(False)[0]) if i % 3 else own_occ(dw, [], None)
        y0 = r.choice((2020, 2021, 2022, 2023, 2024))
        ln = r.randint(1, 3)
        f = (1.2, 1.6, 2.2, 3.5, 5.0, 8.0)[i % 6]
        if i % 6 == 5:       # nobody registered while the farm ran
            dw.fill_end = YS[y0] - r.randint(30, 200)
            for y in range(y0, min(2025, y0 + ln - 1) + 1):
                umod(dw, y, 'add_e', r.uniform(15000, 45000))
            if dw.tenure == 'occ':
                dw.tenure = None
        else:
            hh = new_household(dw, ht=r.choice(('single', 'couple', 'family', 'single')), start=YS[y0] - r.randint(100, 3000))
            if dw.tenure == 'occ':
                own_occ(dw, hh['adults'][:1], hh['start'])
            for y in range(y0, min(2025, y0 + ln - 1) + 1):
                umod(dw, y, 'e_mult_add', f)
        if i % 3 == 0:
            W.pol_plant.append(('hennepteelt', dw, min(PE - 5, YE[min(2025, y0 + ln - 1)] - r.randint(0, 200)), True))
        plant('hennepteelt', dw, 'stroomverbruik_hoog')
    for i in range(n_case(8)):
        dw = take(kinds=('rij', 'bb', 'app_m', 'groot', 'portiek'), m2=(55, 150))
        own_ll(dw, landlord_person(False)[0]) if i % 2 else own_corp(dw)
        hh = new_household(dw, ht=r.choice(('single', 'couple', 'family')), start=PE - r.randint(700, 4000))
        t = r.randint(max(HS, hh['start']) + 60, PE - 10)
        W.pol_plant.append(('hennepteelt', dw, t, i % 2 == 0))
        if i % 3 == 0:
            umod(dw, year_of(t) if year_of(t) < 2026 else 2025, 'e_mult_add', 0.4)
        plant('hennepteelt', dw, 'politieregistratie')
    # look-alikes
    for i in range(n_case(8)):
        dw = take(kinds=('rij', 'groot'), m2=(100, 220))
        dw.heat = 'hp' if i % 2 == 0 else 'elec'
        hh = new_household(dw, ht='family', cap=6)
        own_occ(dw, hh['adults'][:2], hh['start'])
        look('hennepteelt', dw, 'warmtepomp_elektrische_verwarming')
    for i in range(n_case(6)):
        dw = take(kinds=('rij', 'groot', 'bb'), m2=(90, 220))
        hh = new_household(dw, ht=r.choice(('couple', 'family')))
        own_occ(dw, hh['adults'][:2], hh['start'])
        dw.ev = r.choice((2020, 2021, 2022, 2023, 2024))
        look('hennepteelt', dw, 'laadpaal_ev')
    lst = [d for d in W.dws if d.tag in ('industry', 'shop', 'office') and not d.inst]
    W.rng.shuffle(lst)
    for d in lst[:n_case(6)]:
        d.nonres_factor = r.uniform(1.6, 3.0)
        look('hennepteelt', d, 'bedrijfspand')


def plant_briefadres():
    r = W.rng
    for i in range(n_case(8)):
        dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek', 'rij'), m2=(40, 100))
        own_ll(dw, landlord_person(False)[0]) if i % 2 else own_corp(dw)
        new_household(dw, ht=r.choice(('single', 'single', 'couple')))
        n = (3, 3, 4, 5, 6, 8, 10, 4)[i % 8]
        t0 = PE - r.randint(400, 1600)
        for j in range(n):
            p = adult(r.randint(20, 60))
            s = t0 + r.randint(0, 250)
            e = s + r.randint(120, 900)
            add_row(p, dw, s, None if e >= PE - 5 else e, 'B')
            if e < PE - 5:
                p.exit = 'out'
            p.role = r.choice(('pt', 'none', 'ft'))
            p.wl, p.hours = 2500, 80
            opt(p, toe_none=True)
        plant('briefadresmisbruik', dw, 'veel_briefadressen')
    for i in range(n_case(8)):
        dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek', 'rij'), m2=(40, 100))
        own_ll(dw, landlord_person(False)[0]) if i % 2 else own_corp(dw)
        new_household(dw, ht=r.choice(('single', 'couple')))
        for j in range(1 if i % 3 else 2):
            p = adult(r.randint(22, 55))
            s = PE - r.randint(300, 1800)
            add_row(p, dw, s, None, 'B')
            p.role = 'pt'
            p.wl, p.hours = 2400, 70
            ys = [y for y in TYEARS if YE[y] >= s]
            opt(p, toe_force=[('huurtoeslag', ys, dw, 0), ('zorgtoeslag', ys, dw, None)])
        plant('briefadresmisbruik', dw, 'briefadres_met_toeslagen')
    for d in W.inst['shelter'] + W.inst['post']:
        look('briefadresmisbruik', d, 'opvang_of_zorginstelling')
    for i in range(n_case(15)):
        dw = take(kinds=('rij', 'bb', 'portiek', 'app_m', 'groot'), m2=(70, 160))
        hh = new_household(dw, ht=r.choice(('couple', 'elderly_couple', 'single')))
        par = hh['adults'][0]
        c = adult(r.randint(19, 40), sur=(par.vv, par.gn))
        c.parents = (par,)
        s = PE - r.randint(90, 1500)
        e = s + r.randint(90, 540)
        add_row(c, dw, s, None if e >= PE - 5 else e, 'B')
        if e < PE - 5:
            c.exit = 'out'
        c.role = r.choice(('ft', 'none'))
        opt(c, toe_none=True)
        own_occ(dw, hh['adults'][:1], hh['start']) if i % 2 else own_corp(dw)
        look('briefadresmisbruik', dw, 'enkel_briefadres_bij_familie')


SHADY_NAMES = ['Holding', 'Trading', 'Import Export', 'Consultancy', 'Services', 'Logistics', 'Uitzendbureau',
               'Schoonmaak', 'Bouw', 'Transport', 'Handelsonderneming', 'Investments', 'Global', 'Media',
               'Detachering', 'Klusbedrijf', 'Koeriers', 'Facilitair']


def shady_company(dw, s, e=None, resident=None):
    r = W.rng
    rv = r.choice(('bv', 'bv', 'bv', 'eenmanszaak', 'vof', 'overig'))
    nm = '%s %s' % (r.choice(LL_PREF + ['Amsterdam', 'Euro', 'Prime', 'Royal', 'Star', 'Smart', 'Quick']),
                    r.choice(SHADY_NAMES))
    if rv == 'bv':
        nm += ' B.V.'
    c = new_company(nm, rv, r.choice(SBI_SHADY))
    owner = None
    if rv == 'eenmanszaak':
        owner = resident.bsn if resident is not None else new_bsn()
    c.vest.append([new_vestnr(), dw, s, e, owner])
    return c


def plant_ondermijning():
    r = W.rng
    for i in range(n_case(8)):
        dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek', 'rij'), m2=(35, 110))
        own_ll(dw, landlord_person(False)[0]) if i % 2 else own_corp(dw)
        new_household(dw, ht=r.choice(('single', 'couple', 'shared')))
        n = (3, 4, 5, 7, 10, 15, 20, 6)[i % 8]
        for j in range(n):
            shady_company(dw, PE - r.randint(30, 1500))
        plant('ondermijning_bedrijfsadres', dw, 'veel_bedrijven_woonadres')
    for i in range(n_case(6)):
        dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek', 'rij'), m2=(35, 110))
        own_ll(dw, landlord_person(False)[0])
        new_household(dw, ht=r.choice(('single', 'couple')))
        t = PE - r.randint(1200, 2200)
        for j in range(r.randint(3, 8)):
            d = r.randint(60, 330)
            e = t + d
            shady_company(dw, t, e if e < PE - 5 else None)
            t = e - r.randint(0, 60) if r.random() < 0.4 else e + r.randint(0, 120)
            if t > PE - 40:
                break
        plant('ondermijning_bedrijfsadres', dw, 'kortlevende_bedrijven')
    for i in range(n_case(6)):
        dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek', 'rij'), m2=(35, 110))
        own_ll(dw, landlord_person(False)[0])
        new_household(dw, ht=r.choice(('single', 'couple')))
        for j in range(r.randint(2, 5)):
            shady_company(dw, PE - r.randint(60, 1400))
        for j in range(r.randint(1, 3)):
            W.pol_plant.append((r.choice(('drugshandel', 'mensenhandel', 'overig')), dw,
                                PE - r.randint(10, 1200), r.random() < 0.6))
        plant('ondermijning_bedrijfsadres', dw, 'politieregistraties')
    for d in W.inst['bc']:
        for j in range(r.randint(15, 60)):
            rv = r.choice(('bv', 'bv', 'eenmanszaak', 'vof', 'stichting', 'bv'))
            c = new_company('%s %s%s' % (r.choice(LL_PREF + ['Nova', 'Vita', 'Blue', 'Green', 'Bright']),
                                         r.choice(['Advies', 'Design', 'IT', 'Legal', 'Finance', 'Media', 'Care',
                                                   'Studio', 'Solutions', 'Partners']),
                                         ' B.V.' if rv == 'bv' else ''), rv, r.choice(SBI_OFFICE))
            s = PE - r.randint(30, 4000)
            e = s + r.randint(200, 2000) if r.random() < 0.25 else None
            c.vest.append([new_vestnr(), d, s, e if e and e < PE else None,
                           new_bsn() if rv == 'eenmanszaak' else None])
        look('ondermijning_bedrijfsadres', d, 'bedrijfsverzamelgebouw')
    for i in range(n_case(14)):
        dw = take(kinds=('app_m', 'bb', 'portiek', 'rij', 'groot'), m2=(55, 160))
        hh = new_household(dw, ht=r.choice(('single', 'couple', 'family')))
        z = hh['adults'][0]
        z.role = 'zzp'
        opt(z, kvk_home=True)
        own_occ(dw, hh['adults'][:1], hh['start']) if i % 2 else own_ll(dw, landlord_person(False)[0])
        look('ondermijning_bedrijfsadres', dw, 'zzp_aan_huis')


def low_income_job(p, s, level):
    """custom low declared income: part-time at about the minimum wage"""
    p.custom = True
    if level == 'none':
        return
    job(p, s, None, 0, W.rng.randint(40, 80), low=1.05, vg=False)


def plant_vermogen():
    r = W.rng
    for i in range(n_case(6)):       # bought far above declared income
        second = (i % 3 == 2)
        dw = take(kinds=('rij', 'groot', 'app_m', 'bb'), m2=(75, 200))
        t = r.randint(O(2021, 1, 1), O(2025, 10, 1))
        price = market_price(dw, t)
        if i % 6 == 5:
            price = round(price * 0.6, -3)          # nearer a plausible threshold
        if second:
            H = take(kinds=('app_m', 'portiek', 'bb'), m2=(50, 90))
            own_corp(H)
            buyer, s0 = single_hh(H, 30, 60, start=PE - r.randint(2000, 5000))
            low_income_job(buyer, min(s0, HS - 200), 'pt')
            new_household(dw, start=t + r.randint(30, 120), ht=r.choice(('single', 'couple')))
            own_ll(dw, buyer, t, price)
            plant('vermogen_inkomen', H, 'koop_ver_boven_inkomen')
        else:
            p1 = adult(r.randint(28, 55))
            buyers = [p1]
            add_row(p1, dw, t + r.randint(0, 40))
            low_income_job(p1, HS - 300, 'pt')
            if i % 2 == 0:
                p2 = adult(age_at(p1.birth, PE) + r.randint(-4, 4), _opp(p1.sex) or 'V')
                couple(p1, p2)
                add_row(p2, dw, cur_row(p1)[2])
                low_income_job(p2, HS - 300, 'none' if i % 4 == 0 else 'pt')
                buyers.append(p2)
            dw.fill_end = t - r.randint(10, 120)
            own_occ(dw, buyers, t, price)
        plant('vermogen_inkomen', dw, 'koop_ver_boven_inkomen')
    for i in range(n_case(5)):       # property held while on bijstand
        H = take(kinds=('app_m', 'portiek', 'bb', 'app_s'), m2=(40, 85))
        R, s0 = single_hh(H, 30, 62)
        R.custom = True
        ben(R, 'bij', min(s0, HS) - r.randint(0, 900), None, norm='single', mode='honest')
        if i % 2 == 0:
            own_corp(H)
            P = take(kinds=('app_s', 'app_m', 'bb', 'rij'), m2=(40, 100))
            d = r.randint(O(2008, 1, 1), O(2024, 6, 1))
            own_ll(P, R, d, market_price(P, d))
            new_household(P, ht=r.choice(('single', 'couple')))
            plant('vermogen_inkomen', P, 'bezit_tijdens_bijstand')
        else:
            own_occ(H, [R], s0 - 20, market_price(H, s0))
        plant('vermogen_inkomen', H, 'bezit_tijdens_bijstand')
    # look-alikes ---------------------------------------------------------------------
    for i in range(n_case(5)):       # inheritance (no purchase price)
        H = take(kinds=('app_m', 'rij', 'bb', 'portiek'), m2=(55, 130))
        p, s0 = single_hh(H, 45, 80)
        if age_at(p.birth, PE) >= 67:
            p.role = 'ret'
        else:
            low_income_job(p, HS - 200, 'pt')
        d = r.randint(HS, PE - 100)
        if i % 2 == 0:
            own_occ(H, [p], d, None)
        else:
            own_corp(H)
            P = take(kinds=('app_m', 'rij', 'bb'), m2=(55, 120))
            own_ll(P, p, d, None)
            new_household(P, ht='single')
            look('vermogen_inkomen', P, 'erfenis')
        look('vermogen_inkomen', H, 'erfenis')
    for i in range(n_case(5)):       # old purchase at old prices
        H = take(kinds=('rij', 'bb', 'app_m', 'groot'), m2=(70, 160))
        d = O(r.randint(1978, 2000), r.randint(1, 12), 1)
        hh = new_household(H, ht=r.choice(('elderly_couple', 'single')), start=d + r.randint(0, 40))
        for p in hh['adults']:
            if age_at(p.birth, PE) < 70:
                p.birth -= (72 - age_at(p.birth, PE)) * 365
            p.role = 'ret'
            p.pension = r.uniform(2000, 9000)
            opt(p, no_box3=True, pension_fixed=True)
        own_occ(H, hh['adults'], d, round(H.m2 * price_m2(year_of(d)) * PRICE_FACTOR[H.bu.prof], -3))
        look('vermogen_inkomen', H, 'oude_aankoop')
    for i in range(n_case(4)):       # large box 3 wealth
        H = take(kinds=('rij', 'groot', 'app_m'), m2=(80, 200))
        t = r.randint(O(2021, 1, 1), O(2025, 10, 1))
        p = adult(r.randint(40, 66))
        add_row(p, H, t + r.randint(0, 30))
        H.fill_end = t - r.randint(10, 90)
        low_income_job(p, HS - 300, 'pt' if i % 2 else 'none')
        p.box3 = round(r.uniform(9e5, 3.5e6), -3)
        own_occ(H, [p], t, market_price(H, t))
        look('vermogen_inkomen', H, 'groot_box3_vermogen')
    for i in range(n_case(5)):       # buyer with a partner's income
        H = take(kinds=('rij', 'groot', 'app_m'), m2=(90, 220))
        t = r.randint(O(2021, 1, 1), O(2025, 10, 1))
        b = adult(r.randint(28, 55))
        q = adult(age_at(b.birth, PE) + r.randint(-4, 4), _opp(b.sex) or 'M')
        couple(b, q, True)
        st = t + r.randint(0, 40)
        add_row(b, H, st)
        add_row(q, H, st)
        H.fill_end = t - r.randint(10, 90)
        low_income_job(b, HS - 300, 'none' if i % 2 else 'pt')
        worker(q, wl=r.uniform(11000, 18000), hours=170)
        own_occ(H, [b], t, market_price(H, t))
        look('vermogen_inkomen', H, 'partner_inkomen')


def plant_uitkering():
    r = W.rng
    for i in range(n_case(8)):
        dw = take(kinds=('app_s', 'app_m', 'portiek', 'bb'), m2=(35, 85))
        own_corp(dw)
        R, s0 = single_hh(dw, 25, 60)
        R.custom = True
        if i % 4 == 3:
            hm = adult(r.randint(25, 60))
            add_row(hm, dw, max(s0, HS - 300) + r.randint(0, 300))
            worker(hm)
        bs = min(s0, HS) - r.randint(0, 700)
        ben(R, 'bij', bs, None, norm='single', mode='nored')
        k = (1, 1, 2, 3, 5, 8, 12, 4)[i % 8]
        m0 = r.randint(month_of(HS + 400), NMON - k - 2)
        js = MON[m0][2] + r.randint(0, 5)
        je = MON[m0 + k - 1][3] - r.randint(0, 5)
        w = r.choice((160, 350, 700, 1100, 1600))
        job(R, js, je, w, max(8, int(w / r.uniform(14.5, 19))), vg=False)
        plant('uitkering_en_loon', dw, 'bijstand_volledig_met_loon')
    for i in range(n_case(6)):
        dw = take(kinds=('app_s', 'app_m', 'portiek', 'bb', 'rij'), m2=(35, 110))
        own_corp(dw) if i % 2 else own_ll(dw, landlord_person(False)[0])
        R, s0 = single_hh(dw, 25, 60)
        R.custom = True
        base = r.uniform(2600, 4200)
        t = r.randint(HS + 300, PE - 500)
        t = first_of_month(t) + r.randint(4, 24)
        job(R, min(s0, HS) - 300, t, base, 165, final=base * r.uniform(0.2, 0.7))
        wl = r.randint(180, 420)
        ben(R, 'ww', t + 1, t + wl, amt=round(0.7 * base * WAGE_IDX[year_of(t)], 2), mode='nored')
        js = t + r.randint(40, wl - 35)
        job(R, js, None, base * r.uniform(0.4, 1.0), r.randint(60, 165))
        plant('uitkering_en_loon', dw, 'ww_volledig_met_loon')
    for i in range(n_case(5)):
        dw = take(kinds=('app_s', 'app_m', 'portiek', 'bb', 'rij'), m2=(35, 110))
        own_corp(dw) if i % 2 else own_ll(dw, landlord_person(False)[0])
        R, s0 = single_hh(dw, 22, 60)
        R.custom = True
        base = r.uniform(2300, 3500)
        t = first_of_month(r.randint(HS + 300, PE - 400)) + r.randint(4, 24)
        job(R, min(s0, HS) - 300, t, base, 160)
        zl = r.randint(90, 240)
        ben(R, 'zw', t + 1, t + zl, amt=round(0.7 * base * WAGE_IDX[year_of(t)], 2), mode='nored')
        js = t + r.randint(25, zl - 25)
        job(R, js, None, base, r.randint(100, 165))
        plant('uitkering_en_loon', dw, 'zw_volledig_met_loon')
    # look-alikes
    for i in range(n_case(7)):
        dw = take(kinds=('app_s', 'app_m', 'portiek', 'bb', 'rij'), m2=(35, 110))
        own_corp(dw) if i % 2 else own_ll(dw, landlord_person(False)[0])
        R, s0 = single_hh(dw, 25, 60)
        R.custom = True
        base = r.uniform(2600, 4200)
        t = first_of_month(r.randint(HS + 300, PE - 300)) + r.randint(6, 22)
        job(R, min(s0, HS) - 300, t, base, 165, final=base * r.uniform(1.0, 2.5))
        we = t + r.randint(120, 360)
        ben(R, 'ww', t + 1, we if we < PE else None, amt=round(0.7 * base * WAGE_IDX[year_of(t)], 2), mode='honest')
        if we < PE - 30:
            job(R, we + 1, None, base, 165)
        look('uitkering_en_loon', dw, 'eindafrekening_eerste_ww_maand')
    for i in range(n_case(7)):
        dw = take(kinds=('app_s', 'app_m', 'portiek', 'bb'), m2=(35, 90))
        own_corp(dw)
        R, s0 = single_hh(dw, 25, 60)
        R.custom = True
        if i % 3 == 2:
            hm = adult(r.randint(25, 60))
            add_row(hm, dw, max(s0, HS - 300) + r.randint(0, 300))
            worker(hm)
        ben(R, 'bij', min(s0, HS) - r.randint(0, 700), None, norm='single', mode='honest')
        m0 = r.randint(month_of(HS + 200), NMON - 20)
        k = r.randint(3, 18)
        job(R, MON[m0][2], MON[m0 + k][3], r.randint(300, 1100), r.randint(30, 90), vg=False)
        look('uitkering_en_loon', dw, 'bijstand_al_gekort')
    for i in range(n_case(7)):
        dw = take(kinds=('app_s', 'app_m', 'portiek', 'bb', 'rij'), m2=(35, 110))
        own_corp(dw) if i % 2 else own_ll(dw, landlord_person(False)[0])
        R, s0 = single_hh(dw, 25, 60)
        R.custom = True
        if i % 2 == 0:
            ben(R, 'wia', min(s0, HS) - r.randint(0, 2000), None, amt=round(r.uniform(1200, 2200), 2))
        else:
            R.birth = max(R.birth, PE - 40 * 365)
            ben(R, 'wajong', max(add_years(R.birth, 18), HS - 2000), None, amt=round(r.uniform(1050, 1300), 2))
        job(R, HS + r.randint(0, 800), None, r.randint(700, 1500), r.randint(50, 100))
        look('uitkering_en_loon', dw, 'wia_wajong_deeltijd')


PROJECT_CATS = ['woonoverlast', 'verdachte_bewoning', 'onderverhuur', 'overbewoning', 'drugsoverlast']


def plant_meldingen():
    r = W.rng
    for i in range(n_case(12)):
        dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek', 'rij'), m2=(35, 120))
        own_corp(dw) if i % 2 else own_ll(dw, landlord_person(False)[0])
        new_household(dw, ht=r.choice(('single', 'couple', 'shared', 'family')))
        n = (3, 3, 4, 5, 6, 7)[i % 6]
        span = r.randint(30, 240) if i % 6 else r.randint(150, 200)
        W.mel_plant.append(('cluster', dw, n, PE - r.randint(span + 5, 2000), span))
        plant('meldingen_cluster', dw, 'meerdere_meldingen')
    # look-alikes: renovation, care institutions, one resident reporting the same thing
    for i in range(n_case(8)):
        dw = take(kinds=('rij', 'bb', 'groot', 'app_m'), m2=(70, 200))
        t = r.randint(HS + 200, PE - 100)
        hh = new_household(dw, start=t + r.randint(20, 90), ht=r.choice(('couple', 'family')))
        dw.fill_end = t - r.randint(0, 60)
        own_occ(dw, hh['adults'][:2], t)
        W.mel_plant.append(('verbouwing', dw, r.randint(3, 5), t - 10, r.randint(30, 100)))
        look('meldingen_cluster', dw, 'verbouwingsoverlast')
    insts = W.inst['care'] + W.inst['bw'] + W.inst['shelter']
    for d in insts[:max(1, n_case(6))]:
        W.mel_plant.append(('zorg', d, r.randint(3, 5), PE - r.randint(200, 1800), r.randint(30, 150)))
        look('meldingen_cluster', d, 'zorginstelling')
    for i in range(n_case(8)):
        dw = take(kinds=('app_s', 'app_m', 'bb', 'portiek'), m2=(35, 90))
        new_household(dw, ht=r.choice(('single', 'couple', 'family')))
        W.mel_plant.append(('zelfde', dw, r.randint(4, 8), PE - r.randint(200, 1500), r.randint(60, 200)))
        look('meldingen_cluster', dw, 'zelfde_melder_herhaald')


def plant_meldingen_attached():
    """clusters of reports at some addresses planted for other themes"""
    r = W.rng
    cands = sorted({dwi for (th, dwi) in W.planted if th in ('overbewoning', 'hennepteelt')
                    and W.dws[dwi].res})
    r.shuffle(cands)
    for dwi in cands[:n_case(8)]:
        dw = W.dws[dwi]
        n = r.choice((3, 4, 5))
        span = r.randint(40, 200)
        W.mel_plant.append(('cluster', dw, n, PE - r.randint(span + 5, 900), span))
        plant('meldingen_cluster', dw, 'meerdere_meldingen')


# ----------------------------------------------------------------------------------------
# phase C: derive the partners' tables
# ----------------------------------------------------------------------------------------
def finalize_people():
    W.out_people = []
    for p in W.persons:
        if not p.hist:
            continue
        p.hist.sort(key=lambda h: h[2])
        # clip rows after death
        if p.death:
            for h in p.hist:
                if h[3] is None or h[3] > p.death:
                    h[3] = p.death
        yrs = set()
        for h in p.hist:
            e = h[3] if h[3] is not None else PE
            for y in range(max(2020, year_of(h[2])), year_of(e) + 1):
                yrs.add(y)
        ex = (p.opt or {}).get('extra_years')
        if ex:
            yrs |= set(ex)
        if p.tax_over:
            yrs |= set(p.tax_over)
        p.inc = {'years': yrs}
        W.out_people.append(p)


def reg_at(p, t):
    """registration row of p at date t (or None)"""
    for h in p.hist:
        if h[2] <= t and (h[3] is None or t < h[3]):
            return h
    return None


def residents(dw, t, f='W'):
    res = []
    for p, h in (dw.occ or ()):
        if h[1] == f and h[2] <= t and (h[3] is None or t < h[3]):
            res.append(p)
    return res


def gen_polis():
    rows = []
    W.wages = {}
    for p in W.out_people:
        if not p.jobs:
            continue
        yrs = p.inc['years']
        wm = {}
        bsn = p.bsn
        bk = int(bsn[-4:])
        b21 = add_years(p.birth, 21)
        for j in p.jobs:
            s = max(j['s'], MON[0][2])
            e = j['e'] if j['e'] is not None else MON[NMON - 1][3]
            e = min(e, MON[NMON - 1][3], p.death or PE)
            if e < s:
                continue
            m0, m1 = month_of(s), month_of(e)
            low, jw, jh, lhn, vg = j['low'], j['w'], j['h'], j['l'], j['vg']
            fin = j['final'] if j['e'] is not None else 0
            hstr = str(int(round(jh)))
            for m in range(m0, m1 + 1):
                y, mo, ms, me, per = MON[m]
                if y not in yrs:
                    continue
                if ms >= s and me <= e:
                    frac = 1.0
                else:
                    frac = ((e if e < me else me) - (s if s > ms else ms) + 1) / (me - ms + 1)
                if low:
                    loon = low * MINW[y] * jh * frac
                else:
                    loon = jw * WAGE_IDX[y] * frac
                    yf = 1.0 if ms >= b21 else YOUTH.get(age_at(p.birth, ms), 0.3)
                    mn = MINW[y] * yf * 1.03 * jh * frac
                    if loon < mn:
                        loon = mn
                    if vg and mo == 5 and frac == 1.0:
                        loon += 0.96 * jw * WAGE_IDX[y]
                if fin and m == m1:
                    loon += fin
                loon = round(loon, 2)
                rows.append([bsn, lhn, per, '%.2f' % loon,
                             '' if (bk + m) % 23 == 0 else (hstr if frac == 1.0 else str(int(round(jh * frac))))])
                wm[m] = wm.get(m, 0.0) + loon
        W.wages[p] = wm
    W.polis_rows = rows


def _segments(s, e, cuts):
    """split [s, e] (inclusive) at the sorted cut dates (each cut starts a new segment)"""
    pts = sorted({c for c in cuts if s < c <= e})
    out = []
    a = s
    for c in pts:
        out.append((a, c - 1))
        a = c
    out.append((a, e))
    return out


def _dw_cuts(p, s, e):
    cuts = set()
    for h in p.hist:
        cuts.add(h[2])
        if h[3] is not None:
            cuts.add(h[3])
        dw = h[0]
        for q, h2 in (dw.occ or ()):
            if q is p:
                continue
            if h2[2] <= e and (h2[3] is None or h2[3] >= s):
                cuts.add(h2[2])
                if h2[3] is not None:
                    cuts.add(h2[3])
                if q.birth < e:
                    cuts.add(add_years(q.birth, 21))
                    cuts.add(add_years(q.birth, 18))
    return cuts


def gen_benefits():
    r = W.rng
    W.bij_rows, W.svb_rows, W.uwv_rows = [], [], []
    W.ben_income = {}       # (person, year) -> gross benefit income
    for p in W.out_people:
        if not p.bens:
            continue
        wm = W.wages.get(p, {})
        for b in p.bens:
            k = b['k']
            if k == 'bij':
                _bij(p, b, wm)
            elif k in ('aow', 'anw'):
                _svb(p, b)
            else:
                _uwv(p, b, wm)


def _addinc(p, s, e, amt, factor=1.0):
    """add benefit income for the months of [s, e] (inclusive)"""
    y = year_of(s)
    while YS[y] <= e:
        a, b = max(s, YS[y]), min(e, YE[y])
        if b >= a:
            key = (p, y)
            W.ben_income[key] = W.ben_income.get(key, 0.0) + amt * factor * (b - a + 1) / 30.44
        y += 1


def _bij(p, b, wm):
    s, e = b['s'], (b['e'] if b['e'] is not None else PE)
    e = min(e, p.death - 1 if p.death else PE)
    first, last = presence(p)
    s = max(s, first)
    e = min(e, last - 1 if last < PE else PE)
    if e < s:
        return
    cuts = set(YS[y] for y in range(2019, 2027))
    cuts |= _dw_cuts(p, s, e)
    wage_months = [m for m, w in wm.items() if w > 0]
    for m in wage_months:
        cuts.add(MON[m][2])
        cuts.add(MON[m][3] + 1)
    segs = _segments(s, e, cuts)
    out = []
    mode = b.get('mode', 'honest')
    for a, z in segs:
        if z < YS[2018] - 1:
            continue
        h = reg_at(p, a)
        if h is None:
            continue
        dw = h[0]
        y = year_of(a)
        if y < 2019:
            a0 = a
        kids = False
        adults21 = 1
        partner_here = False
        if h[1] == 'W' and dw.res and not dw.inst:
            for q in residents(dw, a):
                if q is p:
                    continue
                if q.lodger:
                    continue
                if p in q.parents and add_years(q.birth, 18) > a:
                    kids = True
                if add_years(q.birth, 21) <= a:
                    adults21 += 1
                if q is p.partner:
                    partner_here = True
        nt = b.get('norm', 'auto')
        if nt == 'couple':
            norm = 'gehuwden'
            full = norm_couple(y)
            amt = full if adults21 <= 2 else 2 * kostendeler(y, adults21)
        else:
            norm = 'alleenstaande_ouder' if kids else 'alleenstaande'
            full = norm_single(y)
            amt = full if adults21 <= 1 else kostendeler(y, adults21)
            if mode == 'single_full':
                amt = full
        m = month_of(a)
        w = wm.get(m, 0.0) if (a >= MON[0][2]) else 0.0
        if w > 0 and mode != 'nored':
            amt = amt - 0.6 * w
            if amt <= 0:
                continue
        amt = round(amt, 2)
        if out and out[-1][1] == norm and out[-1][2] is dw and abs(out[-1][5] - amt) < 0.005 and out[-1][4] == a - 1:
            out[-1][4] = z
        else:
            out.append([p, norm, dw, a, z, amt])
    for row in out:
        _addinc(p, row[3], row[4], row[5], 1.3)
        if row is out[-1] and b['e'] is None and row[4] >= PE - 1:
            row[4] = None
        W.bij_rows.append(row)


def _svb(p, b):
    k = b['k']
    s = b['s']
    e = b['e'] if b['e'] is not None else PE
    if p.death:
        e = min(e, p.death - 1)
    if e < s:
        return
    first, last = presence(p)
    if last < s or first > e + 1:
        # only deliver what overlaps the period in the area
        return
    cuts = set()
    for h in p.hist:
        cuts.add(h[2])
        if h[3] is not None:
            cuts.add(h[3])
    mates = []
    if b.get('mode') == 'honest':
        if p.partner is not None:
            mates.append(p.partner)
        if p.sibling_hh:
            for h in p.hist:
                for q, h2 in (h[0].occ or ()):
                    if q is not p and q.sibling_hh and q.gn == p.gn and q not in mates:
                        mates.append(q)
        for q in mates:
            for h in q.hist:
                cuts.add(h[2])
                if h[3] is not None:
                    cuts.add(h[3])
    segs = _segments(s, e, cuts)
    out = []
    for a, z in segs:
        h = reg_at(p, a)
        dw = h[0] if h else None
        lv = 'alleenstaand'
        if mates and h is not None and h[1] == 'W':
            for q in mates:
                h2 = reg_at(q, a)
                if h2 is not None and h2[0] is dw and h2[1] == 'W' and (q.death is None or q.death > a):
                    lv = 'samenwonend'
        if k == 'aow':
            amt = AOW_SINGLE if lv == 'alleenstaand' else AOW_COUPLE
        else:
            amt = b.get('amt', 1350.0)
        if out and out[-1][2] == lv and out[-1][3] is dw and out[-1][5] == a - 1:
            out[-1][5] = z
        else:
            out.append([p, k, lv, dw, a, z, amt])
    for row in out:
        _addinc(p, row[4], row[5], row[6])
        if row is out[-1] and b['e'] is None and p.death is None:
            row[5] = None
        W.svb_rows.append(row)


def _uwv(p, b, wm):
    k = b['k']
    s = b['s']
    e = b['e'] if b['e'] is not None else PE
    if p.death:
        e = min(e, p.death - 1)
    if e < s:
        return
    amt = b['amt']
    out = []
    if k in ('ww', 'zw') and b.get('mode', 'honest') == 'honest':
        m0 = month_of(s)
        cuts = set()
        for m, w in wm.items():
            if w > 0 and m != m0 and s <= MON[m][3] and MON[m][2] <= e:
                cuts.add(MON[m][2])
                cuts.add(MON[m][3] + 1)
        for a, z in _segments(s, e, cuts):
            m = month_of(a)
            w = wm.get(m, 0.0) if (m != m0 and a >= MON[0][2]) else 0.0
            x = round(amt - 0.7 * w, 2) if w > 0 else amt
            if x <= 0:
                continue
            out.append([p, k, a, z, x])
    else:
        out.append([p, k, s, e, amt])
    for row in out:
        _addinc(p, row[2], row[3], row[4])
        if row is out[-1] and b['e'] is None and p.death is None:
            row[3] = None
        W.uwv_rows.append(row)


def gen_incomes():
    """raw yearly income per person (None = unknown / no row)"""
    r = W.rng
    W.income = {}
    wsum = {}
    for p, wm in W.wages.items():
        for m, w in wm.items():
            y = MON[m][0]
            wsum[(p, y)] = wsum.get((p, y), 0.0) + w
    for p in W.out_people:
        yrs = p.inc['years']
        for y in YEARS:
            if y not in yrs:
                continue
            if add_years(p.birth, 18) > YE[y]:
                continue
            v = wsum.get((p, y), 0.0) + W.ben_income.get((p, y), 0.0)
            if p.profit:
                v += p.profit.get(y, 0.0)
            if p.pension and aow_date(p.birth) <= YE[y]:
                v += p.pension
            src = v != 0.0
            v = v * r.uniform(0.93, 1.0)
            if not src and r.random() < 0.5:
                continue          # nothing filed: unknown
            if not p.plant and not p.custom:
                if r.random() < 0.03 or (y == 2025 and r.random() < 0.3):
                    continue      # no assessment (yet): unknown
            W.income[(p, y)] = round(v)


def hh_income(persons, y):
    tot, known = 0.0, False
    for q in persons:
        v = W.income.get((q, y))
        if v is not None:
            tot += v
            known = True
    return tot if known else None


def assign_ownership():
    r = W.rng
    W.ll_companies = []
    for n in range(max(3, int(8 * W.s))):
        c = new_company('%s %s B.V.' % (r.choice(LL_PREF), r.choice(LL_NAMES)), 'bv', '6820')
        if r.random() < 0.5:
            c.vest.append([new_vestnr(), take_nonres(('office', 'bc')), PE - r.randint(2000, 9000), None, None])
        W.ll_companies.append(c)
    small = []
    for dw in W.dws:
        if dw.owners == []:
            dw.owners = None
            dw.tenure = None
    # owner-occupiers first (background)
    for dw in W.dws:
        if not dw.res or dw.inst or dw.owners is not None:
            continue
        hh = dw.cur
        if hh is None:
            dw.tenure = 'corp' if r.random() < CORP_SHARE[dw.bu.prof] else 'priv'
            continue
        t = hh['type']
        if t in ('students', 'shared', 'lodger'):
            dw.tenure = 'priv' if (t != 'lodger') else 'occ'
        else:
            bij = any(p.role in ('bij', 'bijp') for p in hh['adults'])
            pc = CORP_SHARE[dw.bu.prof] * (1.6 if bij else 1.0) * (1.2 if t in ('single', 'sparent') else 0.85)
            x = r.random()
            if x < pc:
                dw.tenure = 'corp'
            elif bij:
                dw.tenure = 'priv'
            else:
                po = 0.75 if t in ('couple', 'family', 'elderly_couple', 'parent_adult', 'siblings') else 0.45
                dw.tenure = 'occ' if r.random() < po else 'priv'
        if dw.tenure == 'occ':
            s = hh['start']
            buyers = [p for p in hh['adults'] if cur_row(p) and cur_row(p)[2] == s and not p.lodger
                      and (not p.parents or p.partner is not None)][:2]
            if not buyers:
                buyers = hh['adults'][:1]
            if len(buyers) == 2 and r.random() < 0.3:
                buyers = buyers[:1]
            d = s - r.randint(0, 60)
            price = market_price(dw, d)
            if year_of(d) >= 2013:
                y = min(2025, max(2020, year_of(d)))
                inc = hh_income(buyers + [b.partner for b in buyers if b.partner], y)
                wealth = sum((b.box3 or 0) for b in buyers)
                if inc is not None:
                    cap = 5.5 * max(inc, 0) + wealth
                    if cap < 0.45 * price:
                        dw.tenure = 'priv' if r.random() < 0.5 else 'corp'
                    else:
                        price = min(price, round(cap, -3))
            if dw.tenure == 'occ':
                if r.random() < 0.03 and d < HS:
                    price = None
                dw.owners = [(b, '1/%d' % len(buyers)) for b in buyers]
                dw.own_date = d
                dw.own_price = price
                rich = [b for b in buyers if (W.income.get((b, 2023)) or 0) > 75000 or (b.box3 or 0) > 300000]
                if rich and r.random() < 0.35:
                    small.append([rich[0], r.randint(1, 3)])
    # rentals
    for dw in W.dws:
        if dw.owners is not None:
            continue
        if dw.inst:
            comp = [c for c in W.companies if c.vest and c.vest[0][1] is dw]
            dw.owners = [(comp[0] if comp and r.random() < 0.5 else r.choice(W.corps), '1/1')]
            dw.own_date = O(r.randint(1975, 2015), 1, 1) + r.randint(0, 360)
            dw.own_price = None
            continue
        if not dw.res:
            if dw.tag == 'garage':
                if r.random() < 0.5:
                    continue
            dw.owners = None
            continue
        if dw.tenure == 'corp':
            own_corp(dw)
            continue
        dw.tenure = 'priv'
        x = r.random()
        d = PE - r.randint(2 * 365, 30 * 365)
        if x < 0.45:
            own_ll(dw, r.choice(W.ll_companies), d, market_price(dw, d) if r.random() < 0.7 else None)
        elif x < 0.75 and small:
            sl = small[r.randrange(len(small))]
            own_ll(dw, sl[0], d, market_price(dw, d))
            sl[1] -= 1
            if sl[1] <= 0:
                small.remove(sl)
        else:
            own_ll(dw, landlord_person(False)[0], d, market_price(dw, d) if r.random() < 0.8 else None)
    for dw in W.dws:
        if dw.owners is None or dw.own_price != 'auto':
            continue
        dw.own_price = market_price(dw, dw.own_date) if dw.own_date else None


def finish_incomes():
    """mortgage interest deduction for owner-occupiers (can make an income negative)"""
    r = W.rng
    for dw in W.dws:
        if dw.tenure != 'occ' or not dw.owners or not dw.own_date or dw.own_date < O(2001, 1, 1):
            continue
        for o, _ in dw.owners:
            if not isinstance(o, Person):
                continue
            ded = r.uniform(1500, 7000)
            for y in YEARS:
                if (o, y) in W.income and YS[y] > dw.own_date:
                    W.income[(o, y)] = int(round(W.income[(o, y)] - ded * (0.9 ** (y - 2020))))


def rent_of(dw, y):
    """monthly bare rent used for allowance decisions (not delivered for private rentals)"""
    u = ((dw.i * 7919 + 13) % 1000) / 1000.0
    if dw.tenure == 'corp':
        base = min(880.0, max(380.0, dw.m2 * (7.5 + 3 * u)))
    else:
        base = dw.m2 * (14 + 8 * u)
    return base * (1 + 0.03 * (y - 2024))


def gen_toeslagen():
    r = W.rng
    rows = {}
    skip = set()
    for p in W.out_people:
        o = p.opt or {}
        tp = o.get('toe_partner')
        if tp:
            for y in TYEARS:
                if y >= tp[1]:
                    skip.add((tp[0], y))

    def inc(q, y):
        v = W.income.get((q, min(y, 2025)))
        if v is None:
            v = W.income.get((q, min(y, 2025) - 1))
        return v if v is not None else 18000

    def add(p, y, reg, partner, dw, amt, mb=None):
        if (p.opt or {}).get('toe_none'):
            return
        key = (p.bsn, y, reg)
        if key in rows:
            return
        rows[key] = [p, y, reg, partner, dw, round(amt, 2), mb]

    occ_dws = [dw for dw in W.dws if dw.occ]
    for y in TYEARS:
        t = min(YE[y], PE)
        for dw in occ_dws:
            res = [p for p, h in dw.occ if h[1] == 'W' and h[2] <= t and (h[3] is None or t < h[3])]
            if not res and not dw.inst:
                continue
            if dw.inst or not dw.res:
                for p in res + residents(dw, t, 'B'):
                    if add_years(p.birth, 18) > t or (p, y) in skip:
                        continue
                    if inc(p, y) < 36000:
                        add(p, y, 'zorgtoeslag', None, dw, r.uniform(1150, 1500))
                continue
            for p in residents(dw, t, 'B'):
                if add_years(p.birth, 18) <= t and inc(p, y) < 36000 and (p, y) not in skip and r.random() < 0.5:
                    add(p, y, 'zorgtoeslag', None, dw, r.uniform(1150, 1500))
            adults = [p for p in res if add_years(p.birth, 18) <= t]
            done = set()
            units = []
            for p in adults:
                if p in done:
                    continue
                u = [p]
                done.add(p)
                q = p.partner
                if q is not None and q in adults and q not in done and (q.death is None or q.death > t) \
                        and (p.married or p.fisc_ok):
                    u.append(q)
                    done.add(q)
                units.append(u)
            if not units:
                continue
            tot = sum(inc(q, y) for q in adults)
            # huurtoeslag: the tenant unit
            if dw.tenure in ('corp', 'priv'):
                rent = rent_of(dw, y)
                head = None
                for tt in dw.ten:
                    if tt[1] <= t and (tt[2] is None or t < tt[2]) and tt[0] in adults:
                        head = tt[0]
                lim = 880 * (1 + 0.03 * (y - 2024))
                if head is None:
                    head = units[0][0]
                hu = [u for u in units if head in u][0] if any(head in u for u in units) else units[0]
                if rent <= lim and tot < (32000 if len(adults) == 1 else 44000) and (hu[0], y) not in skip:
                    amt = min(5200, max(240, (rent - 230) * 12 * 0.72 * (1 - tot / 52000.0)))
                    mb = len(res) - len(hu)
                    add(hu[0], y, 'huurtoeslag', hu[1] if len(hu) > 1 else None, dw, amt, mb)
            for u in units:
                a = u[0]
                if (a, y) in skip:
                    continue
                ui = sum(inc(q, y) for q in u)
                kids = [k for k in res if k.parents and any(x in u for x in k.parents)
                        and add_years(k.birth, 18) > t]
                part = u[1] if len(u) > 1 else None
                if ui < (38000 if len(u) == 1 else 48000):
                    add(a, y, 'zorgtoeslag', part, dw, (1250 if len(u) == 1 else 2450) * r.uniform(0.85, 1.1))
                if kids and ui < 62000:
                    add(a, y, 'kindgebonden_budget', part, dw,
                        min(6000, len(kids) * 1250 * (1 - ui / 80000.0) + (1800 if len(u) == 1 else 0)))
                young = [k for k in kids if add_years(k.birth, 12) > t]
                if young and all(W.wages.get(q) for q in u) and (int(a.bsn) % 3 == 0):
                    add(a, y, 'kinderopvangtoeslag', part, dw, len(young) * r.uniform(2500, 7000))
    # overrides ---------------------------------------------------------------------
    for p in W.out_people:
        o = p.opt or {}
        if 'toe_partner' in o:
            q, y0 = o['toe_partner']
            for key, row in rows.items():
                if row[0] is p and row[1] >= y0 and row[2] in ('zorgtoeslag', 'huurtoeslag'):
                    row[3] = q
            if not any(row[0] is p and row[1] >= y0 for row in rows.values()):
                for y in TYEARS:
                    if y >= y0:
                        h = reg_at(p, min(YE[y], PE))
                        if h:
                            add(p, y, 'zorgtoeslag', q, h[0], r.uniform(2200, 2600))
        if 'toe_dw' in o:
            for y, dw in o['toe_dw'].items():
                hit = False
                for key, row in rows.items():
                    if row[0] is p and row[1] == y:
                        row[4] = dw
                        hit = True
                if not hit:
                    add(p, y, 'zorgtoeslag', None, dw, r.uniform(1150, 1450))
        if 'toe_force' in o:
            for reg, ys, dw, mb in o['toe_force']:
                for y in ys:
                    if reg == 'huurtoeslag':
                        add(p, y, reg, None, dw, r.uniform(2400, 4200), mb)
                    else:
                        add(p, y, reg, None, dw, r.uniform(1150, 1450))
    W.toe_rows = list(rows.values())


# ----------------------------------------------------------------------------------------
# free text: addresses and names as typed by people
# ----------------------------------------------------------------------------------------
ABBR = [('straat', 'str.'), ('laan', 'ln.'), ('weg', 'wg'), ('gracht', 'gr.'), ('plein', 'pl.'),
        ('Burgemeester ', 'Burg. '), ('Prins ', 'Pr. '), ('Generaal ', 'Gen. ')]


def street_text(name):
    r = W.rng
    x = r.random()
    if x < 0.25:
        for a, b in ABBR:
            if a in name:
                return name.replace(a, b, 1)
    if x < 0.32:
        return name.lower()
    return name


def unit_text(dw, allow_position=True):
    """house number with Dutch floor / position notations"""
    r = W.rng
    hn = str(dw.hn)
    if dw.hl:
        return r.choice((hn + dw.hl.lower(), hn + '-' + dw.hl.lower(), hn + ' ' + dw.hl, hn + dw.hl))
    t = dw.ht
    if not t:
        if allow_position and dw.same_hn <= 1 and r.random() < 0.25:
            return None
        return hn
    if t in ('H', 'HS'):
        return r.choice((hn + 'hs', hn + '-hs', hn + '/H', hn + '-H', hn + ' huis', hn + ' hs', hn + 'H'))
    if t.isdigit():
        k = int(t)
        opts = [hn + '-' + t, hn + '-%dhoog' % k, hn + ' %de etage' % k, hn + '/%d' % k, hn + ' %d hoog' % k]
        if k in ROMAN:
            opts += [hn + '-' + ROMAN[k], hn + ' ' + ROMAN[k]]
        return r.choice(opts)
    return hn + '-' + t


def addr_text(dw, allow_position=True):
    r = W.rng
    st = street_text(dw.street)
    u = unit_text(dw, allow_position)
    if u is None:
        return '%s %s %s' % (r.choice(('t.h.v.', 'bij', 'ter hoogte van')), st, dw.hn)
    s = '%s %s' % (st, u)
    x = r.random()
    if x < 0.35:
        s += ' ' + WOONPLAATS
    elif x < 0.5:
        s += ', ' + WOONPLAATS
    elif x < 0.6:
        s += ', %s %s' % (dw.pc if r.random() < 0.6 else dw.pc[:4] + ' ' + dw.pc[4:], WOONPLAATS)
    return s


def typo(s):
    r = W.rng
    if len(s) < 4:
        return s
    i = r.randrange(1, len(s) - 1)
    x = r.random()
    if x < 0.3:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    if x < 0.55:
        return s[:i] + s[i + 1:]
    if x < 0.75:
        return s[:i] + s[i] + s[i:]
    rep = {'ij': 'y', 'y': 'ij', 'ei': 'ij', 'ou': 'au', 'ks': 'x', 'c': 'k', 'ph': 'f', 'ck': 'k'}
    for a, b in rep.items():
        if a in s:
            return s.replace(a, b, 1)
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


ASCII = str.maketrans('şŞçÇöÖüÜıİğĞéÉèëïÏáàäåíóúñśńł', 'sScCoOuUiIgGeEeeiIaaaaiouusnl')


def typed_person(p):
    """(voornamen, voorvoegsel, geslachtsnaam, geboortedatum) as typed by a clerk"""
    r = W.rng
    vn, vv, gn = p.vn, p.vv, p.gn
    bd = p.bstr or ds(p.birth)
    if r.random() < 0.7:
        return vn, vv, gn, bd
    k = r.random()
    if k < 0.2 and vn:
        parts = vn.split()
        vn = '.'.join(x[0] for x in parts) + '.' if r.random() < 0.6 else parts[0]
    elif k < 0.3 and vn:
        f = vn.split()[0]
        if f in ALIAS:
            vn = r.choice(ALIAS[f])
    elif k < 0.45:
        gn = typo(gn)
    elif k < 0.55 and vv:
        if r.random() < 0.5:
            gn = vv[0].upper() + vv[1:] + ' ' + gn
        else:
            gn = (vv + gn).replace(' ', '').capitalize()
        vv = ''
    elif k < 0.62 and vn:
        vn, gn = gn, vn.split()[0]
    elif k < 0.7:
        gn = gn.translate(ASCII)
        vn = vn.translate(ASCII)
    elif k < 0.82:
        d = date.fromordinal(p.birth)
        bd = '%04d-00-00' % d.year if r.random() < 0.5 else '%04d-%02d-00' % (d.year, d.month)
    elif k < 0.9:
        d = date.fromordinal(p.birth)
        if d.day <= 12 and d.day != d.month:
            bd = '%04d-%02d-%02d' % (d.year, d.day, d.month)
        else:
            bd = ds(p.birth + r.choice((-1, 1)))
    else:
        gn = gn.upper()
    return vn, vv, gn, bd


# ----------------------------------------------------------------------------------------
# remaining tables
# ----------------------------------------------------------------------------------------
def gen_kad():
    rows = []
    for dw in W.dws:
        if not dw.owners:
            continue
        seen = set()
        for o, share in dw.owners:
            key = o.bsn if isinstance(o, Person) else o.kvk
            if key in seen:
                continue
            seen.add(key)
            price = dw.own_price if isinstance(dw.own_price, (int, float)) else None
            if price is not None and len(dw.owners) > 1:
                price = price   # the purchase price of the whole object on each owner's row
            rows.append([dw, o, share, dw.own_date or O(1990, 1, 1), price])
    W.kad_rows = rows


def gen_kvk():
    r = W.rng
    sbi = {'shop': SBI_SHOP, 'office': SBI_OFFICE, 'industry': SBI_IND, 'school': ['8520', '8531'],
           'sport': ['9311', '9312'], 'church': ['9491', '9499'], 'police': ['8424'], 'mixed': SBI_OFFICE}
    rvs = {'shop': ('eenmanszaak', 'vof', 'bv', 'bv'), 'office': ('bv', 'bv', 'eenmanszaak', 'vof', 'nv'),
           'industry': ('bv', 'bv', 'nv', 'vof'), 'school': ('stichting',), 'sport': ('vereniging', 'stichting'),
           'church': ('vereniging', 'stichting', 'overig'), 'police': ('overig',), 'mixed': ('bv', 'eenmanszaak')}
    words = {'shop': ['Bakkerij', 'Kapsalon', 'Fietsenwinkel', 'Supermarkt', 'Bloemen', 'Eethuis', 'Lunchroom',
                      'Slagerij', 'Boekhandel', 'Opticien', 'Kledingzaak', 'Pizzeria', 'Telecom'],
             'office': ['Advies', 'Accountants', 'Notariaat', 'Architecten', 'ICT', 'Verzekeringen', 'Makelaardij'],
             'industry': ['Metaal', 'Bouwbedrijf', 'Transport', 'Installatie', 'Drukkerij', 'Garage', 'Recycling'],
             'school': ['Basisschool', 'College'], 'sport': ['Sportvereniging', 'Fitness'],
             'church': ['Kerkgenootschap', 'Buurthuis'], 'police': ['Politie Eenheid Noord-Holland'],
             'mixed': ['Praktijk', 'Studio']}
    for dw in W.dws:
        tag = dw.tag
        if tag not in sbi:
            continue
        if tag == 'police':
            c = new_company('Politie Eenheid Noord-Holland', 'overig', '8424')
            c.vest.append([new_vestnr(), dw, O(2013, 1, 1), None, None])
            continue
        if r.random() < 0.08:
            continue        # vacant business unit
        for gen in range(2 if r.random() < 0.2 else 1):
            rv = r.choice(rvs[tag])
            nm = '%s %s' % (r.choice(words[tag]), r.choice([s.split()[0] for s in STREETS[:40]] + LL_PREF))
            if rv == 'bv':
                nm += ' B.V.'
            c = new_company(nm, rv, r.choice(sbi[tag]))
            if gen == 0:
                s = PE - r.randint(100, 9000)
                e = None
            else:
                e = PE - r.randint(200, 3000)
                s = e - r.randint(400, 5000)
            owner = new_bsn() if rv == 'eenmanszaak' else None
            c.vest.append([new_vestnr(), dw, s, e, owner])
    # self-employed at home (background and planted look-alikes), holdings of high earners
    for p in W.out_people:
        h = cur_row(p)
        o = p.opt or {}
        if h is None or h[1] != 'W' or not h[0].res or h[0].inst:
            continue
        if p.role == 'zzp' and (o.get('kvk_home') or r.random() < 0.4):
            nm = '%s %s' % (r.choice(['Klussenbedrijf', 'Adviesbureau', 'Fotografie', 'Coaching', 'Webdesign',
                                      'Schilderwerken', 'Tekstbureau', 'Vertaalbureau', 'Hoveniersbedrijf']),
                            (p.vv + ' ' + p.gn).strip())
            c = new_company(nm, 'eenmanszaak', r.choice(SBI_HOME))
            c.vest.append([new_vestnr(), h[0], max(h[2], PE - r.randint(200, 6000)), None, p.bsn])
        elif (not o.get('kvk_home')) and p.role in ('ft', 'zzp') and p.wl > 7500 and r.random() < 0.2 \
                and not any(k == 'ondermijning_bedrijfsadres' and i == h[0].i for k, i in W.planted):
            c = new_company('%s Holding B.V.' % p.gn, 'bv', '6420')
            c.vest.append([new_vestnr(), h[0], max(h[2], PE - r.randint(200, 6000)), None, None])
    rows = []
    for c in W.companies:
        for v in c.vest:
            rows.append([c, v[0], v[1], v[2], v[3], v[4]])
    W.kvk_rows = rows


def gen_wc():
    r = W.rng
    rows = []
    seq = {}
    corpnames = {c.name for c in W.corps}
    for dw in W.dws:
        if dw.tenure != 'corp' or not dw.owners:
            continue
        corp = dw.owners[0][0].name if isinstance(dw.owners[0][0], Company) else W.corps[0].name
        if corp not in corpnames:
            corp = W.corps[0].name
        vrij = (r.random() < 0.1 and dw.m2 > 60)
        for p, s, e in dw.ten:
            if e is not None and e < HS - 400:
                continue
            start = first_of_month(s) if r.random() < 0.8 else s
            end = None if e is None else e - 1
            if end is not None and end < start:
                end = start + 30
            y = min(2026, year_of(end) if end is not None else 2026)
            if vrij:
                rent = dw.m2 * r.uniform(13, 17) * (1 + 0.03 * (y - 2024))
                soc = 'nee'
            else:
                rent = min(880 * (1 + 0.03 * (y - 2024)), max(330, dw.m2 * r.uniform(7.5, 10.5) * (1 + 0.03 * (y - 2024))))
                soc = 'ja'
            rows.append([corp, dw, p, start, end, round(rent, 2), soc])
    for x in W.wc_extra:
        rows.append([x['corp'], x['dw'], x['p'], x['s'], x['e'], x['rent'], x['soc']])
    out = []
    for corp, dw, p, s, e, rent, soc in rows:
        n = seq.get(corp, 0) + 1
        seq[corp] = n
        pre = ''.join(w[0] for w in corp.replace('.', '').split())[:3].upper()
        cid = '%s-%04d-%06d' % (pre, year_of(s) if year_of(s) > 1900 else 2000, n)
        vn, vv, gn, bd = typed_person(p)
        out.append([corp, cid, dw, vn, vv, gn, bd, s, e, rent, soc, p])
    W.wc_rows = out


CLIMATE = {2020: 0.93, 2021: 1.05, 2022: 0.86, 2023: 0.88, 2024: 0.87, 2025: 0.9}
NR_E = {'shop': 95, 'office': 70, 'industry': 140, 'bc': 75, 'school': 35, 'sport': 55, 'church': 20,
        'police': 90, 'care': 85, 'bw': 60, 'shelter': 60, 'post': 45, 'student': 55, 'mixed': 45}


def gas_per_m2(bj):
    if bj < 1945:
        return 15.0
    if bj < 1975:
        return 12.5
    if bj < 1995:
        return 10.0
    if bj < 2010:
        return 8.0
    return 5.5


def gen_nuts():
    r = W.rng
    rows = []
    for dw in W.dws:
        if dw.tag == 'garage':
            if r.random() < 0.7:
                continue
            dw.tag = 'garage_nuts'
            for y in YEARS:
                rows.append([dw, y, round(r.uniform(40, 400)), None, None])
            continue
        if dw.res and not dw.inst:
            occ = dw.occ or []
            if dw.tenure == 'occ' and dw.solar == 0.0 and r.random() < 0.15:
                dw.solar = r.uniform(0.25, 0.55)
            for y in YEARS:
                ys, ye = YS[y], YE[y] + 1
                py = 0.0
                iv = []
                for p, h in occ:
                    if h[1] != 'W':
                        continue
                    s = max(h[2], ys)
                    e = min(h[3] if h[3] is not None else ye, ye)
                    if e > s:
                        py += (e - s) / 365.0 * h[4]
                        if h[4] > 0:
                            iv.append((s, e))
                for s0, e0, w in (dw.hidden or ()):
                    s = max(s0, ys)
                    e = min(e0 if e0 is not None else ye, ye)
                    if e > s:
                        py += (e - s) / 365.0 * w
                        if w > 0:
                            iv.append((s, e))
                iv.sort()
                cov = 0
                cur_s, cur_e = None, None
                for s, e in iv:
                    if cur_e is None or s > cur_e:
                        if cur_e is not None:
                            cov += cur_e - cur_s
                        cur_s, cur_e = s, e
                    else:
                        cur_e = max(cur_e, e)
                if cur_e is not None:
                    cov += cur_e - cur_s
                frac = min(1.0, cov / 365.0)
                mod = (dw.umod or {}).get(y, {})
                if 'presence' in mod:
                    py *= mod['presence']
                    frac *= mod['presence']
                py = max(0.0, py)
                standby = 180 + dw.m2 * 1.5
                e_exp = standby * (1 - frac) + frac * (700 + 5 * dw.m2) + 1050 * py
                if dw.heat == 'hp':
                    e_exp += (0.35 + 0.65 * frac) * dw.m2 * 26
                elif dw.heat == 'elec':
                    e_exp += (0.35 + 0.65 * frac) * dw.m2 * 55
                if dw.ev and y >= dw.ev:
                    e_exp += r.uniform(2500, 4500)
                e_val = e_exp * math.exp(r.gauss(0, 0.17))
                if dw.solar:
                    e_val *= (1 - dw.solar)
                if 'e_mult_add' in mod:
                    e_val += mod['e_mult_add'] * e_exp * r.uniform(0.95, 1.05)
                if 'add_e' in mod:
                    e_val += mod['add_e']
                if dw.heat == 'gas':
                    g = dw.m2 * gas_per_m2(dw.bj) * CLIMATE[y] * (0.3 + 0.7 * frac) + 55 * py
                    g *= math.exp(r.gauss(0, 0.15))
                    g = round(g)
                else:
                    g = 0
                wv = (6 * frac + 45 * py) * math.exp(r.gauss(0, 0.18)) + (r.uniform(0, 3) if frac < 0.05 else 0)
                e_out = round(e_val) if r.random() > 0.008 else None
                g_out = g if (dw.heat != 'gas' or r.random() > 0.008) else None
                w_out = None if dw.coll_water else round(wv)
                rows.append([dw, y, e_out, g_out, w_out])
        else:
            tag = dw.inst or dw.tag or 'office'
            base = NR_E.get(tag, 50) * dw.m2 * dw.nonres_factor
            for y in YEARS:
                e_val = round(base * math.exp(r.gauss(0, 0.15)))
                g = round(dw.m2 * 7 * CLIMATE[y] * math.exp(r.gauss(0, 0.2))) if dw.heat == 'gas' else 0
                wv = round(dw.m2 * (0.9 if dw.inst else 0.25) * math.exp(r.gauss(0, 0.2)))
                rows.append([dw, y, e_val, g, wv])
    W.nuts_rows = rows


POL_TXT = {
    'overlast_jeugd': ['Groep jongeren veroorzaakt overlast met scooters', 'Jongeren hangen rond in portiek, geluidsoverlast',
                       'Vuurwerk afgestoken door groep jeugd', 'Jeugd op speelplaats, melder voelt zich onveilig'],
    'woonoverlast': ['Harde muziek en geschreeuw uit woning', 'Burenruzie, melder voelt zich bedreigd',
                     'Stankoverlast vanuit woning', 'Geluidsoverlast na klachten van buren'],
    'huiselijk_geweld': ['Ruzie tussen partners, eenheid ter plaatse', 'Melding huiselijk geweld, zorgmelding gedaan',
                         'Conflict binnen gezin, geen aangifte'],
    'inbraak': ['Inbraak in woning via achterdeur', 'Poging tot inbraak, schade aan kozijn', 'Schuur opengebroken, fiets weg',
                'Woninginbraak, sieraden weggenomen'],
    'drugshandel': ['Handel in verdovende middelen vanuit auto', 'Vermoedelijke drugsdeal waargenomen op straat'],
    'overig': ['Verdachte situatie, niets aangetroffen', 'Vernieling geparkeerde auto', 'Aanrijding met letselschade',
               'Diefstal uit auto'],
}
POL_PLANT_TXT = {
    'hennepteelt': ['Hennepkwekerij aangetroffen, %d planten, stroom illegaal afgetapt',
                    'Sterke henneplucht waargenomen, kwekerij op zolder (%d planten)',
                    'Ontmanteling hennepkwekerij in slaapkamers, %d planten', 'Melding henneplucht, %d planten geruimd'],
    'drugshandel': ['Veel kortdurend bezoek aan woning, vermoeden handel vanuit woning',
                    'Drugs en contant geld aangetroffen bij doorzoeking woning'],
    'mensenhandel': ['Signalen van uitbuiting: meerdere personen werken voor één bv op dit adres',
                     'Vermoeden mensenhandel, personen zonder eigen geld of papieren'],
    'overig': ['Vermoeden van spookbedrijven op woonadres, veel post voor verschillende bedrijven',
               'Onderzoek witwassen, meerdere bv\'s ingeschreven op het woonadres', 'Valse facturen, bedrijf op woonadres'],
}
MEL_TXT = {
    'woonoverlast': ['Elke nacht harde muziek', 'Geschreeuw en gebonk tot diep in de nacht', 'Stank in het trappenhuis vanuit de woning',
                     'Vuilniszakken blijven op de galerij staan', 'Deuren slaan de hele nacht', 'Ruzies en lawaai, kinderen kunnen niet slapen'],
    'verdachte_bewoning': ['Steeds wisselende bewoners met koffers', 'Er wonen veel meer mensen dan er staan ingeschreven',
                           'Ramen altijd afgeplakt, veel bezoek in de nacht', 'Busjes halen elke ochtend mensen op',
                           'Nooit iemand te zien, maar wel post voor veel namen'],
    'onderverhuur': ['De huurder woont hier al lang niet meer, er wonen andere mensen', 'Woning wordt verhuurd aan toeristen',
                     'Hoofdhuurder woont elders, de kamers worden verhuurd', 'Andere mensen in de woning dan op de bel'],
    'overbewoning': ['Minstens acht mensen in een kleine flat', 'Matrassen in de woonkamer, heel veel bewoners',
                     'Te veel bewoners, fietsen en schoenen overal in de gang', 'Er slapen mensen op het balkon'],
    'drugsoverlast': ['Wietlucht uit de woning', 'Er wordt gedeald vanuit de woning', 'Veel kort bezoek, vermoedelijk drugs',
                      'Lege lachgaspatronen bij de voordeur'],
    'verloedering': ['Zwerfafval naast de container', 'Graffiti op de gevel', 'Kapotte straatverlichting', 'Grofvuil op de stoep'],
    'jeugdoverlast': ['Jongeren op het speelveld tot laat', 'Scooters racen door de straat', 'Hangjongeren bij de portiek'],
    'overig': ['Boom hangt over de stoep', 'Losliggende stoeptegels', 'Auto staat al weken op de stoep', 'Ratten gezien'],
}
RENOV_TXT = ['Al weken verbouwing, boren vanaf zeven uur', 'Sloopwerkzaamheden in de woning, overal stof',
             'Container met bouwafval staat al weken voor de deur', 'Ook op zondag wordt er verbouwd',
             'Bouwlawaai de hele dag door de nieuwe eigenaren', 'Steiger en bouwmaterialen blokkeren de stoep']
ZORG_TXT = ['Bewoner van de zorginstelling schreeuwt in de nacht', 'Cliënten van de opvang hangen rond bij de ingang',
            'Overlast van bewoners van de instelling', 'Onrust en veel ambulances bij het zorgcentrum',
            'Bewoner van de instelling belt steeds aan bij de buren']
SAME_TXT = ['Bovenburen maken weer lawaai tot laat, ik heb dit al vaker gemeld',
            'Alweer harde muziek van de buren, zoals eerder gemeld', 'De buurman zet zijn afval weer in de gang, opnieuw melding',
            'Weer overlast van blaffende hond van nummer %s, herhaalde melding']


def _pol_id():
    W.polseq += W.rng.randint(1, 40)
    return 'PL09%02d-%07d' % (W.rng.randint(0, 99), W.polseq)


def gen_police():
    r = W.rng
    regs, bets = [], []
    W.polseq = r.randint(10 ** 5, 10 ** 6)
    resdws = [d for d in W.dws if d.res and not d.inst]
    used = set()
    truth_dw = {i for (_, i) in list(W.planted) + list(W.look)}
    cats = list(POL_TXT)
    wts = [0.2, 0.2, 0.14, 0.2, 0.05, 0.21]
    n = int(W.N / 45)
    for _ in range(n):
        c = r.choices(cats, wts)[0]
        t = r.randint(HS, PE - 1)
        dw = r.choice(resdws)
        if dw.i in used or dw.i in truth_dw:
            continue
        used.add(dw.i)
        if c in ('overlast_jeugd', 'drugshandel'):
            adr = '%s %s %s' % (r.choice(('t.h.v.', 'bij', 'nabij')), street_text(dw.street), dw.hn)
            vbo = None
        else:
            adr = addr_text(dw)
            vbo = dw if r.random() < 0.65 else None
        rid = _pol_id()
        regs.append([rid, t, c, adr, vbo, r.choice(POL_TXT[c])])
        _betrokkenen(bets, rid, dw, t, c, False)
    for c, dw, t, geo in W.pol_plant:
        rid = _pol_id()
        txt = r.choice(POL_PLANT_TXT[c])
        if '%d' in txt:
            txt = txt % r.randint(40, 600)
        regs.append([rid, t, c, addr_text(dw, allow_position=False), dw if geo else None, txt])
        _betrokkenen(bets, rid, dw, t, c, True)
    regs.sort(key=lambda x: x[1])
    W.pol_rows, W.bet_rows = regs, bets


def _betrokkenen(bets, rid, dw, t, c, planted):
    r = W.rng
    res = residents(dw, t)
    role_res = {'hennepteelt': 'verdachte', 'drugshandel': 'verdachte', 'mensenhandel': 'slachtoffer',
                'huiselijk_geweld': 'betrokkene', 'inbraak': 'slachtoffer', 'woonoverlast': 'betrokkene',
                'overig': 'betrokkene'}.get(c, 'betrokkene')
    k = 0
    for p in res[:r.randint(1, 2)]:
        bets.append([rid, role_res, p.vn, p.vv, p.gn, p.bstr or ds(p.birth) if r.random() < 0.8 else None,
                     p.bsn if r.random() < (0.55 if planted else 0.4) else None])
        k += 1
    if r.random() < 0.6 or k == 0:
        q = new_person(birth_for_age(r.randint(20, 80)))
        W.persons.pop()
        W.bsns.discard(q.bsn)
        bets.append([rid, r.choice(('melder', 'getuige')), q.vn, q.vv, q.gn, None, None])


def _mel_id():
    W.melseq += W.rng.randint(1, 9)
    return 'MEL-%07d' % W.melseq


def gen_meldingen():
    r = W.rng
    rows = []
    W.melseq = r.randint(10 ** 5, 10 ** 6)
    truth_dw = {i for (_, i) in list(W.planted) + list(W.look)}
    alldws = [d for d in W.dws if (d.res and not d.inst) or d.tag in ('shop', 'school', 'sport')]
    used = set()
    cats = list(MEL_TXT)
    wts = [0.22, 0.07, 0.04, 0.04, 0.08, 0.22, 0.13, 0.2]
    for _ in range(int(W.N / 35)):
        c = r.choices(cats, wts)[0]
        dw = r.choice(alldws)
        if dw.i in used or dw.i in truth_dw:
            continue
        used.add(dw.i)
        t = r.randint(HS, PE - 1)
        if c in ('verloedering', 'jeugdoverlast', 'overig') and r.random() < 0.5:
            adr = '%s %s %s' % (r.choice(('t.h.v.', 'bij', 'tegenover')), street_text(dw.street), dw.hn)
        else:
            adr = addr_text(dw)
        rows.append([t, adr, c, r.choice(MEL_TXT[c]), 'ja' if r.random() < 0.35 else 'nee', False])
    for kind, dw, n, t0, span in W.mel_plant:
        if kind == 'cluster':
            cs = r.sample(PROJECT_CATS, min(n, len(PROJECT_CATS)))
            used_txt = set()
            for j in range(n):
                c = cs[j % len(cs)] if r.random() < 0.7 else r.choice(PROJECT_CATS)
                txt = r.choice(MEL_TXT[c])
                while txt in used_txt and len(used_txt) < 20:
                    c = r.choice(PROJECT_CATS)
                    txt = r.choice(MEL_TXT[c])
                used_txt.add(txt)
                t = t0 + (0 if j == 0 else (span if j == n - 1 else r.randint(0, span)))
                rows.append([t, addr_text(dw, allow_position=False), c, txt, 'ja' if r.random() < 0.45 else 'nee', True])
        elif kind == 'verbouwing':
            for j in range(n):
                t = t0 + r.randint(0, span)
                rows.append([t, addr_text(dw, allow_position=False), r.choice(('woonoverlast', 'overig', 'woonoverlast')),
                             r.choice(RENOV_TXT), 'ja' if r.random() < 0.3 else 'nee', True])
        elif kind == 'zorg':
            for j in range(n):
                t = t0 + r.randint(0, span)
                rows.append([t, addr_text(dw, allow_position=False), r.choice(('woonoverlast', 'verdachte_bewoning', 'overig')),
                             r.choice(ZORG_TXT), 'ja' if r.random() < 0.4 else 'nee', True])
        else:   # the same resident reporting the same thing again and again
            txt = r.choice(SAME_TXT)
            if '%s' in txt:
                txt = txt % dw.hn
            for j in range(n):
                t = t0 + int(j * span / max(1, n - 1))
                rows.append([t, addr_text(dw, allow_position=False), 'woonoverlast',
                             txt if r.random() < 0.75 else txt + ' (melding %d)' % (j + 1), 'nee', True])
    rows.sort(key=lambda x: x[0])
    W.mel_rows = [[_mel_id()] + x for x in rows]


# ----------------------------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------------------------
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


def money(x):
    return '%.2f' % x


def vid(dw):
    return dw.vid if dw is not None else ''


def build_tables():
    r = W.rng
    T = {}
    prot_dw = {i for (_, i) in list(W.planted) + list(W.look)}
    prot_p = set()
    for p in W.out_people:
        if p.plant or p.custom or p.opt or any(h[0].i in prot_dw for h in p.hist):
            prot_p.add(p.bsn)
    W.prot_p, W.prot_dw = prot_p, prot_dw

    def P(p):
        return p.bsn in prot_p

    rows = []
    for dw in W.dws:
        rows.append(([dw.vid, dw.nad, dw.street, str(dw.hn), dw.hl, dw.ht, dw.pc, WOONPLAATS, dw.doel, str(dw.m2),
                      dw.pand, str(dw.bj), dw.bu.code, dw.bu.wk, '%.2f' % dw.x, '%.2f' % dw.y],
                     'garage' if dw.tag == 'garage' and dw.i not in prot_dw else None))
    T['bag_verblijfsobject'] = rows
    rows = []
    for b in W.buurten:
        x0, y0, x1, y1 = b.rect
        wkt = 'POLYGON((%d %d, %d %d, %d %d, %d %d, %d %d))' % (x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
        rows.append(([b.code, b.naam, b.wk, b.wknaam, GM, wkt], True))
    T['cbs_buurt'] = rows
    # BRP
    rows, hrows = [], []
    for p in W.out_people:
        c = cur_row(p)
        last = p.hist[-1]
        if p.death is not None and p.death <= PE:
            st, v, f, dadr = 'overleden', '', '', ''
        elif c is not None:
            st, v, f, dadr = 'ingezetene', c[0].vid, c[1], ds(c[2])
        elif p.exit == 'emig':
            st, v, f, dadr = 'emigratie', '', '', ds(max(h[3] for h in p.hist))
        elif p.exit == 'vow':
            st, v, f, dadr = 'vow', '', '', ds(max(h[3] for h in p.hist))
        else:
            st, v, f, dadr = 'ingezetene', '', '', ds(max(h[3] for h in p.hist))
        pb = ''
        if p.married and p.partner is not None:
            q = p.partner
            if st == 'overleden' or q.death is None or q.death > PE:
                pb = q.bsn
        kind = None if P(p) else ('gone' if st != 'ingezetene' or v == '' else None)
        rows.append(([p.bsn, p.vn, p.vv, p.gn, p.bstr or ds(p.birth), p.sex, ds(p.death) if p.death else '',
                      st, v, f, dadr, pb], kind))
        for h in p.hist:
            hrows.append(([p.bsn, h[0].vid, h[1], ds(h[2]), ds(h[3]) if h[3] is not None else ''], kind))
    T['brp_persoon'] = rows
    T['brp_verblijf_historie'] = hrows
    # income
    rows = []
    for p in W.out_people:
        o = p.opt or {}
        fp = o.get('fisc_partner')
        for y in YEARS:
            v = W.income.get((p, y))
            if v is None:
                continue
            if p.tax_over and y in p.tax_over:
                dws = p.tax_over[y]
            else:
                h = reg_at(p, YE[y])
                dws = [h[0]] if h else [None]
                if h is None:
                    inrows = [x for x in p.hist if x[2] <= YE[y] and (x[3] is None or x[3] > YS[y])]
                    if inrows and r.random() < 0.3:
                        dws = [inrows[-1][0]]
                elif r.random() < 0.25:
                    prev = [x for x in p.hist if x[2] < YS[y] + 365 and x[3] is not None and YS[y] <= x[3] <= YE[y]
                            and x[0] is not h[0]]
                    if prev:
                        dws = [prev[-1][0], h[0]]
            fiscal = ''
            q = p.partner
            if fp and y >= fp[1]:
                fiscal = fp[0].bsn
            elif q is not None and not p.no_fiscal:
                alive = q.death is None or q.death > YS[y]
                if alive and p.married:
                    fiscal = q.bsn
                elif alive and p.fisc_ok:
                    h1, h2 = reg_at(p, YE[y]), reg_at(q, YE[y])
                    if h1 and h2 and h1[0] is h2[0]:
                        fiscal = q.bsn
            b3 = ''
            if p.box3 is not None:
                b3 = money(p.box3 * (1 + 0.04 * (y - 2022)))
            seen = set()
            for dw in dws:
                if dw is not None and dw.i in seen:
                    continue
                if dw is not None:
                    seen.add(dw.i)
                rows.append(([p.bsn, str(y), money(v), b3, fiscal, vid(dw)], None if P(p) else 'p'))
    T['bd_inkomen'] = rows
    T['bd_toeslag'] = [([p.bsn, str(y), reg, q.bsn if q else '', vid(dw), money(a), '' if mb is None else str(mb)],
                        None if P(p) else 'p') for p, y, reg, q, dw, a, mb in W.toe_rows]
    T['svb_uitkering'] = [([p.bsn, k, lv, vid(dw), ds(a), ds(z) if z is not None else '', money(amt)],
                           None if P(p) else 'p') for p, k, lv, dw, a, z, amt in W.svb_rows]
    T['uwv_uitkering'] = [([p.bsn, k, ds(a), ds(z) if z is not None else '', money(amt)], None if P(p) else 'p')
                          for p, k, a, z, amt in W.uwv_rows]
    T['uwv_dienstverband'] = W.polis_rows
    T['gem_bijstand'] = [([p.bsn, norm, vid(dw), ds(a), ds(z) if z is not None else '', money(amt)],
                          None if P(p) else 'p') for p, norm, dw, a, z, amt in W.bij_rows]
    rows = []
    for dw, o, share, d, price in W.kad_rows:
        isp = isinstance(o, Person)
        rows.append(([dw.vid, o.bsn if isp else '', '' if isp else o.kvk, share, ds(d),
                      '' if price is None else money(price)], None if dw.i in prot_dw or (isp and o.bsn in prot_p) else 'p'))
    T['kad_eigendom'] = rows
    rows = []
    for c, vn, dw, s, e, ob in W.kvk_rows:
        rows.append(([c.kvk, vn, c.name, c.rv, c.sbi, dw.vid, ds(s), ds(e) if e else '', ob or ''],
                     None if dw.i in prot_dw else 'p'))
    T['kvk_vestiging'] = rows
    rows = []
    for corp, cid, dw, vn, vv, gn, bd, s, e, rent, soc, p in W.wc_rows:
        rows.append(([corp, cid, dw.vid, vn, vv, gn, bd, ds(s), ds(e) if e is not None else '', money(rent), soc],
                     None if dw.i in prot_dw or P(p) else 'p'))
    T['wc_huurcontract'] = rows
    T['nuts_verbruik'] = [([dw.vid, str(y), '' if e is None else str(e), '' if g is None else str(g),
                            '' if w is None else str(w)], None if dw.i in prot_dw else 'p')
                          for dw, y, e, g, w in W.nuts_rows]
    T['pol_registratie'] = [([rid, ds(t), c, adr, vid(v), om], None if (v is not None and v.i in prot_dw) or c in
                             ('hennepteelt', 'mensenhandel') else 'p') for rid, t, c, adr, v, om in W.pol_rows]
    T['pol_betrokkene'] = [([rid, rol, vn, vv, gn, bd or '', bsn or ''], 'p' if bsn is None or bsn not in prot_p else None)
                           for rid, rol, vn, vv, gn, bd, bsn in W.bet_rows]
    T['melding'] = [([mid, ds(t), adr, c, om, an], None if prot else 'p') for mid, t, adr, c, om, an, prot in W.mel_rows]
    return T


def bad_bsn(b):
    for d in range(10):
        x = b[:8] + str((int(b[8]) + 1 + d) % 10)
        if not elf_ok(x):
            return x
    return b[:8] + 'X'


CORRUPT = {
    'bag_verblijfsobject': [('oppervlakte', '0', 'oppervlakte outside 1-999999'),
                            ('postcode', '0123 AB', 'postcode does not match ^[1-9][0-9]{3}[A-Z]{2}$'),
                            ('gebruiksdoelen', 'garagefunctie', 'unknown gebruiksdoel')],
    'brp_persoon': [('bsn', 'BADBSN', 'bsn fails the elfproef'), ('geboortedatum', '1985-02-30', 'invalid date'),
                    ('status', 'verhuisd', 'unknown status code')],
    'brp_verblijf_historie': [('datum_aanvang', '2021-13-01', 'invalid date'), ('functie_adres', 'X', 'unknown functie_adres')],
    'bd_inkomen': [('bsn', 'BADBSN', 'bsn fails the elfproef'), ('verzamelinkomen', '12.345,67', 'not a decimal amount'),
                   ('belastingjaar', '20x2', 'not a year')],
    'bd_toeslag': [('regeling', 'woontoeslag', 'unknown regeling'), ('bsn', 'BADBSN', 'bsn fails the elfproef')],
    'svb_uitkering': [('leefvorm', 'gehuwd', 'unknown leefvorm'), ('ingangsdatum', '01-02-2021', 'invalid date format')],
    'uwv_uitkering': [('regeling', 'wao', 'unknown regeling'), ('ingangsdatum', '2022-02-29', 'invalid date')],
    'uwv_dienstverband': [('loonheffingennummer', '12345678L01', 'loonheffingennummer does not match ^[0-9]{9}L[0-9]{2}$'),
                          ('periode', '2023-13', 'invalid periode'), ('bsn', 'BADBSN', 'bsn fails the elfproef')],
    'gem_bijstand': [('norm', 'kostendeler', 'unknown norm'), ('bedrag_maand', '1.050,64', 'not a decimal amount')],
    'kad_eigendom': [('datum_verkrijging', '2019-02-29', 'invalid date'), ('eigenaar_both', None, 'both eigenaar_bsn and eigenaar_kvk given')],
    'kvk_vestiging': [('rechtsvorm', 'cv', 'unknown rechtsvorm'), ('vestigingsnummer', '12345678901', 'vestigingsnummer is not 12 digits')],
    'wc_huurcontract': [('sociale_huur', 'j', 'not ja/nee'), ('ingangsdatum', '31-12-2021', 'invalid date format')],
    'nuts_verbruik': [('vbo_id', '039201000012345', 'vbo_id is not 16 digits'), ('jaar', '20021', 'not a year')],
    'pol_registratie': [('categorie', 'geluidsoverlast', 'unknown categorie'), ('datum', '2022-04-31', 'invalid date')],
    'pol_betrokkene': [('rol', 'dader', 'unknown rol'), ('bsn', 'BADBSN', 'bsn fails the elfproef')],
    'melding': [('categorie', 'parkeeroverlast', 'unknown categorie'), ('anoniem', 'onbekend', 'not ja/nee'),
                ('datum', '2023/05/01', 'invalid date format')],
}


def corrupt(T):
    r = W.rng
    inv = []
    for tname, rows in T.items():
        if tname not in CORRUPT or len(rows) < 100:
            continue
        cols = COLUMNS[tname]
        if tname == 'uwv_dienstverband':
            n = max(1, int(round(0.002 * len(rows))))
            pick = set()
            while len(pick) < n:
                i = r.randrange(len(rows))
                if rows[i][0] not in W.prot_p:
                    pick.add(i)
            for k, i in enumerate(sorted(pick)):
                col, val, reason = CORRUPT[tname][k % len(CORRUPT[tname])]
                j = cols.index(col)
                row = list(rows[i])
                row[j] = bad_bsn(row[j]) if val == 'BADBSN' else val
                rows[i] = row
                inv.append((tname, i + 2, col, reason))
            continue
        elig = [i for i, (row, kind) in enumerate(rows) if kind]
        if tname == 'brp_persoon' or tname == 'brp_verblijf_historie':
            elig = [i for i in elig if rows[i][1] == 'gone']
        if tname == 'bag_verblijfsobject':
            elig = [i for i in elig if rows[i][1] == 'garage']
        n = max(1, int(round(0.002 * len(rows))))
        if not elig:
            continue
        pick = sorted(r.sample(elig, min(n, len(elig))))
        for k, i in enumerate(pick):
            col, val, reason = CORRUPT[tname][k % len(CORRUPT[tname])]
            row = rows[i][0]
            if col == 'eigenaar_both':
                if row[1]:
                    row[2] = '%08d' % r.randrange(10 ** 7, 10 ** 8)
                else:
                    row[1] = new_bsn()
                col = 'eigenaar_bsn'
            else:
                j = cols.index(col)
                if val == 'BADBSN':
                    if not row[j]:
                        continue
                    val = bad_bsn(row[j])
                row[j] = val
            inv.append((tname, i + 2, col, reason))
    W.invalid = inv


def write_all(out):
    lev = os.path.join(out, 'levering')
    tru = os.path.join(out, 'truth')
    os.makedirs(lev, exist_ok=True)
    os.makedirs(tru, exist_ok=True)
    T = build_tables()
    corrupt(T)
    for tname, rows in T.items():
        with open(os.path.join(lev, tname + '.csv'), 'w', newline='', encoding='utf-8') as f:
            w = csv.writer(f, lineterminator='\n')
            w.writerow(COLUMNS[tname])
            if tname == 'uwv_dienstverband':
                f.write(''.join(','.join(x) + '\n' for x in rows))
            else:
                w.writerows(row for row, _ in rows)
    with open(os.path.join(lev, 'levering.toml'), 'w', encoding='utf-8') as f:
        f.write('partner = "gemeente"\npeildatum = "%s"\n' % PEIL_DATE.isoformat())
    # truth
    both = [k for k in W.look if k in W.planted]
    for k in both:
        del W.look[k]
    with open(os.path.join(tru, 'planted.csv'), 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['thema', 'vbo_id', 'variant'])
        for (th, i), v in sorted(W.planted.items(), key=lambda x: (x[0][0], W.dws[x[0][1]].vid)):
            w.writerow([th, W.dws[i].vid, v])
    with open(os.path.join(tru, 'lookalikes.csv'), 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['thema', 'vbo_id', 'lookalike'])
        for (th, i), v in sorted(W.look.items(), key=lambda x: (x[0][0], W.dws[x[0][1]].vid)):
            w.writerow([th, W.dws[i].vid, v])
    with open(os.path.join(tru, 'invalid.csv'), 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['table', 'line', 'column', 'reason'])
        for row in sorted(W.invalid, key=lambda x: (x[0], x[1])):
            w.writerow(row)
    write_readme(tru, T, len(both))
    return T


THEME_DOC = {
    'overbewoning': ('Unrelated adults registered separately, staggered move-ins, on 40-90 m2 (variant veel_ingeschrevenen_per_m2) '
                     'or 2-5 adults on 16-33 m2 studios (kleine_eenheid); m2 per registered person from ~5 up to just under 12. '
                     'Crowded units of the landlord plants below are also listed here.',
                     'Large families (2 parents + 4-7 children) in 135-260 m2 homes (>= 14 m2 per person); registered '
                     'student housing (logiesfunctie), care homes and sheltered housing (gezondheidszorgfunctie) and shelters.'),
    'huisjesmelkerij': ('A person (in or outside the area) or a B.V. owning 2-5 units in kad_eigendom that are crowded, or that show '
                        'many short stays (doorgangsadres pattern), or whose rent (delivered in wc_huurcontract under the '
                        'landlord\'s name, sociale_huur=nee) is far above the unit (EUR 38-70 per m2 per month, or one '
                        'EUR 450-900 room contract per resident). Every unit and, for a person in the area, the owner\'s own '
                        'home is listed.',
                        'Ordinary small landlords (2-3 normally occupied units, long stays) with their own home; low-income '
                        'owners of several normal units (those are planted as vermogen_inkomen instead).'),
    'samenwoonfraude': ('Bijstand at the single (or single-parent) norm, not reduced, while a partner moved in (partner evidence varies: '
                        'a one-sided fiscal partner, a child born at the address, a toeslagpartner, or co-registration only); AOW at '
                        'alleenstaand with a partner or a sibling registered at the address; ANW continued after a new partner moved in; '
                        'a fiscal partner or toeslagpartner (named in only one of the two partners\' rows) registered at another '
                        'address in the area (both addresses listed; utilities follow where the partner really lives).',
                        'Bijstand already at the kostendelersnorm with adult housemates; a parent with an adult child at home; a '
                        'lodger with his own (room) contract; couples both on AOW at the couple rate; AOW parent with an adult '
                        'child; a married partner who moved into a care home.'),
    'adresfraude': ('Persons registered where consumption shows nobody (or one near-threshold case at ~35%) lives; a doorgangsadres '
                    '(many 1-5 month registrations, one case with fewer, longer stays); frequent movers (4-7 moves, every address '
                    'listed); a return after a gap in which the person was "vertrokken onbekend waarheen" while tax and allowance '
                    'addresses stayed at the old in-area address (both addresses); tax/allowance address at another in-area '
                    'address than the BRP (both addresses).',
                    'A home vacant 6-11 months between tenants; a family that moved in at the end of year Y or early Y+1 after a '
                    'vacancy (Y consumption low); elderly owners with 35-55% consumption in 2-4 years (long stays abroad); a tax '
                    'address of year Y at the old address of someone who moved early in Y+1.'),
    'onderverhuur': ('Social-housing contracts (wc_huurcontract, names typed with variants, no BSN) whose tenant is registered at '
                     'another address in the area (listed too), emigrated or went "vow", while unrelated others are registered at '
                     'the contract address; a tenant still registered there whose tax and allowance address is elsewhere (listed too).',
                     'A tenant who died (contract ended, partner continues with a new contract or a new tenant follows); a tenant '
                     'registered in a care home with the spouse still at home.'),
    'hennepteelt': ('Dwellings whose electricity in 1-3 years is 1.2x-8x above what the registered household and floor area explain '
                    'on top of normal use (gas normal), one of them with nobody registered; police registrations (hennepteelt) with '
                    'normal or slightly raised metered use (bypass); a third of the consumption cases also get a police registration.',
                    'All-electric homes (heat pump or electric heating, gas 0) with families; EV charging from some year; shops, '
                    'offices and industry with very high use.'),
    'briefadresmisbruik': ('An ordinary home with 3-10 postal addresses (functie B) over the years; a home where 1-2 persons with a '
                           'postal address receive huurtoeslag (medebewoners 0) and zorgtoeslag at that address.',
                           'Shelters and post-address foundations giving many postal addresses (KvK stichting, SBI 87/88); '
                           'one adult child with a postal address at the parents\' home, without allowances.'),
    'ondermijning_bedrijfsadres': ('Homes with 3-20 companies (B.V., eenmanszaak of non-residents, vof); homes with a series of '
                                   'companies living 2-11 months each; homes with companies plus police registrations '
                                   '(drugshandel, mensenhandel, fraud).',
                                   'Business centres (kantoorfunctie, 15-60 companies); one self-employed resident with an '
                                   'eenmanszaak at home.'),
    'vermogen_inkomen': ('A household that bought a home or a second property (2021-2025, market price) with a declared household '
                         'income of roughly EUR 5-30k and no box 3 wealth (one case at ~60% of market price, nearer a threshold); '
                         'low-income owners of several rented units; property held or bought while on bijstand. The residence and '
                         'every owned property are listed.',
                         'Inheritance (no koopsom); purchases 1978-2000 at old prices by pensioners; low income but EUR 0.9-3.5M box 3 '
                         'wealth; a sole owner with low income whose married partner earns EUR 130k+.'),
    'uitkering_en_loon': ('Bijstand (also at the kostendelersnorm) paid in full in 1-12 months with wages (amounts from EUR 160); WW '
                          'paid in full while a new job pays wages from month 2 on; ZW paid in full while working again.',
                          'Final pay (incl. holiday pay) in the first WW month; bijstand already reduced month by month for the '
                          'declared wage (also on the kostendelersnorm); WIA or Wajong with a part-time job.'),
    'uitbuiting_zorg': ('Vulnerable persons (bijstand, WW, Wajong, or polis pay below the legal minimum hourly wage) in crowded units '
                        'rented at high rent (one room contract per resident) or from a landlord (person or B.V.) with several '
                        'such units. Only the units are listed (care signal).',
                        'Families on bijstand or WIA in suitable social homes (>= 18 m2 per person, social rent).'),
    'meldingen_cluster': ('3-7 distinct residents\' reports (different texts, categories woonoverlast, verdachte_bewoning, '
                          'onderverhuur, overbewoning, drugsoverlast; mixed anonymity; varied address notations) within 1-8 months, '
                          'about ordinary homes and about some addresses planted for other themes.',
                          'Renovation nuisance right after a purchase; reports about care/shelter institutions; one resident '
                          'reporting the same thing repeatedly (same text, not anonymous).'),
}


def write_readme(tru, T, dropped):
    from collections import Counter
    pc = Counter(th for th, _ in W.planted)
    lc = Counter(th for th, _ in W.look)
    n_res = sum(1 for d in W.dws if d.res)
    addrs = {i for _, i in W.planted}
    cur = sum(1 for p in W.out_people if cur_row(p) is not None and cur_row(p)[1] == 'W')
    L = ['# Truth for this synthetic delivery', '',
         'Generated by tools/blind-gemeente/generate.py (persons=%d, seed=%d), written only from shared/domain.md '
         'and shared/spec/levering.md.' % (W.N, W.seed), '',
         '- peildatum %s; BRP history from before 2020 up to the peildatum; income and consumption years 2020-2025; '
         'allowances 2020-2026; polis months 2020-01..2026-05.' % PEIL_DATE.isoformat(),
         '- %d verblijfsobjecten (%d with woonfunctie), %d persons in brp_persoon, %d registered with a woonadres now.'
         % (len(W.dws), n_res, len(W.out_people), cur),
         '- %d distinct addresses carry a planted case (%.2f%% of all addresses).' % (len(addrs), 100.0 * len(addrs) / len(W.dws)),
         '- planted.csv: one row per theme and address (a case touching several addresses lists each one); '
         'lookalikes.csv: honest look-alikes that must not be flagged for that theme; invalid.csv: deliberately invalid '
         'rows (line = line number in the CSV, header = line 1).',
         '- Case counts scale with --persons (at least one case per variant). Names, ages and neighbourhoods of planted '
         'cases are drawn exactly like the background population.', '',
         '| theme | planted addresses | look-alike addresses |', '|---|---|---|']
    for th in THEME_DOC:
        L.append('| %s | %d | %d |' % (th, pc.get(th, 0), lc.get(th, 0)))
    L.append('')
    for th, (pl, lk) in THEME_DOC.items():
        L += ['## ' + th, '', '- planted: ' + pl, '- look-alikes: ' + lk, '']
    L += ['## Background rates (honest population)', '',
          '- households: ~42% singles, couples, families with children (born into the home where applicable), single '
          'parents, students and shared houses of unrelated adults, parents with adult children, lodgers, elderly siblings; '
          'background homes keep >= 15 m2 per registered person.',
          '- about 1/3 of households arrived during the window; ~30% of those came from another address in the area; earlier '
          'occupants left the area (gap), emigrated, went vow, died or moved into a care home. ~2.5% of homes are vacant now.',
          '- roles of working-age adults: ~52% full-time, ~19% part-time, ~8% self-employed (~7% loss years), ~3% WIA, '
          '~1.5% Wajong; ~9% of workers have a WW spell (first month overlaps final pay), ~2% a ZW spell; bijstand for '
          '~8.5% of singles and ~22% of single parents, always at the honest norm (kostendelersnorm with adult housemates of 21+, '
          'not for commercial lodgers, institutions or postal addresses) and reduced for wages.',
          '- AOW from the AOW age with leefvorm from the household (partner or joint-household sibling = samenwonend); ANW for '
          'some widow(er)s; AKW not delivered.',
          '- income: ~3% of person-years without a row (unknown), 2025 ~30% not yet assessed; negative incomes from losses and '
          'mortgage interest; box 3 for ~25-50% of adults.',
          '- owner-occupiers bought at market prices capped at ~5.5x household income plus box 3 wealth.',
          '- utilities: electricity/gas/water from registered person-years, floor area, building year and heating type '
          '(~65% heat pumps in new builds, some district heating), solar panels on ~15% of owner-occupied homes, ~0.8% '
          'missing values, collective water meters (empty water) in ~8% of flats.',
          '- police: ~1 registration per 45 inhabitants (no hennepteelt / mensenhandel in the background), reports: ~1 per 35 '
          'inhabitants, at most one per address in the background.',
          '- invalid rows: ~0.2%% per table (tables with at least 100 rows), %d in total.' % len(W.invalid),
          '- %d theme/address pairs were both planted and look-alike and were kept as planted only.' % dropped, '']
    with open(os.path.join(tru, 'README.md'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(L))


# ----------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--persons', type=int, default=50000)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--out', required=True)
    a = ap.parse_args(argv)
    gc.disable()        # millions of small rows and no garbage cycles worth collecting: much faster
    W.rng = random.Random(a.seed)
    W.seed = a.seed
    W.N = max(2000, a.persons)
    W.s = W.N / 50000.0
    W.persons, W.dws, W.companies = [], [], []
    W.bsns, W.kvks, W.vestnrs = set(), set(), set()
    W.planted, W.look = {}, {}
    W.pol_plant, W.mel_plant, W.wc_extra = [], [], []
    W.employers = ['%09dL%02d' % (W.rng.randrange(10 ** 8, 10 ** 9), W.rng.randint(1, 3))
                   for _ in range(int(1500 * W.s) + 200)]
    build_geography()
    build_bag()
    W.corps = []
    for nm in CORPS:
        c = new_company(nm, 'stichting', '6820')
        c.corp = True
        W.corps.append(c)
    make_institutions()
    for c in W.corps:
        c.vest.append([new_vestnr(), take_nonres(('office',)), O(W.rng.randint(1990, 2010), 1, 1), None, None])
    populate_institutions()
    init_free()
    plant_overbewoning()
    plant_landlords()
    plant_samenwoon()
    plant_adresfraude()
    plant_onderverhuur()
    plant_hennep()
    plant_briefadres()
    plant_ondermijning()
    plant_vermogen()
    plant_uitkering()
    plant_meldingen()
    plant_meldingen_attached()
    populate_background()
    build_link_index()
    for dw in W.dws:
        if dw.res and not dw.inst:
            fill_former(dw)
    link_children_and_widows()
    finalize_people()
    gen_all_spells()
    gen_polis()
    gen_benefits()
    gen_incomes()
    assign_ownership()
    finish_incomes()
    gen_toeslagen()
    gen_kad()
    gen_kvk()
    gen_wc()
    gen_nuts()
    gen_police()
    gen_meldingen()
    T = write_all(a.out)
    sys.stderr.write('wrote %s: %s\n' % (a.out, ', '.join('%s=%d' % (k, len(v)) for k, v in T.items())))


if __name__ == '__main__':
    main()
