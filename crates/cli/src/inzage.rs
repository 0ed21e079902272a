//! A person's export (AVG art. 15 and 20) as files for them: JSON to take elsewhere and a
//! readable HTML page in Dutch. Both hold personal data: they are written readable by the
//! owner only.

use serde_json::{Value, json};

use crate::output::{
    date_text, deadline_json, disclosed_text, entry_json, pillar_name, purpose_name, record_json,
    time_text,
};
use rondom_proto::v1;

/// The export as JSON.
pub(crate) fn json(export: &v1::PersonExport) -> Value {
    json!({
        "bsn": export.bsn,
        "naam": export.display_name,
        "geboortedatum": date_text(export.birth_date.as_ref()),
        "huishouden": export.household_id,
        "gemeente": export.gemeente_code,
        "gemaakt_op": time_text(export.made_at.as_ref()),
        "feiten": export.facts.iter().map(entry_json).collect::<Vec<_>>(),
        "termijnen": export.deadlines.iter().map(deadline_json).collect::<Vec<_>>(),
        "aanpakken": export.aanpakken.iter().map(|aanpak| json!({
            "aanpak_id": aanpak.aanpak_id,
            "wetten": aanpak.wetten.iter().map(|&wet| pillar_name(wet)).collect::<Vec<_>>(),
            "partners": aanpak.partners,
            "uitzondering": aanpak.uitzondering,
            "gestart_op_positie": aanpak.started_position,
            "beeindigd_op_positie": aanpak.ended_position,
            "ingetrokken_op_positie": aanpak.withdrawn_position,
        })).collect::<Vec<_>>(),
        "bezwaren_en_beperkingen": export.beperkingen.iter().map(|beperking| json!({
            "soort": soort(beperking.soort),
            "vanaf_positie": beperking.from_position,
            "tot_positie": beperking.until_position,
        })).collect::<Vec<_>>(),
        "inzage_door_anderen": export.reads.iter().map(record_json).collect::<Vec<_>>(),
    })
}

fn soort(value: i32) -> &'static str {
    match v1::BeperkingSoort::try_from(value) {
        Ok(v1::BeperkingSoort::Bezwaar) => "bezwaar (AVG art. 21)",
        Ok(v1::BeperkingSoort::Beperking) => "beperking (AVG art. 18)",
        _ => "?",
    }
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A table with a caption-less header row; every cell escaped.
fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut html = String::from("<table>\n<thead><tr>");
    for cell in header {
        html.push_str(&format!("<th scope=\"col\">{}</th>", escape(cell)));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    let mut empty = true;
    for row in rows {
        empty = false;
        html.push_str("<tr>");
        for cell in row {
            html.push_str(&format!("<td>{}</td>", escape(&cell)));
        }
        html.push_str("</tr>\n");
    }
    if empty {
        html.push_str(&format!(
            "<tr><td colspan=\"{}\">Geen.</td></tr>\n",
            header.len()
        ));
    }
    html.push_str("</tbody>\n</table>\n");
    html
}

/// The export as a readable page.
pub(crate) fn html(export: &v1::PersonExport) -> String {
    let person = person(export);
    let facts = facts(export);
    let deadlines = deadlines(export);
    let aanpakken = aanpakken(export);
    let beperkingen = beperkingen(export);
    let reads = reads(export);
    format!(
        "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Inzage: wat Rondom over u bewaart</title>\n</head>\n<body>\n<main>\n\
         <h1>Wat Rondom over u bewaart</h1>\n\
         <p>Dit overzicht is gemaakt op uw verzoek (AVG art. 15). Het bevat alleen gegevens \
         over u, niet over anderen in uw huishouden.</p>\n\
         <h2>Uw gegevens</h2>\n{person}<h2>Wat er over u is vastgelegd</h2>\n{facts}\
         <h2>Termijnen in uw zaken</h2>\n{deadlines}\
         <h2>Gecoördineerde aanpak</h2>\n{aanpakken}\
         <h2>Bezwaar en beperking</h2>\n{beperkingen}\
         <h2>Wie uw huishouden inzag, wanneer en waarvoor</h2>\n{reads}\
         </main>\n</body>\n</html>\n"
    )
}

/// The person's identity.
fn person(export: &v1::PersonExport) -> String {
    table(
        &["Gegeven", "Waarde"],
        [
            vec!["Naam".into(), export.display_name.clone()],
            vec!["BSN".into(), export.bsn.clone()],
            vec![
                "Geboortedatum".into(),
                date_text(export.birth_date.as_ref()),
            ],
            vec!["Gemeente".into(), export.gemeente_code.clone()],
            vec!["Huishouden".into(), export.household_id.clone()],
            vec!["Gemaakt op".into(), time_text(export.made_at.as_ref())],
        ],
    )
}

/// Every fact recorded about the person.
fn facts(export: &v1::PersonExport) -> String {
    table(
        &["Datum", "Wet", "Wat", "Zaak", "Notitie"],
        export.facts.iter().map(|fact| {
            vec![
                time_text(fact.occurred_at.as_ref()),
                pillar_name(fact.pillar).to_owned(),
                fact.title.clone(),
                fact.case_id.clone(),
                fact.summary.clone(),
            ]
        }),
    )
}

/// The deadlines in the person's cases.
fn deadlines(export: &v1::PersonExport) -> String {
    table(
        &["Termijn", "Artikel", "Zaak", "Uiterlijk", "Stand"],
        export.deadlines.iter().map(|deadline| {
            vec![
                deadline.title.clone(),
                deadline.article.clone(),
                deadline.case_id.clone(),
                date_text(deadline.due.as_ref()),
                deadline_json(deadline)["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ]
        }),
    )
}

/// The coordinated approaches the person is part of.
fn aanpakken(export: &v1::PersonExport) -> String {
    table(
        &["Aanpak", "Wetten", "Grondslag", "Ingetrokken"],
        export.aanpakken.iter().map(|aanpak| {
            let wetten: Vec<&str> = aanpak.wetten.iter().map(|&wet| pillar_name(wet)).collect();
            vec![
                aanpak.aanpak_id.clone(),
                wetten.join(", "),
                if aanpak.uitzondering {
                    "uitzondering"
                } else {
                    "instemming"
                }
                .to_owned(),
                if aanpak.withdrawn_position == 0 {
                    "nee"
                } else {
                    "ja"
                }
                .to_owned(),
            ]
        }),
    )
}

/// The person's objections and restrictions.
fn beperkingen(export: &v1::PersonExport) -> String {
    table(
        &["Soort", "Staat nog"],
        export.beperkingen.iter().map(|beperking| {
            vec![
                soort(beperking.soort).to_owned(),
                if beperking.until_position == 0 {
                    "ja"
                } else {
                    "nee"
                }
                .to_owned(),
            ]
        }),
    )
}

/// Every read of the household, from the audit log.
fn reads(export: &v1::PersonExport) -> String {
    table(
        &[
            "Wanneer",
            "Wie",
            "Rol",
            "Organisatie",
            "Doel",
            "Wat",
            "Uitkomst",
            "Verstrekt (grondslag)",
        ],
        export.reads.iter().map(|record| {
            vec![
                time_text(record.at.as_ref()),
                record.client_id.clone(),
                record.role.clone(),
                record.organisatie.clone(),
                purpose_name(record.purpose),
                record.method.trim_start_matches("/rondom.v1.").to_owned(),
                record.outcome.clone(),
                disclosed_text(&record.disclosed),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_what_it_shows() {
        let export = v1::PersonExport {
            display_name: "<script>alert(1)</script>".into(),
            facts: vec![v1::TimelineEntry {
                summary: "\"a\" & 'b'".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let page = html(&export);
        assert!(!page.contains("<script>"), "{page}");
        assert!(
            page.contains("&lt;script&gt;") && page.contains("&quot;a&quot; &amp; &#39;b&#39;")
        );
        assert!(page.contains("<html lang=\"nl\">"));
    }
}
