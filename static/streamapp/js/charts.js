/* streamapp charts: draws every <canvas data-chart="CONFIG-ID"> rendered by templates/analytics/_chart.html
   with Chart.js, from the JSON config that analytics/charts.py wrote into <script id="CONFIG-ID">.

   Chart.js (static/vendor/chartjs/) is loaded on the first page that has a chart, not on every page: this
   script's data-chartjs-src names it. Charts start on htmx:load (the first load and every boosted swap)
   and on history restore (a restored snapshot holds blank canvases); charts whose canvas left the page
   are destroyed after each swap. The theme (colours, font, formats) lives here so every chart matches. */
(function () {
  "use strict";

  var script = document.currentScript;
  var libraryUrl = script ? script.getAttribute("data-chartjs-src") : "";
  var loading = null;

  var PALETTE = ["#a594ff", "#5fe0a8", "#ffb45e", "#62c6ff", "#ff7a8a", "#e6d65c", "#c58cf2", "#8e8e9e"];

  function loadLibrary() {
    if (window.Chart) return Promise.resolve(window.Chart);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = libraryUrl;
        tag.onload = function () { resolve(window.Chart); };
        tag.onerror = function () {
          loading = null;
          reject(new Error("could not load " + libraryUrl));
        };
        document.head.appendChild(tag);
      });
    }
    return loading;
  }

  /* ------------------------------------------------------------ numbers, as analytics/charts.py writes them */
  var oneDecimal = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });
  var whole = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
  var compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

  function formatValue(value, format, short) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    switch (format) {
      case "percent": return oneDecimal.format(value) + " %";
      case "ms": return whole.format(value) + " ms";
      case "minutes": return (short && value >= 10000 ? compact.format(value) : whole.format(value)) + " min";
      case "hours": return oneDecimal.format(value) + " h";
      default:
        if (short && Math.abs(value) >= 10000) return compact.format(value);
        return Number.isInteger(value) ? whole.format(value) : oneDecimal.format(value);
    }
  }

  function shorten(label, length) {
    label = String(label);
    return label.length > length ? label.slice(0, length - 1) + "…" : label;
  }

  // Days (YYYY-MM-DD) read as "28 Aug" on an axis; the tooltip and the table keep the full date.
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function tickLabel(label, horizontal) {
    var day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(label));
    if (day) return Number(day[3]) + " " + MONTHS[Number(day[2]) - 1];
    return shorten(label, horizontal ? 26 : 14);
  }

  /* ------------------------------------------------------------ theme */
  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function applyDefaults(Chart) {
    if (Chart.__streamappTheme) return;
    Chart.__streamappTheme = true;
    Chart.defaults.font.family = cssVar("--font", "system-ui, sans-serif");
    Chart.defaults.font.size = 12;
    Chart.defaults.color = cssVar("--text-2", "#b9b9c6");
    Chart.defaults.borderColor = "rgba(255, 255, 255, 0.07)";
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.responsive = true;
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      Chart.defaults.animation = false;
    } else {
      Chart.defaults.animation.duration = 350;
    }
  }

  function withAlpha(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + ", " + ((n >> 8) & 255) + ", " + (n & 255) + ", " + alpha + ")";
  }

  function buildConfig(spec) {
    var format = spec.format || "number";
    var type = spec.type;
    var options = spec.options || {};
    var horizontal = options.indexAxis === "y";
    var datasets = spec.data.datasets;
    var points = spec.data.labels.length;

    datasets.forEach(function (dataset, index) {
      var colour = PALETTE[index % PALETTE.length];
      dataset.borderColor = colour;
      if (type === "line") {
        dataset.backgroundColor = withAlpha(colour, dataset.fill ? 0.18 : 1);
        dataset.borderWidth = 2;
        dataset.tension = 0.25;
        dataset.pointRadius = points > 45 ? 0 : 2.5;
        dataset.pointHoverRadius = 4;
        dataset.spanGaps = true;
        if (dataset.fill) dataset.fill = "origin";
      } else {
        dataset.backgroundColor = withAlpha(colour, 0.85);
        dataset.hoverBackgroundColor = colour;
        dataset.borderRadius = 4;
        dataset.maxBarThickness = 30;
      }
    });

    var valueAxis = horizontal ? "x" : "y";
    var categoryAxis = horizontal ? "y" : "x";
    var scales = options.scales || {};
    scales[valueAxis] = scales[valueAxis] || {};
    scales[categoryAxis] = scales[categoryAxis] || {};
    scales[valueAxis].ticks = {
      callback: function (value) { return formatValue(value, format, true); },
      maxTicksLimit: 6,
    };
    scales[categoryAxis].ticks = {
      autoSkip: !horizontal,  // bars have a row each: name every one
      autoSkipPadding: 14,
      maxRotation: 0,
      callback: function (value) { return tickLabel(this.getLabelForValue(value), horizontal); },
      font: horizontal ? { size: 11 } : undefined,
    };
    scales[categoryAxis].grid = { display: false };
    [scales.x, scales.y].forEach(function (axis) {
      if (axis.title) {
        axis.title.color = cssVar("--text-3", "#8e8e9e");
        axis.title.font = { weight: "600" };
      }
    });
    options.scales = scales;
    options.interaction = { mode: "index", intersect: false, axis: horizontal ? "y" : "x" };
    options.plugins = {
      legend: {
        display: datasets.length > 1,
        position: "top",
        align: "end",
        labels: { boxWidth: 10, boxHeight: 10, usePointStyle: true, pointStyle: "rectRounded" },
      },
      tooltip: {
        backgroundColor: "#1d1d27",
        borderColor: "#2a2a36",
        borderWidth: 1,
        titleColor: "#f4f4f8",
        bodyColor: "#b9b9c6",
        padding: 10,
        callbacks: {
          label: function (item) {
            return " " + item.dataset.label + ": " + formatValue(item.raw, format, false);
          },
        },
      },
    };
    return { type: type, data: spec.data, options: options };
  }

  /* ------------------------------------------------------------ start and stop */
  function startCharts(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var canvases = Array.prototype.slice.call(scope.querySelectorAll("canvas[data-chart]"));
    if (scope.matches && scope.matches("canvas[data-chart]")) canvases.push(scope);
    if (!canvases.length) return;
    loadLibrary().then(function (Chart) {
      applyDefaults(Chart);
      canvases.forEach(function (canvas) {
        if (!canvas.isConnected || Chart.getChart(canvas)) return;
        var source = document.getElementById(canvas.getAttribute("data-chart"));
        if (!source) return;
        try {
          new Chart(canvas, buildConfig(JSON.parse(source.textContent)));
        } catch (error) {
          // The table under the chart still has the numbers; say why the picture is missing.
          canvas.closest(".chart").classList.add("chart-failed");
          if (window.console) console.error("chart", canvas.getAttribute("data-chart"), error);
        }
      });
    }, function (error) {
      document.querySelectorAll(".chart-canvas").forEach(function (box) {
        box.closest(".chart").classList.add("chart-failed");
      });
      if (window.console) console.error(error);
    });
  }

  function stopDetachedCharts() {
    if (!window.Chart) return;
    Object.keys(window.Chart.instances).forEach(function (key) {
      var chart = window.Chart.instances[key];
      if (chart && !chart.canvas.isConnected) chart.destroy();
    });
  }

  document.addEventListener("htmx:load", function (event) { startCharts(event.target); });
  document.addEventListener("htmx:afterSwap", stopDetachedCharts);
  document.addEventListener("htmx:historyRestore", function () {
    stopDetachedCharts();
    startCharts(document);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { startCharts(document); });
  } else {
    startCharts(document);
  }

  window.streamappCharts = { start: startCharts, formatValue: formatValue };
})();
