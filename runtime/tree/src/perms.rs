//! API skeleton: the tree implementation replaces this module, keeping `Permission`.

/// The state of one tag at one location (spec §1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    Cell,
    Reserved { conflicted: bool },
    ReservedIM,
    Unique,
    Frozen,
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
