/* streamapp radio and recommendations: "Radio" buttons and menu items start an endless queue from a
   track, album, artist, genre or playlist (POST /api/v1/radio/); as the queue runs low the next batch
   comes from POST /api/v1/radio/<session>/next/ with what was skipped and played to the end, so the
   radio adapts to the listener. Plays report context "radio" and the session id (player.js sends each
   entry's context). Also: "Not for me" (thumbs-down, with Undo) on recommended tracks and in generated
   playlists, "Similar tracks", and the taste picker's counter. */
(function () {
  "use strict";

  var kit = window.streamapp;
  if (!kit || !kit.player) return;
  var P = kit.player;
  var API = { radio: "/api/v1/radio/", dislikes: "/api/v1/me/dislikes/" };
  var PREFETCH_WHEN_LEFT = 3;
  var BATCH = 10;

  /* ------------------------------------------------------------------ starting a radio */
  function startRadio(seedType, seedId, label) {
    return kit.api("POST", API.radio, { seed_type: seedType, seed_id: String(seedId), size: BATCH }).then(function (answer) {
      if (!answer.ok || !answer.data) {
        kit.toast(answer.status === 404 ? "There is no radio for this." : "Couldn’t start the radio. Try again.");
        return;
      }
      var data = answer.data;
      if (!data.tracks.length) { kit.toast("Nothing to play on this radio yet."); return; }
      resetFeedback();
      P.startContext(data.tracks, { type: "radio", id: data.session }, 0);
      kit.toast("Playing " + data.title);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".radio-start");
    if (!button) return;
    event.preventDefault();
    button.classList.add("is-loading");
    startRadio(button.getAttribute("data-radio-type"), button.getAttribute("data-radio-id")).then(function () {
      button.classList.remove("is-loading");
    });
  });

  /* ------------------------------------------------------------------ what the listener does with it */
  var feedback = { skipped: [], played: [] };
  var lastKey = null;
  var lastTrack = null;
  var lastContext = null;
  var endedKey = null;

  function resetFeedback() { feedback = { skipped: [], played: [] }; }

  // A track played to its end (also when the next one joined it without a gap, before "ended").
  document.addEventListener("streamapp:ended", function (event) { endedKey = event.detail.key; });

  function isRadio(ctx) { return ctx && ctx.type === "radio" && ctx.id; }

  var fetching = false;
  var exhausted = {};

  function topUp() {
    var ctx = P.context();
    if (!isRadio(ctx) || fetching || exhausted[ctx.id]) return;
    var entries = P.entries();
    var left = entries.length - 1 - P.index();
    if (left >= PREFETCH_WHEN_LEFT) return;
    fetching = true;
    var sent = feedback;
    resetFeedback();
    kit.api("POST", API.radio + ctx.id + "/next/", { size: BATCH, skipped: sent.skipped, played: sent.played }).then(function (answer) {
      fetching = false;
      var now = P.context();
      if (!isRadio(now) || now.id !== ctx.id) return;  // another radio or album started meanwhile
      if (!answer.ok || !answer.data) {
        if (answer.status === 404) exhausted[ctx.id] = true;  // the session expired: the queue just ends
        else { feedback.skipped = sent.skipped.concat(feedback.skipped); feedback.played = sent.played.concat(feedback.played); }
        return;
      }
      if (answer.data.exhausted) { exhausted[ctx.id] = true; return; }
      P.appendTracks(answer.data.tracks, { type: "radio", id: ctx.id });
    });
  }

  /* Each change of the playing entry: was the one before played to the end, or skipped? */
  document.addEventListener("streamapp:player", function () {
    var item = P.current();
    var key = item ? item.key : null;
    if (key !== lastKey) {
      if (lastKey !== null && isRadio(lastContext) && lastTrack !== null) {
        if (endedKey === lastKey) feedback.played.push(lastTrack);
        else feedback.skipped.push(lastTrack);
      }
      lastKey = key;
      lastTrack = item ? item.track.id : null;
      lastContext = item ? item.context : null;
    }
    topUp();
  });

  /* ------------------------------------------------------------------ thumbs-down */
  function undoToast(message, undo) {
    var region = document.getElementById("toasts");
    if (!region) return;
    var button = kit.element("button", { type: "button", className: "toast-action", text: "Undo" });
    var note = kit.element("p", { className: "toast toast-live" }, [message, " ", button]);
    button.addEventListener("click", function () { note.remove(); undo(); });
    region.appendChild(note);
    window.setTimeout(function () { note.classList.add("is-leaving"); }, 6000);
    window.setTimeout(function () { note.remove(); }, 6400);
  }

  function rowsOf(trackId) {
    return kit.qsa('.track-row[data-track-id="' + trackId + '"]').filter(function (row) {
      return row.hasAttribute("data-recommended") || row.closest('[data-play-context="generated"]');
    });
  }

  function dislike(trackId, title) {
    var rows = rowsOf(trackId);
    rows.forEach(function (row) { row.classList.add("is-disliked"); });
    kit.api("POST", API.dislikes, { track_id: trackId }).then(function (answer) {
      if (!answer.ok) {
        rows.forEach(function (row) { row.classList.remove("is-disliked"); });
        kit.toast("Couldn’t save that. Try again.");
        return;
      }
      var parents = rows.map(function (row) { return { row: row, parent: row.parentNode, next: row.nextSibling }; });
      rows.forEach(function (row) { row.remove(); });
      undoToast("“" + title + "” won’t be recommended again.", function () {
        kit.api("DELETE", API.dislikes + trackId + "/").then(function (undone) {
          if (!undone.ok) { kit.toast("Couldn’t undo that."); return; }
          parents.forEach(function (place) {
            place.row.classList.remove("is-disliked");
            if (place.parent && place.parent.isConnected) place.parent.insertBefore(place.row, place.next && place.next.parentNode === place.parent ? place.next : null);
          });
          P.refreshMarks();
          kit.toast("“" + title + "” is back.");
        });
      });
    });
  }

  /* ------------------------------------------------------------------ menu items */
  kit.menuExtras = kit.menuExtras || [];
  kit.menuExtras.push(function (context, menuItem) {
    if (context.kind === "album") {
      return [menuItem("Start radio", "radio", function () { startRadio("album", context.albumId); })];
    }
    var info = context.info;
    if (!info || !info.id) return [];
    var items = [
      menuItem("Start radio", "radio", function () { startRadio("track", info.id); }),
      menuItem("Similar tracks", "note", null, { href: kit.urlFor("track", info.id) + "#shelf-similar-tracks" })
    ];
    var row = context.row;
    if (row && (row.hasAttribute("data-recommended") || row.closest('[data-play-context="generated"]'))) {
      items.push(menuItem("Not for me", "thumbs-down", function () { dislike(info.id, info.title); }, { danger: true }));
    }
    return items;
  });

  /* ------------------------------------------------------------------ the taste picker */
  function updatePickerCount() {
    var form = document.querySelector("[data-taste-form]");
    if (!form) return;
    var genres = form.querySelectorAll('input[name="genres"]:checked').length;
    var artists = form.querySelectorAll('input[name="artists"]:checked').length;
    var label = form.querySelector("[data-taste-count]");
    if (!label) return;
    if (!genres && !artists) { label.textContent = "Pick a few genres or artists"; return; }
    var parts = [];
    if (genres) parts.push(genres + (genres === 1 ? " genre" : " genres"));
    if (artists) parts.push(artists + (artists === 1 ? " artist" : " artists"));
    label.textContent = parts.join(" and ") + " picked";
  }
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("[data-taste-form]")) updatePickerCount();
  });
  document.addEventListener("htmx:afterSettle", updatePickerCount);
  updatePickerCount();

  kit.radio = { start: startRadio };
})();
