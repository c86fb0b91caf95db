//! Reads the engine module's answers on the page: one parser into a [`Json`] tree, and
//! [`FromJson`] for each view type, written by [`from_json!`](crate::from_json) from its field
//! names.
//!
//! serde's derived `Deserialize` for the view types cost the first load about 23 KB gzip (a
//! deserializer per type, instantiated over serde_json's reader); this costs a few. The engine
//! module still writes its answers with serde (`engine_api`): the format is serde's default —
//! fields by their Rust names, a missing `Option` is `None`, unit variants as strings and data
//! variants as `{"Variant": value}`.

/// A JSON value. Objects keep their fields in order; numbers are `f64` (every number in an
/// answer is below 2⁵³: byte offsets, counts, seconds).
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Num(_) => "a number",
            Json::Str(_) => "a string",
            Json::Arr(_) => "a list",
            Json::Obj(_) => "an object",
        }
    }
}

/// Nesting deeper than this is refused instead of overflowing the stack.
const MAX_DEPTH: usize = 128;

/// Parses `text` as one JSON value.
pub fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser {
        text,
        at: 0,
        depth: 0,
    };
    let value = p.value()?;
    p.space();
    if p.at < text.len() {
        return Err(p.error("the end"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn error(&self, expected: &str) -> String {
        format!("expected {expected} at byte {}", self.at)
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    /// Consumes `word` if the text continues with it.
    fn eat(&mut self, word: &str) -> bool {
        let found = self.text[self.at..].starts_with(word);
        if found {
            self.at += word.len();
        }
        found
    }

    fn value(&mut self) -> Result<Json, String> {
        self.space();
        let value = match self.peek() {
            Some(b'"') => Json::Str(self.string()?),
            Some(b'[') | Some(b'{') => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(format!(
                        "nesting deeper than {MAX_DEPTH} at byte {}",
                        self.at
                    ));
                }
                let value = if self.peek() == Some(b'[') {
                    self.list()?
                } else {
                    self.object()?
                };
                self.depth -= 1;
                value
            }
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ if self.eat("null") => Json::Null,
            _ if self.eat("true") => Json::Bool(true),
            _ if self.eat("false") => Json::Bool(false),
            _ => return Err(self.error("a value")),
        };
        Ok(value)
    }

    /// Items separated by commas up to `close`, each read by `item`; the opener is at `self.at`.
    fn items(
        &mut self,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Result<(), String>,
    ) -> Result<(), String> {
        self.at += 1;
        self.space();
        if self.peek() == Some(close) {
            self.at += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            self.space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(c) if c == close => {
                    self.at += 1;
                    return Ok(());
                }
                _ => {
                    return Err(self.error(if close == b']' {
                        "',' or ']'"
                    } else {
                        "',' or '}'"
                    }))
                }
            }
        }
    }

    fn list(&mut self) -> Result<Json, String> {
        let mut items = Vec::new();
        self.items(b']', |p| {
            items.push(p.value()?);
            Ok(())
        })?;
        Ok(Json::Arr(items))
    }

    fn object(&mut self) -> Result<Json, String> {
        let mut fields = Vec::new();
        self.items(b'}', |p| {
            p.space();
            if p.peek() != Some(b'"') {
                return Err(p.error("a field name"));
            }
            let key = p.string()?;
            p.space();
            if !p.eat(":") {
                return Err(p.error("':'"));
            }
            fields.push((key, p.value()?));
            Ok(())
        })?;
        Ok(Json::Obj(fields))
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.at;
        while matches!(
            self.peek(),
            Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        ) {
            self.at += 1;
        }
        self.text[start..self.at]
            .parse()
            .map(Json::Num)
            .map_err(|_| format!("a malformed number at byte {start}"))
    }

    /// A string; the opening quote is at `self.at`.
    fn string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let text = self.text;
            let rest = &text.as_bytes()[self.at..];
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or_else(|| self.error("'\"'"))?;
            // The run ends at an ASCII byte, so both ends are character boundaries.
            out.push_str(&text[self.at..self.at + run]);
            self.at += run;
            match rest[run] {
                b'"' => {
                    self.at += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.at += 1;
                    out.push(self.escape()?);
                }
                _ => return Err(self.error("no control character in a string")),
            }
        }
    }

    /// The character of an escape; `self.at` is just after the backslash.
    fn escape(&mut self) -> Result<char, String> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.at += 1;
                let high = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&high) && self.eat("\\u") {
                    let low = self.hex4()?;
                    0x10000 + ((high - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF)
                } else {
                    high
                };
                return Ok(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            _ => return Err(self.error("an escape")),
        };
        self.at += 1;
        Ok(c)
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.error("four hex digits"))?;
        self.at += 4;
        Ok(digits)
    }
}

/// A type read from a [`Json`] value.
pub trait FromJson: Sized {
    fn from_json(json: Json) -> Result<Self, String>;
}

/// `expected` did not come: says what came instead.
pub fn mismatch<T>(expected: &str, found: &Json) -> Result<T, String> {
    Err(format!("expected {expected}, found {}", found.kind()))
}

impl FromJson for Json {
    fn from_json(json: Json) -> Result<Self, String> {
        Ok(json)
    }
}

impl FromJson for String {
    fn from_json(json: Json) -> Result<Self, String> {
        match json {
            Json::Str(s) => Ok(s),
            other => mismatch("a string", &other),
        }
    }
}

impl FromJson for bool {
    fn from_json(json: Json) -> Result<Self, String> {
        match json {
            Json::Bool(b) => Ok(b),
            other => mismatch("a boolean", &other),
        }
    }
}

impl FromJson for f64 {
    fn from_json(json: Json) -> Result<Self, String> {
        match json {
            Json::Num(n) => Ok(n),
            other => mismatch("a number", &other),
        }
    }
}

/// Integers: a number without a fraction that the type holds.
macro_rules! integers {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn from_json(json: Json) -> Result<Self, String> {
                let n = f64::from_json(json)?;
                if n.fract() == 0.0 && n >= <$t>::MIN as f64 && n <= <$t>::MAX as f64 {
                    Ok(n as $t)
                } else {
                    Err(format!("expected {}, found {n}", stringify!($t)))
                }
            }
        }
    )*};
}
integers!(usize, u64, i32);

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(json: Json) -> Result<Self, String> {
        match json {
            Json::Null => Ok(None),
            other => T::from_json(other).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(json: Json) -> Result<Self, String> {
        match json {
            Json::Arr(items) => items.into_iter().map(T::from_json).collect(),
            other => mismatch("a list", &other),
        }
    }
}

/// Tuples, which serde writes as lists.
macro_rules! tuples {
    ($(($($t:ident),+))*) => {$(
        impl<$($t: FromJson),+> FromJson for ($($t,)+) {
            fn from_json(json: Json) -> Result<Self, String> {
                let len = [$(stringify!($t)),+].len();
                match json {
                    Json::Arr(items) if items.len() == len => {
                        let mut items = items.into_iter();
                        Ok(($($t::from_json(items.next().unwrap_or(Json::Null))?,)+))
                    }
                    other => Err(format!("expected a list of {len}, found {}", other.kind())),
                }
            }
        }
    )*};
}
tuples!((A, B)(A, B, C, D));

/// An object's fields, taken one by one by name.
pub struct Fields(Vec<(String, Json)>);

impl Fields {
    pub fn new(json: Json) -> Result<Self, String> {
        match json {
            Json::Obj(fields) => Ok(Fields(fields)),
            other => mismatch("an object", &other),
        }
    }

    /// The field `name` as a `T` (a missing field reads as `null`: `None` for an `Option`).
    pub fn take<T: FromJson>(&mut self, name: &str) -> Result<T, String> {
        let value = match self.0.iter().position(|(k, _)| k == name) {
            Some(i) => self.0.swap_remove(i).1,
            None => Json::Null,
        };
        T::from_json(value).map_err(|e| format!("{name}: {e}"))
    }
}

/// Implements [`FromJson`] for structs from their field names: `from_json!(Row { name, cells });`.
/// Every field must be listed (it is a struct expression), and each is read from the JSON field
/// of the same name, as serde writes it.
#[macro_export]
macro_rules! from_json {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {$(
        impl $crate::services::json::FromJson for $ty {
            fn from_json(
                json: $crate::services::json::Json,
            ) -> ::std::result::Result<Self, ::std::string::String> {
                #[allow(unused_mut)]
                let mut fields = $crate::services::json::Fields::new(json)?;
                Ok($ty { $($field: fields.take(stringify!($field))?),* })
            }
        }
    )*};
}

/// Parses `text` and reads it as a `T`.
pub fn from_str<T: FromJson>(text: &str) -> Result<T, String> {
    T::from_json(parse(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[derive(Debug, PartialEq, serde::Serialize)]
    struct Row {
        name: String,
        count: usize,
        at: f64,
        code: Option<i32>,
        pairs: Vec<(String, String)>,
        missing: Option<String>,
    }
    from_json!(Row {
        name,
        count,
        at,
        code,
        pairs,
        missing
    });

    #[test]
    fn reads_what_serde_writes() {
        let row = Row {
            name: "a \"quoted\" \\ name\n\u{1F600} é \u{7}".into(),
            count: 42,
            at: 1.5,
            code: Some(-3),
            pairs: vec![("k".into(), "v".into())],
            missing: None,
        };
        let text = serde_json::to_string(&row).unwrap();
        assert_eq!(from_str::<Row>(&text), Ok(row));
    }

    #[test]
    fn reads_escapes_and_whitespace() {
        let text = r#" { "name" : "\ud83d\ude00\u00e9\/\t", "count": 0, "at": -2e3,
            "code": null, "pairs": [ ] } "#;
        let row = from_str::<Row>(text).unwrap();
        assert_eq!(row.name, "😀é/\t");
        assert_eq!((row.at, row.code, row.missing), (-2000.0, None, None));
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(
            from_str::<Row>(r#"{"name": 1}"#),
            Err("name: expected a string, found a number".to_string())
        );
        assert_eq!(
            from_str::<usize>("1.5"),
            Err("expected usize, found 1.5".to_string())
        );
        assert_eq!(
            parse(r#"{"a": [1, 2}"#),
            Err("expected ',' or ']' at byte 11".to_string())
        );
        assert_eq!(parse(r#""abc"#), Err("expected '\"' at byte 1".to_string()));
        assert_eq!(
            parse("[1] x"),
            Err("expected the end at byte 4".to_string())
        );
        assert!(parse(&"[".repeat(1000))
            .unwrap_err()
            .starts_with("nesting deeper"));
    }
}
