// Province → city → district picker. Any element with data-regions-url holding
// a province <select> and city/district text inputs (names ending in
// "province", "city", "district") gets the city and district inputs replaced
// by lists of the chosen province's cities and the chosen city's districts,
// from the vendored GB/T 2260 data (scripts/vendor_regions.py) the server
// validates against. Without this script the text inputs stay and still work.
(function () {
  "use strict";

  function field(root, suffix) {
    return root.querySelector("[name$='" + suffix + "']");
  }

  // A <select> taking the input's place: same id, name, classes and attributes.
  function selectFor(input) {
    var select = document.createElement("select");
    Array.prototype.forEach.call(input.attributes, function (attr) {
      if (["type", "value", "maxlength", "inputmode"].indexOf(attr.name) === -1) {
        select.setAttribute(attr.name, attr.value);
      }
    });
    input.replaceWith(select);
    return select;
  }

  function fill(select, names, current) {
    select.textContent = "";
    var blank = document.createElement("option");
    blank.value = "";
    blank.textContent = "—";
    select.appendChild(blank);
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      select.appendChild(option);
    });
    // A single choice (a municipality's city) is chosen for the buyer.
    select.value = names.indexOf(current) !== -1 ? current : names.length === 1 ? names[0] : "";
    select.disabled = names.length === 0;
  }

  function setUp(root, regions) {
    var province = field(root, "province");
    var cityInput = field(root, "city");
    var districtInput = field(root, "district");
    if (!province || !cityInput || !districtInput) {
      return;
    }
    var city = selectFor(cityInput);
    var district = selectFor(districtInput);
    var startCity = cityInput.value;
    var startDistrict = districtInput.value;

    function cities() {
      return regions[province.value] || {};
    }
    function refreshDistricts(current) {
      fill(district, cities()[city.value] || [], current);
    }
    function refreshCities(currentCity, currentDistrict) {
      fill(city, Object.keys(cities()), currentCity);
      refreshDistricts(currentDistrict);
    }
    refreshCities(startCity, startDistrict);
    province.addEventListener("change", function () {
      refreshCities("", "");
    });
    city.addEventListener("change", function () {
      refreshDistricts("");
    });
  }

  document.querySelectorAll("[data-regions-url]").forEach(function (root) {
    fetch(root.getAttribute("data-regions-url"))
      .then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (regions) {
        setUp(root, regions);
      })
      .catch(function () {
        // The text inputs stay: the form still works, and the server checks the names.
      });
  });
})();
