// Draws the township dashboard's charts from the JSON the page embeds
// (json_script), so the page needs no inline script.
(function () {
  "use strict";
  var source = document.getElementById("aid-dashboard-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = ["#2e7d32", "#c62828", "#1565c0", "#ef6c00"];

  function bar(id, labels, datasets) {
    var canvas = document.getElementById(id);
    if (!canvas || labels.length === 0) {
      return;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: datasets.map(function (dataset, index) {
          return { label: dataset.label, data: dataset.data, backgroundColor: colours[index % colours.length] };
        }),
      },
      options: { responsive: true, maintainAspectRatio: false },
    });
  }

  function breakdown(id, part) {
    bar(
      id,
      part.labels,
      Object.keys(part.series).map(function (name) {
        return { label: data.names[name], data: part.series[name] };
      })
    );
  }

  bar("aid-chart-comparison", data.comparison.labels, [
    { label: data.comparison.currentLabel, data: data.comparison.current },
    { label: data.comparison.previousLabel, data: data.comparison.previous },
  ]);
  breakdown("aid-chart-village", data.village);
  breakdown("aid-chart-producer", data.producer);
  breakdown("aid-chart-category", data.category);
  breakdown("aid-chart-channel", data.channel);
})();
