//! The fuzz corpus on stable: every input committed under `fuzz/corpus/<target>/` and every crash kept under
//! `fuzz/regressions/<target>/` goes through the same function its libFuzzer target calls
//! (`patchbay_core::fuzzing::<target>`). No nightly needed; `scripts/fuzz` runs the campaigns. See
//! docs/FUZZING.md.

use patchbay_core::fuzzing::{self, TARGETS};
use std::path::{Path, PathBuf};

/// Fewer seeds than this means a corpus folder was emptied by mistake.
const MIN_SEEDS: usize = 5;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files in `dir` (not `.gitkeep`), sorted; none when it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

fn target(name: &str) -> fuzzing::Target {
    TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no fuzz target {name}"))
}

fn replay(name: &str) {
    let run = target(name);
    let corpus = inputs(&fuzz_dir().join("corpus").join(name));
    assert!(
        corpus.len() >= MIN_SEEDS,
        "fuzz/corpus/{name}/ has {} inputs, fewer than {MIN_SEEDS}: was it emptied?",
        corpus.len()
    );
    let regressions = inputs(&fuzz_dir().join("regressions").join(name));
    let mut failed = Vec::new();
    for path in corpus.iter().chain(&regressions) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{name} panicked on {} input(s) (see the panics above); reproduce one under libFuzzer with \
         `cargo +nightly fuzz run {name} <file>` from the repository root:\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
}

#[test]
fn callback_request() {
    replay("callback_request");
}

#[test]
fn redirect_uri() {
    replay("redirect_uri");
}

#[test]
fn deep_link() {
    replay("deep_link");
}

#[test]
fn pasted_error() {
    replay("pasted_error");
}

#[test]
fn id_token_claims() {
    replay("id_token_claims");
}

#[test]
fn discovery_document() {
    replay("discovery_document");
}

#[test]
fn token_response() {
    replay("token_response");
}

#[test]
fn store_json() {
    replay("store_json");
}

#[test]
fn sealed_file() {
    replay("sealed_file");
}

#[test]
fn every_target_has_a_libfuzzer_target_a_corpus_and_a_regressions_folder() {
    let dir = fuzz_dir();
    for (name, _) in TARGETS {
        let source = std::fs::read_to_string(dir.join("fuzz_targets").join(format!("{name}.rs")))
            .unwrap_or_else(|e| panic!("fuzz/fuzz_targets/{name}.rs: {e}"));
        assert!(
            source.contains(&format!("patchbay_core::fuzzing::{name}(data)")),
            "fuzz/fuzz_targets/{name}.rs does not call fuzzing::{name}"
        );
        assert!(
            dir.join("regressions").join(name).is_dir(),
            "fuzz/regressions/{name}/"
        );
    }
    for sub in ["corpus", "regressions"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap().flatten() {
            let found = entry.file_name().to_string_lossy().into_owned();
            assert!(
                TARGETS.iter().any(|(n, _)| *n == found),
                "fuzz/{sub}/{found} belongs to no target"
            );
        }
    }
}

/// Name of the committed `sealed_file` seeds that the real vault sealed (see [`write_sealed_seeds`]).
const VAULT_SEED_PREFIX: &str = "vault-";

/// Plaintexts of the `vault-*` seeds.
fn sealed_plaintexts() -> Vec<(&'static str, Vec<u8>)> {
    let now = fuzzing::NOW;
    vec![
        (
            "full",
            format!(
                r#"{{"refresh_token":"0.AXEADQSIkWdsW0yxEjajBLZtrdWhGkpnxdBJrQvNlXpH-EJxAFtxAA.AgABAwEAAAD","client_secret":null,"access_token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln","access_expires_at":{},"access_issued_at_ms":{}}}"#,
                now + 3600,
                now * 1000
            )
            .into_bytes(),
        ),
        (
            "client-secret",
            br#"{"refresh_token":"rt","client_secret":"Xq98Q~abcdefghijklmnopqrstuvwxyz0123456","access_token":null,"access_expires_at":null}"#.to_vec(),
        ),
        ("empty-object", b"{}".to_vec()),
        ("not-json", b"refresh-token-value-123".to_vec()),
    ]
}

/// The committed vault seeds still open: the vault's format and the fuzz key are what the seeds were made with.
#[test]
fn the_vault_seeds_open_and_a_fresh_seal_does_too() {
    write_sealed_seeds_when_asked();
    let dir = fuzz_dir().join("corpus/sealed_file");
    let seeds: Vec<PathBuf> = inputs(&dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(VAULT_SEED_PREFIX))
        })
        .collect();
    assert_eq!(
        seeds.len(),
        sealed_plaintexts().len(),
        "fuzz/corpus/sealed_file/vault-*"
    );
    for seed in seeds {
        let data = std::fs::read(&seed).unwrap();
        assert!(
            fuzzing::open_sealed_file(&data),
            "{} does not open",
            seed.display()
        );
    }
    for (_, plaintext) in sealed_plaintexts() {
        assert!(fuzzing::open_sealed_file(&fuzzing::seal_for_corpus(
            &plaintext
        )));
    }
}

/// Writes the `vault-*` seeds of `sealed_file` again (after a change to the vault's format), as the bindings
/// test does: `PATCHBAY_UPDATE_FUZZ_SEEDS=1 cargo test -p patchbay-core --test fuzz_corpus`.
fn write_sealed_seeds_when_asked() {
    if std::env::var_os("PATCHBAY_UPDATE_FUZZ_SEEDS").is_none() {
        return;
    }
    let dir = fuzz_dir().join("corpus/sealed_file");
    for (name, plaintext) in sealed_plaintexts() {
        let path = dir.join(format!("{VAULT_SEED_PREFIX}{name}"));
        std::fs::write(&path, fuzzing::seal_for_corpus(&plaintext)).unwrap();
    }
}
