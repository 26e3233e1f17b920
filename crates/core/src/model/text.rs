//! [`Text`]: the text of a record's field, shared by every record that holds the same.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::de::{Error as _, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The text of a record's field (an id, a name, an owner, a stage, a history value), immutable and
/// cheap to clone.
///
/// A region repeats its texts: 52 weekly snapshots hold each opportunity's id, name, account and
/// owner 52 times, and a few dozen stages and owners across 3 million rows (41.7 million field
/// texts, 273,184 of them distinct). Read back from storage inside [`SharedTexts::share`], equal
/// texts are one allocation; an evidence row names its record by cloning the record's id.
///
/// It reads as a `&str` (`Deref`), compares with `str` and `String`, and serialises as a string.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Arc<str>);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(Arc::from(text))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(Arc::from(text))
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Text {
        Text(Arc::from(text.as_str()))
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.0.to_string()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_text(&self.0, serializer)
    }
}

/// Writes a text as a string, or as its index in the chunk's table while [`write_table`] runs
/// (and the format is not a readable one).
pub(crate) fn serialize_text<S: Serializer>(
    text: &Arc<str>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if !serializer.is_human_readable() {
        let index = TABLE.with(|table| match &mut *table.borrow_mut() {
            Some(Table::Writing(writing)) => Some(writing.index(text)),
            _ => None,
        });
        if let Some(index) = index {
            return serializer.serialize_u32(index);
        }
    }
    serializer.serialize_str(text)
}

/// Reads a text written by [`serialize_text`]: an index into the table [`read_table`] lent, or a
/// string (taken from the shared texts while [`SharedTexts::share`] runs).
pub(crate) fn deserialize_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Text, D::Error> {
    // One visit to the thread's table per text: a region reads back tens of millions.
    let deserializer = if deserializer.is_human_readable() {
        deserializer
    } else {
        let indexed = TABLE.with(|table| match &*table.borrow() {
            Some(Table::Reading(texts)) => Ok(u32::deserialize(deserializer).and_then(|index| {
                texts.get(index as usize).cloned().ok_or_else(|| {
                    D::Error::custom(format!("text {index} is beyond the chunk's table of texts"))
                })
            })),
            _ => Err(deserializer),
        });
        match indexed {
            Ok(text) => return text,
            Err(deserializer) => deserializer,
        }
    };
    struct TextVisitor;

    impl Visitor<'_> for TextVisitor {
        type Value = Text;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a string")
        }

        fn visit_str<E>(self, text: &str) -> Result<Text, E> {
            Ok(shared(text))
        }
    }

    deserializer.deserialize_str(TextVisitor)
}

/// Whether `deserializer` reads texts as indexes into a chunk's table ([`read_table`] runs, and
/// the format is not a readable one).
pub(crate) fn reads_table<'de, D: Deserializer<'de>>(deserializer: &D) -> bool {
    !deserializer.is_human_readable()
        && TABLE.with(|table| matches!(&*table.borrow(), Some(Table::Reading(_))))
}

/// `text` from the shared texts while [`SharedTexts::share`] runs, else a copy of its own.
pub(crate) fn shared(text: &str) -> Text {
    SHARING.with(|sharing| match sharing.borrow_mut().as_mut() {
        Some(texts) => texts.get(text),
        None => Text::from(text),
    })
}

/// A storage chunk's table of texts, while [`write_table`] or [`read_table`] runs.
enum Table {
    Writing(TableWriter),
    Reading(Vec<Text>),
}

/// The texts written so far, each once, in the order first written.
#[derive(Default)]
struct TableWriter {
    indexes: FxHashMap<Text, u32>,
    /// The same indexes by the address of the text's allocation: records that share a text
    /// ([`SharedTexts`], as the importer gives them) find it without hashing its characters.
    by_address: FxHashMap<usize, u32>,
    texts: Vec<Text>,
    /// The texts found by their characters under another address: held with `texts` until the
    /// table is written, so that no address in `by_address` is freed and reused meanwhile.
    held: Vec<Text>,
}

impl TableWriter {
    /// The index of `text`, added to the table if it is not there yet (a new text is shared with
    /// the record that holds it, not copied).
    fn index(&mut self, text: &Arc<str>) -> u32 {
        let address = Arc::as_ptr(text).cast::<u8>() as usize;
        if let Some(index) = self.by_address.get(&address) {
            return *index;
        }
        let index = match self.indexes.get(&**text) {
            Some(index) => {
                self.held.push(Text(Arc::clone(text)));
                *index
            }
            None => {
                let index = self.texts.len() as u32;
                let text = Text(Arc::clone(text));
                self.texts.push(text.clone());
                self.indexes.insert(text, index);
                index
            }
        };
        self.by_address.insert(address, index);
        index
    }
}

/// Runs `write`, in which every text serialised on this thread (not in a readable format) is
/// written as its index in a table; returns the table, each text once in the order first written.
pub(crate) fn write_table<T>(write: impl FnOnce() -> T) -> (T, Vec<Text>) {
    let writing = Some(Table::Writing(TableWriter::default()));
    let _restore = Restore(TABLE.with(|table| table.replace(writing)));
    let written = write();
    let texts = match TABLE.with(RefCell::take) {
        Some(Table::Writing(writer)) => writer.texts,
        _ => Vec::new(),
    };
    (written, texts)
}

/// Runs `read`, in which every text deserialised on this thread (not from a readable format) is
/// an index into `texts`.
pub(crate) fn read_table<T>(texts: Vec<Text>, read: impl FnOnce() -> T) -> T {
    let before = TABLE.with(|table| table.replace(Some(Table::Reading(texts))));
    let _restore = Restore(before);
    read()
}

/// Puts back the table that was lent before, also when the closure unwinds.
struct Restore(Option<Table>);

impl Drop for Restore {
    fn drop(&mut self) {
        let before = self.0.take();
        TABLE.with(|table| table.replace(before));
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_text(deserializer)
    }
}

thread_local! {
    /// The texts shared while [`SharedTexts::share`] runs on this thread.
    static SHARING: RefCell<Option<SharedTexts>> = const { RefCell::new(None) };
    /// The table of texts of the storage chunk being written or read on this thread.
    static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
}

/// A set of texts that records read back share: the analyst keeps one for the whole data set, so
/// the texts of every import it reads back are held once.
#[derive(Debug, Default)]
pub struct SharedTexts(FxHashSet<Arc<str>>);

impl SharedTexts {
    /// The shared copy of `text`.
    pub fn get(&mut self, text: &str) -> Text {
        Text(super::intern_in(&mut self.0, text))
    }

    /// How many distinct texts are held.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs `read`, in which every [`Text`] deserialised on this thread is taken from (or added
    /// to) this set.
    pub fn share<T>(&mut self, read: impl FnOnce() -> T) -> T {
        struct Return<'a>(&'a mut SharedTexts, Option<SharedTexts>);
        impl Drop for Return<'_> {
            fn drop(&mut self) {
                let lent = SHARING.with(|sharing| sharing.replace(self.1.take()));
                *self.0 = lent.unwrap_or_default();
            }
        }
        let lent = std::mem::take(self);
        let before = SHARING.with(|sharing| sharing.replace(Some(lent)));
        let _return = Return(self, before);
        read()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_read_inside_share_are_one_allocation_and_outside_are_not() {
        let json = r#"["Prospecting","Prospecting","Closed Won"]"#;
        let mut texts = SharedTexts::default();
        let shared: Vec<Text> = texts.share(|| serde_json::from_str(json).unwrap());
        assert_eq!(shared, ["Prospecting", "Prospecting", "Closed Won"]);
        assert!(Arc::ptr_eq(&shared[0].0, &shared[1].0));
        assert_eq!(texts.len(), 2);
        // A later read with the same set shares with the earlier one.
        let again: Text = texts.share(|| serde_json::from_str(r#""Closed Won""#).unwrap());
        assert!(Arc::ptr_eq(&again.0, &shared[2].0));
        let apart: Vec<Text> = serde_json::from_str(json).unwrap();
        assert_eq!(apart, shared);
        assert!(!Arc::ptr_eq(&apart[0].0, &apart[1].0));
    }

    #[test]
    fn a_table_lists_each_text_once_whether_shared_or_copied() {
        let shared = Text::from("Prospecting");
        let texts = vec![
            shared.clone(),
            Text::from("006A"),
            shared.clone(),
            // Equal characters in an allocation of its own.
            Text::from("Prospecting"),
            Text::from("006B"),
        ];
        let (bytes, table) = write_table(|| postcard::to_allocvec(&texts).unwrap());
        assert_eq!(table, ["Prospecting", "006A", "006B"]);
        // Five indexes after the length, one byte each.
        assert_eq!(bytes, [5, 0, 1, 0, 0, 2]);
        let back: Vec<Text> = read_table(table, || postcard::from_bytes(&bytes).unwrap());
        assert_eq!(back, texts);
        assert!(Arc::ptr_eq(&back[0].0, &back[3].0));
        // Outside `write_table` the same texts are strings again, and JSON never holds indexes.
        assert_eq!(
            postcard::to_allocvec(&texts).unwrap().len(),
            1 + (1 + 11) * 3 + (1 + 4) * 2
        );
        let json = write_table(|| serde_json::to_string(&texts).unwrap()).0;
        assert_eq!(
            json,
            r#"["Prospecting","006A","Prospecting","Prospecting","006B"]"#
        );
    }

    #[test]
    fn a_text_reads_and_compares_as_the_string_it_holds() {
        let text = Text::from("Negotiation");
        assert_eq!(text, "Negotiation");
        assert_eq!("Negotiation".to_string(), text);
        assert_eq!(format!("{text} {text:?}"), r#"Negotiation "Negotiation""#);
        assert_eq!(serde_json::to_string(&text).unwrap(), r#""Negotiation""#);
        assert!(text.starts_with("Nego"));
    }
}
