/* streamapp playback engine (docs/player.md): the listener's settings on this device over the account's
   defaults, the stream URL (quality and format), Automatic quality, the loudness gain, and the Web Audio
   graph that applies it (each <audio> element -> its own GainNode -> one output -> the speakers).

   player.js drives playback and calls what this file shares on window.streamapp.playback; the settings
   popover (player_settings.js) edits the settings. Nothing here touches the queue. */
(function () {
  "use strict";

  var player = document.getElementById("player");
  if (!player) return;
  var kit = window.streamapp = window.streamapp || {};

  var STORAGE = { quality: "streamapp.quality", loudness: "streamapp.loudness", crossfade: "streamapp.crossfade" };
  var QUALITIES = ["auto", "low", "normal", "high", "original"];
  var AUTO_LEVELS = ["low", "normal", "high"];   // Automatic never asks for the original file
  var AUTO_STALLS = 2;                           // this many stalls ...
  var AUTO_STALL_WINDOW_MS = 60 * 1000;          // ... within a minute: one level down
  var AUTO_STABLE_MS = 5 * 60 * 1000;            // five minutes without a stall: one level up
  var HEADROOM_DB = 1;                           // the gain leaves the true peak at -1 dBTP at most
  var MAX_CROSSFADE_S = 12;
  var FADE_STEPS = 64;

  /* The loudness targets and their levels come from the settings menu's options (accounts.models). */
  var TARGETS = {};
  Array.prototype.forEach.call(
    document.querySelectorAll('#player-settings [data-setting="loudness"] option[value]:not([value=""])'),
    function (option) {
      var lufs = option.getAttribute("data-lufs");
      TARGETS[option.value] = lufs === "" || lufs === null ? null : Number(lufs);
    }
  );

  var listeners = [];
  function changed(what) {
    listeners.forEach(function (listener) { listener(what); });
  }

  /* ================================================================== settings */
  function valid(name, value) {
    if (value === null || value === undefined || value === "") return false;
    if (name === "quality") return QUALITIES.indexOf(value) >= 0;
    if (name === "loudness") return Object.prototype.hasOwnProperty.call(TARGETS, value);
    if (name === "crossfade") return /^\d+$/.test(String(value)) && Number(value) <= MAX_CROSSFADE_S;
    return false;
  }

  function accountDefault(name) {
    var value = player.getAttribute("data-" + name);
    if (valid(name, value)) return value;
    return { quality: "auto", loudness: "normal", crossfade: "0" }[name];
  }

  /* This device's own choice, or "" when it follows the account. */
  function deviceChoice(name) {
    var value = null;
    try { value = localStorage.getItem(STORAGE[name]); } catch (error) { /* storage blocked */ }
    return valid(name, value) ? value : "";
  }

  function setting(name) {
    return deviceChoice(name) || accountDefault(name);
  }

  function setDeviceChoice(name, value) {
    if (!STORAGE[name]) return;
    try {
      if (valid(name, value)) localStorage.setItem(STORAGE[name], String(value));
      else localStorage.removeItem(STORAGE[name]);
    } catch (error) { /* storage blocked: the choice lasts for this page */ }
    changed(name);
  }

  function useAccountDefaults() {
    Object.keys(STORAGE).forEach(function (name) {
      try { localStorage.removeItem(STORAGE[name]); } catch (error) { /* storage blocked */ }
    });
    changed("all");
  }

  function crossfadeSeconds() {
    return Math.min(Math.max(Number(setting("crossfade")) || 0, 0), MAX_CROSSFADE_S);
  }

  /* ================================================================== quality and format */
  var FORMAT = (function () {
    var probe = document.createElement("audio");
    return probe.canPlayType && probe.canPlayType('audio/ogg; codecs="opus"') ? "opus" : "mp3";
  })();

  /* Where Automatic starts: the Network Information API's view of the connection, else Normal. */
  function connectionLevel() {
    var connection = navigator.connection;
    if (!connection) return "normal";
    if (connection.saveData) return "low";
    var type = connection.effectiveType;
    if (type === "slow-2g" || type === "2g") return "low";
    if (type === "3g") return "normal";
    return type ? "high" : "normal";
  }

  var auto = { level: null, stalls: [], since: 0 };

  function autoLevel() {
    if (auto.level === null) {
      auto.level = connectionLevel();
      auto.since = Date.now();
    }
    return auto.level;
  }

  function stepAuto(direction, now) {
    var at = AUTO_LEVELS.indexOf(autoLevel()) + direction;
    auto.since = now;
    auto.stalls = [];
    if (at < 0 || at >= AUTO_LEVELS.length) return;
    auto.level = AUTO_LEVELS[at];
    changed("auto");
  }

  /* A stall while playing: two within a minute take Automatic one level down. */
  function noteStall(now) {
    now = now === undefined ? Date.now() : now;
    autoLevel();
    auto.stalls = auto.stalls.filter(function (at) { return now - at < AUTO_STALL_WINDOW_MS; });
    auto.stalls.push(now);
    auto.since = now;
    if (auto.stalls.length >= AUTO_STALLS) stepAuto(-1, now);
  }

  /* Playing smoothly: five minutes since the last stall (or change) take Automatic one level up. */
  function noteSmooth(now) {
    now = now === undefined ? Date.now() : now;
    autoLevel();
    if (now - auto.since >= AUTO_STABLE_MS) stepAuto(1, now);
  }

  /* The quality actually asked of the server: never "auto". */
  function quality() {
    var chosen = setting("quality");
    return chosen === "auto" ? autoLevel() : chosen;
  }

  function stream(track) {
    var chosen = quality();
    var url = new URL(track.stream_url, location.href);
    url.searchParams.set("quality", chosen);
    url.searchParams.set("format", FORMAT);
    return { url: url.pathname + url.search, quality: chosen, format: FORMAT };
  }

  /* ================================================================== loudness */
  function targetLufs() {
    var target = TARGETS[setting("loudness")];
    return typeof target === "number" ? target : null;
  }

  /* The gain toward the target: album values when the album plays in order, never past the true peak,
     0 dB without loudness data (or with normalisation off). */
  function gainDb(track, albumInOrder) {
    var target = targetLufs();
    var loudness = track && track.loudness;
    if (target === null || !loudness) return 0;
    var lufs = loudness.track_lufs;
    var peak = loudness.track_peak_dbtp;
    if (albumInOrder && typeof loudness.album_lufs === "number") {
      lufs = loudness.album_lufs;
      if (typeof loudness.album_peak_dbtp === "number") peak = loudness.album_peak_dbtp;
    }
    if (typeof lufs !== "number") return 0;
    var gain = target - lufs;
    if (typeof peak === "number") gain = Math.min(gain, -peak - HEADROOM_DB);
    return Math.round(gain * 100) / 100;
  }

  function linear(db) { return Math.pow(10, db / 20); }

  /* ================================================================== the Web Audio graph */
  var graph = null;
  var wanted = new Map();   // element -> linear gain, kept until the graph exists

  /* Route the elements through Web Audio. Called on the listener's first gesture (browsers start an
     AudioContext only then); before it, the elements play straight to the speakers, without gain. */
  function start(elements) {
    if (graph) {
      if (graph.context.state === "suspended") graph.context.resume();
      return graph;
    }
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    try {
      var context = new Context();
      var output = context.createGain();
      output.connect(context.destination);
      var nodes = new Map();
      elements.forEach(function (element) {
        var gain = context.createGain();
        gain.gain.value = wanted.has(element) ? wanted.get(element) : 1;
        context.createMediaElementSource(element).connect(gain);
        gain.connect(output);
        nodes.set(element, gain);
      });
      graph = { context: context, output: output, nodes: nodes };
    } catch (error) {
      graph = null;  // no Web Audio here: play without normalisation
    }
    return graph;
  }

  function gainNode(element) {
    return graph ? graph.nodes.get(element) || null : null;
  }

  /* Hold an element's gain (cancelling a fade in progress). */
  function setGain(element, value) {
    wanted.set(element, value);
    var node = gainNode(element);
    if (!node) return;
    node.gain.cancelScheduledValues(0);
    node.gain.value = value;
  }

  /* Equal-power crossfade: `from` fades out from its gain, `to` fades in toward `toGain`. */
  function crossfade(from, to, seconds, toGain) {
    wanted.set(to, toGain);
    var out = gainNode(from);
    var into = gainNode(to);
    if (!out || !into || seconds <= 0) { setGain(to, toGain); return; }
    var now = graph.context.currentTime;
    var fromGain = out.gain.value;
    var down = new Float32Array(FADE_STEPS);
    var up = new Float32Array(FADE_STEPS);
    for (var i = 0; i < FADE_STEPS; i++) {
      var t = i / (FADE_STEPS - 1);
      down[i] = fromGain * Math.cos(t * Math.PI / 2);
      up[i] = toGain * Math.sin(t * Math.PI / 2);
    }
    out.gain.cancelScheduledValues(0);
    into.gain.cancelScheduledValues(0);
    out.gain.setValueCurveAtTime(down, now, seconds);
    into.gain.setValueCurveAtTime(up, now, seconds);
  }

  kit.playback = {
    format: FORMAT,
    setting: setting,
    accountDefault: accountDefault,
    deviceChoice: deviceChoice,
    setDeviceChoice: setDeviceChoice,
    useAccountDefaults: useAccountDefaults,
    crossfadeSeconds: crossfadeSeconds,
    quality: quality,
    stream: stream,
    noteStall: noteStall,
    noteSmooth: noteSmooth,
    targetLufs: targetLufs,
    gainDb: gainDb,
    linear: linear,
    start: start,
    graph: function () { return graph; },
    gainNode: gainNode,
    setGain: setGain,
    crossfade: crossfade,
    onChange: function (listener) { listeners.push(listener); }
  };
})();
