//! The burgerservicenummer (BSN) and its 11-proef.
//!
//! A BSN has 9 digits d1..d9 (8-digit numbers get a leading zero) and is well-formed when
//! `9·d1 + 8·d2 + 7·d3 + 6·d4 + 5·d5 + 4·d6 + 3·d7 + 2·d8 − 1·d9` is a multiple of 11 and not
//! zero (RvIG Logisch Ontwerp BSN; docs/domain.md, Persons and the BSN). Well-formed is not verified: identity is
//! checked against the BRP by the sending system.

use std::fmt;
use std::str::FromStr;

/// A well-formed BSN. Its `Debug` output is masked, so it never lands in a log by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Bsn([u8; 9]);

/// Why a string is not a BSN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BsnError {
    #[error("a BSN has 8 or 9 digits")]
    Length,
    #[error("a BSN has only digits")]
    NotDigits,
    #[error("the BSN fails the 11-proef")]
    ElevenTest,
}

impl Bsn {
    /// Returns the nine digits as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a Bsn holds ASCII digits only")
    }

    /// Returns the BSN with all but its last four digits hidden: `*****6782`.
    pub fn masked(&self) -> String {
        format!("*****{}", &self.as_str()[5..])
    }
}

/// Returns the 11-proef sum of nine digits.
fn eleven_test_sum(digits: &[u8; 9]) -> i32 {
    const WEIGHTS: [i32; 9] = [9, 8, 7, 6, 5, 4, 3, 2, -1];
    digits
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| i32::from(digit - b'0') * weight)
        .sum()
}

impl FromStr for Bsn {
    type Err = BsnError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bytes = text.as_bytes();
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(BsnError::NotDigits);
        }
        let mut digits = [b'0'; 9];
        match bytes.len() {
            9 => digits.copy_from_slice(bytes),
            8 => digits[1..].copy_from_slice(bytes),
            _ => return Err(BsnError::Length),
        }
        let sum = eleven_test_sum(&digits);
        if sum == 0 || sum % 11 != 0 {
            return Err(BsnError::ElevenTest);
        }
        Ok(Bsn(digits))
    }
}

impl fmt::Debug for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bsn({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_known_valid_numbers() {
        // 111222333: S = 66; 999990342 (NL GOV example): S = 330; 123456782: iWmo test data.
        for text in ["111222333", "999990342", "123456782"] {
            assert!(text.parse::<Bsn>().is_ok(), "{text} should pass");
        }
    }

    #[test]
    fn last_weight_is_minus_one() {
        // 123456789 passes the old bank-account test (last weight +1: S = 165) but not the
        // 11-proef for a BSN (last weight -1: S = 147).
        assert_eq!("123456789".parse::<Bsn>(), Err(BsnError::ElevenTest));
        assert!("123456782".parse::<Bsn>().is_ok());
    }

    #[test]
    fn rejects_all_zeroes_and_bad_shapes() {
        assert_eq!("000000000".parse::<Bsn>(), Err(BsnError::ElevenTest));
        assert_eq!("12345678a".parse::<Bsn>(), Err(BsnError::NotDigits));
        assert_eq!("1234567".parse::<Bsn>(), Err(BsnError::Length));
        assert_eq!("1234567890".parse::<Bsn>(), Err(BsnError::Length));
        assert_eq!("".parse::<Bsn>(), Err(BsnError::Length));
        assert_eq!(" 11222333".parse::<Bsn>(), Err(BsnError::NotDigits));
    }

    #[test]
    fn eight_digits_get_a_leading_zero() {
        // 0,1,2,3,4,5,6,7,2: 8 + 14 + 18 + 20 + 20 + 18 + 14 - 2 = 110 = 10 * 11.
        let bsn: Bsn = "12345672".parse().expect("valid with a leading zero");
        assert_eq!(bsn.as_str(), "012345672");
    }

    #[test]
    fn debug_output_is_masked() {
        let bsn: Bsn = "111222333".parse().expect("valid");
        assert_eq!(format!("{bsn:?}"), "Bsn(*****2333)");
    }

    proptest! {
        #[test]
        fn exactly_one_last_digit_completes_most_prefixes(prefix in proptest::collection::vec(0u8..10, 8)) {
            let valid: Vec<u8> = (0u8..10)
                .filter(|last| {
                    let text: String = prefix.iter().chain(std::iter::once(last))
                        .map(|digit| char::from(b'0' + digit)).collect();
                    text.parse::<Bsn>().is_ok()
                })
                .collect();
            // S mod 11 fixes d9; when the required digit would be 10 no digit fits.
            prop_assert!(valid.len() <= 1);
        }

        #[test]
        fn changing_one_digit_breaks_a_valid_bsn(position in 0usize..9, delta in 1u8..10) {
            let original = *b"111222333";
            let mut changed = original;
            changed[position] = b'0' + (original[position] - b'0' + delta) % 10;
            let text = std::str::from_utf8(&changed).expect("ascii");
            prop_assert_eq!(text.parse::<Bsn>(), Err(BsnError::ElevenTest));
        }
    }
}
