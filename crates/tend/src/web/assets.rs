//! tend's own static files, served under names that carry a hash of their
//! content (`/static/tend.3f2a9c1b7e.css`), so a browser may keep them for a
//! year and still never runs an old script after an update. The plain names
//! (`/static/tend.css`) keep working, with a short lifetime, for pages a
//! browser cached before an update. Every fixed file tend serves is listed
//! here, the installable app's script and icons included; `fixed` builds the
//! response for these and for the web app manifest.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::PageError;

struct Asset {
    /// The plain file name, e.g. `tend.css`.
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";

const FILES: [Asset; 9] = [
    Asset {
        name: "tend.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/tend.css"),
    },
    Asset {
        name: "tz.js",
        content_type: JS,
        body: include_bytes!("../../static/tz.js"),
    },
    Asset {
        name: "practice.js",
        content_type: JS,
        body: include_bytes!("../../static/practice.js"),
    },
    Asset {
        name: "circles.js",
        content_type: JS,
        body: include_bytes!("../../static/circles.js"),
    },
    // The installable app's script and icons (`web::pages::app`).
    Asset {
        name: "app.js",
        content_type: JS,
        body: include_bytes!("../../static/app.js"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/icon.svg"),
    },
    Asset {
        name: "icon-192.png",
        content_type: "image/png",
        body: include_bytes!("../../static/icon-192.png"),
    },
    Asset {
        name: "icon-512.png",
        content_type: "image/png",
        body: include_bytes!("../../static/icon-512.png"),
    },
    Asset {
        name: "icon-maskable-512.png",
        content_type: "image/png",
        body: include_bytes!("../../static/icon-maskable-512.png"),
    },
];

/// Each asset's hashed name, worked out once.
static HASHED: LazyLock<Vec<String>> = LazyLock::new(|| FILES.iter().map(hashed_name).collect());

fn hashed_name(asset: &Asset) -> String {
    let digest = Sha256::digest(asset.body);
    let hash = crate::domain::hex(&digest[..5]);
    match asset.name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{}.{hash}", asset.name),
    }
}

/// The address to put in a page for one of tend's static files, e.g.
/// `url("tend.css")`. An unknown name (a programming error) falls back to the
/// plain address, which answers 404 rather than breaking the page.
pub fn url(name: &str) -> String {
    FILES
        .iter()
        .zip(HASHED.iter())
        .find(|(a, _)| a.name == name)
        .map_or_else(
            || format!("/static/{name}"),
            |(_, h)| format!("/static/{h}"),
        )
}

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>) -> Result<Response, PageError> {
    for (asset, hashed) in FILES.iter().zip(HASHED.iter()) {
        let lifetime = if file == *hashed {
            // The name changes whenever the content does.
            "public, max-age=31536000, immutable"
        } else if file == asset.name {
            "public, max-age=3600"
        } else {
            continue;
        };
        return Ok(fixed(asset.content_type, lifetime, asset.body));
    }
    Err(PageError::NotFound)
}

/// A response for content that is the same for everyone (a static file, the
/// web app manifest): its type and how long a browser or proxy may keep it.
pub fn fixed(
    content_type: &'static str,
    cache_control: &'static str,
    body: impl IntoResponse,
) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_keep_the_extension_and_change_with_the_content() {
        let a = Asset {
            name: "x.css",
            content_type: "text/css",
            body: b"a{}",
        };
        let b = Asset { body: b"b{}", ..a };
        let (ha, hb) = (hashed_name(&a), hashed_name(&b));
        assert!(ha.starts_with("x.") && ha.ends_with(".css") && ha.len() == "x..css".len() + 10);
        assert_ne!(ha, hb);
        assert!(
            url("tend.css").starts_with("/static/tend.") && url("tend.css") != "/static/tend.css"
        );
    }
}
