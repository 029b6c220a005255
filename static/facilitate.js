// Facilitators' pages, progressive enhancement only: without this file every link stays
// selectable text, every field is shown and every form works.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="id of the element holding the text" data-copied="message">.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http: the clipboard API is missing; copy a selection instead.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var copied = document.execCommand("copy");
    document.body.removeChild(area);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function setUp(root) {
    root.querySelectorAll("button[data-copy], button[data-print]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy], button[data-print]");
    if (!button) return;
    if (button.hasAttribute("data-print")) {
      window.print();
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById("copy-status");
    if (!source) return;
    copyText(source.textContent.trim()).then(function () {
      if (status) status.textContent = button.getAttribute("data-copied");
    }, function () {
      // Copy refused: select the link so that the person can copy it themselves.
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      if (status) status.textContent = button.getAttribute("data-refused");
    });
  });

  setUp(document);
})();

// The round form: only the chosen languages' texts are shown, and a new round's address is
// proposed from its title until the facilitator types one.
(function () {
  "use strict";
  var form = document.querySelector("form[data-round-form]");
  if (!form) return;
  var boxes = form.querySelectorAll('input[name="languages"]');

  function chosen() {
    return Array.prototype.filter.call(boxes, function (box) { return box.checked; })
      .map(function (box) { return box.value; });
  }

  function showChosen() {
    var codes = chosen();
    form.querySelectorAll("fieldset[data-language]").forEach(function (fieldset) {
      // With no language ticked yet, every text stays visible rather than none.
      fieldset.hidden = codes.length > 0 && codes.indexOf(fieldset.getAttribute("data-language")) < 0;
    });
  }

  boxes.forEach(function (box) { box.addEventListener("change", showChosen); });
  showChosen();

  if (!form.hasAttribute("data-slug-from-title")) return;
  var slug = form.querySelector('input[name="slug"]');
  if (!slug) return;
  var proposed = slug.value === "";

  // The same rule as round_admin.proposed_slug.
  function slugOf(title) {
    return title.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
  }

  slug.addEventListener("input", function () { proposed = slug.value === ""; });
  form.addEventListener("input", function (event) {
    var codes = chosen();
    if (!proposed || !codes.length || event.target.name !== "title_" + codes[0]) return;
    slug.value = slugOf(event.target.value);
  });
})();
