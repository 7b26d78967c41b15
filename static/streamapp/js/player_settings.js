/* streamapp player settings popover (templates/ui/player_settings.html): this device's quality, volume
   normalisation and crossfade over the account's defaults (playback.js keeps them), and, on request,
   what is playing: the format and bitrate served (the stream-info API), and the loudness gain applied. */
(function () {
  "use strict";

  var kit = window.streamapp;
  var panel = document.getElementById("player-settings");
  var button = document.querySelector("#player .player-settings-button");
  if (!kit || !kit.player || !kit.playback || !panel || !button) return;
  var P = kit.player;
  var sound = kit.playback;
  var selects = Array.prototype.slice.call(panel.querySelectorAll(".player-setting"));
  var infoButton = panel.querySelector(".player-settings-info-button");
  var info = panel.querySelector(".player-now-info");
  var STREAM_INFO = "/api/v1/tracks/0/stream-info/";
  var FORMAT_NAMES = { opus: "Opus", mp3: "MP3", aac: "AAC", flac: "FLAC", ogg: "Ogg Vorbis", vorbis: "Ogg Vorbis", m4a: "AAC", wav: "WAV", alac: "ALAC" };

  function optionLabel(select, value) {
    var option = Array.prototype.find.call(select.options, function (candidate) { return candidate.value === value; });
    return option ? option.textContent : value;
  }

  function render() {
    selects.forEach(function (select) {
      var name = select.getAttribute("data-setting");
      select.options[0].textContent = "Account default: " + optionLabel(select, sound.accountDefault(name));
      select.value = sound.deviceChoice(name);
    });
  }

  function setOpen(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      render();
      if (!info.hidden) showInfo();
      selects[0].focus();
    }
  }

  button.addEventListener("click", function () { setOpen(panel.hidden); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.stopPropagation(); setOpen(false); button.focus(); }
  });
  document.addEventListener("click", function (event) {
    if (!panel.hidden && !panel.contains(event.target) && !button.contains(event.target)) setOpen(false);
  });

  selects.forEach(function (select) {
    select.addEventListener("change", function () {
      sound.setDeviceChoice(select.getAttribute("data-setting"), select.value);
      if (!info.hidden) showInfo();
    });
  });
  panel.querySelector(".player-settings-reset").addEventListener("click", function () {
    sound.useAccountDefaults();
    render();
    if (!info.hidden) showInfo();
    kit.toast("This device uses your account’s playback settings.");
  });

  /* ------------------------------------------------------------------ what is playing */
  function formatName(format) {
    return FORMAT_NAMES[String(format || "").toLowerCase()] || String(format || "unknown").toUpperCase();
  }

  function describe(format, kbps) {
    return formatName(format) + (kbps ? " " + kbps + " kbps" : "");
  }

  function row(term, detail) {
    info.appendChild(kit.element("dt", { text: term }));
    info.appendChild(kit.element("dd", { text: detail }));
  }

  function signed(db) {
    return (db > 0 ? "+" : db < 0 ? "−" : "") + Math.abs(db).toFixed(1) + " dB";
  }

  function loudnessText(now) {
    var target = sound.targetLufs();
    if (target === null) return "Off";
    var loudness = now.track.loudness;
    if (!loudness || typeof loudness.track_lufs !== "number") return "Not measured yet (0 dB)";
    return signed(now.gainDb) + " toward " + String(target).replace("-", "−") + " LUFS" + (now.albumGain ? " (album gain)" : " (track gain)");
  }

  function streamText(now, answer) {
    var data = answer.ok && answer.data;
    if (data && data.format) {
      var served = describe(data.format, data.bitrate_kbps);
      if (!data.transcoded) return served + ", the original file";
      var original = data.original ? " from " + describe(data.original.format, data.original.bitrate_kbps) : "";
      return served + ", transcoded" + original;
    }
    // No stream-info answer: what the track data says of the original file, when it says it.
    if (now.track.format) return describe(now.track.format, now.track.bitrate_kbps) + ", the original file";
    return "Details unavailable right now";
  }

  var infoRequest = 0;
  function showInfo() {
    var now = P.nowPlaying();
    info.hidden = false;
    infoButton.setAttribute("aria-expanded", "true");
    info.textContent = "";
    if (!now) { row("Nothing playing", "Pick an album or a track."); return; }
    var asked = now.quality ? optionLabel(selects[0], now.quality) + " quality" : "";
    var request = ++infoRequest;
    var url = STREAM_INFO.replace("/0/", "/" + now.track.id + "/") + "?" +
      new URLSearchParams({ quality: now.quality || "original", format: now.format || sound.format }).toString();
    row("Track", now.track.title + " · " + now.track.artist);
    row("Asked for", asked + (sound.setting("quality") === "auto" ? " (Automatic)" : ""));
    row("Format", "…");
    row("Loudness", loudnessText(now));
    kit.api("GET", url).then(function (answer) {
      if (request !== infoRequest) return;
      var cell = info.querySelectorAll("dd")[2];
      cell.textContent = streamText(now, answer);
    });
  }

  infoButton.addEventListener("click", function () {
    if (info.hidden) showInfo();
    else { info.hidden = true; infoButton.setAttribute("aria-expanded", "false"); }
  });

  var shownKey = null;
  document.addEventListener("streamapp:player", function () {
    var item = P.current();
    var key = item ? item.key : null;
    if (key !== shownKey && !panel.hidden && !info.hidden) showInfo();
    shownKey = key;
  });
})();
