//! A page of replies held in one block of text.
//!
//! A thread page shows up to two hundred replies. Read as [`ReplyView`]s,
//! each is nine strings of its own (id, thread, circle, author, words,
//! status, pseudonym, account, role): with a hundred replies that was the
//! largest share of the page's time, in `malloc` and `free` (the profile in
//! docs/benchmarks.md, issue 11). A [`ReplyList`] copies the same fields
//! into one growing string and hands them out as borrowed [`ReplyRef`]s, so
//! a page of replies costs a few allocations instead of hundreds. Both
//! stores fill it from rows they already hold (SQLite's while stepping, so
//! nothing is copied twice), and it turns back into [`ReplyView`]s wherever
//! owned values are wanted.

use super::community::ReplyView;

/// One reply's fields, borrowed from a [`ReplyList`] or from a row being read.
/// The same fields, with the same meaning, as [`ReplyView`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyRef<'a> {
    pub seq: i64,
    pub id: &'a str,
    pub thread_id: &'a str,
    pub circle_id: &'a str,
    pub author_id: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub urgent: i64,
    pub created_at: i64,
    pub author_name: Option<&'a str>,
    pub author_account: Option<&'a str>,
    pub author_role: Option<&'a str>,
}

impl ReplyRef<'_> {
    /// The same reply with fields of its own.
    pub fn to_view(&self) -> ReplyView {
        ReplyView {
            seq: self.seq,
            id: self.id.to_owned(),
            thread_id: self.thread_id.to_owned(),
            circle_id: self.circle_id.to_owned(),
            author_id: self.author_id.to_owned(),
            body: self.body.to_owned(),
            status: self.status.to_owned(),
            urgent: self.urgent,
            created_at: self.created_at,
            author_name: self.author_name.map(str::to_owned),
            author_account: self.author_account.map(str::to_owned),
            author_role: self.author_role.map(str::to_owned),
        }
    }
}

impl<'a> From<&'a ReplyView> for ReplyRef<'a> {
    fn from(r: &'a ReplyView) -> Self {
        ReplyRef {
            seq: r.seq,
            id: &r.id,
            thread_id: &r.thread_id,
            circle_id: &r.circle_id,
            author_id: &r.author_id,
            body: &r.body,
            status: &r.status,
            urgent: r.urgent,
            created_at: r.created_at,
            author_name: r.author_name.as_deref(),
            author_account: r.author_account.as_deref(),
            author_role: r.author_role.as_deref(),
        }
    }
}

/// The text fields of a reply, in the order they are stored.
const TEXT_FIELDS: usize = 9;

/// Replies in order, their text in one string. Cheap to fill, to page
/// through and to cut short; see the module's comment for why it exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyList {
    text: String,
    rows: Vec<Packed>,
}

/// Where one reply's fields are in [`ReplyList::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Packed {
    seq: i64,
    urgent: i64,
    created_at: i64,
    /// Where each text field ends; a field starts where the one before it
    /// ends (the first where the reply before ends, or at 0).
    ends: [usize; TEXT_FIELDS],
    /// Whether the pseudonym, the account and the role are there at all
    /// (an author who left the circle has none; "" is a value).
    present: [bool; 3],
}

impl ReplyList {
    /// An empty list with room for `replies` replies (their text grows as
    /// it comes).
    pub fn with_capacity(replies: usize) -> Self {
        ReplyList {
            text: String::new(),
            rows: Vec::with_capacity(replies),
        }
    }

    /// Adds a reply at the end, copying its text.
    pub fn push(&mut self, r: ReplyRef<'_>) {
        let fields = [
            r.id,
            r.thread_id,
            r.circle_id,
            r.author_id,
            r.body,
            r.status,
            r.author_name.unwrap_or_default(),
            r.author_account.unwrap_or_default(),
            r.author_role.unwrap_or_default(),
        ];
        let mut ends = [0; TEXT_FIELDS];
        for (end, field) in ends.iter_mut().zip(fields) {
            self.text.push_str(field);
            *end = self.text.len();
        }
        self.rows.push(Packed {
            seq: r.seq,
            urgent: r.urgent,
            created_at: r.created_at,
            ends,
            present: [
                r.author_name.is_some(),
                r.author_account.is_some(),
                r.author_role.is_some(),
            ],
        });
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The reply at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<ReplyRef<'_>> {
        let p = self.rows.get(index)?;
        Some(self.unpack(self.start_of(index), p))
    }

    pub fn last(&self) -> Option<ReplyRef<'_>> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The replies in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = ReplyRef<'_>> + ExactSizeIterator {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, p)| self.unpack(self.start_of(i), p))
    }

    /// Keeps the first `len` replies, and only their text.
    pub fn truncate(&mut self, len: usize) {
        if len < self.rows.len() {
            self.text.truncate(self.start_of(len));
            self.rows.truncate(len);
        }
    }

    /// Where the text of the reply at `index` starts: where the one before
    /// it ends.
    fn start_of(&self, index: usize) -> usize {
        index
            .checked_sub(1)
            .and_then(|before| self.rows.get(before))
            .map_or(0, |b| b.ends[TEXT_FIELDS - 1])
    }

    /// The replies with fields of their own.
    pub fn to_views(&self) -> Vec<ReplyView> {
        self.iter().map(|r| r.to_view()).collect()
    }

    fn unpack(&self, start: usize, p: &Packed) -> ReplyRef<'_> {
        let field = |k: usize| {
            let from = if k == 0 { start } else { p.ends[k - 1] };
            // Always char boundaries: every end is where a whole `&str` was
            // pushed; `get` keeps that a promise rather than a panic.
            self.text.get(from..p.ends[k]).unwrap_or_default()
        };
        let [has_name, has_account, has_role] = p.present;
        ReplyRef {
            seq: p.seq,
            id: field(0),
            thread_id: field(1),
            circle_id: field(2),
            author_id: field(3),
            body: field(4),
            status: field(5),
            urgent: p.urgent,
            created_at: p.created_at,
            author_name: has_name.then(|| field(6)),
            author_account: has_account.then(|| field(7)),
            author_role: has_role.then(|| field(8)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(n: i64, name: Option<&str>) -> ReplyView {
        ReplyView {
            seq: n,
            id: format!("r{n}"),
            thread_id: "t1".into(),
            circle_id: "c1".into(),
            author_id: format!("m{n}"),
            body: "é ♥ ".repeat(n as usize),
            status: if n % 2 == 0 { "visible" } else { "held" }.into(),
            urgent: n % 3,
            created_at: 100 + n,
            author_name: name.map(str::to_owned),
            author_account: name.map(|_| format!("a{n}")),
            author_role: name.map(|_| "member".to_owned()),
        }
    }

    fn list(views: &[ReplyView]) -> ReplyList {
        let mut list = ReplyList::default();
        for v in views {
            list.push(v.into());
        }
        list
    }

    fn sample() -> Vec<ReplyView> {
        vec![
            view(0, Some("Quiet Heron 1")),
            view(1, None),
            // Present but empty is not the same as missing.
            view(2, Some("")),
            view(3, Some("Kind Otter 7")),
        ]
    }

    #[test]
    fn gives_back_every_field_as_it_was_given() {
        let views = sample();
        let list = list(&views);
        assert_eq!(list.len(), 4);
        assert_eq!(list.to_views(), views);
        assert_eq!(list.get(1).map(|r| r.author_name), Some(None));
        assert_eq!(list.get(2).map(|r| r.author_name), Some(Some("")));
        assert_eq!(list.get(0).map(|r| r.seq), Some(0));
        assert_eq!(list.last().map(|r| r.id), Some("r3"));
        assert_eq!(list.get(4), None);
        let backwards: Vec<_> = list.iter().rev().map(|r| r.seq).collect();
        assert_eq!(backwards, vec![3, 2, 1, 0]);
    }

    #[test]
    fn truncating_keeps_the_first_replies_and_frees_the_rest_of_the_text() {
        let views = sample();
        let mut list = list(&views);
        list.truncate(9);
        assert_eq!(list.len(), 4, "a longer length changes nothing");
        list.truncate(2);
        assert_eq!(list.to_views(), views[..2].to_vec());
        // What is pushed after a cut lands where the cut text was.
        list.push(ReplyRef::from(&views[3]));
        assert_eq!(
            list.to_views(),
            vec![views[0].clone(), views[1].clone(), views[3].clone()]
        );
        list.truncate(0);
        assert!(list.is_empty());
        assert_eq!(list, ReplyList::default());
    }
}
