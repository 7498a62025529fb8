//! Node ids interned: every id a flow names (its nodes' ids as references see them, the
//! targets of transitions, its start and entries) is stored once, in one text arena, and
//! referred to by a [`NodeRef`], a `u32`. A reference costs no allocation and resolving it
//! to a graph vertex is an array index instead of hashing a string.

use crate::text_index::{TextIndex, hash, same};

/// Handle of a node id in a flow's [`Names`] ([`crate::model::Flow::names`]). Two
/// handles of one table are equal exactly when they name the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRef(pub u32);

/// The id table of a flow: an arena of texts and a hash table of their handles.
#[derive(Clone, Default)]
pub struct Names {
    text: String,
    /// Where each name ends in `text` (it starts where the one before ends).
    ends: Vec<u32>,
    table: TextIndex,
}

fn name_at<'t>(text: &'t str, ends: &[u32], i: u32) -> &'t str {
    let i = i as usize;
    let end = ends.get(i).map_or(0, |&e| e as usize);
    let start = match i.checked_sub(1) {
        Some(j) => ends.get(j).map_or(0, |&e| e as usize),
        None => 0,
    };
    text.get(start..end).unwrap_or("")
}

/// Whether name `i` is `id`: bytes compared, with no char-boundary checks (the look-up of
/// every reference goes through here).
#[inline(always)]
fn is_name(text: &str, ends: &[u32], i: u32, id: &[u8]) -> bool {
    let i = i as usize;
    let end = ends.get(i).map_or(0, |&e| e as usize);
    let start = match i.checked_sub(1) {
        Some(j) => ends.get(j).map_or(0, |&e| e as usize),
        None => 0,
    };
    // (A `match`, not `is_some_and`: its closure stayed a call.)
    end.wrapping_sub(start) == id.len()
        && match text.as_bytes().get(start..end) {
            Some(t) => same(t, id),
            None => false,
        }
}

impl Names {
    /// A table with room for about `names` ids of `bytes` bytes in all.
    pub fn with_capacity(names: usize, bytes: usize) -> Names {
        Names {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(names),
            table: TextIndex::with_capacity(names),
        }
    }

    /// Number of distinct ids.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The id a handle names (`""` for a handle of another table past this one's end).
    pub fn text(&self, r: NodeRef) -> &str {
        name_at(&self.text, &self.ends, r.0)
    }

    /// The handle of `id`, if the table has it.
    pub fn get(&self, id: &str) -> Option<NodeRef> {
        let (text, ends) = (&self.text, &self.ends);
        self.table
            .find(hash(id.as_bytes()), |i| {
                is_name(text, ends, i, id.as_bytes())
            })
            .map(NodeRef)
    }

    /// The handle of `id`, added when new.
    pub fn intern(&mut self, id: &str) -> NodeRef {
        let h = hash(id.as_bytes());
        let Names { text, ends, table } = self;
        let i = u32::try_from(ends.len()).unwrap_or(u32::MAX);
        // One probe of the table finds the id or records it.
        if let Some(found) = table.find_or_insert(h, i, |i| is_name(text, ends, i, id.as_bytes())) {
            return NodeRef(found);
        }
        text.push_str(id);
        // A text past 4 GiB cannot be read (inputs are far smaller); saturating keeps this
        // total instead of panicking.
        ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        NodeRef(i)
    }

    /// Every id with its handle, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (NodeRef, &str)> + '_ {
        (0..self.ends.len() as u32).map(|i| (NodeRef(i), name_at(&self.text, &self.ends, i)))
    }
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter().map(|(_, s)| s)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_gives_one_handle_per_distinct_id() {
        let mut names = Names::default();
        let ids = ["start", "menu", "", "start", "ménu", "menu", "a/b~c", ""];
        let refs: Vec<NodeRef> = ids.iter().map(|id| names.intern(id)).collect();
        for (i, a) in ids.iter().enumerate() {
            assert_eq!(names.text(refs[i]), *a);
            assert_eq!(names.get(a), Some(refs[i]));
            for (j, b) in ids.iter().enumerate() {
                assert_eq!(refs[i] == refs[j], a == b, "{a:?} {b:?}");
            }
        }
        assert_eq!(names.len(), 5);
        assert_eq!(names.get("Start"), None);
        assert_eq!(names.text(NodeRef(99)), "");
        let listed: Vec<&str> = names.iter().map(|(_, s)| s).collect();
        assert_eq!(listed, ["start", "menu", "", "ménu", "a/b~c"]);
    }

    #[test]
    fn many_ids_survive_the_table_growing() {
        let mut names = Names::default();
        for i in 0..5_000 {
            assert_eq!(names.intern(&format!("n{i}")).0, i);
        }
        for i in (0..5_000).rev() {
            assert_eq!(names.get(&format!("n{i}")), Some(NodeRef(i)));
            assert_eq!(names.text(NodeRef(i)), format!("n{i}"));
        }
    }
}
