//! Dutch words for the hub's codes, and dates as people read them.

use rondom_proto::v1;

/// The law or pillar, e.g. "Wmo".
pub(crate) fn pillar(value: i32) -> &'static str {
    rondom_proto::convert::pillar_from_proto(value).map_or("onbekend", |pillar| pillar.label())
}

pub(crate) fn deadline_status(value: i32) -> &'static str {
    use v1::DeadlineStatus as S;
    match S::try_from(value).unwrap_or(S::Unspecified) {
        S::Open => "open",
        S::AtRisk => "bijna verlopen",
        S::Overdue => "verlopen",
        S::Met => "gehaald",
        S::MetLate => "te laat gehaald",
        S::Lapsed => "vervallen",
        S::WindowOpen => "loopt",
        S::WindowClosed => "afgelopen",
        S::Suspended => "opgeschort",
        S::Unspecified => "onbekend",
    }
}

pub(crate) fn risk_flag(value: i32) -> &'static str {
    use v1::RiskFlag as R;
    match R::try_from(value).unwrap_or(R::Unspecified) {
        R::DrieOfMeerPijlers => "drie of meer wetten",
        R::VroegsignaalZonderAanmelding => "vroegsignaal zonder aanmelding",
        R::JeugdhulpEnSchulden => "jeugdhulp en schulden",
        R::GeenRegisseur => "geen regisseur",
        R::TermijnOverschreden => "termijn overschreden",
        R::Unspecified => "onbekend",
    }
}

pub(crate) fn trajectory_state(value: i32) -> &'static str {
    use v1::TrajectoryState as T;
    match T::try_from(value).unwrap_or(T::Unspecified) {
        T::Gesignaleerd => "gesignaleerd",
        T::Aangemeld => "aangemeld",
        T::InOnderzoek => "in onderzoek",
        T::Besloten => "besloten",
        T::Actief => "actief",
        T::Beeindigd => "beëindigd",
        T::Unspecified => "onbekend",
    }
}

/// A date as `5 december 2026`.
pub(crate) fn date(date: Option<&v1::Date>) -> String {
    const MONTHS: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    match date {
        Some(date) if (1..=12).contains(&date.month) => format!(
            "{} {} {}",
            date.day,
            MONTHS[usize::try_from(date.month - 1).unwrap_or_default()],
            date.year
        ),
        _ => "-".to_owned(),
    }
}

/// A moment in Dutch time, as `05-12-2026 14:03`.
pub(crate) fn moment(at: Option<&prost_types::Timestamp>) -> String {
    at.and_then(rondom_proto::convert::datetime)
        .map(|at| {
            at.with_timezone(&chrono_tz::Europe::Amsterdam)
                .format("%d-%m-%Y %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "-".to_owned())
}

/// Days left as words: "nog 3 dagen", "vandaag", "2 dagen over tijd".
pub(crate) fn days_left(days: i32) -> String {
    match days {
        0 => "vandaag".to_owned(),
        1 => "nog 1 dag".to_owned(),
        -1 => "1 dag over tijd".to_owned(),
        days if days > 0 => format!("nog {days} dagen"),
        days => format!("{} dagen over tijd", -days),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_days_read_as_dutch() {
        let date_value = v1::Date {
            year: 2026,
            month: 12,
            day: 5,
        };
        assert_eq!(date(Some(&date_value)), "5 december 2026");
        assert_eq!(date(None), "-");
        assert_eq!(days_left(3), "nog 3 dagen");
        assert_eq!(days_left(0), "vandaag");
        assert_eq!(days_left(-2), "2 dagen over tijd");
    }
}
