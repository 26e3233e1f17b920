//! [`Text`]: the text of a record's field, shared by every record that holds the same.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use rustc_hash::FxHashSet;
use serde::de::Visitor;
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
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl Visitor<'_> for TextVisitor {
            type Value = Text;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a string")
            }

            fn visit_str<E>(self, text: &str) -> Result<Text, E> {
                Ok(SHARING.with(|sharing| match sharing.borrow_mut().as_mut() {
                    Some(texts) => texts.get(text),
                    None => Text::from(text),
                }))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

thread_local! {
    /// The texts shared while [`SharedTexts::share`] runs on this thread.
    static SHARING: RefCell<Option<SharedTexts>> = const { RefCell::new(None) };
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
    fn a_text_reads_and_compares_as_the_string_it_holds() {
        let text = Text::from("Negotiation");
        assert_eq!(text, "Negotiation");
        assert_eq!("Negotiation".to_string(), text);
        assert_eq!(format!("{text} {text:?}"), r#"Negotiation "Negotiation""#);
        assert_eq!(serde_json::to_string(&text).unwrap(), r#""Negotiation""#);
        assert!(text.starts_with("Nego"));
    }
}
