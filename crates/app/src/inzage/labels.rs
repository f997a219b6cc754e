//! Plain Dutch for what a resident reads: every table and field of the contract
//! (`loep_contract::TABLES`), the partners, coded values, the facts of signals and the records
//! of the processing log. A test checks that every table and field of the contract has a label,
//! so that a new field cannot reach a letter under its column name.

use loep_contract::{ColumnType, Partner, Table};

/// The source as a resident knows it.
pub fn table(name: &str) -> Option<&'static str> {
    Some(match name {
        "cbs_buurt" => "Buurten en wijken (CBS)",
        "bag_verblijfsobject" => "Adressen en gebouwen (BAG)",
        "kad_eigendom" => "Eigendom (Kadaster)",
        "kvk_vestiging" => "Bedrijfsvestiging (Handelsregister van de KvK)",
        "brp_persoon" => "Inschrijving in de gemeente (BRP)",
        "brp_verblijf_historie" => "Adressen waar u ingeschreven stond (BRP)",
        "bd_inkomen" => "Inkomen (Belastingdienst)",
        "bd_toeslag" => "Toeslagen (Belastingdienst/Toeslagen)",
        "svb_uitkering" => "Uitkering van de SVB (AOW, Anw, kinderbijslag)",
        "uwv_uitkering" => "Uitkering van het UWV",
        "uwv_dienstverband" => "Loon en dienstverband (polisadministratie UWV)",
        "gem_bijstand" => "Bijstand (gemeente, Participatiewet)",
        "wc_huurcontract" => "Huurcontract (woningcorporatie)",
        "nuts_verbruik" => "Energie- en waterverbruik (netbeheerder, waterbedrijf)",
        "pol_registratie" => "Registratie van de politie",
        "pol_betrokkene" => "Vermelding in een registratie van de politie",
        "melding" => "Melding van een bewoner",
        _ => return None,
    })
}

/// The partner named in full.
pub fn partner(p: Partner) -> &'static str {
    match p {
        Partner::Gemeente => "Gemeente",
        Partner::Belastingdienst => "Belastingdienst",
        Partner::Svb => "Sociale Verzekeringsbank (SVB)",
        Partner::Uwv => "UWV (Uitvoeringsinstituut Werknemersverzekeringen)",
        Partner::Kadaster => "Kadaster",
        Partner::Kvk => "Kamer van Koophandel (KvK)",
        Partner::Woningcorporatie => "Woningcorporatie",
        Partner::Netbeheerder => "Netbeheerder of waterbedrijf",
        Partner::Politie => "Politie",
    }
}

/// The partner by its name in `levering.toml`, in full; the name itself when unknown.
pub fn partner_named(name: &str) -> String {
    Partner::parse(name)
        .map(|p| partner(p).to_string())
        .unwrap_or_else(|_| name.to_string())
}

/// The label of a field of `table`, by its contract name or its name in the analysis store
/// (`pseudoniem`, `partner_pseudoniem`, `geboortejaar`, `record_key`).
pub fn field(table: &str, name: &str) -> Option<&'static str> {
    let specific = match (table, name) {
        ("kad_eigendom" | "kvk_vestiging", "eigenaar_bsn" | "eigenaar_pseudoniem") => "Eigenaar",
        ("kvk_vestiging", "datum_inschrijving") => "Ingeschreven in het Handelsregister sinds",
        ("brp_persoon", "vbo_id") => "Adres",
        ("brp_persoon", "datum_aanvang_adreshouding") => "Ingeschreven sinds",
        ("brp_verblijf_historie", "vbo_id") => "Adres",
        ("bd_inkomen", "vbo_id") => "Adres volgens de Belastingdienst",
        ("bd_toeslag", "vbo_id") => "Adres volgens Toeslagen",
        ("svb_uitkering", "vbo_id") => "Adres volgens de SVB",
        ("gem_bijstand", "vbo_id") => "Adres volgens de bijstandsadministratie",
        ("wc_huurcontract", "vbo_id") => "Gehuurde woning",
        ("wc_huurcontract", "ingangsdatum") => "Huurt sinds",
        ("wc_huurcontract", "einddatum") => "Huur beëindigd op",
        ("kad_eigendom", "vbo_id") => "Woning of pand",
        ("kvk_vestiging", "vbo_id") => "Adres van de vestiging",
        ("nuts_verbruik", "vbo_id") => "Adres",
        ("pol_registratie", "vbo_id") => "Adres",
        ("bag_verblijfsobject", "vbo_id") => "Verblijfsobject",
        ("pol_registratie" | "melding", "datum") => "Datum",
        ("pol_registratie", "adres") => "Adres zoals de politie het noteerde",
        ("melding", "adres") => "Adres zoals gemeld",
        ("pol_registratie", "categorie") => "Soort registratie",
        ("melding", "categorie") => "Soort melding",
        ("bd_toeslag" | "nuts_verbruik", "jaar") => "Jaar",
        _ => "",
    };
    if !specific.is_empty() {
        return Some(specific);
    }
    Some(match name {
        "bsn" | "pseudoniem" => "Persoon",
        "record_key" => "Kenmerk van de regel",
        "vbo_id" => "Adres",
        "nummeraanduiding_id" => "Nummeraanduiding (BAG)",
        "openbare_ruimte" => "Straat",
        "huisnummer" => "Huisnummer",
        "huisletter" => "Huisletter",
        "huisnummertoevoeging" => "Toevoeging bij het huisnummer",
        "postcode" => "Postcode",
        "woonplaats" => "Woonplaats",
        "gebruiksdoelen" => "Gebruiksdoel",
        "oppervlakte" => "Oppervlakte (m²)",
        "pand_id" => "Pand (BAG)",
        "bouwjaar" => "Bouwjaar",
        "buurtcode" => "Buurt",
        "buurtnaam" => "Naam van de buurt",
        "wijkcode" => "Wijk",
        "wijknaam" => "Naam van de wijk",
        "gemeentecode" => "Gemeente",
        "geometrie_wkt" => "Grenzen van de buurt",
        "rd_x" => "Ligging, oost-west (RD-coördinaat)",
        "rd_y" => "Ligging, noord-zuid (RD-coördinaat)",
        "eigenaar_kvk" => "Eigenaar (KvK-nummer)",
        "aandeel" => "Aandeel in de eigendom",
        "datum_verkrijging" => "Eigenaar sinds",
        "koopsom" => "Koopsom",
        "kvk_nummer" => "KvK-nummer",
        "vestigingsnummer" => "Vestigingsnummer",
        "handelsnaam" => "Handelsnaam",
        "rechtsvorm" => "Rechtsvorm",
        "sbi_code" => "Soort bedrijf (SBI-code)",
        "datum_inschrijving" => "Ingeschreven sinds",
        "datum_uitschrijving" => "Uitgeschreven op",
        "voornamen" => "Voornamen",
        "voorvoegsel" => "Voorvoegsel",
        "geslachtsnaam" => "Achternaam",
        "geboortedatum" => "Geboortedatum",
        "geboortejaar" => "Geboortejaar",
        "geslacht" => "Geslacht",
        "overlijdensdatum" => "Datum van overlijden",
        "status" => "Stand van de inschrijving",
        "functie_adres" => "Soort adres",
        "datum_aanvang_adreshouding" => "Ingeschreven sinds",
        "partner_bsn" | "partner_pseudoniem" => "Echtgenoot of geregistreerd partner",
        "datum_aanvang" => "Ingeschreven vanaf",
        "datum_einde" => "Ingeschreven tot",
        "belastingjaar" => "Belastingjaar",
        "verzamelinkomen" => "Verzamelinkomen",
        "vermogen_box3" => "Vermogen (box 3)",
        "fiscaal_partner_bsn" | "fiscaal_partner_pseudoniem" => "Fiscaal partner",
        "jaar" => "Jaar",
        "regeling" => "Regeling",
        "toeslagpartner_bsn" | "toeslagpartner_pseudoniem" => "Toeslagpartner",
        "bedrag_jaar" => "Bedrag per jaar",
        "medebewoners" => "Opgegeven medebewoners",
        "leefvorm" => "Leefsituatie",
        "ingangsdatum" => "Ingangsdatum",
        "einddatum" => "Einddatum",
        "bedrag_maand" => "Bedrag per maand",
        "loonheffingennummer" => "Werkgever (loonheffingennummer)",
        "periode" => "Maand",
        "loon" => "Loon",
        "uren" => "Gewerkte uren",
        "norm" => "Bijstandsnorm",
        "corporatie" => "Woningcorporatie",
        "contract_id" => "Contractnummer",
        "huurder_voornamen" => "Voornamen van de huurder",
        "huurder_voorvoegsel" => "Voorvoegsel van de huurder",
        "huurder_geslachtsnaam" => "Achternaam van de huurder",
        "huurder_geboortedatum" => "Geboortedatum van de huurder",
        "huurder_geboortejaar" => "Geboortejaar van de huurder",
        "kale_huur_maand" => "Kale huur per maand",
        "sociale_huur" => "Sociale huurwoning",
        "elektriciteit_kwh" => "Stroomverbruik (kWh)",
        "gas_m3" => "Gasverbruik (m³)",
        "water_m3" => "Waterverbruik (m³)",
        "registratie_id" => "Registratienummer",
        "datum" => "Datum",
        "categorie" => "Soort",
        "adres" => "Adres zoals genoteerd",
        "omschrijving" => "Omschrijving",
        "omschrijving_onderwerpen" => "Onderwerpen van de omschrijving",
        "rol" => "Rol",
        "melding_id" => "Meldingsnummer",
        "anoniem" => "Anoniem gemeld",
        _ => return None,
    })
}

/// The contract column behind a name in the analysis store or the vault (`pseudoniem` is
/// `bsn`, `geboortejaar` is `geboortedatum`, …).
pub fn column(table: &Table, name: &str) -> Option<&'static loep_contract::Column> {
    table
        .columns
        .iter()
        .find(|c| c.name == name || c.analysis_name().as_deref() == Some(name))
}

/// A coded value in words (`W` is "woonadres", `vow` "vertrokken, onbekend waarheen").
pub fn code(name: &str, value: &str) -> Option<&'static str> {
    Some(match (name, value) {
        ("geslacht", "M") => "man",
        ("geslacht", "V") => "vrouw",
        ("geslacht", "O") => "onbekend",
        ("status", "ingezetene") => "ingeschreven in de gemeente",
        ("status", "vow") => "vertrokken, onbekend waarheen",
        ("status", "emigratie") => "naar het buitenland vertrokken",
        ("status", "overleden") => "overleden",
        ("functie_adres", "W") => "woonadres",
        ("functie_adres", "B") => "briefadres",
        ("regeling", "aow") => "AOW",
        ("regeling", "anw") => "Anw (nabestaandenuitkering)",
        ("regeling", "akw") => "kinderbijslag",
        ("regeling", "ww") => "WW",
        ("regeling", "wia") => "WIA",
        ("regeling", "wajong") => "Wajong",
        ("regeling", "zw") => "Ziektewet",
        ("regeling", "tw") => "Toeslagenwet",
        ("regeling", "huurtoeslag") => "huurtoeslag",
        ("regeling", "zorgtoeslag") => "zorgtoeslag",
        ("regeling", "kinderopvangtoeslag") => "kinderopvangtoeslag",
        ("regeling", "kindgebonden_budget") => "kindgebonden budget",
        ("leefvorm", "alleenstaand") => "alleenstaand",
        ("leefvorm", "samenwonend") => "samenwonend",
        ("norm", "alleenstaande") => "alleenstaande",
        ("norm", "alleenstaande_ouder") => "alleenstaande ouder",
        ("norm", "gehuwden") => "gehuwden of samenwonenden",
        ("rechtsvorm", "eenmanszaak") => "eenmanszaak",
        ("rechtsvorm", "vof") => "vennootschap onder firma (vof)",
        ("rechtsvorm", "bv") => "besloten vennootschap (bv)",
        ("rechtsvorm", "nv") => "naamloze vennootschap (nv)",
        ("rechtsvorm", "stichting") => "stichting",
        ("rechtsvorm", "vereniging") => "vereniging",
        ("rechtsvorm", "overig") => "andere rechtsvorm",
        ("rol", "verdachte") => "verdachte",
        ("rol", "slachtoffer") => "slachtoffer",
        ("rol", "getuige") => "getuige",
        ("rol", "melder") => "melder",
        ("rol", "betrokkene") => "betrokkene",
        (_, "ja") => "ja",
        (_, "nee") => "nee",
        _ => return None,
    })
}

/// Whether a column holds a pseudonym (a person) in the analysis store.
pub fn is_person(table: &Table, name: &str) -> bool {
    name == "pseudoniem" || column(table, name).is_some_and(|c| matches!(c.ty, ColumnType::Bsn))
}

/// The theme with code `t` in words ([`loep_contract::Thema::label`]), for a theme as stored.
pub fn theme(t: &str) -> &'static str {
    loep_contract::Thema::parse(t).map_or("Ander thema", loep_contract::Thema::label)
}

/// A theme in a few words ([`loep_contract::Thema::short`]), for a terminal's table or a list
/// of themes on one line.
pub fn theme_short(t: &str) -> String {
    match loep_contract::Thema::parse(t) {
        Ok(thema) => thema.short().to_string(),
        Err(_) => t.replace('_', " "),
    }
}

/// What the visiting team checks on the spot for a theme: observable facts, in the order a
/// visit finds them, never a conclusion the signal already drew. For the visit sheet.
pub fn check_on_visit(t: &str) -> &'static [&'static str] {
    match t {
        "overbewoning" => &[
            "Hoeveel mensen wonen hier, en hoeveel slaapplaatsen zijn er?",
            "Klopt de woonoppervlakte met de BAG, of is de woning opgedeeld?",
            "Zijn er gevaren: brandveiligheid, vluchtwegen, vocht?",
        ],
        "huisjesmelkerij" => &[
            "Wie verhuurt, voor welke huur per persoon, met welk contract?",
            "Zijn er kamers met sloten, meerdere bellen of brievenbussen?",
            "Staat de staat van onderhoud en de brandveiligheid in verhouding tot de huur?",
        ],
        "uitbuiting_zorg" => &[
            "Is iemand afhankelijk van de verhuurder of werkgever (paspoort ingehouden, schuld, huur via loon)?",
            "Heeft iemand zorg, ondersteuning of een tolk nodig? Bied de zorgpartner aan.",
            "Spreek bewoners zo mogelijk apart, zonder de verhuurder erbij.",
        ],
        "samenwoonfraude" => &[
            "Wie woont hier werkelijk: kleding, post, tandenborstels, namen op de bel?",
            "Delen de bewoners een huishouden (kosten, boodschappen, zorg voor elkaar)?",
            "Hoor beide partners: een ouder en een volwassen kind vormen geen gezamenlijke huishouding.",
        ],
        "adresfraude" => &[
            "Woont de ingeschreven persoon hier, of iemand anders?",
            "Vraag naar het adres waar de persoon wel woont (voor een terugmelding aan de BRP).",
        ],
        "onderverhuur" => &[
            "Woont de huurder van de corporatie hier zelf?",
            "Wie woont er wel, sinds wanneer, en aan wie betaalt die huur?",
        ],
        "hennepteelt" => &[
            "Ga niet alleen en niet zonder de netbeheerder en de politie naar binnen.",
            "Let op geur, geluid van ventilatie, afgeplakte ramen en een aangepaste meterkast.",
        ],
        "briefadresmisbruik" => &[
            "Hoeveel mensen hebben hier een briefadres, en kent de hoofdbewoner hen?",
            "Is er een reden voor de briefadressen (dakloosheid, opvang) of worden ze verhandeld?",
        ],
        "ondermijning_bedrijfsadres" => &[
            "Wordt er op dit woonadres echt gewerkt, of staan de bedrijven er alleen ingeschreven?",
            "Wie beheert de post en wie is de eigenaar of huurder?",
        ],
        "vermogen_inkomen" => &[
            "Wie woont in de woning en wie is eigenaar? Let op wat het huishouden aan bezit toont.",
        ],
        "uitkering_en_loon" => &[
            "Werkt de bewoner naast de uitkering, en heeft de uitkeringsinstantie dat gemeld gekregen?",
            "Sommige uitkeringen (WIA, Wajong) gaan samen met werk: neem geen conclusie mee.",
        ],
        "meldingen_cluster" => &[
            "Waarover gaan de meldingen (overlast, veiligheid, zorg), en is dat nu te zien of te horen?",
        ],
        _ => &["Wat is ter plekke te zien van wat het signaal zegt?"],
    }
}

/// A fact of a signal by its name (the columns the indicators' SQL returns).
pub fn fact(name: &str) -> Option<&'static str> {
    Some(match name {
        "jaar" => "Jaar",
        "persoonsjaren" => "Gemiddeld aantal ingeschreven bewoners",
        "water_m3" => "Waterverbruik (m³)",
        "aandeel_water" => "Deel van het verwachte waterverbruik",
        "verwacht_water" => "Verwacht waterverbruik (m³)",
        "elektriciteit_kwh" => "Stroomverbruik (kWh)",
        "verwacht_kwh" => "Verwacht stroomverbruik (kWh)",
        "kort_verblijf" => "Korte inschrijvingen",
        "dagen" => "Aantal dagen bekeken",
        "dagen_venster" => "Periode (dagen)",
        "adressen" => "Aantal adressen",
        "gat_dagen" => "Dagen zonder inschrijving",
        "aanvang" => "Ingeschreven vanaf",
        "vorige_aanvang" => "Vorige inschrijving vanaf",
        "vorige_einde" => "Vorige inschrijving tot",
        "briefadressen" => "Personen met een briefadres",
        "personen" => "Aantal personen",
        "probleemwoningen" => "Woningen van de eigenaar met een signaal",
        "woningen_eigenaar" => "Woningen van de eigenaar",
        "oppervlakte" => "Oppervlakte (m²)",
        "verwarming" => "Verwarming",
        "registraties" => "Aantal registraties van de politie",
        "laatste" => "Laatste datum",
        "meldingen" => "Aantal meldingen",
        "vestigingen" => "Aantal bedrijfsvestigingen",
        "sinds" => "Sinds",
        "beeindigd" => "Waarvan beëindigd",
        "kortlevend" => "Kort bestaande vestigingen",
        "categorie" => "Soort",
        "ingangsdatum" => "Ingangsdatum",
        "kale_huur_maand" => "Kale huur per maand (euro)",
        "reden" => "Reden",
        "anderen" => "Andere ingeschrevenen",
        "m2_per_persoon" => "Oppervlakte per persoon (m²)",
        "nieuw" => "Nieuwe inschrijvingen",
        "totaal" => "Ingeschrevenen in totaal",
        "regeling" => "Regeling",
        "bedrag" => "Bedrag per maand (euro)",
        "norm" => "Eigen bijstandsnorm per maand (euro)",
        "niet_verlaagd" => "Niet verlaagd onder de eigen norm",
        "medebewoners" => "Andere volwassenen op het adres",
        "medebewoner" => "Andere volwassene op het adres",
        "inkomen" => "Inkomen (euro per jaar)",
        "partners" => "Partners elders ingeschreven",
        "kwetsbaar" => "Kwetsbare bewoners",
        "maanden" => "Maanden met loon",
        "loon" => "Loon (euro)",
        "aankopen" => "Aankopen van vastgoed (euro)",
        "verhouding" => "Verhouding tot inkomen en vermogen",
        "inkomen_vermogen" => "Inkomen plus vermogen (euro)",
        "leden" => "Leden van het huishouden",
        "verkrijging" => "Eigenaar sinds",
        "aandeel" => "Aandeel in de eigendom",
        "vermogen" => "Vermogen (euro)",
        "laagste" => "Laagste waarde",
        "afzonderlijk" => "Afzonderlijk ingeschreven bewoners",
        "afzonderlijk_minder" => {
            "Zoveel afzonderlijke inschrijvingen minder en er was geen signaal"
        }
        "briefadressen_minder" => "Zoveel briefadressen minder en er was geen signaal",
        "bron" => "Bron van het andere adres",
        "bronnen" => "Aantal bronnen",
        "categorieen" => "Aantal categorieën",
        "contracten" => "Lopende huurcontracten",
        "eerste" => "Eerste melding",
        "grens_huur" => "Grens kale huur per maand (euro)",
        "grens_kwh" => "Grens stroomverbruik (kWh)",
        "grens_oppervlakte" => "Grens oppervlakte (m²)",
        "grens_probleem" => "Grens aantal woningen met een probleem",
        "grens_water" => "Grens waterverbruik (m³)",
        "grond" => "Waarom de medebewoner meetelt",
        "huur" => "Kale huur per maand (euro)",
        "huur_m2" => "Kale huur per m² per maand (euro)",
        "huurwoning" => "Huurwoning",
        "inschrijvingen" => "Inschrijvingen",
        "jaren" => "Aantal jaren",
        "jaren_verschil" => "Jaren met een ander adres",
        "kortlevend_minder" => "Zoveel kortlevende vestigingen minder en er was geen signaal",
        "kwetsbaar_minder" => "Zoveel kwetsbare bewoners minder en er was geen signaal",
        "meldingen_minder" => "Zoveel meldingen minder en er was geen signaal",
        "minder_nodig" => "Zoveel minder en er was geen signaal",
        "nu" => "Nu",
        "periode_jaar" => "Jaar",
        "personen_minder" => "Zoveel personen minder en er was geen signaal",
        "rol" => "Rol van dit adres",
        "toegestaan" => "Toegestaan aantal",
        "tot" => "Tot",
        "van" => "Van",
        "vertrek" => "Vertrokken op",
        "vestigingen_minder" => "Zoveel vestigingen minder en er was geen signaal",
        "woonadres" => "Woonadres",
        "zonder" => "Wat anders had moeten zijn",
        "zulke_woningen" => "Zo bewoonde woningen van de verhuurder",
        "bewijs_jaar" => "Jaar van het bewijs",
        "datum" => "Datum",
        "bewoners" => "Bewoners met een eigen inkomen",
        "eigen" => "Eigen gewone verbruik van het adres",
        "eigenaar" => "Eigenaar",
        "einde" => "Einde",
        "geen_anderen" => "Zonder andere ingeschrevenen",
        "grens" => "Grens",
        "grens_bedrag" => "Grens bedrag per maand (euro)",
        "grens_bijstand" => "Grens bijstand per maand (euro)",
        "grens_inkomen" => "Grens inkomen (euro)",
        "huur_voegwoord" => "Verbindingswoord",
        "inkomen_later" => "Inkomen van wie later introk (euro per jaar)",
        "later" => "Later ingetrokken",
        "lopend" => "Lopend",
        "min_procent" => "Ten minste dit deel (procent)",
        "ouder_bezit" => "Eerder gekocht vastgoed (euro)",
        "ouder_verband" => "Verband met eerder gekocht vastgoed",
        "uitkering" => "Uitkering",
        "verkoop" => "Verkoop van een vorige woning (euro)",
        "wie" => "Wie",
        _ => return None,
    })
}

/// A record of the processing log, as a sentence.
pub fn action(name: &str) -> &'static str {
    match name {
        "inzage" => "Er is een overzicht van uw gegevens opgesteld, zoals dit (inzageverzoek).",
        "inzage.beperking_opgeheven" => {
            "De tijdelijke beperking van uw overzicht is opgeheven: een nieuw overzicht bevat weer alles."
        }
        "inzage.beperkt" => {
            "Een deel van dat overzicht is tijdelijk niet verstrekt, omdat het een lopend onderzoek zou schaden (artikel 41 UAVG)."
        }
        "scan.signaal" => {
            "Uw gegevens zijn gebruikt in een analyse van het project; daarbij gaf een indicator een signaal waarbij u betrokken bent."
        }
        "onthulling.aanvraag" => {
            "Een analist heeft met een schriftelijke reden gevraagd wie er achter een signaal zit (naam, BSN en geboortedatum)."
        }
        "onthulling.goedkeuring" => {
            "Een tweede persoon (sleutelhouder) heeft dat verzoek beoordeeld en goedgekeurd."
        }
        "onthulling.weigering" => {
            "Een tweede persoon (sleutelhouder) heeft dat verzoek geweigerd; uw naam is niet getoond."
        }
        "onthulling.inzien" => {
            "Uw naam, BSN en geboortedatum zijn bekeken door een medewerker met een goedgekeurd verzoek."
        }
        "zaak.aanmaken" => {
            "Er is een zaak geopend: het team bekijkt het adres waar het signaal over gaat."
        }
        "zaak.status" => "De stand van de zaak is veranderd.",
        "zaak.toewijzen" => "De zaak is doorgegeven aan een partner of medewerker.",
        "zaak.huisbezoek_gepland" => "Er is een huisbezoek gepland.",
        "zaak.huisbezoek_uitgevoerd" => "Er is een huisbezoek afgelegd en de uitkomst vastgelegd.",
        "zaak.bevinding" => "Bij de zaak is vastgelegd wat het onderzoek opleverde.",
        "zaak.afsluiten" => "De zaak is afgesloten.",
        "zaak.heropenen" => "De zaak is weer geopend.",
        "zaak.terugmelding_export" => {
            "Er is een terugmelding gedaan aan de Basisregistratie Personen (BRP): een bericht dat uw inschrijving mogelijk niet klopt."
        }
        "beoordeling.voorstel" => {
            "Gegevens van een partner zonder uw BSN (een huurcontract, een registratie) leken op naam en geboortedatum bij u te horen, maar niet zeker. Een medewerker heeft beoordeeld of ze bij u horen en een voorstel gedaan."
        }
        "beoordeling.bevestigd" => {
            "Een tweede medewerker heeft dat voorstel bevestigd; het besluit geldt vanaf nu."
        }
        "beoordeling.afgewezen" => {
            "Een tweede medewerker heeft dat voorstel afgewezen; er is niets veranderd."
        }
        "api.zaak.lezen" | "api.zaken.lijst" => {
            "Een partner heeft de zaak over uw adres opgevraagd via de gegevenskoppeling (API) met het project."
        }
        n if n.starts_with("intake") => {
            "Gegevens van een partner zijn ontvangen en uw BSN is vervangen door een pseudoniem."
        }
        n if n.starts_with("koppeling") => {
            "Gegevens van een partner zijn aan uw inschrijving gekoppeld op naam en geboortedatum."
        }
        n if n.starts_with("bewaartermijn") => {
            "Gegevens zijn vernietigd omdat hun bewaartermijn voorbij was."
        }
        _ => "Een andere verwerking van uw gegevens binnen het project.",
    }
}

/// The organisation a log record names by its code (`door_organisatie`, or the organisation
/// a case was routed to): the project's own team, and a gemeente account of the municipality
/// that leads it, as `project_org`; a partner by its full name; anything else as it is.
pub fn organisation(code: &str, project_org: &str) -> String {
    if code == loep_store::log::PROJECT {
        return project_org.to_string();
    }
    match Partner::parse(code) {
        Ok(Partner::Gemeente) if project_org.starts_with("Gemeente ") => project_org.to_string(),
        Ok(p) => partner(p).to_string(),
        Err(_) => code.to_string(),
    }
}

/// Whether a kind of record is a step a person takes (as opposed to the project's automated
/// runs: intake, linkage, scan, retention).
pub fn by_a_person(name: &str) -> bool {
    ["zaak.", "onthulling.", "api.", "beoordeling.", "inzage"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// A kind of record of the processing log by a short Dutch name, for the privacy officer's
/// browser (the resident reads [`action`]); an unknown kind by its code.
pub fn action_name(name: &str) -> String {
    let fixed = match name {
        "project.init" => "Project aangemaakt",
        "project.approve" => "Project goedgekeurd",
        "intake.levering" => "Levering ingelezen",
        "koppeling" => "Gegevens gekoppeld",
        "scan" => "Scan uitgevoerd",
        "scan.lezen" => "Scan: gegevens gelezen",
        "scan.signaal" => "Signaal gegeven",
        "onthulling.aanvraag" => "Identiteiten aangevraagd",
        "onthulling.goedkeuring" => "Verzoek om identiteiten goedgekeurd",
        "onthulling.weigering" => "Verzoek om identiteiten geweigerd",
        "onthulling.inzien" => "Identiteiten bekeken",
        "zaak.aanmaken" => "Zaak geopend",
        "zaak.status" => "Stand van een zaak gewijzigd",
        "zaak.toewijzen" => "Zaak toegewezen",
        "zaak.huisbezoek_gepland" => "Huisbezoek gepland",
        "zaak.huisbezoek_uitgevoerd" => "Huisbezoek vastgelegd",
        "zaak.bevinding" => "Bevinding vastgelegd",
        "zaak.afsluiten" => "Zaak afgesloten",
        "zaak.heropenen" => "Zaak heropend",
        "zaak.terugmelding_export" => "Terugmelding aan de BRP",
        "api.zaak.lezen" => "Zaak gelezen via de API",
        "api.zaken.lijst" => "Zaken opgevraagd via de API",
        "inzage" => "Inzageverzoek beantwoord",
        "inzage.beperkt" => "Inzage beperkt (artikel 41 UAVG)",
        "inzage.beperking_opgeheven" => "Beperking van inzage opgeheven",
        "inzage.geopend" => "Inzagebrief geopend",
        "bewaartermijn" => "Bewaartermijnen toegepast",
        "bewaartermijn.vernietiging" => "Gegevens vernietigd (bewaartermijn)",
        "bewaartermijn.zaak" => "Zaak vernietigd (bewaartermijn)",
        "bewaartermijn.zaken" => "Zaken vernietigd (bewaartermijn)",
        "log.alarm_afgehandeld" => "Alarm afgehandeld",
        "log.schrijven_onderbroken" => {
            "Aangekondigde kop niet in het log: schrijven onderbroken, of records verwijderd"
        }
        "melding.ontvangen" => "Melding van een bewoner ontvangen",
        "melding.status" => "Melding bijgewerkt",
        "toegang.staat" => "Rechten vastgelegd",
        "toegang.bewaakt" => "Rechten gecontroleerd",
        "beoordeling.voorstel" => "Voorstel over een twijfelachtige koppeling",
        "beoordeling.bevestigd" => "Voorstel over een koppeling bevestigd",
        "beoordeling.afgewezen" => "Voorstel over een koppeling afgewezen",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    if let Some(t) = name.strip_prefix("intake.") {
        return format!("Ingelezen: {}", table(t).unwrap_or(t));
    }
    if let Some(t) = name.strip_prefix("koppeling.") {
        return format!("Gekoppeld: {}", table(t).unwrap_or(t));
    }
    name.to_string()
}

/// An attribute of a log record by a Dutch label, for the privacy officer's browser; an
/// unknown one by its name in words.
pub fn log_attribute(key: &str) -> String {
    if let Some(l) = action_detail(key) {
        return l.to_string();
    }
    let fixed = match key {
        loep_store::log::DOOR_ORGANISATIE => "Organisatie",
        "organisatie" => "Toegewezen aan organisatie",
        "kanaal" => "Kanaal",
        "api_sleutel" => "API-sleutel",
        "roltype" => "Rol",
        "beperking" => "Beperking",
        "delen" => "Delen",
        "tot" => "Tot en met",
        "brief" => "Brief",
        "bronnen" => "Bronnen",
        "signalen" => "Signalen",
        "run_id" => "Scan",
        "certificaat" => "Certificaat",
        "digest" => "Vingerafdruk",
        "omvang" => "Omvang",
        "melding" => "Melding",
        "besluit" => "Besluit",
        "aangekondigd_record" => "Aangekondigd tot record",
        "aangekondigde_hash" => "Hash van de aangekondigde kop",
        "vastgelegd_record" => "Log stond op record",
        "vastgelegde_hash" => "Hash van dat record",
        "account" => "Account",
        "grond" => "Grond",
        "voorstel" => "Voorstel",
        "record_key" => "Record",
        "bron" => "Bron",
        "levering_id" => "Levering",
        "koppeling_id" => "Koppeling",
        "tabel" => "Tabel",
        "tabellen" => "Tabellen",
        "partner" => "Partner",
        "aantal" => "Aantal",
        "adressen" => "Adressen",
        "gebied" => "Gebied",
        "reden" => "Reden",
        "soort" => "Soort",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    let mut words = key.replace('_', " ");
    if let Some(first) = words.get(..1) {
        let upper = first.to_uppercase();
        words.replace_range(..1, &upper);
    }
    words
}

/// The value of a log record's attribute `key` in words: a case's status, result, role, visit
/// outcome and type by the case types' description, a grant's parts and a review's
/// ground in words; other values as they are (numbers, references, dates).
pub fn log_value(key: &str, value: &str) -> String {
    let c = loep_zaken::case_types::case_types();
    let each = |f: &dyn Fn(&str) -> Option<String>| -> String {
        value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| f(v).unwrap_or_else(|| v.replace('_', " ")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match key {
        "status" => each(&|v| c.statustype(v).map(|t| t.omschrijving.clone())),
        "resultaat" => each(&|v| c.resultaattype(v).map(|t| t.omschrijving.clone())),
        "roltype" => each(&|v| c.roltype(v).map(|t| t.omschrijving.clone())),
        "uitkomsten" => each(&|v| c.uitkomst(v).map(|t| t.omschrijving.clone())),
        "zaaktype" => each(&|v| c.zaaktype(v).map(|t| t.omschrijving.clone())),
        "grond" => each(&|v| loep_intake::beoordeling::grond_tekst(v).map(str::to_string)),
        "bron" | "tabel" => each(&|v| table(v).map(str::to_string)),
        "partner" => each(&|v| Partner::parse(v).ok().map(|p| partner(p).to_string())),
        // A list stored comma-joined (indicators, tables) reads with spaces.
        _ => value
            .split(',')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The attributes of a log record a resident is told, with their labels; others (counts for
/// auditors, technical ids) are left out.
pub fn action_detail(key: &str) -> Option<&'static str> {
    Some(match key {
        "zaak" => "Zaak",
        "onthulling" => "Verzoek",
        "signaal" => "Signaal",
        "status" => "Nieuwe stand",
        "datum" => "Datum",
        "uitkomsten" => "Uitkomst",
        "resultaat" => "Resultaat",
        "indicatoren" => "Indicatoren",
        "terugmelding" => "Kenmerk van de terugmelding",
        "zaaktype" => "Soort zaak",
        "besluit" => "Besluit",
        "grond" => "Grond",
        "bron" => "Gegevens van",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table and every field of the contract, under its contract name and its name in
    /// the analysis store, has a label: a field added to the contract must be given one here.
    #[test]
    fn every_table_and_field_of_the_contract_has_a_label() {
        let mut missing = Vec::new();
        for t in loep_contract::TABLES {
            if table(t.name).is_none() {
                missing.push(t.name.to_string());
            }
            for c in t.columns {
                if field(t.name, c.name).is_none() {
                    missing.push(format!("{}.{}", t.name, c.name));
                }
                if let Some(a) = c.analysis_name()
                    && field(t.name, &a).is_none()
                {
                    missing.push(format!("{}.{a}", t.name));
                }
                if let ColumnType::Code(values) = c.ty {
                    for v in values {
                        let known = code(c.name, v).is_some() || ["categorie"].contains(&c.name);
                        if !known {
                            missing.push(format!("{}.{} = {v}", t.name, c.name));
                        }
                    }
                }
            }
        }
        assert!(field("brp_persoon", "record_key").is_some());
        assert!(missing.is_empty(), "no Dutch label for: {missing:?}");
    }

    #[test]
    fn partners_are_named_in_full() {
        for p in Partner::ALL {
            assert_ne!(partner(p), p.as_str(), "{p}");
        }
        assert_eq!(partner_named("uwv"), partner(Partner::Uwv));
    }

    /// Every theme has its own checklist on the visit sheet.
    #[test]
    fn every_theme_has_what_to_check_on_a_visit() {
        for t in loep_scan::Thema::ALL.map(loep_scan::Thema::code) {
            assert_ne!(theme(t), "Ander thema", "{t}");
            assert_ne!(check_on_visit(t), check_on_visit("iets anders"), "{t}");
        }
    }

    /// Every fact an explanation of the published catalogue names has a label.
    #[test]
    fn every_fact_of_the_catalogue_has_a_label() {
        let catalogue = loep_scan::Catalogue::published().expect("the catalogue loads");
        let mut missing = Vec::new();
        for i in &catalogue.indicators {
            for name in i.placeholder_names() {
                if !i.parameters.contains_key(&name) && fact(&name).is_none() {
                    missing.push(format!("{}: {name}", i.code));
                }
            }
        }
        assert!(missing.is_empty(), "no Dutch label for facts: {missing:?}");
    }

    /// The processing-log records that can name a person are told in words.
    #[test]
    fn log_records_are_told_in_words() {
        for n in [
            "inzage",
            "scan.signaal",
            "onthulling.aanvraag",
            "onthulling.goedkeuring",
            "onthulling.weigering",
            "onthulling.inzien",
            "zaak.aanmaken",
            "zaak.status",
            "zaak.toewijzen",
            "zaak.huisbezoek_gepland",
            "zaak.huisbezoek_uitgevoerd",
            "zaak.bevinding",
            "zaak.afsluiten",
            "zaak.heropenen",
            "zaak.terugmelding_export",
            "api.zaak.lezen",
            "api.zaken.lijst",
        ] {
            assert_ne!(action(n), action("iets.anders"), "{n}");
        }
    }

    /// Codes a record stores read as words, wherever the log is shown.
    #[test]
    fn log_values_are_told_in_words() {
        assert_eq!(log_value("status", "in_onderzoek"), "In onderzoek");
        assert_eq!(
            log_value("resultaat", "onrechtmatigheid_vastgesteld"),
            "Onrechtmatigheid vastgesteld; maatregel genomen"
        );
        assert_eq!(
            log_value("grond", "naamgenoot"),
            "Een andere persoon: een naamgenoot"
        );
        assert_eq!(log_value("zaak", "LOEP-2026-000081"), "LOEP-2026-000081");
        assert_eq!(log_value("indicatoren", "OVB-01,HNP-01"), "OVB-01, HNP-01");
        let c = loep_zaken::case_types::case_types();
        for u in &c.uitkomsten {
            assert!(
                !log_value("uitkomsten", &u.code).contains('_'),
                "{}",
                u.code
            );
        }
    }

    /// Every kind of record loep writes has a Dutch name in the privacy officer's browser:
    /// the kinds are read from the sources (`LogRecord::new("…"`, and every string literal
    /// `zaak.…`, `onthulling.…` and so on outside the test modules), so a new kind without
    /// a name fails here.
    #[test]
    fn every_kind_of_log_record_has_a_dutch_name() {
        const KINDS: [&str; 13] = [
            "api",
            "beoordeling",
            "bewaartermijn",
            "intake",
            "inzage",
            "koppeling",
            "log",
            "melding",
            "onthulling",
            "project",
            "scan",
            "toegang",
            "zaak",
        ];
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut found = std::collections::BTreeSet::new();
        let mut stack = vec![crates];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    if !p.ends_with("target") && !p.ends_with("tests") {
                        stack.push(p);
                    }
                    continue;
                }
                if p.extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                let text = text
                    .split("\n#[cfg(test)]\nmod tests")
                    .next()
                    .unwrap_or_default();
                for part in text.split("LogRecord::new(\"").skip(1) {
                    if let Some(name) = part.split('"').next()
                        && KINDS.contains(&name)
                    {
                        found.insert(name.to_string());
                    }
                }
                for literal in text.split('"').skip(1).step_by(2) {
                    let mut segments = literal.split('.');
                    let kind = segments.next().unwrap_or_default();
                    let rest: Vec<&str> = segments.collect();
                    // Template names and the prefix a restriction matches are not kinds.
                    if KINDS.contains(&kind)
                        && !literal.ends_with(".html")
                        && literal != "api.zaak"
                        && !rest.is_empty()
                        && rest.iter().all(|s| {
                            !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        })
                    {
                        found.insert(literal.to_string());
                    }
                }
            }
        }
        for must in [
            "zaak.aanmaken",
            "scan.signaal",
            "toegang.staat",
            "api.zaak.lezen",
            "project.init",
            "onthulling.goedkeuring",
        ] {
            assert!(found.contains(must), "{must} not found in {found:?}");
        }
        let unnamed: Vec<&String> = found.iter().filter(|n| action_name(n) == **n).collect();
        assert!(unnamed.is_empty(), "no Dutch name for {unnamed:?}");
        assert_eq!(
            action_name("intake.brp_persoon"),
            "Ingelezen: Inschrijving in de gemeente (BRP)"
        );
    }
}
