//! `rondom deadline`: the deadline arithmetic made inspectable, without posting events.

use chrono::NaiveDate;
use rondom_domain::GemeenteCode;
use rondom_domain::deadline::{self, RULES, Term, TermSource};

#[derive(Debug, clap::Args)]
pub(crate) struct DeadlineArgs {
    /// Rule code from the catalogue, e.g. WMO-ONDERZOEK, SHV-CRISIS (see --list).
    #[arg(long, required_unless_present = "list")]
    rule: Option<String>,
    /// Date of the event that starts the term (YYYY-MM-DD).
    #[arg(long, required_unless_present = "list")]
    start: Option<NaiveDate>,
    /// CBS gemeentecode whose bylaw terms apply (from --bylaws).
    #[arg(long, requires = "bylaws")]
    gemeente: Option<String>,
    /// TOML file of per-gemeente bylaw terms, as the hub reads it.
    #[arg(long, env = "RONDOM_BYLAWS")]
    bylaws: Option<std::path::PathBuf>,
    /// Days the term was suspended (Awb 4:15).
    #[arg(long, default_value_t = 0)]
    suspended_days: u32,
    /// List the catalogue.
    #[arg(long)]
    list: bool,
}

pub(crate) fn run(args: DeadlineArgs) -> anyhow::Result<()> {
    if args.list {
        for rule in RULES {
            let term = match rule.term {
                TermSource::Statute(term) => term.to_string(),
                TermSource::Bylaw { default, max } => {
                    format!("bylaw, at most {max} (default {default})")
                }
                TermSource::ServiceLevel(term) => format!("service level (default {term})"),
                TermSource::Standard(term) => format!("{term} (iStandaarden rule, not a statute)"),
            };
            say!("{:<20} {:<36} {}", rule.code, term, rule.article);
        }
        return Ok(());
    }
    let (Some(code), Some(start)) = (args.rule, args.start) else {
        anyhow::bail!("give --rule and --start, or --list");
    };
    let rule = deadline::rule(&code).ok_or_else(|| {
        let codes: Vec<&str> = RULES.iter().map(|rule| rule.code.as_str()).collect();
        anyhow::anyhow!("unknown rule {code:?}; known rules: {}", codes.join(", "))
    })?;
    let bylaws = rondom_projector::config::load_bylaws(args.bylaws.as_deref())?;
    let gemeente = args
        .gemeente
        .as_deref()
        .map(|code| {
            code.parse::<GemeenteCode>()
                .map_err(|err| anyhow::anyhow!("--gemeente {code:?}: {err}"))
        })
        .transpose()?;
    let configured: Option<Term> = gemeente.and_then(|code| bylaws.term(&code, rule.code));
    let computation = deadline::compute(
        rule,
        start,
        configured,
        deadline::Added::suspended(args.suspended_days),
        bylaws.calendar(),
    )?;
    say!("rule:   {} - {}", rule.code, rule.title);
    say!(
        "basis:  {} ({}, valid from {})",
        rule.article,
        rule.source,
        rule.valid_from
    );
    say!("starts: {}; met by: {}", rule.starts_on, rule.met_by);
    if let (Some(gemeente), TermSource::Bylaw { default, .. } | TermSource::ServiceLevel(default)) =
        (gemeente, rule.term)
    {
        match configured {
            Some(term) => say!("gemeente {gemeente}: its own term of {term} applies"),
            None => {
                say!("gemeente {gemeente}: sets no term of its own; the default {default} applies")
            }
        }
    }
    if start < rule.valid_from {
        say!("note: {start} lies before the valid-from date of the text this rule was read from");
    }
    if rule.blocking {
        say!("note: a blocking window; nothing may happen before it ends");
    }
    for step in &computation.steps {
        say!("  {step}");
    }
    say!("due: {}", computation.due);
    Ok(())
}
