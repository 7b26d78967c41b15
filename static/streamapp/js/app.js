/* streamapp page behaviour: the search box's suggestions (an ARIA combobox), the navigation's current
   section after boosted navigation, focus after a page swap, the account menu, the sign-up time zone,
   covers that fail to load. */
(function () {
  "use strict";

  /* ------------------------------------------------------------ current section in the navigation */
  function markCurrentSection() {
    var marker = document.querySelector("#main [data-page-section]");
    var section = marker ? marker.getAttribute("data-page-section") : "";
    document.querySelectorAll("a[data-section]").forEach(function (link) {
      if (section && link.getAttribute("data-section") === section) {
        link.setAttribute("aria-current", "page");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  /* ------------------------------------------------------------ search suggestions (combobox) */
  function searchParts() {
    var input = document.getElementById("search-input");
    var list = document.getElementById("search-suggestions");
    return input && list ? { input: input, list: list } : null;
  }

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll('[role="option"]'));
  }

  function setActive(parts, index) {
    var items = options(parts.list);
    items.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0 && items[index]) {
      parts.input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      parts.input.removeAttribute("aria-activedescendant");
    }
  }

  function activeIndex(parts) {
    return options(parts.list).findIndex(function (item) {
      return item.getAttribute("aria-selected") === "true";
    });
  }

  function openSuggestions(parts) {
    var hasOptions = options(parts.list).length > 0;
    parts.list.hidden = !hasOptions;
    parts.input.setAttribute("aria-expanded", hasOptions ? "true" : "false");
  }

  function closeSuggestions(parts) {
    if (!parts) return;
    parts.list.hidden = true;
    parts.input.setAttribute("aria-expanded", "false");
    setActive(parts, -1);
  }

  document.addEventListener("keydown", function (event) {
    var parts = searchParts();
    if (!parts || event.target !== parts.input) return;
    var items = options(parts.list);
    var open = !parts.list.hidden && items.length > 0;
    var index = activeIndex(parts);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!items.length) return;
      event.preventDefault();
      if (!open) openSuggestions(parts);
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = index + step;
      if (next >= items.length) next = 0;
      if (next < 0) next = items.length - 1;
      setActive(parts, next);
    } else if (event.key === "Enter") {
      if (open && index >= 0) {
        event.preventDefault();
        var link = items[index].querySelector("a");
        closeSuggestions(parts);
        if (link) link.click();
      } else {
        closeSuggestions(parts);
      }
    } else if (event.key === "Escape") {
      if (open) {
        event.preventDefault();
        closeSuggestions(parts);
      }
    } else if (event.key === "Tab") {
      closeSuggestions(parts);
    }
  });

  // A click on an option must not blur the input first (the list would close under the pointer).
  document.addEventListener("mousedown", function (event) {
    var parts = searchParts();
    if (parts && parts.list.contains(event.target)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var parts = searchParts();
    if (parts && parts.list.contains(event.target)) {
      closeSuggestions(parts);
      return;
    }
    if (parts && !parts.input.contains(event.target)) closeSuggestions(parts);
    var menu = document.querySelector(".account-menu[open]");
    if (menu && !menu.contains(event.target)) menu.removeAttribute("open");
  });

  document.addEventListener("focusin", function (event) {
    var parts = searchParts();
    if (parts && event.target === parts.input && parts.input.value.trim()) openSuggestions(parts);
  });

  document.addEventListener("focusout", function (event) {
    var parts = searchParts();
    if (parts && event.target === parts.input) {
      window.setTimeout(function () {
        if (document.activeElement !== parts.input) closeSuggestions(parts);
      }, 120);
    }
  });

  /* ------------------------------------------------------------ htmx: swaps and history */
  document.addEventListener("htmx:afterSwap", function (event) {
    var parts = searchParts();
    if (parts && event.detail.target === parts.list) {
      setActive(parts, -1);
      if (document.activeElement === parts.input && parts.input.value.trim()) {
        openSuggestions(parts);
      } else {
        closeSuggestions(parts);
      }
    }
  });

  // A boosted request that ended on the log-in page (the session expired): load that page whole.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var loginUrl = document.body.getAttribute("data-login-url");
    var responseUrl = event.detail.xhr && event.detail.xhr.responseURL;
    if (loginUrl && responseUrl && new URL(responseUrl).pathname === loginUrl) {
      event.detail.shouldSwap = false;
      window.location.assign(responseUrl);
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    // Leaving the page: close the dropdowns that belong to the old one.
    if (event.detail.boosted) {
      closeSuggestions(searchParts());
      var menu = document.querySelector(".account-menu[open]");
      if (menu) menu.removeAttribute("open");
    }
  });

  function afterPageChange(moveFocus) {
    markCurrentSection();
    var parts = searchParts();
    if (parts && location.pathname === parts.input.form.getAttribute("action")) {
      parts.input.value = new URLSearchParams(location.search).get("q") || "";
    }
    if (moveFocus) {
      // Tell assistive technology that the page changed: focus the new content, not the old link.
      var main = document.getElementById("main");
      if (main && (!parts || document.activeElement !== parts.input)) main.focus({ preventScroll: true });
    }
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "main" && event.detail.boosted) afterPageChange(true);
  });
  document.addEventListener("htmx:historyRestore", function () {
    afterPageChange(false);
  });

  /* ------------------------------------------------------------ sign-up: guess the time zone */
  function guessTimeZone() {
    var select = document.querySelector('select[name="time_zone"][data-guess]');
    if (!select || select.value !== "UTC" || !window.Intl) return;
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) select.value = zone;
  }

  /* ------------------------------------------------------------ covers whose file is gone */
  // <img data-remove-on-error>: an image that fails to load is removed, so the generated cover beneath
  // it shows. A listener here, not onerror= in the page: the Content-Security-Policy runs no inline
  // handler. Errors don't bubble: listen in the capture phase, and look for the images that failed
  // before this script ran.
  function removeIfBroken(image) {
    if (image instanceof HTMLImageElement && image.hasAttribute("data-remove-on-error")) image.remove();
  }
  document.addEventListener("error", function (event) { removeIfBroken(event.target); }, true);

  function removeBrokenImages() {
    document.querySelectorAll("img[data-remove-on-error]").forEach(function (image) {
      if (image.complete && image.naturalWidth === 0) image.remove();
    });
  }

  function start() {
    markCurrentSection();
    guessTimeZone();
    removeBrokenImages();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
