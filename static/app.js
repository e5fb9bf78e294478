// Member Center: progressive enhancement only. Every page works without it.
(function () {
  "use strict";
  var dialog = function () { return document.getElementById("dialog"); };

  // Content swapped into the dialog slot opens it as a modal and focuses
  // the first field (or the element marked autofocus).
  document.addEventListener("htmx:afterSwap", function (event) {
    var d = dialog();
    if (event.detail.target !== d) return;
    if (!d.innerHTML.trim()) { if (d.open) d.close(); return; }
    if (!d.open) d.showModal();
    var focus = d.querySelector("[autofocus]") || d.querySelector("input:not([type=hidden]), select, textarea, button");
    if (focus) focus.focus();
  });

  // Closing buttons and links inside a dialog.
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    if (closer && closer.closest("dialog")) {
      event.preventDefault();
      closer.closest("dialog").close();
    }
    // A click anywhere on a clickable row follows the row's link.
    var row = event.target.closest("tr.clickable");
    if (row && !event.target.closest("a, button, input, label, summary")) {
      var link = row.querySelector("a[href]");
      if (link) link.click();
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.getElementById(copy.getAttribute("data-copy"));
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.value || source.textContent).then(function () {
          copy.setAttribute("data-copied", "true");
          copy.textContent = copy.getAttribute("data-copied-label") || copy.textContent;
        });
      }
    }
  });

  // The server says a dialog's work is done.
  document.body.addEventListener("close-dialog", function () {
    var d = dialog();
    if (d.open) d.close();
  });

  // A closed dialog is emptied, so stale forms never come back; the menu
  // that opened it closes too (left open, it would swallow the next
  // click) and takes the focus back.
  document.addEventListener("close", function (event) {
    if (event.target !== dialog()) return;
    dialog().innerHTML = "";
    document.querySelectorAll("details.dropdown[open]").forEach(function (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  }, true);

  // "Select all" boxes exist only with JavaScript: shown here, they tick
  // every box of their name in their form.
  var showSelectAll = function () {
    document.querySelectorAll("input[data-select-all][hidden]").forEach(function (box) {
      box.hidden = false;
    });
  };
  showSelectAll();
  document.addEventListener("htmx:afterSettle", showSelectAll);
  document.addEventListener("change", function (event) {
    var all = event.target.closest("input[data-select-all]");
    var form = event.target.form;
    if (!form) return;
    if (all) {
      form.querySelectorAll("input[type=checkbox][name='" + all.getAttribute("data-select-all") + "']").forEach(function (box) {
        box.checked = all.checked;
      });
      return;
    }
    var master = form.querySelector("input[data-select-all='" + event.target.name + "']");
    if (master) {
      var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][name='" + event.target.name + "']"));
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      master.checked = ticked === boxes.length;
      master.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  });

  // Buttons that work only with JavaScript (copy, print) show with it.
  var showScripted = function () {
    document.querySelectorAll("main [data-copy][hidden], main [data-print][hidden]").forEach(function (button) {
      if (!button.closest(".secret-field")) button.hidden = false;
    });
  };
  showScripted();
  document.addEventListener("htmx:afterSettle", showScripted);
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  // A secret shown once: masked, with Reveal and Copy (without
  // JavaScript it is plain text to select).
  var maskSecrets = function () {
    document.querySelectorAll("input[data-masked]:not([data-ready])").forEach(function (input) {
      input.setAttribute("data-ready", "true");
      input.type = "password";
      var group = input.parentElement;
      group.querySelectorAll("[data-reveal], [data-copy]").forEach(function (button) { button.hidden = false; });
    });
  };
  maskSecrets();
  document.addEventListener("htmx:afterSettle", maskSecrets);
  document.addEventListener("click", function (event) {
    var reveal = event.target.closest("[data-reveal]");
    if (!reveal) return;
    var input = document.getElementById(reveal.getAttribute("data-reveal"));
    if (!input) return;
    var shown = input.type === "text";
    input.type = shown ? "password" : "text";
    reveal.textContent = reveal.getAttribute(shown ? "data-show-label" : "data-hide-label");
    reveal.setAttribute("aria-pressed", shown ? "false" : "true");
  });

  // The bell opens a short list of the latest notices (htmx loads it into
  // its panel); a second click, Escape or a click elsewhere closes it.
  var bellPanel = function () { return document.getElementById("bell-panel"); };
  var closeBell = function (focusBell) {
    var panel = bellPanel();
    if (!panel || panel.hidden) return;
    panel.hidden = true;
    var bell = document.querySelector("a.bell");
    if (bell) {
      bell.setAttribute("aria-expanded", "false");
      if (focusBell) bell.focus();
    }
  };
  document.addEventListener("htmx:beforeRequest", function (event) {
    var panel = bellPanel();
    if (panel && event.detail.target === panel && !panel.hidden) {
      event.preventDefault();
      closeBell(true);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = bellPanel();
    if (!panel || event.detail.target !== panel) return;
    panel.hidden = false;
    var bell = document.querySelector("a.bell");
    if (bell) bell.setAttribute("aria-expanded", "true");
    var first = panel.querySelector("a, button");
    if (first) first.focus();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeBell(true);
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("#bell-panel, a.bell")) closeBell(false);
  });

  // A tab strip wider than a phone shows the current tab, scrolled to it
  // (its faded edge says there is more).
  var showCurrentTab = function () {
    document.querySelectorAll("nav.tabs").forEach(function (strip) {
      var current = strip.querySelector("[aria-current=page]");
      if (current && strip.scrollWidth > strip.clientWidth) {
        strip.scrollLeft = current.offsetLeft - (strip.clientWidth - current.offsetWidth) / 2;
      }
    });
  };
  showCurrentTab();
  document.addEventListener("htmx:afterSettle", showCurrentTab);

  // Toasts fade away after a while.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("#toasts .toast:not([data-timed])").forEach(function (toast) {
      toast.setAttribute("data-timed", "true");
      setTimeout(function () { toast.remove(); }, 8000);
    });
  });
})();
