//! Reading one iWmo 3.2 or iJw 3.2 message: the 301 (toewijzing), 305 (start), 307 (stop),
//! 315 and 317 (a provider's requests) and 319 (the answer) become a typed [`Message`];
//! anything else becomes a [`Refused`] a back-office understands. A retour message is checked
//! against its XSD and then refused as not read.
//!
//! The message is parsed namespace-aware (roxmltree, no DTD, no I/O). The namespace of the root
//! decides the standard, the release and the message; a declaration or a message Rondom does
//! not know is refused on its namespace alone, before any of its content is looked at. The
//! messages read are checked against the rules of the standard one message can show
//! (XSD types and content models, plus the cheap rules within one message), and every
//! violation is reported at once. Rules are stated without the offending value, so a
//! refusal never repeats a BSN or a birth date. Names, addresses and relations in the message
//! are never read; their shape (elements, order, minOccurs, no attributes) is checked all
//! the same, so what is accepted is what the XSD accepts in structure.
//!
//! Source of every rule: the XSDs of iWmo and iJw release 3.2 (Zorginstituut Nederland), with
//! their basisschema; the tests read the published schemas and example messages.

use std::collections::HashMap;

use chrono::NaiveDate;
use rondom_domain::{Bsn, calendar};
use roxmltree::Node;

/// Which standard a message is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standard {
    /// iWmo (Wet maatschappelijke ondersteuning 2015).
    Iwmo,
    /// iJw (Jeugdwet).
    Ijw,
}

/// The messages Rondom turns into events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 301: the gemeente assigns products to a provider.
    Toewijzing,
    /// 305: the provider reports the start of care.
    Start,
    /// 307: the provider reports the end of care.
    Stop,
    /// 315: the provider asks the gemeente to assign care to it.
    Verzoek,
    /// 317: the provider asks the gemeente to change toewijzingen it holds, or to add care.
    Wijziging,
    /// 319: the gemeente answers a provider's 315 or 317.
    Antwoord,
}

/// One message read and checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    /// The standard of the message namespace.
    pub standard: Standard,
    /// The message of the message namespace.
    pub kind: Kind,
    /// Header/Afzender: a gemeentecode (4 digits) for 301, an AGB code (8 digits) for 305/307.
    pub afzender: String,
    /// Header/Ontvanger: the AGB code for 301, the gemeentecode for 305/307.
    pub ontvanger: String,
    /// Header/BerichtIdentificatie/Identificatie (1..12 characters).
    pub identificatie: String,
    /// Header/BerichtIdentificatie/Dagtekening.
    pub dagtekening: NaiveDate,
    /// Client/Bsn, 9 digits passing the 11-proef; a 319 names no client (`None`).
    pub bsn: Option<String>,
    /// Client/Geboortedatum/Datum; a 317 names the client by BSN alone (`None`).
    pub geboortedatum: Option<NaiveDate>,
    /// The product lines: ToegewezenProducten/ToegewezenProduct (301),
    /// StartProducten/StartProduct (305), StopProducten/StopProduct (307),
    /// AangevraagdeProducten/AangevraagdProduct (315). Never empty, except in a 317.
    pub products: Vec<ProductLine>,
    /// Client/Verzoek of a 317 (one request, whatever it lists); `None` in the others.
    pub wijziging: Option<Wijziging>,
    /// Antwoord of a 319; `None` in the others.
    pub antwoord: Option<Antwoord>,
}

/// What a 319 answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Antwoord {
    /// ReferentieAanbieder of the request answered.
    pub referentie: String,
    /// VerzoekAntwoord: 1 refused, 2 in onderzoek.
    pub antwoord: u8,
    /// RedenAfwijzingVerzoek, 1 to 9, when given.
    pub reden: Option<u8>,
    /// JW319 Woonplaatsbeginsel/Gemeente, when given.
    pub woonplaatsbeginsel: Option<String>,
}

/// What a 317 asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wijziging {
    /// ReferentieAanbieder: the provider's key of the request, which the answer names.
    pub referentie: String,
    /// RedenVerzoek: 1 the client's situation changed, 2 the care plan changed.
    pub reden: u8,
    /// The ToewijzingNummer of each TeWijzigenProduct, in order.
    pub te_wijzigen: Vec<u64>,
    /// How many NieuweProducten/NieuwProduct it asks for.
    pub nieuwe_producten: u32,
}

/// One product line of a 301, 305 or 307.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductLine {
    /// ToewijzingNummer (an integer in the XSD: "0101" reads as 101). Always there in a 301
    /// (required by its XSD); optional in the 305/307 XSD, so `None` there means the sender
    /// left it out (the standard's retourcode for a start or stop that cannot be linked to a
    /// toewijzing is 9019).
    pub toewijzing_nummer: Option<u64>,
    /// Product/Categorie, when the line has a Product.
    pub categorie: Option<String>,
    /// Product/Code, when the line has one.
    pub code: Option<String>,
    /// The first day: Ingangsdatum (301), Begindatum (305, 307). Required by the XSD in all
    /// three, hence not an `Option`.
    pub begindatum: NaiveDate,
    /// The last day: Einddatum (optional in a 301, required in a 307, absent in a 305).
    pub einddatum: Option<NaiveDate>,
    /// 301: RedenWijziging when present (e.g. "13" Verwijderd, "14" Administratieve correctie).
    pub reden_wijziging: Option<String>,
    /// 307: RedenBeeindiging (its meaning differs between iWmo and iJw, e.g. "31").
    pub reden_beeindiging: Option<String>,
    /// 305/307: StatusAanlevering (1 first delivery, 2 changed, 3 delete, 9 unchanged).
    pub status_aanlevering: Option<u8>,
    /// ReferentieAanbieder, the provider's own key of a request (1..36 characters): in a 315
    /// the request it makes, in a 301 the request the toewijzing grants.
    pub referentie: Option<String>,
    /// 315: Verwijzer/Type, who referred the client ("01" gemeente ... "08" rechter).
    pub verwijzer: Option<String>,
}

/// Why a message is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The bytes are not well-formed XML in UTF-8 (a DTD is refused too).
    #[error("not well-formed XML: {0}")]
    NotXml(String),
    /// The root is not a `Bericht` of an iWmo 3.2 / iJw 3.2 message namespace Rondom knows.
    #[error("not an iWmo 3.2 or iJw 3.2 message: {0}")]
    Unknown(String),
    /// A message of an older release (iWmo 2.x, ...): the text names the release expected.
    #[error("{0}")]
    OldRelease(String),
    /// 323 and 325 (declarations and their answers) carry billing data the household view
    /// does not need: purpose limitation (AVG art. 5 lid 1 onder b).
    #[error("{0}")]
    Declaration(String),
    /// A message type Rondom recognises but does not read: retour messages. The text names
    /// the message.
    #[error("{0}")]
    NotRead(String),
    /// The message breaks the standard's rules: every violation, each with its element path
    /// and the rule broken in the standard's terms.
    #[error("the message breaks {} rule(s)", .0.len())]
    Invalid(Vec<Violation>),
}

/// One rule a message breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Element path from below Bericht, 1-based indexes for repeated elements, e.g.
    /// `Client/ToegewezenProducten/ToegewezenProduct[1]/Einddatum`. Empty for the Bericht
    /// element itself.
    pub path: String,
    /// The rule broken, e.g. "not a date (LDT_Datum)".
    pub rule: String,
    /// The retourcode of the standard for this kind of error: 0001 (technically refused) for
    /// a breach of the XSD, 9332 for a ToewijzingNummer twice in one 301; `None` where the
    /// standard gives none (the 11-proef, a period ending before it begins, a date Rondom does
    /// not accept).
    pub retourcode: Option<String>,
}

/// Reads one message.
///
/// # Errors
/// A [`Refused`] for bytes that are not XML, a message Rondom does not know or does not read,
/// and for a 301, 305 or 307 that breaks the standard's rules: all its violations at once.
pub fn read(xml: &[u8]) -> Result<Message, Refused> {
    let text =
        std::str::from_utf8(xml).map_err(|error| Refused::NotXml(format!("not UTF-8: {error}")))?;
    let document = parse(text).map_err(|error| Refused::NotXml(error.to_string()))?;
    let root = document.root_element();
    let spec = identify(root)?;
    Walk::new(&spec).message(root)
}

/// Returns the standard and the message number the root of `xml` names in its namespace, of
/// any release, without checking anything else: what a sender's tool needs to pick the
/// credentials a message goes with. `None` for what is no iStandaarden message.
pub fn addressed(xml: &[u8]) -> Option<(Standard, u16)> {
    let text = std::str::from_utf8(xml).ok()?;
    let document = parse(text).ok()?;
    let named = parse_namespace(document.root_element().tag_name().namespace()?)?;
    Some((named.standard, named.number?))
}

/// The most nodes (elements, texts) a message may have: a 301 of [`MAX_LINES`] lines has
/// about fifty thousand. Past it the parser stops, before the tree takes the memory of a
/// message made of nothing but empty elements.
const MAX_NODES: u32 = 100_000;

/// Parses `text` without a DTD (no entities to expand) and with at most [`MAX_NODES`].
fn parse(text: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options)
}

const SITE: &str = "http://www.istandaarden.nl/";
/// The most lines (products, toewijzingen) one list of a message may hold: a client's
/// message names a handful; a message past this is refused whole, unread.
pub const MAX_LINES: usize = 1_000;
/// The most violations a refusal lists one by one (the rest are counted): the answer's
/// details travel in one gRPC trailer.
pub const MAX_LISTED: usize = 100;

/// Retourcode 0001 "Bericht is afgekeurd om technische redenen": what a breach of the XSD gets.
const TECHNICAL: Option<&str> = Some("0001");

const CATEGORIE_IWMO: &[&str] = &[
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16",
    "17", "18",
];
const CATEGORIE_IJW: &[&str] = &[
    "31", "32", "33", "34", "35", "36", "37", "38", "40", "41", "42", "43", "44", "45", "46", "47",
    "48", "49", "50", "51", "52", "53", "54", "55",
];
const REDEN_BEEINDIGING_IWMO: &[&str] = &[
    "02", "19", "20", "21", "22", "23", "31", "36", "37", "38", "39",
];
const REDEN_BEEINDIGING_IJW: &[&str] = &[
    "02", "20", "31", "32", "33", "34", "35", "36", "37", "38", "39",
];
/// LDT_TypeVerwijzer: 01 gemeente, 02 huisarts, 03 jeugdarts, 04 gecertificeerde instelling,
/// 05 medisch specialist, 06 zelfverwijzer, 08 rechter, officier van justitie of JJI.
const TYPE_VERWIJZER: &[&str] = &["01", "02", "03", "04", "05", "06", "08"];
const REDEN_WIJZIGING: &[&str] = &[
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14",
];

impl Standard {
    fn label(self) -> &'static str {
        match self {
            Standard::Iwmo => "iWmo",
            Standard::Ijw => "iJw",
        }
    }

    /// The namespace segment of the standard and the prefix of its message names.
    fn segments(self) -> (&'static str, &'static str) {
        match self {
            Standard::Iwmo => ("iwmo", "wmo"),
            Standard::Ijw => ("ijw", "jw"),
        }
    }

    fn categorieen(self) -> &'static [&'static str] {
        match self {
            Standard::Iwmo => CATEGORIE_IWMO,
            Standard::Ijw => CATEGORIE_IJW,
        }
    }

    fn redenen_beeindiging(self) -> &'static [&'static str] {
        match self {
            Standard::Iwmo => REDEN_BEEINDIGING_IWMO,
            Standard::Ijw => REDEN_BEEINDIGING_IJW,
        }
    }
}

impl Kind {
    /// The message's number in its standard: 301, 305, 307, 315.
    pub fn number(self) -> u16 {
        match self {
            Kind::Toewijzing => 301,
            Kind::Start => 305,
            Kind::Stop => 307,
            Kind::Verzoek => 315,
            Kind::Wijziging => 317,
            Kind::Antwoord => 319,
        }
    }

    /// Whether the gemeente sends it (301 and 319) rather than a provider (the others).
    pub fn from_gemeente(self) -> bool {
        matches!(self, Kind::Toewijzing | Kind::Antwoord)
    }

    /// The list element under Client and its repeated line element; `None` for a 317 and
    /// a 319, which are read whole.
    fn lines(self) -> Option<(&'static str, &'static str)> {
        match self {
            Kind::Toewijzing => Some(("ToegewezenProducten", "ToegewezenProduct")),
            Kind::Start => Some(("StartProducten", "StartProduct")),
            Kind::Stop => Some(("StopProducten", "StopProduct")),
            Kind::Verzoek => Some(("AangevraagdeProducten", "AangevraagdProduct")),
            Kind::Wijziging | Kind::Antwoord => None,
        }
    }

    /// The element path of what one event of the message is written from: a product line
    /// (without its index), the Verzoek of a 317, the Antwoord of a 319.
    pub fn part_path(self) -> String {
        match (self.lines(), self) {
            (Some((list, line)), _) => format!("Client/{list}/{line}"),
            (None, Kind::Antwoord) => "Antwoord".to_owned(),
            (None, _) => "Client/Verzoek".to_owned(),
        }
    }
}

impl Message {
    /// How the standard names the message, e.g. `WMO301` or `JW307`.
    pub fn name(&self) -> String {
        message_name(self.standard, self.kind.number())
    }
}

/// The message a namespace names.
#[derive(Debug)]
struct Spec {
    standard: Standard,
    kind: Kind,
    /// "WMO301", "JW307": how the standard names the message.
    name: String,
    namespace: String,
    basis: String,
    /// The retour message on `kind` (302 on 301, ...): the same tree, each berichtklasse
    /// with its RetourCodes, the header with its own identification. Checked, never read.
    retour: bool,
}

impl Spec {
    fn new(standard: Standard, kind: Kind) -> Self {
        Spec {
            standard,
            kind,
            name: message_name(standard, kind.number()),
            namespace: namespace(standard, kind.number()),
            basis: format!("{SITE}{}/3_2/basisschema/schema", standard.segments().0),
            retour: false,
        }
    }

    /// The retour message on a message of `kind`.
    fn retour(standard: Standard, kind: Kind) -> Self {
        let number = kind.number() + 1;
        Spec {
            name: message_name(standard, number),
            namespace: namespace(standard, number),
            retour: true,
            ..Spec::new(standard, kind)
        }
    }

    /// The fixed BerichtCode (the `xs:pattern` of Header/BerichtCode in the message XSD); a
    /// retour message's is the next one (436 for the JW301, 437 for the JW302).
    fn berichtcode(&self) -> String {
        let code: u16 = match (self.standard, self.kind) {
            (Standard::Iwmo, Kind::Toewijzing) => 414,
            (Standard::Iwmo, Kind::Start) => 418,
            (Standard::Iwmo, Kind::Stop) => 420,
            (Standard::Ijw, Kind::Toewijzing) => 436,
            (Standard::Ijw, Kind::Start) => 438,
            (Standard::Ijw, Kind::Stop) => 440,
            (Standard::Iwmo, Kind::Verzoek) => 444,
            (Standard::Ijw, Kind::Verzoek) => 446,
            (Standard::Iwmo, Kind::Wijziging) => 480,
            (Standard::Ijw, Kind::Wijziging) => 486,
            (Standard::Iwmo, Kind::Antwoord) => 482,
            (Standard::Ijw, Kind::Antwoord) => 488,
        };
        (code + u16::from(self.retour)).to_string()
    }
}

fn message_name(standard: Standard, number: u16) -> String {
    format!("{}{number}", standard.segments().1.to_uppercase())
}

fn namespace(standard: Standard, number: u16) -> String {
    let (domain, prefix) = standard.segments();
    format!("{SITE}{domain}/3_2/{prefix}{number}/schema")
}

/// What the root namespace says: standard, release and message.
struct Named {
    standard: Standard,
    release: (u32, u32),
    number: Option<u16>,
    /// The 3.x form: `.../schema` with no trailing version segment (2.x has one).
    exact: bool,
}

/// Parses `http://www.istandaarden.nl/<iwmo|ijw>/<M>_<m>/<wmo|jw><NNN>/schema[/<M>_<m>]`.
fn parse_namespace(uri: &str) -> Option<Named> {
    let mut parts = uri.strip_prefix(SITE)?.split('/');
    let standard = match parts.next()? {
        "iwmo" => Standard::Iwmo,
        "ijw" => Standard::Ijw,
        _ => return None,
    };
    let (major, minor) = parts.next()?.split_once('_')?;
    let release = (release_part(major)?, release_part(minor)?);
    let message = parts.next();
    let schema = parts.next();
    let rest: Vec<&str> = parts.collect();
    let number = message
        .and_then(|message| message.strip_prefix(standard.segments().1))
        .filter(|digits| digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse().ok());
    Some(Named {
        standard,
        release,
        number,
        exact: schema == Some("schema") && rest.is_empty(),
    })
}

fn release_part(text: &str) -> Option<u32> {
    (!text.is_empty() && text.len() <= 3 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// Decides from the root alone what the message is, refusing all Rondom does not read.
fn identify(root: Node) -> Result<Spec, Refused> {
    let tag = root.tag_name();
    let uri = tag.namespace().unwrap_or("");
    if tag.name() != "Bericht" {
        return Err(Refused::Unknown(format!(
            "the root element is {} (namespace {uri:?}), not Bericht",
            tag.name()
        )));
    }
    let Some(named) = parse_namespace(uri) else {
        return Err(Refused::Unknown(format!(
            "namespace {uri:?} is not an iStandaarden message namespace"
        )));
    };
    let label = named.standard.label();
    let (major, minor) = named.release;
    if named.release < (3, 2) {
        let expected = namespace(named.standard, named.number.unwrap_or(301));
        return Err(Refused::OldRelease(format!(
            "{label} release {major}.{minor} (namespace {uri}) is not read: Rondom reads release \
             3.2 only (namespaces like {expected})"
        )));
    }
    let Some(number) = named
        .number
        .filter(|_| named.release == (3, 2) && named.exact)
    else {
        return Err(Refused::Unknown(format!(
            "namespace {uri:?} ({label} release {major}.{minor}) is not one Rondom knows"
        )));
    };
    dispatch(named.standard, number)
}

/// The 3.2 message a number names: read, or refused with the reason.
fn dispatch(standard: Standard, number: u16) -> Result<Spec, Refused> {
    let name = message_name(standard, number);
    match number {
        301 => Ok(Spec::new(standard, Kind::Toewijzing)),
        305 => Ok(Spec::new(standard, Kind::Start)),
        307 => Ok(Spec::new(standard, Kind::Stop)),
        315 => Ok(Spec::new(standard, Kind::Verzoek)),
        317 => Ok(Spec::new(standard, Kind::Wijziging)),
        319 => Ok(Spec::new(standard, Kind::Antwoord)),
        323 | 325 => {
            let what = if number == 323 {
                "declaratie"
            } else {
                "declaratieantwoord"
            };
            Err(Refused::Declaration(format!(
                "{name} ({what}) is not read: it carries billing data the household view does \
                 not need (purpose limitation, AVG art. 5 lid 1 onder b)"
            )))
        }
        // A retour message is checked (a broken one is refused with what is wrong), then
        // refused as not read.
        302 => Ok(Spec::retour(standard, Kind::Toewijzing)),
        306 => Ok(Spec::retour(standard, Kind::Start)),
        308 => Ok(Spec::retour(standard, Kind::Stop)),
        316 => Ok(Spec::retour(standard, Kind::Verzoek)),
        318 => Ok(Spec::retour(standard, Kind::Wijziging)),
        320 => Ok(Spec::retour(standard, Kind::Antwoord)),
        _ => Err(Refused::Unknown(format!(
            "{name} is not a message of {} 3.2 Rondom knows",
            standard.label()
        ))),
    }
}

/// Which namespace an element of the content model is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// The message namespace: elements the message XSD declares.
    Message,
    /// The basisschema namespace: children of the CDT_* types.
    Basis,
}

/// One element of a content model (an `xs:sequence`, in its order).
#[derive(Debug, Clone, Copy)]
struct Elem {
    name: &'static str,
    ns: Ns,
    repeats: bool,
    /// minOccurs 1.
    required: bool,
    content: Content,
}

/// What [`Checker::model`] checks inside an element of a content model.
#[derive(Debug, Clone, Copy)]
enum Content {
    /// Read and checked by the code that reads it.
    Read,
    /// Never read (a name, an address, a remark): text only, no child elements.
    Text,
    /// Never read, complex: its children by this content model.
    Unread(&'static [Elem]),
}

const fn msg(name: &'static str) -> Elem {
    Elem {
        name,
        ns: Ns::Message,
        repeats: false,
        required: true,
        content: Content::Read,
    }
}

const fn basis(name: &'static str) -> Elem {
    Elem {
        ns: Ns::Basis,
        ..msg(name)
    }
}

impl Elem {
    /// minOccurs 0.
    const fn opt(self) -> Self {
        Self {
            required: false,
            ..self
        }
    }

    /// minOccurs 1.
    const fn required(self) -> Self {
        Self {
            required: true,
            ..self
        }
    }

    /// Unread text.
    const fn text(self) -> Self {
        Self {
            content: Content::Text,
            ..self
        }
    }

    /// Unread, with children by `model`.
    const fn unread(self, model: &'static [Elem]) -> Self {
        Self {
            content: Content::Unread(model),
            ..self
        }
    }
}

/// Any number of `name`; a list that must hold one is `.required()` (or checked by the
/// code that reads it).
const fn many(name: &'static str) -> Elem {
    Elem {
        repeats: true,
        required: false,
        ..msg(name)
    }
}

const BERICHT: &[Elem] = &[msg("Header"), msg("Client")];
const BERICHT_319: &[Elem] = &[msg("Header"), msg("Antwoord")];
/// A retour message may answer a message whose header alone could be read.
const BERICHT_RETOUR: &[Elem] = &[msg("Header"), msg("Client").opt()];
const BERICHT_320: &[Elem] = &[msg("Header"), msg("Antwoord").opt()];
/// JW319 has Woonplaatsbeginsel; WMO319 does not.
const ANTWOORD_IWMO: &[Elem] = &[
    msg("ReferentieAanbieder"),
    msg("VerzoekAntwoord"),
    msg("RedenAfwijzingVerzoek").opt(),
];
const ANTWOORD_IJW: &[Elem] = &[
    msg("ReferentieAanbieder"),
    msg("VerzoekAntwoord"),
    msg("RedenAfwijzingVerzoek").opt(),
    msg("Woonplaatsbeginsel").opt(),
];
const WOONPLAATSBEGINSEL: &[Elem] = &[msg("Gemeente")];
const HEADER: &[Elem] = &[
    msg("BerichtCode"),
    msg("BerichtVersie"),
    msg("BerichtSubversie"),
    msg("Afzender"),
    msg("Ontvanger"),
    msg("BerichtIdentificatie"),
    msg("XsdVersie"),
];
/// A retour message's header: the heen message's, then its own identification.
const HEADER_RETOUR: &[Elem] = &[
    msg("BerichtCode"),
    msg("BerichtVersie"),
    msg("BerichtSubversie"),
    msg("Afzender"),
    msg("Ontvanger"),
    msg("BerichtIdentificatie"),
    msg("XsdVersie"),
    msg("IdentificatieRetour"),
    msg("DagtekeningRetour"),
    msg("XsltVersie").opt(),
    msg("XsdVersieRetour"),
];
const BERICHT_IDENTIFICATIE: &[Elem] = &[basis("Identificatie"), basis("Dagtekening")];
const XSD_VERSIE: &[Elem] = &[basis("BasisschemaXsdVersie"), basis("BerichtXsdVersie")];
const GEBOORTEDATUM: &[Elem] = &[basis("Datum"), basis("DatumGebruik").opt()];
const PRODUCT: &[Elem] = &[basis("Categorie"), basis("Code").opt()];

// What is never read, checked for its shape only (basisschema CDT_* and the 301's own types).
const ACHTERNAAM: &[Elem] = &[
    basis("Achternaam").text(),
    basis("Voorvoegsel").opt().text(),
];
const VOLLEDIGE_NAAM: &[Elem] = &[
    basis("Geslachtsnaam").unread(ACHTERNAAM),
    basis("Partnernaam").opt().unread(ACHTERNAAM),
    basis("Voornamen").opt().text(),
    basis("Voorletters").opt().text(),
    basis("NaamGebruik").text(),
];
const VERKORTE_NAAM: &[Elem] = &[
    basis("Geslachtsnaam").unread(ACHTERNAAM),
    basis("Voornamen").opt().text(),
    basis("Voorletters").opt().text(),
];
const COMMUNICATIE: &[Elem] = &[basis("Vorm").text(), basis("Taal").opt().text()];
const OMVANG: &[Elem] = &[
    basis("Volume").text(),
    basis("Eenheid").text(),
    basis("Frequentie").text(),
];
const HUIS: &[Elem] = &[
    basis("Huisnummer").text(),
    basis("Huisletter").opt().text(),
    basis("HuisnummerToevoeging").opt().text(),
    basis("AanduidingWoonadres").opt().text(),
];
const ADRES: &[Elem] = &[
    basis("Huis").opt().unread(HUIS),
    basis("Postcode").opt().text(),
    basis("Straatnaam").opt().text(),
    basis("Plaatsnaam").opt().text(),
    basis("LandCode").opt().text(),
];
const TELEFOON: &[Elem] = &[basis("Telefoonnummer").text(), basis("Landnummer").text()];
const TELEFOONNUMMERS: &[Elem] = &[
    basis("Telefoon01").unread(TELEFOON),
    basis("Telefoon02").opt().unread(TELEFOON),
];
const OPEN_PERIODE: &[Elem] = &[
    basis("Begindatum").opt().text(),
    basis("Einddatum").opt().text(),
];
const CONTACT: &[Elem] = &[
    msg("Soort").text(),
    msg("Adres").opt().unread(ADRES),
    msg("Organisatie").opt().text(),
    msg("Telefoon").opt().unread(TELEFOONNUMMERS),
    msg("Emailadres").opt().text(),
    msg("Periode").opt().unread(OPEN_PERIODE),
];
const CONTACTGEGEVENS: &[Elem] = &[many("Contact").required().unread(CONTACT)];
const RELATIE: &[Elem] = &[
    msg("Nummer").text(),
    msg("Volgorde").opt().text(),
    msg("Soort").text(),
    msg("Geboortedatum").opt().unread(GEBOORTEDATUM),
    msg("Geslacht").opt().text(),
    msg("Naam").unread(VOLLEDIGE_NAAM),
    msg("Contact").unread(CONTACT),
];
const RELATIES: &[Elem] = &[many("Relatie").required().unread(RELATIE)];

const CLIENT_301: &[Elem] = &[
    msg("Bsn"),
    msg("Geboortedatum"),
    msg("Geslacht").text(),
    msg("Naam").unread(VOLLEDIGE_NAAM),
    msg("Communicatie").opt().unread(COMMUNICATIE),
    msg("JuridischeStatus").opt().text(),
    msg("WettelijkeVertegenwoordiging").opt().text(),
    msg("Commentaar").opt().text(),
    msg("Relaties").opt().unread(RELATIES),
    msg("Contactgegevens").unread(CONTACTGEGEVENS),
    msg("ToegewezenProducten"),
];
const CLIENT_305: &[Elem] = &[
    msg("Bsn"),
    msg("Geboortedatum"),
    msg("Geslacht").text(),
    msg("Naam").unread(VERKORTE_NAAM),
    msg("StartProducten"),
];
const CLIENT_307: &[Elem] = &[
    msg("Bsn"),
    msg("Geboortedatum"),
    msg("Geslacht").text(),
    msg("Naam").unread(VERKORTE_NAAM),
    msg("StopProducten"),
];
/// JW315 has GezagsdragerBekend after Naam; WMO315 does not.
const CLIENT_315_IWMO: &[Elem] = &[
    msg("Bsn"),
    msg("Geboortedatum"),
    msg("Geslacht").text(),
    msg("Naam").unread(VERKORTE_NAAM),
    msg("Commentaar").opt().text(),
    msg("AangevraagdeProducten"),
];
const CLIENT_315_IJW: &[Elem] = &[
    msg("Bsn"),
    msg("Geboortedatum"),
    msg("Geslacht").text(),
    msg("Naam").unread(VERKORTE_NAAM),
    msg("GezagsdragerBekend").opt().text(),
    msg("Commentaar").opt().text(),
    msg("AangevraagdeProducten"),
];
const AANGEVRAAGD_PRODUCT: &[Elem] = &[
    msg("ReferentieAanbieder"),
    msg("BeschikkingNummer").opt(),
    msg("Product").opt(),
    msg("BeschikkingIngangsdatum").opt(),
    msg("ToewijzingIngangsdatum"),
    msg("ToewijzingEinddatum").opt(),
    msg("Omvang").opt().unread(OMVANG),
    msg("Budget").opt().text(),
    msg("Verwijzer"),
    msg("Raamcontract").opt(),
    msg("Commentaar").opt().text(),
];
const VERWIJZER: &[Elem] = &[
    basis("Type"),
    basis("Naam").opt(),
    basis("ZorgverlenerCode").opt(),
];
const CLIENT_317: &[Elem] = &[msg("Bsn"), msg("Verzoek")];
const VERZOEK_317: &[Elem] = &[
    msg("ReferentieAanbieder"),
    msg("RedenVerzoek"),
    msg("OngewijzigdeProducten").opt(),
    msg("TeWijzigenProducten").opt(),
    msg("NieuweProducten").opt(),
];
const ONGEWIJZIGD_PRODUCT: &[Elem] = &[msg("ToewijzingNummer")];
const TE_WIJZIGEN_PRODUCT: &[Elem] = &[
    msg("ToewijzingNummer"),
    msg("GewensteIngangsdatum"),
    msg("Einddatum").opt(),
    msg("Omvang").opt().unread(OMVANG),
    msg("Budget").opt().text(),
];
const NIEUW_PRODUCT: &[Elem] = &[
    msg("Product").opt(),
    msg("GewensteIngangsdatum"),
    msg("Einddatum").opt(),
    msg("Omvang").opt().unread(OMVANG),
    msg("Budget").opt().text(),
];
const TOEGEWEZEN_PRODUCT: &[Elem] = &[
    msg("ToewijzingNummer"),
    msg("ReferentieAanbieder").opt(),
    msg("Product").opt(),
    msg("Toewijzingsdatum"),
    msg("Toewijzingstijd"),
    msg("Ingangsdatum"),
    msg("Einddatum").opt(),
    msg("RedenWijziging").opt(),
    msg("Omvang").opt().unread(OMVANG),
    msg("Budget").opt().text(),
    msg("Commentaar").opt().text(),
];
const START_PRODUCT: &[Elem] = &[
    msg("ToewijzingNummer").opt(),
    msg("Product").opt(),
    msg("ToewijzingIngangsdatum").opt(),
    msg("Begindatum"),
    msg("StatusAanlevering"),
];
const STOP_PRODUCT: &[Elem] = &[
    msg("ToewijzingNummer").opt(),
    msg("Product").opt(),
    msg("ToewijzingIngangsdatum").opt(),
    msg("Begindatum"),
    msg("RedenBeeindiging"),
    msg("Einddatum"),
    msg("StatusAanlevering"),
];

impl Spec {
    fn client_model(&self) -> &'static [Elem] {
        match (self.kind, self.standard) {
            (Kind::Toewijzing, _) => CLIENT_301,
            (Kind::Start, _) => CLIENT_305,
            (Kind::Stop, _) => CLIENT_307,
            (Kind::Verzoek, Standard::Iwmo) => CLIENT_315_IWMO,
            (Kind::Verzoek, Standard::Ijw) => CLIENT_315_IJW,
            (Kind::Wijziging, _) => CLIENT_317,
            (Kind::Antwoord, Standard::Iwmo) => ANTWOORD_IWMO,
            (Kind::Antwoord, Standard::Ijw) => ANTWOORD_IJW,
        }
    }

    fn line_model(&self) -> &'static [Elem] {
        match self.kind {
            Kind::Toewijzing => TOEGEWEZEN_PRODUCT,
            Kind::Start => START_PRODUCT,
            Kind::Stop => STOP_PRODUCT,
            Kind::Verzoek => AANGEVRAAGD_PRODUCT,
            Kind::Wijziging => VERZOEK_317,
            Kind::Antwoord => &[],
        }
    }
}

/// A rule a value breaks, and the retourcode of that kind of breach.
#[derive(Debug)]
struct Rule {
    text: String,
    retourcode: Option<&'static str>,
}

impl Rule {
    /// A breach of the XSD.
    fn xsd(text: impl Into<String>) -> Self {
        Rule {
            text: text.into(),
            retourcode: TECHNICAL,
        }
    }

    /// A breach of a rule outside the XSD that the standard gives no retourcode for.
    fn other(text: impl Into<String>) -> Self {
        Rule {
            text: text.into(),
            retourcode: None,
        }
    }
}

/// XML Schema's whitespace (`\s`): space, tab, newline, carriage return.
fn xsd_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// xs:date and xs:integer collapse whitespace: surrounding whitespace is not part of the value.
fn collapse(text: &str) -> &str {
    text.trim_matches(xsd_space)
}

/// LDT_Datum: an xs:date without a time zone (pattern `[^:Z]*`), a real day, and one a write
/// may name.
fn date(text: &str) -> Result<NaiveDate, Rule> {
    let value = collapse(text);
    if value.contains([':', 'Z']) {
        return Err(Rule::xsd(
            "a time zone is not allowed (LDT_Datum pattern [^:Z]*)",
        ));
    }
    let bytes = value.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    let day = shaped
        .then(|| {
            let number = |range: std::ops::Range<usize>| value.get(range)?.parse::<u32>().ok();
            let year = i32::try_from(number(0..4)?).ok()?;
            NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)
        })
        .flatten()
        .ok_or_else(|| Rule::xsd("not a date (LDT_Datum)"))?;
    match calendar::out_of_range(day) {
        None => Ok(day),
        Some(_) => {
            let dates = calendar::write_dates();
            Err(Rule::other(format!(
                "outside the dates Rondom accepts ({} to {})",
                dates.start(),
                dates.end()
            )))
        }
    }
}

/// LDT_Nummer: an xs:integer from 0 to 999999999 (so "0101" is 101 and "+7" is 7).
fn nummer(text: &str) -> Result<u64, Rule> {
    let value = collapse(text);
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value.strip_prefix('+').unwrap_or(value)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rule::xsd("not an integer (LDT_Nummer)"));
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(0);
    }
    if negative {
        return Err(Rule::xsd("below 0 (LDT_Nummer minInclusive 0)"));
    }
    if significant.len() > 9 {
        return Err(Rule::xsd(
            "above 999999999 (LDT_Nummer maxInclusive 999999999)",
        ));
    }
    significant
        .parse()
        .map_err(|_| Rule::xsd("not an integer (LDT_Nummer)"))
}

/// `count` ASCII digits exactly (xs:string types keep whitespace, so none is allowed).
fn digits(text: &str, count: usize, rule: &str) -> Result<String, Rule> {
    if text.len() == count && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(Rule::xsd(rule))
    }
}

/// A check of a code in the header.
type Code = fn(&str) -> Result<String, Rule>;

fn gemeente(text: &str) -> Result<String, Rule> {
    digits(
        text,
        4,
        "not a gemeentecode of 4 digits (LDT_Gemeente pattern [0-9]{4})",
    )
}

fn agb(text: &str) -> Result<String, Rule> {
    digits(
        text,
        8,
        "not an AGB code of 8 digits (LDT_AgbCode pattern [0-9]{8})",
    )
}

/// LDT_BurgerServicenummer: 9 digits by the XSD, and the 11-proef the XSD leaves out.
fn bsn(text: &str) -> Result<String, Rule> {
    let digits = digits(
        text,
        9,
        "not 9 digits (LDT_BurgerServicenummer pattern [0-9]{9})",
    )?;
    match digits.parse::<Bsn>() {
        Ok(_) => Ok(digits),
        Err(_) => Err(Rule::other("11-proef fails (LDT_BurgerServicenummer)")),
    }
}

/// A string of 1..`max` characters matching `.*[^\s].*`: not blank, and on one line (XSD's
/// `.` matches neither newline nor carriage return).
fn text_line(text: &str, max: usize, ldt: &str) -> Result<String, Rule> {
    let length = text.chars().count();
    let fits =
        (1..=max).contains(&length) && !text.contains(['\n', '\r']) && !text.chars().all(xsd_space);
    if fits {
        Ok(text.to_owned())
    } else {
        Err(Rule::xsd(format!(
            "1 to {max} characters, not blank ({ldt})"
        )))
    }
}

/// LDT_Versie: three numbers without leading zeros, separated by dots.
fn versie(text: &str) -> Result<String, Rule> {
    let number = |part: &str| {
        part == "0"
            || (!part.starts_with('0')
                && !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_digit()))
    };
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() == 3 && parts.iter().all(|part| number(part)) {
        Ok(text.to_owned())
    } else {
        Err(Rule::xsd("not a version like 1.0.0 (LDT_Versie)"))
    }
}

fn one_of(text: &str, values: &[&str], rule: String) -> Result<String, Rule> {
    if values.contains(&text) {
        Ok(text.to_owned())
    } else {
        Err(Rule::xsd(rule))
    }
}

fn status_aanlevering(text: &str) -> Result<u8, Rule> {
    match text {
        "1" => Ok(1),
        "2" => Ok(2),
        "3" => Ok(3),
        "9" => Ok(9),
        _ => Err(Rule::xsd("not 1, 2, 3 or 9 (LDT_StatusAanlevering)")),
    }
}

/// LDT_RetourCode: four characters (the standard lists 59 of them).
fn digits_or_letters(text: &str) -> Result<(), Rule> {
    let value = collapse(text);
    if value.len() == 4 && value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Rule::xsd(
            "not a RetourCode of four characters (LDT_RetourCode)",
        ))
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}/{name}")
    }
}

/// What the header gives a [`Message`].
#[derive(Debug, Default)]
struct HeaderParts {
    afzender: Option<String>,
    ontvanger: Option<String>,
    identificatie: Option<String>,
    dagtekening: Option<NaiveDate>,
}

/// What the client gives a [`Message`].
#[derive(Debug, Default)]
struct ClientParts {
    bsn: Option<String>,
    geboortedatum: Option<NaiveDate>,
    products: Option<Vec<ProductLine>>,
    wijziging: Option<Wijziging>,
    antwoord: Option<Antwoord>,
}

/// What identifies the message, not whom it is about: no BSN or birth date reaches a log.
impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("standard", &self.standard)
            .field("kind", &self.kind)
            .field("afzender", &self.afzender)
            .field("ontvanger", &self.ontvanger)
            .field("identificatie", &self.identificatie)
            .field("dagtekening", &self.dagtekening)
            .field("products", &self.products.len())
            .finish_non_exhaustive()
    }
}

/// One pass over a message, collecting every violation.
#[derive(Debug)]
struct Walk<'s> {
    spec: &'s Spec,
    violations: Vec<Violation>,
    /// Violations found past the [`MAX_LISTED`] listed.
    unlisted: usize,
}

impl<'s> Walk<'s> {
    fn new(spec: &'s Spec) -> Self {
        Walk {
            spec,
            violations: Vec::new(),
            unlisted: 0,
        }
    }

    fn flag(&mut self, path: &str, rule: impl Into<String>, retourcode: Option<&str>) {
        // A retour message copies the message it answers, breaches of the standard's rules
        // included (they are what it reports): only its own XSD holds it.
        if self.spec.retour && retourcode != TECHNICAL {
            return;
        }
        let rule = rule.into();
        if self
            .violations
            .iter()
            .any(|known| known.path == path && known.rule == rule)
        {
            return;
        }
        if self.violations.len() >= MAX_LISTED {
            self.unlisted += 1;
            return;
        }
        self.violations.push(Violation {
            path: path.to_owned(),
            rule,
            retourcode: retourcode.map(str::to_owned),
        });
    }

    fn uri(&self, ns: Ns) -> &'s str {
        match ns {
            Ns::Message => &self.spec.namespace,
            Ns::Basis => &self.spec.basis,
        }
    }

    /// The first child element `name` in namespace `ns`.
    fn find<'a, 'i>(&self, parent: Node<'a, 'i>, name: &str, ns: Ns) -> Option<Node<'a, 'i>> {
        let uri = self.uri(ns);
        parent.children().find(|child| {
            child.is_element()
                && child.tag_name().name() == name
                && child.tag_name().namespace() == Some(uri)
        })
    }

    /// A child element the XSD requires; flags its absence.
    fn required<'a, 'i>(
        &mut self,
        parent: Node<'a, 'i>,
        path: &str,
        name: &str,
    ) -> Option<Node<'a, 'i>> {
        let found = self.find(parent, name, Ns::Message);
        if found.is_none() {
            let rule = format!("required in {} (minOccurs 1)", self.spec.name);
            self.flag(&join(path, name), rule, TECHNICAL);
        }
        found
    }

    /// Checks the children of a complex element against its content model: no element it
    /// does not have, each in the model's order, none twice that may occur once, every one
    /// it requires, no attribute, no text between them; and the shape of what is never
    /// read ([`Content`]).
    fn model(&mut self, node: Node, path: &str, model: &[Elem]) {
        if path.is_empty() {
            self.no_attributes(node, path);
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut twice: Vec<&str> = Vec::new();
        let mut text = false;
        let mut last = 0;
        for child in node.children() {
            if child.is_text() {
                text |= child.text().is_some_and(|t| !t.chars().all(xsd_space));
                continue;
            }
            if !child.is_element() {
                continue;
            }
            let tag = child.tag_name();
            let at = join(path, tag.name());
            self.no_attributes(child, &at);
            let retour_codes = self.spec.retour
                && tag.name() == "RetourCodes"
                && tag.namespace() == Some(self.uri(Ns::Message));
            if retour_codes {
                self.retour_codes(child, &join(path, "RetourCodes"));
                continue;
            }
            let known = model.iter().enumerate().find(|(_, elem)| {
                elem.name == tag.name() && tag.namespace() == Some(self.uri(elem.ns))
            });
            let Some((index, elem)) = known else {
                self.unknown(child, path, model);
                continue;
            };
            if index < last {
                let rule = format!("out of order (xs:sequence in {})", self.spec.name);
                self.flag(&at, rule, TECHNICAL);
            }
            last = last.max(index);
            match elem.content {
                Content::Read => {}
                Content::Text => {
                    self.leaf(child, &at);
                }
                Content::Unread(inner) => self.model(child, &at, inner),
            }
            if !seen.contains(&elem.name) {
                seen.push(elem.name);
            } else if !elem.repeats && !twice.contains(&elem.name) {
                twice.push(elem.name);
            }
        }
        for name in twice {
            let rule = format!("occurs more than once (maxOccurs 1 in {})", self.spec.name);
            self.flag(&join(path, name), rule, TECHNICAL);
        }
        for elem in model.iter().filter(|elem| elem.required) {
            if !seen.contains(&elem.name) {
                let rule = format!("required in {} (minOccurs 1)", self.spec.name);
                self.flag(&join(path, elem.name), rule, TECHNICAL);
            }
        }
        if text {
            let rule = format!(
                "text is not allowed here (element-only content in {})",
                self.spec.name
            );
            self.flag(path, rule, TECHNICAL);
        }
    }

    /// No element of these messages has attributes (an `xsi:` one aside, which any
    /// instance may carry).
    fn no_attributes(&mut self, node: Node, path: &str) {
        const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
        if node
            .attributes()
            .any(|attribute| attribute.namespace() != Some(XSI))
        {
            let rule = format!("attributes are not allowed (in {})", self.spec.name);
            self.flag(if path.is_empty() { "/" } else { path }, rule, TECHNICAL);
        }
    }

    /// RetourCodes of a retour message: one or more RetourCode of four characters.
    fn retour_codes(&mut self, node: Node, path: &str) {
        self.model(node, path, &[many("RetourCode")]);
        let codes: Vec<Node> = node
            .children()
            .filter(|child| child.is_element() && child.tag_name().name() == "RetourCode")
            .collect();
        if codes.is_empty() {
            let rule = format!(
                "at least one RetourCode (minOccurs 1 in {})",
                self.spec.name
            );
            self.flag(&join(path, "RetourCode"), rule, TECHNICAL);
        }
        for code in codes {
            let at = join(path, "RetourCode");
            if let Some(text) = self.leaf(code, &at)
                && let Err(rule) = digits_or_letters(&text)
            {
                self.flag(&at, rule.text, rule.retourcode);
            }
        }
    }

    fn unknown(&mut self, child: Node, path: &str, model: &[Elem]) {
        let name = child.tag_name().name();
        let mut rule = format!("not an element of {}", self.spec.name);
        if let Some(elem) = model.iter().find(|elem| elem.name == name) {
            rule = format!("{rule}: {name} belongs in namespace {}", self.uri(elem.ns));
        }
        self.flag(&join(path, name), rule, TECHNICAL);
    }

    /// The text of a simple-typed element; flags child elements.
    fn leaf(&mut self, node: Node, path: &str) -> Option<String> {
        if node.children().any(|child| child.is_element()) {
            let rule = format!(
                "child elements are not allowed (simple content in {})",
                self.spec.name
            );
            self.flag(path, rule, TECHNICAL);
            return None;
        }
        Some(
            node.children()
                .filter(Node::is_text)
                .filter_map(|child| child.text())
                .collect(),
        )
    }

    /// Reads and checks the simple-typed child `name`: absent is a violation when `required`.
    fn field<T>(
        &mut self,
        parent: Node,
        path: &str,
        (name, ns): (&str, Ns),
        required: bool,
        parse: impl FnOnce(&str) -> Result<T, Rule>,
    ) -> Option<T> {
        let at = join(path, name);
        let Some(node) = self.find(parent, name, ns) else {
            if required {
                let rule = format!("required in {} (minOccurs 1)", self.spec.name);
                self.flag(&at, rule, TECHNICAL);
            }
            return None;
        };
        let text = self.leaf(node, &at)?;
        parse(&text)
            .map_err(|rule| self.flag(&at, rule.text, rule.retourcode))
            .ok()
    }

    fn message(mut self, root: Node) -> Result<Message, Refused> {
        let antwoord = self.spec.kind == Kind::Antwoord;
        let model = match (antwoord, self.spec.retour) {
            (false, false) => BERICHT,
            (true, false) => BERICHT_319,
            (false, true) => BERICHT_RETOUR,
            (true, true) => BERICHT_320,
        };
        self.model(root, "", model);
        let header = match self.required(root, "", "Header") {
            Some(node) => self.header(node),
            None => HeaderParts::default(),
        };
        if antwoord {
            let body = match self.find(root, "Antwoord", Ns::Message) {
                Some(node) => self.antwoord(node),
                None if self.spec.retour => None,
                None => {
                    self.required(root, "", "Antwoord");
                    None
                }
            };
            return self.finish(
                header,
                ClientParts {
                    antwoord: body,
                    ..ClientParts::default()
                },
            );
        }
        // A retour message on a whole message's refusal has no Client.
        let client = match self.find(root, "Client", Ns::Message) {
            Some(node) => self.client(node),
            None if self.spec.retour => ClientParts::default(),
            None => {
                self.required(root, "", "Client");
                ClientParts::default()
            }
        };
        self.finish(header, client)
    }

    /// The message, or every violation found.
    fn finish(mut self, header: HeaderParts, client: ClientParts) -> Result<Message, Refused> {
        if self.unlisted > 0 {
            self.violations.push(Violation {
                path: String::new(),
                rule: format!("and {} more violations, not listed", self.unlisted),
                retourcode: None,
            });
        }
        if !self.violations.is_empty() {
            return Err(Refused::Invalid(self.violations));
        }
        if self.spec.retour {
            let heen = message_name(self.spec.standard, self.spec.kind.number());
            return Err(Refused::NotRead(format!(
                "{} (retourbericht on {heen}) is not read: it is the receiver's answer to the \
                 sender; Rondom takes the message itself",
                self.spec.name
            )));
        }
        let spec = self.spec;
        let message = assemble(spec, header, client);
        // Every absent part flags a violation; this only guards against a gap in that.
        message.ok_or_else(|| {
            Refused::Invalid(vec![Violation {
                path: String::new(),
                rule: format!("incomplete {}", spec.name),
                retourcode: TECHNICAL.map(str::to_owned),
            }])
        })
    }

    /// Antwoord of a 319: the reference of the request answered, the answer, the reason of a
    /// refusal, and (JW319) the gemeente of the woonplaatsbeginsel.
    fn antwoord(&mut self, node: Node) -> Option<Antwoord> {
        let path = "Antwoord";
        let m = Ns::Message;
        self.model(node, path, self.spec.client_model());
        let referentie = self.field(node, path, ("ReferentieAanbieder", m), true, |text| {
            text_line(text, 36, "LDT_Referentie")
        });
        let antwoord = self.field(node, path, ("VerzoekAntwoord", m), true, |text| {
            let rule = "not 1 (afgewezen) or 2 (in onderzoek) (LDT_VerzoekAntwoord)".to_owned();
            one_of(text, &["1", "2"], rule).map(|code| if code == "1" { 1 } else { 2 })
        });
        let reden = self.field(node, path, ("RedenAfwijzingVerzoek", m), false, |text| {
            let rule = "not a RedenAfwijzingVerzoek 1 to 9 (LDT_RedenAfwijzingVerzoek)".to_owned();
            one_of(text, &["1", "2", "3", "4", "5", "6", "7", "8", "9"], rule)
                .map(|code| code.parse().unwrap_or_default())
        });
        let woonplaatsbeginsel = self.find(node, "Woonplaatsbeginsel", m).and_then(|child| {
            let at = join(path, "Woonplaatsbeginsel");
            self.model(child, &at, WOONPLAATSBEGINSEL);
            self.field(child, &at, ("Gemeente", m), true, gemeente)
        });
        Some(Antwoord {
            referentie: referentie?,
            antwoord: antwoord?,
            reden,
            woonplaatsbeginsel,
        })
    }

    fn header(&mut self, node: Node) -> HeaderParts {
        let path = "Header";
        let m = Ns::Message;
        self.model(
            node,
            path,
            if self.spec.retour {
                HEADER_RETOUR
            } else {
                HEADER
            },
        );
        let (name, code) = (self.spec.name.clone(), self.spec.berichtcode());
        self.field(node, path, ("BerichtCode", m), true, |text| {
            one_of(
                text,
                &[code.as_str()],
                format!("BerichtCode is {code} for {name}"),
            )
        });
        let release = format!("{} 3.2", self.spec.standard.label());
        self.field(node, path, ("BerichtVersie", m), true, |text| {
            one_of(
                collapse(text),
                &["3"],
                format!("BerichtVersie is 3 in {release} (LDT_BerichtVersie pattern 3)"),
            )
        });
        self.field(node, path, ("BerichtSubversie", m), true, |text| {
            one_of(
                collapse(text),
                &["2"],
                format!("BerichtSubversie is 2 in {release} (LDT_BerichtSubversie pattern 2)"),
            )
        });
        // 301 and 319 go from gemeente to aanbieder, the others the other way.
        let (from, to): (Code, Code) = if self.spec.kind.from_gemeente() {
            (gemeente, agb)
        } else {
            (agb, gemeente)
        };
        let afzender = self.field(node, path, ("Afzender", m), true, from);
        let ontvanger = self.field(node, path, ("Ontvanger", m), true, to);
        let (identificatie, dagtekening) = match self.required(node, path, "BerichtIdentificatie") {
            Some(child) => self.bericht_identificatie(child),
            None => (None, None),
        };
        if let Some(child) = self.required(node, path, "XsdVersie") {
            let at = "Header/XsdVersie";
            self.model(child, at, XSD_VERSIE);
            self.field(child, at, ("BasisschemaXsdVersie", Ns::Basis), true, versie);
            self.field(child, at, ("BerichtXsdVersie", Ns::Basis), true, versie);
        }
        HeaderParts {
            afzender,
            ontvanger,
            identificatie,
            dagtekening,
        }
    }

    fn bericht_identificatie(&mut self, node: Node) -> (Option<String>, Option<NaiveDate>) {
        let path = "Header/BerichtIdentificatie";
        self.model(node, path, BERICHT_IDENTIFICATIE);
        let identificatie = self.field(node, path, ("Identificatie", Ns::Basis), true, |text| {
            text_line(text, 12, "LDT_IdentificatieBericht")
        });
        let dagtekening = self.field(node, path, ("Dagtekening", Ns::Basis), true, date);
        (identificatie, dagtekening)
    }

    fn client(&mut self, node: Node) -> ClientParts {
        let path = "Client";
        self.model(node, path, self.spec.client_model());
        let bsn = self.field(node, path, ("Bsn", Ns::Message), true, bsn);
        if self.spec.kind == Kind::Wijziging {
            let wijziging = self
                .required(node, path, "Verzoek")
                .and_then(|verzoek| self.wijziging(verzoek));
            return ClientParts {
                bsn,
                geboortedatum: None,
                products: Some(Vec::new()),
                wijziging,
                antwoord: None,
            };
        }
        let geboortedatum = self
            .required(node, path, "Geboortedatum")
            .and_then(|child| {
                let at = "Client/Geboortedatum";
                self.model(child, at, GEBOORTEDATUM);
                self.field(child, at, ("Datum", Ns::Basis), true, date)
            });
        let products = self.products(node);
        ClientParts {
            bsn,
            geboortedatum,
            products,
            wijziging: None,
            antwoord: None,
        }
    }

    /// Client/Verzoek of a 317: the reference and reason, the toewijzingen it leaves as they
    /// are and those it asks to change (each number once), and the products it asks anew.
    /// Omvang and Budget are not read.
    fn wijziging(&mut self, node: Node) -> Option<Wijziging> {
        let path = "Client/Verzoek";
        let m = Ns::Message;
        self.model(node, path, VERZOEK_317);
        let referentie = self.field(node, path, ("ReferentieAanbieder", m), true, |text| {
            text_line(text, 36, "LDT_Referentie")
        });
        let reden = self.field(node, path, ("RedenVerzoek", m), true, |text| {
            let rule = "not 1 (clientsituatie) or 2 (zorgplan) (LDT_RedenVerzoek)".to_owned();
            one_of(text, &["1", "2"], rule).map(|code| if code == "1" { 1 } else { 2 })
        });
        let ongewijzigd = self.listed(node, path, ("OngewijzigdeProducten", "OngewijzigdProduct"));
        let te_wijzigen = self.listed(node, path, ("TeWijzigenProducten", "TeWijzigenProduct"));
        let nieuw = self.listed(node, path, ("NieuweProducten", "NieuwProduct"));
        let mut numbers: Vec<(u64, String)> = Vec::new();
        for (at, item) in &ongewijzigd {
            self.model(*item, at, ONGEWIJZIGD_PRODUCT);
            if let Some(number) = self.field(*item, at, ("ToewijzingNummer", m), true, nummer) {
                numbers.push((number, at.clone()));
            }
        }
        let mut changed = Vec::new();
        for (at, item) in &te_wijzigen {
            self.model(*item, at, TE_WIJZIGEN_PRODUCT);
            if let Some(number) = self.field(*item, at, ("ToewijzingNummer", m), true, nummer) {
                numbers.push((number, at.clone()));
                changed.push(number);
            }
            self.wish(*item, at);
        }
        for (at, item) in &nieuw {
            self.model(*item, at, NIEUW_PRODUCT);
            self.product(*item, at);
            self.wish(*item, at);
        }
        self.each_number_once(&numbers);
        Some(Wijziging {
            referentie: referentie?,
            reden: reden?,
            te_wijzigen: changed,
            nieuwe_producten: u32::try_from(nieuw.len()).unwrap_or(u32::MAX),
        })
    }

    /// The items `item` of the optional list `list` under `node`, each with its path; a list
    /// that is there holds at least one.
    fn listed<'a, 'i>(
        &mut self,
        node: Node<'a, 'i>,
        path: &str,
        (list, item): (&str, &'static str),
    ) -> Vec<(String, Node<'a, 'i>)> {
        let Some(wrapper) = self.find(node, list, Ns::Message) else {
            return Vec::new();
        };
        let list_path = join(path, list);
        self.model(wrapper, &list_path, &[many(item)]);
        let uri = self.uri(Ns::Message);
        let items: Vec<(String, Node)> = wrapper
            .children()
            .filter(|child| {
                child.is_element()
                    && child.tag_name().name() == item
                    && child.tag_name().namespace() == Some(uri)
            })
            .enumerate()
            .map(|(index, child)| (format!("{list_path}/{item}[{}]", index + 1), child))
            .collect();
        if items.is_empty() {
            let rule = format!("at least one {item} (minOccurs 1 in {})", self.spec.name);
            self.flag(&join(&list_path, item), rule, TECHNICAL);
        }
        if items.len() > MAX_LINES {
            self.too_many(&list_path, item);
            return Vec::new();
        }
        items
    }

    fn too_many(&mut self, list_path: &str, item: &str) {
        let rule = format!("at most {MAX_LINES} {item} in one message");
        self.flag(list_path, rule, None);
    }

    /// The day a 317 asks a change or a product to start, and its end (not before it).
    fn wish(&mut self, node: Node, path: &str) {
        let m = Ns::Message;
        let begin = self.field(node, path, ("GewensteIngangsdatum", m), true, date);
        let end = self.field(node, path, ("Einddatum", m), false, date);
        self.period_named(path, ("GewensteIngangsdatum", "Einddatum"), begin, end);
    }

    /// 317: a toewijzing is named once, as unchanged or as to change.
    fn each_number_once(&mut self, numbers: &[(u64, String)]) {
        let mut first: HashMap<u64, &str> = HashMap::new();
        for (number, at) in numbers {
            match first.get(number) {
                Some(earlier) => {
                    let rule = format!(
                        "the same ToewijzingNummer as {earlier}: a request names a toewijzing once"
                    );
                    self.flag(&join(at, "ToewijzingNummer"), rule, None);
                }
                None => {
                    first.insert(*number, at);
                }
            }
        }
    }

    fn products(&mut self, client: Node) -> Option<Vec<ProductLine>> {
        let (list, line) = self.spec.kind.lines()?;
        let wrapper = self.required(client, "Client", list)?;
        let list_path = format!("Client/{list}");
        self.model(wrapper, &list_path, &[many(line)]);
        let uri = self.uri(Ns::Message);
        let nodes: Vec<Node> = wrapper
            .children()
            .filter(|child| {
                child.is_element()
                    && child.tag_name().name() == line
                    && child.tag_name().namespace() == Some(uri)
            })
            .collect();
        if nodes.is_empty() {
            let rule = format!("at least one {line} (minOccurs 1 in {})", self.spec.name);
            self.flag(&join(&list_path, line), rule, TECHNICAL);
            return None;
        }
        if nodes.len() > MAX_LINES {
            self.too_many(&list_path, line);
            return None;
        }
        let lines: Vec<Option<ProductLine>> = nodes
            .iter()
            .enumerate()
            .map(|(index, node)| self.line(*node, &format!("{list_path}/{line}[{}]", index + 1)))
            .collect();
        self.unique_numbers(&list_path, line, &lines);
        self.unique_referenties(&list_path, line, &lines);
        lines.into_iter().collect()
    }

    fn line(&mut self, node: Node, path: &str) -> Option<ProductLine> {
        self.model(node, path, self.spec.line_model());
        let toewijzing_nummer = self.toewijzing_nummer(node, path);
        let (categorie, code) = self.product(node, path);
        // Checked for its form only: Rondom does not keep it.
        let toewijzing_dag = match self.spec.kind {
            Kind::Toewijzing => Some("Toewijzingsdatum"),
            Kind::Start | Kind::Stop => Some("ToewijzingIngangsdatum"),
            Kind::Verzoek | Kind::Wijziging | Kind::Antwoord => None,
        };
        if let Some(name) = toewijzing_dag {
            self.field(node, path, (name, Ns::Message), false, date);
        }
        let common = Common {
            toewijzing_nummer,
            categorie,
            code,
        };
        match self.spec.kind {
            Kind::Toewijzing => self.toegewezen(node, path, common),
            Kind::Start => self.start(node, path, common),
            Kind::Stop => self.stop(node, path, common),
            Kind::Verzoek => self.verzoek(node, path, common),
            // A 317 and a 319 have no product lines: each is read whole.
            Kind::Wijziging | Kind::Antwoord => None,
        }
    }

    /// ToewijzingNummer: required by the 301 XSD, optional in the 305/307 XSD.
    fn toewijzing_nummer(&mut self, node: Node, path: &str) -> Option<u64> {
        let required = self.spec.kind == Kind::Toewijzing;
        self.field(
            node,
            path,
            ("ToewijzingNummer", Ns::Message),
            required,
            nummer,
        )
    }

    /// Product (CDT_Product, optional): Categorie of the standard's list, Code optional.
    fn product(&mut self, line: Node, path: &str) -> (Option<String>, Option<String>) {
        let Some(node) = self.find(line, "Product", Ns::Message) else {
            return (None, None);
        };
        let at = join(path, "Product");
        self.model(node, &at, PRODUCT);
        let standard = self.spec.standard;
        let categorie = self.field(node, &at, ("Categorie", Ns::Basis), true, |text| {
            let rule = format!(
                "not a ProductCategorie of {} 3.2 (LDT_ProductCategorie)",
                standard.label()
            );
            one_of(text, standard.categorieen(), rule)
        });
        let code = self.field(node, &at, ("Code", Ns::Basis), false, |text| {
            text_line(text, 5, "LDT_ProductCode")
        });
        (categorie, code)
    }

    /// A 301 line.
    fn toegewezen(&mut self, node: Node, path: &str, common: Common) -> Option<ProductLine> {
        let m = Ns::Message;
        let begin = self.field(node, path, ("Ingangsdatum", m), true, date);
        let einddatum = self.field(node, path, ("Einddatum", m), false, date);
        let reden_wijziging = self.field(node, path, ("RedenWijziging", m), false, |text| {
            one_of(
                text,
                REDEN_WIJZIGING,
                "not a RedenWijziging 01 to 14 (LDT_RedenWijziging)".to_owned(),
            )
        });
        self.period(path, "Ingangsdatum", begin, einddatum);
        let referentie = self.field(node, path, ("ReferentieAanbieder", m), false, |text| {
            text_line(text, 36, "LDT_Referentie")
        });
        Some(ProductLine {
            toewijzing_nummer: Some(common.toewijzing_nummer?),
            categorie: common.categorie,
            code: common.code,
            begindatum: begin?,
            einddatum,
            reden_wijziging,
            reden_beeindiging: None,
            status_aanlevering: None,
            referentie,
            verwijzer: None,
        })
    }

    /// A 305 line.
    fn start(&mut self, node: Node, path: &str, common: Common) -> Option<ProductLine> {
        let m = Ns::Message;
        let begin = self.field(node, path, ("Begindatum", m), true, date);
        let status = self.field(
            node,
            path,
            ("StatusAanlevering", m),
            true,
            status_aanlevering,
        );
        Some(ProductLine {
            toewijzing_nummer: common.toewijzing_nummer,
            categorie: common.categorie,
            code: common.code,
            begindatum: begin?,
            einddatum: None,
            reden_wijziging: None,
            reden_beeindiging: None,
            status_aanlevering: Some(status?),
            referentie: None,
            verwijzer: None,
        })
    }

    /// A 307 line.
    fn stop(&mut self, node: Node, path: &str, common: Common) -> Option<ProductLine> {
        let m = Ns::Message;
        let standard = self.spec.standard;
        let begin = self.field(node, path, ("Begindatum", m), true, date);
        let reden = self.field(node, path, ("RedenBeeindiging", m), true, |text| {
            let rule = format!(
                "not a RedenBeeindiging of {} 3.2 (LDT_RedenBeeindiging)",
                standard.label()
            );
            one_of(text, standard.redenen_beeindiging(), rule)
        });
        let einddatum = self.field(node, path, ("Einddatum", m), true, date);
        let status = self.field(
            node,
            path,
            ("StatusAanlevering", m),
            true,
            status_aanlevering,
        );
        self.period(path, "Begindatum", begin, einddatum);
        Some(ProductLine {
            toewijzing_nummer: common.toewijzing_nummer,
            categorie: common.categorie,
            code: common.code,
            begindatum: begin?,
            einddatum: Some(einddatum?),
            reden_wijziging: None,
            reden_beeindiging: Some(reden?),
            status_aanlevering: Some(status?),
            referentie: None,
            verwijzer: None,
        })
    }

    /// A 315 line: the provider's reference, the period asked for and who referred the
    /// client. BeschikkingNummer, BeschikkingIngangsdatum and Raamcontract are checked for their
    /// form only; Omvang, Budget and the comments are not read.
    fn verzoek(&mut self, node: Node, path: &str, common: Common) -> Option<ProductLine> {
        let m = Ns::Message;
        let referentie = self.field(node, path, ("ReferentieAanbieder", m), true, |text| {
            text_line(text, 36, "LDT_Referentie")
        });
        self.field(node, path, ("BeschikkingNummer", m), false, nummer);
        self.field(node, path, ("BeschikkingIngangsdatum", m), false, date);
        let begin = self.field(node, path, ("ToewijzingIngangsdatum", m), true, date);
        let einddatum = self.field(node, path, ("ToewijzingEinddatum", m), false, date);
        self.period_named(
            path,
            ("ToewijzingIngangsdatum", "ToewijzingEinddatum"),
            begin,
            einddatum,
        );
        let verwijzer = self.required(node, path, "Verwijzer").and_then(|child| {
            let at = join(path, "Verwijzer");
            self.model(child, &at, VERWIJZER);
            self.field(child, &at, ("Naam", Ns::Basis), false, |text| {
                text_line(text, 64, "LDT_NaamVerwijzer")
            });
            self.field(child, &at, ("ZorgverlenerCode", Ns::Basis), false, agb);
            self.field(child, &at, ("Type", Ns::Basis), true, |text| {
                one_of(
                    text,
                    TYPE_VERWIJZER,
                    "not a TypeVerwijzer 01 to 06 or 08 (LDT_TypeVerwijzer)".to_owned(),
                )
            })
        });
        self.field(node, path, ("Raamcontract", m), false, |text| {
            one_of(
                text,
                &["1", "2"],
                "not 1 (ja) or 2 (nee) (LDT_JaNee)".to_owned(),
            )
        });
        Some(ProductLine {
            toewijzing_nummer: None,
            categorie: common.categorie,
            code: common.code,
            begindatum: begin?,
            einddatum,
            reden_wijziging: None,
            reden_beeindiging: None,
            status_aanlevering: None,
            referentie: Some(referentie?),
            verwijzer: Some(verwijzer?),
        })
    }

    /// A period of care ends on or after the day it begins.
    fn period(
        &mut self,
        path: &str,
        begin_name: &str,
        begin: Option<NaiveDate>,
        end: Option<NaiveDate>,
    ) {
        self.period_named(path, (begin_name, "Einddatum"), begin, end);
    }

    /// A period whose first and last day are the elements `names`.
    fn period_named(
        &mut self,
        path: &str,
        (begin_name, end_name): (&str, &str),
        begin: Option<NaiveDate>,
        end: Option<NaiveDate>,
    ) {
        if let (Some(begin), Some(end)) = (begin, end)
            && end < begin
        {
            let rule = format!(
                "{end_name} lies before {begin_name}: a period ends on or after its first day"
            );
            self.flag(&join(path, end_name), rule, None);
        }
    }

    /// 315: one request, one reference (retourcode 9347, "ReferentieAanbieder niet uniek voor
    /// aanbieder binnen wettelijk domein"); two lines of one message with the same one break
    /// it.
    fn unique_referenties(&mut self, list_path: &str, line: &str, lines: &[Option<ProductLine>]) {
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (index, product) in lines.iter().enumerate() {
            let Some(referentie) = product.as_ref().and_then(|line| line.referentie.as_deref())
            else {
                continue;
            };
            match first.get(referentie) {
                Some(earlier) => {
                    let at = format!("{list_path}/{line}[{}]/ReferentieAanbieder", index + 1);
                    let rule = format!(
                        "the same ReferentieAanbieder as {line}[{}]: a request has a unique \
                         reference",
                        earlier + 1
                    );
                    self.flag(&at, rule, Some("9347"));
                }
                None => {
                    first.insert(referentie, index);
                }
            }
        }
    }

    /// 301: one toewijzing, one number (retourcode 9332, "Toewijzing heeft geen uniek nummer
    /// binnen wettelijk domein"); two lines of one message with the same number break it.
    fn unique_numbers(&mut self, list_path: &str, line: &str, lines: &[Option<ProductLine>]) {
        if self.spec.kind != Kind::Toewijzing {
            return;
        }
        let mut first: HashMap<u64, usize> = HashMap::new();
        for (index, product) in lines.iter().enumerate() {
            let Some(number) = product.as_ref().and_then(|line| line.toewijzing_nummer) else {
                continue;
            };
            match first.get(&number) {
                Some(earlier) => {
                    let at = format!("{list_path}/{line}[{}]/ToewijzingNummer", index + 1);
                    let rule = format!(
                        "the same ToewijzingNummer as {line}[{}]: a toewijzing has a unique number",
                        earlier + 1
                    );
                    self.flag(&at, rule, Some("9332"));
                }
                None => {
                    first.insert(number, index);
                }
            }
        }
    }
}

/// The fields every kind of line shares, read before the kind's own.
#[derive(Debug)]
struct Common {
    toewijzing_nummer: Option<u64>,
    categorie: Option<String>,
    code: Option<String>,
}

/// The message from its parts, once no violation was found (then every part is there).
fn assemble(spec: &Spec, header: HeaderParts, client: ClientParts) -> Option<Message> {
    Some(Message {
        standard: spec.standard,
        kind: spec.kind,
        afzender: header.afzender?,
        ontvanger: header.ontvanger?,
        identificatie: header.identificatie?,
        dagtekening: header.dagtekening?,
        bsn: match spec.kind {
            Kind::Antwoord => None,
            _ => Some(client.bsn?),
        },
        geboortedatum: match spec.kind {
            Kind::Wijziging | Kind::Antwoord => None,
            _ => Some(client.geboortedatum?),
        },
        products: match spec.kind {
            Kind::Antwoord => Vec::new(),
            _ => client.products?,
        },
        wijziging: match spec.kind {
            Kind::Wijziging => Some(client.wijziging?),
            _ => None,
        },
        antwoord: match spec.kind {
            Kind::Antwoord => Some(client.antwoord?),
            _ => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../../shared/fixtures/istandaarden-3.2/"
    );
    const IWMO2: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../../shared/fixtures/iwmo2/"
    );

    /// The bytes of a fixture; a missing fixture fails the test, it never skips it.
    fn load(dir: &str, file: &str) -> Vec<u8> {
        let path = format!("{dir}{file}");
        std::fs::read(&path).unwrap_or_else(|error| {
            panic!("fixture {path} is missing ({error}): these tests need ../shared/fixtures beside the repository")
        })
    }

    fn fixture(file: &str) -> Vec<u8> {
        load(FIXTURES, file)
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date in the test")
    }

    fn read_ok(file: &str) -> Message {
        read(&fixture(file)).unwrap_or_else(|refused| panic!("{file} refused: {refused:?}"))
    }

    /// WMO301 with `from` replaced by `to` (which must occur).
    fn wmo301_with(edits: &[(&str, &str)]) -> Vec<u8> {
        let mut text = String::from_utf8(fixture("iwmo/berichten/WMO301.xml")).expect("UTF-8");
        for (from, to) in edits {
            assert!(text.contains(from), "WMO301 has no {from}");
            text = text.replacen(from, to, 1);
        }
        text.into_bytes()
    }

    fn violations(xml: &[u8]) -> Vec<Violation> {
        match read(xml) {
            Err(Refused::Invalid(violations)) => violations,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    fn paths(violations: &[Violation]) -> Vec<&str> {
        violations.iter().map(|v| v.path.as_str()).collect()
    }

    #[test]
    fn what_the_xsd_requires_its_order_and_no_attributes_are_checked_in_what_is_never_read_too() {
        // Required elements left out, the one read as optional among them.
        let missing = wmo301_with(&[
            ("<wmo301:Geslacht>1</wmo301:Geslacht>", ""),
            (
                "<wmo301:Toewijzingsdatum>2023-08-13</wmo301:Toewijzingsdatum>",
                "",
            ),
        ]);
        let found = violations(&missing);
        assert_eq!(
            paths(&found),
            ["Client/Geslacht", &format!("{LINE_301}/Toewijzingsdatum")],
            "{found:?}"
        );
        assert!(found.iter().all(|v| v.rule.contains("minOccurs 1")));
        // Out of the sequence's order.
        let swapped = wmo301_with(&[(
            "<wmo301:Geslacht>1</wmo301:Geslacht>",
            "<wmo301:Naam><iwmo:Geslachtsnaam><iwmo:Achternaam>X</iwmo:Achternaam>\
             </iwmo:Geslachtsnaam><iwmo:NaamGebruik>1</iwmo:NaamGebruik></wmo301:Naam>\
             <wmo301:Geslacht>1</wmo301:Geslacht>",
        )]);
        let found = violations(&swapped);
        assert!(
            found
                .iter()
                .any(|v| v.path == "Client/Geslacht" && v.rule.contains("out of order")),
            "{found:?}"
        );
        // An attribute, anywhere.
        let attribute = wmo301_with(&[("<wmo301:Bsn>", "<wmo301:Bsn soort=\"x\">")]);
        assert_eq!(paths(&violations(&attribute)), ["Client/Bsn"]);
        // Inside a name, which is never read: its shape still holds.
        let garbage = wmo301_with(&[(
            "<iwmo:Voornamen>Tim</iwmo:Voornamen>",
            "<iwmo:Voornamen><iwmo:Diep>Tim</iwmo:Diep></iwmo:Voornamen><wmo301:Extra/>",
        )]);
        assert_eq!(
            paths(&violations(&garbage)),
            ["Client/Naam/Voornamen", "Client/Naam/Extra"]
        );
        // The fixture as it is passes.
        read_ok("iwmo/berichten/WMO301.xml");
    }

    #[test]
    fn a_message_of_too_many_nodes_is_not_parsed_whole() {
        let empties = "<a/>".repeat(usize::try_from(MAX_NODES).expect("fits"));
        let flood = wmo301_with(&[(
            "<iwmo:Voornamen>Tim</iwmo:Voornamen>",
            &format!("<iwmo:Voornamen>{empties}</iwmo:Voornamen>"),
        )]);
        match read(&flood) {
            Err(Refused::NotXml(reason)) => assert!(reason.contains("nodes"), "{reason}"),
            other => panic!("expected NotXml, got {other:?}"),
        }
        assert!(addressed(&flood).is_none());
    }

    const LINE_301: &str = "Client/ToegewezenProducten/ToegewezenProduct[1]";

    #[test]
    fn wmo301_reads() {
        let message = read_ok("iwmo/berichten/WMO301.xml");
        assert_eq!(
            (message.standard, message.kind),
            (Standard::Iwmo, Kind::Toewijzing)
        );
        assert_eq!(message.afzender, "0384");
        assert_eq!(message.ontvanger, "42420001");
        assert_eq!(message.identificatie, "123456789012");
        assert_eq!(message.dagtekening, day("2023-08-13"));
        assert_eq!(message.bsn.as_deref(), Some("999900006"));
        assert_eq!(message.geboortedatum, Some(day("1967-08-13")));
        assert_eq!(
            message.products,
            vec![ProductLine {
                toewijzing_nummer: Some(101),
                categorie: Some("01".into()),
                code: Some("01A01".into()),
                begindatum: day("2023-01-01"),
                einddatum: Some(day("2023-12-31")),
                reden_wijziging: None,
                reden_beeindiging: None,
                status_aanlevering: None,
                referentie: Some("42420002".into()),
                verwijzer: None,
            }]
        );
    }

    #[test]
    fn wmo305_reads() {
        let message = read_ok("iwmo/berichten/WMO305.xml");
        assert_eq!(
            (message.standard, message.kind),
            (Standard::Iwmo, Kind::Start)
        );
        assert_eq!(
            (message.afzender.as_str(), message.ontvanger.as_str()),
            ("65656055", "0363")
        );
        assert_eq!(message.identificatie, "123456789013");
        assert_eq!(message.dagtekening, day("2025-04-05"));
        assert_eq!(message.bsn.as_deref(), Some("999900006"));
        assert_eq!(message.geboortedatum, Some(day("1967-08-13")));
        assert_eq!(message.products.len(), 2);
        let first = &message.products[0];
        assert_eq!(first.toewijzing_nummer, Some(300201));
        assert_eq!(
            (first.categorie.as_deref(), first.code.as_deref()),
            (Some("01"), Some("01A11"))
        );
        assert_eq!(first.begindatum, day("2025-04-03"));
        assert_eq!((first.einddatum, first.status_aanlevering), (None, Some(1)));
        assert_eq!(message.products[1].toewijzing_nummer, Some(300202));
        assert_eq!(message.products[1].begindatum, day("2025-04-04"));
    }

    #[test]
    fn a_message_prints_what_identifies_it_not_whom_it_is_about() {
        let message = read_ok("iwmo/berichten/WMO305.xml");
        let printed = format!("{message:?}");
        assert!(printed.contains("123456789013"), "{printed}");
        assert!(
            !printed.contains("999900006") && !printed.contains("1967"),
            "{printed}"
        );
    }

    #[test]
    fn wmo307_reads() {
        let message = read_ok("iwmo/berichten/WMO307.xml");
        assert_eq!(
            (message.standard, message.kind),
            (Standard::Iwmo, Kind::Stop)
        );
        assert_eq!(
            (message.afzender.as_str(), message.ontvanger.as_str()),
            ("65656055", "0363")
        );
        assert_eq!(message.identificatie, "123456789014");
        assert_eq!(message.dagtekening, day("2025-07-21"));
        assert_eq!(message.bsn.as_deref(), Some("999900006"));
        let first = &message.products[0];
        assert_eq!(first.toewijzing_nummer, Some(300201));
        assert_eq!(first.begindatum, day("2025-04-03"));
        assert_eq!(first.einddatum, Some(day("2025-07-18")));
        assert_eq!(first.reden_beeindiging.as_deref(), Some("31"));
        assert_eq!(first.status_aanlevering, Some(1));
        assert_eq!(message.products[1].begindatum, day("2025-04-15"));
    }

    #[test]
    fn jw301_reads() {
        let message = read_ok("ijw/berichten/JW301.xml");
        assert_eq!(
            (message.standard, message.kind),
            (Standard::Ijw, Kind::Toewijzing)
        );
        assert_eq!(
            (message.afzender.as_str(), message.ontvanger.as_str()),
            ("0384", "42420001")
        );
        assert_eq!(message.identificatie, "123456789012");
        assert_eq!(message.dagtekening, day("2026-04-01"));
        assert_eq!(message.bsn.as_deref(), Some("999900006"));
        assert_eq!(message.geboortedatum, Some(day("2010-02-14")));
        assert_eq!(message.products.len(), 2);
        let first = &message.products[0];
        assert_eq!(first.toewijzing_nummer, Some(300201));
        assert_eq!(
            (first.categorie.as_deref(), first.code.as_deref()),
            (Some("55"), Some("55A11"))
        );
        assert_eq!(first.begindatum, day("2026-04-01"));
        assert_eq!(first.einddatum, Some(day("2026-07-14")));
        assert_eq!(message.products[1].einddatum, Some(day("2026-07-19")));
    }

    #[test]
    fn jw305_reads() {
        let message = read_ok("ijw/berichten/JW305.xml");
        assert_eq!(
            (message.standard, message.kind),
            (Standard::Ijw, Kind::Start)
        );
        assert_eq!(
            (message.afzender.as_str(), message.ontvanger.as_str()),
            ("65656055", "0363")
        );
        assert_eq!(message.identificatie, "123456789012");
        assert_eq!(message.dagtekening, day("2026-04-15"));
        assert_eq!(message.bsn.as_deref(), Some("999900006"));
        assert_eq!(message.geboortedatum, Some(day("2010-02-14")));
        assert_eq!(message.products[0].toewijzing_nummer, Some(300201));
        assert_eq!(message.products[0].begindatum, day("2026-04-03"));
        assert_eq!(message.products[1].begindatum, day("2026-04-15"));
        assert_eq!(message.products[1].status_aanlevering, Some(1));
    }

    #[test]
    fn jw307_reads() {
        let message = read_ok("ijw/berichten/JW307.xml");
        assert_eq!(
            (message.standard, message.kind),
            (Standard::Ijw, Kind::Stop)
        );
        assert_eq!(
            (message.afzender.as_str(), message.ontvanger.as_str()),
            ("65656055", "0363")
        );
        assert_eq!(message.dagtekening, day("2026-07-20"));
        assert_eq!(message.bsn.as_deref(), Some("999900006"));
        let first = &message.products[0];
        assert_eq!(first.toewijzing_nummer, Some(300201));
        assert_eq!(first.begindatum, day("2026-04-03"));
        assert_eq!(first.einddatum, Some(day("2026-07-17")));
        // 31 is "volgens plan beeindigd" in iJw (it is "verhuizing" in iWmo).
        assert_eq!(first.reden_beeindiging.as_deref(), Some("31"));
    }

    #[test]
    fn declarations_are_refused_for_purpose_limitation() {
        for file in [
            "iwmo/berichten/WMO323.xml",
            "ijw/berichten/JW323.xml",
            "ijw/berichten/JW325.xml",
        ] {
            match read(&fixture(file)) {
                Err(Refused::Declaration(text)) => assert!(text.contains("AVG art. 5"), "{text}"),
                other => panic!("{file}: expected Declaration, got {other:?}"),
            }
        }
    }

    #[test]
    fn wmo315_reads() {
        let message = read_ok("iwmo/berichten/WMO315.xml");
        assert_eq!(
            (message.standard, message.kind),
            (Standard::Iwmo, Kind::Verzoek)
        );
        assert_eq!(
            (message.afzender.as_str(), message.ontvanger.as_str()),
            ("42420001", "0384")
        );
        assert_eq!(message.geboortedatum, Some(day("1972-07-16")));
        let lines: Vec<_> = message
            .products
            .iter()
            .map(|line| {
                (
                    line.referentie.as_deref(),
                    line.code.as_deref(),
                    line.verwijzer.as_deref(),
                    line.begindatum,
                    line.einddatum,
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                (
                    Some("42420001"),
                    Some("ABCDE"),
                    Some("04"),
                    day("2023-06-01"),
                    Some(day("2023-06-30"))
                ),
                (
                    Some("42420002"),
                    Some("BCDEF"),
                    Some("04"),
                    day("2023-06-01"),
                    Some(day("2023-06-30"))
                ),
            ]
        );
    }

    #[test]
    fn the_invalid_jw315_example_is_refused_for_its_impossible_date() {
        // Both AangevraagdProducts ask for a toewijzing ending on 31 June 2027.
        let violations = violations(&fixture("ijw/berichten/JW315.xml"));
        assert_eq!(
            paths(&violations),
            [
                "Client/AangevraagdeProducten/AangevraagdProduct[1]/ToewijzingEinddatum",
                "Client/AangevraagdeProducten/AangevraagdProduct[2]/ToewijzingEinddatum",
            ]
        );
        assert!(
            violations
                .iter()
                .all(|v| v.rule.contains("LDT_Datum") && v.retourcode.as_deref() == Some("0001")),
            "{violations:?}"
        );
    }

    #[test]
    fn a_reference_twice_in_one_315_is_refused_with_9347() {
        let text = String::from_utf8(fixture("iwmo/berichten/WMO315.xml")).expect("UTF-8");
        let twice = text.replace(
            ">42420002</wmo315:ReferentieAanbieder>",
            ">42420001</wmo315:ReferentieAanbieder>",
        );
        let found = violations(twice.as_bytes());
        assert_eq!(
            paths(&found),
            ["Client/AangevraagdeProducten/AangevraagdProduct[2]/ReferentieAanbieder"]
        );
        assert_eq!(found[0].retourcode.as_deref(), Some("9347"));
        // A JW315 element is not one of a WMO315.
        let gezag = text.replace(
            "<wmo315:Commentaar>Commentaar client",
            "<wmo315:GezagsdragerBekend>1</wmo315:GezagsdragerBekend><wmo315:Commentaar>Commentaar client",
        );
        assert_eq!(
            paths(&violations(gezag.as_bytes())),
            ["Client/GezagsdragerBekend"]
        );
    }

    /// The WMO317 made for the tests (the iStandaarden examples hold none).
    const WMO317: &str = include_str!("../testdata/WMO317.xml");

    /// The JW317 made for the tests: the WMO317 in the iJw namespaces, with a jeugd product.
    const JW317: &str = include_str!("../testdata/JW317.xml");

    #[test]
    fn a_317_reads_as_one_request() {
        for (xml, standard) in [(WMO317, Standard::Iwmo), (JW317, Standard::Ijw)] {
            let message = read(xml.as_bytes()).expect("a 317");
            assert_eq!(
                (message.standard, message.kind),
                (standard, Kind::Wijziging)
            );
            assert_eq!(message.bsn.as_deref(), Some("999900006"));
            assert_eq!(message.geboortedatum, None);
            assert!(message.products.is_empty());
            assert_eq!(
                message.wijziging,
                Some(Wijziging {
                    referentie: "R-317-1".into(),
                    reden: 2,
                    te_wijzigen: vec![101],
                    nieuwe_producten: 1,
                })
            );
        }
    }

    #[test]
    fn a_317_names_a_toewijzing_once_and_asks_periods_that_end_after_they_start() {
        let twice = WMO317.replace(
            "<wmo317:TeWijzigenProducten>",
            "<wmo317:OngewijzigdeProducten><wmo317:OngewijzigdProduct>\
             <wmo317:ToewijzingNummer>0101</wmo317:ToewijzingNummer>\
             </wmo317:OngewijzigdProduct></wmo317:OngewijzigdeProducten><wmo317:TeWijzigenProducten>",
        );
        let found = violations(twice.as_bytes());
        assert_eq!(
            paths(&found),
            ["Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct[1]/ToewijzingNummer"]
        );
        let backwards = WMO317.replace(">2023-12-31<", ">2023-09-30<");
        assert_eq!(
            paths(&violations(backwards.as_bytes())),
            ["Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct[1]/Einddatum"]
        );
        // A list that is there holds at least one item.
        let (before, rest) = WMO317
            .split_once("<wmo317:NieuwProduct>")
            .expect("a NieuwProduct");
        let (_, after) = rest.split_once("</wmo317:NieuwProduct>").expect("its end");
        let empty_list = format!("{before}{after}");
        assert_eq!(
            paths(&violations(empty_list.as_bytes())),
            ["Client/Verzoek/NieuweProducten/NieuwProduct"]
        );
    }

    /// The WMO319 made for the tests.
    const WMO319: &str = include_str!("../testdata/WMO319.xml");

    /// The JW319 made for the tests: a refusal by the woonplaatsbeginsel naming 0363.
    const JW319: &str = include_str!("../testdata/JW319.xml");

    #[test]
    fn a_319_reads_as_an_answer_without_a_client() {
        let message = read(WMO319.as_bytes()).expect("a WMO319");
        assert_eq!(
            (message.kind, message.bsn.as_deref()),
            (Kind::Antwoord, None)
        );
        assert_eq!(
            (message.afzender.as_str(), message.ontvanger.as_str()),
            ("0384", "42420001")
        );
        assert_eq!(
            message.antwoord,
            Some(Antwoord {
                referentie: "42420001".into(),
                antwoord: 1,
                reden: Some(3),
                woonplaatsbeginsel: None,
            })
        );
        let jeugd = read(JW319.as_bytes()).expect("a JW319");
        assert_eq!(
            jeugd
                .antwoord
                .map(|antwoord| (antwoord.reden, antwoord.woonplaatsbeginsel)),
            Some((Some(8), Some("0363".into())))
        );
        // The woonplaatsbeginsel is a JW319 element, not a WMO319 one.
        let wmo = WMO319.replace(
            "</wmo319:RedenAfwijzingVerzoek>",
            "</wmo319:RedenAfwijzingVerzoek><wmo319:Woonplaatsbeginsel>\
             <wmo319:Gemeente>0363</wmo319:Gemeente></wmo319:Woonplaatsbeginsel>",
        );
        assert_eq!(
            paths(&violations(wmo.as_bytes())),
            ["Antwoord/Woonplaatsbeginsel"]
        );
        let wrong = WMO319.replace(">1</wmo319:VerzoekAntwoord>", ">3</wmo319:VerzoekAntwoord>");
        assert_eq!(
            paths(&violations(wrong.as_bytes())),
            ["Antwoord/VerzoekAntwoord"]
        );
    }

    #[test]
    fn retour_messages_are_checked_and_not_read() {
        for name in ["JW302", "JW306", "JW308", "JW316", "JW320"] {
            let file = format!("ijw/berichten/{name}.xml");
            match read(&fixture(&file)) {
                Err(Refused::NotRead(text)) => assert!(text.starts_with(name), "{text}"),
                other => panic!("{file}: expected NotRead, got {other:?}"),
            }
        }
        // The invalid JW318 example has a RetourCode outside a RetourCodes wrapper.
        let found = violations(&fixture("ijw/berichten/JW318.xml"));
        assert_eq!(paths(&found), ["Client/Verzoek/RetourCode"]);
        assert_eq!(found[0].retourcode.as_deref(), Some("0001"));
        // A retour on a 319 has the Antwoord of the 319 with its RetourCodes.
        let jw320 = String::from_utf8(fixture("ijw/berichten/JW320.xml")).expect("UTF-8");
        let wrong = jw320.replacen(">9360<", ">93600<", 1);
        assert_eq!(
            paths(&violations(wrong.as_bytes())),
            ["Antwoord/RetourCodes/RetourCode"]
        );
    }

    #[test]
    fn iwmo2_messages_are_an_old_release() {
        let files = [
            ("CasusA-01-WMO315_verzoek.xml", 315),
            ("CasusA-02-WMO301_toewijzing.xml", 301),
            ("CasusA-04-WMO301_intrekking.xml", 301),
            ("CasusB-01-WMO301_toewijzing.xml", 301),
            ("CasusB-02-WMO305_start.xml", 305),
            ("CasusB-04-WMO307_stop.xml", 307),
        ];
        for (file, number) in files {
            match read(&load(IWMO2, file)) {
                Err(Refused::OldRelease(text)) => {
                    let expected =
                        format!("http://www.istandaarden.nl/iwmo/3_2/wmo{number}/schema");
                    assert!(
                        text.contains("iWmo release 2.0") && text.contains(&expected),
                        "{text}"
                    );
                }
                other => panic!("{file}: expected OldRelease, got {other:?}"),
            }
        }
    }

    #[test]
    fn an_impossible_date_is_refused() {
        let xml = wmo301_with(&[(
            "<wmo301:Einddatum>2023-12-31<",
            "<wmo301:Einddatum>2023-02-30<",
        )]);
        let found = violations(&xml);
        assert_eq!(paths(&found), [format!("{LINE_301}/Einddatum")]);
        assert_eq!(found[0].rule, "not a date (LDT_Datum)");
        assert_eq!(found[0].retourcode.as_deref(), Some("0001"));
    }

    #[test]
    fn a_bsn_failing_the_11_proef_is_refused() {
        let found = violations(&wmo301_with(&[(
            "<wmo301:Bsn>999900006<",
            "<wmo301:Bsn>999900007<",
        )]));
        assert_eq!(paths(&found), ["Client/Bsn"]);
        assert_eq!(found[0].rule, "11-proef fails (LDT_BurgerServicenummer)");
        assert!(
            !found[0].rule.contains("99990000"),
            "a rule never repeats the BSN"
        );
    }

    #[test]
    fn a_wrong_berichtcode_is_refused() {
        let found = violations(&wmo301_with(&[(">414<", ">436<")]));
        assert_eq!(paths(&found), ["Header/BerichtCode"]);
        assert_eq!(found[0].rule, "BerichtCode is 414 for WMO301");
    }

    #[test]
    fn an_einddatum_before_the_ingangsdatum_is_refused() {
        let found = violations(&wmo301_with(&[(
            "<wmo301:Einddatum>2023-12-31<",
            "<wmo301:Einddatum>2022-12-31<",
        )]));
        assert_eq!(paths(&found), [format!("{LINE_301}/Einddatum")]);
        assert!(
            found[0]
                .rule
                .starts_with("Einddatum lies before Ingangsdatum"),
            "{}",
            found[0].rule
        );
    }

    #[test]
    fn every_violation_is_reported_at_once() {
        let xml = wmo301_with(&[
            (">414<", ">436<"),
            ("<wmo301:BerichtVersie>3<", "<wmo301:BerichtVersie>03<"),
            ("<wmo301:Afzender>0384<", "<wmo301:Afzender>384<"),
            ("<wmo301:Bsn>999900006<", "<wmo301:Bsn>99990000<"),
            ("<iwmo:Datum>1967-08-13<", "<iwmo:Datum>1967-08-13Z<"),
            (
                "<wmo301:Einddatum>2023-12-31<",
                "<wmo301:Einddatum>2023-02-30<",
            ),
            ("<iwmo:Categorie>01<", "<iwmo:Categorie>55<"),
            (
                "<wmo301:ToewijzingNummer>101<",
                "<wmo301:ToewijzingNummer>1000000000<",
            ),
        ]);
        let found = violations(&xml);
        assert_eq!(
            paths(&found),
            [
                "Header/BerichtCode".to_owned(),
                "Header/BerichtVersie".to_owned(),
                "Header/Afzender".to_owned(),
                "Client/Bsn".to_owned(),
                "Client/Geboortedatum/Datum".to_owned(),
                format!("{LINE_301}/ToewijzingNummer"),
                format!("{LINE_301}/Product/Categorie"),
                format!("{LINE_301}/Einddatum"),
            ]
        );
        assert!(
            found
                .iter()
                .all(|v| v.retourcode.as_deref() == Some("0001"))
        );
    }

    #[test]
    fn an_element_outside_the_content_model_is_refused() {
        let xml = wmo301_with(&[
            (
                "<wmo301:BerichtCode>",
                "<wmo301:Extra>1</wmo301:Extra><wmo301:BerichtCode>",
            ),
            ("<wmo301:Bsn>", "<iwmo:Bsn>999900006</iwmo:Bsn><wmo301:Bsn>"),
            (
                "<wmo301:Ingangsdatum>",
                "<wmo301:Begindatum>2023-01-01</wmo301:Begindatum><wmo301:Ingangsdatum>",
            ),
        ]);
        let found = violations(&xml);
        assert_eq!(
            paths(&found),
            [
                "Header/Extra".to_owned(),
                "Client/Bsn".to_owned(),
                format!("{LINE_301}/Begindatum")
            ]
        );
        assert_eq!(found[0].rule, "not an element of WMO301");
        assert!(
            found[1]
                .rule
                .contains("belongs in namespace http://www.istandaarden.nl/iwmo/3_2/wmo301/schema")
        );
    }

    #[test]
    fn a_missing_element_and_a_doubled_one_are_refused() {
        let xml = wmo301_with(&[
            ("<wmo301:Ontvanger>42420001</wmo301:Ontvanger>", ""),
            (
                "<wmo301:Bsn>999900006</wmo301:Bsn>",
                "<wmo301:Bsn>999900006</wmo301:Bsn><wmo301:Bsn>999900018</wmo301:Bsn>",
            ),
        ]);
        let found = violations(&xml);
        assert_eq!(paths(&found), ["Header/Ontvanger", "Client/Bsn"]);
        assert_eq!(found[0].rule, "required in WMO301 (minOccurs 1)");
        assert_eq!(
            found[1].rule,
            "occurs more than once (maxOccurs 1 in WMO301)"
        );
    }

    #[test]
    fn toewijzingnummer_is_an_integer() {
        let xml = wmo301_with(&[(
            "<wmo301:ToewijzingNummer>101<",
            "<wmo301:ToewijzingNummer> 0101 <",
        )]);
        let message = read(&xml).expect("0101 is the integer 101");
        assert_eq!(message.products[0].toewijzing_nummer, Some(101));
    }

    #[test]
    fn at_least_one_product_line() {
        let mut text = String::from_utf8(fixture("iwmo/berichten/WMO301.xml")).expect("UTF-8");
        let start = text.find("<wmo301:ToegewezenProduct>").expect("a line");
        let end = text.find("</wmo301:ToegewezenProduct>").expect("a line")
            + "</wmo301:ToegewezenProduct>".len();
        text.replace_range(start..end, "");
        let found = violations(text.as_bytes());
        assert_eq!(
            paths(&found),
            ["Client/ToegewezenProducten/ToegewezenProduct"]
        );
    }

    #[test]
    fn a_doubled_toewijzingnummer_is_refused_with_9332() {
        let mut text = String::from_utf8(fixture("ijw/berichten/JW301.xml")).expect("UTF-8");
        text = text.replacen(">300202<", ">300201<", 1);
        let found = violations(text.as_bytes());
        assert_eq!(
            paths(&found),
            ["Client/ToegewezenProducten/ToegewezenProduct[2]/ToewijzingNummer"]
        );
        assert_eq!(found[0].retourcode.as_deref(), Some("9332"));
    }

    /// The WMO301 example with its one ToegewezenProduct `copies` times, each with a number
    /// and reference of its own.
    fn wmo301_of(copies: usize) -> Vec<u8> {
        let text = String::from_utf8(fixture("iwmo/berichten/WMO301.xml")).expect("UTF-8");
        let (start, end) = (
            text.find("<wmo301:ToegewezenProduct>").expect("a line"),
            text.find("</wmo301:ToegewezenProducten>")
                .expect("the list's end"),
        );
        let line = &text[start..end];
        let (number, referentie) = (
            "<wmo301:ToewijzingNummer>101<",
            "<wmo301:ReferentieAanbieder>42420002<",
        );
        assert!(line.contains(number) && line.contains(referentie));
        let lines: String = (0..copies)
            .map(|n| {
                line.replacen(
                    number,
                    &format!("<wmo301:ToewijzingNummer>{}<", 100_000 + n),
                    1,
                )
                .replacen(
                    referentie,
                    &format!("<wmo301:ReferentieAanbieder>R{n}<"),
                    1,
                )
            })
            .collect();
        format!("{}{lines}{}", &text[..start], &text[end..]).into_bytes()
    }

    #[test]
    fn a_list_past_its_limit_is_refused_whole_and_one_at_it_read() {
        let found = violations(&wmo301_of(MAX_LINES + 1));
        assert_eq!(paths(&found), ["Client/ToegewezenProducten"]);
        assert!(found[0].rule.contains("at most 1000"), "{found:?}");
        // At the limit, every line is read and each number checked once against the others
        // (a scan of the earlier lines per line took a million comparisons here).
        let read = read(&wmo301_of(MAX_LINES)).expect("a long 301");
        assert_eq!(read.products.len(), MAX_LINES);
    }

    #[test]
    fn a_refusal_lists_its_first_hundred_violations_and_counts_the_rest() {
        // Every line with the number of the first: 999 doubles.
        let text = String::from_utf8(wmo301_of(MAX_LINES)).expect("UTF-8");
        let doubled = (1..MAX_LINES).fold(text, |text, n| {
            text.replacen(&format!(">{}<", 100_000 + n), ">100000<", 1)
        });
        let found = violations(doubled.as_bytes());
        assert_eq!(found.len(), MAX_LISTED + 1);
        assert_eq!(
            found[MAX_LISTED].rule,
            format!(
                "and {} more violations, not listed",
                MAX_LINES - 1 - MAX_LISTED
            )
        );
    }

    #[test]
    fn a_start_without_toewijzingnummer_reads_as_none() {
        // Optional in the 305 XSD: the reader keeps the message; whether a line without it
        // can be written is the write path's decision.
        let text = String::from_utf8(fixture("iwmo/berichten/WMO305.xml")).expect("UTF-8");
        let text = text.replacen(
            "<wmo305:ToewijzingNummer>300201</wmo305:ToewijzingNummer>",
            "",
            1,
        );
        let message = read(text.as_bytes()).expect("valid without ToewijzingNummer");
        assert_eq!(message.products[0].toewijzing_nummer, None);
        assert_eq!(message.products[1].toewijzing_nummer, Some(300202));
    }

    #[test]
    fn a_toewijzing_without_toewijzingnummer_is_refused() {
        let found = violations(&wmo301_with(&[(
            "<wmo301:ToewijzingNummer>101</wmo301:ToewijzingNummer>",
            "",
        )]));
        assert_eq!(paths(&found), [format!("{LINE_301}/ToewijzingNummer")]);
        assert_eq!(found[0].rule, "required in WMO301 (minOccurs 1)");
    }

    #[test]
    fn stop_rules_of_the_standard() {
        let text = String::from_utf8(fixture("ijw/berichten/JW307.xml")).expect("UTF-8");
        let text = text
            .replacen(
                "<jw307:RedenBeeindiging>31<",
                "<jw307:RedenBeeindiging>19<",
                1,
            )
            .replacen(
                "<jw307:Einddatum>2026-07-17<",
                "<jw307:Einddatum>2026-04-02<",
                1,
            )
            .replacen(
                "<jw307:StatusAanlevering>1<",
                "<jw307:StatusAanlevering>4<",
                1,
            );
        let found = violations(text.as_bytes());
        let line = "Client/StopProducten/StopProduct[1]";
        assert_eq!(
            paths(&found),
            [
                format!("{line}/RedenBeeindiging"),
                format!("{line}/StatusAanlevering"),
                format!("{line}/Einddatum")
            ]
        );
        assert_eq!(
            found[0].rule,
            "not a RedenBeeindiging of iJw 3.2 (LDT_RedenBeeindiging)"
        );
    }

    #[test]
    fn a_date_outside_what_a_write_may_name_is_refused() {
        let found = violations(&wmo301_with(&[(
            "<iwmo:Datum>1967-08-13<",
            "<iwmo:Datum>1867-08-13<",
        )]));
        assert_eq!(paths(&found), ["Client/Geboortedatum/Datum"]);
        assert_eq!(found[0].retourcode, None);
    }

    #[test]
    fn garbage_is_not_xml() {
        for bytes in [
            &b"\x00\x01garbage<<"[..],
            b"",
            b"\xff\xfe<a/>",
            b"<Bericht>",
            b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>",
        ] {
            assert!(matches!(read(bytes), Err(Refused::NotXml(_))), "{bytes:?}");
        }
    }

    #[test]
    fn a_foreign_namespace_is_unknown() {
        let cases = [
            r#"<Bericht xmlns="http://example.org/wmo301/schema"/>"#,
            r#"<Bericht/>"#,
            r#"<x:Melding xmlns:x="http://www.istandaarden.nl/iwmo/3_2/wmo301/schema"/>"#,
            r#"<Bericht xmlns="http://www.istandaarden.nl/iwmo/3_3/wmo301/schema"/>"#,
            r#"<Bericht xmlns="http://www.istandaarden.nl/iwmo/3_2/jw301/schema"/>"#,
            r#"<Bericht xmlns="http://www.istandaarden.nl/iwmo/3_2/wmo399/schema"/>"#,
            r#"<Bericht xmlns="http://www.istandaarden.nl/iwmo/3_2/wmo301/schema/3_2"/>"#,
        ];
        for xml in cases {
            assert!(
                matches!(read(xml.as_bytes()), Err(Refused::Unknown(_))),
                "{xml}"
            );
        }
    }

    #[test]
    fn no_input_makes_it_panic() {
        let bytes = fixture("iwmo/berichten/WMO301.xml");
        for end in (0..bytes.len()).step_by(13) {
            let _ = read(&bytes[..end]);
        }
        let text = String::from_utf8(bytes).expect("UTF-8");
        for (index, _) in text.match_indices('>').step_by(3) {
            let mut broken = text.clone();
            broken.insert_str(index + 1, "<wmo301:X>\u{1F600}\r\n</wmo301:X>");
            let _ = read(broken.as_bytes());
        }
    }
}
