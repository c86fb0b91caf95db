//! `http` templates as the workflow's agent runs them (Argo's `workflow/executor/agent.go`,
//! `executeHTTPTemplate` and `executeHTTPTemplateRequest`): send the request, read the whole
//! body, then judge the response — with no `successCondition` any 2xx status succeeds, else the
//! condition (expr-lang, over `request` and `response`) must be true. The body is the node's
//! `outputs.result`, whatever the phase; a request that fails (a bad method or scheme, the
//! `timeoutSeconds` deadline) fails the node with Go's error text and no outputs.
//!
//! Nothing is sent. A simulated server answers, deterministically:
//! - a host whose first label is `httpbin` (`httpbin:9100` in Argo's e2e tests, `httpbin.org`
//!   in its examples) answers as httpbin does: `/status/N` with status N and an empty body;
//!   `/get`, `/post`, `/put`, `/patch`, `/delete` (405 for another method), `/anything/…`,
//!   `/delay/N` (N seconds later, at most 10) echo the request as JSON (`args`, `headers`,
//!   `origin`, `url`, and for bodies `data`, `json`); `/headers`, `/ip`, `/user-agent`, `/json`,
//!   `/basic-auth/USER/PASSWORD` (401 without that `Authorization`); any other path is a 404;
//! - any other URL answers 200 with a small HTML page naming the URL (the page's real text is
//!   unknowable offline; naming it keeps conditions like `response.body contains "google"` for
//!   `https://google.com` true, as they are against the real site).
//!
//! Overrides (`pipelab.dev/…` annotations or the run's overrides) replace the answer: `stdout`
//! is the body, `status-code` the status, `duration` the response time; a non-zero `exit-code`
//! or an attempt under `fail-attempts` is a 500.
//!
//! **Architecture Invariant:** a pure function of the request and the override; no IO.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{json, Map, Value as Json};

use super::container::COMMAND_DURATION;
use crate::argo::expr::{self, Dialect};
use crate::argo::model::spec::Http;
use crate::sim::Millis;

/// The address the simulated httpbin sees requests come from (a pod's, in a kind cluster).
pub const ORIGIN: &str = "10.244.0.1";

/// What Go's HTTP client sends besides the template's headers.
const USER_AGENT: &str = "Go-http-client/1.1";

/// httpbin's `/delay/N` caps N at 10 seconds.
const MAX_DELAY_SECONDS: u64 = 10;

/// The simulated server's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status_code: u16,
    /// Canonical names (`Content-Type`) to values, as Go's `http.Header`.
    pub headers: BTreeMap<String, Vec<String>>,
    pub body: String,
    /// How long the answer takes.
    pub duration: Millis,
}

/// What replaces the simulated answer (from an `Override`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answer {
    pub status_code: Option<u16>,
    pub body: Option<String>,
    pub duration: Option<Millis>,
}

/// What the agent reports for the node.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The failed node's message (`None`: Succeeded).
    pub failure: Option<String>,
    /// `outputs.result`: the response body; `None` when no response was read.
    pub result: Option<String>,
    /// How long the agent took.
    pub duration: Millis,
}

/// Runs `http` as the agent does, `answer` replacing parts of the simulated response.
pub fn execute(http: &Http, answer: &Answer) -> Outcome {
    let method = if http.method.is_empty() {
        "GET"
    } else {
        http.method.as_str()
    };
    // `http.NewRequest` refuses a method that is not an HTTP token.
    if !method.bytes().all(is_token_byte) {
        return failed(format!("net/http: invalid method {method:?}"), 0);
    }
    let response = match respond(method, http, answer) {
        Ok(r) => r,
        Err(e) => return failed(format!("{} {:?}: {e}", url_error_op(method), http.url), 0),
    };
    // `context.WithTimeout`: the client gives up at the deadline.
    let timeout = http
        .timeout_seconds
        .as_deref()
        .and_then(|t| t.trim().parse::<u64>().ok())
        .map(|s| s.saturating_mul(1000));
    if let Some(limit) = timeout.filter(|l| response.duration > *l) {
        let op = url_error_op(method);
        return failed(
            format!("{op} {:?}: context deadline exceeded", http.url),
            limit,
        );
    }
    let failure = match &http.success_condition {
        None => (!(200..300).contains(&response.status_code))
            .then(|| format!("received non-2xx response code: {}", response.status_code)),
        Some(condition) => match success(condition, method, http, &response) {
            Ok(true) => None,
            Ok(false) => Some(format!("successCondition '{condition}' evaluated false")),
            // An error of the condition fails the node (processTask), without outputs.
            Err(e) => return failed(e, response.duration),
        },
    };
    Outcome {
        failure,
        result: Some(response.body),
        duration: response.duration,
    }
}

fn failed(message: String, duration: Millis) -> Outcome {
    Outcome {
        failure: Some(message),
        result: None,
        duration,
    }
}

/// `argoexpr.EvalBool` over the agent's scope.
fn success(
    condition: &str,
    method: &str,
    http: &Http,
    response: &Response,
) -> Result<bool, String> {
    let mut request_headers = Map::new();
    // `HTTPHeaders.ToHeader`: names as written, and no header whose value is `valueFrom`.
    for (name, value) in &http.headers {
        if let Some(value) = value {
            request_headers.insert(name.clone(), json!([value]));
        }
    }
    let mut vars = Map::new();
    vars.insert(
        "request".into(),
        json!({
            "method": method,
            "url": http.url,
            "body": http.body,
            "headers": request_headers,
        }),
    );
    vars.insert(
        "response".into(),
        json!({
            "statusCode": response.status_code,
            "body": response.body,
            "headers": response.headers,
        }),
    );
    match expr::eval(condition, &vars, Dialect::Expr) {
        Ok(Json::Bool(b)) => Ok(b),
        Ok(other) => Err(format!(
            "unable to cast expression result '{}' to bool",
            go_percent_s(&other)
        )),
        Err(e) => Err(format!("unable to evaluate expression '{condition}': {e}")),
    }
}

/// A value as Go's `%s` prints it: strings as they are, other types as `%!s(type=value)`.
fn go_percent_s(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => "%!s(<nil>)".into(),
        Json::Number(n) if n.is_i64() => format!("%!s(int={n})"),
        Json::Number(n) => format!("%!s(float64={n})"),
        other => other.to_string(),
    }
}

/// Go's `url.Error` operation for a method (`urlErrorOp`): the first letter as written, the
/// rest lower case — `Get`, `Post`.
fn url_error_op(method: &str) -> String {
    let mut chars = method.chars();
    match chars.next() {
        Some(first) => first.to_string() + &chars.as_str().to_ascii_lowercase(),
        None => "Get".into(),
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A URL split as the client needs it.
struct Url<'a> {
    host: &'a str,
    path: &'a str,
    query: &'a str,
}

/// The transport's checks, then the parts of `url` (Go's wording for what it refuses).
fn parse_url(url: &str) -> Result<Url<'_>, String> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let scheme_lower = scheme.to_ascii_lowercase();
    if scheme_lower != "http" && scheme_lower != "https" {
        return Err(format!("unsupported protocol scheme {scheme:?}"));
    }
    let rest = rest.split('#').next().unwrap_or_default();
    let (authority, path_query) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = authority.rsplit('@').next().unwrap_or_default();
    if host.is_empty() {
        return Err("http: no Host in request URL".into());
    }
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    Ok(Url {
        host,
        path: if path.is_empty() { "/" } else { path },
        query,
    })
}

/// The simulated server's answer to `method http.url`, or the client's error.
pub fn respond(method: &str, http: &Http, answer: &Answer) -> Result<Response, String> {
    let url = parse_url(&http.url)?;
    let mut response = if is_httpbin(url.host) {
        httpbin(method, http, &url)
    } else {
        let body = format!(
            "<!doctype html>\n<html><head><title>{}</title></head><body>{}</body></html>\n",
            url.host, http.url
        );
        page(200, "text/html; charset=utf-8", body)
    };
    if let Some(s) = answer.status_code {
        response.status_code = s;
    }
    if let Some(b) = &answer.body {
        response.body = b.clone();
        response
            .headers
            .insert("Content-Length".into(), vec![b.len().to_string()]);
    }
    if let Some(d) = answer.duration {
        response.duration = d;
    }
    Ok(response)
}

fn is_httpbin(host: &str) -> bool {
    let name = host.split(':').next().unwrap_or_default();
    name.split('.').next() == Some("httpbin")
}

fn page(status_code: u16, content_type: &str, body: String) -> Response {
    let mut headers = BTreeMap::new();
    headers.insert("Content-Length".into(), vec![body.len().to_string()]);
    headers.insert("Content-Type".into(), vec![content_type.to_string()]);
    Response {
        status_code,
        headers,
        body,
        duration: COMMAND_DURATION,
    }
}

/// httpbin (the `kennethreitz/httpbin` image Argo's e2e tests run) at `url`.
fn httpbin(method: &str, http: &Http, url: &Url) -> Response {
    let segments: Vec<&str> = url.path.trim_matches('/').split('/').collect();
    let echo = |keys: &[&str]| -> Response {
        let mut all = Map::new();
        all.insert("args".into(), query_args(url.query));
        all.insert("data".into(), json!(http.body));
        all.insert("files".into(), json!({}));
        all.insert("form".into(), json!({}));
        all.insert("headers".into(), Json::Object(echoed_headers(http, url)));
        all.insert(
            "json".into(),
            serde_json::from_str(&http.body).unwrap_or(Json::Null),
        );
        all.insert("method".into(), json!(method));
        all.insert("origin".into(), json!(ORIGIN));
        all.insert("url".into(), json!(http.url));
        all.retain(|k, _| keys.contains(&k.as_str()));
        json_page(200, &Json::Object(all))
    };
    const GET: &[&str] = &["args", "headers", "origin", "url"];
    const BODY: &[&str] = &[
        "args", "data", "files", "form", "headers", "json", "origin", "url",
    ];
    const ANYTHING: &[&str] = &[
        "args", "data", "files", "form", "headers", "json", "method", "origin", "url",
    ];
    let mut response = match segments.as_slice() {
        ["status", codes] => {
            // httpbin picks among `200,201` at random; the first keeps the run deterministic.
            let code = codes.split(',').next().unwrap_or_default().trim();
            match code.parse::<u16>() {
                Ok(c) if (100..600).contains(&c) => {
                    page(c, "text/html; charset=utf-8", String::new())
                }
                _ => page(
                    400,
                    "text/html; charset=utf-8",
                    "Invalid status code".into(),
                ),
            }
        }
        [verb @ ("get" | "post" | "put" | "patch" | "delete")] => {
            if !verb.eq_ignore_ascii_case(method) {
                method_not_allowed()
            } else if *verb == "get" {
                echo(GET)
            } else {
                echo(BODY)
            }
        }
        ["anything", ..] => echo(ANYTHING),
        ["delay", n] => match n.parse::<u64>() {
            Ok(n) => {
                let mut r = echo(BODY);
                r.duration += n.min(MAX_DELAY_SECONDS) * 1000;
                r
            }
            Err(_) => not_found(),
        },
        ["headers"] => json_page(200, &json!({"headers": echoed_headers(http, url)})),
        ["ip"] => json_page(200, &json!({"origin": ORIGIN})),
        ["user-agent"] => json_page(200, &json!({"user-agent": USER_AGENT})),
        ["json"] => json_page(200, &slideshow()),
        ["basic-auth", user, password] => {
            let expected =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            let given = http
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                .and_then(|(_, v)| v.as_deref())
                .map(str::trim);
            if given == Some(format!("Basic {expected}").as_str()) {
                json_page(200, &json!({"authenticated": true, "user": user}))
            } else {
                let mut r = page(401, "text/html; charset=utf-8", String::new());
                r.headers.insert(
                    "Www-Authenticate".into(),
                    vec!["Basic realm=\"Fake Realm\"".into()],
                );
                r
            }
        }
        _ => not_found(),
    };
    response
        .headers
        .insert("Server".into(), vec!["gunicorn/19.9.0".into()]);
    response
        .headers
        .insert("Access-Control-Allow-Origin".into(), vec!["*".into()]);
    response.headers.insert(
        "Access-Control-Allow-Credentials".into(),
        vec!["true".into()],
    );
    response
}

/// Flask's `jsonify`: sorted keys, two-space indent, a final newline.
fn json_page(status_code: u16, value: &Json) -> Response {
    let body = serde_json::to_string_pretty(value).unwrap_or_default() + "\n";
    page(status_code, "application/json", body)
}

fn method_not_allowed() -> Response {
    page(
        405,
        "text/html",
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n".into(),
    )
}

fn not_found() -> Response {
    page(
        404,
        "text/html",
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.  If you entered the URL manually please check your spelling and try again.</p>\n".into(),
    )
}

/// The query as httpbin's `args`: one value as a string, repeated ones as a list.
fn query_args(query: &str) -> Json {
    let mut args: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        args.entry(k.to_string()).or_default().push(v.to_string());
    }
    let mut out = Map::new();
    for (k, mut v) in args {
        let value = if v.len() == 1 {
            json!(v.remove(0))
        } else {
            json!(v)
        };
        out.insert(k, value);
    }
    Json::Object(out)
}

/// The request headers as the server receives them: the template's (canonical names; a
/// Secret's value is unknown, sent empty), the client's `User-Agent` and `Accept-Encoding`,
/// `Host`, and `Content-Length` for a body.
fn echoed_headers(http: &Http, url: &Url) -> Map<String, Json> {
    let mut headers = Map::new();
    headers.insert("Accept-Encoding".into(), json!("gzip"));
    headers.insert("Host".into(), json!(url.host));
    headers.insert("User-Agent".into(), json!(USER_AGENT));
    if !http.body.is_empty() {
        headers.insert("Content-Length".into(), json!(http.body.len().to_string()));
    }
    for (name, value) in &http.headers {
        let value = value.as_deref().unwrap_or_default();
        headers.insert(canonical_header(name), json!(value));
    }
    headers
}

/// Go's `textproto.CanonicalMIMEHeaderKey`: `content-type` → `Content-Type`.
fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// httpbin's `/json` document.
fn slideshow() -> Json {
    json!({
        "slideshow": {
            "author": "Yours Truly",
            "date": "date of publication",
            "slides": [
                {"title": "Wake up to WonderWidgets!", "type": "all"},
                {
                    "items": [
                        "Why <em>WonderWidgets</em> are great",
                        "Who <em>buys</em> WonderWidgets"
                    ],
                    "title": "Overview",
                    "type": "all"
                }
            ],
            "title": "Sample Slide Show"
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str, condition: Option<&str>) -> Http {
        Http {
            url: url.into(),
            success_condition: condition.map(str::to_string),
            ..Http::default()
        }
    }

    fn check(http: &Http, failure: Option<&str>) -> Outcome {
        let o = execute(http, &Answer::default());
        assert_eq!(o.failure.as_deref(), failure, "{}", http.url);
        o
    }

    /// Argo's test/e2e/agent_test.go TestStatusCondition: the condition decides, not the status.
    #[test]
    fn success_condition_decides() {
        let is_201 = "response.statusCode == 201";
        check(
            &request("http://httpbin:9100/status/200", Some(is_201)),
            Some("successCondition 'response.statusCode == 201' evaluated false"),
        );
        check(
            &request("http://httpbin:9100/status/201", Some(is_201)),
            None,
        );
        let google = "response.body contains \"google\"";
        check(
            &request("http://httpbin:9100/status/200", Some(google)),
            Some("successCondition 'response.body contains \"google\"' evaluated false"),
        );
        check(&request("https://google.com", Some(google)), None);
        // A failing status passes a condition that ignores it.
        check(
            &request(
                "http://httpbin:9100/status/500",
                Some("response.body == \"\""),
            ),
            None,
        );
    }

    /// agent.go's default: `StatusCode >= 200 && StatusCode < 300`.
    #[test]
    fn default_rule_is_2xx() {
        check(&request("http://httpbin:9100/status/204", None), None);
        let o = check(
            &request("http://httpbin:9100/status/404", None),
            Some("received non-2xx response code: 404"),
        );
        assert_eq!(o.result.as_deref(), Some(""));
        check(
            &request("https://httpbin.org/nothing-here", None),
            Some("received non-2xx response code: 404"),
        );
    }

    #[test]
    fn headers_and_json_bodies() {
        let http = Http {
            headers: vec![("x-token".into(), Some("abc".into()))],
            ..request(
                "http://httpbin:9100/get?a=1",
                Some(
                    "response.headers[\"Content-Type\"][0] == \"application/json\" && \
                     request.headers[\"x-token\"][0] == \"abc\"",
                ),
            )
        };
        let o = check(&http, None);
        let body: Json = serde_json::from_str(&o.result.unwrap_or_default()).unwrap_or_default();
        assert_eq!(body["args"]["a"], "1");
        assert_eq!(body["headers"]["X-Token"], "abc");
        assert_eq!(body["origin"], ORIGIN);
        // `/post` refuses a GET.
        check(
            &request("http://httpbin:9100/post", None),
            Some("received non-2xx response code: 405"),
        );
        let post = Http {
            method: "POST".into(),
            body: "{\"x\": 1}".into(),
            ..request("http://httpbin:9100/post", None)
        };
        let o = check(&post, None);
        assert!(o.result.unwrap_or_default().contains("\"x\": 1"));
    }

    #[test]
    fn basic_auth_checks_the_header() {
        let url = "http://httpbin:9100/basic-auth/user/passwd";
        check(
            &request(url, None),
            Some("received non-2xx response code: 401"),
        );
        let with = |value: Option<&str>| Http {
            headers: vec![("Authorization".into(), value.map(str::to_string))],
            ..request(url, None)
        };
        check(&with(Some("Basic dXNlcjpwYXNzd2Q=")), None);
        // A Secret's value is unknown to the simulation.
        check(&with(None), Some("received non-2xx response code: 401"));
    }

    #[test]
    fn client_errors_in_go_words() {
        check(
            &request("google.com", None),
            Some("Get \"google.com\": unsupported protocol scheme \"\""),
        );
        check(
            &request("http:///x", None),
            Some("Get \"http:///x\": http: no Host in request URL"),
        );
        let slow = Http {
            method: "POST".into(),
            timeout_seconds: Some("2".into()),
            ..request("http://httpbin:9100/delay/5", None)
        };
        let o = check(
            &slow,
            Some("Post \"http://httpbin:9100/delay/5\": context deadline exceeded"),
        );
        assert_eq!((o.result, o.duration), (None, 2000));
        check(
            &request("http://httpbin:9100/get", Some("response.statusCode")),
            Some("unable to cast expression result '%!s(int=200)' to bool"),
        );
    }

    #[test]
    fn overrides_replace_the_answer() {
        let answer = Answer {
            status_code: Some(503),
            body: Some("busy".into()),
            duration: None,
        };
        let o = execute(&request("https://example.com", None), &answer);
        assert_eq!(
            o.failure.as_deref(),
            Some("received non-2xx response code: 503")
        );
        assert_eq!(o.result.as_deref(), Some("busy"));
    }
}
