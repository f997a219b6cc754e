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

fn organisation(config: &ProjectConfig) -> String {
    let gemeenten: Vec<String> = config
        .gebied
        .iter()
        .filter_map(|g| g.get(2..6).map(|d| format!("GM{d}")))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    format!(
        "Gemeente {} (regie), met de partners van het interventieteam",
        gemeenten.join(", ")
    )
}

/// The entry as JSON. `dpia` is the reference of the approved DPIA, `status` "in gebruik"
/// while the project runs.
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
            i.leest
                .iter()
                .map(|(t, cols)| format!("{t} ({})", cols.join(", ")))
        })
        .collect();
    let sources: Vec<String> = catalogue
        .iter()
        .flat_map(|i| i.leest.keys())
        .filter_map(|t| Table::by_name(t))
        .map(|t| t.partner.as_str().to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let indicators: Vec<Value> = catalogue
        .iter()
        .map(|i| {
            json!({
                "code": i.code, "versie": i.versie, "thema": i.thema, "titel": i.titel,
                "beschrijving": i.beschrijving,
            })
        })
        .collect();
    let themes: BTreeSet<&str> = catalogue.iter().map(|i| i.thema.as_str()).collect();
    let t = &config.bewaartermijnen;
    json!({
        "standard_version": STANDARD_VERSION,
        "lang": "nld",
        "name": format!("loep – {}", config.naam),
        "organization": organisation(config),
        "description_short": format!(
            "Regelgebaseerde signalering per adres binnen het interventieteamproject '{}': een gepubliceerde catalogus van {} indicatoren ({}) laat zien op welke adressen gegevens van partners naast elkaar reden geven om te gaan kijken. Een signaal is nooit een besluit.",
            config.naam, catalogue.len(), themes.into_iter().collect::<Vec<_>>().join(", ")
        ),
        "type": "Regelgebaseerd algoritme",
        "category": ["Handhaving", "Openbare orde en veiligheid", "Sociale zekerheid", "Wonen"],
        "status": status,
        "begin_date": config.periode.van,
        "end_date": config.periode.tot,
        "goal": config.doel,
        "proportionality": format!(
            "Alleen binnen een goedgekeurd project met afgebakend gebied ({}), doel, partners en periode ({} tot en met {}). Alleen gecontracteerde velden komen binnen; personen worden bij binnenkomst gepseudonimiseerd. De trefkans van elke indicator wordt gemeten aan de uitkomsten van huisbezoeken. Identiteitsgegevens van personen zonder signaal worden uiterlijk {} dagen na het einde vernietigd, signalen zonder zaak na {} dagen, zaken na {} jaar.",
            config.gebied.join(", "), config.periode.van, config.periode.tot,
            t.identiteiten_na_einde_dagen, t.signalen_dagen, t.zaken_jaren
        ),
        "human_intervention": "Een signaal is een reden om te kijken, nooit een besluit (AVG art. 22). Een analist beoordeelt elk signaal; het herleiden van een pseudoniem naar een persoon vraagt een schriftelijke reden en de goedkeuring van een sleutelhouder die niet de aanvrager is. Pas na een huisbezoek of onderzoek door een partner volgt een besluit, met de gewone rechtsbescherming.",
        "risks": format!(
            "Discriminatie en stigmatisering van wijken of groepen: geslacht, leeftijd, buurt en wijk zijn als invoer van indicatoren geweigerd ({}), nationaliteit, geboorteplaats en andere herkomstkenmerken komen niet binnen, en per buurt, leeftijdsgroep en geslacht wordt gemeten wie gesignaleerd wordt tegenover wie er woont (loep fairness). Onterechte signalen door fouten in brongegevens of koppeling: elke uitleg noemt feiten en grenzen, twijfelachtige koppelingen worden niet gebruikt maar beoordeeld, eerlijke gevallen die op fraude lijken zijn per indicator beschreven. Onrechtmatige inzage: rollen, vier-ogen-herleiding en een onveranderbaar verwerkingslog.",
            FORBIDDEN_INPUTS.join(", ")
        ),
        "lawful_basis": config.grondslag,
        "impacttoetsen": [
            {
                "title": "Gegevensbeschermingseffectbeoordeling (DPIA)",
                "reference": dpia.unwrap_or("nog niet goedgekeurd"),
                "description": "Goedgekeurd door de functionaris gegevensbescherming vóór de eerste levering; een gewijzigde projectdefinitie trekt de goedkeuring in."
            }
        ],
        "decision_making_process": "Signalen leiden tot een voorstel voor een huisbezoek; de uitkomst (ingeschreven of uitgeschreven, uitkering gestopt of teruggevorderd, boete, woning vrijgekomen, doorverwezen naar zorg of niets gevonden) wordt per adres vastgelegd.",
        "objection_procedure": "Bewoners kunnen bij de gemeente opvragen welke gegevens en signalen het project over hen heeft (inzage) en een signaal betwisten; bezwaar en beroep richten zich tegen het besluit van de partner die handhaaft.",
        "source_data": {
            "partners": partners,
            "partners_gelezen_door_indicatoren": sources,
            "tabellen_en_velden": tables,
        },
        "methods_and_models": {
            "beschrijving": "Elke indicator is een openbare SQL-regel met benoemde drempels over gepseudonimiseerde tabellen; adressen worden gerangschikt op het aantal thema's, dan het aantal partners, dan de mate waarin feiten hun grens overschrijden. Geen machine learning, geen verborgen score. Personen zonder BSN in een bron worden gekoppeld met een Fellegi–Sunter-model op naam en geboortedatum met gepubliceerde instellingen.",
            "indicatoren": indicators,
        },
        "publiccode": "loep is open source (EUPL-1.2); de indicatorcatalogus staat als leesbare bestanden in de map catalogue/ van de broncode en is met deze publicatie meegeleverd als indicatorcatalogus.md",
        "competent_authority": organisation(config),
        "provider": "loep (EUPL-1.2)",
    })
}

/// The catalogue as Markdown, every indicator in full.
pub fn catalogue_markdown(only: &[&Indicator]) -> String {
    let mut md = String::from("# Indicatorcatalogus\n\n");
    md.push_str("Alle indicatoren die dit project mag gebruiken, met wat ze lezen, hun drempels en hun onderbouwing. Een signaal is een reden om te kijken, nooit een besluit.\n\n");
    md.push_str("| code | versie | thema | titel |\n|---|---|---|---|\n");
    for i in only {
        md.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            i.code, i.versie, i.thema, i.titel
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
        for (t, cols) in &i.leest {
            md.push_str(&format!(
                "- `{t}`: {}\n",
                cols.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
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
        md.push_str(&format!("\n**Uitleg bij een signaal:** {}\n\n", i.uitleg));
        md.push_str(&format!(
            "**Regel (SQL):**\n\n```sql\n{}\n```\n",
            i.sql.trim()
        ));
    }
    md
}
