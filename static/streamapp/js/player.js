/* streamapp player: two <audio> elements in #player (never swapped by navigation; one plays, the other
   prepares the next track so albums join without a gap, or crossfades), the play queue saved on the server, play reports for listens and streaming analytics, play and like buttons, the player
   bar's controls, keyboard shortcuts and the Media Session (lock screen, media keys).

   Every page part is reached by event delegation on document, so buttons brought in by htmx swaps work
   without re-binding; what shows the playing track is refreshed after each swap (htmx:afterSettle).
   The queue panel (queue.js) and the "…" menus (menus.js) use what this file shares on
   window.streamapp, and hear of every change through the "streamapp:player" event. The stream URL, the
   loudness gain and the Web Audio graph come from playback.js (window.streamapp.playback). */
(function () {
  "use strict";

  var player = document.getElementById("player");
  var audios = player ? Array.prototype.slice.call(player.querySelectorAll(".player-audio")) : [];
  var sound = window.streamapp && window.streamapp.playback;
  if (!player || !audios.length || !sound) return;
  var audio = audios[0];          // the element that plays the current track
  var spare = audios[1] || null;  // the other one: prepares the next track (none: no gapless)

  var API = {
    state: "/api/v1/player/state/",
    plays: "/api/v1/player/plays/",
    context: "/api/v1/player/context/",
    likes: "/api/v1/likes/",
    streamInfo: "/api/v1/tracks/0/stream-info/"
  };
  var SAVE_DEBOUNCE_MS = 800;
  var POSITION_SAVE_MS = 10000;
  var PROGRESS_REPORT_MS = 10000;
  var RESTART_THRESHOLD_S = 3;
  var SEEK_STEP_S = 10;
  var VOLUME_STEP = 0.05;
  var MAX_CONTEXT_IDS = 500;
  var PREPARE_AHEAD_S = 30;     // the next track loads this long before the current one ends
  var JOIN_SCHEDULE_S = 1.5;    // the join is timed once the end is this close
  var JOIN_EARLY_MS = 25;       // the next element starts this much before the predicted end (its start-up)
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

  var kit = window.streamapp = window.streamapp || {};

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

  kit.qs = qs;
  kit.qsa = qsa;
  kit.api = api;
  kit.toast = toast;
  kit.icon = icon;
  kit.element = element;
  kit.formatTime = formatTime;
  kit.urlFor = urlFor;
  kit.narrow = NARROW;

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
    mute: qs(".player-mute", player),
    volume: qs(".player-volume", player),
    expand: qs(".player-expand", player),
    collapse: qs(".player-collapse", player),
    miniProgress: qs(".player-mini-progress span", player)
  };

  var nextKey = 1;
  /* An entry of the queue: the same track may be queued twice, so entries have their own key. `order` is
     the track's place in its album when the album was queued whole (gapless and album gain), else null. */
  function entry(track, context, order) {
    return { key: nextKey++, track: track, context: context || { type: "", id: "" }, order: order === undefined ? null : order };
  }

  function albumEntries(tracks, ctx) {
    return tracks.map(function (track, i) { return entry(track, ctx, ctx.type === "album" ? i : null); });
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
  var reloading = false;       // the stream is asked for again from an offset: its waiting is no stall

  function current() { return queue[index] || null; }

  /* ================================================================== play reports */
  var play = null;

  function newPlay(item) {
    return {
      id: uuid4(), item: item, startedAt: new Date().toISOString(), playedMs: 0,
      lastPos: null, lastWall: 0, requestedAt: null, started: false, ttfa: null,
      stallCount: 0, stallMs: 0, stallStart: null, errorCount: 0, error: "",
      reportedMs: 0, done: false,
      // What the element holding the track asked the server for (contract: never "automatic").
      quality: audio.getAttribute("data-quality") || "original", format: audio.getAttribute("data-format") || sound.format
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
      position_ms: Math.round(position() * 1000),
      started_at: p.startedAt,
      context_type: p.item.context.type || "",
      context_id: String(p.item.context.id || "").slice(0, 64),
      stall_count: p.stallCount,
      stall_ms: Math.round(p.stallMs + (p.stallStart ? performance.now() - p.stallStart : 0)),
      error_count: p.errorCount,
      quality: p.quality,
      format: p.format
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
    var at = position();
    if (play.lastPos !== null && !audio.seeking) {
      var delta = at - play.lastPos;
      var wall = (now - play.lastWall) / 1000;
      var allowed = wall * Math.max(audio.playbackRate, 1) + 1;
      if (delta > 0 && delta <= allowed) play.playedMs += delta * 1000;
    }
    play.lastPos = at;
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
    return Math.round(position() * 1000);
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
    queue = albumEntries(state.tracks || [], stateContext);
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
        // A save of ours may have answered first with a newer version: never go back to this one
        // (the next save would get a 409 and adopt the stored state, losing what the listener did).
        if (version === null) version = answer.data.version;
        scheduleSave(0);
        return;
      }
      var state = answer.data;
      version = state.version;
      if (!state.tracks || !state.tracks.length) { render(); return; }
      var stateContext = { type: state.context_type || "", id: state.context_id || "" };
      queue = albumEntries(state.tracks, stateContext);
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
    stopOutgoing();
    forgetPrepared();
    audio.removeAttribute("src");
    audio.load();
    loadedKey = null;
    pendingSeek = null;
  }

  /* Point an element at an entry's stream, noting the quality and format it asks for; from `offset`
     seconds on when given (a transcode not cached yet can't be sought into: the server starts it there). */
  function setSource(element, item, offset) {
    var choice = sound.stream(item.track);
    element.setAttribute("data-quality", choice.quality);
    element.setAttribute("data-format", choice.format);
    if (offset > 0) {
      element.setAttribute("data-offset", String(offset));
      element.src = choice.url + "&offset=" + offset.toFixed(3);
    } else {
      element.removeAttribute("data-offset");
      element.src = choice.url;
    }
    return choice.url;
  }

  /* The position in the track: the element's clock plus the offset its stream started at. */
  function offsetOf(element) { return Number(element.getAttribute("data-offset")) || 0; }
  function position() { return offsetOf(audio) + (audio.currentTime || 0); }

  function trackDuration() {
    var item = current();
    if (!offsetOf(audio) && isFinite(audio.duration) && audio.duration > 0) return audio.duration;
    return item ? item.track.duration_ms / 1000 : 0;
  }

  /* Seek where the element can (a file served with Range: anywhere), else ask for the stream from there. */
  function seekWithin(seconds) {
    var local = seconds - offsetOf(audio);
    var ranges = audio.seekable;
    for (var i = 0; i < ranges.length; i++) {
      if (local >= 0 && local >= ranges.start(i) && local <= ranges.end(i)) { audio.currentTime = local; return; }
    }
    var item = current();
    if (!item) return;
    var playing = !audio.paused;
    if (play) { countPlayed(); play.lastPos = null; }
    window.clearTimeout(joinTimer);
    joinTimer = null;
    reloading = true;
    setSource(audio, item, seconds);
    if (playing) startPlayback();
    renderProgress();
    if (play && play.started && !play.done) report("seek");
  }

  function rewind() {
    if (offsetOf(audio)) seekWithin(0); else audio.currentTime = 0;
  }

  function load(i, options) {
    options = options || {};
    var item = queue[i];
    if (!item) return;
    if (play && !play.done) finishPlay(options.endedPrevious ? "end" : "skip");
    index = i;
    loadedKey = item.key;
    pendingSeek = options.at > 0 ? options.at : null;
    stopOutgoing();
    var choice = sound.stream(item.track);
    if (spare && prepared && prepared.key === item.key && prepared.url === choice.url && !pendingSeek && !spare.error) {
      swapElements();  // the next track is ready in the other element: start it from there
      prepared = null;
    } else {
      setSource(audio, item);
    }
    applyGain(audio, i);
    play = newPlay(item);
    updateMediaSession();
    fetchLiked(item.track.id);
    render();
    if (options.autoplay) startPlayback();
  }

  /* ================================================================== gapless, crossfade, gain */
  var prepared = null;    // {key, url}: the entry the spare element holds, ready to start
  var outgoing = null;    // the element still sounding after a join (its last milliseconds, or a crossfade)
  var joinTimer = null;

  function swapElements() {
    var old = audio;
    audio = spare;
    spare = old;
    old.pause();  // the old element's events are ignored from now on (onAudio)
  }

  function forgetPrepared() {
    window.clearTimeout(joinTimer);
    joinTimer = null;
    prepared = null;
  }

  function stopOutgoing() {
    if (!outgoing) return;
    var element = outgoing;
    outgoing = null;
    element.pause();
  }

  /* Two entries of one album queued whole, the second right after the first in the album's order. */
  function follows(first, second) {
    return Boolean(first && second && first.order !== null && second.order === first.order + 1 &&
      first.context.type === "album" && second.context.type === "album" &&
      String(first.context.id) === String(second.context.id) && first.track.album_id === second.track.album_id);
  }

  function albumInOrder(i) {
    return follows(queue[i - 1], queue[i]) || follows(queue[i], queue[i + 1]);
  }

  function gainFor(i) {
    return sound.gainDb(queue[i] && queue[i].track, albumInOrder(i));
  }

  function applyGain(element, i) {
    sound.setGain(element, sound.linear(gainFor(i)));
  }

  /* Seconds of crossfade from one entry to the next: none inside an album played in order. */
  function crossfadeBetween(first, second) {
    if (follows(first, second)) return 0;
    var seconds = sound.crossfadeSeconds();
    var shortest = Math.min(first.track.duration_ms, second.track.duration_ms) / 1000;
    return Math.min(seconds, shortest / 2);
  }

  function upcoming() {
    if (repeat === "one") return null;
    var target = nextIndex();
    return target >= 0 && target !== index ? queue[target] : null;
  }

  function remainingSeconds() {
    var duration = trackDuration();
    if (!duration) return Infinity;
    return (duration - position()) / (audio.playbackRate || 1);
  }

  /* Load the next entry in the spare element, once the current one is near its end. */
  function prepareNext() {
    if (!spare || outgoing === spare || audio.paused) return;
    var item = upcoming();
    if (!item || remainingSeconds() > PREPARE_AHEAD_S) return;
    var url = sound.stream(item.track).url;
    if (prepared && prepared.key === item.key && prepared.url === url) return;
    window.clearTimeout(joinTimer);
    joinTimer = null;
    prepared = { key: item.key, url: url };
    spare.preload = "auto";
    setSource(spare, item);
    spare.load();
  }

  /* Time the start of the prepared element: at the predicted end (gapless), or `fade` seconds before. */
  function scheduleJoin() {
    if (joinTimer !== null || !prepared || audio.paused || audio.seeking) return;
    var item = upcoming();
    if (!item || item.key !== prepared.key) return;
    var wait = remainingSeconds() - crossfadeBetween(current(), item);
    if (wait > JOIN_SCHEDULE_S) return;
    joinTimer = window.setTimeout(join, Math.max(wait * 1000 - JOIN_EARLY_MS, 0));
  }

  function join() {
    joinTimer = null;
    var item = upcoming();
    if (!item || !prepared || prepared.key !== item.key || audio.paused) return;
    var fade = crossfadeBetween(current(), item);
    countPlayed();
    var tail = remainingSeconds() * (audio.playbackRate || 1);
    if (play && play.started && tail > 0 && tail < fade + 2) play.playedMs += tail * 1000;
    finishPlay("end");
    announceEnded();
    switchTo(nextIndex(), fade);
  }

  /* Make the prepared element the playing one; the old one plays out its end (or fades out). */
  function switchTo(target, fade) {
    var item = queue[target];
    var old = audio;
    audio = spare;
    spare = old;
    prepared = null;
    if (audio.error) {  // the prepared stream failed: load it again, so the error shows like any other
      spare.pause();
      load(target, { autoplay: true });
      scheduleSave();
      return;
    }
    stopOutgoing();
    outgoing = old.ended ? null : old;
    index = target;
    loadedKey = item.key;
    pendingSeek = null;
    var gain = sound.linear(gainFor(target));
    if (fade > 0) sound.crossfade(old, audio, fade, gain); else sound.setGain(audio, gain);
    play = newPlay(item);
    updateMediaSession();
    fetchLiked(item.track.id);
    startPlayback();
    render();
    scheduleSave();
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
    if (target < 0) { finishPlay("skip"); stopAtEnd(); return; }
    goTo(target);
  }

  function previous() {
    if (!queue.length) return;
    if (position() > RESTART_THRESHOLD_S || (index === 0 && repeat !== "all")) {
      seekTo(0);
      if (audio.paused) startPlayback();
      return;
    }
    goTo(index > 0 ? index - 1 : queue.length - 1);
  }

  function stopAtEnd() {
    finishPlay("end");
    audio.pause();
    rewind();
    play = newPlay(current());
    render();
    scheduleSave(0);
  }

  /* The current entry played to its end: radio.js counts it as played, not skipped. */
  function announceEnded() {
    var item = current();
    if (item) document.dispatchEvent(new CustomEvent("streamapp:ended", { detail: { key: item.key } }));
  }

  function onEnded() {
    window.clearTimeout(joinTimer);
    joinTimer = null;
    announceEnded();
    countPlayed();
    if (play && play.lastPos !== null && trackDuration()) {
      var tail = trackDuration() - play.lastPos;
      if (tail > 0 && tail < 2) play.playedMs += tail * 1000;
    }
    finishPlay("end");
    if (repeat === "one") {
      play = newPlay(current());
      rewind();
      startPlayback();
      return;
    }
    var target = nextIndex();
    if (target < 0) { stopAtEnd(); return; }
    if (spare && prepared && prepared.key === queue[target].key) switchTo(target, 0);
    else load(target, { autoplay: true });
    scheduleSave();
  }

  function seekTo(seconds) {
    var item = current();
    if (!item) return;
    seconds = Math.max(0, Math.min(seconds, Math.max(trackDuration() - 0.25, 0)));
    if (audio.readyState === 0) {
      pendingSeek = seconds;
      renderProgress();
    } else {
      seekWithin(seconds);
    }
    scheduleSave(1500);
  }

  /* ================================================================== queue edits */
  function startContext(tracks, ctx, startAt, options) {
    if (!tracks.length) { toast("Nothing here can be played right now."); return; }
    userActed = true;
    var items = albumEntries(tracks, ctx);
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
    scheduleSave(0);
  }

  /* Add tracks at the end of the queue in their own context (the radio's next batch). */
  function appendTracks(tracks, ctx) {
    if (!tracks.length) return;
    queue = queue.concat(tracks.map(function (track) { return entry(track, ctx); }));
    render();
    scheduleSave();
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
    audios.forEach(function (element) { element.volume = volume; element.muted = muted; });
    renderVolume();
    if (save !== false) scheduleSave();
  }

  function setMuted(on) {
    muted = on;
    audios.forEach(function (element) { element.muted = on; });
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
    markPlaying();
    document.dispatchEvent(new CustomEvent("streamapp:player"));
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
    var duration = trackDuration();
    var at = pendingSeek !== null ? pendingSeek : position();
    if (dragging) at = Number(els.seek.value);
    els.seek.max = String(Math.max(Math.floor(duration), 0));
    if (!dragging) els.seek.value = String(Math.floor(at));
    var percent = duration ? Math.min(at / duration * 100, 100) : 0;
    els.seek.style.setProperty("--fill", percent + "%");
    els.miniProgress.style.width = percent + "%";
    els.elapsed.textContent = formatTime(at);
    els.duration.textContent = formatTime(duration);
    els.seek.setAttribute("aria-valuetext", formatTime(at) + " of " + formatTime(duration));
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

  /* ================================================================== controls */
  els.toggle.addEventListener("click", togglePlayback);
  els.next.addEventListener("click", function () { userActed = true; next(); });
  els.prev.addEventListener("click", function () { userActed = true; previous(); });
  els.shuffle.addEventListener("click", function () { userActed = true; setShuffle(!shuffle); });
  els.repeat.addEventListener("click", function () { userActed = true; cycleRepeat(); });
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
    if (typingIn(event.target) || document.querySelector("#action-menu:not([hidden]), dialog[open]")) return;
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
      else seekTo((pendingSeek !== null ? pendingSeek : position()) + (key === "ArrowLeft" ? -SEEK_STEP_S : SEEK_STEP_S));
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
    var duration = trackDuration();
    if (!isFinite(duration) || duration <= 0) return;
    try {
      navigator.mediaSession.setPositionState({
        duration: duration, playbackRate: audio.playbackRate || 1, position: Math.min(position(), duration)
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
      seekbackward: function (details) { seekTo(position() - (details.seekOffset || SEEK_STEP_S)); },
      seekforward: function (details) { seekTo(position() + (details.seekOffset || SEEK_STEP_S)); },
      stop: function () { audio.pause(); }
    };
    Object.keys(handlers).forEach(function (action) {
      try { navigator.mediaSession.setActionHandler(action, handlers[action]); } catch (error) { /* unsupported action */ }
    });
  }

  /* ================================================================== audio events */
  var progressTimer = null;

  /* Listen on both elements; only the one playing the current track is heard. */
  function onAudio(name, handler) {
    audios.forEach(function (element) {
      element.addEventListener(name, function (event) { if (element === audio) handler(event); });
    });
  }

  // The element that played the previous track is done once it ends (or is paused).
  audios.forEach(function (element) {
    function done() { if (element === outgoing) outgoing = null; }
    element.addEventListener("ended", done);
    element.addEventListener("pause", done);
  });

  // Web Audio (the loudness gain, crossfades) starts on the listener's first gesture, as browsers ask.
  function startSound() { sound.start(audios); }
  ["pointerdown", "keydown", "touchend"].forEach(function (name) {
    document.addEventListener(name, startSound, { capture: true, passive: true });
  });

  onAudio("loadedmetadata", function () {
    if (pendingSeek !== null) {
      var seconds = Math.min(pendingSeek, Math.max(trackDuration() - 0.25, 0));
      pendingSeek = null;
      if (seconds > 0) seekWithin(seconds);
    }
    renderProgress();
    updatePositionState(true);
  });

  onAudio("playing", function () {
    consecutiveErrors = 0;
    if (!play || play.done) play = newPlay(current());
    if (play.stallStart) { play.stallMs += performance.now() - play.stallStart; play.stallStart = null; }
    play.lastPos = position();
    play.lastWall = performance.now();
    reloading = false;
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

  onAudio("pause", function () {
    window.clearInterval(progressTimer);
    window.clearTimeout(joinTimer);
    joinTimer = null;
    stopOutgoing();
    if ("mediaSession" in navigator) navigator.mediaSession.playbackState = "paused";
    if (play && !play.done && play.started && !audio.ended) {
      countPlayed();
      play.paused = true;
      report("pause");
      scheduleSave(0);
    }
    render();
  });

  onAudio("timeupdate", function () {
    if (!audio.paused) countPlayed();
    if (play && !play.done && play.started && play.playedMs - play.reportedMs >= PROGRESS_REPORT_MS) report("progress");
    if (!audio.paused) {
      sound.noteSmooth();
      prepareNext();
      scheduleJoin();
    }
    renderProgress();
    updatePositionState(false);
  });

  onAudio("seeking", function () {
    window.clearTimeout(joinTimer);
    joinTimer = null;
    if (play) { countPlayed(); play.lastPos = null; }
  });

  var seekReportTimer = null;
  onAudio("seeked", function () {
    if (play) { play.lastPos = position(); play.lastWall = performance.now(); }
    renderProgress();
    updatePositionState(true);
    if (play && play.started && !play.done) {
      window.clearTimeout(seekReportTimer);
      var seekedPlay = play;
      seekReportTimer = window.setTimeout(function () { if (!seekedPlay.done) report("seek", { play: seekedPlay }); }, 400);
    }
  });

  function stallStarted() {
    if (reloading || !play || !play.started || play.done || play.stallStart || audio.paused) return;
    play.stallCount += 1;
    play.stallStart = performance.now();
    sound.noteStall();
  }
  onAudio("waiting", stallStarted);
  onAudio("stalled", function () { if (audio.readyState < 3) stallStarted(); });
  onAudio("canplay", function () {
    if (play && play.stallStart) { play.stallMs += performance.now() - play.stallStart; play.stallStart = null; }
  });

  onAudio("ended", onEnded);
  onAudio("ratechange", function () { updatePositionState(true); });

  onAudio("error", function () {
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
    if (event.detail.boosted && NARROW.matches && player.classList.contains("is-expanded")) setExpanded(false);
  });

  /* ================================================================== shared with queue.js, menus.js */
  kit.player = {
    get audio() { return audio; },  // the element playing the current track (it changes at each join)
    element: player,
    entries: function () { return queue; },
    index: function () { return index; },
    current: current,
    togglePlayback: togglePlayback,
    goTo: goTo,
    insertTracks: insertTracks,
    startContext: startContext,
    appendTracks: appendTracks,
    context: function () { return context; },
    moveEntry: moveEntry,
    removeEntry: removeEntry,
    clearQueue: clearQueue,
    fetchContext: fetchContext,
    toggleLike: toggleLike,
    isLiked: function (trackId) { return Boolean(likedTracks[trackId]); },
    refreshMarks: function () { markLibraryLinks(); markPlaying(); },
    // For tests and the console: what the player holds, and saving it now.
    state: function () {
      return { queue: queue.map(function (item) { return item.track.id; }), index: index, shuffle: shuffle,
        repeat: repeat, volume: volume, context: context, version: version,
        playedMs: play ? play.playedMs : 0, playId: play ? play.id : null };
    },
    save: saveState,
    // What the current track was asked for and the gain it gets (the settings popover's "What's playing").
    nowPlaying: function () {
      var item = current();
      if (!item) return null;
      return { track: item.track, quality: audio.getAttribute("data-quality") || "", format: audio.getAttribute("data-format") || "",
        gainDb: gainFor(index), albumGain: albumInOrder(index), gainNode: sound.gainNode(audio) };
    }
  };

  // A new loudness target applies at once; a new quality from the next track (the one prepared is redone).
  sound.onChange(function (what) {
    if (!current()) return;
    if (what === "loudness" || what === "all") { stopOutgoing(); applyGain(audio, index); }
    if (what !== "loudness") { forgetPrepared(); prepareNext(); }
    document.dispatchEvent(new CustomEvent("streamapp:player"));
  });
  window.streamappPlayer = kit.player;

  audios.forEach(function (element) { element.volume = volume; element.muted = muted; });
  renderVolume();
  render();
  markLibraryLinks();
  restore();
})();
