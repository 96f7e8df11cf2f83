//@ bsan-options: max_metadata_mb=16
//! Alignment arithmetic on `ptr as usize` (encoding_rs's ASCII validation, memchr-style
//! word loops) in a hot loop. Such a cast only exposes the pointer if the integer can come
//! back as a pointer; here it only feeds local integer variables, checked subtraction and
//! comparisons, so nothing is exposed, the reborrows of `buf` are pruned as they die, and the
//! metadata stays far below the 16 MiB limit. (Exposed tags are kept forever: exposing each
//! call's tag grew `buf`'s tree by a node per call, 1.7 GB in encoding_rs's suite.)
const ALIGN: usize = 8;
const MASK: usize = ALIGN - 1;

fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    let src = bytes.as_ptr();
    let mut until_alignment = (ALIGN - ((src as usize) & MASK)) & MASK;
    let mut offset = 0;
    while until_alignment != 0 && offset < bytes.len() {
        if bytes[offset] > 127 {
            return Some(offset);
        }
        offset += 1;
        until_alignment -= 1;
    }
    while offset + ALIGN <= bytes.len() {
        // Safety: in bounds, and aligned by the loop above.
        let word = unsafe { *(src.add(offset) as *const usize) };
        if word & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        offset += ALIGN;
    }
    bytes[offset..].iter().position(|&b| b > 127).map(|i| offset + i)
}

fn main() {
    let mut buf = [0u64; 4];
    let mut found = 0usize;
    for i in 0..100_000u32 {
        let bytes: &mut [u8] = unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast(), 32) };
        bytes[(i % 32) as usize] = (i % 251) as u8;
        let start = (i % 3) as usize;
        if first_non_ascii(&bytes[start..]).is_some() {
            found += 1;
        }
        bytes[(i % 32) as usize] = 0;
    }
    println!("{found}");
}
