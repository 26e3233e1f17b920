//! The panel's IndexedDB layer in a real browser (headless Chromium through ChromeDriver):
//! imports round-trip whole, one transaction per import, delete and wipe, settings, and the
//! schema's creation and reopening. Each test uses a database of its own name.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p lens-ext --target wasm32-unknown-unknown`
//! (`cargo xtask test` does).
#![cfg(target_arch = "wasm32")]

use lens_core::import::{ImportOptions, ImportReport, import_file};
use lens_core::store::{RECORDS_PER_CHUNK, encode};
use lens_ext::storage::{DB_VERSION, Storage};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn opportunities(rows: usize) -> ImportReport {
    let mut text = String::from("Opportunity ID,Opportunity Name,Stage,Amount,Close Date\n");
    for row in 0..rows {
        text.push_str(&format!(
            "006000000{row:06},Deal {row},Prospecting,{},2026-12-01\n",
            100 + row
        ));
    }
    // One row with a bad amount, so the rejected list round-trips too.
    text.push_str("006999999999999,Bad,Prospecting,12O,2026-12-01\n");
    import_file("deals.csv", text.as_bytes(), &ImportOptions::default()).unwrap()
}

#[wasm_bindgen_test]
async fn an_import_of_several_chunks_round_trips_whole() {
    let storage = Storage::open_named("lens-test-round-trip").await.unwrap();
    let report = opportunities(RECORDS_PER_CHUNK * 2 + 10);
    let (stored, chunks) = encode(report.clone(), 12_345, "2026-11-21T10:00:00.000Z");
    assert_eq!(chunks.len(), 3);
    let id = storage.save_import(&stored, &chunks).await.unwrap();

    let entries = storage.list_imports().await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].id, id);
    assert_eq!(entries[0].stored, stored);
    assert_eq!(entries[0].stored.rejected.len(), 1);
    let loaded = storage.load_import(&entries[0]).await.unwrap().unwrap();
    assert_eq!(loaded, report);
    storage.delete_database().await.unwrap();
}

#[wasm_bindgen_test]
async fn deleting_one_import_removes_its_chunks_and_keeps_the_others() {
    let storage = Storage::open_named("lens-test-delete").await.unwrap();
    let (first, first_chunks) = encode(opportunities(5), 1, "");
    let (second, second_chunks) = encode(opportunities(7), 2, "");
    let first_id = storage.save_import(&first, &first_chunks).await.unwrap();
    let second_id = storage.save_import(&second, &second_chunks).await.unwrap();
    assert_ne!(first_id, second_id);

    let deleted_entry = storage.list_imports().await.unwrap().remove(0);
    storage.delete_import(first_id).await.unwrap();
    let entries = storage.list_imports().await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].id, second_id);
    assert_eq!(
        storage
            .load_import(&entries[0])
            .await
            .unwrap()
            .unwrap()
            .stored_rows,
        7
    );
    // The deleted import's chunks are gone: reading it back finds none.
    let gone = storage.load_import(&deleted_entry).await.unwrap();
    assert!(gone.unwrap_err().to_string().contains("0 stored chunks"));
    storage.delete_database().await.unwrap();
}

#[wasm_bindgen_test]
async fn wipe_clears_imports_and_settings() {
    let storage = Storage::open_named("lens-test-wipe").await.unwrap();
    let (stored, chunks) = encode(opportunities(3), 1, "");
    storage.save_import(&stored, &chunks).await.unwrap();
    storage
        .save_setting("plan", &6_000_000.0_f64)
        .await
        .unwrap();
    assert_eq!(
        storage.setting::<f64>("plan").await.unwrap(),
        Some(6_000_000.0)
    );

    storage.wipe().await.unwrap();
    assert!(storage.list_imports().await.unwrap().is_empty());
    assert_eq!(storage.setting::<f64>("plan").await.unwrap(), None);
    storage.delete_database().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_new_database_gets_the_current_schema_and_reopening_keeps_the_data() {
    let storage = Storage::open_named("lens-test-schema").await.unwrap();
    assert_eq!(storage.version(), DB_VERSION);
    let (stored, chunks) = encode(opportunities(2), 1, "");
    storage.save_import(&stored, &chunks).await.unwrap();

    // A second connection (another panel, or the panel after a restart) sees the same data and
    // runs no upgrade.
    let again = Storage::open_named("lens-test-schema").await.unwrap();
    assert_eq!(again.version(), DB_VERSION);
    let entries = again.list_imports().await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        again
            .load_import(&entries[0])
            .await
            .unwrap()
            .unwrap()
            .stored_rows,
        2
    );
    storage.close();
    again.delete_database().await.unwrap();
}
