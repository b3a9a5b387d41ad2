//! Backups restored and read back the way an operator would: a person writes
//! a journal entry through a running `tend`; the database is backed up while
//! it runs (`tend backup` for SQLite, `pg_dump -Fc` for PostgreSQL), restored
//! somewhere new (the file put in a fresh data folder; `pg_restore` into a
//! fresh database), and a new `tend` process on the restored copy lets the
//! person sign in with their passphrase and read their entry: the sealed
//! records and wrapped keys came through whole.
//!
//! The PostgreSQL half needs `TEND_TEST_POSTGRES_URL` and Debian's client
//! tools (`pg_dump`, `pg_restore`, package `postgresql-client`); without the
//! tools it is skipped with a note, unless `TEND_REQUIRE_POSTGRES` is set.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cluster::{Database, Process, browser, sign_up};
use crate::helpers::postgres_url;

const TEND: &str = env!("CARGO_BIN_EXE_tend");
const PASS: &str = "kettle maple orbit";
const ENTRY: &str = "RESTOREMARK the night I finally slept after finals";

async fn token(p: &Process, c: &reqwest::Client) -> String {
    let res = c
        .post(p.url("/api/v1/sessions"))
        .json(&json!({"handle": "kept_safe", "passphrase": PASS}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    format!("Bearer {}", v["token"].as_str().unwrap())
}

/// Signs a person up on `p` and writes one journal entry; returns its id.
async fn write_entry(p: &Process) -> String {
    let b = browser();
    sign_up(p, &b, "kept_safe").await;
    let auth = token(p, &b).await;
    let res = b
        .post(p.url("/api/v1/journal"))
        .header("authorization", &auth)
        .json(&json!({"title": "After finals", "body": ENTRY}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

/// Signs in on the restored copy and reads the entry back.
async fn read_entry(p: &Process, id: &str) {
    let b = browser();
    let auth = token(p, &b).await;
    let got: Value = b
        .get(p.url(&format!("/api/v1/journal/{id}")))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["body"], ENTRY, "{got}");
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_sqlite_backup_taken_while_tend_runs_restores_and_reads_back() {
    let original = Process::start_on(None);
    let id = write_entry(&original).await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    // Online: the original keeps running (and holding its connections).
    run(Command::new(TEND)
        .args(["backup", "--database-url", &original.database_url])
        .arg(&copy));
    drop(original);

    // Restore as docs/operations.md says: the copy becomes tend.db.
    let restored_dir = tempfile::tempdir().unwrap();
    let file = restored_dir.path().join("tend.db");
    std::fs::copy(&copy, &file).unwrap();
    let restored = Process::start_on(Some(&format!("sqlite://{}", file.display())));
    read_entry(&restored, &id).await;
}

#[tokio::test]
async fn a_pg_dump_restores_with_pg_restore_and_reads_back() {
    let Some(admin_url) = postgres_url() else {
        return;
    };
    let tools = ["pg_dump", "pg_restore"]
        .iter()
        .all(|t| Command::new(t).arg("--version").output().is_ok());
    if !tools {
        assert!(
            std::env::var("TEND_REQUIRE_POSTGRES").is_err(),
            "TEND_REQUIRE_POSTGRES is set but pg_dump/pg_restore are missing \
             (apt-get install postgresql-client)"
        );
        eprintln!(
            "note: pg_dump or pg_restore not found (Debian package postgresql-client); \
             skipping the PostgreSQL backup round trip"
        );
        return;
    }
    let db = Database::create(admin_url.clone()).await;
    let original = Process::start_on(Some(&db.url));
    let id = write_entry(&original).await;
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("tend.dump");
    // Online too: pg_dump reads one consistent snapshot while tend runs.
    run(Command::new("pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&db.url));
    drop(original);

    let fresh = Database::create(admin_url).await;
    run(Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname", &fresh.url])
        .arg(&dump));
    let restored = Process::start_on(Some(&fresh.url));
    read_entry(&restored, &id).await;
    drop(restored);
    drop((db, fresh));
}
