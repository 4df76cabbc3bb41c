// The board's in-place feedback and drag-and-drop. The arrows (plain POST forms, swapped in
// place by htmx) stay the keyboard and no-JavaScript way; a drop posts the same forms.
(function () {
  "use strict";

  const status = () => document.getElementById("board-status");

  function say(text, failed) {
    const region = status();
    if (!region) return;
    const line = document.createElement("p");
    line.className = failed ? "message error" : "message success";
    line.textContent = text;
    region.replaceChildren(line);
  }

  // After an answer, focus the moved card's same control (or its next sensible one): the
  // answer's status line names it (items/board.html#in_place).
  function restoreFocus() {
    const region = status();
    const line = region && region.querySelector("[data-focus]");
    if (!line) return;
    const card = line.dataset.focus && document.getElementById(line.dataset.focus);
    let target = null;
    if (card) {
      const value = line.dataset.focusValue;
      target =
        (value && card.querySelector('button[value="' + CSS.escape(value) + '"]')) ||
        card.querySelector("form button") ||
        card.querySelector("a.key");
    }
    if (!target) {
      region.tabIndex = -1;
      target = region;
    }
    target.focus();
    target.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "board-status") {
      window.setTimeout(restoreFocus, 0);
    }
    if (event.detail.target && event.detail.target.matches("ol.cards")) {
      makeSortable(event.detail.target);
    }
  });

  // --- Drag and drop (SortableJS, vendored under static/vendor/) ----------------------------

  function columnIndex(list) {
    return Array.from(document.querySelectorAll("ol.cards")).indexOf(list);
  }

  // What a drop asks of the engine, as the fields an arrow would post; null if no one action.
  function dropAction(from, to, oldIndex, newIndex) {
    if (from === to) {
      const last = to.querySelectorAll(":scope > li.card").length - 1;
      if (newIndex === 0) return { shift: "top" };
      if (newIndex === last) return { shift: "bottom" };
      if (newIndex === oldIndex - 1) return { shift: "up" };
      if (newIndex === oldIndex + 1) return { shift: "down" };
      return null;
    }
    const step = columnIndex(to) - columnIndex(from);
    if (step === 1) return { direction: "next" };
    if (step === -1) return { direction: "prev" };
    return { to_status: to.dataset.state };
  }

  function onDrop(event) {
    const { item, from, to, oldIndex, newIndex } = event;
    if (from === to && oldIndex === newIndex) return;
    // Back where it was until the server answers: a refused drop stays snapped back, and an
    // accepted one arrives in its new place with the answer's out-of-band swaps.
    from.insertBefore(item, from.children[oldIndex] || null);
    // htmx carries an old element's attributes over to its swapped-in twin: leave no inline
    // style from the drag behind, or the strict CSP refuses it.
    [from, to].forEach(function (list) {
      list.querySelectorAll("[style]").forEach(function (el) {
        el.removeAttribute("style");
      });
    });
    const form = item.querySelector("form.arrows");
    const key = item.querySelector("a.key");
    const action = dropAction(from, to, oldIndex, newIndex);
    if (!form || !action) {
      // The text comes from the template, in the reader's language.
      const board = document.getElementById("board");
      const help = (board && board.dataset.dropHelp) || "";
      say(help.replace("{key}", key ? key.textContent : ""), true);
      if (key) key.focus();
      return;
    }
    const move = form.getAttribute("action");
    const url = action.shift ? move.replace("/move/", "/reorder/") : move;
    const values = Object.assign({ origin: "board" }, action);
    window.htmx.ajax("POST", url, { source: form, values: values, swap: "none" });
  }

  // Every column takes a drop, an empty one too (its list stays, with a height: board.css),
  // but only for a user who may move (whose cards carry the arrows' forms).
  function makeSortable(list) {
    const board = document.getElementById("board");
    if (!window.Sortable || !board || !board.dataset.canMove) return;
    if (window.Sortable.get(list)) return;
    window.Sortable.create(list, {
      group: "board",
      draggable: "li.card",
      filter: "button, a, input",
      preventOnFilter: false,
      animation: 0, // no transforms left on the cards (see onDrop)
      forceFallback: true, // mouse and touch events: the same on every browser
      onEnd: onDrop,
    });
  }

  function init() {
    document.querySelectorAll("#board ol.cards").forEach(makeSortable);
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "board") init();
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
