//! The `tend` command line, run as a real process.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const TEND: &str = env!("CARGO_BIN_EXE_tend");

#[test]
fn score_prints_one_json_object_and_refuses_bad_input_in_one_line() {
    let out = Command::new(TEND)
        .args(["score", "who5", "3", "3", "3", "3", "3"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["instrument"], "who5");
    assert_eq!(v["score"], 60);
    assert_eq!(v["subscales"]["raw"], 15);

    for bad in [
        vec!["score", "who5", "3"],
        vec!["score", "nope", "1"],
        vec!["score", "phq9", "0", "0", "0", "0", "0", "0", "0", "0", "9"],
    ] {
        let out = Command::new(TEND).args(&bad).output().unwrap();
        assert!(!out.status.success(), "{bad:?} should fail");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "one-line message: {err}");
    }
    // `-` marks an unanswered item.
    let out = Command::new(TEND)
        .args(["score", "phq9", "0", "1", "-", "0", "0", "0", "0", "0", "1"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "phq9-item9")
    );
}

#[test]
fn analyze_reads_lines_and_reports_each() {
    let mut child = Command::new(TEND)
        .args(["analyze", "--json", "--lines"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"I'm such an idiot, I always get it wrong.\nThe team rounded at eight.\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["self_critical"], true);
    assert_eq!(lines[0]["patterns"][0]["pattern"], "labeling");
    assert_eq!(lines[1]["distorted"], false);
}

#[test]
fn migrate_creates_the_database_and_serve_prints_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let out = Command::new(TEND)
        .args(["migrate", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(data.join("tend.db").exists());

    let mut child = Command::new(TEND)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env("TEND_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        line.starts_with("tend is running at http://127.0.0.1:"),
        "{line}"
    );

    let out = Command::new(TEND)
        .args(["serve", "--database-url", "mysql://x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite: or postgres://"));
    let out = Command::new(TEND).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).to_string();
    for cmd in ["serve", "migrate", "score", "analyze"] {
        assert!(help.contains(cmd));
    }
}

#[tokio::test]
async fn backup_copies_a_live_sqlite_database_that_reads_back() {
    use tend::store::{AccountRow, RecordFilter, RecordRow, SqliteStore, Store};
    let db = crate::helpers::TestDb::new(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let account = AccountRow {
        id: "a1".into(),
        handle: "sam".into(),
        passphrase_hash: "$argon2id$dummy".into(),
        passphrase_salt: vec![1; 16],
        key_by_passphrase: vec![2; 72],
        recovery_salt: vec![3; 16],
        key_by_recovery: vec![4; 72],
        created_at: 1,
    };
    db.store.create_account(&account).await.unwrap();
    let record = RecordRow {
        id: "r1".into(),
        account_id: "a1".into(),
        kind: "journal".into(),
        day: Some("2026-12-01".into()),
        slot: None,
        created_at: 2,
        updated_at: 2,
        version: 1,
        sealed: vec![7; 64],
    };
    db.store.insert_record(&record).await.unwrap();

    let url = format!("sqlite://{}", db.sqlite_file().display());
    let out = db.dir.path().join("copy.db");
    // The store above still holds its connections open: the backup is online.
    let run = Command::new(TEND)
        .args(["backup", "--database-url", &url])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let copy = SqliteStore::connect(&format!("sqlite://{}", out.display()))
        .await
        .unwrap();
    assert_eq!(copy.account_by_handle("sam").await.unwrap(), Some(account));
    let rows = copy
        .records("a1", "journal", &RecordFilter::default())
        .await
        .unwrap();
    assert_eq!(rows, vec![record]);

    // A second backup to the same file is refused rather than overwriting it.
    let again = Command::new(TEND)
        .args(["backup", "--database-url", &url])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

/// `--helplines FILE`: an operator's files extend the built-in lines (a
/// school's service for everyone, a country tend does not ship), and a file
/// whose entry lacks its source stops start-up with a message saying so.
#[tokio::test]
async fn serve_takes_operator_help_line_files_and_refuses_unsourced_ones() {
    let dir = tempfile::tempdir().unwrap();
    let school = dir.path().join("school.toml");
    std::fs::write(
        &school,
        r#"
[[line]]
name = "St Elsewhere student counselling"
how = "Free and confidential, weekdays"
call = "020 7946 0000"
crisis = false
source = "https://counselling.example"
checked = "2026-11-30"
"#,
    )
    .unwrap();
    let de = dir.path().join("de.toml");
    std::fs::write(
        &de,
        r#"
country = "DE"
name = "Deutschland"
[[line]]
name = "TelefonSeelsorge"
how = "Kostenlos, rund um die Uhr"
call = "0800 111 0 111"
source = "https://www.telefonseelsorge.de"
checked = "2026-11-30"
"#,
    )
    .unwrap();
    let mut child = Command::new(TEND)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--helplines")
        .arg(&school)
        .arg("--helplines")
        .arg(&de)
        .env("TEND_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("tend is running at ")
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned();
    let page = |cookie: &'static str| {
        let url = format!("{base}/help");
        async move {
            reqwest::Client::new()
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let uk = page("tend_country=GB").await;
    let de_page = page("tend_country=DE").await;
    child.kill().unwrap();
    child.wait().unwrap();
    // The school's line comes after the UK's own and before the directories.
    let school_at = uk.find("St Elsewhere").expect("school line shown");
    assert!(uk.find("tel:116123").unwrap() < school_at);
    assert!(school_at < uk.find("findahelpline.com").unwrap());
    assert!(uk.contains("href=\"tel:02079460000\""));
    // The new country is in the picker and its lines come first for it.
    assert!(uk.contains("<option value=\"DE\">Deutschland</option>"));
    assert!(de_page.find("tel:08001110111").unwrap() < de_page.find("findahelpline.com").unwrap());

    let unsourced = dir.path().join("unsourced.toml");
    std::fs::write(
        &unsourced,
        "[[line]]\nname = \"Old line\"\nhow = \"Call 123\"\ntel = \"123\"\n",
    )
    .unwrap();
    let out = Command::new(TEND)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--helplines")
        .arg(&unsourced)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unsourced.toml") && err.contains("Old line") && err.contains("source"),
        "{err}"
    );
}
