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
    var cat = { type: "category", data: names, axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } };
    var val = { type: "value" };
    chart.setOption({
      tooltip: { trigger: "axis" }, legend: { data: [L.received, L.resolved] },
      grid: { left: horizontal ? 110 : 40, right: 20, bottom: horizontal ? 30 : 70, top: 30 },
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
    trend.setOption({
      tooltip: { trigger: "axis" }, legend: { data: [L.received, L.resolved] },
      grid: { left: 40, right: 20, bottom: 30, top: 30 },
      xAxis: { type: "category", data: data.trend.labels }, yAxis: { type: "value" },
      series: [
        { name: L.received, type: "line", smooth: true, data: data.trend.received },
        { name: L.resolved, type: "line", smooth: true, data: data.trend.resolved }
      ]
    });
    charts.push(trend);
  }
  var category = bar("chart-category", data.category, false);
  var region = bar("chart-region", data.region, false);
  bar("chart-department", data.department.slice().reverse(), true);

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
