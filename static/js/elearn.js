// Progressive enhancement only: every page works without this file.
// Moves keyboard and screen-reader focus to an error summary when a form comes back with
// problems, so the learner hears what to fix first (WCAG 3.3.1).
(function () {
  "use strict";
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) { summary.focus(); }
})();
