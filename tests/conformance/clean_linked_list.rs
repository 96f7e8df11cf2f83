// A singly linked list of Boxes with a raw tail pointer (the classic "unsafe queue"):
// every Box is retagged after it is created or moved, functions taking a Box get the
// weakly protected entry retag, and the raw tail pointer is always derived from the newest
// node's Box, so all interleavings are legal. Must be clean in both modes.
use bsan_test_support::*;
use std::ptr;

struct Node {
    val: i32,
    next: Option<Box<Node>>,
}

struct Queue {
    head: Option<Box<Node>>,
    tail: *mut Node,
    len: usize,
}

fn push(q: &mut Queue, val: i32) {
    fn_entry!(q);
    let mut node = Box::new(Node { val, next: None });
    retag_box!(node);
    let raw: *mut Node = &raw mut *node;
    if q.tail.is_null() {
        q.head = Some(node);
    } else {
        unsafe { (*q.tail).next = Some(node) };
    }
    q.tail = raw;
    q.len += 1;
}

fn pop(q: &mut Queue) -> Option<i32> {
    fn_entry!(q);
    q.head.take().map(|head| {
        retag_box!(head);
        let head = *head;
        q.head = head.next;
        if q.head.is_none() {
            q.tail = ptr::null_mut();
        }
        q.len -= 1;
        head.val
    })
}

fn peek_mut(q: &mut Queue) -> Option<&mut i32> {
    fn_entry!(q);
    q.head.as_mut().map(|n| reborrow_mut!(n.val))
}

fn sum_boxed(b: Box<[i32]>) -> i32 {
    fn_entry_box!(b);
    b.iter().sum()
}

fn main() {
    let mut q = Queue {
        head: None,
        tail: ptr::null_mut(),
        len: 0,
    };
    for i in 0..10 {
        push(reborrow_mut!(q), i);
    }
    if let Some(v) = peek_mut(reborrow_mut!(q)) {
        let v = retag_ret!(v);
        *v += 100;
    }
    let mut popped = Vec::new();
    while let Some(v) = pop(reborrow_mut!(q)) {
        popped.push(v);
        if v % 4 == 1 {
            push(reborrow_mut!(q), v * 10);
        }
    }
    let boxed: Box<[i32]> = popped.clone().into_boxed_slice();
    retag_box!(boxed);
    let s = sum_boxed(boxed);
    println!("{popped:?} {s} {}", q.len);
}
