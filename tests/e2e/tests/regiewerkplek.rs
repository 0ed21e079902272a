//! The regiewerkplek as a coordinator uses it, in a real browser: signed in at a real OpenID
//! Connect provider, the worklist, a household, its timeline, a regie action, a conflict with
//! a colleague's write, "what I read", signing out; a staff member of another gemeente who
//! sees nothing of the family; and the audit log naming each staff member. axe-core checks
//! every page (WCAG 2.2 A and AA) and a screenshot of each lands in `target/regiewerkplek/`.

use rondom_cli::scenario::{MOEDER, OMA};
use rondom_e2e::web::{Browser, TestIdp, TestWeb, WebAddress};
use rondom_e2e::{DevClient, TestHub, load_family};
use rondom_proto::v1;
use rondom_proto::v1::audit_service_client::AuditServiceClient;
use rondom_proto::v1::regie_service_client::RegieServiceClient;

/// The household page's form that registers a partner.
const PARTNER_FORM: &str = "form[action$='/regie/partner']";

/// Everything a test here needs, started in order.
struct Workplace {
    hub: TestHub,
    web: TestWeb,
    household: String,
    idp: TestIdp,
}

async fn workplace() -> Workplace {
    workplace_with(Apart::No).await
}

/// Whether the hub and the regiewerkplek each discover the identity provider themselves, as
/// when the web role runs as a process of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Apart {
    No,
    Yes,
}

async fn workplace_with(apart: Apart) -> Workplace {
    let address = WebAddress::new();
    let idp = TestIdp::start(&address).await;
    let provider = idp.provider().await;
    let mut hub = TestHub::start().await;
    let hubs = match apart {
        Apart::No => provider.clone(),
        Apart::Yes => idp.provider().await,
    };
    hub.with_identity_provider(hubs).await;
    let runner = load_family(hub.scenario_connections().await).await;
    let household = runner.family_household().expect("the family").to_owned();
    let base = address.url();
    let web = TestWeb::start(
        address,
        hub.addr(),
        rondom_web::SignIn::Oidc(rondom_web::OidcSettings {
            provider,
            redirect_url: format!("{base}/aanmelden/terug"),
            post_logout_url: format!("{base}/aanmelden?afgemeld=1"),
        }),
        None,
    )
    .await;
    Workplace {
        hub,
        web,
        household,
        idp,
    }
}

/// Signs in at the provider as `staff` (its development login form takes any password, then
/// asks for consent once).
async fn sign_in(browser: &Browser, web: &TestWeb, staff: &str) {
    let text = browser.open(&format!("{}/aanmelden", web.url)).await;
    assert!(
        text.contains("Meld u aan met uw account van de gemeente"),
        "{text}"
    );
    browser.check_page("aanmelden").await;
    browser.click("Aanmelden bij de gemeente").await;
    browser.fill("login", staff).await;
    browser.fill("password", "geheim").await;
    browser.click("Sign-in").await;
    // Consent for the client's scopes, asked on the first sign-in of each account.
    if browser
        .until(&["Continue", "Aangemeld als"])
        .await
        .contains("Continue")
    {
        browser.click("Continue").await;
    }
    browser.until(&["Aangemeld als"]).await;
}

/// A new Wmo melding for Riet, received now: its WMO-ONDERZOEK (six weeks) is open whatever
/// day the suite runs, so the household page has a deadline to explain.
async fn melding_now(hub: &TestHub) {
    let mut wmo = rondom_proto::v1::wmo_service_client::WmoServiceClient::new(
        hub.client_for(DevClient::BackOffice(rondom_domain::Pillar::Wmo))
            .await,
    );
    let written = wmo
        .receive_melding(v1::ReceiveWmoMeldingRequest {
            context: Some(v1::WriteContext {
                idempotency_key: "melding-nu".into(),
                source_system: "wmo-backoffice".into(),
                gemeente_code: "0363".into(),
                persons: vec![v1::PersonRef {
                    bsn: OMA.bsn.into(),
                    ..Default::default()
                }],
                occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
                case_id: "WMO-2026-099".into(),
                note: String::new(),
            }),
            melding: Some(v1::WmoMeldingOntvangen {
                spoed: false,
                mantelzorger_betrokken: false,
            }),
        })
        .await
        .expect("the Wmo melding")
        .into_inner();
    hub.wait_applied(written.position).await;
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_coordinator_works_through_the_regiewerkplek() {
    let w = workplace().await;
    melding_now(&w.hub).await;
    let browser = Browser::start().await;
    sign_in(&browser, &w.web, "mw-0412").await;

    // The worklist, as the regisseur of the family sees it.
    let url = browser.client.current_url().await.expect("url");
    assert_eq!(url.path(), "/werklijst");
    let text = browser.text().await;
    assert!(text.contains("Aangemeld als mw-0412"), "{text}");
    assert!(
        text.contains(&w.household[..8]),
        "the family is on the worklist: {text}"
    );
    assert!(
        !text.contains("Ontwikkelomgeving"),
        "no development sign-in with a provider"
    );
    browser.check_page("werklijst").await;
    // Filtered: the family has a regisseur, so it is not among those without one.
    browser
        .client
        .find(fantoccini::Locator::Css("select[name='toon']"))
        .await
        .expect("the worklist filter")
        .select_by_value("zonder-regisseur")
        .await
        .expect("choose zonder regisseur");
    browser.click("Filter").await;
    let text = browser
        .until(&["Huishoudens, de dringendste termijn eerst"])
        .await;
    assert!(!text.contains(&w.household[..8]), "{text}");
    browser.click("Werklijst").await;

    // The household: members with masked BSN only, the laws, the regisseur.
    browser
        .click(&format!("Huishouden {}", &w.household[..8]))
        .await;
    let text = browser.text().await;
    assert!(text.contains("Fatima Jansen"), "{text}");
    assert!(text.contains("*****2333"), "the BSN is masked: {text}");
    assert!(!text.contains("111222333"), "no whole BSN on the page");
    assert!(
        text.contains("mw-0412 (00000001234567890000)"),
        "the regisseur: {text}"
    );
    browser.check_page("huishouden").await;

    // Its timeline, all of it and then one law.
    browser.click("Tijdlijn van dit huishouden").await;
    let text = browser.text().await;
    assert!(text.contains("gezinsplan vastgesteld"), "{text}");
    browser.check_page("tijdlijn").await;
    browser
        .client
        .find(fantoccini::Locator::Css("select[name='wet']"))
        .await
        .expect("the law filter")
        .select_by_value("jeugd")
        .await
        .expect("choose jeugd");
    browser.click("Filter").await;
    let text = browser.until(&["jeugdhulp gestart"]).await;
    assert!(
        !text.contains("gezinsplan vastgesteld"),
        "only Jeugd: {text}"
    );

    // A regie action: register a partner.
    browser
        .click(&format!("Terug naar huishouden {}", &w.household[..8]))
        .await;
    browser.click("Partner registreren").await;
    browser
        .fill_in(PARTNER_FORM, "organisatie", "11223344")
        .await;
    browser.submit(PARTNER_FORM).await;
    let text = browser.text().await;
    assert!(text.contains("Opgeslagen."), "{text}");
    assert!(
        text.contains("11223344"),
        "the partner is on the fresh view: {text}"
    );
    browser.check_page("regie-opgeslagen").await;

    // A colleague changes the household while this page is open: the next action meets a
    // conflict, changes nothing and shows the household as it is now.
    let mut colleague = RegieServiceClient::new(w.hub.client_for(DevClient::Coordinator).await);
    let household = w
        .hub
        .households()
        .await
        .get_household(rondom_e2e::by_id(&w.household, 0))
        .await
        .expect("read")
        .into_inner();
    let position = household.household.expect("view").last_position;
    colleague
        .register_partner(v1::RegisterPartnerRequest {
            context: Some(v1::RegieContext {
                idempotency_key: "collega-1".into(),
                source_system: "collega".into(),
                household_id: w.household.clone(),
                expected_position: position,
                occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
                ..Default::default()
            }),
            partner: Some(v1::Partner {
                organisatie: "55667788".into(),
                pillar: v1::Pillar::Wmo as i32,
            }),
        })
        .await
        .expect("the colleague's write");
    browser.click("Partner registreren").await;
    browser
        .fill_in(PARTNER_FORM, "organisatie", "99887766")
        .await;
    browser.submit(PARTNER_FORM).await;
    let text = browser.text().await;
    assert!(
        text.contains("gewijzigd sinds u de pagina opende"),
        "{text}"
    );
    assert!(
        text.contains("55667788"),
        "the fresh view shows the colleague's partner: {text}"
    );
    assert!(
        !text.contains("99887766"),
        "the refused write changed nothing: {text}"
    );
    browser.check_page("regie-conflict").await;

    // The other regie actions, each answered with the household as it is after it.
    regie_actions(&browser).await;

    // Search by BSN: the purpose first; the BSN is posted, not put in a URL.
    browser.click("Zoeken op BSN").await;
    browser.check_page("zoeken").await;
    browser
        .client
        .find(fantoccini::Locator::Css("select[name='doel']"))
        .await
        .expect("the purpose")
        .select_by_value("regie")
        .await
        .expect("choose regie");
    browser.fill("bsn", MOEDER.bsn).await;
    browser.click("Zoeken").await;
    let text = browser.text().await;
    assert!(text.contains("Fatima Jansen"), "{text}");
    let url = browser.client.current_url().await.expect("url");
    assert!(
        !url.as_str().contains(MOEDER.bsn),
        "no BSN in the address: {url}"
    );

    // What I read: every read above, under this staff member.
    browser.click("Wat ik las").await;
    let text = browser.text().await;
    assert!(text.contains("HouseholdService/GetHousehold"), "{text}");
    assert!(text.contains("HouseholdService/GetTimeline"), "{text}");
    assert!(text.contains("RegieService/RegisterPartner"), "{text}");
    browser.check_page("wat-ik-las").await;

    // The audit log names the staff member for each read and write of the pages.
    let records = w.hub.audit_of("mw-0412", &w.household).await;
    let methods: Vec<&str> = records
        .iter()
        .map(|record| record.method.as_str())
        .collect();
    for method in [
        "/rondom.v1.HouseholdService/ListHouseholds",
        "/rondom.v1.HouseholdService/GetHousehold",
        "/rondom.v1.HouseholdService/GetTimeline",
        "/rondom.v1.RegieService/RegisterPartner",
    ] {
        assert!(
            methods.contains(&method),
            "{method} under mw-0412: {methods:?}"
        );
    }

    // Signing out ends the session here and at the provider.
    browser.click("Afmelden").await;
    if browser
        .until(&["Yes, sign me out", "U bent afgemeld."])
        .await
        .contains("Yes, sign me out")
    {
        browser.click("Yes, sign me out").await;
    }
    let text = browser.until(&["U bent afgemeld."]).await;
    assert!(text.contains("U bent afgemeld."), "{text}");
    let text = browser.open(&format!("{}/werklijst", w.web.url)).await;
    assert!(
        text.contains("Meld u aan met uw account van de gemeente"),
        "after sign-out the worklist asks to sign in: {text}"
    );
}

/// Sets the plan (once refused by field, then taken), ends a partner, assigns another
/// regisseur and adds a newborn to the household, on the household page that is open.
async fn regie_actions(browser: &Browser) {
    let plan = "form[action$='/regie/plan']";
    let evaluation = (chrono::Utc::now().date_naive() + chrono::Days::new(60)).to_string();
    browser.click("Gezinsplan vastleggen").await;
    browser.fill_in(plan, "doelen", "Financiën op orde!").await;
    browser.click_on("#pijler-wmo").await;
    browser.set_value("#evaluatiedatum", &evaluation).await;
    browser.submit(plan).await;
    let text = browser.until(&["niet opgeslagen"]).await;
    assert!(
        text.contains("Doel 1: een code van kleine letters") && text.contains("plan.doelen[0]"),
        "the wrong goal is named as the form names it, in Dutch: {text}"
    );
    assert!(
        !text.contains("snake_case"),
        "not the hub's English: {text}"
    );
    browser.check_page("regie-veldfout").await;

    browser.click("Gezinsplan vastleggen").await;
    browser
        .fill_in(plan, "doelen", "financien_op_orde, werk")
        .await;
    browser.click_on("#pijler-schuldhulp").await;
    browser.set_value("#evaluatiedatum", &evaluation).await;
    browser.submit(plan).await;
    let text = browser.until(&["Opgeslagen.", "niet opgeslagen"]).await;
    assert!(text.contains("Opgeslagen."), "{text}");
    assert!(
        text.contains("versie 2; doelen: financien_op_orde, werk"),
        "{text}"
    );

    browser.click("Partner beëindigen").await;
    browser.click("Beëindig 11223344 (Wmo)").await;
    let text = browser.until(&["Opgeslagen.", "niet opgeslagen"]).await;
    assert!(text.contains("Opgeslagen."), "{text}");
    assert!(
        !text.contains("11223344"),
        "the partner's involvement ended: {text}"
    );

    let regisseur = "form[action$='/regie/regisseur']";
    browser.click("Regisseur toewijzen").await;
    browser.fill_in(regisseur, "regisseur_id", "mw-0413").await;
    browser
        .fill_in(regisseur, "organisatie", "00000001234567890000")
        .await;
    browser.submit(regisseur).await;
    let text = browser.until(&["Opgeslagen.", "niet opgeslagen"]).await;
    assert!(text.contains("mw-0413 (00000001234567890000)"), "{text}");

    let composition = "form[action$='/regie/samenstelling']";
    let newborn = rondom_e2e::valid_bsns(1).remove(0);
    let born = (chrono::Utc::now().date_naive() - chrono::Days::new(3)).to_string();
    browser.click("Samenstelling wijzigen").await;
    browser.fill_in(composition, "bsn", &newborn).await;
    browser.fill_in(composition, "naam", "Noah Jansen").await;
    browser.set_value("#geboortedatum", &born).await;
    browser.submit(composition).await;
    let text = browser.until(&["Opgeslagen.", "niet opgeslagen"]).await;
    assert!(text.contains("Opgeslagen."), "{text}");
    assert!(
        text.contains("Noah Jansen"),
        "the newborn is a member: {text}"
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_staff_member_of_another_gemeente_sees_nothing_of_the_household() {
    let w = workplace().await;
    let browser = Browser::start().await;
    sign_in(&browser, &w.web, "mw-0599").await;
    let text = browser.text().await;
    assert!(text.contains("Aangemeld als mw-0599"), "{text}");
    assert!(
        !text.contains(&w.household[..8]),
        "not on another gemeente's worklist: {text}"
    );

    let text = browser
        .open(&format!("{}/huishoudens/{}", w.web.url, w.household))
        .await;
    assert!(text.contains("Niet gevonden"), "{text}");
    assert!(!text.contains("Jansen"), "nothing of the family: {text}");
    browser.check_page("niet-gevonden").await;

    // The audit log names the refused read under this staff member.
    let records = w.hub.audit_of("mw-0599", "").await;
    assert!(
        records.iter().any(
            |record| record.method == "/rondom.v1.HouseholdService/GetHousehold"
                && record.outcome == "NOT_FOUND"
        ),
        "the refused read is on record under mw-0599: {records:?}"
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_coordinator_signs_in_after_the_provider_rolled_its_signing_key_over() {
    // The regiewerkplek and the hub each fetched the provider's keys when they started; the
    // provider now signs with a key that was not among them.
    let mut w = workplace_with(Apart::Yes).await;
    w.idp.restart().await;
    let browser = Browser::start().await;
    sign_in(&browser, &w.web, "mw-0412").await;
    // The worklist is the hub's answer to her new token: taken at its first call.
    let text = browser.text().await;
    assert!(text.contains("Aangemeld als mw-0412"), "{text}");
    assert!(text.contains(&w.household[..8]), "her worklist: {text}");
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn forms_need_the_sessions_token_pages_carry_the_headers_and_the_keyboard_suffices() {
    let w = workplace().await;
    let browser = Browser::start().await;
    sign_in(&browser, &w.web, "mw-0412").await;

    // The keyboard alone: the first Tab reaches the skip link, which leads to the content.
    let first = browser.tab().await;
    assert!(first.contains("Naar de inhoud"), "{first}");

    // A regie form posted with the session but without its CSRF token changes nothing.
    let session = browser
        .client
        .get_named_cookie("rondom")
        .await
        .expect("the session cookie");
    assert!(
        session.http_only().unwrap_or(false),
        "the session cookie is HttpOnly"
    );
    let before = w
        .hub
        .households()
        .await
        .get_household(rondom_e2e::by_id(&w.household, 0))
        .await
        .expect("read")
        .into_inner()
        .household
        .expect("view");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    let forged = http
        .post(format!(
            "{}/huishoudens/{}/regie/partner",
            w.web.url, w.household
        ))
        .header("cookie", format!("rondom={}", session.value()))
        .form(&[
            ("csrf", "not-the-token"),
            ("positie", &before.last_position.to_string()),
            ("sleutel", "vervalst"),
            ("organisatie", "44556677"),
            ("wet", "wmo"),
        ])
        .send()
        .await
        .expect("post the forged form");
    assert_eq!(forged.status(), 403);
    let after = w
        .hub
        .households()
        .await
        .get_household(rondom_e2e::by_id(&w.household, 0))
        .await
        .expect("read")
        .into_inner()
        .household
        .expect("view");
    assert_eq!(
        after.last_position, before.last_position,
        "nothing was written"
    );

    // Another site's image pointing at a household page reads nothing in her name; the
    // page opened as a page (a link followed from elsewhere) does.
    let reads = |records: Vec<v1::AuditRecord>| {
        records
            .iter()
            .filter(|r| r.method == "/rondom.v1.HouseholdService/GetHousehold")
            .count()
    };
    let read_before = reads(w.hub.audit_of("mw-0412", &w.household).await);
    let from_elsewhere = |dest: &'static str, mode: &'static str| {
        http.get(format!("{}/huishoudens/{}", w.web.url, w.household))
            .header("cookie", format!("rondom={}", session.value()))
            .header("sec-fetch-site", "same-site")
            .header("sec-fetch-mode", mode)
            .header("sec-fetch-dest", dest)
            .send()
    };
    let image = from_elsewhere("image", "no-cors")
        .await
        .expect("an image's request");
    assert_eq!(image.status(), 403);
    assert_eq!(
        reads(w.hub.audit_of("mw-0412", &w.household).await),
        read_before,
        "nothing read"
    );
    let followed = from_elsewhere("document", "navigate")
        .await
        .expect("a link followed");
    assert_eq!(followed.status(), 200);
    // A form many times larger than any of its own is not taken.
    let huge = http
        .post(format!(
            "{}/huishoudens/{}/regie/plan",
            w.web.url, w.household
        ))
        .header("cookie", format!("rondom={}", session.value()))
        .form(&[("doelen", "a,".repeat(20_000))])
        .send()
        .await
        .expect("post a huge form");
    assert_eq!(huge.status(), 413);

    // Every page with personal data: no caching, no referrer, no script, no framing.
    let page = http
        .get(format!("{}/huishoudens/{}", w.web.url, w.household))
        .header("cookie", format!("rondom={}", session.value()))
        .send()
        .await
        .expect("the household page");
    assert_eq!(page.status(), 200);
    let header = |name: &str| {
        page.headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(header("referrer-policy"), "no-referrer");
    let policy = header("content-security-policy");
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(!policy.contains("script-src"), "no script at all: {policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let html = page.text().await.expect("the page");
    assert!(
        html.contains("<html lang=\"nl\""),
        "the page says it is Dutch"
    );
    assert!(!html.contains("<script"), "no script on the page");

    // A provider's answer is taken only by the browser that began that sign-in (no login
    // CSRF): without its cookie the answer is refused before the code is even tried.
    let begun = http
        .get(format!("{}/aanmelden/start", w.web.url))
        .send()
        .await
        .expect("begin a sign-in");
    let location = begun
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .expect("to the provider")
        .to_owned();
    let state = reqwest::Url::parse(&location)
        .expect("the provider's address")
        .query_pairs()
        .find(|(key, _)| key == "state")
        .map(|(_, value)| value.into_owned())
        .expect("a state");
    let bound = begun
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|cookie| cookie.starts_with("rondom-aanmelding="))
        .expect("the sign-in's cookie")
        .to_owned();
    assert!(
        bound.contains("HttpOnly") && bound.contains("SameSite=Lax"),
        "{bound}"
    );
    let answer = |cookie: Option<String>| {
        let mut request = http.get(format!(
            "{}/aanmelden/terug?code=pasted&state={state}",
            w.web.url
        ));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let pasted = answer(None).await.expect("an answer without the cookie");
    assert_eq!(pasted.status(), 303);
    assert_eq!(
        pasted
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/aanmelden?fout=1")
    );
    let own = bound.split(';').next().unwrap_or_default().to_owned();
    let tried = answer(Some(own)).await.expect("an answer with the cookie");
    assert_eq!(
        tried.status(),
        403,
        "with its cookie the (bogus) code is tried and refused"
    );
    let cleared: Vec<_> = tried
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    assert!(
        cleared
            .iter()
            .any(|cookie| cookie.starts_with("rondom-aanmelding=;") && cookie.contains("Max-Age=0")),
        "the state is used up: {cleared:?}"
    );

    // "What I read" answers about the caller only, from the moment asked.
    let coordinator = w.hub.client_for(DevClient::Coordinator).await;
    let own_records = |since: chrono::DateTime<chrono::Utc>| {
        let mut audit = AuditServiceClient::new(coordinator.clone());
        async move {
            audit
                .list_own_records(v1::ListOwnRecordsRequest {
                    since: Some(rondom_proto::convert::timestamp(since)),
                    ..Default::default()
                })
                .await
                .expect("own records")
                .into_inner()
                .records
        }
    };
    let hour = chrono::Duration::hours(1);
    let recent = own_records(chrono::Utc::now() - hour).await;
    assert!(
        recent
            .iter()
            .any(|r| r.method == "/rondom.v1.HouseholdService/GetHousehold"),
        "{recent:?}"
    );
    assert!(
        recent.iter().all(|r| r.client_id == "dev-coordinator"),
        "only the caller's own records: {recent:?}"
    );
    assert!(
        own_records(chrono::Utc::now() + hour).await.is_empty(),
        "nothing from the future"
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn over_tls_the_session_cookie_is_secure_and_host_bound() {
    let hub = TestHub::start().await;
    let dir = tempfile::tempdir().expect("a folder for the certificate");
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("a certificate");
    let (cert, key) = (dir.path().join("web.pem"), dir.path().join("web.key"));
    std::fs::write(&cert, certified.cert.pem()).expect("write the certificate");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write the key");
    let address = WebAddress::new();
    let tls = rondom_runtime::tls::TlsFiles {
        tls_cert: Some(cert),
        tls_key: Some(key),
        tls_client_ca: None,
    }
    .https_config(
        format!("127.0.0.1:{}", address.port)
            .parse()
            .expect("address"),
        "the regiewerkplek",
    )
    .expect("the certificate")
    .expect("a TLS configuration");
    let accounts = vec![rondom_web::DevAccount {
        label: "Coördinator (gemeente 0363)".into(),
        token: hub.token(DevClient::Coordinator).to_owned(),
    }];
    let port = address.port;
    let _web = TestWeb::start(
        address,
        hub.addr(),
        rondom_web::SignIn::Development(accounts),
        Some(tls),
    )
    .await;
    let http = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).expect("the CA"),
        )
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTPS client");
    let base = format!("https://localhost:{port}");
    let page = http
        .get(format!("{base}/aanmelden"))
        .send()
        .await
        .expect("the sign-in page over HTTPS");
    let form_cookie = page
        .headers()
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .expect("the form's cookie")
        .to_owned();
    assert!(form_cookie.contains("; Secure"), "{form_cookie}");
    assert_eq!(
        page.headers()
            .get("strict-transport-security")
            .and_then(|value| value.to_str().ok()),
        Some("max-age=31536000"),
        "browsers come back over HTTPS only"
    );
    let token = form_cookie
        .trim_start_matches("rondom-aanmelden=")
        .split(';')
        .next()
        .expect("its value")
        .to_owned();
    let signed_in = http
        .post(format!("{base}/aanmelden/ontwikkeling"))
        .header("cookie", format!("rondom-aanmelden={token}"))
        .form(&[("account", "0"), ("csrf", token.as_str())])
        .send()
        .await
        .expect("sign in over HTTPS");
    let session = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|cookie| cookie.starts_with("__Host-rondom="))
        .expect("the session cookie, __Host- prefixed")
        .to_owned();
    assert!(
        session.contains("; HttpOnly; SameSite=Strict; Secure"),
        "{session}"
    );
}
