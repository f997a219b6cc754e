//! The project's entry for the national Algoritmeregister (the publication standard's fields,
//! in Dutch, from `loep.toml`, its approval and the catalogue), and the indicator catalogue as
//! readable Markdown for publication.

use loep_contract::Table;
use loep_store::ProjectConfig;
use serde_json::{Value, json};
use std::collections::BTreeSet;

use crate::catalogue::{FORBIDDEN_INPUTS, Indicator};

/// The Algoritmeregister publication standard version these fields follow.
pub const STANDARD_VERSION: &str = "1.0";

/// The organisation with the lead: `[publicatie] organisatie` of `loep.toml`, else the
/// gemeente of the project area by its CBS code. One organisation, as the standard asks.
fn organisation(config: &ProjectConfig) -> String {
    if let Some(o) = &config.publicatie.organisatie {
        return cut(o.trim(), 100);
    }
    let gemeente = config
        .gebied
        .iter()
        .find_map(|g| g.get(2..6).map(|d| format!("GM{d}")))
        .unwrap_or_default();
    format!("Gemeente {gemeente}")
}

/// At most `max` characters of `text`, cut at a word with `…`.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    if let Some(space) = out.rfind(' ') {
        out.truncate(space);
    }
    out.push('…');
    out
}

/// `YYYY-MM-DD` as the standard writes a month: `YYYY-MM`.
fn month(date: &str) -> String {
    date.get(..7).unwrap_or(date).to_string()
}

/// The statuses the standard allows.
pub const STATUSES: [&str; 3] = ["In ontwikkeling", "In gebruik", "Buiten gebruik"];

/// The entry as JSON, in the fields of the Algoritmeregister publication standard 1.0 (the
/// field names, lengths and values `spec/algoritmeregister-1.0.schema.json` checks). `dpia`
/// is the reference of the approved DPIA; `status` one of [`STATUSES`].
pub fn entry(
    config: &ProjectConfig,
    catalogue: &[&Indicator],
    dpia: Option<&str>,
    status: &str,
) -> Value {
    let partners: Vec<&str> = config.partners.iter().map(|p| p.as_str()).collect();
    let tables: BTreeSet<String> = catalogue
        .iter()
        .flat_map(|i| {
            i.alle_leest()
                .into_iter()
                .map(|(t, cols)| format!("{t} ({})", cols.join(", ")))
        })
        .collect();
    let sources: Vec<String> = catalogue
        .iter()
        .flat_map(|i| i.alle_leest().into_keys())
        .filter_map(|t| Table::by_name(&t))
        .map(|t| t.partner.as_str().to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let themes: BTreeSet<&str> = catalogue.iter().map(|i| i.thema.code()).collect();
    let codes: Vec<String> = catalogue
        .iter()
        .map(|i| format!("{} ({})", i.code, i.titel))
        .collect();
    let t = &config.bewaartermijnen;
    let mut entry = json!({
        "standard_version": STANDARD_VERSION,
        "lang": "nld",
        "name": cut(&format!("Adressignalering interventieteam – {}", config.naam), 100),
        "organization": organisation(config),
        "description_short": cut(&format!(
            "Dit algoritme laat zien op welke adressen in het project '{}' de gegevens van de partners van het interventieteam naast elkaar reden geven om te gaan kijken. Het gebruikt {} vaste, openbare regels. Een signaal is nooit een besluit: mensen beoordelen het en gaan eventueel op huisbezoek.",
            config.naam, catalogue.len()
        ), 350),
        "category": ["Openbare orde en veiligheid", "Sociale zekerheid", "Wonen"],
        "status": status,
        "begin_date": month(&config.periode.van),
        "publication_category": "Impactvolle algoritmes",
        "goal": cut(&format!(
            "{} Het algoritme helpt het team kiezen welke adressen het bezoekt (huisbezoek) en welke bewoners hulp nodig hebben. Thema's: {}.",
            config.doel.trim(),
            themes
                .into_iter()
                .map(|t| t.replace('_', " "))
                .collect::<Vec<_>>()
                .join(", ")
        ), 2500),
        "proportionality": cut(&format!(
            "Alleen binnen een goedgekeurd project met afgebakend gebied ({}), doel, partners en periode ({} tot en met {}). Alleen gecontracteerde velden komen binnen; personen worden bij binnenkomst gepseudonimiseerd. De trefkans van elke indicator wordt gemeten aan de uitkomsten van huisbezoeken. Identiteitsgegevens van personen zonder signaal of open zaak worden uiterlijk {} dagen na het einde vernietigd, signalen zonder zaak na {} dagen, zaken op hun archiefactiedatum (uiterlijk na {} jaar).",
            config.gebied.join(", "), config.periode.van, config.periode.tot,
            t.identiteiten_na_einde_dagen, t.signalen_dagen, t.zaken_jaren
        ), 2500),
        "human_intervention": "Een signaal is een reden om te kijken, nooit een besluit (AVG art. 22). Een analist beoordeelt elk signaal en stelt adressen voor; het team besluit tot een huisbezoek. Het herleiden van een pseudoniem naar een persoon vraagt een schriftelijke reden en de goedkeuring van een sleutelhouder die niet de aanvrager is. Pas na een huisbezoek of onderzoek door een partner volgt een besluit, met de gewone rechtsbescherming: bezwaar en beroep richten zich tegen het besluit van de partner die handhaaft. Bewoners kunnen opvragen welke gegevens en signalen het project over hen heeft.",
        "risks": cut(&format!(
            "Discriminatie en stigmatisering van wijken of groepen: geslacht, leeftijd, buurt en wijk zijn als invoer van indicatoren geweigerd ({}), nationaliteit, geboorteplaats en andere herkomstkenmerken komen niet binnen, en per buurt, leeftijdsgroep en geslacht wordt gemeten wie gesignaleerd wordt tegenover wie er woont. Onterechte signalen door fouten in brongegevens of koppeling: elke uitleg noemt feiten en grenzen, twijfelachtige koppelingen worden niet gebruikt maar beoordeeld, eerlijke gevallen die op fraude lijken zijn per indicator beschreven. Onrechtmatige inzage: rollen, vier-ogen-herleiding en een onveranderbaar verwerkingslog.",
            FORBIDDEN_INPUTS.join(", ")
        ), 2500),
        "lawful_basis": cut(config.grondslag.trim(), 2500),
        "impacttoetsen_grouping": [{
            "title": "Data Protection Impact Assessment (DPIA)",
        }],
        "impacttoetsen": cut(&format!(
            "DPIA {}: goedgekeurd door de functionaris gegevensbescherming vóór de eerste levering; een gewijzigde projectdefinitie trekt de goedkeuring in.",
            dpia.unwrap_or("nog niet goedgekeurd")
        ), 2500),
        "source_data": cut(&format!(
            "Gegevens van de partners {} (gelezen door de indicatoren: {}), alleen de gecontracteerde velden: {}. Personen zijn gepseudonimiseerd; namen en BSN staan apart in een kluis.",
            partners.join(", "),
            sources.join(", "),
            tables.into_iter().collect::<Vec<_>>().join("; ")
        ), 2500),
        "methods_and_models": cut(&format!(
            "Niet zelflerend. Elke indicator is een openbare SQL-regel met benoemde drempels over gepseudonimiseerde tabellen; adressen worden gerangschikt op het aantal partners met belang bij het adres (verwonderadressen eerst), dan het aantal thema's, dan het aantal partners van wie de gegevens komen, dan de mate waarin feiten hun grens overschrijden. Geen machine learning, geen verborgen score. Personen zonder BSN in een bron worden gekoppeld met een Fellegi–Sunter-model op naam en geboortedatum met gepubliceerde instellingen. Indicatoren: {}. De volledige catalogus staat in indicatorcatalogus.md.",
            codes.join("; ")
        ), 5000),
        "provider": "Intern ontwikkeld (loep, open source onder EUPL-1.2)",
        "source_id": cut(&config.verwerkingsactiviteit_id, 100),
        "tags": "interventieteam, adreskwaliteit, woonfraude, uitkeringsfraude, ondermijning, zorg",
    });
    if let Some(c) = &config.publicatie.contact {
        entry["contact_email"] = Value::String(c.trim().to_string());
    }
    // The standard: no end date while the algorithm is in use.
    if status == "Buiten gebruik" {
        entry["end_date"] = Value::String(month(&config.periode.tot));
    }
    entry
}

/// One Markdown line per table read, with its columns; `note` after an optional table.
fn md_reads(
    md: &mut String,
    leest: &std::collections::BTreeMap<String, Vec<String>>,
    optioneel: &[String],
    note: &str,
) {
    for (t, cols) in leest {
        let optioneel = if optioneel.contains(t) { note } else { "" };
        md.push_str(&format!(
            "- `{t}`{optioneel}: {}\n",
            cols.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

/// Text for a Markdown table cell: a `|` would end the cell, a newline the row.
pub fn md_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The catalogue as Markdown, every indicator in full.
pub fn catalogue_markdown(only: &[&Indicator]) -> String {
    let mut md = String::from("# Indicatorcatalogus\n\n");
    md.push_str("Alle indicatoren die dit project mag gebruiken, met wat ze lezen, hun drempels en hun onderbouwing. Een signaal is een reden om te kijken, nooit een besluit.\n\n");
    md.push_str("| code | versie | thema | titel |\n|---|---|---|---|\n");
    for i in only {
        md.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            md_cell(&i.code),
            i.versie,
            md_cell(i.thema.code()),
            md_cell(&i.titel)
        ));
    }
    for i in only {
        md.push_str(&format!(
            "\n## {} – {} (versie {})\n\n",
            i.code, i.titel, i.versie
        ));
        md.push_str(&format!("**Thema:** {}\n\n", i.thema));
        md.push_str(&format!("{}\n\n", i.beschrijving));
        md.push_str(&format!("**Onderbouwing.** {}\n\n", i.onderbouwing));
        md.push_str(&format!("**Doel.** {}\n\n", i.doel));
        md.push_str(&format!("**Grondslag.** {}\n\n", i.grondslag));
        md.push_str(&format!("**Niet bedoeld voor.** {}\n\n", i.niet_bedoeld));
        md.push_str("**Leest:**\n\n");
        md_reads(
            &mut md,
            &i.leest,
            &i.optioneel,
            " (aanvullend: zonder levering draait de indicator alsof de tabel leeg is)",
        );
        for b in &i.bouwstenen {
            if !i.afgeleid.contains_key(&b.naam) {
                continue;
            }
            md.push_str(&format!(
                "- afgeleide gegevens `{}` (versie {}, zie hieronder): {}\n",
                b.naam, b.versie, b.titel
            ));
        }
        if !i.parameters.is_empty() {
            md.push_str(
                "\n**Drempels:**\n\n| parameter | standaard | betekenis |\n|---|---|---|\n",
            );
            for (name, p) in &i.parameters {
                md.push_str(&format!(
                    "| `{name}` | {} | {} |\n",
                    crate::catalogue::format_number(p.standaard),
                    p.betekenis
                ));
            }
        }
        md.push_str(&format!(
            "\n**Uitleg bij een signaal:** {}\n\n**Wanneer het signaal er niet was geweest:** {}\n\n",
            i.uitleg_sjabloon(),
            i.marge_sjabloon()
        ));
        md.push_str(&format!(
            "**Regel (SQL):**\n\n```sql\n{}\n```\n",
            i.sql.trim()
        ));
    }
    // The building blocks these indicators read, each once.
    let mut blocks: Vec<&crate::afgeleid::Bouwsteen> = Vec::new();
    for b in only.iter().flat_map(|i| &i.bouwstenen) {
        if !blocks.iter().any(|x| x.naam == b.naam) {
            blocks.push(b);
        }
    }
    if !blocks.is_empty() {
        md.push_str("\n# Afgeleide gegevens\n\nBouwstenen die elke scan één keer berekent uit dezelfde leveringen en die meer indicatoren lezen: zo staat elke regel van het domein op één plek.\n");
    }
    for b in blocks {
        md.push_str(&format!(
            "\n## {} – {} (versie {})\n\n{}\n\n**Regels:**\n\n",
            b.naam, b.titel, b.versie, b.beschrijving
        ));
        for r in &b.regels {
            md.push_str(&format!("- {r}\n"));
        }
        md.push_str("\n**Kolommen:**\n\n| kolom | betekenis |\n|---|---|\n");
        for (k, v) in &b.kolommen {
            md.push_str(&format!("| `{k}` | {} |\n", md_cell(v)));
        }
        md.push_str("\n**Leest:**\n\n");
        md_reads(
            &mut md,
            &b.leest,
            &b.optioneel,
            " (aanvullend: zonder levering alsof de tabel leeg is)",
        );
        for d in &b.afgeleid {
            md.push_str(&format!("- afgeleide gegevens `{d}`\n"));
        }
        let users: Vec<&str> = only
            .iter()
            .filter(|i| i.bouwstenen.iter().any(|x| x.naam == b.naam))
            .map(|i| i.code.as_str())
            .collect();
        md.push_str(&format!(
            "\n**Gelezen door:** {}\n\n**Regel (SQL):**\n\n```sql\n{}\n```\n",
            users.join(", "),
            b.sql.trim()
        ));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_escape_pipes_and_newlines() {
        assert_eq!(md_cell("a|b\nc"), "a\\|b c");
        assert_eq!(md_cell("x\\|y"), "x\\\\\\|y");
        assert_eq!(cut("kort", 10), "kort");
        let long = cut("een heel lange zin met woorden", 12);
        assert!(long.chars().count() <= 12 && long.ends_with('…'), "{long}");
        assert_eq!(month("2026-01-31"), "2026-01");
    }
}
