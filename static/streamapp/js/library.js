/* streamapp library pages: reordering and removing a playlist's entries (drag and drop, or Move up /
   Move down / Remove in a track's "…" menu, built by player.js), the playlist dialogs and page menus.

   Every change goes to the API as one atomic operation ({item_id, to_index} moves); when the stored
   order differs from the page (someone else edited meanwhile) the page is reloaded from the server. */
(function () {
  "use strict";

  function qsa(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function send(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; },
        function () { return { ok: response.ok, data: null }; });
    }, function () { return { ok: false, data: null }; });
  }

  function say(message) {
    if (window.streamapp && window.streamapp.toast) { window.streamapp.toast(message); return; }
    var region = document.getElementById("toasts");
    if (!region) return;
    var note = document.createElement("p");
    note.className = "toast toast-live";
    note.textContent = message;
    region.appendChild(note);
    window.setTimeout(function () { note.classList.add("is-leaving"); }, 3200);
    window.setTimeout(function () { note.remove(); }, 3600);
  }

  function reloadMain() {
    if (window.htmx) htmx.ajax("GET", location.pathname + location.search, { target: "#main", select: "#main", swap: "outerHTML" });
    else location.reload();
  }

  function container(row) { return row.closest("[data-editable-playlist]"); }
  function itemRows(list) { return qsa(".track-row[data-item-id]", list); }
  function apiBase(list) { return "/api/v1/playlists/" + list.getAttribute("data-editable-playlist") + "/"; }

  function renumber(list) {
    itemRows(list).forEach(function (row, i) {
      var number = row.querySelector(".track-number");
      if (number) number.textContent = String(i + 1);
    });
  }

  function entryIds(items) { return items.map(function (item) { return String(item.item_id); }); }

  /* The stored entries' ids in order: the answer holds the first page; a longer playlist is read page
     by page from tracks/ (in the largest pages the API gives). Null when a page could not be read. */
  function storedIds(list, answer) {
    if (!answer.data.items_next) return Promise.resolve(entryIds(answer.data.items));
    var ids = [];
    function readFrom(url) {
      return send("GET", url).then(function (page) {
        if (!page.ok || !page.data || !Array.isArray(page.data.results)) return null;
        ids = ids.concat(entryIds(page.data.results));
        return page.data.next ? readFrom(page.data.next) : ids;
      });
    }
    return readFrom(apiBase(list) + "tracks/?page_size=200");
  }

  /* The server answers with the stored entries: if they differ from the page, show the server's. */
  function checkOrder(list, answer) {
    if (!answer.ok || !answer.data || !answer.data.items) {
      say(answer.data && answer.data.detail ? answer.data.detail : "Couldn’t save that change. Reloading the playlist.");
      reloadMain();
      return;
    }
    storedIds(list, answer).then(function (stored) {
      var shown = itemRows(list).map(function (row) { return row.getAttribute("data-item-id"); });
      if (stored && stored.join(",") !== shown.join(",")) reloadMain();
    });
  }

  function moveTo(row, toIndex) {
    var list = container(row);
    var rows = itemRows(list);
    var from = rows.indexOf(row);
    if (from < 0 || toIndex === from || toIndex < 0 || toIndex >= rows.length) return;
    var anchor = rows[toIndex];
    anchor.parentNode.insertBefore(row, toIndex > from ? anchor.nextSibling : anchor);
    renumber(list);
    send("POST", apiBase(list) + "order/", { item_id: Number(row.getAttribute("data-item-id")), to_index: toIndex })
      .then(function (answer) { checkOrder(list, answer); });
  }

  function moveRow(row, delta) {
    var rows = itemRows(container(row));
    moveTo(row, rows.indexOf(row) + delta);
    var button = row.querySelector(".track-more");
    if (button) button.focus();
    var title = row.querySelector(".track-title");
    say("Moved “" + (title ? title.textContent.trim() : "track") + "” to position " + (itemRows(container(row)).indexOf(row) + 1));
  }

  function removeRow(row) {
    var list = container(row);
    var title = row.querySelector(".track-title");
    send("DELETE", apiBase(list) + "items/" + row.getAttribute("data-item-id") + "/").then(function (answer) {
      if (!answer.ok) { say("Couldn’t remove that track."); return; }
      say("Removed “" + (title ? title.textContent.trim() : "track") + "” from the playlist");
      // The header (count, duration, cover mosaic) changes too: show the page as stored.
      reloadMain();
    });
  }

  window.streamappLibrary = { moveRow: moveRow, removeRow: removeRow };

  /* ------------------------------------------------------------------ drag and drop */
  var dragged = null;

  function clearMarks() {
    qsa(".is-dragging, .drop-before, .drop-after").forEach(function (node) {
      node.classList.remove("is-dragging", "drop-before", "drop-after");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest("[data-editable-playlist] .track-row[data-item-id]");
    if (!row) return;
    dragged = row;
    row.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.getAttribute("data-item-id"));
    try { event.dataTransfer.setDragImage(row, 24, 24); } catch (error) { /* older browsers */ }
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var row = event.target.closest && event.target.closest(".track-row[data-item-id]");
    if (!row || container(row) !== container(dragged)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var box = row.getBoundingClientRect();
    var before = event.clientY < box.top + box.height / 2;
    qsa(".drop-before, .drop-after").forEach(function (node) { node.classList.remove("drop-before", "drop-after"); });
    if (row !== dragged) row.classList.add(before ? "drop-before" : "drop-after");
  });

  document.addEventListener("drop", function (event) {
    if (!dragged) return;
    var row = event.target.closest && event.target.closest(".track-row[data-item-id]");
    if (!row || row === dragged || container(row) !== container(dragged)) { clearMarks(); return; }
    event.preventDefault();
    var rows = itemRows(container(row));
    var from = rows.indexOf(dragged);
    var over = rows.indexOf(row);
    var to = over + (row.classList.contains("drop-after") ? 1 : 0);
    if (to > from) to -= 1;
    var moved = dragged;
    clearMarks();
    dragged = null;
    moveTo(moved, to);
  });

  document.addEventListener("dragend", function () {
    dragged = null;
    clearMarks();
  });

  /* ------------------------------------------------------------------ dialogs and page menus */
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog && dialog.showModal) {
        event.preventDefault();
        dialog.showModal();
        var field = dialog.querySelector("input:not([type=hidden]), textarea");
        if (field) field.focus();
      }
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      var open = closer.closest("dialog");
      if (open) open.close();
      return;
    }
    // A click on a dialog's backdrop closes it.
    if (event.target.tagName === "DIALOG" && event.target.open) {
      var box = event.target.getBoundingClientRect();
      var inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) event.target.close();
    }
    qsa("details.page-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    qsa("details.page-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  // A form submitted from a dialog leaves the page: close the dialog first so it doesn't linger.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var dialog = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("dialog[open]");
    if (dialog) dialog.close();
    qsa("details.page-menu[open]").forEach(function (menu) { menu.removeAttribute("open"); });
  });
})();
