/* Supervision dashboard charts: data comes from the json_script block "dashboard-data". */
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var L = data.labels;
  var charts = [];

  function bar(id, rows, horizontal) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el);
    var names = rows.map(function (r) { return r.name; });
    // long names (基础设施 水电气暖路, 自然资源和规划局) wrap inside the chart instead of being cut off
    var cat = {
      type: "category", data: names,
      axisLabel: { interval: 0, rotate: horizontal ? 0 : 30, width: horizontal ? 150 : 90, overflow: "break" }
    };
    var val = { type: "value" };
    if (horizontal) { el.style.height = Math.max(320, rows.length * 26 + 60) + "px"; }
    chart.setOption({
      tooltip: { trigger: "axis" }, legend: { data: [L.received, L.resolved] },
      grid: { left: 10, right: 20, bottom: 10, top: 30, containLabel: true },
      xAxis: horizontal ? val : cat, yAxis: horizontal ? cat : val,
      series: [
        { name: L.received, type: "bar", data: rows.map(function (r) { return r.received; }) },
        { name: L.resolved, type: "bar", data: rows.map(function (r) { return r.resolved; }) }
      ]
    });
    charts.push(chart);
    return chart;
  }

  var trendEl = document.getElementById("chart-trend");
  if (trendEl) {
    var trend = echarts.init(trendEl);
    var labels = data.trend.labels.slice();
    if (data.trend.partial && labels.length) {
      // the current month (or week) is not over: say so instead of letting the line look like a plunge
      labels[labels.length - 1] += "\n(" + L.partial + ")";
    }
    var partialArea = data.trend.partial && labels.length ? {
      silent: true, itemStyle: { color: "rgba(150,150,150,0.12)" },
      data: [[{ xAxis: labels[labels.length - 1] }, { xAxis: labels[labels.length - 1] }]]
    } : undefined;
    trend.setOption({
      tooltip: { trigger: "axis" }, legend: { data: [L.received, L.resolved] },
      grid: { left: 10, right: 20, bottom: 10, top: 30, containLabel: true },
      xAxis: { type: "category", data: labels }, yAxis: { type: "value" },
      series: [
        { name: L.received, type: "line", smooth: true, data: data.trend.received, markArea: partialArea },
        { name: L.resolved, type: "line", smooth: true, data: data.trend.resolved }
      ]
    });
    charts.push(trend);
  }
  var category = bar("chart-category", data.category, false);
  var region = bar("chart-region", data.region, false);
  var department = bar("chart-department", data.department.slice().reverse(), true);
  if (department) { department.resize(); }

  function drillTo(param, rows) {
    return function (event) {
      var row = rows[event.dataIndex];
      if (row && row.id) { window.location = data.drill + "&" + param + "=" + encodeURIComponent(row.id); }
    };
  }
  if (category) { category.on("click", drillTo("category", data.category)); }
  if (region) { region.on("click", drillTo("region", data.region)); }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
