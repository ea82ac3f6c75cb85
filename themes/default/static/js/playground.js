/* The Rust playground, for Rust blocks marked `pre.playground` (see the
   README): a Run button, and for `code.editable` blocks, code the reader
   can change and a button that undoes the changes.

   This is the one script that talks to the network, and only when the
   reader presses Run: the block's code (hidden lines included) is sent to
   the Rust playground service and what it prints is shown under the
   block. Nothing is fetched when the page loads. Without JavaScript the
   blocks are plain code. Runs after main.js, which wraps each block and
   gives it a bar of buttons. */
(function playground() {
  "use strict";
  // main.js waits for the page in the same way and was registered first,
  // so its code blocks and button bars are there when this runs.
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", playground); return; }
  var doc = document;
  var SERVICE = "https://play.rust-lang.org/evaluate.json";
  var TIMEOUT_MS = 15000;
  function svg(paths) {
    return '<svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="16" height="16" fill="none" ' +
      'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">' + paths + "</svg>";
  }
  var ICON_RUN = svg('<path d="M7 4.5v15l12-7.5z"/>');
  var ICON_UNDO = svg('<path d="M4 9h11a5 5 0 0 1 0 10H9"/><path d="M8 5L4 9l4 4"/>');

  function button(cls, label, icon, onClick) {
    var b = doc.createElement("button");
    b.type = "button";
    b.className = "code-button " + cls;
    b.setAttribute("aria-label", label);
    b.title = label;
    b.innerHTML = icon;
    b.addEventListener("click", onClick);
    return b;
  }

  /* The edition a block names (`edition2021`), else the playground's 2015,
     as mdBook sends it. */
  function edition(code) {
    var m = /(?:^|\s)edition(\d{4})(?:\s|$)/.exec(code.className);
    return m ? m[1] : "2015";
  }

  function run(code, out, play) {
    var text = code.textContent.replace(/\n$/, "");
    var params = {
      version: text.indexOf("#![feature") !== -1 ? "nightly" : "stable",
      optimize: "0",
      code: text,
      edition: edition(code)
    };
    out.hidden = false;
    out.className = "playground-result";
    out.textContent = "Running on the Rust playground…";
    play.disabled = true;
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, TIMEOUT_MS);
    function done(text, failed) {
      clearTimeout(timer);
      play.disabled = false;
      if (failed) out.classList.add("playground-error");
      out.textContent = text;
    }
    fetch(SERVICE, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(params),
      signal: ctrl ? ctrl.signal : undefined
    }).then(function (r) {
      if (!r.ok) throw new Error("it answered " + r.status);
      return r.json();
    }).then(function (r) {
      if (r.error) done(r.error, true);
      else done(String(r.result || "").trim() === "" ? "No output" : String(r.result), false);
    }).catch(function (e) {
      done("Could not run it on the Rust playground: " +
        (e && e.name === "AbortError" ? "no answer within " + TIMEOUT_MS / 1000 + " s" : (e && e.message) || "no connection"), true);
    });
  }

  function makeEditable(code, bar) {
    var original = code.innerHTML;
    code.setAttribute("contenteditable", "plaintext-only");
    if (code.contentEditable !== "plaintext-only") code.setAttribute("contenteditable", "true");
    code.setAttribute("spellcheck", "false");
    code.setAttribute("aria-label", "Editable Rust code");
    var undo = button("undo", "Undo your changes", ICON_UNDO, function () { code.innerHTML = original; });
    bar.insertBefore(undo, bar.firstChild);
  }

  Array.prototype.forEach.call(doc.querySelectorAll("pre.playground"), function (pre) {
    var code = pre.querySelector("code");
    var wrap = pre.parentNode;
    var bar = wrap && wrap.classList.contains("code-block") ? wrap.querySelector(".code-buttons") : null;
    if (!code || !bar) return;
    var out = doc.createElement("output");
    out.hidden = true;
    out.setAttribute("aria-live", "polite");
    pre.insertAdjacentElement("afterend", out);
    if (code.classList.contains("editable")) makeEditable(code, bar);
    var play = button("run", "Run this code on the Rust playground (sends it to play.rust-lang.org)", ICON_RUN,
      function () { run(code, out, play); });
    bar.insertBefore(play, bar.firstChild);
  });
})();
