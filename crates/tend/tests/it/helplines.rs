//! Help for the country the person is in (issue 12): the lines of their
//! country first on every page that shows help, then the lines for anywhere;
//! chosen at sign-up (or suggested from the time zone), on the account page,
//! or signed out in a cookie that holds only the country.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use crate::helpers::{Backend, TestApp, csrf_of, get};

/// Signs up through the pages with a time zone and a country choice
/// (`""` = "from my time zone"), and returns the signed-in client.
async fn sign_up(app: &TestApp, handle: &str, zone: &str, country: &str) -> reqwest::Client {
    let b = app.browser();
    let (_, page) = get(&b, app.url("/signup")).await;
    assert!(
        page.contains("name=\"country\""),
        "sign-up asks for the country"
    );
    let res = b
        .post(app.url("/signup"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("handle", handle),
            ("passphrase", "a long enough passphrase"),
            ("time_zone", zone),
            ("country", country),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    b
}

/// Where `needle` first appears, so tests can say what comes first.
fn at(html: &str, needle: &str) -> usize {
    html.find(needle)
        .unwrap_or_else(|| panic!("{needle} not on the page"))
}

/// Every `tel:` and `sms:` link on a page, checked to be digits only.
fn assert_digit_links(html: &str) {
    let mut seen = 0;
    for scheme in ["href=\"tel:", "href=\"sms:"] {
        for (i, _) in html.match_indices(scheme) {
            let rest = &html[i + scheme.len()..];
            let target = &rest[..rest.find('"').unwrap()];
            assert!(
                !target.is_empty() && target.chars().all(|c| c.is_ascii_digit()),
                "{scheme}{target}\" is not digits only"
            );
            seen += 1;
        }
    }
    assert!(seen > 0, "the page has call or text links");
}

/// The UK's lines, then the lines for anywhere; no US number at all.
fn assert_uk_first(html: &str, what: &str) {
    // The Help page lists other countries last, folded away; look above them.
    let html = &html[..html.find("id=\"others-h\"").unwrap_or(html.len())];
    let samaritans = at(html, "href=\"tel:116123\"");
    assert!(html.contains("href=\"tel:999\""), "{what}: 999");
    assert!(
        at(html, "href=\"tel:999\"") < samaritans,
        "{what}: emergency first"
    );
    assert!(
        samaritans < at(html, "href=\"https://findahelpline.com\""),
        "{what}: the UK before anywhere"
    );
    // The number reads as people write it; the link is digits only.
    assert!(html.contains(">Call 116 123</a>"), "{what}");
    assert!(
        !html.contains("tel:988"),
        "{what}: no US line first in London"
    );
    assert_digit_links(html);
}

async fn signed_in_pages_follow_the_country(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // Europe/London, left on "from my time zone": the UK.
    let b = sign_up(&app, "london", "Europe/London", "").await;
    for path in ["/help", "/hard-moment", "/support"] {
        let (status, html) = get(&b, app.url(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_uk_first(&html, path);
    }
    let (_, help) = get(&b, app.url("/help")).await;
    assert!(help.contains("Help lines for: <strong>United Kingdom</strong>"));
    // The medical-student line is there, marked for them.
    assert!(help.contains("href=\"tel:03301231245\"") && help.contains(">Call 0330 123 1245</a>"));
    // Other countries stay reachable, folded away after the UK's.
    assert!(at(&help, "<summary>United States</summary>") > at(&help, "tel:116123"));
    // Every web address is a link, and nothing is a placeholder card.
    assert!(help.contains("href=\"https://www.samaritans.org\""));
    assert!(!help.contains("add its number"));

    // The crisis box beside worrying words.
    let (_, form) = get(&b, app.url("/critic/new")).await;
    let res = b
        .post(app.url("/critic/new"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("text", "I'm a failure and I want to die"),
        ])
        .send()
        .await
        .unwrap();
    let to = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let (_, page) = get(&b, app.url(&to)).await;
    let crisis = &page[at(&page, "class=\"crisis\"")..];
    assert_uk_first(crisis, "crisis box");

    // The PHQ-9 item-9 screen.
    let (_, q) = get(&b, app.url("/questionnaires/phq9/q/1")).await;
    let csrf = csrf_of(&q);
    for n in 1..=9 {
        let answer = if n == 9 { "1" } else { "0" };
        b.post(app.url(&format!("/questionnaires/phq9/q/{n}")))
            .form(&[("csrf", csrf.as_str()), ("answer", answer)])
            .send()
            .await
            .unwrap();
    }
    let (_, item9) = get(&b, app.url("/questionnaires/phq9/help")).await;
    assert_uk_first(&item9, "PHQ-9 item 9");

    // The account page changes it: Ireland, then back to the time zone.
    let (_, account) = get(&b, app.url("/account")).await;
    assert!(account.contains("United Kingdom (from my time zone)"));
    let csrf = csrf_of(&account);
    let res = b
        .post(app.url("/account/country"))
        .form(&[("csrf", csrf.as_str()), ("country", "IE")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, help) = get(&b, app.url("/help")).await;
    assert!(help.contains("Help lines for: <strong>Ireland</strong>"));
    assert!(at(&help, "href=\"sms:50808\"") < at(&help, "findahelpline.com"));
    assert!(help.contains(">Text HELLO to 50808</a>"));
    // Changing the time zone keeps the chosen country.
    b.post(app.url("/account/time-zone"))
        .form(&[("csrf", csrf.as_str()), ("time_zone", "America/Chicago")])
        .send()
        .await
        .unwrap();
    assert!(
        get(&b, app.url("/help"))
            .await
            .1
            .contains("<strong>Ireland</strong>")
    );
    // A country tend has no lines for is refused with a plain message.
    let res = b
        .post(app.url("/account/country"))
        .form(&[("csrf", csrf.as_str()), ("country", "<b>")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose a country from the list.")
    );
    // "From my time zone" again: Chicago now, so the US.
    b.post(app.url("/account/country"))
        .form(&[("csrf", csrf.as_str()), ("country", "")])
        .send()
        .await
        .unwrap();
    let (_, help) = get(&b, app.url("/help")).await;
    assert!(at(&help, "href=\"tel:988\"") < at(&help, "findahelpline.com"));
}

#[tokio::test]
async fn signed_in_pages_follow_the_country_on_sqlite() {
    signed_in_pages_follow_the_country(Backend::Sqlite).await;
}

#[tokio::test]
async fn signed_in_pages_follow_the_country_on_postgres() {
    signed_in_pages_follow_the_country(Backend::Postgres).await;
}

#[tokio::test]
async fn a_country_chosen_at_sign_up_wins_over_the_time_zone() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = sign_up(&app, "kiwi", "Europe/London", "NZ").await;
    let (_, hm) = get(&b, app.url("/hard-moment")).await;
    assert!(at(&hm, "href=\"tel:1737\"") < at(&hm, "findahelpline.com"));
    assert!(hm.contains("href=\"sms:1737\"") && !hm.contains("tel:116123"));
    // A time zone with no country of its own: the lines for anywhere first.
    let b = sign_up(&app, "paris", "Europe/Paris", "").await;
    let (_, help) = get(&b, app.url("/help")).await;
    assert!(at(&help, "href=\"tel:112\"") < at(&help, "<summary>"));
    assert!(help.contains("Choose your country"));
}

#[tokio::test]
async fn signed_out_the_country_picker_works_without_script_and_the_cookie_holds_only_the_country()
{
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = app.browser();
    // No country yet: the lines for anywhere first, and the picker near the top.
    let (_, help) = get(&b, app.url("/help")).await;
    assert!(at(&help, "href=\"tel:112\"") < at(&help, "action=\"/help/country\""));
    assert!(at(&help, "action=\"/help/country\"") < at(&help, "findahelpline.com"));
    let csrf = csrf_of(&help);

    // A plain form post, then back to the page it came from.
    for (back, expect) in [
        ("/hard-moment", "/hard-moment"),
        ("/help", "/help"),
        ("//evil.example", "/help"),
    ] {
        let res = b
            .post(app.url("/help/country"))
            .form(&[("csrf", csrf.as_str()), ("country", "GB"), ("back", back)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[LOCATION], expect);
        let cookie = res.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("tend_country=GB;"), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    }
    for path in ["/help", "/hard-moment"] {
        let (_, html) = get(&b, app.url(path)).await;
        assert_uk_first(&html, path);
    }
    // Sign-up offers the country already chosen.
    let (_, signup) = get(&b, app.url("/signup")).await;
    assert!(signup.contains("<option value=\"GB\" selected>United Kingdom</option>"));

    // A country tend has no lines for sets nothing.
    let res = b
        .post(app.url("/help/country"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("country", "Narnia"),
            ("back", "/help"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers().get(SET_COOKIE).is_none());
    // Without the page's token, nothing happens.
    let res = b
        .post(app.url("/help/country"))
        .form(&[("csrf", "forged-token-value"), ("country", "US")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Cookie values that are not a country tend knows are ignored.
    let plain = app.api();
    for bad in ["gb", "XX", "G", "GBR", "%3Cscript%3E", "US\"", ""] {
        let html = plain
            .get(app.url("/help"))
            .header(COOKIE, format!("tend_country={bad}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Choose your country"),
            "{bad}: treated as unknown"
        );
        assert!(
            at(&html, "href=\"tel:112\"") < at(&html, "<summary>"),
            "{bad}"
        );
    }
    let ok = plain
        .get(app.url("/hard-moment"))
        .header(COOKIE, "tend_country=AU")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(at(&ok, "href=\"tel:000\"") < at(&ok, "href=\"tel:131114\""));
    assert!(ok.contains("href=\"sms:0477131114\"") && ok.contains(">Text 0477 13 11 14</a>"));
}
