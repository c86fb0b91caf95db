//! What a container does, without running it: DESIGN.md's fidelity rules. An explicit override
//! wins; otherwise a small recognised subset of shell, Python and `argosay` is interpreted (echo,
//! printf, print of literals, `>`/`tee` into files, `cat`, `sleep`, `exit`, `sys.exit`); anything
//! else exits 0 after a default duration with empty stdout.

use std::collections::BTreeMap;

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::argo::expr::{self, Dialect};
use crate::sim::{parse_duration, Millis, Rng};

/// The default run time of a container whose behaviour is not recognised.
pub const DEFAULT_DURATION: Millis = 5_000;
/// The run time of a recognised command that does not sleep.
pub const COMMAND_DURATION: Millis = 1_000;

/// The content of a file that exists (an input artifact) but whose content is not simulated.
pub const UNKNOWN_CONTENT: &str = "\u{0}unknown\u{0}";

/// The process ID a script sees for itself (`$$`, `$BASHPID`).
const OWN_PID: &str = "1";

/// What a container did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Behaviour {
    pub exit_code: i32,
    pub duration: Millis,
    pub stdout: String,
    /// Files written, by path.
    pub files: BTreeMap<String, String>,
    /// Whether the program was understood (false: the default behaviour was used).
    pub recognised: bool,
    /// Killed by the kernel for going over the container's memory limit (`OOMKilled`, exit
    /// code 137).
    pub oom_killed: bool,
    /// Why the container ended, beside its exit code (argoexec's error, e.g. a command that
    /// is not in the image).
    pub message: Option<String>,
}

/// The programs of `argoproj/argosay` (the image of Argo's own e2e tests: v2 is v1, Ubuntu
/// 14.04 with cowsay, plus `/argosay`): its shells, coreutils, grep, sed, awk, find, tar,
/// gzip, procps, perl, cowsay and argosay. A command word outside them is not in the image.
/// Any other image's contents are unknown.
const ARGOSAY_PROGRAMS: &[&str] = &[
    "[",
    "arch",
    "argosay",
    "awk",
    "base32",
    "base64",
    "basename",
    "bash",
    "cat",
    "chgrp",
    "chmod",
    "chown",
    "cksum",
    "comm",
    "cowsay",
    "cp",
    "csplit",
    "cut",
    "dash",
    "date",
    "dd",
    "df",
    "dir",
    "dircolors",
    "dirname",
    "du",
    "echo",
    "egrep",
    "env",
    "expand",
    "expr",
    "factor",
    "false",
    "fgrep",
    "find",
    "fmt",
    "fold",
    "grep",
    "groups",
    "gunzip",
    "gzip",
    "head",
    "hostid",
    "hostname",
    "id",
    "install",
    "join",
    "kill",
    "link",
    "ln",
    "logname",
    "ls",
    "mawk",
    "md5sum",
    "mkdir",
    "mkfifo",
    "mknod",
    "mktemp",
    "mv",
    "nice",
    "nl",
    "nohup",
    "nproc",
    "numfmt",
    "od",
    "paste",
    "pathchk",
    "perl",
    "pr",
    "printenv",
    "printf",
    "ps",
    "ptx",
    "pwd",
    "readlink",
    "realpath",
    "rm",
    "rmdir",
    "sed",
    "seq",
    "sh",
    "sha1sum",
    "sha224sum",
    "sha256sum",
    "sha384sum",
    "sha512sum",
    "shred",
    "shuf",
    "sleep",
    "sort",
    "split",
    "stat",
    "stdbuf",
    "stty",
    "sum",
    "sync",
    "tac",
    "tail",
    "tar",
    "tee",
    "test",
    "timeout",
    "touch",
    "tr",
    "true",
    "truncate",
    "tsort",
    "tty",
    "uname",
    "unexpand",
    "uniq",
    "unlink",
    "users",
    "vdir",
    "wc",
    "who",
    "whoami",
    "xargs",
    "yes",
    "zcat",
];

/// argoexec's emissary looks the command up in `PATH` before it starts it; in an image whose
/// programs are known, a bare name that is not one fails the container with exit code 64 and
/// its error (invalid_command_test.go's TestInvalidCommand: `command: [invalid]`).
fn not_in_image(image: &str, command: &[String]) -> Option<Behaviour> {
    let name = command.first()?;
    let known_image = image.starts_with("argoproj/argosay:") || image == "argoproj/argosay";
    if !known_image || name.contains('/') || ARGOSAY_PROGRAMS.contains(&name.as_str()) {
        return None;
    }
    Some(Behaviour {
        exit_code: 64,
        duration: COMMAND_DURATION,
        recognised: true,
        message: Some(format!(
            "failed to find name in PATH: exec: \"{name}\": executable file not found in $PATH"
        )),
        ..Behaviour::default()
    })
}

/// What the container is allowed, from its `resources.limits`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    /// `limits.memory` in bytes.
    pub memory: Option<u64>,
}

/// Simulates `command` + `args` (or a script `source` run by `command`) in image `image`, with
/// `files` already present (input artifacts).
pub fn simulate(
    image: &str,
    command: &[String],
    args: &[String],
    source: Option<&str>,
    files: &BTreeMap<String, String>,
    seed: u64,
) -> Behaviour {
    simulate_limited(image, command, args, source, files, seed, Limits::default())
}

/// `simulate` in a container with `limits`: a recognised command that obviously allocates more
/// memory than `limits.memory` (`dd bs=512M` under `50Mi`) is killed by the kernel.
pub fn simulate_limited(
    image: &str,
    command: &[String],
    args: &[String],
    source: Option<&str>,
    files: &BTreeMap<String, String>,
    seed: u64,
    limits: Limits,
) -> Behaviour {
    if let Some(b) = not_in_image(image, command) {
        return Behaviour {
            files: files.clone(),
            ..b
        };
    }
    let mut m = Machine {
        files: files.clone(),
        rng: Rng::new(seed),
        limits,
        ..Machine::default()
    };
    let ok = if let Some(src) = source {
        let interp = command.first().map(String::as_str).unwrap_or("sh");
        match base(interp) {
            "python" | "python3" | "python2" => m.python(src),
            "sh" | "bash" | "ash" | "zsh" => m.shell(src),
            _ => false,
        }
    } else {
        let argv: Vec<String> = command.iter().chain(args).cloned().collect();
        if argv.is_empty() {
            if image.contains("argosay") {
                m.argosay(&[])
            } else {
                false
            }
        } else if command.is_empty() && image.contains("argosay") {
            m.argosay(&argv)
        } else {
            m.exec(&argv)
        }
    };
    if !ok {
        return Behaviour {
            duration: DEFAULT_DURATION,
            files: files.clone(),
            ..Behaviour::default()
        };
    }
    Behaviour {
        exit_code: m.exit.unwrap_or(m.last_status),
        duration: COMMAND_DURATION.saturating_add(m.slept),
        stdout: m.stdout,
        files: m.files,
        recognised: true,
        oom_killed: m.oom_killed,
        message: None,
    }
}

/// A `dd` size operand: a number with GNU dd's multiplicative suffixes (`c`, `w`, `b`, `K`/`KiB`,
/// `kB`, `M`/`MiB`, `MB`, `G`, ...).
fn dd_size(text: &str) -> Option<u64> {
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let n: u64 = text[..digits].parse().ok()?;
    let unit = |power: u32, base: u64| base.checked_pow(power);
    let factor = match &text[digits..] {
        "" | "c" => Some(1),
        "w" => Some(2),
        "b" => Some(512),
        "kB" => unit(1, 1000),
        "K" | "KiB" => unit(1, 1024),
        "MB" => unit(2, 1000),
        "M" | "MiB" => unit(2, 1024),
        "GB" => unit(3, 1000),
        "G" | "GiB" => unit(3, 1024),
        "TB" => unit(4, 1000),
        "T" | "TiB" => unit(4, 1024),
        _ => None,
    }?;
    n.checked_mul(factor)
}

/// A Kubernetes resource quantity in bytes (`50Mi`, `1G`, `1.5Gi`, `129e6`, `128974848`); `None`
/// when it is not one.
pub fn quantity_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let n: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "m" => 0.001,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s => {
            let e: i32 = s.strip_prefix(['e', 'E'])?.parse().ok()?;
            10f64.powi(e)
        }
    };
    let bytes = (n * factor).ceil();
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

fn base(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

struct Machine {
    rng: Rng,
    vars: HashMap<String, Json>,
    stdout: String,
    files: BTreeMap<String, String>,
    slept: Millis,
    exit: Option<i32>,
    last_status: i32,
    steps: usize,
    limits: Limits,
    oom_killed: bool,
}

impl Default for Machine {
    fn default() -> Self {
        Machine {
            rng: Rng::new(0),
            vars: HashMap::new(),
            stdout: String::new(),
            files: BTreeMap::new(),
            slept: 0,
            exit: None,
            last_status: 0,
            steps: 0,
            limits: Limits::default(),
            oom_killed: false,
        }
    }
}

const MAX_STEPS: usize = 10_000;

impl Machine {
    /// Runs one argv; false when it is not understood.
    fn exec(&mut self, argv: &[String]) -> bool {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return false;
        }
        let Some(cmd) = argv.first() else { return true };
        let rest = &argv[1..];
        match base(cmd) {
            "sh" | "bash" | "ash" | "zsh" => {
                let mut i = 0;
                while i < rest.len() && rest[i].starts_with('-') && !rest[i].contains('c') {
                    i += 1;
                }
                if rest
                    .get(i)
                    .is_some_and(|f| f.starts_with('-') && f.contains('c'))
                {
                    match rest.get(i + 1) {
                        Some(script) => self.shell(script),
                        None => false,
                    }
                } else {
                    false
                }
            }
            "python" | "python3" | "python2" if rest.first().map(String::as_str) == Some("-c") => {
                match rest.get(1) {
                    Some(src) => self.python(src),
                    None => false,
                }
            }
            "argosay" => self.argosay(rest),
            "echo" => {
                let (newline, words) = match rest.first().map(String::as_str) {
                    Some("-n") => (false, &rest[1..]),
                    Some("-e") => (true, &rest[1..]),
                    _ => (true, rest),
                };
                self.stdout.push_str(&words.join(" "));
                if newline {
                    self.stdout.push('\n');
                }
                self.last_status = 0;
                true
            }
            "printf" => {
                let Some(fmt) = rest.first() else { return true };
                self.stdout.push_str(&printf(fmt, &rest[1..]));
                self.last_status = 0;
                true
            }
            "cowsay" => {
                self.stdout.push_str(&rest.join(" "));
                self.stdout.push('\n');
                true
            }
            "cat" => {
                for f in rest {
                    match self
                        .files
                        .get(f.as_str())
                        .filter(|t| t.as_str() != UNKNOWN_CONTENT)
                    {
                        Some(text) => {
                            let text = text.clone();
                            self.stdout.push_str(&text)
                        }
                        None => return false,
                    }
                }
                self.last_status = 0;
                true
            }
            "sleep" => {
                let Some(d) = rest.first().and_then(|d| parse_duration(d)) else {
                    return false;
                };
                self.slept = self.slept.saturating_add(d);
                self.last_status = 0;
                true
            }
            "exit" => {
                let code = rest
                    .first()
                    .map_or(Some(self.last_status), |c| c.parse().ok());
                match code {
                    Some(c) => {
                        self.exit = Some(c);
                        true
                    }
                    None => false,
                }
            }
            "[" | "test" => {
                let mut args: Vec<&str> = rest.iter().map(String::as_str).collect();
                if base(cmd) == "[" {
                    if args.last() != Some(&"]") {
                        return false;
                    }
                    args.pop();
                }
                let num = |s: &str| s.trim().parse::<i64>().ok();
                let ok = match args.as_slice() {
                    [a, op, b] => match *op {
                        "=" | "==" => Some(a == b),
                        "!=" => Some(a != b),
                        "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" => {
                            let (Some(x), Some(y)) = (num(a), num(b)) else {
                                return false;
                            };
                            Some(match *op {
                                "-eq" => x == y,
                                "-ne" => x != y,
                                "-lt" => x < y,
                                "-le" => x <= y,
                                "-gt" => x > y,
                                _ => x >= y,
                            })
                        }
                        _ => None,
                    },
                    ["-z", a] => Some(a.is_empty()),
                    // A file with content: only files this container wrote or found on a
                    // volume are known.
                    ["-s", a] if self.files.get(*a).is_some_and(|c| c != UNKNOWN_CONTENT) => {
                        Some(self.files.get(*a).is_some_and(|c| !c.is_empty()))
                    }
                    ["-s", _] if !self.files.values().any(|v| v == UNKNOWN_CONTENT) => Some(false),
                    ["-n", a] => Some(!a.is_empty()),
                    // Only files this container wrote are known; others come from artifacts
                    // whose content is not simulated.
                    ["-f", a] | ["-e", a] if self.files.contains_key(*a) => Some(true),
                    // With no artifact of unknown content around, other files do not exist.
                    ["-f", _] | ["-e", _] if !self.files.values().any(|v| v == UNKNOWN_CONTENT) => {
                        Some(false)
                    }
                    [a] => Some(!a.is_empty()),
                    // POSIX: with no expression, `test` is false (metrics_test.go's
                    // TestFailedMetric runs `command: [test]` to fail its pod).
                    [] => Some(false),
                    _ => None,
                };
                let Some(ok) = ok else { return false };
                self.last_status = if ok { 0 } else { 1 };
                true
            }
            "kill" => {
                // Only a script killing itself is understood: it ends by SIGTERM (128 + 15).
                match rest.iter().find(|a| !a.starts_with('-')) {
                    Some(pid) if pid == OWN_PID => {
                        let signal = rest.iter().find_map(|a| match a.as_str() {
                            "-9" | "-KILL" | "-SIGKILL" => Some(9),
                            _ => None,
                        });
                        self.exit = Some(128 + signal.unwrap_or(15));
                        true
                    }
                    _ => false,
                }
            }
            "dd" => self.dd(rest),
            "true" | ":" => {
                self.last_status = 0;
                true
            }
            "false" => {
                self.last_status = 1;
                true
            }
            "mkdir" | "touch" | "set" | "export" | "cd" | "ls" | "date" | "env" | "pwd"
            | "whoami" | "hostname" | "chmod" => {
                if base(cmd) == "touch" {
                    for f in rest {
                        self.files.entry(f.clone()).or_default();
                    }
                }
                self.last_status = 0;
                true
            }
            _ => false,
        }
    }

    /// `dd` from a device to `/dev/null`: it allocates one buffer of `bs` (or the larger of
    /// `ibs`/`obs`) bytes; over the container's memory limit, the kernel's OOM killer ends the
    /// container (the whole cgroup: the shell and the executor with it), exit code 137.
    fn dd(&mut self, operands: &[String]) -> bool {
        let (mut bs, mut ibs, mut obs) = (None, 512, 512);
        for o in operands {
            let Some((key, value)) = o.split_once('=') else {
                return false;
            };
            match key {
                "if" if value.starts_with("/dev/") => {}
                "of" if value == "/dev/null" => {}
                "count" if value.parse::<u64>().is_ok() => {}
                "bs" | "ibs" | "obs" => {
                    let Some(size) = dd_size(value) else {
                        return false;
                    };
                    match key {
                        "bs" => bs = Some(size),
                        "ibs" => ibs = size,
                        _ => obs = size,
                    }
                }
                _ => return false,
            }
        }
        let buffer = bs.unwrap_or(ibs.max(obs));
        if self.limits.memory.is_some_and(|limit| buffer > limit) {
            self.oom_killed = true;
            self.exit = Some(137);
        } else {
            self.last_status = 0;
        }
        true
    }

    /// `argoproj/argosay:v2`: `echo [TEXT [FILE]]`, `cat FILE`, `sleep D`, `exit [N]`,
    /// `assert_contains FILE TEXT`; no arguments prints `hello argo`.
    fn argosay(&mut self, argv: &[String]) -> bool {
        let arg = |i: usize| argv.get(i).map(String::as_str);
        match arg(0) {
            None => {
                self.stdout.push_str("hello argo\n");
                true
            }
            Some("echo") => {
                let text = arg(1).unwrap_or("hello argo");
                match arg(2) {
                    Some(file) => {
                        self.files.insert(file.to_string(), text.to_string());
                    }
                    None => {
                        self.stdout.push_str(text);
                        self.stdout.push('\n');
                    }
                }
                true
            }
            Some("cat") => self.exec(argv),
            Some("sleep") => self.exec(argv),
            Some("exit") => {
                self.exit = Some(arg(1).and_then(|c| c.parse().ok()).unwrap_or(0));
                true
            }
            Some("assert_contains") | Some("assert_equals") => {
                let (Some(file), Some(want)) = (arg(1), arg(2)) else {
                    return false;
                };
                let Some(have) = self
                    .files
                    .get(file)
                    .filter(|t| t.as_str() != UNKNOWN_CONTENT)
                else {
                    return false;
                };
                let ok = if arg(0) == Some("assert_equals") {
                    have.trim_end() == want
                } else {
                    have.contains(want)
                };
                if !ok {
                    self.exit = Some(1);
                }
                true
            }
            _ => false,
        }
    }

    /// A recognised subset of POSIX shell: simple commands joined by `;`, `&&`, `||` and newlines,
    /// with `>`, `>>` and `| tee FILE`.
    fn shell(&mut self, script: &str) -> bool {
        let Some(words) = shell_words(script) else {
            return false;
        };
        self.block(&words, 0)
    }

    /// Runs a list of commands joined by separators, with `if ...; then ...; [else ...;] fi`.
    fn block(&mut self, words: &[Word], depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        let is_kw = |w: &Word, k: &str| matches!(w, Word::Text(t) if t == k);
        let mut i = 0;
        let mut skip = false;
        while i < words.len() {
            if self.exit.is_some() {
                return true;
            }
            if is_kw(&words[i], "if") {
                // Find then / else / fi at this nesting level.
                let (mut d, mut then_at, mut else_at, mut fi_at) = (0, None, None, None);
                let mut k = i + 1;
                while k < words.len() {
                    if is_kw(&words[k], "if") {
                        d += 1;
                    } else if is_kw(&words[k], "fi") {
                        if d == 0 {
                            fi_at = Some(k);
                            break;
                        }
                        d -= 1;
                    } else if d == 0 && is_kw(&words[k], "then") && then_at.is_none() {
                        then_at = Some(k);
                    } else if d == 0 && is_kw(&words[k], "else") {
                        else_at = Some(k);
                    } else if d == 0 && is_kw(&words[k], "elif") {
                        return false;
                    }
                    k += 1;
                }
                let (Some(t), Some(f)) = (then_at, fi_at) else {
                    return false;
                };
                if !skip {
                    if !self.block(&words[i + 1..t], depth + 1) {
                        return false;
                    }
                    let ok = self.last_status == 0;
                    let body = match (ok, else_at) {
                        (true, Some(e)) => &words[t + 1..e],
                        (true, None) => &words[t + 1..f],
                        (false, Some(e)) => &words[e + 1..f],
                        (false, None) => &[][..],
                    };
                    if !ok && else_at.is_none() {
                        self.last_status = 0;
                    }
                    if !self.block(body, depth + 1) {
                        return false;
                    }
                }
                i = f + 1;
                continue;
            }
            let mut cmd: Vec<String> = Vec::new();
            while i < words.len() {
                match &words[i] {
                    Word::Op(op) if matches!(op.as_str(), ";" | "&&" | "||" | "\n") => break,
                    Word::Text(t) => cmd.push(t.clone()),
                    Word::Op(op) => cmd.push(format!("\u{0}{op}")),
                }
                i += 1;
            }
            if !cmd.is_empty() && !skip && !self.run_simple(&cmd) {
                return false;
            }
            if self.exit.is_some() {
                return true;
            }
            if let Some(Word::Op(op)) = words.get(i) {
                skip = match op.as_str() {
                    "&&" => skip || self.last_status != 0,
                    "||" => !skip && self.last_status == 0,
                    _ => false,
                };
                i += 1;
            }
        }
        true
    }

    /// Expands `$NAME`, `${NAME}` and `$((arithmetic))` in a word; `None` when it uses something
    /// outside the subset (command substitution, unknown variables).
    fn expand(&self, word: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = word;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(inner) = after.strip_prefix("((") {
                let end = inner.find("))")?;
                let text = inner[..end].replace('$', "");
                let text = text.as_str();
                let mut vars = serde_json::Map::new();
                for (k, v) in &self.vars {
                    vars.insert(k.clone(), v.clone());
                }
                let v = expr::eval(text, &vars, Dialect::Expr).ok()?;
                let n = expr::as_number(&v)?;
                let n = if text.contains('/') { n.trunc() } else { n };
                out.push_str(&format!("{}", n as i64));
                rest = &inner[end + 2..];
            } else if let Some(r) = after.strip_prefix('$') {
                out.push_str(OWN_PID);
                rest = r;
            } else if let Some(r) = after.strip_prefix("BASHPID") {
                out.push_str(OWN_PID);
                rest = r;
            } else if let Some(inner) = after.strip_prefix('{') {
                let end = inner.find('}')?;
                out.push_str(self.vars.get(&inner[..end])?.as_str()?);
                rest = &inner[end + 1..];
            } else {
                let len = after
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                if len == 0 {
                    return None;
                }
                out.push_str(self.vars.get(&after[..len])?.as_str()?);
                rest = &after[len..];
            }
        }
        out.push_str(rest);
        Some(out)
    }

    /// One simple command with its redirections.
    fn run_simple(&mut self, words: &[String]) -> bool {
        // Variable assignments and constructs we do not interpret.
        if let Some(first) = words.first() {
            if words.len() == 1 {
                if let Some((name, value)) = first.split_once('=') {
                    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        let Some(v) = self.expand(value) else {
                            return false;
                        };
                        self.vars.insert(name.to_string(), Json::String(v));
                        self.last_status = 0;
                        return true;
                    }
                }
            }
            if matches!(
                first.as_str(),
                "if" | "for" | "while" | "case" | "function" | "then" | "fi" | "do" | "done"
            ) {
                return false;
            }
        }
        let mut argv = Vec::new();
        let mut redirect: Option<(String, bool)> = None;
        // `| tee [-a] FILE`, as many as the pipe has: each gets what passes through it.
        let mut tees: Vec<(String, bool)> = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let w = &words[i];
            if let Some(op) = w.strip_prefix('\u{0}') {
                let target = words.get(i + 1).cloned();
                match (op, target) {
                    (">", Some(t)) => redirect = Some((t, false)),
                    (">>", Some(t)) => redirect = Some((t, true)),
                    ("|", Some(t)) if base(&t) == "tee" => {
                        let mut j = i + 2;
                        let mut append = false;
                        while let Some(flag) = words.get(j).filter(|w| w.starts_with('-')) {
                            append |= flag.contains('a');
                            j += 1;
                        }
                        if let Some(file) = words.get(j).and_then(|w| self.expand(w)) {
                            tees.push((file, append));
                        }
                        i = j + 1;
                        continue;
                    }
                    _ => return false,
                }
                i += 2;
                continue;
            }
            if w.contains('`') {
                return false;
            }
            let Some(w) = self.expand(w) else {
                return false;
            };
            argv.push(w);
            i += 1;
        }
        let before = self.stdout.len();
        if !self.exec(&argv) {
            return false;
        }
        let produced = self.stdout[before..].to_string();
        if let Some((file, append)) = redirect {
            self.stdout.truncate(before);
            let entry = self.files.entry(file).or_default();
            if !append {
                entry.clear();
            }
            entry.push_str(&produced);
        } else {
            for (file, append) in tees {
                let entry = self.files.entry(file).or_default();
                if !append {
                    entry.clear();
                }
                entry.push_str(&produced);
            }
        }
        true
    }

    /// A recognised subset of Python: imports, assignments and `print(...)` of expressions
    /// (literals, names, `A if C else B`, comparisons, `random.randint/choice/random` from the
    /// seeded RNG, `list`, `range`, `map(lambda ...)`, `enumerate`, `open`, `json.load`,
    /// `os.listdir`), `json.dump(x, sys.stdout)`, `sys.exit(N)`, `time.sleep(N)`, comments;
    /// blocks `for ... in ...:`, `if`/`elif`/`else:` and `with open(...) as f:` whose file
    /// takes `json.dump(x, f)` and `f.write(s)`; `os.mkdir`/`os.makedirs`.
    fn python(&mut self, src: &str) -> bool {
        // Join the physical lines of a logical line (open brackets continue it).
        let mut logical: Vec<(usize, String)> = Vec::new();
        let mut depth = 0i32;
        for line in src.lines() {
            if depth > 0 {
                if let Some((_, last)) = logical.last_mut() {
                    last.push(' ');
                    last.push_str(line.trim());
                }
            } else if !line.trim().is_empty() && !line.trim().starts_with('#') {
                let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
                logical.push((indent, line.trim().to_string()));
            }
            depth += bracket_balance(line);
            if depth < 0 {
                return false;
            }
        }
        let mut pos = 0;
        let Some(block) = py_block(&logical, &mut pos, 0, 0) else {
            return false;
        };
        self.vars
            .insert("__name__".into(), Json::String("__main__".into()));
        pos == logical.len() && !matches!(self.py_run(&block), PyFlow::Unknown)
    }

    fn py_run(&mut self, block: &[PyStmt]) -> PyFlow {
        for stmt in block {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return PyFlow::Unknown;
            }
            let flow = match stmt {
                PyStmt::Simple(line) => self.py_simple(line),
                PyStmt::For {
                    targets,
                    iter,
                    body,
                } => {
                    let Some(Json::Array(items)) = self.py_eval(iter) else {
                        return PyFlow::Unknown;
                    };
                    for item in items {
                        if !self.py_bind(targets, item) {
                            return PyFlow::Unknown;
                        }
                        match self.py_run(body) {
                            PyFlow::Next => {}
                            other => return other,
                        }
                    }
                    PyFlow::Next
                }
                PyStmt::With { open, name, body } => {
                    let Some(handle) = self.py_open(open) else {
                        return PyFlow::Unknown;
                    };
                    self.vars.insert(name.clone(), handle);
                    self.py_run(body)
                }
                PyStmt::If { branches } => {
                    let mut flow = PyFlow::Next;
                    for (cond, body) in branches {
                        let taken = match cond {
                            None => true,
                            Some(c) => match self.py_eval(c) {
                                Some(v) => py_truthy(&v),
                                None => return PyFlow::Unknown,
                            },
                        };
                        if taken {
                            flow = self.py_run(body);
                            break;
                        }
                    }
                    flow
                }
            };
            if !matches!(flow, PyFlow::Next) {
                return flow;
            }
        }
        PyFlow::Next
    }

    /// Binds a `for` target (`x`, or `i, x` unpacking a pair) to an item; false when the item
    /// does not unpack into the names.
    fn py_bind(&mut self, targets: &[String], item: Json) -> bool {
        match (targets, item) {
            ([one], item) => {
                self.vars.insert(one.clone(), item);
            }
            (many, Json::Array(parts)) if many.len() == parts.len() => {
                for (t, v) in many.iter().zip(parts) {
                    self.vars.insert(t.clone(), v);
                }
            }
            _ => return false,
        }
        true
    }

    /// `[EXPR for TARGETS in ITERABLE]` or `[... if COND]` (the inside of the brackets); its
    /// names do not outlive it, as in Python 3.
    fn py_comprehension(&mut self, inside: &str) -> Option<Json> {
        let f = find_top(inside, " for ")?;
        let (value, rest) = (&inside[..f], &inside[f + 5..]);
        let i = find_top(rest, " in ")?;
        let targets: Vec<String> = rest[..i]
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .split(',')
            .map(|t| t.trim().to_string())
            .collect();
        let rest = &rest[i + 4..];
        let (iter, cond) = match find_top(rest, " if ") {
            Some(c) => (&rest[..c], Some(&rest[c + 4..])),
            None => (rest, None),
        };
        let Json::Array(items) = self.py_eval(iter)? else {
            return None;
        };
        let saved: Vec<(String, Option<Json>)> = targets
            .iter()
            .map(|t| (t.clone(), self.vars.get(t).cloned()))
            .collect();
        let mut out = Some(Vec::with_capacity(items.len()));
        for item in items {
            let kept = self.py_bind(&targets, item).then(|| match cond {
                Some(c) => self.py_eval(c).map(|v| py_truthy(&v)),
                None => Some(true),
            });
            match (kept.flatten(), out.as_mut()) {
                (Some(true), Some(list)) => match self.py_eval(value) {
                    Some(v) => list.push(v),
                    None => out = None,
                },
                (Some(false), _) => {}
                _ => out = None,
            }
            if out.is_none() {
                break;
            }
        }
        for (name, value) in saved {
            match value {
                Some(v) => self.vars.insert(name, v),
                None => self.vars.remove(&name),
            };
        }
        out.map(Json::Array)
    }

    /// `open(PATH[, MODE])`'s arguments → a file handle; writing modes create or empty the
    /// file, reading needs it to exist.
    fn py_open(&mut self, args: &str) -> Option<Json> {
        let args = split_args(args);
        let Json::String(path) = self.py_eval(args.first()?)? else {
            return None;
        };
        let path = absolute(&path);
        let mode = match args.get(1) {
            Some(m) => match self.py_eval(m)? {
                Json::String(m) => m,
                _ => return None,
            },
            None => "r".into(),
        };
        if mode.starts_with('w') {
            self.files.insert(path.clone(), String::new());
        } else if mode.starts_with('a') {
            self.files.entry(path.clone()).or_default();
        } else if !self.files.contains_key(&path) {
            return None;
        }
        Some(Json::String(format!("{PY_FILE}{path}")))
    }

    /// The path of a file handle held by variable `name`.
    fn py_file(&self, name: &str) -> Option<String> {
        match self.vars.get(name.trim())? {
            Json::String(s) => s.strip_prefix(PY_FILE).map(str::to_string),
            _ => None,
        }
    }

    fn py_simple(&mut self, line: &str) -> PyFlow {
        if line.starts_with("import ") || line.starts_with("from ") {
            return PyFlow::Next;
        }
        let call = |name: &str| {
            line.strip_prefix(name)
                .and_then(|r| r.strip_prefix('('))
                .and_then(|r| r.strip_suffix(')'))
                .map(str::trim)
        };
        if let Some(arg) = call("print") {
            let mut parts = Vec::new();
            for a in split_args(arg) {
                let Some(v) = self.py_eval(&a) else {
                    return PyFlow::Unknown;
                };
                parts.push(py_str(&v));
            }
            self.stdout.push_str(&parts.join(" "));
            self.stdout.push('\n');
        } else if let Some(arg) = call("json.dump") {
            let args = split_args(arg);
            if args.len() != 2 {
                return PyFlow::Unknown;
            }
            let Some(v) = self.py_eval(&args[0]) else {
                return PyFlow::Unknown;
            };
            if args[1].trim() == "sys.stdout" {
                self.stdout.push_str(&py_json(&v));
            } else if let Some(path) = self.py_file(&args[1]) {
                self.files.entry(path).or_default().push_str(&py_json(&v));
            } else {
                return PyFlow::Unknown;
            }
        } else if let Some(arg) = call("sys.exit").or_else(|| call("exit")) {
            let Ok(code) = (if arg.is_empty() { Ok(0) } else { arg.parse() }) else {
                return PyFlow::Unknown;
            };
            self.exit = Some(code);
            return PyFlow::Exit;
        } else if let Some(arg) = call("time.sleep") {
            let Ok(secs) = arg.parse::<f64>() else {
                return PyFlow::Unknown;
            };
            self.slept = self
                .slept
                .saturating_add((secs.max(0.0) * 1000.0) as Millis);
        } else if let Some(arg) = call("os.mkdir").or_else(|| call("os.makedirs")) {
            // Directories are implied by the files under them.
            let first = split_args(arg).into_iter().next().unwrap_or_default();
            if !matches!(self.py_eval(&first), Some(Json::String(_))) {
                return PyFlow::Unknown;
            }
        } else if let Some(arg) = call("sys.stdout.write") {
            let Some(Json::String(text)) = self.py_eval(arg) else {
                return PyFlow::Unknown;
            };
            self.stdout.push_str(&text);
        } else if let Some((handle, arg)) = line
            .split_once(".write(")
            .and_then(|(h, r)| Some((h, r.strip_suffix(')')?)))
            .filter(|(h, _)| self.py_file(h).is_some())
        {
            let Some(Json::String(text)) = self.py_eval(arg) else {
                return PyFlow::Unknown;
            };
            let path = self.py_file(handle).unwrap_or_default();
            self.files.entry(path).or_default().push_str(&text);
        } else if let Some((name, value)) = line.split_once('=') {
            let name = name.trim();
            if value.starts_with('=')
                || name.is_empty()
                || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
            {
                return PyFlow::Unknown;
            }
            let Some(v) = self.py_eval(value) else {
                return PyFlow::Unknown;
            };
            self.vars.insert(name.to_string(), v);
        } else {
            return PyFlow::Unknown;
        }
        PyFlow::Next
    }

    /// Python built-ins over lists and files, when `src` is one call to them.
    fn py_builtin(&mut self, src: &str) -> Option<Option<Json>> {
        let (name, args) = whole_call(src)?;
        let v = match name {
            "list" => match self.py_eval(args)? {
                Json::Array(items) => Json::Array(items),
                _ => return Some(None),
            },
            "range" => {
                let mut n = Vec::new();
                for a in split_args(args) {
                    n.push(expr::as_number(&self.py_eval(&a)?)? as i64);
                }
                let (from, to) = match n.as_slice() {
                    [to] => (0, *to),
                    [from, to] => (*from, *to),
                    _ => return Some(None),
                };
                if to.saturating_sub(from) > MAX_STEPS as i64 {
                    return Some(None);
                }
                Json::Array((from..to).map(Json::from).collect())
            }
            "enumerate" => {
                let args = split_args(args);
                let Json::Array(items) = self.py_eval(args.first()?)? else {
                    return Some(None);
                };
                let start = match args.get(1) {
                    Some(a) => {
                        let a = a.strip_prefix("start=").unwrap_or(a);
                        expr::as_number(&self.py_eval(a)?)? as i64
                    }
                    None => 0,
                };
                Json::Array(
                    items
                        .into_iter()
                        .zip(start..)
                        .map(|(v, i)| Json::Array(vec![Json::from(i), v]))
                        .collect(),
                )
            }
            "map" => {
                let args = split_args(args);
                let lambda = args.first()?.strip_prefix("lambda ")?;
                let (param, body) = lambda.split_once(':')?;
                let param = param.trim();
                let Json::Array(items) = self.py_eval(args.get(1)?)? else {
                    return Some(None);
                };
                let saved = self.vars.get(param).cloned();
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    self.vars.insert(param.to_string(), item);
                    out.push(self.py_eval(body));
                }
                match saved {
                    Some(v) => self.vars.insert(param.to_string(), v),
                    None => self.vars.remove(param),
                };
                Json::Array(out.into_iter().collect::<Option<_>>()?)
            }
            "open" => self.py_open(args)?,
            "json.load" => {
                let content = self.files.get(&self.py_file(args)?)?;
                serde_json::from_str(content).ok()?
            }
            "os.listdir" => {
                let Json::String(dir) = self.py_eval(args)? else {
                    return Some(None);
                };
                let prefix = format!("{}/", absolute(&dir).trim_end_matches('/'));
                let mut names: Vec<Json> = Vec::new();
                for path in self.files.keys() {
                    if let Some(rest) = path.strip_prefix(&prefix) {
                        let name = Json::String(rest.split('/').next().unwrap_or(rest).into());
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                }
                Json::Array(names)
            }
            _ => {
                let handle = name.strip_suffix(".read").filter(|_| args.is_empty())?;
                Json::String(self.files.get(&self.py_file(handle)?)?.clone())
            }
        };
        Some(Some(v))
    }

    fn py_eval(&mut self, src: &str) -> Option<Json> {
        let src = src.trim();
        if let Some(v) = self.py_builtin(src) {
            return v;
        }
        // `A if C else B`
        if let (Some(i), Some(e)) = (find_top(src, " if "), find_top(src, " else ")) {
            if i < e {
                let cond = self.py_eval(&src[i + 4..e])?;
                let pick = if py_truthy(&cond) {
                    &src[..i]
                } else {
                    &src[e + 6..]
                };
                return self.py_eval(pick);
            }
        }
        // Dict and list literals, element by element (values may be any expression).
        if src.starts_with('{') && src.ends_with('}') && find_closing(src) == Some(src.len() - 1) {
            let mut map = serde_json::Map::new();
            for entry in split_args(&src[1..src.len() - 1]) {
                let i = find_top(&entry, ":")?;
                let key = match self.py_eval(&entry[..i])? {
                    Json::String(k) => k,
                    other => other.to_string(),
                };
                map.insert(key, self.py_eval(&entry[i + 1..])?);
            }
            return Some(Json::Object(map));
        }
        let bracketed = src.starts_with('[') && find_closing(src) == Some(src.len() - 1);
        if bracketed && find_top(&src[1..src.len() - 1], " for ").is_some() {
            return self.py_comprehension(&src[1..src.len() - 1]);
        }
        if bracketed {
            let mut items = Vec::new();
            for entry in split_args(&src[1..src.len() - 1]) {
                items.push(self.py_eval(&entry)?);
            }
            return Some(Json::Array(items));
        }
        if let Some(inner) = src
            .strip_prefix("json.dumps(")
            .and_then(|r| r.strip_suffix(')'))
        {
            return Some(Json::String(py_json(&self.py_eval(inner)?)));
        }
        if let Some(lit) = python_literal(src) {
            if src.starts_with(['"', '\'', 'f']) {
                return Some(Json::String(lit));
            }
        }
        // Replace random calls with values from the seeded generator.
        let mut text = src.to_string();
        for _ in 0..16 {
            let Some(at) = ["random.randint(", "random.choice(", "random.random("]
                .iter()
                .filter_map(|f| text.find(f).map(|i| (i, *f)))
                .min()
            else {
                break;
            };
            let (i, f) = at;
            let open = i + f.len();
            let close = open + find_close(&text[open..])?;
            let args = split_args(&text[open..close]);
            let value = match f {
                "random.randint(" => {
                    let a = expr::as_number(&self.py_eval(args.first()?)?)? as i64;
                    let b = expr::as_number(&self.py_eval(args.get(1)?)?)? as i64;
                    if b < a {
                        return None;
                    }
                    (a + self.rng.below((b - a + 1) as u64) as i64).to_string()
                }
                "random.choice(" => {
                    let Json::Array(items) = self.py_eval(args.first()?)? else {
                        return None;
                    };
                    if items.is_empty() {
                        return None;
                    }
                    items[self.rng.below(items.len() as u64) as usize].to_string()
                }
                _ => format!("{}", self.rng.below(1_000_000) as f64 / 1_000_000.0),
            };
            text.replace_range(i..close + 1, &value);
        }
        let text = text
            .replace("True", "true")
            .replace("False", "false")
            .replace("None", "nil")
            .replace("str(", "string(");
        let vars: serde_json::Map<String, Json> = self
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        expr::eval(&text, &vars, Dialect::Expr)
            .ok()
            .filter(|v| !v.is_null() || text == "nil")
    }
}
/// A path as the container sees it: relative paths are under the working directory, `/` (the
/// images' default; Argo sets no `workingDir`).
fn absolute(path: &str) -> String {
    match path.trim_start_matches("./") {
        _ if path.starts_with('/') => path.to_string(),
        "." => "/".to_string(),
        rel => format!("/{rel}"),
    }
}

/// Marks a file handle among Python values: the prefix of the file's path.
const PY_FILE: &str = "\u{0}file:";

/// A statement of the Python subset, with its body when it is a block.
enum PyStmt {
    Simple(String),
    For {
        targets: Vec<String>,
        iter: String,
        body: Vec<PyStmt>,
    },
    /// `with open(ARGS) as NAME:`
    With {
        open: String,
        name: String,
        body: Vec<PyStmt>,
    },
    /// `if`, then `elif`s, then maybe `else` (no condition).
    If {
        branches: Vec<(Option<String>, Vec<PyStmt>)>,
    },
}

/// How a block ended.
enum PyFlow {
    Next,
    /// `sys.exit`.
    Exit,
    /// Something outside the subset: the container's default behaviour applies.
    Unknown,
}

/// Parses the logical lines (indent, text) from `pos` that are indented exactly `indent`, with
/// the bodies of their blocks; `None` outside the subset (other block statements, bad
/// indentation, nesting past 32).
fn py_block(
    lines: &[(usize, String)],
    pos: &mut usize,
    indent: usize,
    depth: usize,
) -> Option<Vec<PyStmt>> {
    if depth > 32 {
        return None;
    }
    let mut out = Vec::new();
    while let Some((ind, text)) = lines.get(*pos) {
        if *ind < indent {
            break;
        }
        if *ind > indent {
            return None;
        }
        *pos += 1;
        let Some(head) = text.strip_suffix(':') else {
            out.push(PyStmt::Simple(text.clone()));
            continue;
        };
        let inner = lines.get(*pos).map(|l| l.0).filter(|&i| i > indent)?;
        let body = py_block(lines, pos, inner, depth + 1)?;
        if let Some(rest) = head.strip_prefix("for ") {
            let at = find_top(rest, " in ")?;
            let targets = rest[..at]
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(|t| t.trim().to_string())
                .collect::<Vec<_>>();
            if targets
                .iter()
                .any(|t| t.is_empty() || !t.chars().all(|c| c.is_alphanumeric() || c == '_'))
            {
                return None;
            }
            out.push(PyStmt::For {
                targets,
                iter: rest[at + 4..].to_string(),
                body,
            });
        } else if let Some(rest) = head.strip_prefix("with ") {
            let (call, name) = rest.rsplit_once(" as ")?;
            let (f, args) = whole_call(call.trim())?;
            if f != "open" {
                return None;
            }
            out.push(PyStmt::With {
                open: args.to_string(),
                name: name.trim().to_string(),
                body,
            });
        } else if let Some(cond) = head.strip_prefix("if ") {
            out.push(PyStmt::If {
                branches: vec![(Some(cond.to_string()), body)],
            });
        } else {
            let Some(PyStmt::If { branches }) = out.last_mut() else {
                return None;
            };
            if branches.last().is_some_and(|(c, _)| c.is_none()) {
                return None;
            }
            match head.strip_prefix("elif ") {
                Some(cond) => branches.push((Some(cond.to_string()), body)),
                None if head.trim() == "else" => branches.push((None, body)),
                None => return None,
            }
        }
    }
    Some(out)
}

/// `NAME(ARGS)` when `src` is one call of a dotted name: (name, args).
fn whole_call(src: &str) -> Option<(&str, &str)> {
    let open = src.find('(')?;
    let name = &src[..open];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    let close = open + 1 + find_close(&src[open + 1..])?;
    (close == src.len() - 1).then(|| (name, src[open + 1..close].trim()))
}

/// Walks `s` outside quoted strings, calling `f(offset, char, depth)` with the bracket depth
/// before the character, until `f` returns a value.
fn scan<R>(s: &str, mut f: impl FnMut(usize, char, i32) -> Option<R>) -> Option<R> {
    let (mut depth, mut quote) = (0i32, None::<char>);
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
            continue;
        }
        if let Some(r) = f(i, c, depth) {
            return Some(r);
        }
        depth += bracket_delta(c);
    }
    None
}

fn bracket_delta(c: char) -> i32 {
    match c {
        '(' | '[' | '{' => 1,
        ')' | ']' | '}' => -1,
        _ => 0,
    }
}

/// The position of `pat` outside brackets and quotes.
fn find_top(s: &str, pat: &str) -> Option<usize> {
    scan(s, |i, _, depth| {
        (depth == 0 && s[i..].starts_with(pat)).then_some(i)
    })
}

/// How many brackets a line leaves open (outside quotes and comments).
fn bracket_balance(line: &str) -> i32 {
    let mut balance = 0;
    scan(line, |_, c, depth| {
        if c == '#' {
            return Some(());
        }
        balance = depth + bracket_delta(c);
        None
    });
    balance
}

/// The offset of the bracket (`}`, `]` or `)`) closing the one at offset 0.
fn find_closing(s: &str) -> Option<usize> {
    scan(s, |i, c, depth| {
        (bracket_delta(c) < 0 && depth == 1).then_some(i)
    })
}

/// The offset of the `)` closing an already opened bracket.
fn find_close(s: &str) -> Option<usize> {
    scan(s, |i, c, depth| (c == ')' && depth == 0).then_some(i))
}

/// Splits call arguments at top-level commas.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = find_top(rest, ",") {
        out.push(rest[..i].trim().to_string());
        rest = &rest[i + 1..];
    }
    if !rest.trim().is_empty() {
        out.push(rest.trim().to_string());
    }
    out
}

fn py_truthy(v: &Json) -> bool {
    match v {
        Json::Bool(b) => *b,
        Json::Null => false,
        Json::Number(n) => n.as_f64() != Some(0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(m) => !m.is_empty(),
    }
}

/// `str(v)` as Python prints it.
fn py_str(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::Null => "None".into(),
        Json::Number(n) => n.to_string(),
        Json::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Json::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("'{k}': {}", py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn py_repr(v: &Json) -> String {
    match v {
        Json::String(s) => format!("'{s}'"),
        other => py_str(other),
    }
}

/// `json.dumps(v)` with Python's default separators.
fn py_json(v: &Json) -> String {
    match v {
        Json::Array(a) => format!("[{}]", a.iter().map(py_json).collect::<Vec<_>>().join(", ")),
        Json::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", Json::String(k.clone()), py_json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn python_literal(arg: &str) -> Option<String> {
    let arg = arg.trim();
    if let Ok(n) = arg.parse::<f64>() {
        return Some(if n.fract() == 0.0 && !arg.contains('.') {
            format!("{}", n as i64)
        } else {
            arg.to_string()
        });
    }
    let (prefix_f, body) = match arg.strip_prefix('f') {
        Some(b) => (true, b),
        None => (false, arg),
    };
    let quote = body.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let inner = body.strip_prefix(quote)?.strip_suffix(quote)?;
    if inner.contains(quote) && !inner.contains('\\') {
        return None;
    }
    if prefix_f && inner.contains('{') {
        return None;
    }
    Some(
        inner
            .replace("\\n", "\n")
            .replace("\\t", "\t")
            .replace(&format!("\\{quote}"), &quote.to_string()),
    )
}

enum Word {
    Text(String),
    Op(String),
}

/// Splits a shell script into words and operators, honouring quotes; `None` for constructs
/// outside the subset (heredocs, subshells, unterminated quotes).
fn shell_words(script: &str) -> Option<Vec<Word>> {
    let mut out = Vec::new();
    let chars: Vec<char> = script.chars().collect();
    let mut i = 0;
    let mut cur = String::new();
    let mut in_word = false;
    let flush = |cur: &mut String, in_word: &mut bool, out: &mut Vec<Word>| {
        if *in_word {
            out.push(Word::Text(std::mem::take(cur)));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ' ' | '\t' => {
                flush(&mut cur, &mut in_word, &mut out);
                i += 1;
            }
            '\n' => {
                flush(&mut cur, &mut in_word, &mut out);
                out.push(Word::Op("\n".into()));
                i += 1;
            }
            '\\' if chars.get(i + 1) == Some(&'\n') => i += 2,
            '\\' => {
                cur.push(*chars.get(i + 1)?);
                in_word = true;
                i += 2;
            }
            '\'' => {
                i += 1;
                while *chars.get(i)? != '\'' {
                    cur.push(chars[i]);
                    i += 1;
                }
                i += 1;
                in_word = true;
            }
            '"' => {
                i += 1;
                loop {
                    let ch = *chars.get(i)?;
                    if ch == '"' {
                        break;
                    }
                    if ch == '\\' && matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`')) {
                        cur.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    cur.push(ch);
                    i += 1;
                }
                i += 1;
                in_word = true;
            }
            ';' => {
                flush(&mut cur, &mut in_word, &mut out);
                out.push(Word::Op(";".into()));
                i += 1;
            }
            '&' | '|' | '>' => {
                flush(&mut cur, &mut in_word, &mut out);
                let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
                let op = match two.as_str() {
                    "&&" | "||" | ">>" => two,
                    _ if c == '&' => return None,
                    _ => c.to_string(),
                };
                i += op.chars().count();
                out.push(Word::Op(op));
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                // `$((...))` or `$(...)`: kept in the word, balanced.
                let mut depth = 0;
                while i < chars.len() {
                    let ch = chars[i];
                    cur.push(ch);
                    i += 1;
                    if ch == '(' {
                        depth += 1;
                    } else if ch == ')' {
                        depth -= 1;
                        if depth == 0 && chars.get(i) != Some(&')') {
                            break;
                        }
                    }
                }
                in_word = true;
            }
            '<' | '(' | ')' => return None,
            _ => {
                cur.push(c);
                in_word = true;
                i += 1;
            }
        }
    }
    flush(&mut cur, &mut in_word, &mut out);
    Some(out)
}

/// `printf` with `%s`, `%d` and the usual escapes.
fn printf(fmt: &str, args: &[String]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            '%' => match chars.next() {
                Some('s') | Some('d') => out.push_str(args.next().map_or("", String::as_str)),
                Some('%') => out.push('%'),
                Some(other) => {
                    out.push('%');
                    out.push(other)
                }
                None => out.push('%'),
            },
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    /// A Python script run alone (no files, seed 1).
    fn python(src: &str) -> Behaviour {
        simulate(
            "python",
            &s(&["python"]),
            &[],
            Some(src),
            &BTreeMap::new(),
            1,
        )
    }

    #[test]
    fn python_print_and_exit() {
        let b = simulate(
            "python:3.9",
            &s(&["python"]),
            &s(&["-c", "print('Training resnet...')"]),
            None,
            &BTreeMap::new(),
            1,
        );
        assert_eq!(b.stdout, "Training resnet...\n");
        assert!(b.recognised);
        let b = simulate(
            "python",
            &s(&["python"]),
            &[],
            Some("import sys\nsys.exit(3)\n"),
            &BTreeMap::new(),
            1,
        );
        assert_eq!(b.exit_code, 3);
    }

    #[test]
    fn shell_files_and_sleep() {
        let b = simulate(
            "alpine",
            &s(&["sh", "-c"]),
            &s(&["echo hi | tee /tmp/a; sleep 10; echo x > /tmp/b; cat /tmp/b"]),
            None,
            &BTreeMap::new(),
            1,
        );
        assert_eq!(b.stdout, "hi\nx\n");
        assert_eq!(b.files.get("/tmp/a").map(String::as_str), Some("hi\n"));
        assert_eq!(b.duration, COMMAND_DURATION + 10_000);
        let b = simulate(
            "alpine",
            &s(&["sh", "-c"]),
            &s(&["exit 2"]),
            None,
            &BTreeMap::new(),
            1,
        );
        let b2 = simulate("alpine", &s(&["sh", "-xc"]), &s(&["N=3; if [ $(($N%2)) -eq 0 ]; then\n echo even > /tmp/e;\nelse\n echo odd > /tmp/e;\nfi; echo $((N/2))"]), None, &BTreeMap::new(), 1);
        assert_eq!(b2.files.get("/tmp/e").map(String::as_str), Some("odd\n"));
        assert_eq!(b2.stdout, "1\n");
        assert_eq!(b.exit_code, 2);
        let b = simulate(
            "alpine",
            &s(&["sh", "-c"]),
            &s(&["for i in 1 2; do echo $i; done"]),
            None,
            &BTreeMap::new(),
            1,
        );
        assert!(!b.recognised);
        assert_eq!(b.exit_code, 0);
    }

    #[test]
    fn shell_tests_files_with_content() {
        let script =
            "if [ -s /v/f ]\nthen\n  echo again\n  exit 0\nelse\n  echo x > /v/f\n  exit 1\nfi";
        let run = |files: &BTreeMap<String, String>| {
            simulate("alpine", &s(&["sh", "-c"]), &s(&[script]), None, files, 1)
        };
        let first = run(&BTreeMap::new());
        assert_eq!((first.exit_code, first.recognised), (1, true));
        let second = run(&first.files);
        assert_eq!((second.exit_code, second.stdout.as_str()), (0, "again\n"));
        let empty = BTreeMap::from([("/v/f".to_string(), String::new())]);
        assert_eq!(run(&empty).exit_code, 1);
    }

    #[test]
    fn python_random_uses_the_seed() {
        let src = "import random\nresult = \"heads\" if random.randint(0,1) == 0 else \"tails\"\nprint(result)\n";
        let run = |seed| {
            simulate(
                "python",
                &s(&["python"]),
                &[],
                Some(src),
                &BTreeMap::new(),
                seed,
            )
            .stdout
        };
        let outcomes: std::collections::BTreeSet<String> = (0..16).map(run).collect();
        assert_eq!(
            outcomes.into_iter().collect::<Vec<_>>(),
            ["heads\n", "tails\n"]
        );
        assert_eq!(run(3), run(3));
    }

    /// The map-reduce example's scripts (workflows/map-reduce.yaml): loops, `with open(...)`,
    /// `map(lambda ...)`, `range`, `enumerate`, `json.load`/`json.dump` to files, `os.listdir`.
    #[test]
    fn python_blocks_and_files() {
        let split = "import json\nimport os\nimport sys\nos.mkdir(\"/mnt/out\")\npartIds = list(map(lambda x: str(x), range(3)))\nfor i, partId in enumerate(partIds, start=1):\n  with open(\"/mnt/out/\" + partId + \".json\", \"w\") as f:\n    json.dump({\"foo\": i}, f)\njson.dump(partIds, sys.stdout)\n";
        let b = python(split);
        assert!(b.recognised);
        assert_eq!(b.stdout, r#"["0", "1", "2"]"#);
        assert_eq!(b.files["/mnt/out/2.json"], r#"{"foo": 3}"#);
        let reduce = "import json\nimport os\ntotal = 0\nfor f in list(map(lambda x: open(\"/mnt/in/\" + x), os.listdir(\"/mnt/in\"))):\n    result = json.load(f)\n    total = total + result[\"bar\"]\nif total > 10:\n    print(\"big\", total)\nelif total > 5:\n    print(\"medium\")\nelse:\n    print(\"small\")\nwith open(\"/mnt/out/total.json\" , \"w\") as f:\n    f.write(str(total))\n";
        let files: BTreeMap<String, String> = (1..=4)
            .map(|i| {
                (
                    format!("/mnt/in/{i}.json"),
                    format!("{{\"bar\": {}}}", i * 2),
                )
            })
            .collect();
        let b = simulate("python", &s(&["python"]), &[], Some(reduce), &files, 1);
        assert_eq!(b.stdout, "big 20\n");
        assert_eq!(b.files["/mnt/out/total.json"], "20");
        // Outside the subset: a function definition; a file that is not there.
        for src in [
            "def f():\n  return 1\nprint(f())\n",
            "with open(\"/nope\") as f:\n  print(f.read())\n",
        ] {
            let b = python(src);
            assert!(!b.recognised, "{src}");
        }
    }

    #[test]
    fn python_dicts_over_several_lines() {
        let src = "import json\ni = 3\nres = {\n  \"num\": i,\n  \"evenness\": \"even\" if i % 2 == 0 else \"odd\"\n}\nprint(json.dumps(res))\n";
        let b = python(src);
        assert_eq!(b.stdout, "{\"evenness\": \"odd\", \"num\": 3}\n");
    }

    /// `test` with no expression is false (exit 1), with one word true when it is not empty.
    /// `artifact-disable-archive` writes two files through a chain of `tee`s.
    #[test]
    fn shell_tee_chains() {
        let run = |script: &str| {
            simulate(
                "busybox",
                &s(&["sh", "-c", script]),
                &[],
                None,
                &BTreeMap::new(),
                1,
            )
        };
        let b = run(
            "echo hello world | tee /tmp/a.txt | tee /tmp/b.txt ; echo more | tee -a /tmp/a.txt",
        );
        assert!(b.recognised);
        assert_eq!(b.files["/tmp/a.txt"], "hello world\nmore\n");
        assert_eq!(b.files["/tmp/b.txt"], "hello world\n");
        assert_eq!(b.stdout, "hello world\nmore\n");
    }

    #[test]
    fn test_without_an_expression_fails() {
        let run = |argv: &[&str]| simulate("alpine", &s(argv), &[], None, &BTreeMap::new(), 1);
        let b = run(&["test"]);
        assert!(b.recognised);
        assert_eq!(b.exit_code, 1);
        assert_eq!(run(&["test", "x"]).exit_code, 0);
        assert_eq!(run(&["[", "]"]).exit_code, 1);
    }

    /// Argo's `loops-param-result` example generates its items with a list comprehension.
    #[test]
    fn python_list_comprehensions() {
        let b =
            python("import json\nimport sys\njson.dump([i for i in range(20, 31)], sys.stdout)\n");
        assert!(b.recognised);
        assert_eq!(b.stdout, "[20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]");
        let b = python("i = 7\npairs = [[n, v * 2] for n, v in enumerate([1, 2, 3]) if v != 2]\nprint(pairs)\nprint(i)\nprint([str(x) for x in [1, 2]])\n");
        assert!(b.recognised);
        assert_eq!(b.stdout, "[[0, 2], [2, 6]]\n7\n['1', '2']\n");
        // The comprehension's names do not outlive it.
        let b = python("xs = [x for x in range(3)]\nprint(x)\n");
        assert!(!b.recognised);
    }

    #[test]
    fn argosay() {
        let b = simulate(
            "argoproj/argosay:v2",
            &[],
            &s(&["echo", "v", "/tmp/o"]),
            None,
            &BTreeMap::new(),
            1,
        );
        assert_eq!(b.files.get("/tmp/o").map(String::as_str), Some("v"));
        let b = simulate(
            "argoproj/argosay:v2",
            &[],
            &s(&["exit", "1"]),
            None,
            &BTreeMap::new(),
            1,
        );
        assert_eq!(b.exit_code, 1);
    }
}
