//! Artifact repositories and `data` templates: the objects a run stores at the locations its
//! artifacts name, what a `data` template's `artifactPaths` source lists there, and its
//! `transformation` expressions.
//!
//! What Argo does (v4.1): the executor saves an output artifact with a location to that key —
//! a file as one object, a directory as one tarball, or file by file under the key with
//! `archive: {none: {}}` (`PutDirectory`). A `data` template runs `argoexec data` in a pod
//! (`workflow/executor/data.go`): `artifactPaths` lists the objects under the artifact's key
//! (the S3 driver's `ListDirectory`: prefix `clean(key) + "/"`, recursive, keys in lexical
//! order, full keys), each `expression` of `transformation` is evaluated by expr-lang with the
//! single variable `data` (`workflow/data/data.go`), and the result, `json.Marshal`led, is the
//! node's `outputs.result`.
//!
//! Only objects this run stored are known: a location written before the run lists nothing.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::container::{Behaviour, COMMAND_DURATION};
use crate::argo::expr::{self, Dialect};
use crate::argo::model::spec::{Artifact, ArtifactLocation};

/// The objects stored during a run, by address (`store://bucket/key`).
pub type ArtifactStore = BTreeMap<String, Object>;

/// One stored object.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    File(String),
    /// A directory saved as one tarball: its files by path under the directory.
    Tarball(BTreeMap<String, String>),
}

fn address(loc: &ArtifactLocation, key: &str) -> String {
    format!("{}://{}/{}", loc.store, loc.bucket, key)
}

/// Stores output artifact `a`, which a pod left at its `path` among `files` (a file, or the
/// files under a directory).
pub fn save(store: &mut ArtifactStore, a: &Artifact, files: &BTreeMap<String, String>) {
    let (Some(loc), Some(path)) = (&a.location, &a.path) else {
        return;
    };
    if loc.key.is_empty() {
        return;
    }
    if let Some(content) = files.get(path) {
        store.insert(address(loc, &loc.key), Object::File(content.clone()));
        return;
    }
    let dir = format!("{}/", path.trim_end_matches('/'));
    let inside: Vec<(&String, &String)> =
        files.iter().filter(|(k, _)| k.starts_with(&dir)).collect();
    if inside.is_empty() {
        return;
    }
    if a.archive_none {
        let prefix = loc.key.trim_end_matches('/');
        for (file, content) in inside {
            let key = format!("{prefix}/{}", &file[dir.len()..]);
            store.insert(address(loc, &key), Object::File(content.clone()));
        }
    } else {
        let tarball = inside
            .into_iter()
            .map(|(file, content)| (file[dir.len()..].to_string(), content.clone()))
            .collect();
        store.insert(address(loc, &loc.key), Object::Tarball(tarball));
    }
}

/// The files an input artifact at `loc` puts at its path, by path under it (`""`: the path
/// itself): the object at its key (a tarball unpacked), else the objects under it (a
/// directory); `None` when the run stored nothing there.
pub fn load(store: &ArtifactStore, loc: &ArtifactLocation) -> Option<Vec<(String, String)>> {
    match store.get(&address(loc, &loc.key)) {
        Some(Object::File(c)) => return Some(vec![(String::new(), c.clone())]),
        Some(Object::Tarball(files)) => {
            return Some(files.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        }
        None => {}
    }
    let dir = format!("{}/", loc.key.trim_matches('/'));
    let files: Vec<(String, String)> = list(store, loc)
        .into_iter()
        .filter_map(|key| match store.get(&address(loc, &key))? {
            Object::File(c) => Some((key[dir.len()..].to_string(), c.clone())),
            Object::Tarball(_) => None,
        })
        .collect();
    (!files.is_empty()).then_some(files)
}

/// The keys stored under `loc`'s key, as the S3 driver's `ListDirectory` returns them.
fn list(store: &ArtifactStore, loc: &ArtifactLocation) -> Vec<String> {
    let key = loc.key.trim_matches('/');
    let prefix = if key.is_empty() {
        String::new()
    } else {
        format!("{key}/")
    };
    let bucket = address(loc, "");
    store
        .range(bucket.clone()..)
        .map_while(|(a, _)| a.strip_prefix(&bucket))
        .filter(|k| k.starts_with(&prefix) && !k.ends_with('/'))
        .map(str::to_string)
        .collect()
}

/// What the `data` template's pod does: the JSON of the transformed source on stdout, or the
/// executor's error and exit code 1.
pub fn run(
    artifact_paths: Option<&Artifact>,
    expressions: &[String],
    store: &ArtifactStore,
) -> Behaviour {
    let result = source(artifact_paths, store).and_then(|data| {
        expressions
            .iter()
            .enumerate()
            .try_fold(data, |data, (i, e)| {
                let mut vars = Map::new();
                vars.insert("data".into(), data);
                expr::eval(e, &vars, Dialect::Expr)
                    .map_err(|err| format!("error processing data step {i}: {err}"))
            })
            .map_err(|e| format!("unable to process data transformation: {e}"))
    });
    let (exit_code, stdout) = match result {
        Ok(v) => (0, v.to_string()),
        Err(e) => (1, format!("unable to process data template: {e}")),
    };
    Behaviour {
        exit_code,
        duration: COMMAND_DURATION,
        stdout,
        files: BTreeMap::new(),
        recognised: true,
        oom_killed: false,
        message: None,
    }
}

fn source(artifact_paths: Option<&Artifact>, store: &ArtifactStore) -> Result<Json, String> {
    let Some(a) = artifact_paths else {
        return Err(
            "unable to process data source: no valid source is used for data template".into(),
        );
    };
    let Some(loc) = &a.location else {
        return Err(format!(
            "unable to process data source: unable to source artifact paths: artifact '{}' has no bucket-and-key location (s3, gcs, oss, azure)",
            a.name
        ));
    };
    Ok(Json::Array(
        list(store, loc).into_iter().map(Json::String).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(path: &str, bucket: &str, key: &str, archive_none: bool) -> Artifact {
        Artifact {
            name: "a".into(),
            path: Some(path.into()),
            location: Some(ArtifactLocation {
                store: "s3",
                bucket: bucket.into(),
                key: key.into(),
            }),
            archive_none,
            ..Artifact::default()
        }
    }

    #[test]
    fn artifact_paths_list_what_the_run_stored_and_transformations_filter_it() {
        let mut store = ArtifactStore::new();
        let files: BTreeMap<String, String> = [
            ("/mnt/x.py", "1"),
            ("/out/a.json", "2"),
            ("/out/sub/b.json", "3"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        save(
            &mut store,
            &artifact("/mnt/x.py", "b", "foo/x.py", false),
            &files,
        );
        save(&mut store, &artifact("/out", "b", "parts/", true), &files);
        save(&mut store, &artifact("/out", "other", "tgz", false), &files);
        let all = artifact("", "b", "", false);
        let out = run(Some(&all), &[], &store);
        assert_eq!(
            out.stdout,
            r#"["foo/x.py","parts/a.json","parts/sub/b.json"]"#
        );
        let out = run(
            Some(&all),
            &[r#"filter(data, {# endsWith ".py"})"#.into()],
            &store,
        );
        assert_eq!((out.exit_code, out.stdout.as_str()), (0, r#"["foo/x.py"]"#));
        let parts = artifact("", "b", "parts", false);
        assert_eq!(
            run(Some(&parts), &[], &store).stdout,
            r#"["parts/a.json","parts/sub/b.json"]"#
        );
        // A directory key loads its files; a tarball unpacks; a file is the path itself.
        let files = |a: &Artifact| load(&store, a.location.as_ref().unwrap()).unwrap();
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            files(&parts),
            pairs(&[("a.json", "2"), ("sub/b.json", "3")])
        );
        let tgz = artifact("", "other", "tgz", false);
        assert_eq!(files(&tgz), pairs(&[("a.json", "2"), ("sub/b.json", "3")]));
        assert_eq!(
            files(&artifact("", "b", "foo/x.py", false)),
            pairs(&[("", "1")])
        );
        assert_eq!(
            run(Some(&artifact("", "other", "", false)), &[], &store).stdout,
            r#"["tgz"]"#
        );
        let broken = run(Some(&all), &["filter(".into()], &store);
        assert_eq!(broken.exit_code, 1);
        assert!(broken.stdout.starts_with("unable to process data template: unable to process data transformation: error processing data step 0:"));
    }
}
