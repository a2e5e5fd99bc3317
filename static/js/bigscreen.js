/* Big screen: draws the charts of the panel, rotates the views every 15 s and redraws after each
   htmx refresh of the panel (every 60 s). */
(function () {
  "use strict";
  var ROTATE_MS = 15000;
  var charts = [];
  var current = 0;
  var DARK = { textStyle: { color: "#cfe3ff" } };

  function draw() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    var node = document.getElementById("bigscreen-data");
    if (!node || !window.echarts) { return; }
    var data = JSON.parse(node.textContent);
    var L = data.labels || { received: "", resolved: "", partial: "" };
    var LEGEND = { top: 0, right: 20, data: [L.received, L.resolved], textStyle: { color: "#cfe3ff", fontSize: 18 } };
    function bar(id, rows, color) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(Object.assign({}, DARK, {
        legend: LEGEND,
        grid: { left: 20, right: 30, top: 50, bottom: 20, containLabel: true },
        xAxis: { type: "category", data: rows.map(function (r) { return r.name; }),
                 axisLabel: { color: "#cfe3ff", fontSize: 20, interval: 0, rotate: 30, width: 160, overflow: "break" } },
        yAxis: { type: "value", axisLabel: { color: "#cfe3ff", fontSize: 18 }, splitLine: { lineStyle: { color: "#1d3557" } } },
        series: [{ name: L.received, type: "bar", data: rows.map(function (r) { return r.received; }), itemStyle: { color: color },
                   label: { show: true, position: "top", color: "#fff", fontSize: 18 } },
                 { name: L.resolved, type: "bar", data: rows.map(function (r) { return r.resolved; }), itemStyle: { color: "#2ec4b6" } }]
      }));
      charts.push(chart);
    }
    bar("bs-region", data.region, "#4ea8de");
    bar("bs-category", data.category, "#ffb703");
    var trendEl = document.getElementById("bs-trend");
    if (trendEl) {
      var trend = echarts.init(trendEl);
      var labels = data.trend.labels.slice();
      if (data.trend.partial && labels.length) { labels[labels.length - 1] += "\n(" + L.partial + ")"; }
      trend.setOption(Object.assign({}, DARK, {
        legend: LEGEND,
        grid: { left: 20, right: 30, top: 50, bottom: 20, containLabel: true },
        xAxis: { type: "category", data: labels, axisLabel: { color: "#cfe3ff", fontSize: 18 } },
        yAxis: { type: "value", axisLabel: { color: "#cfe3ff", fontSize: 18 }, splitLine: { lineStyle: { color: "#1d3557" } } },
        series: [{ name: L.received, type: "line", smooth: true, data: data.trend.received, lineStyle: { width: 4 } },
                 { name: L.resolved, type: "line", smooth: true, data: data.trend.resolved, lineStyle: { width: 4 } }]
      }));
      charts.push(trend);
    }
    show(current);
  }

  function show(index) {
    var views = document.querySelectorAll(".views .view");
    if (!views.length) { return; }
    current = index % views.length;
    views.forEach(function (v, i) { v.classList.toggle("active", i === current); });
    charts.forEach(function (c) { c.resize(); });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSettle", draw);
  window.setInterval(function () { show(current + 1); }, ROTATE_MS);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
