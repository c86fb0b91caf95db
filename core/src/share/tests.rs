use super::*;

fn payload(files: &[(&str, &str)]) -> Payload {
    Payload {
        files: files
            .iter()
            .map(|(n, t)| SharedFile {
                name: n.to_string(),
                text: t.to_string(),
            })
            .collect(),
        view: View::default(),
    }
}

/// Links made by this version must open in every later version: these strings are pinned.
#[test]
fn golden_links_decode() {
    // Made by Pipelab's encoder when the format was introduced.
    let ours = "#v1.z.eNoNycEJgDAMBdBVSs7qAFnFehD5aqDG0kRQS3fX86u0SoIRj5V0PkBM83sV9FkykihseI5EHTlu_9GLbBsKBz0VUc2RjaP2wZYi2Tlg2c-wS1RqU_sAJ_Mhfg";
    let expected = payload(&[(
        "azure-pipelines.yml",
        "trigger: none\nsteps:\n- script: echo hi\n",
    )]);
    assert_eq!(decode(ours), Ok(Link::Workspace(expected.clone())));
    // Made by another tool (Python's zlib + urlsafe_b64encode, padding kept), with a view
    // state and fields this version does not know: those are ignored.
    let foreign = "v1.z.eJxtjjsOgzAQRK9ibQ1EKdL4KiGFQUOwZHste0U-iLvHpiAN3Wg-T7PSZB0yaXVfKRiPoijaCGcDuo931CgSvKX6WRCz7kOrBD46I9CHypc9rZM-0NaoP-6kck4dTJ61wjizmhL7g12Bj7JYLF5lsZIZxS6VfS1uNAFuv514cPC5wr_MvubdrVyhJwKSEU61ZgLLjNQKs6PtB5YrVYk=";
    let Ok(Link::Workspace(p)) = decode(foreign) else {
        panic!("foreign link did not decode")
    };
    assert_eq!(p.files[0].name, "pipeline.yml");
    assert_eq!(p.files[1].name, "templates/steps.yml");
    assert_eq!(p.view.active, Some(1));
    assert_eq!(p.view.panel.as_deref(), Some("problems"));
}

#[test]
fn encoding_is_pinned() {
    let p = payload(&[(
        "azure-pipelines.yml",
        "trigger: none\nsteps:\n- script: echo hi\n",
    )]);
    assert_eq!(
        encode(&p),
        "#v1.z.eNoNycEJgDAMBdBVSs7qAFnFehD5aqDG0kRQS3fX86u0SoIRj5V0PkBM83sV9FkykihseI5EHTlu_9GLbBsKBz0VUc2RjaP2wZYi2Tlg2c-wS1RqU_sAJ_Mhfg"
    );
}

#[test]
fn round_trip_keeps_files_order_and_view() {
    let mut p = payload(&[
        (
            "azure-pipelines.yml",
            "extends:\n  template: templates/environments.yml\n",
        ),
        (
            "templates/environments.yml",
            "parameters: []\n# ünïcödé ✓\n",
        ),
        ("@templates/shared.yml", ""),
    ]);
    p.view = View {
        active: Some(2),
        panel: Some("documents".into()),
    };
    assert_eq!(decode(&encode(&p)), Ok(Link::Workspace(p)));
}

#[test]
fn example_links() {
    assert_eq!(
        decode("#example/argo-events-ml-pipeline"),
        Ok(Link::Example("argo-events-ml-pipeline".into()))
    );
    assert_eq!(example_link("x"), "#example/x");
}

#[test]
fn broken_links_are_rejected_with_reasons() {
    let good = encode(&payload(&[("a.yml", "a: 1\n".repeat(50).as_str())]));
    let cases: Vec<(String, ShareError)> = vec![
        ("".into(), ShareError::NotALink),
        ("#section-2".into(), ShareError::NotALink),
        (
            "#v2.z.abc".into(),
            ShareError::UnsupportedVersion("v2.z".into()),
        ),
        ("#v1.z.%%%".into(), ShareError::BadEncoding),
        (good[..good.len() / 2].to_string(), ShareError::Corrupt),
        ("#v1.z.".into(), ShareError::Corrupt),
        (encode_raw(b"{\"files\":[]}"), ShareError::NoFiles),
        (
            encode_raw(b"{\"files\":[{\"name\":\"../x\",\"text\":\"\"}]}"),
            ShareError::BadFileName("../x".into()),
        ),
        (
            encode_raw(
                b"{\"files\":[{\"name\":\"a\",\"text\":\"\"},{\"name\":\"a\",\"text\":\"\"}]}",
            ),
            ShareError::DuplicateFileName("a".into()),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(decode(&input), Err(expected), "input {input:?}");
    }
    assert!(matches!(
        decode(&encode_raw(b"[1,2]")),
        Err(ShareError::BadJson(_))
    ));
    assert!(matches!(
        decode(&encode_raw(b"not json")),
        Err(ShareError::BadJson(_))
    ));
}

#[test]
fn decompression_is_bounded() {
    // 2 MiB of zeros compresses to a few KB but must not be inflated past the limit.
    let bomb = vec![b' '; 2 << 20];
    assert_eq!(decode(&encode_raw(&bomb)), Err(ShareError::TooLarge));
    let long = format!("#v1.z.{}", "A".repeat(MAX_FRAGMENT + 1));
    assert_eq!(decode(&long), Err(ShareError::TooLong(MAX_FRAGMENT + 1)));
}

#[test]
fn garbage_never_panics() {
    // A small deterministic generator (xorshift) over the link alphabet and raw bytes.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let good = encode(&payload(&[("a.yml", "key: value\nlist: [1, 2, 3]\n")]));
    for _ in 0..2000 {
        let mut bytes = good.clone().into_bytes();
        for _ in 0..(next() % 4 + 1) {
            let i = (next() as usize) % bytes.len();
            bytes[i] = b"ABCxyz019-_=#.%"[(next() % 15) as usize];
        }
        let _ = decode(&String::from_utf8_lossy(&bytes));
        let raw: Vec<u8> = (0..(next() % 64)).map(|_| next() as u8).collect();
        let _ = decode(&format!("v1.z.{}", engine().encode(&raw)));
    }
}

#[test]
fn file_names() {
    for ok in [
        "azure-pipelines.yml",
        "templates/environments.yml",
        "@templates/environments.yml",
        "a b.yml",
    ] {
        assert!(is_valid_file_name(ok), "{ok}");
    }
    for bad in [
        "",
        "/abs.yml",
        "a//b",
        "../x",
        "a/./b",
        "tab\tname",
        "back\\slash",
        " lead",
    ] {
        assert!(!is_valid_file_name(bad), "{bad}");
    }
}

fn encode_raw(json: &[u8]) -> String {
    format!(
        "#v1.z.{}",
        engine().encode(miniz_oxide::deflate::compress_to_vec_zlib(json, 9))
    )
}
