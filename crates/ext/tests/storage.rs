//! The panel's IndexedDB layer in a real browser (headless Chromium through ChromeDriver):
//! imports round-trip whole (a write in several steps too), one transaction per import, delete and wipe, settings, the schema's
//! creation and reopening, a database of every earlier schema version (written by hand, as that
//! version wrote it) opened with its data intact, and an import of an unknown encoding refused by
//! name while the others load. Each test uses a database of its own name.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p lens-ext --target wasm32-unknown-unknown`
//! (`cargo xtask test` does).
#![cfg(target_arch = "wasm32")]

use lens_core::import::{ImportOptions, ImportReport, import_file};
use lens_core::store::{RECORDS_PER_CHUNK, StoreError, encode};
use lens_ext::storage::{DB_VERSION, Storage};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
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
async fn an_import_written_in_several_steps_reads_back_every_chunk_in_order() {
    // More chunks than one step of the write puts (16), given as the browser's own arrays the
    // way an import worker hands them over: every chunk is stored, in order, byte for byte.
    let storage = Storage::open_named("lens-test-steps").await.unwrap();
    let (stored, _) = encode(opportunities(3), 1, "");
    let chunks: Vec<js_sys::Uint8Array> = (0..37u8)
        .map(|number| js_sys::Uint8Array::from(vec![number; 1 + usize::from(number)].as_slice()))
        .collect();
    let id = storage.save_import(&stored, &chunks).await.unwrap();

    let read = storage.read_chunks(id).chunks().await.unwrap();
    let read: Vec<Vec<u8>> = read.iter().map(js_sys::Uint8Array::to_vec).collect();
    let written: Vec<Vec<u8>> = (0..37u8)
        .map(|number| vec![number; 1 + usize::from(number)])
        .collect();
    assert_eq!(read, written);
    // The next import's chunks are its own.
    let (other, other_chunks) = encode(opportunities(2), 1, "");
    let other_id = storage.save_import(&other, &other_chunks).await.unwrap();
    assert_eq!(
        storage.read_chunks(other_id).chunks().await.unwrap().len(),
        1
    );
    assert_eq!(storage.read_chunks(id).chunks().await.unwrap().len(), 37);
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
    assert!(
        gone.unwrap_err()
            .to_string()
            .contains("0 stored chunks of records")
    );
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

/// An import as schema version 1 wrote it: its description as the plain object version 1 stores
/// (these field names), and its one chunk of records in chunk encoding 1, two opportunities of
/// `Opportunity ID,Opportunity Name,Stage,Amount,Close Date` with a third row rejected. The chunk's
/// bytes are fixed (`fixtures/storage-v1-chunk.bin`): a change to the record model that reads them
/// differently has to raise `lens_core::store::ENCODING_VERSION` and keep reading this one (the
/// chunk's dates are text; encoding 2 writes them as numbers).
const V1_IMPORT: &str = r#"{
  "file_name": "deals-v1.csv", "file_bytes": 218, "imported_at": "2026-11-21T10:00:00.000Z",
  "format": { "source": "SalesforceReport", "kind": "opportunities" },
  "as_of": "2026-11-13", "as_of_source": "Option", "date_order": null,
  "columns": [["Opportunity ID", "id"], ["Opportunity Name", "name"], ["Stage", "stage"],
              ["Amount", "amount"], ["Close Date", "close_date"]],
  "unused_columns": [], "data_rows": 3, "stored_rows": 2,
  "rejected": [{ "line": 4, "column": 4, "column_name": "Amount", "reason": "\"12O\" is not an amount" }],
  "notes": [], "chunk_count": 1, "encoded_bytes": 178, "encoding_version": 1
}"#;
const V1_CHUNK: &[u8] = include_bytes!("fixtures/storage-v1-chunk.bin");

/// Every schema version before [`DB_VERSION`] with a function that writes a database of that
/// version by hand; a new schema version adds its predecessor here.
const EARLIER_VERSIONS: &[u32] = &[1];

/// Creates database `name` at schema version 1 with raw IndexedDB calls, the way version 1 laid it
/// out (`imports` auto-incremented, `chunks` and `settings` keyed by text), holding one import
/// and one setting.
async fn write_version_1_database(name: &str) {
    let factory: web_sys::IdbFactory =
        js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("indexedDB"))
            .unwrap()
            .unchecked_into();
    let request = factory.open_with_u32(name, 1).unwrap();
    let upgrade = Closure::once_into_js({
        let request = request.clone();
        move |_: web_sys::Event| {
            let db: web_sys::IdbDatabase = request.result().unwrap().unchecked_into();
            let imports = web_sys::IdbObjectStoreParameters::new();
            imports.set_auto_increment(true);
            db.create_object_store_with_optional_parameters("imports", &imports)
                .unwrap();
            db.create_object_store("chunks").unwrap();
            db.create_object_store("settings").unwrap();
        }
    });
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    let db: web_sys::IdbDatabase = settled(&request).await.unchecked_into();

    let stores = js_sys::Array::of3(
        &JsValue::from_str("imports"),
        &JsValue::from_str("chunks"),
        &JsValue::from_str("settings"),
    );
    let transaction = db
        .transaction_with_str_sequence_and_mode(&stores, web_sys::IdbTransactionMode::Readwrite)
        .unwrap();
    let description = js_sys::JSON::parse(V1_IMPORT).unwrap();
    let key = settled(
        &transaction
            .object_store("imports")
            .unwrap()
            .add(&description)
            .unwrap(),
    )
    .await;
    assert_eq!(key.as_f64(), Some(1.0));
    transaction
        .object_store("chunks")
        .unwrap()
        .put_with_key(
            &js_sys::Uint8Array::from(V1_CHUNK),
            &JsValue::from_str("0000000001/000000"),
        )
        .unwrap();
    transaction
        .object_store("settings")
        .unwrap()
        .put_with_key(&JsValue::from_f64(6_000_000.0), &JsValue::from_str("plan"))
        .unwrap();
    let done = js_sys::Promise::new(&mut |resolve, _reject| {
        transaction.set_oncomplete(Some(&resolve));
    });
    JsFuture::from(done).await.unwrap();
    db.close();
}

/// The request's result, once it succeeds.
async fn settled(request: &web_sys::IdbRequest) -> JsValue {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await.unwrap();
    request.result().unwrap()
}

#[wasm_bindgen_test]
async fn a_database_of_every_earlier_schema_version_opens_with_its_data_intact() {
    for &version in EARLIER_VERSIONS {
        let name = format!("lens-test-schema-v{version}");
        match version {
            1 => write_version_1_database(&name).await,
            other => panic!("no writer for schema version {other}"),
        }
        let storage = Storage::open_named(&name).await.unwrap();
        assert_eq!(storage.version(), DB_VERSION);

        let entries = storage.list_imports().await.unwrap();
        assert_eq!(entries.len(), 1);
        let stored = &entries[0].stored;
        assert_eq!(stored.file_name, "deals-v1.csv");
        assert_eq!(
            stored.as_of.map(|d| d.to_string()).as_deref(),
            Some("2026-11-13")
        );
        assert_eq!((stored.data_rows, stored.stored_rows), (3, 2));
        assert_eq!(stored.rejected[0].line, 4);
        assert_eq!(stored.rejected[0].reason, "\"12O\" is not an amount");

        let report = storage.load_import(&entries[0]).await.unwrap().unwrap();
        let rows: Vec<String> = report
            .data
            .opportunities
            .iter()
            .map(|opp| {
                format!(
                    "{} | {} | {:?} | {:?} | {:?}",
                    opp.id,
                    opp.name,
                    opp.stage,
                    opp.amount,
                    opp.close_date.map(|d| d.to_string())
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                r#"006000000000001 | Deal One | Some("Prospecting") | Some(1000.0) | Some("2026-12-01")"#,
                r#"006000000000002 | Deal Two | Some("Negotiation/Review") | Some(2500.5) | Some("2027-01-15")"#,
            ]
        );
        assert_eq!(
            storage.setting::<f64>("plan").await.unwrap(),
            Some(6_000_000.0)
        );

        // The next import is numbered after the earlier one and stored beside it.
        let (next, next_chunks) = encode(opportunities(3), 1, "");
        assert_eq!(storage.save_import(&next, &next_chunks).await.unwrap(), 2);
        assert_eq!(storage.list_imports().await.unwrap().len(), 2);
        storage.delete_database().await.unwrap();
    }
}

#[wasm_bindgen_test]
async fn an_import_of_an_unknown_encoding_is_refused_by_name_and_the_others_load() {
    let storage = Storage::open_named("lens-test-unknown-encoding")
        .await
        .unwrap();
    let (mut later, later_chunks) = encode(opportunities(4), 1, "");
    later.file_name = "later.csv".into();
    later.encoding_version = 4;
    storage.save_import(&later, &later_chunks).await.unwrap();
    let (current, current_chunks) = encode(opportunities(5), 1, "");
    storage
        .save_import(&current, &current_chunks)
        .await
        .unwrap();

    let entries = storage.list_imports().await.unwrap();
    assert_eq!(entries.len(), 2);
    let refused = storage.load_import(&entries[0]).await.unwrap().unwrap_err();
    assert!(matches!(
        refused,
        StoreError::EncodingVersion { found: 4, .. }
    ));
    assert_eq!(
        refused.to_string(),
        "later.csv cannot be read: its records were stored in encoding version 4, and this version of Lens reads versions 1 to 3"
    );
    let loaded = storage.load_import(&entries[1]).await.unwrap().unwrap();
    assert_eq!(loaded.stored_rows, 5);

    // Deleting the refused import leaves the other whole.
    storage.delete_import(entries[0].id).await.unwrap();
    let entries = storage.list_imports().await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        storage
            .load_import(&entries[0])
            .await
            .unwrap()
            .unwrap()
            .stored_rows,
        5
    );
    storage.delete_database().await.unwrap();
}
