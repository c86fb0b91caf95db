//! Offsets: the core speaks UTF-8 byte offsets, the browser (CodeMirror, textarea) UTF-16 units.

/// UTF-16 offset of byte offset `byte` in `text` (clamped to the text, floored to a character).
pub fn utf16_of_byte(text: &str, byte: usize) -> usize {
    let mut byte = byte.min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    if text.is_ascii() {
        return byte;
    }
    text[..byte].encode_utf16().count()
}

/// Byte offset of UTF-16 offset `unit` in `text` (clamped; a unit inside a surrogate pair maps to
/// the start of its character).
pub fn byte_of_utf16(text: &str, unit: usize) -> usize {
    if text.is_ascii() {
        return unit.min(text.len());
    }
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units + c.len_utf16() > unit {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}
