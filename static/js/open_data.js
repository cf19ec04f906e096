// Draws the open-data page's two charts from the JSON the page embeds
// (json_script), so the page needs no inline script. Amounts come in fen;
// the tables below the charts carry every figure, so the charts are extra.
(function () {
  "use strict";
  var source = document.getElementById("open-data-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = ["#b42318", "#1a7f37", "#1565c0", "#ef6c00", "#6f42c1", "#00838f", "#8d6e63", "#c2185b", "#558b2f"];

  function yuan(fen) {
    return "¥" + (fen / 100).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function bar(id, datasets, stacked) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    if (data.labels.length === 0 || datasets.length === 0) {
      // Nothing to draw (no month paid out yet, or every cell suppressed).
      canvas.closest("figure").hidden = true;
      return;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: datasets.map(function (dataset, index) {
          return { label: dataset.label, data: dataset.data, backgroundColor: colours[index % colours.length] };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        // Chart.js animates the bars growing unless told not to.
        animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + yuan(item.raw);
              },
            },
          },
        },
        scales: {
          x: { stacked: stacked },
          y: {
            stacked: stacked,
            beginAtZero: true,
            ticks: {
              callback: function (value) {
                return "¥" + (value / 100).toLocaleString();
              },
            },
          },
        },
      },
    });
  }

  document.querySelector(".open-data-charts").hidden = false;
  bar(
    "open-data-chart-sales",
    [
      { label: data.names.sales, data: data.sales },
      { label: data.names.accrued, data: data.accrued },
    ],
    false
  );
  bar("open-data-chart-distributed", data.distributed, true);
})();
