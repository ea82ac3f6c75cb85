/* proofbook default theme: search. The header button, "/" or "s" opens a
   dialog; the index (searchindex.js, made by proofbook) is loaded with a
   <script> tag the first time, so search works from file:// and no page
   pays for the index until a reader searches. Nothing leaves the page. */
(function () {
  "use strict";
  var doc = document;
  var me = doc.currentScript || doc.querySelector('script[src$="static/js/search.js"]');
  var button = doc.querySelector(".search-button");
  if (!me || !button || !window.HTMLDialogElement) return;
  var root = new URL("../../", me.src);
  // The same words as proofbook's index: runs of letters, digits, marks and
  // connectors; an ideograph or a hiragana is a word of its own (UAX #29).
  var WORD = /[\p{L}\p{N}\p{M}\p{Pc}]+/gu, IDEOGRAPH = /[\p{sc=Han}\p{sc=Hiragana}]/gu;
  var K1 = 1.2, B = 0.75, PREFIX = 0.6;
  var index = null, keys = null, avg = 1, loading = false;
  var dialog, input, list, status, opener, active = -1, results = [];

  function words(text) { return text.toLowerCase().replace(IDEOGRAPH, " $& ").match(WORD) || []; }
  function esc(s) { return s.replace(/[&<>"]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }

  function build() {
    dialog = doc.createElement("dialog");
    dialog.className = "search-dialog";
    dialog.setAttribute("aria-label", "Search the book");
    dialog.innerHTML =
      '<div class="search-bar" role="search"><label class="sr-only" for="search-input">Search the book</label>' +
      '<input id="search-input" class="search-input" type="search" placeholder="Search the book" autocomplete="off" ' +
      'spellcheck="false" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="search-results">' +
      '<button type="button" class="search-close" aria-label="Close search">Esc</button></div>' +
      '<p class="search-status" id="search-status" role="status" aria-live="polite"></p>' +
      '<ul class="search-results" id="search-results" role="listbox" aria-label="Results"></ul>';
    doc.body.appendChild(dialog);
    input = dialog.querySelector("input");
    list = dialog.querySelector("ul");
    status = dialog.querySelector(".search-status");
    input.addEventListener("input", run);
    dialog.querySelector(".search-close").addEventListener("click", close);
    dialog.addEventListener("close", function () { if (opener && opener.focus) opener.focus(); });
    // A click on the backdrop lands on the dialog itself.
    dialog.addEventListener("click", function (e) { if (e.target === dialog) close(); });
    list.addEventListener("click", function (e) { if (e.target.closest("a")) close(); });
    list.addEventListener("mousemove", function (e) {
      var a = e.target.closest && e.target.closest("a");
      if (a) select(+a.getAttribute("data-i"), false);
    });
    // The page's own keys (arrows to the next chapter) stay out of the dialog.
    dialog.addEventListener("keydown", function (e) {
      e.stopPropagation();
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        var n = results.length, step = e.key === "ArrowDown" ? 1 : n - 1;
        if (n) select(active < 0 ? (step === 1 ? 0 : n - 1) : (active + step) % n, true);
      } else if (e.key === "Escape") {
        // Not left to the search field, which would only clear itself.
        e.preventDefault();
        close();
      } else if (e.key === "Enter" && e.target === input) {
        e.preventDefault();
        var a = list.querySelector('[aria-selected="true"]') || list.querySelector("a");
        if (a) { close(); location.href = a.href; }
      }
    });
  }

  // searchindex.js holds each chapter's part as proofbook made it (so an
  // edit rewrites one part, not the index): its sections, and each term's
  // postings numbered within the chapter. Joined here into one index: all
  // sections, and per term its postings as gaps from the previous one.
  function join(raw) {
    var sections = [], terms = Object.create(null), last = Object.create(null);
    raw.chapters.forEach(function (part) {
      var base = sections.length, own = part[1];
      part[0].forEach(function (s) { sections.push(s); });
      Object.keys(own).forEach(function (term) {
        var p = own[term], list = terms[term];
        if (!list) { list = terms[term] = []; last[term] = 0; }
        for (var i = 0; i < p.length; i += 2) {
          var d = base + p[i];
          list.push(d - last[term], p[i + 1]);
          last[term] = d;
        }
      });
    });
    return { options: raw.options, sections: sections, terms: terms };
  }

  function load() {
    if (index || loading) return;
    loading = true;
    var s = doc.createElement("script");
    s.src = new URL("searchindex.js", root).href;
    s.onload = function () {
      var raw = window.proofbookSearch;
      if (!raw || raw.v !== 2) { status.textContent = "The search index could not be read."; return; }
      index = join(raw);
      keys = Object.keys(index.terms).sort();
      var total = 0;
      index.sections.forEach(function (s) { total += s[3]; });
      avg = Math.max(1, total / Math.max(1, index.sections.length));
      run();
    };
    s.onerror = function () { status.textContent = "The search index could not be loaded."; };
    doc.head.appendChild(s);
  }

  function open() {
    if (!dialog) build();
    if (dialog.open) { input.focus(); return; }
    opener = doc.activeElement;
    dialog.showModal();
    input.focus();
    input.select();
    load();
    run();
  }

  function close() { if (dialog && dialog.open) dialog.close(); }

  // The index terms a query word matches: itself, and with `expand` the
  // longer terms it begins.
  function expand(w) {
    var out = [], lo = 0, hi = keys.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (keys[mid] < w) lo = mid + 1; else hi = mid; }
    for (var i = lo; i < keys.length && keys[i].lastIndexOf(w, 0) === 0; i++) {
      if (keys[i] === w || index.options.expand) out.push(keys[i]);
    }
    return out;
  }

  // BM25 over the section's text, plus the title and breadcrumb boosts.
  function search(query) {
    var qs = words(query), o = index.options, n = index.sections.length, scores = null;
    qs.forEach(function (w) {
      var found = {};
      expand(w).forEach(function (term) {
        var p = index.terms[term], df = p.length / 2, d = 0;
        var idf = Math.log(1 + (n - df + 0.5) / (df + 0.5)), weight = term === w ? 1 : PREFIX;
        for (var i = 0; i < p.length; i += 2) {
          d += p[i];
          var tf = p[i + 1] >> 2, len = index.sections[d][3];
          var s = idf * weight * (o.boost[2] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * len / avg)) +
            o.boost[0] * (p[i + 1] & 1) + o.boost[1] * ((p[i + 1] >> 1) & 1));
          if (!(found[d] >= s)) found[d] = s;
        }
      });
      if (scores === null) { scores = found; return; }
      var next = {};
      for (var k in scores) if (k in found || !o.and) next[k] = scores[k] + (found[k] || 0);
      if (!o.and) for (k in found) if (!(k in next)) next[k] = found[k];
      scores = next;
    });
    return Object.keys(scores || {}).map(Number)
      .sort(function (a, b) { return scores[b] - scores[a] || a - b; })
      .slice(0, o.limit)
      .map(function (d) { return { section: index.sections[d], qs: qs }; });
  }

  function hit(word, qs) {
    word = word.toLowerCase();
    return qs.some(function (q) { return index.options.expand ? word.lastIndexOf(q, 0) === 0 : word === q; });
  }

  // `text` escaped, each matching word in <mark>, from word `from` to `to`.
  function marked(text, qs, from, to) {
    var spans = [], m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text))) spans.push([m.index, m.index + m[0].length, hit(m[0], qs)]);
    if (to === undefined) { from = 0; to = spans.length; }
    if (!spans.length) return esc(text);
    var start = from > 0 ? spans[from][0] : 0, end = to < spans.length ? spans[to - 1][1] : text.length;
    var html = from > 0 ? "… " : "", at = start;
    for (var i = from; i < to; i++) {
      if (!spans[i][2]) continue;
      html += esc(text.slice(at, spans[i][0])) + "<mark>" + esc(text.slice(spans[i][0], spans[i][1])) + "</mark>";
      at = spans[i][1];
    }
    return html + esc(text.slice(at, end)) + (to < spans.length ? " …" : "");
  }

  // The teaser: the window of `teaser` words with the most matches.
  function teaser(text, qs) {
    var n = index.options.teaser, spans = [], m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text))) spans.push(hit(m[0], qs) ? 1 : 0);
    var best = 0, bestAt = 0, count = 0;
    for (var i = 0; i < spans.length; i++) {
      count += spans[i] - (i >= n ? spans[i - n] : 0);
      if (count > best) { best = count; bestAt = Math.max(0, i - n + 1); }
    }
    // Start a little before the first match, so it reads in context.
    if (best) bestAt = Math.max(0, spans.indexOf(1, bestAt) - 3);
    return marked(text, qs, bestAt, Math.min(spans.length, bestAt + n));
  }

  function run() {
    if (!dialog) return;
    var q = input.value.trim();
    results = [];
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (!index) {
      list.innerHTML = "";
      if (q) status.textContent = "Loading the search index…";
      return;
    }
    results = q ? search(q) : [];
    list.innerHTML = results.map(function (r, i) {
      var s = r.section, crumbs = s[2].map(function (c) { return esc(c) + " › "; }).join("");
      return '<li role="none"><a role="option" id="search-result-' + i + '" data-i="' + i + '" aria-selected="false" tabindex="-1" href="' +
        esc(new URL(s[0], root).href) + '"><span class="search-result-title"><span class="search-result-crumbs">' + crumbs +
        "</span>" + marked(s[1], r.qs) + '</span><span class="search-result-teaser">' + teaser(s[4], r.qs) + "</span></a></li>";
    }).join("");
    input.setAttribute("aria-expanded", String(results.length > 0));
    status.textContent = !q ? "" : results.length ? results.length + (results.length === 1 ? " result" : " results")
      : "No results for “" + q + "”";
    if (results.length) select(0, false);
  }

  function select(i, scroll) {
    var old = list.querySelector('[aria-selected="true"]');
    if (old) old.setAttribute("aria-selected", "false");
    var a = doc.getElementById("search-result-" + i);
    if (!a) return;
    active = i;
    a.setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", a.id);
    if (scroll) a.scrollIntoView({ block: "nearest" });
  }

  button.addEventListener("click", open);
  doc.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey) return;
    // "/" needs Shift on some keyboards; "S" with Shift is not the shortcut.
    if (e.key !== "/" && !(e.key === "s" && !e.shiftKey)) return;
    var t = e.target;
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])")) return;
    e.preventDefault();
    open();
  });
})();
