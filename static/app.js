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

  // A closed dialog is emptied, so stale forms never come back.
  document.addEventListener("close", function (event) {
    if (event.target === dialog()) dialog().innerHTML = "";
  }, true);

  // Toasts fade away after a while.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("#toasts .toast:not([data-timed])").forEach(function (toast) {
      toast.setAttribute("data-timed", "true");
      setTimeout(function () { toast.remove(); }, 8000);
    });
  });
})();
