/* streamapp "…" menus: one shared menu (#action-menu) for every track, album and queue entry: play next,
   add to queue, add to playlist (or a new one), like, move or remove in an editable playlist, go to the
   album or artist. A popover beside its button on wide screens, a sheet from the bottom on phones;
   arrow keys move between items, Escape closes it and gives the focus back. */
(function () {
  "use strict";

  var kit = window.streamapp;
  var menu = document.getElementById("action-menu");
  if (!kit || !kit.player || !menu) return;
  var P = kit.player;
  var qs = kit.qs, qsa = kit.qsa, icon = kit.icon, element = kit.element;
  var PLAYLISTS = "/api/v1/playlists/";

  /* ------------------------------------------------------------------ playlists from anywhere */
  var playlistCache = null;

  /* The listener's playlists, read page by page (the API pages them; 200 is its largest page). */
  function editablePlaylists() {
    if (playlistCache && Date.now() - playlistCache.at < 30000) return Promise.resolve(playlistCache.list);
    var list = [];
    function readFrom(url) {
      return kit.api("GET", url).then(function (answer) {
        if (!answer.ok || !answer.data || !Array.isArray(answer.data.results)) return list;
        list = list.concat(answer.data.results);
        return answer.data.next ? readFrom(answer.data.next) : list;
      });
    }
    return readFrom(PLAYLISTS + "?page_size=200").then(function (all) {
      playlistCache = { at: Date.now(), list: all };
      return all;
    });
  }

  function refreshLibrary(changedUid) {
    playlistCache = null;
    var sidebar = document.getElementById("side-library");
    if (sidebar) {
      fetch(P.element.getAttribute("data-sidebar-url") || "/library/sidebar/", { credentials: "same-origin" })
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
            P.refreshMarks();
          }
        });
    }
    // Looking at the playlist that changed (or the library): show it as it is now.
    var onThatPage = changedUid && location.pathname.indexOf(changedUid) >= 0;
    var onLibrary = location.pathname === (P.element.getAttribute("data-playlists-url") || "/playlists/");
    if ((onThatPage || onLibrary) && window.htmx) {
      htmx.ajax("GET", location.pathname + location.search, { target: "#main", select: "#main", swap: "outerHTML" });
    }
  }

  function addToPlaylist(playlist, trackIds) {
    return kit.api("POST", PLAYLISTS + playlist.uid + "/tracks/", { track_ids: trackIds }).then(function (answer) {
      if (!answer.ok) {
        kit.toast(answer.status === 403 ? "You can’t add to “" + playlist.name + "”." : "Couldn’t add to “" + playlist.name + "”.");
        return;
      }
      kit.toast(trackIds.length === 1 ? "Added to “" + playlist.name + "”" : "Added " + trackIds.length + " tracks to “" + playlist.name + "”",
        { href: playlist.url, label: "Open" });
      refreshLibrary(playlist.uid);
    });
  }

  function createPlaylist(name, trackIds) {
    return kit.api("POST", PLAYLISTS, { name: name, track_ids: trackIds }).then(function (answer) {
      if (!answer.ok || !answer.data) { kit.toast("Couldn’t create the playlist."); return; }
      kit.toast("Created “" + answer.data.name + "”", { href: answer.data.url, label: "Open" });
      refreshLibrary(answer.data.uid);
    });
  }

  /* ------------------------------------------------------------------ the menu */
  var menuTrigger = null;

  function menuOpen() { return menu && !menu.hidden; }

  function closeMenu(returnFocus) {
    if (!menuOpen()) return;
    menu.hidden = true;
    menu.textContent = "";
    menu.classList.remove("is-sheet");
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
    menu.textContent = "";
    var title = header && header.querySelector(".menu-title");
    menu.setAttribute("aria-label", title ? title.textContent : "Options");
    if (header) menu.appendChild(header);
    items.forEach(function (item) {
      if (item === "separator") menu.appendChild(element("div", { className: "menu-separator", role: "separator" }));
      else if (item) menu.appendChild(item);
    });
    menu.hidden = false;
    if (window.htmx) htmx.process(menu);
    positionMenu(trigger);
    var first = qs('[role="menuitem"], input', menu);
    if (first) first.focus();
  }

  function positionMenu(trigger) {
    var sheet = kit.narrow.matches;
    menu.classList.toggle("is-sheet", sheet);
    if (sheet) { menu.style.left = ""; menu.style.top = ""; return; }
    var box = trigger.getBoundingClientRect();
    var width = menu.offsetWidth;
    var height = menu.offsetHeight;
    var left = Math.min(Math.max(box.right - width, 8), window.innerWidth - width - 8);
    var top = box.bottom + 6;
    var bottomLimit = window.innerHeight - (P.element.offsetHeight + 12);
    if (top + height > bottomLimit) top = Math.max(box.top - height - 6, 8);
    menu.style.left = left + "px";
    menu.style.top = top + "px";
  }

  function trackFromTrigger(trigger) {
    if (trigger.getAttribute("data-menu") === "queue") {
      var item = P.entries()[kit.queueIndexOf(trigger)];
      return item ? { id: item.track.id, title: item.track.title, artist: item.track.artist,
        albumUrl: kit.urlFor("album", item.track.album_id), artistUrl: kit.urlFor("artist", item.track.artist_id),
        queueIndex: kit.queueIndexOf(trigger), track: item.track } : null;
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
    return P.fetchContext({ ids: ids.join(",") }).then(function (tracks) { return tracks || []; });
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

  /* Other scripts add items to a menu (radio.js: Start radio, Not for me) with kit.menuExtras.push(
     function (context, menuItem) { return [items] }); they go at `at` in the list. */
  function extraItems(items, context, at) {
    var extra = [];
    (kit.menuExtras || []).forEach(function (provider) { extra = extra.concat(provider(context, menuItem) || []); });
    Array.prototype.splice.apply(items, [at, 0].concat(extra));
  }

  function openMenuFor(trigger) {
    var kind = trigger.getAttribute("data-menu");
    menuTrigger = trigger;
    trigger.setAttribute("aria-expanded", "true");
    var items = [];
    if (kind === "album") {
      var albumId = trigger.getAttribute("data-album-id");
      var albumTracks = function () {
        return P.fetchContext({ type: "album", id: albumId }).then(function (tracks) { return tracks || []; });
      };
      var albumTitle = (trigger.getAttribute("aria-label") || "").replace(/^More options for /, "");
      items = [
        menuItem("Add to queue", "queue", function () { albumTracks().then(function (tracks) { P.insertTracks(tracks, "queue"); }); }),
        menuItem("Play next", "play-next", function () { albumTracks().then(function (tracks) { P.insertTracks(tracks, "next"); }); }),
        menuItem("Add to playlist", "plus", function () {
          openPlaylistMenu(trigger, function () { return albumTracks().then(function (tracks) { return tracks.map(function (t) { return t.id; }); }); }, albumTitle);
          return true;
        }, { submenu: true }),
        "separator",
        menuItem("Go to artist", "artist", null, { href: trigger.getAttribute("data-artist-url") })
      ];
      extraItems(items, { kind: kind, trigger: trigger, albumId: albumId }, items.length - 2);
      showMenu(items, trigger, menuHeader(albumTitle));
      return;
    }
    var info = trackFromTrigger(trigger);
    if (!info || !info.id) return;
    var oneTrack = function () { return info.track ? Promise.resolve([info.track]) : tracksByIds([info.id]); };
    var liked = qs('.like-button[data-like-kind="track"][data-like-id="' + info.id + '"]');
    var isLiked = liked ? liked.getAttribute("aria-pressed") === "true" : P.isLiked(info.id);
    if (kind !== "queue") {
      items.push(menuItem("Play next", "play-next", function () { oneTrack().then(function (tracks) { P.insertTracks(tracks, "next"); }); }));
      items.push(menuItem("Add to queue", "queue", function () { oneTrack().then(function (tracks) { P.insertTracks(tracks, "queue"); }); }));
    }
    items.push(menuItem("Add to playlist", "plus", function () {
      openPlaylistMenu(trigger, function () { return Promise.resolve([info.id]); }, info.title);
      return true;
    }, { submenu: true }));
    items.push(menuItem(isLiked ? "Remove from Liked songs" : "Save to Liked songs", "heart", function () {
      P.toggleLike("track", info.id, info.title);
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
      items.push(menuItem("Remove from queue", "close", function () { P.removeEntry(info.queueIndex); }));
    }
    extraItems(items, { kind: kind, trigger: trigger, info: info, row: row }, items.length);
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
    if (menuOpen() && !menu.contains(event.target)) closeMenu(false);
  });

  menu.addEventListener("keydown", function (event) {
    var items = qsa('[role="menuitem"], .menu-input, .menu-create button', menu);
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
    } else if (event.key === "ArrowLeft" && qs(".menu-back", menu)) {
      event.preventDefault();
      qs(".menu-back", menu).click();
    }
  });

  window.addEventListener("resize", function () { closeMenu(false); });
  // The menu follows its button when the page scrolls under it.
  window.addEventListener("scroll", function () {
    if (menuOpen() && menuTrigger && menuTrigger.isConnected && !kit.narrow.matches) positionMenu(menuTrigger);
  }, { passive: true });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.boosted) closeMenu(false);
  });

  /* The queue panel saves the queue as a playlist with these. */
  kit.library = { createPlaylist: createPlaylist, addToPlaylist: addToPlaylist, refresh: refreshLibrary };
})();
