//! Codes that identify organisations, products and cases in pillar messages. Checked for
//! their form only; none of them may carry a person's name.

/// AGB code of a care provider: 8 digits.
///
/// # Errors
/// A description of the expected form.
pub fn check_agb(code: &str) -> Result<(), &'static str> {
    digits(code, 8)
        .then_some(())
        .ok_or("an AGB code is 8 digits")
}

/// KvK number: 8 digits.
///
/// # Errors
/// A description of the expected form.
pub fn check_kvk(code: &str) -> Result<(), &'static str> {
    digits(code, 8)
        .then_some(())
        .ok_or("a KvK number is 8 digits")
}

/// An organisation: OIN (20 digits), or KvK number or AGB code (8 digits).
///
/// # Errors
/// A description of the expected form.
pub fn check_organisation(code: &str) -> Result<(), &'static str> {
    (digits(code, 20) || digits(code, 8))
        .then_some(())
        .ok_or("an organisation is an OIN (20 digits) or a KvK or AGB number (8 digits)")
}

/// iWmo/iJw productcategorie: 2 digits.
///
/// # Errors
/// A description of the expected form.
pub fn check_productcategorie(code: &str) -> Result<(), &'static str> {
    digits(code, 2)
        .then_some(())
        .ok_or("a productcategorie is 2 digits, e.g. 01")
}

/// iWmo/iJw productcode (LDT_ProductCode): 1 to 5 letters or digits. The standard sets no
/// form beyond its length (`01A01`, `31ABC` and `ABCDE` are all codes); which codes exist is
/// the product list of the gemeente or region.
///
/// # Errors
/// A description of the expected form.
pub fn check_productcode(code: &str) -> Result<(), &'static str> {
    let valid = (1..=5).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric());
    valid
        .then_some(())
        .ok_or("a productcode is 1 to 5 letters or digits (iWmo/iJw LDT_ProductCode, e.g. 01A01)")
}

/// A pillar's case reference: 1 to 64 of letters, digits and `-_./:`.
///
/// # Errors
/// A description of the expected form.
pub fn check_case_id(code: &str) -> Result<(), &'static str> {
    let valid = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:".contains(&b));
    if !valid {
        return Err(
            "a case_id is 1 to 64 letters, digits or -_./: (the back-office's zaak reference)",
        );
    }
    // A case id travels unsealed (in the log, on the timeline); a BSN in it would too.
    let holds_bsn = code
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| (8..=9).contains(&run.len()))
        .any(|run| run.parse::<crate::bsn::Bsn>().is_ok());
    if holds_bsn {
        return Err("a case_id may not hold a BSN: use the back-office's own zaak number");
    }
    Ok(())
}

/// A coded value such as a plan goal: snake_case, 1 to 64 characters.
///
/// # Errors
/// A description of the expected form.
pub fn check_coded(code: &str) -> Result<(), &'static str> {
    let valid = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    valid
        .then_some(())
        .ok_or("a code is snake_case: 1 to 64 lowercase letters, digits or _")
}

/// A staff reference such as a regisseur id: 1 to 64 letters, digits and `-_.`.
///
/// # Errors
/// A description of the expected form.
pub fn check_staff_id(code: &str) -> Result<(), &'static str> {
    let valid = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    valid
        .then_some(())
        .ok_or("an employee id is 1 to 64 letters, digits or -_. (an id, not a name)")
}

fn digits(code: &str, len: usize) -> bool {
    code.len() == len && code.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert!(check_agb("12345678").is_ok());
        assert!(check_agb("1234567").is_err());
        assert!(check_agb("1234567a").is_err());
        assert!(check_organisation("00000001823288444000").is_ok());
        assert!(check_organisation("123456789").is_err());
        assert!(check_productcode("01A01").is_ok());
        assert!(check_productcode("07A03").is_ok());
        assert!(check_productcode("ABCDE").is_ok());
        assert!(check_productcode("").is_err());
        assert!(check_productcode("01A011").is_err());
        assert!(check_productcode("01 A1").is_err());
        assert!(check_productcategorie("45").is_ok());
        assert!(check_case_id("WMO-2026/0042").is_ok());
        assert!(check_case_id("Jan Jansen").is_err());
        // A BSN (an 11-proef number of 8 or 9 digits) in any part of it is refused.
        for bsn in ["111222333", "WMO-111222333", "123456782/1", "zaak.12345672"] {
            assert!(check_case_id(bsn).is_err(), "{bsn}");
        }
        assert!(check_case_id("WMO-111222334").is_ok(), "fails the 11-proef");
        assert!(check_case_id("2026000000001").is_ok(), "thirteen digits");
        assert!(check_case_id("").is_err());
        assert!(check_coded("financien_op_orde").is_ok());
        assert!(check_coded("Financien").is_err());
        assert!(check_staff_id("mw-0412").is_ok());
        assert!(check_staff_id("Piet de Vries").is_err());
    }
}
