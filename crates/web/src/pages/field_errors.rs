//! What the hub found wrong with a form, in the form's own words. The hub names each wrong
//! field by its path in the API (`plan.doelen[0]`) with an English reason for developers; a
//! coordinator reads the label of the form field and what it takes, in Dutch. Paths of
//! fields these pages do not have (which the pages fill in themselves) keep the hub's text.

/// The form's label for an API field path and what the field takes; `None` for a path no
/// form of these pages fills in from what a person typed or chose.
pub(crate) fn explain(path: &str) -> Option<(String, &'static str)> {
    let (field, index) = split_index(path);
    let (label, takes) = match field.as_str() {
        "regisseur.regisseur_id" => (
            "Personeelsnummer van de regisseur",
            "1 tot 64 letters, cijfers of de tekens - _ . (een nummer, geen naam)",
        ),
        "regisseur.organisatie" | "partner.organisatie" => (
            "Organisatie",
            "een OIN (20 cijfers) of een KvK- of AGB-nummer (8 cijfers)",
        ),
        "partner.pillar" => ("Wet", "kies een van de wetten"),
        "plan.versie" => ("Versie", "een plan heeft versie 1 tot en met 9999"),
        "plan.doelen" => ("Doelen", "een plan heeft hoogstens 20 doelen"),
        "plan.doelen[]" => (
            "Doel",
            "een code van kleine letters, cijfers en liggende streepjes, zonder spaties, \
             hoogstens 64 tekens (bijvoorbeeld financien_op_orde)",
        ),
        "plan.pijlers" => ("Wetten die meedoen", "kies ten minste één wet"),
        "plan.pijlers[]" => ("Wetten die meedoen", "kies elke wet uit de lijst, één keer"),
        "plan.evaluatiedatum" => (
            "Evaluatiedatum",
            "een geldige datum, niet vóór de dag waarop het plan wordt vastgelegd",
        ),
        "person.bsn" | "bsn" => (
            "BSN",
            "acht of negen cijfers die de elfproef doorstaan: kijk of er een tikfout in zit",
        ),
        "person.display_name" => ("Naam", "hoogstens 200 tekens, zonder stuurtekens"),
        "person.birth_date" => ("Geboortedatum", "een geldige datum tussen 1900 en 2199"),
        "wijziging.wijziging" => ("Wijziging", "kies of de persoon toetreedt of vertrekt"),
        "wijziging.reden" => ("Reden", "kies een reden uit de lijst"),
        "purpose" => ("Doel", "kies waarvoor u het huishouden inziet"),
        _ => return None,
    };
    let label = match index {
        // People count from one.
        Some(index) if field == "plan.doelen[]" => format!("{label} {}", index + 1),
        _ => label.to_owned(),
    };
    Some((label, takes))
}

/// `plan.doelen[3]` as (`plan.doelen[]`, 3); a path without an index as it is.
fn split_index(path: &str) -> (String, Option<usize>) {
    let indexed = path.strip_suffix(']').and_then(|rest| {
        let (field, digits) = rest.rsplit_once('[')?;
        Some((format!("{field}[]"), digits.parse().ok()?))
    });
    match indexed {
        Some((field, index)) => (field, Some(index)),
        None => (path.to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_as_the_form_names_them_in_dutch() {
        assert_eq!(
            explain("plan.doelen[0]").map(|(label, _)| label),
            Some("Doel 1".to_owned()),
            "people count from one"
        );
        assert_eq!(
            explain("plan.pijlers[2]").map(|(label, _)| label),
            Some("Wetten die meedoen".to_owned())
        );
        let (label, takes) = explain("regisseur.organisatie").expect("a form field");
        assert_eq!(label, "Organisatie");
        assert!(takes.contains("OIN"), "{takes}");
        assert!(explain("bsn").is_some() && explain("person.bsn").is_some());
    }

    #[test]
    fn paths_no_form_fills_in_keep_the_hubs_words() {
        for path in [
            "context.idempotency_key",
            "plan.doelen[x]",
            "persons[0].bsn",
            "plan",
            "",
        ] {
            assert_eq!(explain(path), None, "{path}");
        }
    }
}
