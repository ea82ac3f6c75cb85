/* proofbook default theme: enhancements only; every page works without this file. */
(function () {
  "use strict";
  var doc = document;
  var root = doc.documentElement;

  function one(sel, ctx) { return (ctx || doc).querySelector(sel); }
  function all(sel, ctx) { return Array.prototype.slice.call((ctx || doc).querySelectorAll(sel)); }
  function save(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function media(q) {
    var m = window.matchMedia ? window.matchMedia(q) : null;
    return {
      matches: function () { return !!(m && m.matches); },
      onChange: function (fn) {
        if (!m) return;
        if (m.addEventListener) m.addEventListener("change", fn); else if (m.addListener) m.addListener(fn);
      }
    };
  }
  var SVG = '<svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">';
  var ICONS = {
    copy: SVG + '<rect x="9" y="9" width="11" height="11" rx="2"/><path d="M5 15V6a2 2 0 0 1 2-2h8"/></svg>',
    check: SVG + '<path d="M5 12.5l4.5 4.5L19 7.5"/></svg>',
    eye: SVG + '<path d="M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3"/></svg>'
  };

  // A polite live region for short announcements ("Copied").
  var status = doc.createElement("div");
  status.className = "sr-only";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  if (doc.body) doc.body.appendChild(status);
  function announce(text) {
    status.textContent = "";
    setTimeout(function () { status.textContent = text; }, 50);
  }

  /* ---- Light and dark theme ---- */
  var prefersDark = media("(prefers-color-scheme: dark)");
  var themeButton = one(".theme-toggle");
  function theme() {
    var t = root.getAttribute("data-theme");
    return t === "light" || t === "dark" ? t : (prefersDark.matches() ? "dark" : "light");
  }
  function showTheme() {
    if (!themeButton) return;
    var dark = theme() === "dark";
    themeButton.setAttribute("aria-pressed", dark ? "true" : "false");
    themeButton.title = dark ? "Switch to the light theme" : "Switch to the dark theme";
  }
  if (themeButton) {
    themeButton.addEventListener("click", function () {
      var next = theme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      save("proofbook-theme", next);
      showTheme();
    });
    prefersDark.onChange(showTheme);
    showTheme();
  }

  // Paper is light: print with the light palette (syntax colours included).
  var themeBeforePrint = null;
  window.addEventListener("beforeprint", function () {
    themeBeforePrint = root.getAttribute("data-theme");
    root.setAttribute("data-theme", "light");
  });
  window.addEventListener("afterprint", function () {
    if (themeBeforePrint) root.setAttribute("data-theme", themeBeforePrint); else root.removeAttribute("data-theme");
  });
  var printButton = one(".print-button");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });

  /* ---- Sidebar: a drawer on narrow screens, a column that can be hidden on wide ones ---- */
  var toggle = one("#sidebar-toggle");
  var menu = one(".menu-toggle");
  var sidebar = one("#sidebar");
  var wide = media("(min-width: 50em)");
  if (toggle && menu && sidebar) {
    // The label becomes the button; the checkbox keeps the state.
    toggle.tabIndex = -1;
    toggle.setAttribute("aria-hidden", "true");
    menu.setAttribute("role", "button");
    menu.tabIndex = 0;
    menu.setAttribute("aria-controls", "sidebar");
    menu.setAttribute("aria-label", "Table of contents");
    var shown = function () { return wide.matches() ? !toggle.checked : toggle.checked; };
    var sync = function () {
      menu.setAttribute("aria-expanded", shown() ? "true" : "false");
      if (wide.matches()) root.setAttribute("data-sidebar", toggle.checked ? "hidden" : "visible");
    };
    var reset = function () {
      toggle.checked = wide.matches() && root.getAttribute("data-sidebar") === "hidden";
      sync();
    };
    toggle.addEventListener("change", function () {
      sync();
      if (wide.matches()) save("proofbook-sidebar", toggle.checked ? "hidden" : "visible");
    });
    menu.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle.click(); }
    });
    doc.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !wide.matches() && toggle.checked) {
        toggle.checked = false;
        sync();
        menu.focus();
      }
    });
    sidebar.addEventListener("click", function (e) {
      if (!wide.matches() && e.target.closest && e.target.closest("a")) { toggle.checked = false; sync(); }
    });
    wide.onChange(reset);
    reset();

    // Bring the current chapter into view inside the sidebar.
    var active = one("a.active", sidebar);
    if (active) {
      var a = active.getBoundingClientRect();
      var s = sidebar.getBoundingClientRect();
      if (a.bottom > s.bottom || a.top < s.top) sidebar.scrollTop += a.top - s.top - s.height / 3;
    }
  }

  /* ---- In-page table of contents: collapsed on narrow screens, current section highlighted ---- */
  var tocDetails = one(".page-toc details");
  var tocColumn = media("(min-width: 75em)");
  if (tocDetails) {
    var placeToc = function () { tocDetails.open = tocColumn.matches(); };
    tocColumn.onChange(placeToc);
    placeToc();
  }
  var tocItems = all(".page-toc a[href^='#']").map(function (link) {
    var id = link.getAttribute("href").slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* keep as written */ }
    return { link: link, target: doc.getElementById(id) };
  }).filter(function (item) { return item.target; });
  if (tocItems.length && "IntersectionObserver" in window) {
    var current = null;
    var header = one(".site-header");
    var highlight = function () {
      var line = (header ? header.offsetHeight : 0) + window.innerHeight * 0.25;
      var found = tocItems[0];
      for (var i = 0; i < tocItems.length; i++) {
        if (tocItems[i].target.getBoundingClientRect().top <= line) found = tocItems[i]; else break;
      }
      if (window.innerHeight + window.pageYOffset >= root.scrollHeight - 4) {
        // At the end of the page the last headings may never reach the line.
        var last = tocItems[tocItems.length - 1];
        if (last.target.getBoundingClientRect().top < window.innerHeight) found = last;
      }
      if (found === current) return;
      if (current) { current.link.classList.remove("active"); current.link.removeAttribute("aria-current"); }
      found.link.classList.add("active");
      found.link.setAttribute("aria-current", "location");
      current = found;
    };
    var observer = new IntersectionObserver(highlight, { rootMargin: "0px 0px -70% 0px", threshold: [0, 1] });
    tocItems.forEach(function (item) { observer.observe(item.target); });
    var end = one(".page-footer");
    if (end) new IntersectionObserver(highlight, { threshold: [0, 0.5, 1] }).observe(end);
    window.addEventListener("hashchange", highlight);
    highlight();
  }

  /* ---- Code blocks: copy, and show the hidden set-up lines ---- */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = doc.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      doc.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = doc.execCommand("copy"); } catch (e) { /* unsupported */ }
      doc.body.removeChild(area);
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }
  function button(cls, label, icon) {
    var b = doc.createElement("button");
    b.type = "button";
    b.className = "code-button " + cls;
    b.setAttribute("aria-label", label);
    b.title = label;
    b.innerHTML = icon;
    return b;
  }
  all("pre.code").forEach(function (pre) {
    if (!pre.parentNode || pre.parentNode.classList.contains("code-block")) return;
    var wrap = doc.createElement("div");
    wrap.className = "code-block";
    pre.parentNode.insertBefore(wrap, pre);
    wrap.appendChild(pre);
    var bar = doc.createElement("div");
    bar.className = "code-buttons";
    if (one(".hidden-line", pre)) {
      var eye = button("toggle-hidden", "Show hidden lines", ICONS.eye);
      eye.setAttribute("aria-pressed", "false");
      eye.addEventListener("click", function () {
        var on = pre.classList.toggle("show-hidden");
        eye.setAttribute("aria-pressed", on ? "true" : "false");
        eye.title = on ? "Hide hidden lines" : "Show hidden lines";
      });
      bar.appendChild(eye);
    }
    var copy = button("copy", "Copy code", ICONS.copy);
    var timer = null;
    copy.addEventListener("click", function () {
      var code = one("code", pre) || pre;
      copyText(code.textContent.replace(/\n$/, "")).then(function () {
        copy.classList.add("copied");
        copy.innerHTML = ICONS.check;
        announce("Copied to the clipboard");
        clearTimeout(timer);
        timer = setTimeout(function () { copy.classList.remove("copied"); copy.innerHTML = ICONS.copy; }, 1500);
      }, function () { announce("Could not copy: select the code and copy it by hand"); });
    });
    bar.appendChild(copy);
    wrap.appendChild(bar);
  });

  /* ---- Arrow keys go to the previous and next chapter ---- */
  doc.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    var t = e.target;
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable], pre, table, summary, .sidebar")) return;
    var back = (e.key === "ArrowLeft") !== (root.getAttribute("dir") === "rtl");
    var link = one(back ? 'link[rel="prev"]' : 'link[rel="next"]');
    if (link && link.href) window.location.href = link.href;
  });
})();
