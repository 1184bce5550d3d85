/* The dashboard's charts (ECharts, served from our own static files). Each chart reads its data from the
   data-chart attribute of its element (JSON written by the server); every data point carries the URL of the
   list behind it, and a click on a bar, point or slice opens that list. No inline script (CSP). */
(function () {
  "use strict";

  if (typeof window.echarts === "undefined") {
    return;
  }

  var COLORS = ["#c0392b", "#3465a4", "#e67e22", "#16a085", "#8e44ad", "#7f8c8d", "#2c3e50", "#d4ac0d"];

  function base() {
    return {
      color: COLORS,
      textStyle: { fontFamily: "system-ui, -apple-system, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
      tooltip: { trigger: "item" },
      animation: false
    };
  }

  function category(option, labels, horizontal) {
    var axis = { type: "category", data: labels, axisLabel: { interval: 0, hideOverlap: true } };
    var values = { type: "value", minInterval: 1 };
    option.grid = { left: horizontal ? 110 : 40, right: 20, top: 30, bottom: 30, containLabel: !horizontal };
    option.xAxis = horizontal ? values : axis;
    option.yAxis = horizontal ? axis : values;
    return option;
  }

  var BUILDERS = {
    trend: function (data) {
      var option = category(base(), data.months, false);
      option.tooltip = { trigger: "axis" };
      option.legend = { data: ["新收", "办结"], top: 0 };
      option.series = [
        { name: "新收", type: "bar", data: data["new"] },
        { name: "办结", type: "line", data: data.concluded, symbolSize: 8 }
      ];
      return option;
    },
    pie: function (data) {
      var option = base();
      option.legend = { bottom: 0, type: "scroll" };
      option.series = [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: data,
        label: { formatter: "{b}\n{c}" } }];
      return option;
    },
    bar: function (data) {
      var labels = data.map(function (d) { return d.name; }).reverse();
      var option = category(base(), labels, true);
      option.series = [{ type: "bar", data: data.slice().reverse(), label: { show: true, position: "right" } }];
      return option;
    },
    overdue: function (data) {
      var option = category(base(), data.units, true);
      option.series = [{ type: "bar", data: data.data, itemStyle: { color: "#c0392b" },
        label: { show: true, position: "right" } }];
      return option;
    },
    rates: function (data) {
      var option = category(base(), data.units, false);
      option.tooltip = { trigger: "item", valueFormatter: function (v) { return v === null ? "不适用" : v + "%"; } };
      option.legend = { top: 0, type: "scroll" };
      option.yAxis.max = 100;
      option.yAxis.axisLabel = { formatter: "{value}%" };
      option.series = data.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data };
      });
      return option;
    }
  };

  var charts = [];

  document.querySelectorAll(".xf-chart[data-chart]").forEach(function (el) {
    var build = BUILDERS[el.getAttribute("data-kind")];
    var data;
    try {
      data = JSON.parse(el.getAttribute("data-chart"));
    } catch (e) {
      return;
    }
    if (!build) {
      return;
    }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(build(data));
    chart.on("click", function (params) {
      var url = params && params.data && params.data.url;
      if (url && url.charAt(0) === "/") {
        window.location.assign(url);
      }
    });
    el.setAttribute("data-rendered", "1");
    charts.push(chart);
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
