// The checkout page's summary follows the chosen address: when the buyer picks
// another saved address or province, the server renders the summary again
// (fees by shop.orders.shipping.shipping_fee, the rule the order is charged by),
// including the total the form then submits as the one the buyer saw.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  if (!form) {
    return;
  }
  var summary = form.querySelector(".checkout-summary");
  var asked = 0;

  function chosenProvince() {
    var saved = form.querySelector("input[name='saved_address']:checked");
    if (saved && saved.value) {
      return saved.getAttribute("data-province") || "";
    }
    var province = form.querySelector("select[name='province']");
    return province ? province.value : "";
  }

  function refresh() {
    var url = form.getAttribute("data-preview-url") + "?province=" + encodeURIComponent(chosenProvince());
    var mine = ++asked;
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        if (mine === asked) {
          summary.innerHTML = html;
        }
      })
      .catch(function () {
        // The summary stays; the server asks to confirm if the total changed.
      });
  }

  form.addEventListener("change", function (event) {
    var name = event.target.name || "";
    if (name === "province" || name === "saved_address") {
      refresh();
    }
  });
})();
