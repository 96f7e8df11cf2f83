//! Diagnostics (model §9): recorded events, the `Ub` value handed to the runtime (with its
//! history already filtered for relevance), the title/help texts in Miri's wording, and the
//! `miri_print_borrow_state` tree dump.
//!
//! Tags print as `<N>`; this crate has no pointer names, except that the dump names the
//! allocation root `root of the allocation` as Miri does.
use crate::perms::LocState;
use crate::tree::{AccessCtx, FailInfo, Tree};
use crate::*;
use std::fmt::Write as _;

/// Which rule of model §2.2 / §6 / §7 was violated.
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

/// One line of a report's history: text in Miri's wording (model §9), the site it refers to,
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
    /// History lines, already filtered and ordered per model §9.
    pub history: Vec<HistoryLine>,
}

/// One recorded permission change of a node (never a no-op), an entry of the tree's event
/// log (`Tree::events`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Event {
    /// The node whose state changed.
    pub node: u32,
    /// The state before and after (only the permissions are meaningful; kept packed so
    /// that recording costs no conversion).
    pub from: LocState,
    pub to: LocState,
    pub cause: AccessCause,
    pub foreign: bool,
    /// The whole access range; empty for a protector release (an explicit access or a
    /// retag with an empty range changes nothing, so records no event). Not an `Option`:
    /// that would make every event 8 bytes larger.
    pub access_range: Range<u64>,
    /// The chunk the transition happened on.
    pub chunk: Range<u64>,
    pub site: Site,
}

impl Event {
    /// The range of the access that caused it; `None` for a protector release.
    pub fn access_range(&self) -> Option<&Range<u64>> {
        (!self.access_range.is_empty()).then_some(&self.access_range)
    }
}

fn kind_str(k: AccessKind) -> &'static str {
    match k {
        AccessKind::Read => "read access",
        AccessKind::Write => "write access",
    }
}

/// `acc(rel)` of model §9.
pub(crate) fn access_phrase(cause: AccessCause, foreign: bool) -> String {
    let rel = if foreign { "foreign" } else { "child" };
    match cause {
        AccessCause::Explicit(k) => format!("{rel} {}", kind_str(k)),
        AccessCause::Reborrow => format!("reborrow (acting as a {rel} read access)"),
        AccessCause::Dealloc => format!("deallocation (acting as a {rel} write access)"),
        AccessCause::FnExit(k) => format!("protector release (acting as a {rel} {})", kind_str(k)),
    }
}

fn cause_str(c: AccessCause) -> &'static str {
    match c {
        AccessCause::Explicit(k) => kind_str(k),
        AccessCause::Reborrow => "reborrow",
        AccessCause::Dealloc => "deallocation",
        AccessCause::FnExit(_) => "protector release",
    }
}

fn tag_str(t: Option<Tag>) -> String {
    match t {
        Some(t) => format!("<{t}>"),
        None => "<wildcard>".to_string(),
    }
}

/// Whether an event ending a transition `from -> to` is relevant to a violation (§9).
pub(crate) fn is_relevant(kind: &UbKind, from: Permission, to: Permission) -> bool {
    use Permission::*;
    let _ = from;
    match kind {
        UbKind::ChildAccessForbidden(Frozen) => matches!(to, Unique | Frozen),
        UbKind::ChildAccessForbidden(Disabled) => to == Disabled,
        UbKind::ChildAccessForbidden(p @ Reserved { conflicted: true }) => to == *p,
        UbKind::ProtectedDisabled(p @ (Unique | Frozen | Reserved { conflicted: true })) => {
            to == *p
        }
        _ => false,
    }
}

impl Ub {
    /// `"{cause} through {acc} at {alloc_name}[{off:#x}] is forbidden"` (model §9 title).
    pub fn title(&self, alloc_name: &str) -> String {
        let acc = if self.kind == UbKind::NoExposedTag {
            None
        } else {
            self.accessed
        };
        format!(
            "{} through {} at {alloc_name}[{:#x}] is forbidden",
            cause_str(self.cause),
            tag_str(acc),
            self.offset
        )
    }
    /// The kind-specific `help:` lines of model §9 item 3 (without the `help: ` prefix).
    pub fn help_lines(&self) -> Vec<String> {
        let a = tag_str(self.accessed);
        let c = tag_str(self.conflicting);
        match &self.kind {
            UbKind::ChildAccessForbidden(p) => {
                let mut v = Vec::new();
                let same = self.accessed.is_some() && self.accessed == self.conflicting;
                if !same {
                    v.push(format!("the accessed tag {a} is a child of the conflicting tag {c}"));
                }
                let role = if same { "accessed" } else { "conflicting" };
                v.push(format!(
                    "the {role} tag {c} has state {p} which forbids this {}",
                    access_phrase(self.cause, false)
                ));
                v
            }
            UbKind::ProtectedDisabled(p) => vec![
                format!("the accessed tag {a} is foreign to the protected tag {c} (i.e., it is not a child)"),
                format!(
                    "this {} would cause the protected tag {c} (currently {p}) to become Disabled",
                    access_phrase(self.cause, true)
                ),
                "protected tags must never be Disabled".to_string(),
            ],
            UbKind::ProtectedDealloc => vec![
                format!("the allocation of the accessed tag {a} also contains the strongly protected tag {c}"),
                format!("the strongly protected tag {c} disallows deallocations"),
            ],
            UbKind::NoExposedTag => {
                vec!["there are no exposed tags which may perform this access here".to_string()]
            }
        }
    }
    /// A short rule name for the SUMMARY line, e.g. `child-access-forbidden`,
    /// `protected-disabled`, `protected-dealloc`, `no-exposed-tag`.
    pub fn rule(&self) -> &'static str {
        match self.kind {
            UbKind::ChildAccessForbidden(_) => "child-access-forbidden",
            UbKind::ProtectedDisabled(_) => "protected-disabled",
            UbKind::ProtectedDealloc => "protected-dealloc",
            UbKind::NoExposedTag => "no-exposed-tag",
        }
    }
}

impl Tree {
    /// Turn a traversal failure into a report, with the §9 history.
    #[cold]
    pub(crate) fn make_ub(&self, f: &FailInfo, src: Option<u32>, ctx: &AccessCtx) -> TreeError {
        let accessed = src.map(|s| self.nodes[s as usize].tag);
        let conflicting = f.node.map(|n| self.nodes[n as usize].tag);
        let mut history = Vec::new();
        if let Some(cn) = f.node {
            let cnode = &self.nodes[cn as usize];
            let same = src == Some(cn);
            if let (Some(s), false) = (src, same) {
                let snode = &self.nodes[s as usize];
                history.push(HistoryLine {
                    text: format!("the accessed tag <{}> was created here", snode.tag),
                    site: snode.site,
                    note: None,
                });
            }
            let role = match f.kind {
                UbKind::ChildAccessForbidden(_) if same => "accessed",
                UbKind::ChildAccessForbidden(_) => "conflicting",
                UbKind::ProtectedDisabled(_) => "protected",
                _ => "strongly protected",
            };
            let this = format!("the {role} tag <{}>", cnode.tag);
            history.push(HistoryLine {
                text: format!(
                    "{this} was created here, in the initial state {}",
                    cnode.default_perm()
                ),
                site: cnode.site,
                note: None,
            });
            for e in self.events.iter().filter(|e| e.node == cn) {
                let (from, to) = (e.from.perm(), e.to.perm());
                if !e.chunk.contains(&f.offset) || !is_relevant(&f.kind, from, to) {
                    continue;
                }
                let place = match e.access_range() {
                    Some(r) => format!("at offsets [{:#x}..{:#x}]", r.start, r.end),
                    None => "on every location previously accessed by this tag".to_string(),
                };
                history.push(HistoryLine {
                    text: format!(
                        "{this} later transitioned to {} due to a {} {place}",
                        to,
                        access_phrase(e.cause, e.foreign)
                    ),
                    site: e.site,
                    note: Some(format!(
                        "this transition corresponds to {}",
                        crate::perms::transition_summary(from, to)
                    )),
                });
            }
        }
        let access_range = ctx.range.clone().unwrap_or(0..self.locs.size);
        TreeError::Ub(Box::new(Ub {
            kind: f.kind.clone(),
            cause: ctx.cause,
            accessed,
            conflicting,
            offset: f.offset,
            access_range,
            access_site: ctx.site,
            history,
        }))
    }
}

/// The tree dump of model §9 (Miri's `miri_print_borrow_state` layout).
pub(crate) fn dump(tree: &Tree) -> String {
    let ranges: Vec<Range<u64>> = (0..tree.locs.chunks.len())
        .map(|ci| tree.locs.range_of(ci))
        .collect();
    // Header `0..   1..   8` and per-column padding.
    let mut header = String::from("0..");
    let mut pads = Vec::new();
    for (i, r) in ranges.iter().enumerate() {
        if i > 0 {
            header.push_str("..");
        }
        let s = r.end.to_string();
        let l = s.chars().count() + 2;
        let target: usize = 6;
        header.push_str(&" ".repeat(target.saturating_sub(l)));
        header.push_str(&s);
        pads.push(target.max(l) - target);
    }
    let mut block = vec![header];
    let main = tree.roots[0];
    print_node(
        tree,
        main,
        &pads,
        &mut String::from("    "),
        true,
        false,
        &mut block,
    );
    for &r in &tree.roots[1..] {
        let mut gap = String::from("|");
        for (i, &pad) in pads.iter().enumerate() {
            if i > 0 {
                gap.push('|');
            }
            gap.push_str(&" ".repeat(pad + 5));
        }
        gap.push('|');
        block.push(gap);
        print_node(
            tree,
            r,
            &pads,
            &mut String::from("    "),
            true,
            true,
            &mut block,
        );
    }
    let width = block.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(out, "{}", "─".repeat(width));
    for l in block {
        let _ = writeln!(out, "{l}");
    }
    let _ = writeln!(out, "{}", "─".repeat(width));
    out
}

fn print_node(
    tree: &Tree,
    n: u32,
    pads: &[usize],
    indent: &mut String,
    is_last: bool,
    wildcard_root: bool,
    out: &mut Vec<String>,
) {
    let node = &tree.nodes[n as usize];
    let mut line = String::from("|");
    for (ci, &pad) in pads.iter().enumerate() {
        if ci > 0 {
            line.push('|');
        }
        line.push_str(&" ".repeat(pad));
        let st = tree.locs.chunks[ci].get(n);
        if st.is_present() {
            line.push(if st.accessed() { ' ' } else { '?' });
            line.push_str(st.perm().short_name());
        } else {
            line.push_str("-----");
        }
    }
    line.push('|');
    line.push_str(indent);
    line.push_str(if wildcard_root {
        "*"
    } else if is_last {
        "└"
    } else {
        "├"
    });
    line.push('─');
    line.push(if node.children.is_empty() {
        '─'
    } else {
        '┬'
    });
    line.push_str("──");
    if n == tree.roots[0] {
        let _ = write!(line, "<{}=root of the allocation>", node.tag);
    } else {
        let _ = write!(line, "<{}>", node.tag);
    }
    match node.protector {
        Some(ProtectorKind::Strong) => line.push_str(" Strongly protected"),
        Some(ProtectorKind::Weak) => line.push_str(" Weakly protected"),
        None => {}
    }
    if node.exposed {
        line.push_str(" (exposed)");
    }
    out.push(line);
    let mut children = node.children.clone();
    children.sort_by_key(|&c| tree.nodes[c as usize].tag);
    let k = children.len();
    for (i, c) in children.into_iter().enumerate() {
        let saved = indent.len();
        indent.push_str(if is_last { "  " } else { "│ " });
        print_node(tree, c, pads, indent, i + 1 == k, false, out);
        indent.truncate(saved);
    }
}
