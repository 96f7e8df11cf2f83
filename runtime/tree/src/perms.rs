//! Permissions: the per-location state machine of Tree Borrows (model §1.2, §2.1, §8).
//!
//! This module owns everything that depends only on one permission: the states and their
//! display names, the transition function (`Permission::step`), the reachability order, the
//! strongest idempotent foreign access (SIFA, §8.2) of a fresh state, the GC replaceability
//! relation (`can_replace`, §8.1), the wildcard access level (§7), and the packed per-location
//! state `LocState` the tree stores. It knows nothing about trees, tags or ranges.

use crate::AccessKind;

/// The state of one tag at one location (model §1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Shared reference to `UnsafeCell` bytes: accepts every access and never changes.
    Cell,
    /// `&mut`/`Box` not yet written (two-phase). Local writes make it `Unique`; foreign
    /// writes disable it; a foreign read while protected sets `conflicted`, after which a
    /// local write is rejected as long as the protector lasts.
    Reserved { conflicted: bool },
    /// Unprotected `&mut` to `UnsafeCell` bytes: tolerates all foreign accesses, becomes
    /// `Unique` on a local write.
    ReservedIM,
    /// Written through (Miri's former `Active`): foreign reads freeze it (disable it if
    /// protected), foreign writes disable it.
    Unique,
    /// Read-only: rejects local writes, disabled by foreign writes.
    Frozen,
    /// Dead: rejects every local access.
    Disabled,
}

impl std::fmt::Display for Permission {
    /// Miri's display names: `Cell`, `Reserved`, `Reserved (conflicted)`,
    /// `Reserved (interior mutable)`, `Unique`, `Frozen`, `Disabled`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Permission::Cell => "Cell",
            Permission::Reserved { conflicted: false } => "Reserved",
            Permission::Reserved { conflicted: true } => "Reserved (conflicted)",
            Permission::ReservedIM => "Reserved (interior mutable)",
            Permission::Unique => "Unique",
            Permission::Frozen => "Frozen",
            Permission::Disabled => "Disabled",
        })
    }
}

/// All seven states, in code order (used by exhaustive tests and tables).
pub const ALL_PERMISSIONS: [Permission; 7] = [
    Permission::Cell,
    Permission::Reserved { conflicted: false },
    Permission::Reserved { conflicted: true },
    Permission::ReservedIM,
    Permission::Unique,
    Permission::Frozen,
    Permission::Disabled,
];

const RES: Permission = Permission::Reserved { conflicted: false };
const RESC: Permission = Permission::Reserved { conflicted: true };

impl Permission {
    /// The 4-character name of the tree dump (`Cel `, `Res `, `ResC`, `ReIM`, `Unq `,
    /// `Frz `, `Dis `).
    pub fn short_name(self) -> &'static str {
        match self {
            Permission::Cell => "Cel ",
            RES => "Res ",
            RESC => "ResC",
            Permission::ReservedIM => "ReIM",
            Permission::Unique => "Unq ",
            Permission::Frozen => "Frz ",
            Permission::Disabled => "Dis ",
        }
    }

    /// The transition function of model §2.1: the new state after an access of `kind`,
    /// `local` (through this tag or a descendant) or foreign, with or without a protector.
    /// `None` = the access is rejected (only possible for local accesses).
    pub const fn step(self, kind: AccessKind, local: bool, protected: bool) -> Option<Permission> {
        use AccessKind::*;
        use Permission::*;
        Some(match (self, kind, local) {
            (Cell, _, _) => Cell,
            // Reserved, conflicted or not.
            (Reserved { conflicted }, Read, true) => Reserved { conflicted },
            (Reserved { conflicted: true }, Write, true) if protected => return None,
            (Reserved { .. }, Write, true) => Unique,
            (Reserved { conflicted }, Read, false) => Reserved {
                conflicted: conflicted || protected,
            },
            (Reserved { .. }, Write, false) => Disabled,
            // ReservedIM ignores every foreign access.
            (ReservedIM, Read, true) => ReservedIM,
            (ReservedIM, Write, true) => Unique,
            (ReservedIM, _, false) => ReservedIM,
            (Unique, _, true) => Unique,
            (Unique, Read, false) => {
                if protected {
                    Disabled
                } else {
                    Frozen
                }
            }
            (Unique, Write, false) => Disabled,
            (Frozen, Read, _) => Frozen,
            (Frozen, Write, true) => return None,
            (Frozen, Write, false) => Disabled,
            (Disabled, _, true) => return None,
            (Disabled, _, false) => Disabled,
        })
    }

    /// Reachability order of model §1.2: `self <= other` iff some sequence of transitions
    /// leads from `self` to `other` (reflexive).
    pub fn reaches(self, other: Permission) -> bool {
        fn rank(p: Permission) -> u8 {
            match p {
                Permission::Cell | RES | Permission::ReservedIM => 0,
                RESC => 1,
                Permission::Unique => 2,
                Permission::Frozen => 3,
                Permission::Disabled => 4,
            }
        }
        if self == other {
            return true;
        }
        match (self, other) {
            (Permission::Cell, _) | (_, Permission::Cell) => false,
            // Reserved and ReservedIM are incomparable, and ReservedIM never conflicts.
            (RES, Permission::ReservedIM) | (Permission::ReservedIM, RES | RESC) => false,
            _ => rank(self) < rank(other),
        }
    }

    /// Legal initial states of a fresh node (model §1.2).
    pub fn is_initial(self) -> bool {
        matches!(
            self,
            Permission::Cell | RES | Permission::ReservedIM | Permission::Frozen
        )
    }

    /// The access a protector end performs at an accessed location (model §4.1); `None` for
    /// `Cell`, which needs none.
    pub fn protector_end_access(self) -> Option<AccessKind> {
        match self {
            Permission::Cell => None,
            Permission::Unique => Some(AccessKind::Write),
            _ => Some(AccessKind::Read),
        }
    }

    /// Strongest idempotent foreign access of a fresh state (model §8.2).
    pub const fn initial_sifa(self, protected: bool) -> Sifa {
        match self {
            Permission::Cell | Permission::ReservedIM | Permission::Disabled => Sifa::Write,
            Permission::Frozen | RESC => Sifa::Read,
            RES if !protected => Sifa::Read,
            RES | Permission::Unique => Sifa::None,
        }
    }

    /// Wildcard access level (model §7): which accesses an exposed tag in this state could
    /// still perform.
    pub fn wildcard_level(self, protected: bool) -> WildcardLevel {
        match self {
            Permission::Disabled => WildcardLevel::None,
            Permission::Frozen => WildcardLevel::Read,
            RESC if protected => WildcardLevel::Read,
            _ => WildcardLevel::Write,
        }
    }

    const fn code(self) -> u8 {
        match self {
            Permission::Cell => 1,
            RES => 2,
            RESC => 3,
            Permission::ReservedIM => 4,
            Permission::Unique => 5,
            Permission::Frozen => 6,
            Permission::Disabled => 7,
        }
    }

    const fn from_code(code: u8) -> Permission {
        match code {
            1 => Permission::Cell,
            2 => RES,
            3 => RESC,
            4 => Permission::ReservedIM,
            5 => Permission::Unique,
            6 => Permission::Frozen,
            _ => Permission::Disabled,
        }
    }
}

/// GC replaceability (model §8.1): may a dead `parent` with the single child `child` be
/// spliced out, given their permissions at one location?
pub fn can_replace(parent: Permission, child: Permission) -> bool {
    use Permission::*;
    match (parent, child) {
        (Cell, _) => true,
        (_, Cell) => false,
        (ReservedIM, _) => true,
        (_, ReservedIM) => false,
        (Reserved { .. }, _) => true,
        (_, Reserved { .. }) => false,
        (Unique, _) => true, // child is Unique, Frozen or Disabled here
        (Frozen, c) => matches!(c, Frozen | Disabled),
        (Disabled, c) => c == Disabled,
    }
}

/// Strongest idempotent foreign access (model §8.2): a foreign access of kind `k` may skip a
/// node and its subtree when `k <= sifa`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sifa {
    None = 0,
    Read = 1,
    Write = 2,
}

impl Sifa {
    #[inline(always)]
    pub fn of_kind(kind: AccessKind) -> Sifa {
        match kind {
            AccessKind::Read => Sifa::Read,
            AccessKind::Write => Sifa::Write,
        }
    }
    const fn from_bits(b: u8) -> Sifa {
        match b {
            0 => Sifa::None,
            1 => Sifa::Read,
            _ => Sifa::Write,
        }
    }
}

/// Which accesses an exposed tag may perform at a location (model §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WildcardLevel {
    None,
    Read,
    Write,
}

impl WildcardLevel {
    /// Whether an access of `kind` is allowed at this level.
    pub fn allows(self, kind: AccessKind) -> bool {
        match kind {
            AccessKind::Read => self >= WildcardLevel::Read,
            AccessKind::Write => self == WildcardLevel::Write,
        }
    }
}

/// One location's state for one node, packed in a byte: bits 0..3 permission code
/// (1..=7; 0 = "no entry", i.e. lazily the node's default), bit 3 accessed, bits 4..6 SIFA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct LocState(u8);

impl LocState {
    /// "No entry": the node's default applies.
    pub const ABSENT: LocState = LocState(0);

    #[inline(always)]
    pub const fn new(perm: Permission, accessed: bool, sifa: Sifa) -> LocState {
        LocState(perm.code() | ((accessed as u8) << 3) | ((sifa as u8) << 4))
    }
    #[inline(always)]
    pub const fn is_present(self) -> bool {
        self.0 != 0
    }
    #[inline(always)]
    pub const fn perm(self) -> Permission {
        Permission::from_code(self.0 & 7)
    }
    #[inline(always)]
    pub const fn accessed(self) -> bool {
        self.0 & 8 != 0
    }
    #[inline(always)]
    pub const fn sifa(self) -> Sifa {
        Sifa::from_bits(self.0 >> 4)
    }
    /// Whether both have the same permission.
    #[inline(always)]
    pub const fn same_perm(self, other: LocState) -> bool {
        (self.0 ^ other.0) & 7 == 0
    }
    /// `self.sifa() > sifa`, on the packed bits.
    #[inline(always)]
    pub const fn sifa_exceeds(self, sifa: Sifa) -> bool {
        (self.0 >> 4) > sifa as u8
    }
    #[inline(always)]
    pub fn with_sifa(self, sifa: Sifa) -> LocState {
        LocState((self.0 & 0x0f) | ((sifa as u8) << 4))
    }

    /// Whether a foreign access of `kind` skips this node and its subtree (model §8.2): by
    /// SIFA, or by one of the two unconditional skips (foreign access to `Disabled`,
    /// foreign read to `Frozen`).
    #[inline(always)]
    pub fn skips_foreign(self, kind: AccessKind) -> bool {
        (SKIP_TABLE[(self.0 & 0x3f) as usize] >> kind as u8) & 1 != 0
    }

    /// The permission, accessed and SIFA bits (a table index below 64).
    #[inline(always)]
    pub fn bits(self) -> u8 {
        self.0 & 0x3f
    }

    /// Bit 0: a foreign read skips this state; bit 1: a foreign write does (§8.2). For
    /// building tables.
    pub(crate) const fn skip_bits_slow(self) -> u8 {
        self.skips_foreign_slow(AccessKind::Read) as u8
            | (self.skips_foreign_slow(AccessKind::Write) as u8) << 1
    }

    /// A byte with only the permission, accessed and SIFA bits (for building tables).
    pub(crate) const fn from_bits(bits: u8) -> LocState {
        LocState(bits & 0x3f)
    }

    /// [`skips_foreign`](Self::skips_foreign), computed from the fields (builds the table).
    const fn skips_foreign_slow(self, kind: AccessKind) -> bool {
        let perm = self.0 & 7;
        let need = match kind {
            AccessKind::Read => 1,
            AccessKind::Write => 2,
        };
        (self.0 >> 4) >= need
            || perm == Permission::Disabled.code()
            || (perm == Permission::Frozen.code() && need == 1)
    }

    /// The per-location part of an access (model §2.4 `apply`): the transition, the accessed
    /// bit, the SIFA update, and the two UB rules of §2.2, via one table lookup. `self` must
    /// be present (the node's default where it has no entry). `Err` carries the state
    /// before and whether it was rule 2.2.2 (protected, accessed, would become Disabled)
    /// rather than 2.2.1 (local access rejected).
    #[inline(always)]
    pub fn after_access(
        self,
        kind: AccessKind,
        local: bool,
        protected: bool,
    ) -> Result<LocState, (Permission, bool)> {
        let i = (self.0 & 0x3f) as usize
            | (kind as usize) << 6
            | (local as usize) << 7
            | (protected as usize) << 8;
        match APPLY_TABLE[i] {
            APPLY_FORBIDDEN => Err((self.perm(), false)),
            APPLY_PROTECTED => Err((self.perm(), true)),
            b => Ok(LocState(b)),
        }
    }

    /// [`after_access`](Self::after_access), computed from the fields (builds the table).
    const fn after_access_slow(self, kind: AccessKind, local: bool, protected: bool) -> u8 {
        let old = self.0 & 7;
        let Some(new) = Permission::from_code(old).step(kind, local, protected) else {
            return APPLY_FORBIDDEN;
        };
        let new = new.code();
        let accessed = self.0 & 8 != 0 || local;
        let disabled = Permission::Disabled.code();
        if protected && accessed && new == disabled && old != disabled {
            return APPLY_PROTECTED;
        }
        let sifa = if local {
            0
        } else {
            let k = match kind {
                AccessKind::Read => 1,
                AccessKind::Write => 2,
            };
            let s = self.0 >> 4;
            if s > k {
                s
            } else {
                k
            }
        };
        new | ((accessed as u8) << 3) | (sifa << 4)
    }
}

/// `after_access` results that are not states (a state byte is at most 0x2f).
const APPLY_FORBIDDEN: u8 = 0xff;
const APPLY_PROTECTED: u8 = 0xfe;

/// `LocState::after_access_slow` tabulated by (state bits 0..6, kind, local, protected).
static APPLY_TABLE: [u8; 512] = {
    let mut t = [APPLY_FORBIDDEN; 512];
    let mut i = 0;
    while i < 512 {
        let st = (i & 0x3f) as u8;
        // Only present states with a valid SIFA (0..=2) are ever looked up.
        if st & 7 != 0 && st >> 4 <= 2 {
            let kind = if i & 0x40 != 0 {
                AccessKind::Write
            } else {
                AccessKind::Read
            };
            t[i] = LocState(st).after_access_slow(kind, i & 0x80 != 0, i & 0x100 != 0);
        }
        i += 1;
    }
    t
};

/// Bit `k` set: a foreign access of kind `k` (0 = read, 1 = write) skips the state.
static SKIP_TABLE: [u8; 64] = {
    let mut t = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = LocState(i as u8).skip_bits_slow();
        i += 1;
    }
    t
};

/// The span-less note of a history line: `this transition corresponds to {summary}`.
pub fn transition_summary(from: Permission, to: Permission) -> &'static str {
    match (from, to) {
        (_, Permission::Unique) => "the first write to a 2-phase borrowed mutable reference",
        (_, Permission::Frozen) => "a loss of write permissions",
        (RES, RESC) => "a temporary loss of write permissions until function exit",
        (Permission::Frozen, Permission::Disabled) => "a loss of read permissions",
        (_, Permission::Disabled) => "a loss of read and write permissions",
        _ => "no effect",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccessKind::*;

    fn parse(s: &str) -> Option<Permission> {
        Some(match s {
            "Cel" => Permission::Cell,
            "Res" => RES,
            "ResC" => RESC,
            "ReIM" => Permission::ReservedIM,
            "Unq" => Permission::Unique,
            "Frz" => Permission::Frozen,
            "Dis" => Permission::Disabled,
            "REJECT" => return None,
            other => panic!("bad table entry {other}"),
        })
    }

    /// Model §2.1, written out: state, then [local read, local write, foreign read,
    /// foreign write] unprotected, then the same protected.
    const TABLE: [(&str, [&str; 4], [&str; 4]); 7] = [
        (
            "Cel",
            ["Cel", "Cel", "Cel", "Cel"],
            ["Cel", "Cel", "Cel", "Cel"],
        ),
        (
            "Res",
            ["Res", "Unq", "Res", "Dis"],
            ["Res", "Unq", "ResC", "Dis"],
        ),
        (
            "ResC",
            ["ResC", "Unq", "ResC", "Dis"],
            ["ResC", "REJECT", "ResC", "Dis"],
        ),
        (
            "ReIM",
            ["ReIM", "Unq", "ReIM", "ReIM"],
            ["ReIM", "Unq", "ReIM", "ReIM"],
        ),
        (
            "Unq",
            ["Unq", "Unq", "Frz", "Dis"],
            ["Unq", "Unq", "Dis", "Dis"],
        ),
        (
            "Frz",
            ["Frz", "REJECT", "Frz", "Dis"],
            ["Frz", "REJECT", "Frz", "Dis"],
        ),
        (
            "Dis",
            ["REJECT", "REJECT", "Dis", "Dis"],
            ["REJECT", "REJECT", "Dis", "Dis"],
        ),
    ];

    const COLUMNS: [(AccessKind, bool); 4] =
        [(Read, true), (Write, true), (Read, false), (Write, false)];

    #[test]
    fn transition_table_exhaustive() {
        let mut checked = 0;
        for (state, unprot, prot) in TABLE {
            let p = parse(state).unwrap();
            for (protected, row) in [(false, unprot), (true, prot)] {
                for ((kind, local), expect) in COLUMNS.into_iter().zip(row) {
                    assert_eq!(
                        p.step(kind, local, protected),
                        parse(expect),
                        "{p} {kind:?} local={local} protected={protected}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 7 * 2 * 4);
        // The table covers every state exactly once.
        for p in ALL_PERMISSIONS {
            assert_eq!(TABLE.iter().filter(|r| parse(r.0) == Some(p)).count(), 1);
        }
    }

    #[test]
    fn transitions_idempotent_and_monotone() {
        for p in ALL_PERMISSIONS {
            for protected in [false, true] {
                for (kind, local) in COLUMNS {
                    let Some(q) = p.step(kind, local, protected) else {
                        continue;
                    };
                    assert_eq!(
                        q.step(kind, local, protected),
                        Some(q),
                        "idempotent: {p} {kind:?} {local}"
                    );
                    assert!(p.reaches(q), "monotone: {p} -> {q}");
                    for (k2, l2) in COLUMNS {
                        if let Some(r) = q.step(k2, l2, protected) {
                            assert!(p.reaches(r), "transitive: {p} -> {q} -> {r}");
                        }
                    }
                }
                // A foreign read after a foreign write is a no-op.
                let w = p.step(Write, false, protected).unwrap();
                assert_eq!(w.step(Read, false, protected), Some(w));
            }
        }
    }

    #[test]
    fn reachability_order() {
        let order = [
            RES,
            RESC,
            Permission::Unique,
            Permission::Frozen,
            Permission::Disabled,
        ];
        for (i, a) in order.iter().enumerate() {
            for (j, b) in order.iter().enumerate() {
                assert_eq!(a.reaches(*b), i <= j, "{a} vs {b}");
            }
        }
        assert!(Permission::ReservedIM.reaches(Permission::Unique));
        assert!(!Permission::ReservedIM.reaches(RES) && !RES.reaches(Permission::ReservedIM));
        assert!(!RESC.reaches(Permission::ReservedIM));
        for p in ALL_PERMISSIONS {
            assert_eq!(Permission::Cell.reaches(p), p == Permission::Cell);
            assert_eq!(p.reaches(Permission::Cell), p == Permission::Cell);
        }
    }

    #[test]
    fn initial_sifa_is_sound() {
        // A foreign access covered by the initial SIFA changes nothing, and neither does
        // any weaker one after it was performed once.
        for p in ALL_PERMISSIONS {
            for protected in [false, true] {
                let s = p.initial_sifa(protected);
                for kind in [Read, Write] {
                    if s >= Sifa::of_kind(kind) {
                        assert_eq!(p.step(kind, false, protected), Some(p), "{p} {kind:?}");
                    }
                    let q = p.step(kind, false, protected).unwrap();
                    for k2 in [Read, Write] {
                        if Sifa::of_kind(k2) <= Sifa::of_kind(kind) {
                            assert_eq!(q.step(k2, false, protected), Some(q));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn can_replace_table() {
        use Permission::*;
        let yes = [
            (Cell, Cell),
            (Cell, Frozen),
            (ReservedIM, Unique),
            (ReservedIM, RES),
            (RES, RESC),
            (RESC, Frozen),
            (Unique, Unique),
            (Unique, Frozen),
            (Unique, Disabled),
            (Frozen, Frozen),
            (Frozen, Disabled),
            (Disabled, Disabled),
        ];
        let no = [
            (Frozen, RES),
            (Frozen, Unique),
            (Unique, RES),
            (Unique, ReservedIM),
            (RES, Cell),
            (RES, ReservedIM),
            (Disabled, Frozen),
            (Frozen, Cell),
            (Unique, Cell),
            (ReservedIM, Cell),
        ];
        for (p, c) in yes {
            assert!(can_replace(p, c), "{p} {c}");
        }
        for (p, c) in no {
            assert!(!can_replace(p, c), "{p} {c}");
        }
    }

    /// Every present state: (permission, accessed, SIFA, the packed state).
    fn every_state() -> impl Iterator<Item = (Permission, bool, Sifa, LocState)> {
        ALL_PERMISSIONS.into_iter().flat_map(|p| {
            [false, true].into_iter().flat_map(move |accessed| {
                [Sifa::None, Sifa::Read, Sifa::Write]
                    .into_iter()
                    .map(move |sifa| (p, accessed, sifa, LocState::new(p, accessed, sifa)))
            })
        })
    }

    /// The tabulated per-location step (`after_access`) and skip test agree with spec
    /// §2.4 `apply` and §8.2 written out with the `Permission` API, for every state.
    #[test]
    fn tables_match_the_rules() {
        let mut checked = 0;
        for (p, accessed, sifa, st) in every_state() {
            for kind in [Read, Write] {
                let skip = sifa >= Sifa::of_kind(kind)
                    || p == Permission::Disabled
                    || (p == Permission::Frozen && kind == Read);
                assert_eq!(st.skips_foreign(kind), skip, "{p} {sifa:?} {kind:?}");
                for local in [false, true] {
                    for protected in [false, true] {
                        let expect = match p.step(kind, local, protected) {
                            None => Err((p, false)),
                            Some(q) => {
                                let acc = accessed || local;
                                if protected
                                    && acc
                                    && q == Permission::Disabled
                                    && p != Permission::Disabled
                                {
                                    Err((p, true))
                                } else {
                                    let s = if local {
                                        Sifa::None
                                    } else {
                                        sifa.max(Sifa::of_kind(kind))
                                    };
                                    Ok(LocState::new(q, acc, s))
                                }
                            }
                        };
                        assert_eq!(
                            st.after_access(kind, local, protected),
                            expect,
                            "{p} acc={accessed} {sifa:?} {kind:?} local={local} prot={protected}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 7 * 2 * 3 * 2 * 2 * 2);
    }

    #[test]
    fn loc_state_packing_roundtrip() {
        for (p, accessed, sifa, s) in every_state() {
            assert!(s.is_present());
            assert_eq!((s.perm(), s.accessed(), s.sifa()), (p, accessed, sifa));
            assert_eq!(s.with_sifa(Sifa::None).sifa(), Sifa::None);
        }
    }

    /// `Tree::dealloc` relies on this to skip the foreign phase of a free when no node is
    /// protected.
    #[test]
    fn foreign_unprotected_accesses_never_fail() {
        for (p, _, _, st) in every_state() {
            for kind in [Read, Write] {
                assert!(st.after_access(kind, false, false).is_ok(), "{p} {kind:?}");
            }
        }
    }

    #[test]
    fn wildcard_levels_and_names() {
        assert_eq!(
            Permission::Disabled.wildcard_level(false),
            WildcardLevel::None
        );
        assert_eq!(
            Permission::Frozen.wildcard_level(false),
            WildcardLevel::Read
        );
        assert_eq!(RESC.wildcard_level(true), WildcardLevel::Read);
        assert_eq!(RESC.wildcard_level(false), WildcardLevel::Write);
        assert_eq!(Permission::Cell.wildcard_level(true), WildcardLevel::Write);
        let names: Vec<_> = ALL_PERMISSIONS.iter().map(|p| p.short_name()).collect();
        assert_eq!(
            names,
            ["Cel ", "Res ", "ResC", "ReIM", "Unq ", "Frz ", "Dis "]
        );
        assert_eq!(RESC.to_string(), "Reserved (conflicted)");
        assert_eq!(
            Permission::ReservedIM.to_string(),
            "Reserved (interior mutable)"
        );
    }
}
