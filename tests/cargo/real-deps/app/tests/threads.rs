//! An integration test: threads and formatting over the derived types.
use app::{Describe, GridPoint};
use std::sync::{Arc, Mutex};

#[test]
fn threads_share_points() {
    let shared = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                let p = GridPoint { x: t, y: t * 2 };
                shared.lock().unwrap().push(format!("{}={p:?}", GridPoint::describe()));
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let mut v = shared.lock().unwrap().clone();
    v.sort();
    assert_eq!(v.len(), 4);
    assert_eq!(v[0], "grid_point=GridPoint { x: 0, y: 0 }");
}
