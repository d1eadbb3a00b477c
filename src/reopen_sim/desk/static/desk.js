// The board's drag-and-drop: move a class card onto another gate × window cell.
// Hand-written (HTML5 drag and drop, no library): htmx has no drag support, and a drop only needs to
// post the same edit the form below the board sends; the server answers with the re-rendered board
// (the new version and every broken rule marked, or the latest version and a conflict note).
(function () {
  "use strict";

  function board() { return document.getElementById("board"); }
  function cellOf(target) { return target && target.closest ? target.closest("td.cell") : null; }
  function cardOf(target) { return target && target.closest ? target.closest(".card[draggable]") : null; }

  function clearTargets() {
    document.querySelectorAll("td.cell.over-target").forEach(function (c) { c.classList.remove("over-target"); });
  }

  // Pick a class in the edit form (click on a card), so the form edits that class.
  function select(card) {
    var select = document.getElementById("edit-class");
    if (!select) { return; }
    select.value = card.dataset.class;
    document.querySelectorAll(".card.selected").forEach(function (c) { c.classList.remove("selected"); });
    card.classList.add("selected");
  }

  document.addEventListener("dragstart", function (e) {
    var card = cardOf(e.target);
    if (!card) { return; }
    e.dataTransfer.setData("text/plain", card.dataset.class);
    e.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", function (e) {
    var card = cardOf(e.target);
    if (card) { card.classList.remove("dragging"); }
    clearTargets();
  });

  document.addEventListener("dragover", function (e) {
    var cell = cellOf(e.target);
    if (!cell) { return; }
    e.preventDefault(); // allow the drop
    e.dataTransfer.dropEffect = "move";
    if (!cell.classList.contains("over-target")) {
      clearTargets();
      cell.classList.add("over-target");
    }
  });

  document.addEventListener("drop", function (e) {
    var cell = cellOf(e.target);
    var b = board();
    if (!cell || !b) { return; }
    e.preventDefault();
    clearTargets();
    var classId = e.dataTransfer.getData("text/plain");
    if (!classId) { return; }
    window.htmx.ajax("POST", b.dataset.editUrl, {
      target: "#board",
      swap: "outerHTML",
      values: {
        class_id: classId,
        gate: cell.dataset.gate,
        arrival_start: cell.dataset.window,
        version: b.dataset.version,
        window_min: b.dataset.windowMin
      }
    });
  });

  document.addEventListener("click", function (e) {
    var card = cardOf(e.target);
    if (card) { select(card); }
  });
})();
