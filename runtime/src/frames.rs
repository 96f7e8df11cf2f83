//! Protector frames, per thread: which protected tags each active call of an instrumented
//! function created, so that they are released when it returns (model §4.1).
//!
//! `__bsan_func_entry(frame)` pushes a frame identified by the function's frame address;
//! protected retags register `(record, tag)` in the top frame; `__bsan_func_exit(frame)`
//! pops it and releases its protectors in creation order ([`bsan_tree::Tree::release_protector`],
//! whose implicit accesses may report a violation).
//!
//! # Frames left by unwinding
//!
//! A function left by a panic never calls `func_exit`. The stack grows *down* on both
//! supported targets (x86_64, aarch64), so every frame still on the call stack has a higher
//! address than the frames it called. Hence, at `func_entry(f)` any recorded frame with an
//! address `<= f` and at `func_exit(f)` any recorded frame with an address `< f` is gone:
//! it was unwound. Such frames are dropped and their protectors released *silently*
//! (violations found by the release are not reported: the release happens later than the
//! unwinding did, and a program that catches a panic must not get a report for that).
//!
//! Note: the tree API has no "drop a protector without its implicit accesses", so a silent
//! release still performs them (they can only make later foreign accesses *stricter* than
//! they should be, never report on their own). Leaving the protector in place instead would
//! be worse: a strongly protected tag forbids deallocation forever.
//!
//! Stack switching (coroutines, `sigaltstack`) breaks the ordering assumption; the worst
//! outcome is that protectors are released early, i.e. missed reports, not false ones.
//!
//! A thread that exits with frames left (it unwound out of its entry function) releases
//! them silently when its thread-local state is destroyed.

use std::cell::RefCell;

use bsan_tree::{Site, Tag, TreeError};

use crate::alloc_info::AllocInfo;
use crate::report::Violation;
use crate::stats;

/// One active call.
#[derive(Clone, Copy, Debug)]
struct Frame {
    /// The function's frame address.
    addr: usize,
    /// Index of its first protector in [`FrameStack::protectors`].
    first: usize,
    /// How many of its entries are unprotected tags that die with it (bounded by
    /// [`MAX_DYING_PER_FRAME`]).
    dying: u32,
    /// Whether one of its protectors dies unless returned (the exit then reads the
    /// returned tag).
    unless_returned: bool,
}

/// Unprotected tags that die with a frame are registered in it up to this many: a loop in
/// one call would otherwise grow its list without bound. Those beyond are left to the GC.
const MAX_DYING_PER_FRAME: u32 = 256;

/// When a protected tag dies, as the pass proved it ([`protect`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Death {
    /// Not known: the GC finds out.
    Never,
    /// At its function's exit (`NO_ESCAPE`).
    AtExit,
    /// At its function's exit, unless the function returns it (`DIES_UNLESS_RETURNED`).
    AtExitUnlessReturned,
}

/// What [`FrameStack::dies_with_frame`] did with a tag.
#[derive(Clone, Copy)]
pub enum Dying {
    /// Registered in the top frame.
    Registered,
    /// Registered in the entry of the tag its retag site made before, which is dead now
    /// and must be removed.
    Replaced(&'static AllocInfo, Tag),
    /// No frame, or the top frame holds enough: left to the GC.
    Refused,
}

/// What a frame owes one of its tags at its exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AtExit {
    /// The protector release; the tag stays.
    Release,
    /// The protector release, then the tag's removal (`NO_ESCAPE`).
    ReleaseAndRemove,
    /// The protector release, then the tag's removal unless it is the tag of the pointer
    /// the function returns (`DIES_UNLESS_RETURNED`, see [`bsan_shim::returned_tag`]).
    ReleaseAndRemoveUnlessReturned,
    /// Only the removal: an unprotected tag that dies with the frame.
    Remove,
    /// The same, for a tag that dies earlier if its retag site (the hook's call site)
    /// makes another tag in this frame (`DIES_ON_REPEAT`): the newer one takes its entry.
    RemoveOnRepeat(Site),
}

/// The frames of one thread, innermost last.
#[derive(Default)]
pub struct FrameStack {
    frames: Vec<Frame>,
    /// Protectors (and tags that die with their frame) of all frames, in creation order.
    protectors: Vec<(&'static AllocInfo, Tag, AtExit)>,
}

impl FrameStack {
    pub const fn new() -> FrameStack {
        FrameStack {
            frames: Vec::new(),
            protectors: Vec::new(),
        }
    }

    /// Number of active frames.
    pub fn depth(&self) -> usize {
        self.frames.len()
    }

    /// Drops the frames left by unwinding: those at addresses `<= frame` (`inclusive`) or
    /// `< frame`, releasing their protectors silently.
    fn drop_unwound(&mut self, frame: usize, inclusive: bool) {
        while let Some(top) = self.frames.last() {
            let stale = if inclusive {
                top.addr <= frame
            } else {
                top.addr < frame
            };
            if !stale {
                break;
            }
            stats::UNWOUND_FRAMES.bump();
            let _ = self.pop_and_release(0);
        }
    }

    /// Pops the top frame and releases its protectors in creation order; the first
    /// violation is returned (the rest are released anyway). The tags that die with the
    /// frame are removed after all releases, newest first: a tag made from another of the
    /// frame's is its child, and a parent is removed only once it is a leaf or has one
    /// child left (the pointer its function returned, made by a callee, spliced into its
    /// place).
    fn pop_and_release(&mut self, site: Site) -> Result<(), Violation> {
        let Some(top) = self.frames.pop() else {
            return Ok(());
        };
        let mut result = Ok(());
        let entries = &self.protectors[top.first..];
        // The function stored the provenance of the pointer it returns just before its exit
        // hook: the one tag of those that die unless returned that lives on. (A frame left
        // by unwinding returned nothing; a stale slot can only keep a tag for the GC.)
        let returned = top.unless_returned.then(bsan_shim::returned_tag);
        let dies = |tag: Tag, at_exit: AtExit| match at_exit {
            AtExit::Release => false,
            AtExit::ReleaseAndRemove | AtExit::Remove | AtExit::RemoveOnRepeat(_) => true,
            AtExit::ReleaseAndRemoveUnlessReturned => returned != Some(tag),
        };
        // Without unprotected dying tags (the usual frame) a dying protected tag goes under
        // the lock its release takes anyway.
        let remove_later = top.dying > 0;
        for &(rec, tag, at_exit) in entries {
            let r = match at_exit {
                AtExit::Remove | AtExit::RemoveOnRepeat(_) => Ok(()),
                _ => release_protector(rec, tag, !remove_later && dies(tag, at_exit), site),
            };
            if result.is_ok() {
                result = r;
            }
        }
        if remove_later {
            for &(rec, tag, at_exit) in entries.iter().rev() {
                if dies(tag, at_exit) {
                    remove_dead(rec, tag);
                }
            }
        }
        self.protectors.truncate(top.first);
        result
    }

    /// `__bsan_func_entry`.
    pub fn func_entry(&mut self, frame: usize) {
        self.drop_unwound(frame, true);
        self.frames.push(Frame {
            addr: frame,
            first: self.protectors.len(),
            dying: 0,
            unless_returned: false,
        });
    }

    /// `__bsan_func_exit`: pops the frame at `frame` (after dropping unwound ones above it)
    /// and releases its protectors. A frame that was never pushed is ignored.
    pub fn func_exit(&mut self, frame: usize, site: Site) -> Result<(), Violation> {
        self.drop_unwound(frame, false);
        match self.frames.last() {
            Some(top) if top.addr == frame => self.pop_and_release(site),
            _ => Ok(()),
        }
    }

    /// Registers a protector in the top frame; false if no frame is active. `dies`: when no
    /// pointer holds `tag` any more.
    pub fn protect(&mut self, rec: &'static AllocInfo, tag: Tag, dies: Death) -> bool {
        if self.frames.is_empty() {
            return false;
        }
        let at_exit = match dies {
            Death::Never => AtExit::Release,
            Death::AtExit => AtExit::ReleaseAndRemove,
            Death::AtExitUnlessReturned => {
                if let Some(top) = self.frames.last_mut() {
                    top.unless_returned = true;
                }
                AtExit::ReleaseAndRemoveUnlessReturned
            }
        };
        self.protectors.push((rec, tag, at_exit));
        stats::PROTECTORS.bump();
        true
    }

    /// Registers an unprotected tag that no pointer holds once the function that made it
    /// returned, to be removed at the top frame's exit: the function's own frame, or its
    /// nearest caller's with one (which returns later). False if there is no frame or it
    /// has enough of them. A frame left stale by unwinding through uninstrumented code
    /// (dropped at the next entry or exit that finds it, see `drop_unwound`) may take such
    /// a tag early: its pointer's later accesses are then unchecked, never reported.
    ///
    /// With `repeat` (the retag's site, `DIES_ON_REPEAT`), the tag the same site made
    /// earlier in the top frame, if it is still registered, is dead now: it is returned for
    /// removal and the new tag takes its entry, so a loop holds one entry per site.
    pub fn dies_with_frame(
        &mut self,
        rec: &'static AllocInfo,
        tag: Tag,
        repeat: Option<Site>,
    ) -> Dying {
        let Some(top) = self.frames.last_mut() else {
            return Dying::Refused;
        };
        if let Some(site) = repeat {
            let at_exit = AtExit::RemoveOnRepeat(site);
            let entries = &mut self.protectors[top.first..];
            if let Some(e) = entries.iter_mut().rev().find(|e| e.2 == at_exit) {
                let old = (e.0, e.1);
                *e = (rec, tag, at_exit);
                return Dying::Replaced(old.0, old.1);
            }
        }
        if top.dying >= MAX_DYING_PER_FRAME {
            return Dying::Refused;
        }
        top.dying += 1;
        let at_exit = repeat.map_or(AtExit::Remove, AtExit::RemoveOnRepeat);
        self.protectors.push((rec, tag, at_exit));
        Dying::Registered
    }
}

impl Drop for FrameStack {
    fn drop(&mut self) {
        while !self.frames.is_empty() {
            let _ = self.pop_and_release(0);
        }
    }
}

/// Function exit for `(rec, tag)`: the tree's protector release, if the allocation is still
/// live and still knows the tag; then, if the tag `dies` with its protector (the pass proved
/// no pointer can hold it afterwards), its removal from the tree, which the GC would
/// otherwise find it for ([`bsan_tree::Tree::forget_dead`]). A frame released
/// silently after unwinding removes it too: its function is gone all the same.
pub fn release_protector(
    rec: &'static AllocInfo,
    tag: Tag,
    dies: bool,
    site: Site,
) -> Result<(), Violation> {
    let mut st = rec.lock();
    if !st.live {
        return Ok(());
    }
    let id = st.id;
    let Some(tree) = st.tree.as_deref_mut() else {
        return Ok(());
    };
    match tree.release_protector(tag, site) {
        Ok(()) => {
            if dies && tree.forget_dead(tag) {
                stats::TAGS_DIED.bump();
            }
            Ok(())
        }
        Err(TreeError::UnknownTag(_)) => {
            stats::UNKNOWN_TAGS.bump();
            Ok(())
        }
        Err(TreeError::Ub(ub)) => Err(Violation { ub, alloc_id: id }),
    }
}

/// Removes `tag` of `rec`, which died with its frame, if the GC could: a leaf, or a link to
/// one child ([`bsan_tree::Tree::forget_dead`]; a tag the GC already took is ignored).
fn remove_dead(rec: &'static AllocInfo, tag: Tag) {
    let mut st = rec.lock();
    if !st.live {
        return;
    }
    if st.tree.as_deref_mut().is_some_and(|t| t.forget_dead(tag)) {
        stats::TAGS_DIED.bump();
    }
}

thread_local! {
    static FRAMES: RefCell<FrameStack> = const { RefCell::new(FrameStack::new()) };
}

/// Runs `f` on this thread's frames; `None` while the thread's locals are being destroyed
/// (hooks called from other thread-local destructors then see no frames).
fn with_frames<R>(f: impl FnOnce(&mut FrameStack) -> R) -> Option<R> {
    FRAMES
        .try_with(|frames| frames.try_borrow_mut().ok().map(|mut fs| f(&mut fs)))
        .ok()
        .flatten()
}

/// `__bsan_func_entry(frame)` on the current thread.
pub fn func_entry(frame: usize) {
    with_frames(|fs| fs.func_entry(frame));
}

/// `__bsan_func_exit(frame)` on the current thread.
pub fn func_exit(frame: usize, site: Site) -> Result<(), Violation> {
    with_frames(|fs| fs.func_exit(frame, site)).unwrap_or(Ok(()))
}

/// Registers a protector for `(rec, tag)` in the current thread's top frame; false if the
/// thread has no active frame (the retag is then made unprotected).
pub fn protect(rec: &'static AllocInfo, tag: Tag, dies: Death) -> bool {
    with_frames(|fs| fs.protect(rec, tag, dies)).unwrap_or(false)
}

/// Registers an unprotected `(rec, tag)` that dies with the current thread's top frame
/// (see [`FrameStack::dies_with_frame`]), or, with `repeat`, when its site makes another;
/// removes the one it replaces. False if it could not be registered.
pub fn dies_with_frame(rec: &'static AllocInfo, tag: Tag, repeat: Option<Site>) -> bool {
    match with_frames(|fs| fs.dies_with_frame(rec, tag, repeat)) {
        Some(Dying::Replaced(old_rec, old_tag)) => {
            remove_dead(old_rec, old_tag);
            true
        }
        Some(Dying::Registered) => true,
        Some(Dying::Refused) | None => false,
    }
}

/// Whether the current thread has an active frame.
pub fn has_frame() -> bool {
    with_frames(|fs| fs.depth() > 0).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alloc_info::AllocKind;

    /// Records without trees: releasing their protectors does nothing, which lets these
    /// tests check the frame bookkeeping alone.
    fn rec() -> &'static AllocInfo {
        AllocInfo::create(0x9000, 8, AllocKind::Stack, 0)
    }

    #[test]
    fn entry_exit_pairs_and_protectors_need_a_frame() {
        let mut fs = FrameStack::new();
        let r = rec();
        assert!(!fs.protect(r, 1, Death::Never), "no frame: unprotected");
        fs.func_entry(0x7000);
        assert!(fs.protect(r, 2, Death::Never));
        fs.func_entry(0x6000);
        assert!(fs.protect(r, 3, Death::Never));
        assert_eq!(fs.protectors.len(), 2);
        fs.func_exit(0x6000, 0).unwrap();
        assert_eq!((fs.depth(), fs.protectors.len()), (1, 1));
        fs.func_exit(0x7000, 0).unwrap();
        assert_eq!((fs.depth(), fs.protectors.len()), (0, 0));
        // Exit of a frame never entered: ignored.
        fs.func_exit(0x7000, 0).unwrap();
    }

    #[test]
    fn a_frame_holds_a_bounded_number_of_dying_tags() {
        let mut fs = FrameStack::new();
        let r = rec();
        assert!(
            matches!(fs.dies_with_frame(r, 1, None), Dying::Refused),
            "no frame: nothing to die with"
        );
        fs.func_entry(0x7000);
        for tag in 0..MAX_DYING_PER_FRAME {
            assert!(matches!(
                fs.dies_with_frame(r, 10 + tag as Tag, None),
                Dying::Registered
            ));
        }
        assert!(
            matches!(fs.dies_with_frame(r, 5, None), Dying::Refused),
            "beyond the cap: left to the GC"
        );
        // Protectors are not capped by it, and an inner frame has its own count.
        assert!(fs.protect(r, 6, Death::AtExit));
        fs.func_entry(0x6000);
        assert!(matches!(fs.dies_with_frame(r, 7, None), Dying::Registered));
        fs.func_exit(0x6000, 0).unwrap();
        fs.func_exit(0x7000, 0).unwrap();
        assert_eq!((fs.depth(), fs.protectors.len()), (0, 0));
    }

    #[test]
    fn frames_left_by_unwinding_are_dropped() {
        let mut fs = FrameStack::new();
        let r = rec();
        fs.func_entry(0x8000); // caller
        fs.func_entry(0x7000); // callee, which panics...
        fs.protect(r, 10, Death::Never);
        fs.func_entry(0x6000); // ...from deeper down
        fs.protect(r, 11, Death::Never);
        // Caught in the caller, which calls another function at the callee's depth.
        fs.func_entry(0x7000);
        assert_eq!(fs.depth(), 2, "both stale frames dropped, new one pushed");
        assert!(fs.protectors.is_empty());
        fs.func_exit(0x7000, 0).unwrap();
        // The caller returns while a deeper stale frame is left: it is dropped first.
        fs.func_entry(0x5000);
        fs.func_exit(0x8000, 0).unwrap();
        assert_eq!(fs.depth(), 0);
    }

    #[test]
    fn thread_local_frames() {
        assert!(!has_frame());
        func_entry(0x1000);
        assert!(has_frame());
        func_exit(0x1000, 0).unwrap();
        assert!(!has_frame());
    }

    #[test]
    fn a_repeating_site_keeps_one_entry_and_hands_back_the_old_tag() {
        let mut fs = FrameStack::new();
        let r = rec();
        fs.func_entry(0x7000);
        assert!(matches!(
            fs.dies_with_frame(r, 1, Some(0x40)),
            Dying::Registered
        ));
        assert!(matches!(
            fs.dies_with_frame(r, 2, Some(0x80)),
            Dying::Registered
        ));
        for tag in 3..1000 {
            let site = if tag % 2 == 1 { 0x40 } else { 0x80 };
            let old = fs.dies_with_frame(r, tag, Some(site));
            assert!(
                matches!(old, Dying::Replaced(_, t) if t == tag - 2),
                "{tag}"
            );
        }
        assert_eq!(
            fs.protectors.len(),
            2,
            "one entry per site, far below the cap"
        );
        // An inner frame does not see the outer frame's entries.
        fs.func_entry(0x6000);
        assert!(matches!(
            fs.dies_with_frame(r, 5000, Some(0x40)),
            Dying::Registered
        ));
        fs.func_exit(0x6000, 0).unwrap();
        fs.func_exit(0x7000, 0).unwrap();
        assert!(fs.protectors.is_empty());
    }
}
