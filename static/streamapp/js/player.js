/* streamapp player: one <audio> element in #player (never swapped by navigation), a play queue saved on
   the server, play reports for listens and streaming analytics, likes, the "…" menus, the queue panel,
   keyboard shortcuts and the Media Session (lock screen, media keys).

   Every page part is reached by event delegation on document, so buttons brought in by htmx swaps work
   without re-binding; what shows the playing track is refreshed after each swap (htmx:afterSettle). */
(function () {
  "use strict";

  var player = document.getElementById("player");
  var audio = player && player.querySelector(".player-audio");
  if (!player || !audio) return;

  var API = {
    state: "/api/v1/player/state/",
    plays: "/api/v1/player/plays/",
    context: "/api/v1/player/context/",
    likes: "/api/v1/likes/",
    playlists: "/api/v1/playlists/"
  };
  var SAVE_DEBOUNCE_MS = 800;
  var POSITION_SAVE_MS = 10000;
  var PROGRESS_REPORT_MS = 10000;
  var RESTART_THRESHOLD_S = 3;
  var SEEK_STEP_S = 10;
  var VOLUME_STEP = 0.05;
  var MAX_CONTEXT_IDS = 500;
  var NARROW = window.matchMedia("(max-width: 760px)");

  /* ================================================================== utilities */
  function qs(selector, root) { return (root || document).querySelector(selector); }
  function qsa(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  /* fetch JSON from our API; resolves {ok, status, data} and never rejects on HTTP errors. */
  function api(method, url, body, options) {
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
      keepalive: Boolean(options && options.keepalive)
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (response) {
      if (response.status === 204) return { ok: true, status: 204, data: null };
      return response.json().then(
        function (data) { return { ok: response.ok, status: response.status, data: data }; },
        function () { return { ok: response.ok, status: response.status, data: null }; }
      );
    }, function () {
      return { ok: false, status: 0, data: null };
    });
  }

  /* A UUID4 also where crypto.randomUUID is missing (plain http on a LAN address). */
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function formatTime(seconds) {
    if (!isFinite(seconds) || seconds < 0) seconds = 0;
    seconds = Math.floor(seconds);
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = String(seconds % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + rest : minutes + ":" + rest;
  }

  function icon(name) {
    var template = document.getElementById("icon-templates");
    var holder = template && template.content.querySelector('[data-icon="' + name + '"] svg');
    return holder ? holder.cloneNode(true) : document.createElement("span");
  }

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      var value = attributes[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function shuffled(list) {
    var copy = list.slice();
    for (var i = copy.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1));
      var swap = copy[i]; copy[i] = copy[j]; copy[j] = swap;
    }
    return copy;
  }

  function urlFor(kind, id) {
    var pattern = player.getAttribute("data-" + kind + "-url") || "/" + kind + "s/0/";
    return pattern.replace("/0/", "/" + id + "/");
  }

  /* ------------------------------------------------------------------ toasts */
  var toastRegion = document.getElementById("toasts");
  function toast(message, link) {
    if (!toastRegion) return;
    var note = element("p", { className: "toast toast-live" }, [message]);
    if (link) {
      var anchor = element("a", { href: link.href, text: link.label });
      note.appendChild(document.createTextNode(" "));
      note.appendChild(anchor);
      if (window.htmx) htmx.process(note);
    }
    toastRegion.appendChild(note);
    window.setTimeout(function () { note.classList.add("is-leaving"); }, 3200);
    window.setTimeout(function () { note.remove(); }, 3600);
  }

  /* ================================================================== the queue */
  var els = {
    art: qs(".player-art", player),
    artImage: qs(".player-art img", player),
    title: qs(".player-title-link", player),
    artist: qs(".player-artist-link", player),
    like: qs(".player-like", player),
    toggle: qs(".player-toggle", player),
    prev: qs(".player-prev", player),
    next: qs(".player-next", player),
    shuffle: qs(".player-shuffle", player),
    repeat: qs(".player-repeat", player),
    seek: qs(".player-seek", player),
    elapsed: qs(".player-elapsed", player),
    duration: qs(".player-duration", player),
    queueButton: qs(".player-queue-button", player),
    mute: qs(".player-mute", player),
    volume: qs(".player-volume", player),
    expand: qs(".player-expand", player),
    collapse: qs(".player-collapse", player),
    miniProgress: qs(".player-mini-progress span", player),
    panel: document.getElementById("queue-panel"),
    menu: document.getElementById("action-menu")
  };

  var nextKey = 1;
  /* An entry of the queue: the same track may be queued twice, so entries have their own key. */
  function entry(track, context) {
    return { key: nextKey++, track: track, context: context || { type: "", id: "" } };
  }

  var queue = [];
  var index = 0;
  var shuffle = false;
  var repeat = "off";
  var volume = 1;
  var muted = localStorage.getItem("streamapp.muted") === "1";
  var context = { type: "", id: "" };
  var version = null;
  var unshuffledKeys = null;   // the order before shuffle was turned on (this page's lifetime only)
  var queuedUntil = -1;        // "Add to queue" inserts after earlier additions, before the rest
  var userActed = false;       // the listener started something before the saved state arrived
  var loadedKey = null;
  var pendingSeek = null;
  var likedTracks = {};        // track id -> liked, as far as this page knows
  var consecutiveErrors = 0;

  function current() { return queue[index] || null; }

  /* ================================================================== play reports */
  var play = null;

  function newPlay(item) {
    return {
      id: uuid4(), item: item, startedAt: new Date().toISOString(), playedMs: 0,
      lastPos: null, lastWall: 0, requestedAt: null, started: false, ttfa: null,
      stallCount: 0, stallMs: 0, stallStart: null, errorCount: 0, error: "",
      reportedMs: 0, done: false
    };
  }

  function report(event, options) {
    var p = (options && options.play) || play;
    if (!p) return;
    var body = {
      play_id: p.id,
      track_id: p.item.track.id,
      event: event,
      played_ms: Math.round(p.playedMs),
      position_ms: Math.round((audio.currentTime || 0) * 1000),
      started_at: p.startedAt,
      context_type: p.item.context.type || "",
      context_id: String(p.item.context.id || "").slice(0, 64),
      stall_count: p.stallCount,
      stall_ms: Math.round(p.stallMs + (p.stallStart ? performance.now() - p.stallStart : 0)),
      error_count: p.errorCount
    };
    if (p.ttfa !== null) body.time_to_first_audio_ms = Math.min(Math.round(p.ttfa), 600000);
    if (p.error) body.error = p.error.slice(0, 255);
    p.reportedMs = p.playedMs;
    return api("POST", API.plays, body, { keepalive: Boolean(options && options.keepalive) });
  }

  /* Count media time actually played: timeupdate deltas, but not across a seek. A jump bigger than
     the wall-clock time allows at the current speed is a seek too (playbackRate speed-ups count). */
  function countPlayed() {
    if (!play || play.done || !play.started) return;
    var now = performance.now();
    var position = audio.currentTime;
    if (play.lastPos !== null && !audio.seeking) {
      var delta = position - play.lastPos;
      var wall = (now - play.lastWall) / 1000;
      var allowed = wall * Math.max(audio.playbackRate, 1) + 1;
      if (delta > 0 && delta <= allowed) play.playedMs += delta * 1000;
    }
    play.lastPos = position;
    play.lastWall = now;
  }

  function finishPlay(event, options) {
    if (!play || play.done) return;
    countPlayed();
    if (play.stallStart) { play.stallMs += performance.now() - play.stallStart; play.stallStart = null; }
    play.done = true;
    if (play.started || play.errorCount) report(event, { play: play, keepalive: options && options.keepalive });
    play = null;
  }

  /* ================================================================== saving the state */
  var saveTimer = null;
  var saving = false;
  var saveAgain = false;
  var lastPositionSave = 0;

  function positionMs() {
    if (pendingSeek !== null) return Math.round(pendingSeek * 1000);
    return Math.round((audio.currentTime || 0) * 1000);
  }

  function stateBody() {
    var body = {
      queue: queue.map(function (item) { return item.track.id; }),
      current_index: queue.length ? index : 0,
      position_ms: queue.length ? positionMs() : 0,
      shuffle: shuffle,
      repeat: repeat,
      volume: Math.round(volume * 1000) / 1000,
      context_type: context.type || "",
      context_id: String(context.id || "").slice(0, 64)
    };
    if (version !== null) body.version = version;
    return body;
  }

  function scheduleSave(delay) {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(saveState, delay === undefined ? SAVE_DEBOUNCE_MS : delay);
  }

  function saveState() {
    window.clearTimeout(saveTimer);
    if (version === null && !userActed) return;  // never overwrite a state we have not read yet
    if (saving) { saveAgain = true; return; }
    saving = true;
    lastPositionSave = Date.now();
    api("PUT", API.state, stateBody()).then(function (answer) {
      saving = false;
      if (answer.ok && answer.data) {
        version = answer.data.version;
      } else if (answer.status === 409 && answer.data && answer.data.state) {
        adoptServerState(answer.data.state);
      }
      if (saveAgain) { saveAgain = false; saveState(); }
    });
  }

  /* Save on the way out with keepalive: the request outlives the page. */
  function saveStateNow() {
    if (version === null && !userActed) return;
    api("PUT", API.state, stateBody(), { keepalive: true });
  }

  function adoptServerState(state) {
    var playingItem = current();
    var wasPlaying = !audio.paused;
    var stateContext = { type: state.context_type || "", id: state.context_id || "" };
    queue = (state.tracks || []).map(function (track) { return entry(track, stateContext); });
    context = stateContext;
    shuffle = Boolean(state.shuffle);
    repeat = state.repeat || "off";
    version = state.version;
    unshuffledKeys = null;
    queuedUntil = -1;
    setVolume(typeof state.volume === "number" ? state.volume : volume, false);
    index = Math.min(Math.max(state.current_index || 0, 0), Math.max(queue.length - 1, 0));
    // Still playing a track that is in the other device's queue: keep playing it there.
    if (wasPlaying && playingItem) {
      var same = queue.findIndex(function (item) { return item.track.id === playingItem.track.id; });
      if (same >= 0) {
        queue[same] = playingItem;
        index = same;
        render();
        return;
      }
    }
    if (queue.length) {
      load(index, { autoplay: false, at: (state.position_ms || 0) / 1000 });
    } else {
      unload();
    }
    render();
  }

  function restore() {
    api("GET", API.state).then(function (answer) {
      if (!answer.ok || !answer.data) return;
      if (userActed) {
        // Something started before the saved state arrived: it wins, saved over the stored one.
        version = answer.data.version;
        scheduleSave(0);
        return;
      }
      var state = answer.data;
      version = state.version;
      if (!state.tracks || !state.tracks.length) { render(); return; }
      var stateContext = { type: state.context_type || "", id: state.context_id || "" };
      queue = state.tracks.map(function (track) { return entry(track, stateContext); });
      context = stateContext;
      shuffle = Boolean(state.shuffle);
      repeat = state.repeat || "off";
      setVolume(typeof state.volume === "number" ? state.volume : 1, false);
      index = Math.min(Math.max(state.current_index || 0, 0), queue.length - 1);
      // Paused at the saved position: browsers only let audio start after the listener asks.
      load(index, { autoplay: false, at: (state.position_ms || 0) / 1000 });
    });
  }

  /* ================================================================== loading and playing */
  function unload() {
    finishPlay("skip");
    audio.removeAttribute("src");
    audio.load();
    loadedKey = null;
    pendingSeek = null;
  }

  function load(i, options) {
    options = options || {};
    var item = queue[i];
    if (!item) return;
    if (play && !play.done) finishPlay(options.endedPrevious ? "end" : "skip");
    index = i;
    loadedKey = item.key;
    pendingSeek = options.at > 0 ? options.at : null;
    play = newPlay(item);
    audio.src = item.track.stream_url;
    updateMediaSession();
    fetchLiked(item.track.id);
    render();
    if (options.autoplay) startPlayback();
  }

  function startPlayback() {
    var item = current();
    if (!item) return;
    if (loadedKey !== item.key) { load(index, { autoplay: true }); return; }
    if (!play || play.done) play = newPlay(item);
    if (!play.started && play.requestedAt === null) play.requestedAt = performance.now();
    var attempt = audio.play();
    if (attempt && attempt.catch) {
      attempt.catch(function (error) {
        if (error && error.name === "NotAllowedError") toast("Press play to start listening.");
        render();
      });
    }
  }

  function togglePlayback() {
    if (!current()) return;
    userActed = true;
    if (audio.paused) startPlayback(); else audio.pause();
  }

  function goTo(i, options) {
    if (i < 0 || i >= queue.length) return;
    userActed = true;
    load(i, { autoplay: options && options.autoplay !== undefined ? options.autoplay : true });
    scheduleSave();
  }

  function nextIndex() {
    if (index < queue.length - 1) return index + 1;
    return repeat === "all" && queue.length ? 0 : -1;
  }

  function next() {
    if (!queue.length) return;
    var target = nextIndex();
    if (target < 0) { stopAtEnd(); return; }
    goTo(target);
  }

  function previous() {
    if (!queue.length) return;
    if (audio.currentTime > RESTART_THRESHOLD_S || (index === 0 && repeat !== "all")) {
      seekTo(0);
      if (audio.paused) startPlayback();
      return;
    }
    goTo(index > 0 ? index - 1 : queue.length - 1);
  }

  function stopAtEnd() {
    finishPlay("end");
    audio.pause();
    audio.currentTime = 0;
    play = newPlay(current());
    render();
    scheduleSave(0);
  }

  function onEnded() {
    countPlayed();
    if (play && play.lastPos !== null && isFinite(audio.duration)) {
      var tail = audio.duration - play.lastPos;
      if (tail > 0 && tail < 2) play.playedMs += tail * 1000;
    }
    finishPlay("end");
    if (repeat === "one") {
      play = newPlay(current());
      audio.currentTime = 0;
      startPlayback();
      return;
    }
    var target = nextIndex();
    if (target < 0) { stopAtEnd(); return; }
    load(target, { autoplay: true });
    scheduleSave();
  }

  function seekTo(seconds) {
    var item = current();
    if (!item) return;
    var duration = isFinite(audio.duration) ? audio.duration : item.track.duration_ms / 1000;
    seconds = Math.max(0, Math.min(seconds, Math.max(duration - 0.25, 0)));
    if (audio.readyState === 0) {
      pendingSeek = seconds;
      renderProgress();
    } else {
      audio.currentTime = seconds;
    }
    scheduleSave(1500);
  }

  /* ================================================================== queue edits */
  function startContext(tracks, ctx, startAt, options) {
    if (!tracks.length) { toast("Nothing here can be played right now."); return; }
    userActed = true;
    var items = tracks.map(function (track) { return entry(track, ctx); });
    var start = Math.min(Math.max(startAt || 0, 0), items.length - 1);
    context = { type: ctx.type || "", id: ctx.id || "" };
    queuedUntil = -1;
    if (shuffle) {
      unshuffledKeys = items.map(function (item) { return item.key; });
      var first = items[start];
      var rest = items.filter(function (item, i) { return i !== start; });
      if (options && options.randomStart) { rest.push(first); rest = shuffled(rest); first = rest.shift(); }
      items = [first].concat(shuffled(rest));
      start = 0;
    } else {
      unshuffledKeys = null;
    }
    queue = items;
    load(start, { autoplay: true });
    renderQueue();
    scheduleSave(0);
  }

  function insertTracks(tracks, where) {
    if (!tracks.length) return;
    userActed = true;
    var items = tracks.map(function (track) { return entry(track, { type: "queue", id: "" }); });
    if (!queue.length) {
      context = { type: "queue", id: "" };
      queue = items;
      load(0, { autoplay: true });
      scheduleSave(0);
      return;
    }
    var at;
    if (where === "next") {
      at = index + 1;
      if (queuedUntil >= at) queuedUntil += items.length;
    } else {
      at = Math.max(index + 1, queuedUntil);
      queuedUntil = at + items.length;
    }
    Array.prototype.splice.apply(queue, [at, 0].concat(items));
    if (unshuffledKeys) unshuffledKeys = null;
    render();
    scheduleSave();
    toast(where === "next"
      ? (tracks.length === 1 ? "“" + tracks[0].title + "” plays next" : tracks.length + " tracks play next")
      : (tracks.length === 1 ? "Added “" + tracks[0].title + "” to the queue" : "Added " + tracks.length + " tracks to the queue"));
  }

  function moveEntry(from, to) {
    if (from === to || from < 0 || to < 0 || from >= queue.length || to >= queue.length) return;
    var playingKey = current() && current().key;
    var moved = queue.splice(from, 1)[0];
    queue.splice(to, 0, moved);
    index = Math.max(queue.findIndex(function (item) { return item.key === playingKey; }), 0);
    queuedUntil = -1;
    render();
    scheduleSave();
  }

  function removeEntry(i) {
    if (i === index || i < 0 || i >= queue.length) return;
    var removed = queue.splice(i, 1)[0];
    if (i < index) index -= 1;
    if (queuedUntil > i) queuedUntil -= 1;
    render();
    scheduleSave();
    toast("Removed “" + removed.track.title + "” from the queue");
  }

  function clearQueue() {
    var item = current();
    queue = item ? [item] : [];
    index = 0;
    queuedUntil = -1;
    unshuffledKeys = null;
    render();
    scheduleSave(0);
    toast("Queue cleared");
  }

  function setShuffle(on) {
    if (on === shuffle) return;
    shuffle = on;
    if (queue.length > 1) {
      var item = current();
      if (on) {
        unshuffledKeys = queue.map(function (entry) { return entry.key; });
        queue = queue.slice(0, index + 1).concat(shuffled(queue.slice(index + 1)));
      } else if (unshuffledKeys) {
        var position = {};
        unshuffledKeys.forEach(function (key, i) { position[key] = i; });
        var known = queue.filter(function (entry) { return entry.key in position; });
        var added = queue.filter(function (entry) { return !(entry.key in position); });
        known.sort(function (a, b) { return position[a.key] - position[b.key]; });
        var at = known.indexOf(item);
        queue = at >= 0 ? known.slice(0, at + 1).concat(added, known.slice(at + 1)) : added.concat(known);
        index = queue.indexOf(item);
        unshuffledKeys = null;
      }
      queuedUntil = -1;
    }
    render();
    scheduleSave();
  }

  function cycleRepeat() {
    repeat = { off: "all", all: "one", one: "off" }[repeat] || "off";
    render();
    scheduleSave();
  }

  function setVolume(value, save) {
    volume = Math.min(Math.max(value, 0), 1);
    audio.volume = volume;
    audio.muted = muted;
    renderVolume();
    if (save !== false) scheduleSave();
  }

  function setMuted(on) {
    muted = on;
    audio.muted = on;
    localStorage.setItem("streamapp.muted", on ? "1" : "0");
    renderVolume();
  }

  /* ================================================================== contexts from the page */
  function fetchContext(params) {
    var query = new URLSearchParams(params).toString();
    return api("GET", API.context + "?" + query).then(function (answer) {
      if (!answer.ok || !answer.data) {
        toast(answer.status === 404 ? "This can’t be played (it may be private or gone)." : "Couldn’t load the tracks. Try again.");
        return null;
      }
      return answer.data.tracks;
    });
  }

  /* Which context a big play button (album, artist, playlist, liked songs, one track) stands for. */
  function buttonContext(button) {
    var data = button.dataset;
    if (data.playlistUid) return { type: data.context || "playlist", id: data.playlistUid };
    if (data.context === "likes") return { type: "likes", id: "" };
    if (data.albumId) return { type: "album", id: data.albumId, trackId: data.trackId ? Number(data.trackId) : null };
    if (data.artistId) return { type: "artist", id: data.artistId };
    if (data.trackId) return { type: "track", id: data.trackId, trackId: Number(data.trackId) };
    return null;
  }

  var SERVER_CONTEXTS = ["album", "artist", "playlist", "generated", "likes"];

  /* A track row plays the list it is in (its [data-play-context], else its tracklist) from that row. */
  function rowContext(row) {
    var container = row.closest("[data-play-context]") || row.closest(".tracklist") || row.parentElement;
    var rows = qsa(".track-row[data-track-id]:not(.is-unavailable)", container);
    var position = rows.indexOf(row);
    var trackId = Number(row.getAttribute("data-track-id"));
    var occurrence = rows.slice(0, Math.max(position, 0)).filter(function (other) {
      return Number(other.getAttribute("data-track-id")) === trackId;
    }).length;
    var type = container.getAttribute("data-play-context") || "";
    var id = container.getAttribute("data-context-id") || "";
    return { type: type, id: id, rows: rows, position: position, trackId: trackId, occurrence: occurrence };
  }

  function nthIndexOf(tracks, trackId, occurrence) {
    var seen = 0;
    for (var i = 0; i < tracks.length; i++) {
      if (tracks[i].id === trackId) {
        if (seen === occurrence) return i;
        seen += 1;
      }
    }
    return tracks.findIndex(function (track) { return track.id === trackId; });
  }

  function playRow(row) {
    var ctx = rowContext(row);
    if (ctx.position < 0) return;
    if (SERVER_CONTEXTS.indexOf(ctx.type) >= 0) {
      var params = { type: ctx.type, id: ctx.id };
      fetchContext(params).then(function (tracks) {
        if (!tracks) return;
        var start = nthIndexOf(tracks, ctx.trackId, ctx.occurrence);
        if (start < 0) { tracks = []; }
        startContext(tracks, { type: ctx.type, id: ctx.id }, start);
      });
      return;
    }
    // A list only the page knows (search results, a genre, history): its ids, around the row.
    var from = Math.max(0, Math.min(ctx.position, ctx.rows.length - MAX_CONTEXT_IDS));
    var ids = ctx.rows.slice(from, from + MAX_CONTEXT_IDS).map(function (other) { return other.getAttribute("data-track-id"); });
    fetchContext({ ids: ids.join(",") }).then(function (tracks) {
      if (!tracks) return;
      var start = nthIndexOf(tracks, ctx.trackId, ctx.occurrence - ctx.rows.slice(0, from).filter(function (other) {
        return Number(other.getAttribute("data-track-id")) === ctx.trackId;
      }).length);
      startContext(tracks, { type: ctx.type, id: ctx.id }, Math.max(start, 0));
    });
  }

  function playButtonContext(ctx) {
    var params = ctx.type === "track" ? { ids: String(ctx.trackId) } : { type: ctx.type, id: ctx.id };
    fetchContext(params).then(function (tracks) {
      if (!tracks) return;
      var start = ctx.trackId ? tracks.findIndex(function (track) { return track.id === ctx.trackId; }) : 0;
      startContext(tracks, { type: ctx.type, id: ctx.id }, Math.max(start, 0), { randomStart: !ctx.trackId });
    });
  }

  function sameContext(ctx) {
    return ctx && queue.length && String(context.type) === String(ctx.type) && String(context.id) === String(ctx.id);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".track-play, .play-big, .play-fab");
    if (!button || button.closest("#action-menu")) return;
    event.preventDefault();
    if (button.getAttribute("aria-disabled") === "true") return;
    var row = button.classList.contains("track-play") ? button.closest(".track-row") : null;
    if (row) {
      var rowTrack = Number(row.getAttribute("data-track-id"));
      var ctx = rowContext(row);
      if (current() && current().track.id === rowTrack && (sameContext(ctx) || !ctx.type)) {
        togglePlayback();
      } else {
        playRow(row);
      }
      return;
    }
    var buttonCtx = buttonContext(button);
    if (!buttonCtx) return;
    if (sameContext(buttonCtx) && (!buttonCtx.trackId || current().track.id === buttonCtx.trackId)) {
      togglePlayback();
    } else {
      playButtonContext(buttonCtx);
    }
  });

  /* ================================================================== likes */
  function setLikeButtons(kind, id, liked) {
    qsa('.like-button[data-like-kind="' + kind + '"][data-like-id="' + id + '"]').forEach(function (button) {
      button.setAttribute("aria-pressed", liked ? "true" : "false");
      button.setAttribute("title", liked ? "Remove from your likes" : "Save to your likes");
    });
    if (kind === "track") likedTracks[id] = liked;
  }

  function fetchLiked(trackId) {
    if (trackId in likedTracks) { renderLike(); return; }
    api("GET", API.likes + "track/" + trackId + "/").then(function (answer) {
      if (answer.ok && answer.data) likedTracks[trackId] = answer.data.liked;
      renderLike();
    });
  }

  function toggleLike(kind, id, name) {
    var buttons = qsa('.like-button[data-like-kind="' + kind + '"][data-like-id="' + id + '"]');
    var liked = !(buttons.length ? buttons[0].getAttribute("aria-pressed") === "true" : likedTracks[id]);
    setLikeButtons(kind, id, liked);
    api(liked ? "PUT" : "DELETE", API.likes + kind + "/" + id + "/").then(function (answer) {
      if (!answer.ok) {
        setLikeButtons(kind, id, !liked);
        toast("Couldn’t save that. Try again.");
        return;
      }
      var what = kind === "track" ? "Liked songs" : "your likes";
      if (kind === "track") {
        toast(liked ? "Added to Liked songs" : "Removed from Liked songs", liked ? { href: player.getAttribute("data-liked-url") || "/library/liked/", label: "Open" } : null);
      } else {
        toast(liked ? "Saved “" + name + "” to " + what : "Removed “" + name + "” from " + what);
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".like-button");
    if (!button || button.closest("#action-menu")) return;
    event.preventDefault();
    var id = button.getAttribute("data-like-id");
    if (!id) return;
    var label = (button.getAttribute("aria-label") || "").replace(/^Like /, "");
    toggleLike(button.getAttribute("data-like-kind"), id, label);
  });

  /* ================================================================== rendering the player */
  function render() {
    var item = current();
    player.setAttribute("data-state", !item ? "idle" : audio.paused ? "paused" : "playing");
    var controls = [els.toggle, els.prev, els.next, els.shuffle, els.repeat, els.seek];
    controls.forEach(function (control) { if (control) control.disabled = !item; });
    if (!item) {
      setLink("title", null, "Nothing playing");
      setLink("artist", null, "Pick an album or a track to start listening.");
      setLink("art", null);
      els.artImage = qs(".player-art img", player);
      els.artImage.hidden = true;
      els.like.hidden = true;
    } else {
      var track = item.track;
      setLink("title", track.url, track.title);
      setLink("artist", urlFor("artist", track.artist_id), track.artist);
      setLink("art", urlFor("album", track.album_id));
      els.artImage = qs(".player-art img", player);
      if (track.cover_url) {
        if (els.artImage.getAttribute("src") !== track.cover_url) els.artImage.setAttribute("src", track.cover_url);
        els.artImage.hidden = false;
      } else {
        els.artImage.hidden = true;
        els.artImage.removeAttribute("src");
      }
      els.like.hidden = false;
      els.like.setAttribute("data-like-id", track.id);
      els.like.setAttribute("aria-label", "Like " + track.title);
      els.next.disabled = nextIndex() < 0;
    }
    els.toggle.setAttribute("aria-label", !item || audio.paused ? "Play" : "Pause");
    els.shuffle.setAttribute("aria-pressed", shuffle ? "true" : "false");
    els.shuffle.setAttribute("aria-label", shuffle ? "Shuffle: on" : "Shuffle");
    els.repeat.setAttribute("data-repeat", repeat);
    els.repeat.setAttribute("aria-label", { off: "Repeat: off", all: "Repeat: all", one: "Repeat: one" }[repeat]);
    renderLike();
    renderProgress();
    renderQueue();
    markPlaying();
  }

  /* htmx reads a boosted link's href when it processes the link: a link whose href changes is
     replaced by a fresh copy, which htmx then boosts with the new address. */
  function setLink(name, href, text) {
    var link = els[name];
    if (text !== undefined) link.textContent = text;
    if ((link.getAttribute("href") || null) === (href || null)) return;
    var fresh = link.cloneNode(true);
    if (href) fresh.setAttribute("href", href); else fresh.removeAttribute("href");
    link.replaceWith(fresh);
    els[name] = fresh;
    if (window.htmx && href) htmx.process(fresh);
  }

  function renderLike() {
    var item = current();
    if (!item) return;
    var liked = Boolean(likedTracks[item.track.id]);
    els.like.setAttribute("aria-pressed", liked ? "true" : "false");
  }

  var dragging = false;  // the seek slider is held: show where it would go, seek on release

  function renderProgress() {
    var item = current();
    var duration = isFinite(audio.duration) && audio.duration > 0 ? audio.duration : item ? item.track.duration_ms / 1000 : 0;
    var position = pendingSeek !== null ? pendingSeek : audio.currentTime || 0;
    if (dragging) position = Number(els.seek.value);
    els.seek.max = String(Math.max(Math.floor(duration), 0));
    if (!dragging) els.seek.value = String(Math.floor(position));
    var percent = duration ? Math.min(position / duration * 100, 100) : 0;
    els.seek.style.setProperty("--fill", percent + "%");
    els.miniProgress.style.width = percent + "%";
    els.elapsed.textContent = formatTime(position);
    els.duration.textContent = formatTime(duration);
    els.seek.setAttribute("aria-valuetext", formatTime(position) + " of " + formatTime(duration));
  }

  function renderVolume() {
    var level = muted ? 0 : volume;
    els.volume.value = String(Math.round(level * 100));
    els.volume.style.setProperty("--fill", level * 100 + "%");
    els.volume.setAttribute("aria-valuetext", Math.round(level * 100) + "%");
    els.mute.setAttribute("aria-pressed", muted ? "true" : "false");
    els.mute.setAttribute("aria-label", muted ? "Unmute" : "Mute");
    els.mute.setAttribute("data-level", muted || volume === 0 ? "muted" : volume < 0.5 ? "quiet" : "loud");
  }

  /* What plays, shown on the page: the row of the playing track, the play buttons of its context. */
  function markPlaying() {
    var item = current();
    var playing = item && !audio.paused;
    var trackId = item ? String(item.track.id) : null;
    qsa(".track-row[data-track-id]").forEach(function (row) {
      var on = trackId !== null && row.getAttribute("data-track-id") === trackId;
      row.classList.toggle("is-playing", Boolean(on));
      row.classList.toggle("is-paused", Boolean(on && !playing));
      var button = qs(".track-play", row);
      if (button) setButtonState(button, on && playing);
    });
    qsa(".play-big, .play-fab").forEach(function (button) {
      var ctx = buttonContext(button);
      var on = ctx && sameContext(ctx) && (!ctx.trackId || (item && item.track.id === ctx.trackId));
      setButtonState(button, on && playing);
    });
    qsa("[data-playlist-uid].side-item").forEach(function (link) {
      link.classList.toggle("is-playing", Boolean(queue.length && (context.type === "playlist" || context.type === "generated") && context.id === link.getAttribute("data-playlist-uid")));
    });
  }

  function setButtonState(button, playing) {
    if (!button.hasAttribute("data-play-label")) button.setAttribute("data-play-label", button.getAttribute("aria-label") || "Play");
    var label = button.getAttribute("data-play-label");
    button.classList.toggle("is-playing", Boolean(playing));
    button.setAttribute("aria-label", playing ? label.replace(/^Play\b/, "Pause") : label);
  }

  function markLibraryLinks() {
    qsa("[data-library-link]").forEach(function (link) {
      if (link.pathname === location.pathname) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
  }

  /* ================================================================== the queue panel */
  var panelOpen = false;

  function openQueue(open) {
    panelOpen = open;
    els.panel.hidden = !open;
    els.queueButton.setAttribute("aria-expanded", open ? "true" : "false");
    document.documentElement.classList.toggle("queue-open", open);
    if (open) {
      renderQueue();
      els.panel.focus({ preventScroll: true });
      var now = qs(".queue-now .queue-item", els.panel);
      if (now) now.scrollIntoView({ block: "nearest" });
    }
  }

  function nowIcon() {
    if (audio.paused) return icon("note");
    return element("span", { className: "eq" }, [element("span"), element("span"), element("span")]);
  }

  function queueRow(item, i) {
    var track = item.track;
    var isCurrent = i === index;
    var cover = element("span", { className: "queue-cover", "aria-hidden": "true" }, [icon("note")]);
    if (track.cover_url) cover.appendChild(element("img", { src: track.cover_url, alt: "", loading: "lazy" }));
    var li = element("li", {
      className: "queue-item" + (isCurrent ? " is-current" : ""),
      "data-queue-index": i,
      draggable: isCurrent ? null : "true",
      "aria-current": isCurrent ? "true" : null
    }, [
      element("span", { className: "queue-grip", "aria-hidden": "true" }, [isCurrent ? nowIcon() : icon("grip")]),
      element("button", { type: "button", className: "queue-play", "aria-label": (isCurrent ? "Playing: " : "Play ") + track.title + " by " + track.artist }, [
        cover,
        element("span", { className: "queue-text" }, [
          element("span", { className: "queue-track", text: track.title }),
          element("span", { className: "queue-artist", text: track.artist })
        ])
      ]),
      element("span", { className: "queue-actions" }, isCurrent ? [
        element("span", { className: "queue-duration", text: formatTime(track.duration_ms / 1000) })
      ] : [
        element("button", { type: "button", className: "icon-button queue-up", "aria-label": "Move " + track.title + " up", disabled: i === 0 }, [icon("arrow-up")]),
        element("button", { type: "button", className: "icon-button queue-down", "aria-label": "Move " + track.title + " down", disabled: i === queue.length - 1 }, [icon("arrow-down")]),
        element("button", { type: "button", className: "icon-button queue-remove", "aria-label": "Remove " + track.title + " from the queue" }, [icon("close")]),
        element("button", { type: "button", className: "icon-button queue-more", "aria-haspopup": "menu", "aria-expanded": "false", "aria-label": "More options for " + track.title, "data-menu": "queue" }, [icon("more")])
      ])
    ]);
    return li;
  }

  function renderQueue() {
    if (!els.panel || !panelOpen) return;
    var now = qs(".queue-now", els.panel);
    var upcoming = qs(".queue-next", els.panel);
    var earlier = qs(".queue-earlier", els.panel);
    var earlierSection = qs(".queue-earlier-section", els.panel);
    now.textContent = ""; upcoming.textContent = ""; earlier.textContent = "";
    queue.forEach(function (item, i) {
      var row = queueRow(item, i);
      if (i === index) now.appendChild(row);
      else if (i > index) upcoming.appendChild(row);
      else earlier.appendChild(row);
    });
    qs(".queue-now-section", els.panel).hidden = !queue.length;
    qs(".queue-empty", els.panel).hidden = queue.length > index + 1;
    earlierSection.hidden = index === 0 || !queue.length;
    qs(".queue-earlier-count", els.panel).textContent = "(" + index + ")";
    qs(".queue-clear", els.panel).disabled = queue.length <= 1;
    qs(".queue-save", els.panel).disabled = !queue.length;
  }

  function queueIndexOf(node) {
    var li = node.closest(".queue-item");
    return li ? Number(li.getAttribute("data-queue-index")) : -1;
  }

  if (els.panel) {
    els.panel.addEventListener("click", function (event) {
      var target = event.target.closest("button");
      if (!target) return;
      if (target.classList.contains("queue-close")) { openQueue(false); els.queueButton.focus(); return; }
      if (target.classList.contains("queue-clear")) { clearQueue(); return; }
      if (target.classList.contains("queue-save")) { saveQueueAsPlaylist(); return; }
      var i = queueIndexOf(target);
      if (i < 0) return;
      if (target.classList.contains("queue-play")) {
        if (i === index) togglePlayback(); else goTo(i);
      } else if (target.classList.contains("queue-up")) {
        moveEntry(i, i - 1);
        focusQueueButton(i - 1, "queue-up");
      } else if (target.classList.contains("queue-down")) {
        moveEntry(i, i + 1);
        focusQueueButton(i + 1, "queue-down");
      } else if (target.classList.contains("queue-remove")) {
        removeEntry(i);
        focusQueueButton(Math.min(i, queue.length - 1), "queue-remove");
      }
    });

    els.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !menuOpen()) { openQueue(false); els.queueButton.focus(); }
    });

    // Drag and drop to reorder (mouse); the up / down buttons do the same from the keyboard.
    var dragFrom = -1;
    els.panel.addEventListener("dragstart", function (event) {
      var li = event.target.closest && event.target.closest(".queue-item[draggable]");
      if (!li) return;
      dragFrom = Number(li.getAttribute("data-queue-index"));
      li.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", String(dragFrom));
    });
    els.panel.addEventListener("dragover", function (event) {
      var li = event.target.closest && event.target.closest(".queue-item");
      if (dragFrom < 0 || !li) return;
      event.preventDefault();
      var box = li.getBoundingClientRect();
      qsa(".drop-before, .drop-after", els.panel).forEach(function (node) { node.classList.remove("drop-before", "drop-after"); });
      li.classList.add(event.clientY < box.top + box.height / 2 ? "drop-before" : "drop-after");
    });
    els.panel.addEventListener("drop", function (event) {
      var li = event.target.closest && event.target.closest(".queue-item");
      if (dragFrom < 0 || !li) return;
      event.preventDefault();
      var over = Number(li.getAttribute("data-queue-index"));
      var after = li.classList.contains("drop-after");
      var to = over + (after ? 1 : 0);
      if (to > dragFrom) to -= 1;
      moveEntry(dragFrom, to);
      dragFrom = -1;
    });
    els.panel.addEventListener("dragend", function () {
      dragFrom = -1;
      qsa(".is-dragging, .drop-before, .drop-after", els.panel).forEach(function (node) {
        node.classList.remove("is-dragging", "drop-before", "drop-after");
      });
    });
  }

  function focusQueueButton(i, className) {
    var button = qs('.queue-item[data-queue-index="' + i + '"] .' + className, els.panel);
    if (!button || button.disabled) button = qs('.queue-item[data-queue-index="' + i + '"] .queue-play', els.panel);
    if (button) button.focus();
  }

  /* ================================================================== playlists from anywhere */
  var playlistCache = null;

  function editablePlaylists() {
    if (playlistCache && Date.now() - playlistCache.at < 30000) return Promise.resolve(playlistCache.list);
    return api("GET", API.playlists).then(function (answer) {
      var list = answer.ok && Array.isArray(answer.data) ? answer.data : [];
      playlistCache = { at: Date.now(), list: list };
      return list;
    });
  }

  function refreshLibrary(changedUid) {
    playlistCache = null;
    var sidebar = document.getElementById("side-library");
    if (sidebar) {
      fetch(player.getAttribute("data-sidebar-url") || "/library/sidebar/", { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#side-library");
          var old = document.getElementById("side-library");
          if (fresh && old) {
            old.replaceWith(fresh);
            if (window.htmx) htmx.process(fresh);
            markLibraryLinks();
            markPlaying();
          }
        });
    }
    // Looking at the playlist that changed (or the library): show it as it is now.
    var onThatPage = changedUid && location.pathname.indexOf(changedUid) >= 0;
    var onLibrary = location.pathname === (player.getAttribute("data-playlists-url") || "/playlists/");
    if ((onThatPage || onLibrary) && window.htmx) {
      htmx.ajax("GET", location.pathname + location.search, { target: "#main", select: "#main", swap: "outerHTML" });
    }
  }

  function addToPlaylist(playlist, trackIds) {
    return api("POST", API.playlists + playlist.uid + "/tracks/", { track_ids: trackIds }).then(function (answer) {
      if (!answer.ok) {
        toast(answer.status === 403 ? "You can’t add to “" + playlist.name + "”." : "Couldn’t add to “" + playlist.name + "”.");
        return;
      }
      toast(trackIds.length === 1 ? "Added to “" + playlist.name + "”" : "Added " + trackIds.length + " tracks to “" + playlist.name + "”",
        { href: playlist.url, label: "Open" });
      refreshLibrary(playlist.uid);
    });
  }

  function createPlaylist(name, trackIds) {
    return api("POST", API.playlists, { name: name, track_ids: trackIds }).then(function (answer) {
      if (!answer.ok || !answer.data) { toast("Couldn’t create the playlist."); return; }
      toast("Created “" + answer.data.name + "”", { href: answer.data.url, label: "Open" });
      refreshLibrary(answer.data.uid);
    });
  }

  function saveQueueAsPlaylist() {
    if (!queue.length) return;
    var name = "Queue " + new Date().toLocaleDateString(undefined, { day: "numeric", month: "short" });
    createPlaylist(name, queue.map(function (item) { return item.track.id; }));
  }

  /* ================================================================== the "…" menus */
  var menuTrigger = null;

  function menuOpen() { return els.menu && !els.menu.hidden; }

  function closeMenu(returnFocus) {
    if (!menuOpen()) return;
    els.menu.hidden = true;
    els.menu.textContent = "";
    els.menu.classList.remove("is-sheet");
    if (menuTrigger) {
      menuTrigger.setAttribute("aria-expanded", "false");
      if (returnFocus) menuTrigger.focus();
    }
    menuTrigger = null;
  }

  function menuItem(label, iconName, action, options) {
    var attributes = { type: "button", role: "menuitem", tabindex: "-1", className: "menu-item" + (options && options.danger ? " is-danger" : "") };
    var node;
    if (options && options.href) {
      node = element("a", { href: options.href, role: "menuitem", tabindex: "-1", className: "menu-item" }, [icon(iconName), element("span", { text: label })]);
      node.addEventListener("click", function () { closeMenu(false); });
    } else {
      node = element("button", attributes, [icon(iconName), element("span", { text: label })]);
      if (options && options.submenu) {
        node.setAttribute("aria-haspopup", "menu");
        node.appendChild(element("span", { className: "menu-chevron", "aria-hidden": "true" }, [icon("chevron-right")]));
      }
      node.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();  // the menu may be rebuilt: the document must not see a click "outside"
        var keepOpen = action(node);
        if (!keepOpen) closeMenu(true);
      });
    }
    return node;
  }

  function menuHeader(title, subtitle) {
    return element("div", { className: "menu-header", role: "presentation" }, [
      element("span", { className: "menu-title", text: title }),
      subtitle ? element("span", { className: "menu-subtitle", text: subtitle }) : null
    ]);
  }

  function showMenu(items, trigger, header) {
    els.menu.textContent = "";
    var title = header && header.querySelector(".menu-title");
    els.menu.setAttribute("aria-label", title ? title.textContent : "Options");
    if (header) els.menu.appendChild(header);
    items.forEach(function (item) {
      if (item === "separator") els.menu.appendChild(element("div", { className: "menu-separator", role: "separator" }));
      else if (item) els.menu.appendChild(item);
    });
    els.menu.hidden = false;
    if (window.htmx) htmx.process(els.menu);
    positionMenu(trigger);
    var first = qs('[role="menuitem"], input', els.menu);
    if (first) first.focus();
  }

  function positionMenu(trigger) {
    var sheet = NARROW.matches;
    els.menu.classList.toggle("is-sheet", sheet);
    if (sheet) { els.menu.style.left = ""; els.menu.style.top = ""; return; }
    var box = trigger.getBoundingClientRect();
    var width = els.menu.offsetWidth;
    var height = els.menu.offsetHeight;
    var left = Math.min(Math.max(box.right - width, 8), window.innerWidth - width - 8);
    var top = box.bottom + 6;
    var bottomLimit = window.innerHeight - (player.offsetHeight + 12);
    if (top + height > bottomLimit) top = Math.max(box.top - height - 6, 8);
    els.menu.style.left = left + "px";
    els.menu.style.top = top + "px";
  }

  function trackFromTrigger(trigger) {
    if (trigger.getAttribute("data-menu") === "queue") {
      var item = queue[queueIndexOf(trigger)];
      return item ? { id: item.track.id, title: item.track.title, artist: item.track.artist,
        albumUrl: urlFor("album", item.track.album_id), artistUrl: urlFor("artist", item.track.artist_id),
        queueIndex: queueIndexOf(trigger), track: item.track } : null;
    }
    var row = trigger.closest(".track-row");
    var source = row || trigger;
    var titleNode = row && qs(".track-title", row);
    var artistNode = row && qs(".track-artist", row);
    return {
      id: Number(source.getAttribute("data-track-id")),
      title: titleNode ? titleNode.textContent.trim() : (trigger.getAttribute("aria-label") || "").replace(/^More options for /, ""),
      artist: artistNode ? artistNode.textContent.trim() : "",
      albumUrl: source.getAttribute("data-album-url"),
      artistUrl: source.getAttribute("data-artist-url"),
      row: row
    };
  }

  function tracksByIds(ids) {
    return fetchContext({ ids: ids.join(",") }).then(function (tracks) { return tracks || []; });
  }

  function openPlaylistMenu(trigger, trackIdsPromise, title) {
    var back = menuItem("Back", "arrow-up", function () { openMenuFor(trigger); return true; });
    back.classList.add("menu-back");
    var loading = element("p", { className: "menu-note", text: "Loading your playlists…" });
    showMenu([back, loading], trigger, menuHeader("Add to playlist", title));
    editablePlaylists().then(function (playlists) {
      if (!menuOpen() || menuTrigger !== trigger) return;
      var input = element("input", { type: "text", className: "menu-input", "aria-label": "New playlist name", value: "New playlist", maxlength: "200" });
      var create = element("button", { type: "submit", className: "button button-accent button-small", text: "Create" });
      var form = element("form", { className: "menu-create", "hx-boost": "false" }, [input, create]);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var name = input.value.trim();
        if (!name) { input.focus(); return; }
        trackIdsPromise().then(function (ids) { if (ids.length) createPlaylist(name, ids); });
        closeMenu(true);
      });
      var items = [back, form, "separator"];
      playlists.forEach(function (playlist) {
        items.push(menuItem(playlist.name, "library", function () {
          trackIdsPromise().then(function (ids) { if (ids.length) addToPlaylist(playlist, ids); });
        }));
      });
      if (!playlists.length) items.push(element("p", { className: "menu-note", text: "No playlists yet: name one above." }));
      showMenu(items, trigger, menuHeader("Add to playlist", title));
      input.select();
    });
  }

  function openMenuFor(trigger) {
    var kind = trigger.getAttribute("data-menu");
    menuTrigger = trigger;
    trigger.setAttribute("aria-expanded", "true");
    var items = [];
    if (kind === "album") {
      var albumId = trigger.getAttribute("data-album-id");
      var albumTracks = function () {
        return fetchContext({ type: "album", id: albumId }).then(function (tracks) { return tracks || []; });
      };
      var albumTitle = (trigger.getAttribute("aria-label") || "").replace(/^More options for /, "");
      items = [
        menuItem("Add to queue", "queue", function () { albumTracks().then(function (tracks) { insertTracks(tracks, "queue"); }); }),
        menuItem("Play next", "play-next", function () { albumTracks().then(function (tracks) { insertTracks(tracks, "next"); }); }),
        menuItem("Add to playlist", "plus", function () {
          openPlaylistMenu(trigger, function () { return albumTracks().then(function (tracks) { return tracks.map(function (t) { return t.id; }); }); }, albumTitle);
          return true;
        }, { submenu: true }),
        "separator",
        menuItem("Go to artist", "artist", null, { href: trigger.getAttribute("data-artist-url") })
      ];
      showMenu(items, trigger, menuHeader(albumTitle));
      return;
    }
    var info = trackFromTrigger(trigger);
    if (!info || !info.id) return;
    var oneTrack = function () { return info.track ? Promise.resolve([info.track]) : tracksByIds([info.id]); };
    var liked = qs('.like-button[data-like-kind="track"][data-like-id="' + info.id + '"]');
    var isLiked = liked ? liked.getAttribute("aria-pressed") === "true" : Boolean(likedTracks[info.id]);
    if (kind !== "queue") {
      items.push(menuItem("Play next", "play-next", function () { oneTrack().then(function (tracks) { insertTracks(tracks, "next"); }); }));
      items.push(menuItem("Add to queue", "queue", function () { oneTrack().then(function (tracks) { insertTracks(tracks, "queue"); }); }));
    }
    items.push(menuItem("Add to playlist", "plus", function () {
      openPlaylistMenu(trigger, function () { return Promise.resolve([info.id]); }, info.title);
      return true;
    }, { submenu: true }));
    items.push(menuItem(isLiked ? "Remove from Liked songs" : "Save to Liked songs", "heart", function () {
      toggleLike("track", info.id, info.title);
    }));
    var row = info.row;
    var editable = row && row.getAttribute("data-item-id") && row.closest("[data-editable-playlist]");
    if (editable && window.streamappLibrary) {
      var rows = qsa(".track-row[data-item-id]", editable);
      var at = rows.indexOf(row);
      items.push("separator");
      if (at > 0) items.push(menuItem("Move up", "arrow-up", function () { window.streamappLibrary.moveRow(row, -1); }));
      if (at < rows.length - 1) items.push(menuItem("Move down", "arrow-down", function () { window.streamappLibrary.moveRow(row, 1); }));
      items.push(menuItem("Remove from this playlist", "trash", function () { window.streamappLibrary.removeRow(row); }, { danger: true }));
    }
    if (kind === "queue") {
      items.push(menuItem("Remove from queue", "close", function () { removeEntry(info.queueIndex); }));
    }
    items.push("separator");
    if (info.albumUrl) items.push(menuItem("Go to album", "disc", null, { href: info.albumUrl }));
    if (info.artistUrl) items.push(menuItem("Go to artist", "artist", null, { href: info.artistUrl }));
    showMenu(items, trigger, menuHeader(info.title, info.artist));
  }

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-menu]");
    if (trigger && trigger.tagName === "BUTTON") {
      event.preventDefault();
      event.stopPropagation();
      if (menuTrigger === trigger && menuOpen()) { closeMenu(false); return; }
      closeMenu(false);
      openMenuFor(trigger);
      return;
    }
    if (menuOpen() && !els.menu.contains(event.target)) closeMenu(false);
  });

  els.menu.addEventListener("keydown", function (event) {
    var items = qsa('[role="menuitem"], .menu-input, .menu-create button', els.menu);
    var at = items.indexOf(document.activeElement);
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); closeMenu(true); return; }
    if (event.key === "Tab") { closeMenu(false); return; }
    if (document.activeElement && document.activeElement.classList.contains("menu-input") &&
        (event.key === "ArrowLeft" || event.key === "ArrowRight" || event.key === " " || event.key === "Home" || event.key === "End")) {
      return;
    }
    var move = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (move) {
      event.preventDefault();
      var nextAt = at < 0 ? 0 : (at + move + items.length) % items.length;
      items[nextAt].focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      items[event.key === "Home" ? 0 : items.length - 1].focus();
    } else if (event.key === "ArrowRight" && document.activeElement.getAttribute("aria-haspopup") === "menu") {
      event.preventDefault();
      document.activeElement.click();
    } else if (event.key === "ArrowLeft" && qs(".menu-back", els.menu)) {
      event.preventDefault();
      qs(".menu-back", els.menu).click();
    }
  });

  window.addEventListener("resize", function () { closeMenu(false); });
  // The menu follows its button when the page scrolls under it.
  window.addEventListener("scroll", function () {
    if (menuOpen() && menuTrigger && menuTrigger.isConnected && !NARROW.matches) positionMenu(menuTrigger);
  }, { passive: true });

  /* ================================================================== controls */
  els.toggle.addEventListener("click", togglePlayback);
  els.next.addEventListener("click", function () { userActed = true; next(); });
  els.prev.addEventListener("click", function () { userActed = true; previous(); });
  els.shuffle.addEventListener("click", function () { userActed = true; setShuffle(!shuffle); });
  els.repeat.addEventListener("click", function () { userActed = true; cycleRepeat(); });
  els.queueButton.addEventListener("click", function () { openQueue(!panelOpen); });
  els.mute.addEventListener("click", function () { setMuted(!muted); });
  els.volume.addEventListener("input", function () {
    var level = Number(els.volume.value) / 100;
    if (muted && level > 0) setMuted(false);
    setVolume(level);
  });
  els.seek.addEventListener("input", function () { dragging = true; renderProgress(); });
  els.seek.addEventListener("change", function () {
    dragging = false;
    userActed = true;
    seekTo(Number(els.seek.value));
  });

  function setExpanded(open) {
    player.classList.toggle("is-expanded", open);
    els.expand.setAttribute("aria-expanded", open ? "true" : "false");
    document.documentElement.classList.toggle("player-expanded", open);
    if (open) els.collapse.focus(); else if (NARROW.matches) els.expand.focus();
  }
  els.expand.addEventListener("click", function () { if (current()) setExpanded(true); });
  els.collapse.addEventListener("click", function () { setExpanded(false); });
  player.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && player.classList.contains("is-expanded")) setExpanded(false);
  });

  /* ------------------------------------------------------------------ keyboard shortcuts */
  function typingIn(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable) return true;
    // Any form field keeps its own keys (text, arrows on a slider, Space on a checkbox).
    return Boolean(target.closest("input, textarea, select"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typingIn(event.target) || menuOpen() || document.querySelector("dialog[open]")) return;
    var key = event.key;
    if (key === " " || key === "Spacebar") {
      if (event.target.closest && event.target.closest("button, a, summary, [role=button], [role=menuitem]")) return;
      if (!current()) return;
      event.preventDefault();
      togglePlayback();
    } else if (key === "ArrowLeft" || key === "ArrowRight") {
      if (!current() || (event.target.closest && event.target.closest("[role=listbox], [role=tablist]"))) return;
      event.preventDefault();
      userActed = true;
      if (event.shiftKey) { if (key === "ArrowLeft") previous(); else next(); }
      else seekTo((pendingSeek !== null ? pendingSeek : audio.currentTime) + (key === "ArrowLeft" ? -SEEK_STEP_S : SEEK_STEP_S));
    } else if ((key === "ArrowUp" || key === "ArrowDown") && !event.shiftKey) {
      if (!current()) return;
      event.preventDefault();
      if (muted) setMuted(false);
      setVolume(volume + (key === "ArrowUp" ? VOLUME_STEP : -VOLUME_STEP));
    }
  });

  /* ================================================================== Media Session */
  function updateMediaSession() {
    if (!("mediaSession" in navigator)) return;
    var item = current();
    if (!item) { navigator.mediaSession.metadata = null; return; }
    var track = item.track;
    var artwork = track.cover_url ? [
      { src: new URL(track.cover_url, location.href).href, sizes: "512x512" }
    ] : [];
    try {
      navigator.mediaSession.metadata = new MediaMetadata({ title: track.title, artist: track.artist, album: track.album, artwork: artwork });
    } catch (error) { /* an old browser without MediaMetadata */ }
  }

  var lastPositionState = 0;
  function updatePositionState(force) {
    if (!("mediaSession" in navigator) || !navigator.mediaSession.setPositionState) return;
    if (!force && performance.now() - lastPositionState < 1000) return;
    lastPositionState = performance.now();
    var duration = audio.duration;
    if (!isFinite(duration) || duration <= 0) return;
    try {
      navigator.mediaSession.setPositionState({
        duration: duration, playbackRate: audio.playbackRate || 1, position: Math.min(audio.currentTime, duration)
      });
    } catch (error) { /* position past the duration while loading */ }
  }

  if ("mediaSession" in navigator) {
    var handlers = {
      play: function () { userActed = true; startPlayback(); },
      pause: function () { audio.pause(); },
      previoustrack: function () { userActed = true; previous(); },
      nexttrack: function () { userActed = true; next(); },
      seekto: function (details) {
        if (details.fastSeek && "fastSeek" in audio) audio.fastSeek(details.seekTime); else seekTo(details.seekTime);
      },
      seekbackward: function (details) { seekTo(audio.currentTime - (details.seekOffset || SEEK_STEP_S)); },
      seekforward: function (details) { seekTo(audio.currentTime + (details.seekOffset || SEEK_STEP_S)); },
      stop: function () { audio.pause(); }
    };
    Object.keys(handlers).forEach(function (action) {
      try { navigator.mediaSession.setActionHandler(action, handlers[action]); } catch (error) { /* unsupported action */ }
    });
  }

  /* ================================================================== audio events */
  var progressTimer = null;

  audio.addEventListener("loadedmetadata", function () {
    if (pendingSeek !== null) {
      var seconds = Math.min(pendingSeek, Math.max(audio.duration - 0.25, 0));
      pendingSeek = null;
      if (seconds > 0) audio.currentTime = seconds;
    }
    renderProgress();
    updatePositionState(true);
  });

  audio.addEventListener("playing", function () {
    consecutiveErrors = 0;
    if (!play || play.done) play = newPlay(current());
    if (play.stallStart) { play.stallMs += performance.now() - play.stallStart; play.stallStart = null; }
    play.lastPos = audio.currentTime;
    play.lastWall = performance.now();
    if (!play.started) {
      play.started = true;
      play.startedAt = new Date().toISOString();
      if (play.requestedAt !== null) play.ttfa = performance.now() - play.requestedAt;
      report("start");
    } else if (play.paused) {
      play.paused = false;
      report("resume");
    }
    window.clearInterval(progressTimer);
    progressTimer = window.setInterval(function () {
      if (Date.now() - lastPositionSave >= POSITION_SAVE_MS) saveState();
    }, 1000);
    if ("mediaSession" in navigator) navigator.mediaSession.playbackState = "playing";
    render();
  });

  audio.addEventListener("pause", function () {
    window.clearInterval(progressTimer);
    if ("mediaSession" in navigator) navigator.mediaSession.playbackState = "paused";
    if (play && !play.done && play.started && !audio.ended) {
      countPlayed();
      play.paused = true;
      report("pause");
      scheduleSave(0);
    }
    render();
  });

  audio.addEventListener("timeupdate", function () {
    if (!audio.paused) countPlayed();
    if (play && !play.done && play.started && play.playedMs - play.reportedMs >= PROGRESS_REPORT_MS) report("progress");
    renderProgress();
    updatePositionState(false);
  });

  audio.addEventListener("seeking", function () {
    if (play) { countPlayed(); play.lastPos = null; }
  });

  var seekReportTimer = null;
  audio.addEventListener("seeked", function () {
    if (play) { play.lastPos = audio.currentTime; play.lastWall = performance.now(); }
    renderProgress();
    updatePositionState(true);
    if (play && play.started && !play.done) {
      window.clearTimeout(seekReportTimer);
      var seekedPlay = play;
      seekReportTimer = window.setTimeout(function () { if (!seekedPlay.done) report("seek", { play: seekedPlay }); }, 400);
    }
  });

  function stallStarted() {
    if (!play || !play.started || play.done || play.stallStart || audio.paused) return;
    play.stallCount += 1;
    play.stallStart = performance.now();
  }
  audio.addEventListener("waiting", stallStarted);
  audio.addEventListener("stalled", function () { if (audio.readyState < 3) stallStarted(); });
  audio.addEventListener("canplay", function () {
    if (play && play.stallStart) { play.stallMs += performance.now() - play.stallStart; play.stallStart = null; }
  });

  audio.addEventListener("ended", onEnded);
  audio.addEventListener("ratechange", function () { updatePositionState(true); });

  audio.addEventListener("error", function () {
    var item = current();
    if (!item || !audio.getAttribute("src")) return;
    var codes = { 1: "MEDIA_ERR_ABORTED", 2: "MEDIA_ERR_NETWORK", 3: "MEDIA_ERR_DECODE", 4: "MEDIA_ERR_SRC_NOT_SUPPORTED" };
    var problem = audio.error;
    if (!play || play.done) play = newPlay(item);
    play.errorCount += 1;
    play.error = (problem ? codes[problem.code] || "MEDIA_ERR_" + problem.code : "error") + (problem && problem.message ? ": " + problem.message : "");
    report("error");
    consecutiveErrors += 1;
    toast("Couldn’t play “" + item.track.title + "”" + (consecutiveErrors < 3 && nextIndex() >= 0 ? ": skipping it." : "."));
    if (consecutiveErrors < 3 && nextIndex() >= 0 && play.requestedAt !== null) {
      window.setTimeout(function () { if (current() === item) next(); }, 1200);
    }
    render();
  });

  /* ================================================================== leaving, swaps */
  window.addEventListener("pagehide", function () {
    if (play && !play.done && play.started) {
      countPlayed();
      // The document goes away and its audio with it.
      report("pause", { keepalive: true });
    }
    saveStateNow();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && current()) saveStateNow();
  });

  document.addEventListener("htmx:afterSettle", function () { markPlaying(); markLibraryLinks(); });
  document.addEventListener("htmx:historyRestore", function () { markPlaying(); markLibraryLinks(); });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.detail.boosted) return;
    closeMenu(false);
    if (NARROW.matches) {
      if (panelOpen) openQueue(false);
      if (player.classList.contains("is-expanded")) setExpanded(false);
    }
  });

  /* For tests and the console: what the player holds. */
  window.streamappPlayer = {
    audio: audio,
    state: function () {
      return { queue: queue.map(function (item) { return item.track.id; }), index: index, shuffle: shuffle,
        repeat: repeat, volume: volume, context: context, version: version,
        playedMs: play ? play.playedMs : 0, playId: play ? play.id : null };
    },
    save: saveState
  };

  audio.volume = volume;
  audio.muted = muted;
  renderVolume();
  render();
  markLibraryLinks();
  restore();
})();
