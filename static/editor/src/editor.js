// Pipelab editor bundle: CodeMirror 6 behind a tiny global API
// (window.PipelabEditor) that the Rust/WASM app calls. See ../README.md.

import { EditorState, Compartment, Prec } from "@codemirror/state";
import {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  drawSelection,
  dropCursor,
} from "@codemirror/view";
import {
  defaultKeymap,
  history,
  historyKeymap,
  indentWithTab,
} from "@codemirror/commands";
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { yaml, yamlLanguage } from "@codemirror/lang-yaml";
import { classHighlighter, highlightCode } from "@lezer/highlight";
import { oneDark } from "@codemirror/theme-one-dark";

const SEVERITIES = new Set(["error", "warning", "info", "hint"]);

// Layout shared by both themes: fill the parent, scroll inside.
const layout = EditorView.theme({
  "&": { height: "100%", fontSize: "14px" },
  ".cm-scroller": {
    overflow: "auto",
    fontFamily:
      'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    lineHeight: "1.5",
  },
  "&.cm-focused": { outline: "none" },
});

const lightTheme = EditorView.theme(
  {
    "&": { backgroundColor: "#ffffff", color: "#1f2328" },
    ".cm-gutters": {
      backgroundColor: "#f6f8fa",
      color: "#8c959f",
      borderRight: "1px solid #d0d7de",
    },
    // Translucent, so a selection on the cursor's line shows through (as oneDark's does).
    ".cm-activeLine": { backgroundColor: "#1f6feb0d" },
    ".cm-activeLineGutter": { backgroundColor: "#e7ecf2", color: "#1f2328" },
  },
  { dark: false },
);

const themeFor = (dark) => (dark ? oneDark : lightTheme);

function noop() {}

// Call a host (Rust) callback without letting a throw break CodeMirror's
// update cycle.
function call(fn, ...args) {
  try {
    fn(...args);
  } catch (e) {
    console.error("PipelabEditor callback failed:", e);
  }
}

function clamp(n, len) {
  n = Number(n);
  if (!Number.isFinite(n)) return 0;
  n = Math.floor(n);
  return n < 0 ? 0 : n > len ? len : n;
}

// Clamp a host diagnostic to the document and make sure it is visible.
function normalizeDiagnostic(doc, d) {
  const len = doc.length;
  let from = clamp(d.from, len);
  let to = clamp(d.to == null ? d.from : d.to, len);
  if (to < from) [from, to] = [to, from];
  if (from === to) {
    const line = doc.lineAt(from);
    if (from < line.to) to = line.to; // extend to the end of the line
    else if (line.from < line.to) from -= 1; // at a line end: mark its last char
    // On an empty line the range stays zero-width; @codemirror/lint then
    // draws a point marker (.cm-lintPoint) there, plus the gutter marker.
  }
  const severity = SEVERITIES.has(d.severity) ? d.severity : "info";
  return { from, to, severity, message: String(d.message ?? "") };
}

function create(parent, options = {}) {
  if (!parent || typeof parent.appendChild !== "function") {
    throw new TypeError("PipelabEditor.create: parent must be an HTMLElement");
  }
  let onChange = typeof options.onChange === "function" ? options.onChange : noop;
  let onRun = typeof options.onRun === "function" ? options.onRun : noop;
  let onCursor = typeof options.onCursor === "function" ? options.onCursor : noop;
  let dark = !!options.dark;
  let destroyed = false;
  const theme = new Compartment();

  const extensions = () => [
    Prec.highest(
      keymap.of([
        {
          key: "Mod-Enter",
          preventDefault: true,
          run: () => {
            call(onRun);
            return true;
          },
        },
      ]),
    ),
    lineNumbers(),
    highlightActiveLineGutter(),
    foldGutter(),
    lintGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    EditorState.tabSize.of(2),
    indentUnit.of("  "),
    indentOnInput(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    bracketMatching(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    keymap.of([
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...foldKeymap,
      ...lintKeymap,
      indentWithTab,
    ]),
    yaml(),
    layout,
    theme.of(themeFor(dark)),
    EditorView.contentAttributes.of({ "aria-label": "Pipeline YAML" }),
    EditorView.updateListener.of((update) => {
      if (destroyed) return;
      if (update.docChanged) call(onChange, update.state.doc.toString());
      if (update.selectionSet) call(onCursor, update.state.selection.main.head);
    }),
  ];

  const newState = (doc) => EditorState.create({ doc: String(doc ?? ""), extensions: extensions() });

  const view = new EditorView({ state: newState(options.doc), parent });
  parent.dataset.editor = "codemirror";

  // Per-file editor states (undo history, selection, scroll), so switching tabs
  // and back keeps them. Keyed by the caller's file key.
  const files = new Map();
  let currentKey = null;
  const remember = () => {
    if (currentKey !== null) {
      files.set(currentKey, { state: view.state, top: view.scrollDOM.scrollTop, left: view.scrollDOM.scrollLeft });
    }
  };

  return {
    getDoc() {
      return view.state.doc.toString();
    },
    // Replaces the document with a fresh state: history, selection (to 0),
    // scroll (to top) and diagnostics are reset. Calls neither onChange nor
    // onCursor. Setting the text that is already there only clears the
    // diagnostics (so echoing the text back does not disturb the user).
    setDoc(text) {
      if (destroyed) return;
      text = String(text ?? "");
      if (text === view.state.doc.toString()) {
        view.dispatch(setDiagnostics(view.state, []));
        return;
      }
      view.setState(newState(text));
      view.scrollDOM.scrollTop = 0;
      view.scrollDOM.scrollLeft = 0;
    },
    // Shows file `key` with `text`. If this file was shown before and its text
    // is unchanged, its undo history, selection and scroll come back; otherwise
    // it starts fresh. Calls neither onChange nor onCursor.
    openFile(key, text) {
      if (destroyed) return;
      key = String(key);
      text = String(text ?? "");
      if (key === currentKey && text === view.state.doc.toString()) return;
      remember();
      currentKey = key;
      const saved = files.get(key);
      if (saved && saved.state.doc.toString() === text) {
        view.setState(saved.state);
        view.dispatch({ effects: theme.reconfigure(themeFor(dark)) });
        view.scrollDOM.scrollTop = saved.top;
        view.scrollDOM.scrollLeft = saved.left;
      } else {
        view.setState(newState(text));
        view.scrollDOM.scrollTop = 0;
        view.scrollDOM.scrollLeft = 0;
      }
    },
    // Forgets every remembered file state (a new workspace was loaded).
    forgetFiles() {
      files.clear();
      currentKey = null;
    },
    setDiagnostics(list) {
      if (destroyed) return;
      const doc = view.state.doc;
      const diags = Array.from(list || [], (d) => normalizeDiagnostic(doc, d));
      view.dispatch(setDiagnostics(view.state, diags));
    },
    select(from, to) {
      if (destroyed) return;
      const len = view.state.doc.length;
      const anchor = clamp(from, len);
      const head = to == null ? anchor : clamp(to, len);
      view.dispatch({
        selection: { anchor, head },
        // Scroll to the cursor (the head), not the whole range: a range of several lines is
        // as wide as the editor, and bringing it "nearest" scrolled the text sideways.
        effects: EditorView.scrollIntoView(head, { y: "center" }),
      });
      view.focus();
    },
    setDark(value) {
      if (destroyed) return;
      dark = !!value;
      view.dispatch({ effects: theme.reconfigure(themeFor(dark)) });
    },
    focus() {
      if (!destroyed) view.focus();
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      onChange = onRun = onCursor = noop;
      view.destroy();
      delete parent.dataset.editor;
    },
  };
}

/// Fills `element` with `text` as YAML-highlighted text nodes and `<span class="tok-…">`s (no
/// HTML is parsed, so any text is safe). Used for read-only views such as the final YAML.
function highlight(element, text) {
  const source = String(text);
  const tree = yamlLanguage.parser.parse(source);
  const out = document.createDocumentFragment();
  highlightCode(
    source,
    tree,
    classHighlighter,
    (code, classes) => {
      if (!classes) {
        out.appendChild(document.createTextNode(code));
        return;
      }
      const span = document.createElement("span");
      span.className = classes;
      span.textContent = code;
      out.appendChild(span);
    },
    () => out.appendChild(document.createTextNode("\n")),
  );
  element.replaceChildren(out);
}

window.PipelabEditor = { version: "1", create, highlight };
