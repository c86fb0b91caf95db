//! Reading the files named on the command line.

use std::path::{Path, PathBuf};

/// One input file: how to show its path to the user, its workspace name (relative to the common
/// folder of all inputs, with `/` separators) and its text.
pub struct InputFile {
    pub display: String,
    pub name: String,
    pub text: String,
}

/// Reads every path; folders are searched recursively for `*.yml` and `*.yaml`, in name order.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<InputFile>, String> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found)
                .map_err(|e| format!("cannot read folder {}: {e}", path.display()))?;
        } else {
            found.push(path.clone());
        }
    }
    let base = common_folder(&found);
    found
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let relative = path.strip_prefix(&base).unwrap_or(&path);
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            Ok(InputFile {
                display: path.display().to_string(),
                name,
                text,
            })
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// The deepest folder containing every path.
fn common_folder(paths: &[PathBuf]) -> PathBuf {
    let mut iter = paths.iter().map(|p| p.parent().unwrap_or(Path::new("")));
    let Some(first) = iter.next() else {
        return PathBuf::new();
    };
    let mut common: Vec<_> = first.components().collect();
    for parent in iter {
        let shared = common
            .iter()
            .zip(parent.components())
            .take_while(|(a, b)| **a == *b)
            .count();
        common.truncate(shared);
    }
    common.iter().collect()
}
