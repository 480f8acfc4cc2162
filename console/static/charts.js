// The figures pages' charts: each <canvas data-chart="{type, labels, series}"> drawn with
// the vendored Chart.js (no inline script, no CDN). The tables below stay the reference.
"use strict";
(function () {
  if (typeof Chart === "undefined") { return; }
  var colours = ["#1f6f8b", "#e0a526", "#b33c3c", "#4f8a3c"];
  var rtl = document.documentElement.dir === "rtl";
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = JSON.parse(canvas.dataset.chart);
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (series, index) {
          return { label: series.label, data: series.data,
                   backgroundColor: colours[index % colours.length],
                   borderColor: colours[index % colours.length] };
        })
      },
      options: {
        animation: false,
        responsive: true,
        scales: { x: { reverse: rtl }, y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { rtl: rtl } }
      }
    });
  });
})();
