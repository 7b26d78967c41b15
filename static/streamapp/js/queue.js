/* streamapp queue panel: the full queue (now playing, next up, played earlier) in a drawer beside the
   page, or a sheet over it on phones. Play from any entry, reorder by drag and drop or with the up /
   down buttons, remove, clear, save as a playlist. The queue itself lives in player.js. */
(function () {
  "use strict";

  var kit = window.streamapp;
  var panel = document.getElementById("queue-panel");
  var button = document.querySelector("#player .player-queue-button");
  if (!kit || !kit.player || !panel || !button) return;
  var P = kit.player;
  var qs = kit.qs, qsa = kit.qsa, icon = kit.icon, element = kit.element;

  var open = false;

  function menuOpen() {
    var menu = document.getElementById("action-menu");
    return menu && !menu.hidden;
  }

  function setOpen(value) {
    open = value;
    panel.hidden = !value;
    button.setAttribute("aria-expanded", value ? "true" : "false");
    document.documentElement.classList.toggle("queue-open", value);
    if (value) {
      render();
      panel.focus({ preventScroll: true });
      var now = qs(".queue-now .queue-item", panel);
      if (now) now.scrollIntoView({ block: "nearest" });
    }
  }

  function nowIcon() {
    if (P.audio.paused) return icon("note");
    return element("span", { className: "eq" }, [element("span"), element("span"), element("span")]);
  }

  function row(item, i, count) {
    var track = item.track;
    var isCurrent = i === P.index();
    var cover = element("span", { className: "queue-cover", "aria-hidden": "true" }, [icon("note")]);
    if (track.cover_url) cover.appendChild(element("img", { src: track.cover_url, alt: "", loading: "lazy" }));
    return element("li", {
      className: "queue-item" + (isCurrent ? " is-current" : ""),
      "data-queue-index": i,
      draggable: isCurrent ? null : "true",
      "aria-current": isCurrent ? "true" : null
    }, [
      element("span", { className: "queue-grip", "aria-hidden": "true" }, [isCurrent ? nowIcon() : icon("grip")]),
      element("button", {
        type: "button", className: "queue-play",
        "aria-label": (isCurrent ? "Playing: " : "Play ") + track.title + " by " + track.artist
      }, [
        cover,
        element("span", { className: "queue-text" }, [
          element("span", { className: "queue-track", text: track.title }),
          element("span", { className: "queue-artist", text: track.artist })
        ])
      ]),
      element("span", { className: "queue-actions" }, isCurrent ? [
        element("span", { className: "queue-duration", text: kit.formatTime(track.duration_ms / 1000) })
      ] : [
        element("button", { type: "button", className: "icon-button queue-up", "aria-label": "Move " + track.title + " up", disabled: i === 0 }, [icon("arrow-up")]),
        element("button", { type: "button", className: "icon-button queue-down", "aria-label": "Move " + track.title + " down", disabled: i === count - 1 }, [icon("arrow-down")]),
        element("button", { type: "button", className: "icon-button queue-remove", "aria-label": "Remove " + track.title + " from the queue" }, [icon("close")]),
        element("button", {
          type: "button", className: "icon-button queue-more", "aria-haspopup": "menu", "aria-expanded": "false",
          "aria-label": "More options for " + track.title, "data-menu": "queue"
        }, [icon("more")])
      ])
    ]);
  }

  function render() {
    if (!open) return;
    var entries = P.entries();
    var index = P.index();
    var now = qs(".queue-now", panel);
    var upcoming = qs(".queue-next", panel);
    var earlier = qs(".queue-earlier", panel);
    now.textContent = "";
    upcoming.textContent = "";
    earlier.textContent = "";
    entries.forEach(function (item, i) {
      var node = row(item, i, entries.length);
      if (i === index) now.appendChild(node);
      else if (i > index) upcoming.appendChild(node);
      else earlier.appendChild(node);
    });
    qs(".queue-now-section", panel).hidden = !entries.length;
    qs(".queue-empty", panel).hidden = entries.length > index + 1;
    qs(".queue-earlier-section", panel).hidden = index === 0 || !entries.length;
    qs(".queue-earlier-count", panel).textContent = "(" + index + ")";
    qs(".queue-clear", panel).disabled = entries.length <= 1;
    qs(".queue-save", panel).disabled = !entries.length;
  }

  function indexOf(node) {
    var li = node.closest(".queue-item");
    return li ? Number(li.getAttribute("data-queue-index")) : -1;
  }

  function focusButton(i, className) {
    var target = qs('.queue-item[data-queue-index="' + i + '"] .' + className, panel);
    if (!target || target.disabled) target = qs('.queue-item[data-queue-index="' + i + '"] .queue-play', panel);
    if (target) target.focus();
  }

  function saveAsPlaylist() {
    var entries = P.entries();
    if (!entries.length || !kit.library) return;
    var name = "Queue " + new Date().toLocaleDateString(undefined, { day: "numeric", month: "short" });
    kit.library.createPlaylist(name, entries.map(function (item) { return item.track.id; }));
  }

  /* The menus ask which queue entry a "…" button belongs to. */
  kit.queueIndexOf = indexOf;

  button.addEventListener("click", function () { setOpen(!open); });
  document.addEventListener("streamapp:player", render);

  panel.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) return;
    if (target.classList.contains("queue-close")) { setOpen(false); button.focus(); return; }
    if (target.classList.contains("queue-clear")) { P.clearQueue(); return; }
    if (target.classList.contains("queue-save")) { saveAsPlaylist(); return; }
    var i = indexOf(target);
    if (i < 0) return;
    if (target.classList.contains("queue-play")) {
      if (i === P.index()) P.togglePlayback(); else P.goTo(i);
    } else if (target.classList.contains("queue-up")) {
      P.moveEntry(i, i - 1);
      focusButton(i - 1, "queue-up");
    } else if (target.classList.contains("queue-down")) {
      P.moveEntry(i, i + 1);
      focusButton(i + 1, "queue-down");
    } else if (target.classList.contains("queue-remove")) {
      P.removeEntry(i);
      focusButton(Math.min(i, P.entries().length - 1), "queue-remove");
    }
  });

  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !menuOpen()) { setOpen(false); button.focus(); }
  });

  // Drag and drop to reorder (mouse); the up / down buttons do the same from the keyboard.
  var dragFrom = -1;

  function clearMarks() {
    qsa(".is-dragging, .drop-before, .drop-after", panel).forEach(function (node) {
      node.classList.remove("is-dragging", "drop-before", "drop-after");
    });
  }

  panel.addEventListener("dragstart", function (event) {
    var li = event.target.closest && event.target.closest(".queue-item[draggable]");
    if (!li) return;
    dragFrom = Number(li.getAttribute("data-queue-index"));
    li.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", String(dragFrom));
  });
  panel.addEventListener("dragover", function (event) {
    var li = event.target.closest && event.target.closest(".queue-item");
    if (dragFrom < 0 || !li) return;
    event.preventDefault();
    var box = li.getBoundingClientRect();
    qsa(".drop-before, .drop-after", panel).forEach(function (node) { node.classList.remove("drop-before", "drop-after"); });
    li.classList.add(event.clientY < box.top + box.height / 2 ? "drop-before" : "drop-after");
  });
  panel.addEventListener("drop", function (event) {
    var li = event.target.closest && event.target.closest(".queue-item");
    if (dragFrom < 0 || !li) return;
    event.preventDefault();
    var to = Number(li.getAttribute("data-queue-index")) + (li.classList.contains("drop-after") ? 1 : 0);
    if (to > dragFrom) to -= 1;
    var from = dragFrom;
    dragFrom = -1;
    clearMarks();
    P.moveEntry(from, to);
  });
  panel.addEventListener("dragend", function () {
    dragFrom = -1;
    clearMarks();
  });

  // On a phone the queue covers the page: a link followed from it closes it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.boosted && open && kit.narrow.matches) setOpen(false);
  });
})();
