#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests for tend-instruments.

#[test]
fn embedded_catalog_loads() {
    let c = tend_instruments::Catalog::embedded().unwrap();
    assert_eq!(c.instruments().len(), 14);
}
