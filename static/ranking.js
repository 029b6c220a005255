// Drag and drop on the ranking ballot (SortableJS), an enhancement only: the rank menus and the
// "move up" / "move down" buttons work without this file, by keyboard and screen reader.
// After a drop, the ranked options (those ranked before, and the one dragged) take the ranks
// 1, 2, 3... in their new order; unranked ones stay unranked, below. A live region says what
// changed.
(function () {
  "use strict";
  function start() {
    var list = document.querySelector("ol.ranking[data-draggable]");
    if (!list || typeof Sortable === "undefined") return;
    var status = document.getElementById("ranking-status");
    list.classList.add("ranking-draggable");
    Sortable.create(list, {
      handle: ".drag-handle",
      forceFallback: true, // pointer events, the same with a mouse, a pen or a finger
      animation: 150,
      onEnd: function (event) {
        var moved = event.item;
        var items = Array.prototype.slice.call(list.children);
        var ranked = items.filter(function (item) {
          return item === moved || item.querySelector("select").value !== "";
        });
        items.forEach(function (item) {
          if (ranked.indexOf(item) < 0) list.appendChild(item);
        });
        ranked.forEach(function (item, index) {
          item.querySelector("select").value = String(index + 1);
        });
        if (status) {
          status.textContent = status.dataset.template
            .replace("%(title)s", moved.dataset.title)
            .replace("%(rank)s", moved.querySelector("select").value);
        }
      },
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
