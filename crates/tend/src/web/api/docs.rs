//! `/api/docs`: the generated document as a plain page, rendered on the
//! server from the same document `/api/openapi.json` serves. No scripts, no
//! third-party requests; it reads with a screen reader and on a phone.

use std::sync::LazyLock;

use maud::{Markup, html};
use serde_json::Value;

use super::document;
use crate::web::layout;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

static PAGE: LazyLock<String> = LazyLock::new(|| render().into_string());

pub async fn page() -> maud::PreEscaped<String> {
    maud::PreEscaped(PAGE.clone())
}

fn schema_name(v: &Value) -> Option<String> {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_owned)
}

fn schema_text(v: &Value) -> String {
    if let Some(name) = schema_name(v) {
        return name;
    }
    serde_json::to_string(v).unwrap_or_default()
}

fn operation(path: &str, method: &str, op: &Value) -> Markup {
    let anchor = format!(
        "{method}-{}",
        path.trim_start_matches('/')
            .replace(['/', '{', '}', '.'], "-")
    );
    let public = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
        });
    html! {
        section class="card" id=(anchor) aria-labelledby=(format!("{anchor}-h")) {
            h3 id=(format!("{anchor}-h")) { code { (method.to_uppercase()) " " (path) } }
            @if let Some(s) = op.get("summary").and_then(Value::as_str) { p { (s) } }
            @if let Some(d) = op.get("description").and_then(Value::as_str) { p { (d) } }
            p class="muted" { @if public { "No token needed." } @else { "Needs a bearer token." } }
            @if let Some(params) = op.get("parameters").and_then(Value::as_array) {
                h4 { "Parameters" }
                ul {
                    @for p in params {
                        li {
                            code { (p["name"].as_str().unwrap_or_default()) }
                            " (" (p["in"].as_str().unwrap_or_default()) ") "
                            code { (schema_text(&p["schema"])) }
                            @if let Some(d) = p.get("description").and_then(Value::as_str) { " — " (d) }
                        }
                    }
                }
            }
            @if let Some(body) = op.get("requestBody") {
                h4 { "Body" }
                p { "JSON: " a href=(format!("#schema-{}", schema_text(&body["content"]["application/json"]["schema"]))) {
                    code { (schema_text(&body["content"]["application/json"]["schema"])) } } }
            }
            h4 { "Answers" }
            dl {
                @if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                    @for (code, r) in responses {
                        dt { code { (code) } }
                        dd {
                            (r["description"].as_str().unwrap_or_default())
                            @if let Some(content) = r.get("content").and_then(Value::as_object) {
                                @for (ct, c) in content {
                                    " " code { (ct) } ": " code { (schema_text(&c["schema"])) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn render() -> Markup {
    let doc = serde_json::to_value(document()).unwrap_or(Value::Null);
    let empty = serde_json::Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    let schemas = doc["components"]["schemas"].as_object().unwrap_or(&empty);
    layout::bare(
        "tend API",
        html! {
            h1 { "tend API" }
            p { "Version " (doc["info"]["version"].as_str().unwrap_or_default()) ". "
                "The machine-readable document is at " a href="/api/openapi.json" { code { "/api/openapi.json" } } " (OpenAPI 3.1)." }
            @for para in doc["info"]["description"].as_str().unwrap_or_default().split("\n\n") {
                p { (para) }
            }
            h2 { "Operations" }
            nav aria-label="Operations" {
                ul {
                    @for (path, item) in paths {
                        @for m in METHODS {
                            @if item.get(m).is_some() {
                                li { a href=(format!("#{m}-{}", path.trim_start_matches('/').replace(['/', '{', '}', '.'], "-"))) {
                                    code { (m.to_uppercase()) " " (path) } } }
                            }
                        }
                    }
                }
            }
            @for (path, item) in paths {
                @for m in METHODS {
                    @if let Some(op) = item.get(m) { (operation(path, m, op)) }
                }
            }
            h2 { "Schemas" }
            @for (name, schema) in schemas {
                section id=(format!("schema-{name}")) aria-labelledby=(format!("schema-{name}-h")) {
                    h3 id=(format!("schema-{name}-h")) { code { (name) } }
                    @if let Some(d) = schema.get("description").and_then(Value::as_str) { p { (d) } }
                    pre { code { (serde_json::to_string_pretty(schema).unwrap_or_default()) } }
                }
            }
        },
    )
}
