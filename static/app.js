// Keyboard shortcuts on the statement card: A agree, D disagree, P pass; open disclosures kept
// open across htmx swaps. Progressive enhancement only: every control is a real form button that works without this file.
(function () {
  "use strict";
  // The hint names keys: show it only where a keyboard is likely (a fine pointer that hovers).
  if (window.matchMedia && window.matchMedia("(hover: hover) and (pointer: fine)").matches) {
    document.documentElement.classList.add("has-keyboard");
  }
  var keys = { a: "agree", d: "disagree", p: "pass" };
  document.addEventListener("keydown", function (event) {
    // A held key repeats: it must not vote on card after card unread.
    if (event.repeat || event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var value = keys[event.key.toLowerCase()];
    if (!value) return;
    var button = document.querySelector('#card button[name="vote"][value="' + value + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
  // A region that refreshes itself (the opinion map) keeps the disclosures the reader opened:
  // the open <details> with an id before the swap are opened again after it.
  var opened = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    opened = target ? Array.prototype.map.call(target.querySelectorAll("details[open][id]"), function (d) { return d.id; }) : [];
  });
  document.addEventListener("htmx:afterSwap", function () {
    opened.forEach(function (id) {
      var details = document.getElementById(id);
      if (details && details.tagName === "DETAILS") details.open = true;
    });
    opened = [];
  });
  // After htmx swaps in a new card, move focus to it so keyboard and screen-reader users follow.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "card") {
      var card = document.getElementById("card");
      if (card) {
        card.setAttribute("tabindex", "-1");
        card.focus();
      }
    }
  });
})();
