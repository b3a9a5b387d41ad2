//! Page weight: static files under content-hashed names with a year-long
//! lifetime, and compressed text for browsers that ask for it.

use crate::helpers::{Backend, TestApp};

fn stylesheet_href(html: &str) -> String {
    let start =
        html.find("rel=\"stylesheet\" href=\"").unwrap() + "rel=\"stylesheet\" href=\"".len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn pages_link_hashed_assets_that_may_be_cached_for_a_year() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let c = app.api();
    let page = c
        .get(app.url("/help"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let href = stylesheet_href(&page);
    assert!(
        href.starts_with("/static/tend.") && href.ends_with(".css") && href != "/static/tend.css",
        "{href}"
    );
    let css = c.get(app.url(&href)).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(
        css.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let hashed_body = css.text().await.unwrap();

    // The plain name still works for pages cached before an update, briefly.
    let plain = c.get(app.url("/static/tend.css")).send().await.unwrap();
    assert_eq!(plain.headers()["cache-control"], "public, max-age=3600");
    assert_eq!(plain.text().await.unwrap(), hashed_body);

    // A made-up hash is not found rather than served stale.
    let wrong = c
        .get(app.url("/static/tend.0000000000.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
}

/// The installable app's script and icons come from the same table as the
/// other static files: the right types and lifetimes, bytes intact.
#[tokio::test]
async fn the_app_script_and_icons_are_served_like_every_static_file() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let c = app.api();
    for (name, content_type) in [
        ("app.js", "text/javascript; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
        ("icon-512.png", "image/png"),
    ] {
        let plain = c
            .get(app.url(&format!("/static/{name}")))
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), 200, "{name}");
        assert_eq!(plain.headers()["content-type"], content_type, "{name}");
        assert_eq!(plain.headers()["cache-control"], "public, max-age=3600");
        let on_disk = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("static")
                .join(name),
        )
        .unwrap();
        assert_eq!(plain.bytes().await.unwrap(), on_disk, "{name}");
    }
}

#[tokio::test]
async fn text_is_compressed_for_browsers_that_accept_it() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let c = app.api();
    for (encoding, path) in [
        ("br", "/help"),
        ("gzip", "/help"),
        ("gzip", "/static/tend.css"),
    ] {
        let res = c
            .get(app.url(path))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-encoding"], encoding, "{path}");
    }
    // Without the header, plain text as before.
    let res = c.get(app.url("/help")).send().await.unwrap();
    assert!(res.headers().get("content-encoding").is_none());
}
