/* proofbook default theme. Enhancements only: every page works without this file. */
(function main() {
  "use strict";
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", main); return; }
  if (!window.matchMedia || !document.body) return;
  var doc = document, root = doc.documentElement;
  function one(sel, ctx) { return (ctx || doc).querySelector(sel); }
  function all(sel) { return Array.prototype.slice.call(doc.querySelectorAll(sel)); }
  function save(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* storage off */ } }
  function media(q, onChange) {
    var m = window.matchMedia(q);
    if (onChange && m.addEventListener) m.addEventListener("change", onChange);
    return m;
  }
  function svg(paths) {
    return '<svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="16" height="16" fill="none" ' +
      'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">' + paths + "</svg>";
  }
  var ICON_COPY = svg('<rect x="9" y="9" width="11" height="11" rx="2"/><path d="M5 15V6a2 2 0 0 1 2-2h8"/>');
  var ICON_DONE = svg('<path d="M5 12.5l4.5 4.5L19 7.5"/>');
  var ICON_EYE = svg('<path d="M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3"/>');

  // Short announcements for screen readers ("Copied").
  var status = doc.createElement("div");
  status.className = "sr-only";
  status.setAttribute("role", "status");
  doc.body.appendChild(status);
  function announce(text) {
    status.textContent = "";
    setTimeout(function () { status.textContent = text; }, 50);
  }

  /* Theme: <html data-theme>, remembered; the head script applied it before paint. */
  var themeButton = one(".theme-toggle");
  var systemDark = media("(prefers-color-scheme: dark)", function () { if (themeButton) showTheme(); });
  function theme() {
    var t = root.getAttribute("data-theme");
    return t === "light" || t === "dark" ? t : (systemDark.matches ? "dark" : "light");
  }
  function showTheme() {
    var dark = theme() === "dark";
    themeButton.setAttribute("aria-pressed", String(dark));
    themeButton.title = dark ? "Switch to the light theme" : "Switch to the dark theme";
  }
  if (themeButton) {
    themeButton.addEventListener("click", function () {
      var next = theme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      save("proofbook-theme", next);
      showTheme();
    });
    showTheme();
  }
  // Paper is light: print with the light palette, syntax colours included.
  var themeBeforePrint = null;
  // Paper cannot unfold a benchmark's counted runs: they print open.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    themeBeforePrint = root.getAttribute("data-theme");
    root.setAttribute("data-theme", "light");
    openedForPrint = all("details.bench-runs:not([open])");
    openedForPrint.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    if (themeBeforePrint) root.setAttribute("data-theme", themeBeforePrint); else root.removeAttribute("data-theme");
    openedForPrint.forEach(function (d) { d.open = false; });
    openedForPrint = [];
  });
  var printButton = one(".print-button");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });

  /* Sidebar. The checkbox #sidebar-toggle holds the state (CSS works without us):
     on narrow screens checked = drawer open; on wide ones checked = column hidden. */
  var toggle = one("#sidebar-toggle"), label = one("label.menu-toggle"), sidebar = one("#sidebar");
  // The label works without us; a real button takes its place (a label may
  // not be given the role of a button).
  var menu = null;
  if (toggle && label && sidebar) {
    menu = doc.createElement("button");
    menu.type = "button";
    menu.className = label.className;
    menu.title = label.title;
    menu.innerHTML = label.innerHTML;
    label.parentNode.insertBefore(menu, label);
    label.classList.remove("menu-toggle");
    label.style.display = "none";
  }
  var wide = media("(min-width: 50em)", function () { if (toggle && menu && sidebar) resetSidebar(); });
  function syncSidebar() {
    menu.setAttribute("aria-expanded", String(wide.matches ? !toggle.checked : toggle.checked));
    if (wide.matches) root.setAttribute("data-sidebar", toggle.checked ? "hidden" : "visible");
  }
  function resetSidebar() {
    toggle.checked = wide.matches && root.getAttribute("data-sidebar") === "hidden";
    syncSidebar();
  }
  function closeDrawer() {
    if (wide.matches || !toggle.checked) return false;
    toggle.checked = false;
    syncSidebar();
    return true;
  }
  if (toggle && menu && sidebar) {
    // The button drives the checkbox, which leaves the tab order.
    toggle.tabIndex = -1;
    toggle.setAttribute("aria-hidden", "true");
    menu.setAttribute("aria-controls", "sidebar");
    menu.setAttribute("aria-label", "Table of contents");
    toggle.addEventListener("change", function () {
      syncSidebar();
      if (wide.matches) save("proofbook-sidebar", toggle.checked ? "hidden" : "visible");
    });
    menu.addEventListener("click", function () { toggle.click(); });
    doc.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && closeDrawer()) menu.focus();
    });
    sidebar.addEventListener("click", function (e) {
      if (e.target.closest && e.target.closest("a")) closeDrawer();
    });
    resetSidebar();
    // Scroll the current chapter into view inside the sidebar.
    var active = one("a.active", sidebar);
    if (active) {
      var a = active.getBoundingClientRect(), s = sidebar.getBoundingClientRect();
      if (a.bottom > s.bottom || a.top < s.top) sidebar.scrollTop += a.top - s.top - s.height / 3;
    }
  }

  /* In-page table of contents: a column on wide screens, collapsed above the
     article otherwise; the section being read is highlighted. */
  var tocDetails = one(".page-toc details");
  var tocColumn = media("(min-width: 75em)", placeToc);
  function placeToc() { if (tocDetails) tocDetails.open = tocColumn.matches; }
  placeToc();
  var sections = all(".page-toc a[href^='#']").map(function (link) {
    var id = link.getAttribute("href").slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* keep it */ }
    return { link: link, heading: doc.getElementById(id) };
  }).filter(function (s) { return s.heading; });
  if (sections.length && window.IntersectionObserver) {
    var header = one(".site-header"), current = null;
    var highlight = function () {
      var line = (header ? header.offsetHeight : 0) + window.innerHeight * 0.25;
      var found = sections[0], last = sections[sections.length - 1];
      for (var i = 0; i < sections.length && sections[i].heading.getBoundingClientRect().top <= line; i++) found = sections[i];
      // At the very end the last headings may never reach the line.
      if (window.innerHeight + window.pageYOffset >= root.scrollHeight - 4 &&
          last.heading.getBoundingClientRect().top < window.innerHeight) found = last;
      if (found === current) return;
      if (current) { current.link.classList.remove("active"); current.link.removeAttribute("aria-current"); }
      found.link.classList.add("active");
      found.link.setAttribute("aria-current", "location");
      current = found;
    };
    // Headings crossing the top band, or entering and leaving the viewport (jumps).
    var band = new IntersectionObserver(highlight, { rootMargin: "0px 0px -70% 0px" });
    var view = new IntersectionObserver(highlight);
    sections.forEach(function (s) { band.observe(s.heading); view.observe(s.heading); });
    var footer = one(".page-footer");
    if (footer) view.observe(footer);
    ["hashchange", "scrollend", "resize"].forEach(function (ev) { window.addEventListener(ev, highlight); });
    highlight();
  }

  /* Code blocks: a copy button (hidden lines included) and, where there are
     hidden lines, a button that shows them. */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = doc.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.cssText = "position:fixed;opacity:0";
      doc.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = doc.execCommand("copy"); } catch (e) { /* unsupported */ }
      doc.body.removeChild(area);
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }
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
  all("pre.code").forEach(function (pre) {
    var parent = pre.parentNode;
    if (!parent || parent.classList.contains("code-block")) return;
    var wrap = doc.createElement("div"), bar = doc.createElement("div");
    wrap.className = "code-block";
    bar.className = "code-buttons";
    parent.insertBefore(wrap, pre);
    wrap.appendChild(pre);
    wrap.appendChild(bar);
    if (one(".hidden-line", pre)) {
      var eye = button("toggle-hidden", "Show hidden lines", ICON_EYE, function () {
        var shown = pre.classList.toggle("show-hidden");
        eye.setAttribute("aria-pressed", String(shown));
        eye.title = shown ? "Hide hidden lines" : "Show hidden lines";
      });
      eye.setAttribute("aria-pressed", "false");
      bar.appendChild(eye);
    }
    // `[output.html.playground] copyable = false`: no copy buttons.
    if (doc.documentElement.getAttribute("data-copyable") === "false") return;
    var timer = null;
    var copy = button("copy", "Copy code", ICON_COPY, function () {
      copyText((one("code", pre) || pre).textContent.replace(/\n$/, "")).then(function () {
        copy.classList.add("copied");
        copy.innerHTML = ICON_DONE;
        announce("Copied to the clipboard");
        clearTimeout(timer);
        timer = setTimeout(function () { copy.classList.remove("copied"); copy.innerHTML = ICON_COPY; }, 1500);
      }, function () { announce("Could not copy: select the code and copy it by hand"); });
    });
    bar.appendChild(copy);
  });

  /* A block that scrolls sideways (long code lines, wide output, tables) is
     a tab stop, so keyboard users can scroll it too; one that fits is not. */
  var scrollers = all(".content pre, .content table, .content figure.comparison");
  function markScrollers() {
    scrollers.forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) {
        if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
      } else if (el.getAttribute("tabindex") === "0") {
        el.removeAttribute("tabindex");
      }
    });
  }
  markScrollers();
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(markScrollers, 150);
  });
  // Showing hidden lines can make a block wider.
  doc.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest(".toggle-hidden")) setTimeout(markScrollers, 0);
  });

  /* Arrow keys: previous and next chapter, unless the reader is in code, a table or a form. */
  var keep = "input, textarea, select, [contenteditable], pre, table, summary, .sidebar";
  var clicked = null;
  doc.addEventListener("mousedown", function (e) { clicked = e.target; });
  doc.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    if ([e.target, clicked].some(function (t) { return t && t.closest && t.closest(keep); })) return;
    var back = (e.key === "ArrowLeft") !== (root.getAttribute("dir") === "rtl");
    var link = one(back ? 'link[rel="prev"]' : 'link[rel="next"]');
    if (link && link.href) window.location.href = link.href;
  });

  /* Sortable tables (the results page): each header becomes a button that
     sorts by its column, numbers by their data-sort value. Without
     JavaScript the table reads in book order. */
  Array.prototype.forEach.call(doc.querySelectorAll("table.sortable"), function (table) {
    var body = table.tBodies[0];
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      var b = doc.createElement("button");
      b.type = "button";
      b.className = "sort";
      b.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(b);
      b.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var key = function (row) {
          var cell = row.cells[col];
          var n = cell && cell.getAttribute("data-sort");
          return n !== null && n !== "" && !isNaN(+n) ? +n : (cell ? cell.textContent : "");
        };
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, c) {
          var x = key(a), y = key(c);
          var d = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
          return up ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  /* Decision checklist: one step at a time. Without JavaScript it is a list
     whose answers link to the question or recommendation they lead to; here
     the same links move a chooser along, with the answers so far above it. */
  Array.prototype.forEach.call(doc.querySelectorAll(".checklist"), function (box) {
    var steps = {};
    Array.prototype.forEach.call(box.querySelectorAll(".checklist-question, .checklist-recommendation"), function (el) {
      steps[el.id] = el;
      var focusTarget = one(".checklist-ask, .checklist-title", el);
      if (focusTarget) focusTarget.setAttribute("tabindex", "-1");
    });
    var start = box.getAttribute("data-start");
    if (!steps[start]) return;
    var path = [], trail = [];
    var bar = doc.createElement("div");
    bar.className = "checklist-bar";
    bar.innerHTML = '<p class="checklist-step"></p>' +
      '<button type="button" class="checklist-back">Back</button>' +
      '<button type="button" class="checklist-restart">Start over</button>' +
      '<button type="button" class="checklist-all" aria-pressed="false">Show all</button>';
    var answers = doc.createElement("ol");
    answers.className = "checklist-trail";
    answers.setAttribute("aria-label", "Your answers");
    box.insertBefore(answers, box.firstChild);
    box.insertBefore(bar, answers);
    var stepText = one(".checklist-step", bar), back = one(".checklist-back", bar);
    var restart = one(".checklist-restart", bar), everything = one(".checklist-all", bar);

    function show(focus) {
      var id = path[path.length - 1], el = steps[id];
      Object.keys(steps).forEach(function (k) { steps[k].classList.toggle("is-current", k === id); });
      var done = el.classList.contains("checklist-recommendation");
      stepText.textContent = done ? "Recommendation" : "Question " + path.length;
      back.disabled = path.length < 2;
      restart.disabled = path.length < 2;
      answers.innerHTML = "";
      trail.forEach(function (t) {
        var li = doc.createElement("li");
        li.innerHTML = '<span class="checklist-trail-ask"></span> <span class="checklist-trail-answer"></span>';
        li.firstChild.textContent = t.ask;
        li.lastChild.textContent = t.answer;
        answers.appendChild(li);
      });
      answers.hidden = trail.length === 0;
      if (focus) {
        var target = one(".checklist-ask, .checklist-title", el);
        if (target) target.focus({ preventScroll: true });
        if (box.getBoundingClientRect().top < 0) box.scrollIntoView({ block: "start" });
        announce(done ? "Recommendation: " + (target ? target.textContent : "") : (target ? target.textContent : ""));
      }
    }
    // Each step is a history entry, so the browser's Back button steps back
    // too and a step can be bookmarked; `pushed` counts the entries made here.
    var pushed = 0;
    function remember(push) {
      var state = { pbChecklist: { path: path.slice(), trail: trail.slice() } };
      var url = "#" + path[path.length - 1];
      try {
        if (push) { history.pushState(state, "", url); pushed += 1; } else history.replaceState(state, "", window.location.hash ? url : window.location.pathname + window.location.search);
      } catch (e) { /* file:// in some browsers */ }
    }
    function go(id, answer) {
      var from = steps[path[path.length - 1]];
      var ask = one(".checklist-ask", from);
      trail.push({ ask: ask ? ask.textContent : "", answer: answer });
      path.push(id);
      show(true);
      remember(true);
    }
    window.addEventListener("popstate", function (e) {
      var state = e.state && e.state.pbChecklist;
      if (!state || !steps[state.path[state.path.length - 1]]) return;
      pushed = Math.max(0, pushed - 1);
      path = state.path.slice();
      trail = state.trail.slice();
      show(true);
    });
    box.addEventListener("click", function (e) {
      var link = e.target.closest && e.target.closest("a.checklist-answer");
      if (!link || box.classList.contains("show-all")) return;
      var id = decodeURIComponent(link.getAttribute("href").slice(1));
      if (!steps[id]) return;
      e.preventDefault();
      go(id, link.textContent);
    });
    back.addEventListener("click", function () {
      if (path.length < 2) return;
      if (pushed > 0) { history.back(); return; }
      path.pop();
      trail.pop();
      show(true);
      remember(false);
    });
    restart.addEventListener("click", function () {
      path = [start];
      trail = [];
      show(true);
      remember(true);
    });
    everything.addEventListener("click", function () {
      var on = box.classList.toggle("show-all");
      everything.setAttribute("aria-pressed", on ? "true" : "false");
      everything.textContent = on ? "One at a time" : "Show all";
    });
    // A link to a step (#checklist-r-threads) opens the chooser there.
    var wanted = decodeURIComponent(window.location.hash.slice(1));
    path = steps[wanted] && wanted !== start ? [start, wanted] : [start];
    box.classList.add("is-chooser");
    show(false);
    remember(false);
  });
})();
