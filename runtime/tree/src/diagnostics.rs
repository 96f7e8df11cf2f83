//! API skeleton: the tree implementation fills this in, keeping the public items.
use crate::*;

/// Which rule of spec §2.2 / §6 / §7 was violated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UbKind {
    /// A local access rejected by the state of the accessed tag or an ancestor (state before).
    ChildAccessForbidden(Permission),
    /// A foreign access would disable a protected, accessed tag (its state before).
    ProtectedDisabled(Permission),
    /// Deallocation while a strongly protected tag has accessed bytes.
    ProtectedDealloc,
    /// A wildcard access for which no exposed tag qualifies.
    NoExposedTag,
}

/// One line of a report's history: text in Miri's wording (spec §9), the site it refers to,
/// and an optional span-less note ("this transition corresponds to ...").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryLine {
    pub text: String,
    pub site: Site,
    pub note: Option<String>,
}

/// A Tree Borrows violation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ub {
    pub kind: UbKind,
    pub cause: AccessCause,
    /// The tag the access came through (for a reborrow: the parent); None = wildcard.
    pub accessed: Option<Tag>,
    /// The tag whose state rejected the access (may equal `accessed`).
    pub conflicting: Option<Tag>,
    /// Lowest failing offset in the allocation.
    pub offset: u64,
    /// The whole access range.
    pub access_range: Range<u64>,
    pub access_site: Site,
    /// History lines, already filtered and ordered per spec §9.
    pub history: Vec<HistoryLine>,
}

impl Ub {
    /// `"{cause} through {acc} at {alloc_name}[{off:#x}] is forbidden"` (spec §9 title).
    pub fn title(&self, alloc_name: &str) -> String {
        let _ = alloc_name;
        unimplemented!()
    }
    /// The kind-specific `help:` lines of spec §9 item 3 (without the `help: ` prefix).
    pub fn help_lines(&self) -> Vec<String> {
        unimplemented!()
    }
    /// A short rule name for the SUMMARY line, e.g. `child-access-forbidden`,
    /// `protected-disabled`, `protected-dealloc`, `no-exposed-tag`.
    pub fn rule(&self) -> &'static str {
        unimplemented!()
    }
}
