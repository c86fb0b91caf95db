use super::offsets::ScalarMap;
use super::*;
use crate::yaml::ScalarStyle;

fn check(expr: &str, expect: &str) {
    let ctx = MapContext(vec![(
        "parameters".into(),
        Value::Object(vec![
            (
                "list".into(),
                Value::Array(vec![Value::str("a"), Value::str("b")]),
            ),
            (
                "map".into(),
                Value::Object(vec![
                    ("True".into(), Value::Number(0.0)),
                    ("False".into(), Value::Number(1.0)),
                ]),
            ),
            ("name".into(), Value::str("Dev")),
            (
                "start".into(),
                Value::DateTime(DateTime::parse_iso("2026-01-02T03:04:05Z").unwrap()),
            ),
        ]),
    )]);
    let got = match evaluate(expr, &Names::compile_time([]), &ctx) {
        Ok(v) => match v {
            Value::Array(_) | Value::Object(_) => to_json_compact(&v),
            other => format!("{:?}", other.to_display().unwrap_or_default()),
        },
        Err((msg, _)) => format!("error: {msg}"),
    };
    assert_eq!(got, expect, "{expr}");
}

fn to_json_compact(v: &Value) -> String {
    value::to_json(v).replace(['\n', ' '], "")
}

#[test]
fn azure_semantics() {
    check("eq(1, '1')", "\"True\"");
    check("eq('1.0', 1)", "\"False\"");
    check("eq(true, 'yes')", "\"True\"");
    check("ne(parameters.name, 'dev')", "\"False\"");
    check("lt(1, 'abc')", "error: Unable to convert from String to Number.. Located at position 1 within expression: lt(1, 'abc')");
    check("ge(1.0.0, 0.9.9.9)", "\"True\"");
    check("parameters.map[ge(1.0.0,0.9.9.9)]", "\"0\"");
    check(
        "format('{0}-{{x}}-{1}', parameters.name, true)",
        "\"Dev-{x}-True\"",
    );
    check("format('{0:yyyyMMdd}', parameters.start)", "\"20260102\"");
    check("format('{0:yyyyMMdd}', 'x')", "error: The format specifiers 'yyyyMMdd' are not valid for objects of type 'String'. Located at position 1 within expression: format('{0:yyyyMMdd}', 'x')");
    check("join(';', parameters.list)", "\"a;b\"");
    check("split('a/b/c', '/')[1]", "\"b\"");
    check("replace('a-b-c', '-', '_')", "\"a_b_c\"");
    check("coalesce('', null, 'x')", "\"x\"");
    check("length(parameters.list)", "\"2\"");
    check("in('B', 'a', 'b')", "\"True\"");
    check("notIn('c', 'a', 'b')", "\"True\"");
    check("containsValue(parameters.list, 'A')", "\"True\"");
    check("iif(eq(1,1), 'y', 'n')", "\"y\"");
    check("xor(true, false)", "\"True\"");
    check("upper(lower('AbC'))", "\"ABC\"");
    check("trim('  x ')", "\"x\"");
    check("substring('abc', 1, 1e300)", "error: Index and length must refer to a location within the string.. Located at position 1 within expression: substring('abc', 1, 1e300)");
    check("upper('é')", "\"É\"");
    check("'it''s'", "\"it's\"");
    check("0x10", "\"16\"");
    check("1.5e3", "\"1500\"");
    check("parameters.list.*", "[\"a\",\"b\"]");
    check("parameters['list'][5]", "\"\"");
    check(
        "convertToJson(parameters.list)",
        "\"[\\n  \\\"a\\\",\\n  \\\"b\\\"\\n]\"",
    );
    check(
        "3 + 4",
        "error: Unexpected symbol: '+'. Located at position 3 within expression: 3 + 4",
    );
    check("nothing", "error: Unrecognized named-value: 'nothing'. Located at position 1 within expression: nothing");
    check("nothing()", "error: Unrecognized function: 'nothing'. Located at position 1 within expression: nothing()");
    check("parameters.param-minus", "error: Unexpected symbol: 'param-minus'. Located at position 12 within expression: parameters.param-minus");
    check("lt(0.9.o.9,1.0.0)", "error: Unexpected symbol: '0.9.o.9'. Located at position 4 within expression: lt(0.9.o.9,1.0.0)");
    check("not(1, 2)", "error: Too many parameters supplied: 'not'. Located at position 1 within expression: not(1, 2)");
    check("counter('a', 1)", "error: Unrecognized function: 'counter'. Located at position 1 within expression: counter('a', 1)");
}

#[test]
fn offsets_map_through_quotes_and_folding() {
    // Double-quoted with an escape before the expression.
    let src = "key: \"a\\tb ${{ x }}\"\n";
    let start = src.find('"').unwrap();
    let end = src.rfind('"').unwrap() + 1;
    let cooked = "a\tb ${{ x }}";
    let map = ScalarMap::new(&src[start..end], start, ScalarStyle::DoubleQuoted, cooked);
    let x_cooked = cooked.find('x').unwrap();
    assert_eq!(map.file_offset(x_cooked), src.find("x }}").unwrap());

    // Single-quoted with a doubled quote.
    let src = "key: 'it''s ${{ y }}'\n";
    let start = src.find('\'').unwrap();
    let cooked = "it's ${{ y }}";
    let map = ScalarMap::new(
        &src[start..src.len() - 1],
        start,
        ScalarStyle::SingleQuoted,
        cooked,
    );
    assert_eq!(
        map.file_offset(cooked.find('y').unwrap()),
        src.rfind('y').unwrap()
    );

    // Folded block: the line break became a space.
    let src = "key: >\n  first\n  ${{ z }}\n";
    let start = src.find("first").unwrap();
    let cooked = "first ${{ z }}\n";
    let map = ScalarMap::new(&src[start..], start, ScalarStyle::Folded, cooked);
    assert_eq!(
        map.file_offset(cooked.find('z').unwrap()),
        src.find('z').unwrap()
    );
}

#[test]
fn offsets_map_through_literal_blocks_and_plain_multiline() {
    // Literal block: line breaks are kept, indentation is not part of the value.
    let src = "key: |\n    one\n    two ${{ w }}\n";
    let start = src.find("one").unwrap();
    let cooked = "one\ntwo ${{ w }}\n";
    let map = ScalarMap::new(&src[start..], start, ScalarStyle::Literal, cooked);
    assert_eq!(
        map.file_offset(cooked.find('w').unwrap()),
        src.find('w').unwrap()
    );

    // A plain scalar continued on the next line folds into one line.
    let src = "key: first\n  ${{ v }}\n";
    let start = src.find("first").unwrap();
    let cooked = "first ${{ v }}";
    let map = ScalarMap::new(
        &src[start..src.len() - 1],
        start,
        ScalarStyle::Plain,
        cooked,
    );
    assert_eq!(
        map.file_offset(cooked.find('v').unwrap()),
        src.find('v').unwrap()
    );
}

#[test]
fn template_strings_split_into_segments() {
    let segs = split_template("a ${{ 'x}}' }} b", "${{", "}}").unwrap();
    assert_eq!(
        segs,
        vec![
            Segment::Text("a ".into(), 0),
            Segment::Expr(" 'x}}' ".into(), 5),
            Segment::Text(" b".into(), 14),
        ]
    );
    assert_eq!(split_template("x ${{ y", "${{", "}}"), Err(2));
    // Multi-byte characters inside and around expressions.
    assert_eq!(
        split_template("é ${{ 'ü}}' }}ß", "${{", "}}").map(|s| s.len()),
        Ok(3)
    );
    assert_eq!(split_template("${{ é", "${{", "}}"), Err(0));
}
