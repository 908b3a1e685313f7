// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Moves keyboard and screen-reader focus to an error summary when a form comes back with
  // problems, so the learner hears what to fix first (WCAG 3.3.1).
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) { summary.focus(); }

  // Character count under each reflection: the visible line follows every keystroke; the
  // screen-reader status is updated once typing pauses, so it is not read out per key.
  // Counts characters as the server does: code points of the text without surrounding space.
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  function length(value) { return Array.from(value.trim()).length; }
  function message(counter, count) {
    var min = Number(counter.dataset.min), max = Number(counter.dataset.max);
    var template = count < min ? counter.dataset.short
      : count > max ? counter.dataset.long : counter.dataset.ok;
    return template.replace("{count}", numbers.format(count))
      .replace("{over}", numbers.format(count - max));
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-counts]"), function (counter) {
    var field = document.getElementById(counter.dataset.counts);
    var status = document.getElementById(counter.id + "-status");
    if (!field || !status) { return; }
    var pause = null;
    function update() {
      var text = message(counter, length(field.value));
      counter.textContent = text;
      window.clearTimeout(pause);
      pause = window.setTimeout(function () { status.textContent = text; }, 1000);
    }
    counter.hidden = false;
    counter.textContent = message(counter, length(field.value));
    field.addEventListener("input", update);
  });
})();
