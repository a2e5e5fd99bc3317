/* Key project dashboard charts: data comes from the json_script block "projects-data". */
(function () {
  "use strict";
  var node = document.getElementById("projects-data");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var L = data.labels;
  var charts = [];

  function go(param, value) {
    window.location = data.drill + "&" + param + "=" + encodeURIComponent(value);
  }

  var stageEl = document.getElementById("chart-stage");
  if (stageEl) {
    var stage = echarts.init(stageEl);
    stage.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 20, bottom: 40, top: 20 },
      xAxis: { type: "category", data: data.stage.map(function (r) { return r.name; }), axisLabel: { interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: L.projects, type: "bar", data: data.stage.map(function (r) { return r.value; }) }]
    });
    stage.on("click", function (e) { var r = data.stage[e.dataIndex]; if (r) { go("stage", r.stage); } });
    charts.push(stage);
  }

  function investment(id, rows, param) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" }, legend: { data: [L.planned, L.completed] },
      grid: { left: 60, right: 20, bottom: 60, top: 30 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value" },
      series: [
        { name: L.planned, type: "bar", data: rows.map(function (r) { return Number(r.planned); }) },
        { name: L.completed, type: "bar", data: rows.map(function (r) { return Number(r.completed); }) }
      ]
    });
    chart.on("click", function (e) { var r = rows[e.dataIndex]; if (r && r.id) { go(param, r.id); } });
    charts.push(chart);
  }
  investment("chart-region", data.region, "region");
  investment("chart-level", data.level, "level");
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
